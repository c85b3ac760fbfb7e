"""Losses, each defined per sample and averaged over the samples of a batch.

``value(name, a, y)`` is the batch loss J; ``gradient(name, a, y)`` is ∂J/∂ŷ with
the 1/B of the batch average already applied.  Textbooks differ in the constant in
front of the squared error, so all three common conventions are here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

#: Outputs are kept this far from 0 and 1 inside logarithms.
EPS = 1e-12


def mse(a, y):
    # mean over outputs of (ŷ − y)²; for one output this is the lecture's (ŷ − y)²
    d = a - y
    return np.add.reduce(d * d, axis=-1) / d.shape[-1]


def mse_gradient(a, y):
    # ∂/∂ŷ_k = 2(ŷ_k − y_k) / n_out
    return 2.0 * (a - y) / a.shape[-1]


def sse(a, y):
    # Σ_k (ŷ_k − y_k)²
    return np.sum((a - y) ** 2, axis=-1)


def sse_gradient(a, y):
    # ∂/∂ŷ_k = 2(ŷ_k − y_k)
    return 2.0 * (a - y)


def half_sse(a, y):
    # ½ Σ_k (ŷ_k − y_k)²
    return 0.5 * np.sum((a - y) ** 2, axis=-1)


def half_sse_gradient(a, y):
    # ∂/∂ŷ_k = ŷ_k − y_k
    return a - y


def bce(a, y):
    # −mean_k [y log ŷ + (1 − y) log(1 − ŷ)], ŷ clipped into (0, 1)
    a = np.clip(a, EPS, 1.0 - EPS)
    return -np.mean(y * np.log(a) + (1.0 - y) * np.log1p(-a), axis=-1)


def bce_gradient(a, y):
    # ∂/∂ŷ_k = (ŷ − y) / (ŷ(1 − ŷ)) / n_out
    a = np.clip(a, EPS, 1.0 - EPS)
    return (a - y) / (a * (1.0 - a)) / a.shape[-1]


def cross_entropy(a, y):
    # −Σ_k y_k log ŷ_k   (y one-hot, ŷ a softmax output)
    return -np.sum(y * np.log(np.clip(a, EPS, None)), axis=-1)


def cross_entropy_gradient(a, y):
    # ∂/∂ŷ_k = −y_k / ŷ_k
    return -y / np.clip(a, EPS, None)


@dataclass(frozen=True)
class Loss:
    """One loss: its per-sample rule and gradient, and how the lecture writes it."""

    name: str
    label: str
    per_sample: Callable
    gradient_per_sample: Callable
    #: the per-sample loss over n outputs: "Σₖ (ŷₖ − yₖ)²"
    formula: str
    #: the same for a single output: "(ŷ − y)²"
    one_output_formula: str


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", "Mean squared error", mse, mse_gradient,
             "meanₖ (ŷₖ − yₖ)²", "(ŷ − y)²"),
        Loss("sse", "Sum of squared errors", sse, sse_gradient,
             "Σₖ (ŷₖ − yₖ)²", "(ŷ − y)²"),
        Loss("half_sse", "½ sum of squares", half_sse, half_sse_gradient,
             "½ Σₖ (ŷₖ − yₖ)²", "½(ŷ − y)²"),
        Loss("bce", "Binary cross-entropy", bce, bce_gradient,
             "−meanₖ [yₖ·log ŷₖ + (1 − yₖ)·log(1 − ŷₖ)]",
             "−[y·log ŷ + (1 − y)·log(1 − ŷ)]"),
        Loss("cross_entropy", "Cross-entropy", cross_entropy, cross_entropy_gradient,
             "−Σₖ yₖ·log ŷₖ", "−y·log ŷ"),
    )
}


def get(name: str) -> Loss:
    return LOSSES[name]


def per_sample(name: str, a, y) -> np.ndarray:
    """Loss of each sample, shape (B,)."""
    return LOSSES[name].per_sample(a, y)


def value(name: str, a, y) -> float:
    """The batch loss J: the mean over samples of the per-sample loss."""
    return float(np.mean(per_sample(name, a, y)))


def gradient(name: str, a, y) -> np.ndarray:
    """∂J/∂ŷ for the batch, shape (B, n_out), including the 1/B of the mean."""
    return LOSSES[name].gradient_per_sample(a, y) / a.shape[0]


def fused_output_delta(loss: str, activation: str, a, y) -> np.ndarray | None:
    """∂J/∂z at the output for the pairs whose combined derivative is simple and stable.

    sigmoid + bce: ∂J/∂z = (ŷ − y)/(B·n_out); softmax + cross_entropy: (ŷ − y)/B.
    Computing these directly avoids dividing by ŷ(1 − ŷ) when the output saturates.
    Returns None for every other pair.
    """
    if loss == "bce" and activation == "sigmoid":
        return (a - y) / (a.shape[0] * a.shape[-1])
    if loss == "cross_entropy" and activation == "softmax":
        return (a - y) / a.shape[0]
    return None


def fused_per_sample(loss: str, activation: str, z, y) -> np.ndarray | None:
    """Per-sample loss computed from the logits z for the fused pairs (stable for large |z|)."""
    if loss == "bce" and activation == "sigmoid":
        # −[y log σ(z) + (1−y) log(1−σ(z))] = softplus(z) − y·z
        return np.mean(np.logaddexp(0.0, z) - y * z, axis=-1)
    if loss == "cross_entropy" and activation == "softmax":
        # −Σ y_k log softmax(z)_k = Σ y_k (logsumexp(z) − z_k)
        m = z.max(axis=-1, keepdims=True)
        lse = m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))
        return np.sum(y * (lse - z), axis=-1)
    return None
