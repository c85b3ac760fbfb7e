"""Superscripts and subscripts in plain Unicode text: W⁽²⁾₁,₀, 10⁻⁷, x₁."""

from __future__ import annotations

_SUPERSCRIPTS = str.maketrans("0123456789+-−=()nlLiTjk",
                              "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿˡᴸⁱᵀʲᵏ")
_SUBSCRIPTS = str.maketrans("0123456789+-−=()aeijklmnoprstuvx",
                            "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")


def superscript(text: object) -> str:
    """``text`` raised where Unicode has the characters: 2 → ², (l) → ⁽ˡ⁾, -7 → ⁻⁷.
    Characters without a superscript form are kept as they are."""
    return str(text).translate(_SUPERSCRIPTS)


def subscript(text: object) -> str:
    """``text`` lowered where Unicode has the characters: 12 → ₁₂, "1,0" → ₁,₀."""
    return str(text).translate(_SUBSCRIPTS)


def layer_superscript(layer: object) -> str:
    """The layer mark of the lecture's notation: 2 → ⁽²⁾."""
    return superscript(f"({layer})")
