"""How an input feature is written on screen: x₁, x₁², x₁x₂, sin x₂."""

from __future__ import annotations

from .scripts import subscript, superscript

_X1, _X2 = f"x{subscript(1)}", f"x{subscript(2)}"

#: the symbol of each feature id of :data:`bpsim.features.FEATURES`
_LABELS = {
    "x1": _X1, "x2": _X2,
    "x1^2": f"{_X1}{superscript(2)}", "x2^2": f"{_X2}{superscript(2)}",
    "x1*x2": f"{_X1}{_X2}",
    "sin(x1)": f"sin {_X1}", "sin(x2)": f"sin {_X2}",
}


def feature_label(name: str) -> str:
    """The symbol of feature ``name`` ("x1^2" → "x₁²")."""
    return _LABELS[name]


def input_labels(features, inputs: int) -> list[str]:
    """The caption of each of ``inputs`` input neurons: its feature's symbol, or x
    (one input) / x₁ … xₙ when the inputs are the samples' own columns."""
    features = tuple(features)
    if len(features) == inputs and features != ("x1", "x2")[:len(features)]:
        return [feature_label(name) for name in features]
    if inputs == 1:
        return ["x"]
    return [f"x{subscript(j + 1)}" for j in range(inputs)]
