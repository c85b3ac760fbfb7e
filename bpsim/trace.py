"""Immutable records of one training step, phase by phase.

A step is: forward through layers 1..L, the loss, backward through layers L..1, the
update.  Each phase produces one record; the window replays these records and never
recomputes them.  Arrays in records are read-only.  Layers are numbered as in the
lecture: layer 0 holds the inputs, layer l (1..L) is computed with ``W⁽ˡ⁾``, which is
``network.weights[l - 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import numpy as np


def frozen(array) -> np.ndarray:
    """A read-only float view of ``array`` (copying only when it is not already an array)."""
    out = np.asarray(array, dtype=float)
    if out.flags.writeable:  # setting the flag costs more than reading it
        out.setflags(write=False)
    return out


@dataclass(frozen=True, slots=True)
class ForwardRecord:
    """Layer ``layer`` reached by the forward pass."""

    layer: int
    #: name of the activation f of this layer
    activation: str
    #: a⁽ˡ⁻¹⁾, what flows in from the previous layer, shape (B, n_{l-1})
    inputs: np.ndarray
    #: total input z⁽ˡ⁾ = a⁽ˡ⁻¹⁾ W⁽ˡ⁾ᵀ + b⁽ˡ⁾, shape (B, n_l)
    z: np.ndarray
    #: output a⁽ˡ⁾ = f(z⁽ˡ⁾), shape (B, n_l)
    a: np.ndarray
    #: f′(z⁽ˡ⁾), shape (B, n_l): the derivative the backward pass multiplies ∂J/∂a⁽ˡ⁾
    #: by, at this layer's own parameter (the leaky slope α).  Softmax couples its
    #: units: here the Jacobian's diagonal ∂a_k/∂z_k, while its backward pass uses the
    #: whole Jacobian diag(a) − a aᵀ
    derivative: np.ndarray
    #: α of f(z) = z if z ≥ 0 else α·z for a leaky-ReLU layer; None for an activation
    #: without a parameter
    leaky_slope: float | None = None


@dataclass(frozen=True, slots=True)
class LossRecord:
    """The loss of the batch, between the forward and the backward pass."""

    #: name of the loss function
    loss_name: str
    #: J, the mean over the batch of the per-sample loss
    loss: float
    #: loss of each sample, shape (B,)
    per_sample: np.ndarray
    #: ŷ = a⁽ᴸ⁾, shape (B, n_L)
    prediction: np.ndarray
    #: y, shape (B, n_L)
    target: np.ndarray
    #: ∂J/∂ŷ, shape (B, n_L) (includes the 1/B of the batch mean)
    grad_output: np.ndarray
    #: the mean of ``per_sample`` (J without the penalty); None: the same as ``loss``
    data_loss: float | None = None
    #: "none", "l1" or "l2" (see bpsim.regularization)
    regularization: str = "none"
    #: λ in J = data loss + λ·R
    regularization_rate: float = 0.0
    #: R of the weights before the update: ½·Σw² (l2) or Σ|w| (l1)
    penalty: float = 0.0

    def __post_init__(self):
        if self.data_loss is None:
            object.__setattr__(self, "data_loss", self.loss)

    @property
    def regularized(self) -> bool:
        """Whether J holds a penalty term λ·R (J = data loss + λ·R)."""
        return self.regularization != "none" and self.regularization_rate != 0.0


@dataclass(frozen=True, slots=True)
class BackwardRecord:
    """Layer ``layer`` reached by the backward pass."""

    layer: int
    #: ∂J/∂a⁽ˡ⁾, what flows back into this layer's outputs, shape (B, n_l)
    grad_a: np.ndarray
    #: δ⁽ˡ⁾ = ∂J/∂z⁽ˡ⁾ = ∂J/∂a⁽ˡ⁾ ⊙ f'(z⁽ˡ⁾), shape (B, n_l)
    delta: np.ndarray
    #: ∂J/∂W⁽ˡ⁾ = δ⁽ˡ⁾ᵀ a⁽ˡ⁻¹⁾ summed over the batch, shape (n_l, n_{l-1})
    grad_weights: np.ndarray
    #: ∂J/∂b⁽ˡ⁾ = Σ_batch δ⁽ˡ⁾, shape (n_l,)
    grad_biases: np.ndarray
    #: ‖∂J/∂W⁽ˡ⁾‖, the Frobenius norm
    grad_norm: float
    #: with a weight penalty: λ·∂R/∂W⁽ˡ⁾ (λ·W for l2, λ·sign(W) for l1), the term
    #: ``grad_weights`` includes; None without one
    penalty_grad_weights: np.ndarray | None = None
    #: with a weight penalty: δ⁽ˡ⁾ᵀ a⁽ˡ⁻¹⁾, the data loss's part of ``grad_weights``
    data_grad_weights: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class UpdateRecord:
    """The update of the parameters by the optimizer: W ← W − η ∂J/∂W (with momentum:
    W ← W + v; RMSprop and Adam scale the step by running averages of ∂J/∂W)."""

    learning_rate: float
    momentum: float
    train_biases: bool
    #: parameters before and after, one array per layer 1..L
    weights_before: tuple[np.ndarray, ...]
    weights_after: tuple[np.ndarray, ...]
    biases_before: tuple[np.ndarray, ...]
    biases_after: tuple[np.ndarray, ...]
    #: False when the step diverged and the update was not applied
    applied: bool = True
    #: "sgd", "nesterov", "rmsprop" or "adam" (see bpsim.training.OPTIMIZERS)
    optimizer: str = "sgd"
    #: ρ of RMSprop, β₁ and β₂ of Adam, ε of both (the settings the update used)
    rho: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    #: t, Adam's count of updates, this one included (bias correction 1 − βᵗ)
    t: int = 0
    #: the optimizer's state before the update, by name ("velocity" v; RMSprop's
    #: "mean_square" s; Adam's "first_moment" m and "second_moment" v), each
    #: (weights per layer, biases per layer); empty for plain gradient descent.  A
    #: state that has not started yet holds zeros.
    state_before: dict = field(default_factory=dict)
    #: the state after it (the state kept when ``applied``); Adam's also holds the
    #: bias-corrected "first_moment_corrected" m̂ = m/(1 − β₁ᵗ) and
    #: "second_moment_corrected" v̂ = v/(1 − β₂ᵗ) the step used
    state_after: dict = field(default_factory=dict)

    def state_value(self, name: str, kind: str, layer: int, index: tuple,
                    after: bool = True) -> float:
        """One entry of the optimizer's state: ``kind`` "weight" or "bias", ``layer``
        counted from 1, ``index`` within the layer's array."""
        weights, biases = (self.state_after if after else self.state_before)[name]
        return float((weights if kind == "weight" else biases)[layer - 1][index])


Phase = Union[ForwardRecord, LossRecord, BackwardRecord, UpdateRecord]


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One whole training step: the batch and every phase record, in order."""

    #: number of steps taken before this one (0 for the first step)
    step: int
    #: indices into the dataset of the samples in this batch
    sample_indices: np.ndarray
    forward: tuple[ForwardRecord, ...]
    loss: LossRecord
    #: output layer first, as computed
    backward: tuple[BackwardRecord, ...]
    update: UpdateRecord
    #: None, or where the first non-finite number appeared, e.g. "forward layer 3"
    divergence: str | None = None
    #: the data loss on the held-out test samples, before this step's update (None
    #: without test samples)
    test_loss: float | None = None

    @property
    def phases(self) -> tuple[Phase, ...]:
        """All phases in the order they happen."""
        return (*self.forward, self.loss, *self.backward, self.update)

    @property
    def inputs(self) -> np.ndarray:
        return self.forward[0].inputs

    @property
    def activations(self) -> list[np.ndarray]:
        """a⁽⁰⁾ … a⁽ᴸ⁾ (a⁽⁰⁾ the inputs)."""
        return [self.forward[0].inputs, *(f.a for f in self.forward)]

    @property
    def grad_norms(self) -> np.ndarray:
        """‖∂J/∂W⁽ˡ⁾‖ for l = 1..L, input side first."""
        return np.array([b.grad_norm for b in reversed(self.backward)])

    def backward_for(self, layer: int) -> BackwardRecord:
        """The backward record of layer ``layer`` (1..L)."""
        return self.backward[len(self.backward) - layer]

    @property
    def diverged(self) -> bool:
        return self.divergence is not None
