"""Superscripts and subscripts in plain Unicode text: W⁽²⁾₁,₀, 10⁻⁷, x₁."""

from __future__ import annotations

_SUPERSCRIPTS = str.maketrans("0123456789+-−=()nlLiTjkm",
                              "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿˡᴸⁱᵀʲᵏᵐ")
#: the comma between indices (W₁,₀) stays on the line: Unicode has no subscript comma
_SUBSCRIPTS = str.maketrans("0123456789+-−=()aeijklmnoprstuvx,",
                            "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ,")


def _all_have_a_form(text: str, table: dict) -> bool:
    return all(ord(c) in table for c in text)


def superscript(text: object, strict: bool = False) -> str:
    """``text`` raised where Unicode has the characters: 2 → ², (l) → ⁽ˡ⁾, -7 → ⁻⁷.
    Characters without a superscript form are kept as they are; with ``strict``, a
    text with any such character is written ^(text) instead, so that no half-raised
    exponent is misread."""
    text = str(text)
    if strict and not _all_have_a_form(text, _SUPERSCRIPTS):
        return f"^({text})"
    return text.translate(_SUPERSCRIPTS)


def subscript(text: object, strict: bool = False) -> str:
    """``text`` lowered where Unicode has the characters: 12 → ₁₂, "1,0" → ₁,₀.
    With ``strict``, a text with a character that has no subscript form is written
    _b, _batch or _(b,1) instead."""
    text = str(text)
    if strict and not _all_have_a_form(text, _SUBSCRIPTS):
        return f"_{text}" if len(text) == 1 or text.isalnum() else f"_({text})"
    return text.translate(_SUBSCRIPTS)


def layer_superscript(layer: object) -> str:
    """The layer mark of the lecture's notation: 2 → ⁽²⁾."""
    return superscript(f"({layer})")
