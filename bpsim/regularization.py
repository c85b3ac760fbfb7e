"""Weight penalties: J = data loss + λ·R over the weights (never the biases).

L2: R = ½·Σ w²,  ∂R/∂w = w.       L1: R = Σ |w|,  ∂R/∂w = sign(w) (0 at w = 0).

:func:`penalty` and :func:`add_gradient` are the only places these formulas are
computed: the step's records, the bulk path and the gradient check all call them, so
they agree to the last bit.
"""

from __future__ import annotations

import numpy as np

#: the kinds of regularization, as a scenario file names them
KINDS = ("none", "l1", "l2")

#: R written out, for formulas on screen
FORMULAS = {"l1": "R = Σ|w|", "l2": "R = ½·Σw²"}

#: ∂R/∂w written with the weight's symbol, as the chain rule ends in "+ λ·w"
GRADIENT_TERMS = {"l1": "λ·sign(w)", "l2": "λ·w"}


def active(kind: str, rate: float) -> bool:
    """Whether the penalty changes anything (a kind other than none and λ ≠ 0)."""
    return kind != "none" and rate != 0.0


def penalty(kind: str, weights) -> float:
    """R of the weights, one array per layer: ½·Σw² (l2) or Σ|w| (l1); 0 for none."""
    if kind == "l2":
        return float(sum(0.5 * float(np.vdot(w, w)) for w in weights))
    if kind == "l1":
        return float(sum(float(np.add.reduce(np.abs(w), axis=None)) for w in weights))
    return 0.0


def derivative(kind: str, w: np.ndarray) -> np.ndarray:
    """∂R/∂w elementwise: w (l2), sign(w) with sign(0) = 0 (l1)."""
    if kind == "l2":
        return w
    if kind == "l1":
        return np.sign(w)
    return np.zeros_like(w)


def gradient_term(kind: str, rate: float, w: np.ndarray) -> np.ndarray:
    """λ·∂R/∂w, what the penalty adds to ∂J/∂w."""
    return rate * derivative(kind, w)


def add_gradient(kind: str, rate: float, grad_w: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``grad_w`` + λ·∂R/∂w in place (the bulk path) — the same numbers as
    ``grad_w + gradient_term(kind, rate, w)``."""
    grad_w += gradient_term(kind, rate, w)
    return grad_w
