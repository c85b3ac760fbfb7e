"""Activation functions, each with its derivative beside it.

Every function takes the total input ``z`` (any shape) and returns an array of the
same shape.  ``derivative(z, a)`` receives both z and the already computed output
``a = f(z)`` so that sigmoid and tanh can reuse it.  Softmax couples the neurons of a
layer, so instead of an elementwise derivative it has a vector-Jacobian product,
used through :func:`backward`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

DEFAULT_LEAKY_SLOPE = 0.01


def identity(z, slope=DEFAULT_LEAKY_SLOPE):
    return np.array(z, dtype=float, copy=True)


def identity_derivative(z, a, slope=DEFAULT_LEAKY_SLOPE):
    # d/dz z = 1
    return np.ones_like(z, dtype=float)


def sigmoid(z, slope=DEFAULT_LEAKY_SLOPE):
    # σ(z) = 1/(1 + e^−z).  This form is accurate on both sides (for z ≪ 0, e^−z is
    # huge and 1/(1 + e^−z) ≈ e^z keeps its relative precision); e^−z is capped at
    # e^709 so it never overflows, which leaves σ(z) ≈ 1e-308 instead of 0 below −709.
    z = np.asarray(z, dtype=float)
    t = np.negative(z, out=np.empty_like(z))
    np.minimum(t, 709.0, out=t)
    np.exp(t, out=t)
    t += 1.0
    return np.divide(1.0, t, out=t)


def sigmoid_derivative(z, a, slope=DEFAULT_LEAKY_SLOPE):
    # σ'(z) = σ(z)(1 − σ(z)) ≤ 0.25
    return a * (1.0 - a)


def tanh(z, slope=DEFAULT_LEAKY_SLOPE):
    return np.tanh(z)


def tanh_derivative(z, a, slope=DEFAULT_LEAKY_SLOPE):
    # tanh'(z) = 1 − tanh²(z)
    return 1.0 - a * a


def relu(z, slope=DEFAULT_LEAKY_SLOPE):
    return np.maximum(z, 0.0)


def relu_derivative(z, a, slope=DEFAULT_LEAKY_SLOPE):
    # ReLU'(z) = 1 for z > 0, else 0 (0 is taken at z = 0)
    return (np.asarray(z) > 0).astype(float)


def leaky_relu(z, slope=DEFAULT_LEAKY_SLOPE):
    return np.where(z >= 0, z, slope * np.asarray(z, dtype=float))


def leaky_relu_derivative(z, a, slope=DEFAULT_LEAKY_SLOPE):
    # LReLU'(z) = 1 for z > 0, α otherwise
    return np.where(np.asarray(z) > 0, 1.0, slope)


def softmax(z, slope=DEFAULT_LEAKY_SLOPE):
    # softmax(z)_k = e^(z_k − max z) / Σ_j e^(z_j − max z), along the last axis
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_derivative(z, a, slope=DEFAULT_LEAKY_SLOPE):
    # Diagonal of the Jacobian, ∂a_k/∂z_k = a_k(1 − a_k); used only for display.
    return a * (1.0 - a)


def softmax_backward(z, a, grad_a, slope=DEFAULT_LEAKY_SLOPE):
    # ∂J/∂z_k = a_k (∂J/∂a_k − Σ_j a_j ∂J/∂a_j)   (Jacobian diag(a) − a aᵀ)
    return a * (grad_a - np.sum(a * grad_a, axis=-1, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """One activation: its name, forward rule, derivative, and how the lecture writes them."""

    name: str
    label: str
    forward: Callable
    derivative: Callable
    elementwise: bool = True
    #: f(z) written out: "σ(z) = 1 / (1 + e^−z)"
    formula: str = ""
    #: how f is written in a formula: σ(z), ReLU(z); the generic f for identity
    symbol: str = "f"
    #: f′ written out, as the chain rule uses it: "σ(z)(1 − σ(z))"
    derivative_formula: str = ""

    @property
    def derivative_symbol(self) -> str:
        """How f′ is written in a formula: σ′(z), ReLU′(z)."""
        return self.symbol + "′"

    @property
    def prose_label(self) -> str:
        """The name inside a sentence: "sigmoid", "leaky ReLU", "ReLU"."""
        return self.label[:1].lower() + self.label[1:] if self.label[1:2].islower() \
            else self.label

    def backward(self, z, a, grad_a, slope: float = DEFAULT_LEAKY_SLOPE):
        """∂J/∂z from ∂J/∂a: f'(z) ⊙ ∂J/∂a, or the softmax vector-Jacobian product."""
        if not self.elementwise:  # softmax, the only coupled activation
            return softmax_backward(z, a, grad_a, slope)
        return grad_a * self.derivative(z, a, slope)


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("identity", "Identity", identity, identity_derivative, formula="f(z) = z",
                   symbol="f", derivative_formula="1"),
        Activation("sigmoid", "Sigmoid", sigmoid, sigmoid_derivative,
                   formula="σ(z) = 1 / (1 + e^−z)", symbol="σ",
                   derivative_formula="σ(z)(1 − σ(z))"),
        Activation("tanh", "Tanh", tanh, tanh_derivative, formula="tanh(z)", symbol="tanh",
                   derivative_formula="1 − tanh²(z)"),
        Activation("relu", "ReLU", relu, relu_derivative, formula="max(0, z)", symbol="ReLU",
                   derivative_formula="1 if z > 0 else 0"),
        Activation("leaky_relu", "Leaky ReLU", leaky_relu, leaky_relu_derivative,
                   formula="z if z ≥ 0 else α·z", symbol="LReLU",
                   derivative_formula="1 if z > 0 else α"),
        Activation("softmax", "Softmax", softmax, softmax_derivative, elementwise=False,
                   formula="e^z_k / Σ e^z_j", symbol="softmax",
                   derivative_formula="a_k(1[k = m] − a_m)"),
    )
}

ALIASES = {"linear": "identity"}

#: Activations a hidden layer may use (softmax belongs on the output layer only).
HIDDEN_ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu")


def canonical(name: str) -> str:
    """The canonical name of an activation, resolving aliases; KeyError if unknown."""
    name = ALIASES.get(name, name)
    if name not in ACTIVATIONS:
        raise KeyError(name)
    return name


def get(name: str) -> Activation:
    return ACTIVATIONS[canonical(name)]


def forward(name: str, z, slope: float = DEFAULT_LEAKY_SLOPE):
    return get(name).forward(z, slope)


def derivative(name: str, z, a, slope: float = DEFAULT_LEAKY_SLOPE):
    """Elementwise f'(z) (for softmax: the Jacobian's diagonal, for display only)."""
    return get(name).derivative(z, a, slope)


def backward(name: str, z, a, grad_a, slope: float = DEFAULT_LEAKY_SLOPE):
    """∂J/∂z from ∂J/∂a: f'(z) ⊙ ∂J/∂a, or the softmax vector-Jacobian product."""
    return get(name).backward(z, a, grad_a, slope)
