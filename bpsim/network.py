"""A feedforward network: layer sizes, one activation per layer, weights and biases.

``weights[l - 1]`` is W⁽ˡ⁾ with shape (n_l, n_{l-1}): ``W⁽ˡ⁾[j, i]`` connects neuron i
of layer l−1 to neuron j of layer l.  ``biases[l - 1]`` is b⁽ˡ⁾ with shape (n_l,).
Parameter arrays are read-only: an edit or an update replaces an array, so records
of earlier passes that hold the old arrays stay true.
"""

from __future__ import annotations

import math

import numpy as np

from . import activations as act
from . import losses
from .trace import BackwardRecord, ForwardRecord, frozen


def frobenius(matrix: np.ndarray) -> float:
    """‖M‖ = √(Σ m²)."""
    return math.sqrt(np.vdot(matrix, matrix))


def same_parameters(network: "Network", weights, biases) -> bool:
    """True when every W⁽ˡ⁾ and b⁽ˡ⁾ of ``network`` equals the given ones exactly
    (same layers, same shapes, same numbers)."""
    mine = [*network.weights, *network.biases]
    theirs = [*weights, *biases]
    return len(mine) == len(theirs) and all(
        np.array_equal(a, b) for a, b in zip(mine, theirs))


class Network:
    def __init__(self, layers, activations, weights, biases,
                 leaky_slope: float = act.DEFAULT_LEAKY_SLOPE):
        self.layers = [int(n) for n in layers]
        self.activations = [act.canonical(a) for a in activations]
        self.leaky_slope = float(leaky_slope)
        self.weights = [frozen(np.array(w, dtype=float)) for w in weights]
        self.biases = [frozen(np.array(b, dtype=float)) for b in biases]
        self._check()

    def _check(self) -> None:
        if len(self.layers) < 2:
            raise ValueError("a network needs at least an input and an output layer")
        if len(self.activations) != self.depth:
            raise ValueError(f"expected {self.depth} activations, got {len(self.activations)}")
        for l in range(1, self.depth + 1):
            if self.weights[l - 1].shape != (self.layers[l], self.layers[l - 1]):
                raise ValueError(f"W{l} has shape {self.weights[l - 1].shape}")
            if self.biases[l - 1].shape != (self.layers[l],):
                raise ValueError(f"b{l} has shape {self.biases[l - 1].shape}")

    @property
    def depth(self) -> int:
        """L, the number of weight layers."""
        return len(self.layers) - 1

    @property
    def parameter_count(self) -> int:
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases))

    def copy(self) -> "Network":
        # Arrays are read-only, so sharing them is safe.
        return Network(self.layers, self.activations, self.weights, self.biases,
                       self.leaky_slope)

    def set_parameters(self, weights, biases) -> None:
        self.weights = [frozen(np.array(w, dtype=float)) for w in weights]
        self.biases = [frozen(np.array(b, dtype=float)) for b in biases]
        self._check()

    def set_weight(self, layer: int, j: int, i: int, value: float) -> None:
        """W⁽ˡ⁾[j, i] = value (replaces the layer's array)."""
        w = np.array(self.weights[layer - 1])
        w[j, i] = value
        self.weights[layer - 1] = frozen(w)

    def set_bias(self, layer: int, j: int, value: float) -> None:
        b = np.array(self.biases[layer - 1])
        b[j] = value
        self.biases[layer - 1] = frozen(b)

    # -- forward ---------------------------------------------------------------

    def layer_forward(self, layer: int, inputs: np.ndarray):
        """(z⁽ˡ⁾, a⁽ˡ⁾): z⁽ˡ⁾ = a⁽ˡ⁻¹⁾ W⁽ˡ⁾ᵀ + b⁽ˡ⁾ and a⁽ˡ⁾ = f(z⁽ˡ⁾), for a batch (B, n_{l-1})."""
        z = inputs @ self.weights[layer - 1].T + self.biases[layer - 1]
        return z, act.ACTIVATIONS[self.activations[layer - 1]].forward(z, self.leaky_slope)

    def forward_layer(self, layer: int, inputs: np.ndarray) -> ForwardRecord:
        """The record of :meth:`layer_forward`, with f′(z⁽ˡ⁾) and the layer's leaky
        slope.  f′ is computed only for records (the backward pass then uses it);
        bulk training goes through :meth:`layer_forward` and folds f′ into δ."""
        z, a = self.layer_forward(layer, inputs)
        name = self.activations[layer - 1]
        derivative = act.ACTIVATIONS[name].derivative(z, a, self.leaky_slope)
        slope = self.leaky_slope if name == "leaky_relu" else None
        return ForwardRecord(layer, name, frozen(inputs), frozen(z), frozen(a),
                             frozen(derivative), slope)

    def forward(self, x) -> list[ForwardRecord]:
        """Records of layers 1..L for a batch x of shape (B, n_0)."""
        records = []
        a = np.atleast_2d(np.asarray(x, dtype=float))
        for layer in range(1, self.depth + 1):
            record = self.forward_layer(layer, a)
            records.append(record)
            a = record.a
        return records

    def predict(self, x) -> np.ndarray:
        """ŷ for a batch x, without keeping records."""
        a = np.atleast_2d(np.asarray(x, dtype=float))
        for w, b, name in zip(self.weights, self.biases, self.activations):
            a = act.forward(name, a @ w.T + b, self.leaky_slope)
        return a

    # -- loss and backward -----------------------------------------------------

    def output_gradients(self, loss: str, z, a, y):
        """(per-sample loss, ∂J/∂ŷ, δ⁽ᴸ⁾) at the output layer, from its z and a = ŷ."""
        activation = self.activations[-1]
        grad_output = losses.gradient(loss, a, y)
        delta = losses.fused_output_delta(loss, activation, a, y)
        if delta is None:  # (activation names are canonical here)
            delta = act.ACTIVATIONS[activation].backward(z, a, grad_output, self.leaky_slope)
        per_sample = losses.fused_per_sample(loss, activation, z, y)
        if per_sample is None:
            per_sample = losses.per_sample(loss, a, y)
        return per_sample, grad_output, delta

    def output_delta(self, loss: str, last: ForwardRecord, y: np.ndarray):
        """:meth:`output_gradients` from the output layer's forward record."""
        return self.output_gradients(loss, last.z, last.a, y)

    def layer_backward(self, layer: int, inputs, z, a, grad_a, delta=None,
                       derivative=None):
        """(δ⁽ˡ⁾, ∂J/∂W⁽ˡ⁾, ∂J/∂b⁽ˡ⁾) from ∂J/∂a⁽ˡ⁾ (or from δ⁽ˡ⁾ itself when given),
        using f′(z⁽ˡ⁾) when it is already at hand."""
        if delta is None:
            activation = act.ACTIVATIONS[self.activations[layer - 1]]
            if derivative is not None and activation.elementwise:
                delta = grad_a * derivative           # δ⁽ˡ⁾ = ∂J/∂a⁽ˡ⁾ ⊙ f'(z⁽ˡ⁾)
            else:
                delta = activation.backward(z, a, grad_a, self.leaky_slope)
        grad_w = delta.T @ inputs                 # ∂J/∂W⁽ˡ⁾ = δ⁽ˡ⁾ᵀ a⁽ˡ⁻¹⁾
        grad_b = delta.sum(axis=0)                # ∂J/∂b⁽ˡ⁾ = Σ δ⁽ˡ⁾
        return delta, grad_w, grad_b

    def backward_layer(self, record: ForwardRecord, grad_a, delta=None) -> BackwardRecord:
        """The record of :meth:`layer_backward` for the layer of a forward record."""
        delta, grad_w, grad_b = self.layer_backward(record.layer, record.inputs, record.z,
                                                    record.a, grad_a, delta,
                                                    record.derivative)
        return BackwardRecord(record.layer, frozen(grad_a), frozen(delta), frozen(grad_w),
                              frozen(grad_b), frobenius(grad_w))

    def backward(self, forward: list[ForwardRecord], loss: str, y):
        """Per-sample loss, ∂J/∂ŷ, and backward records from layer L down to 1."""
        per_sample, grad_output, delta = self.output_delta(loss, forward[-1], y)
        records = []
        grad_a = grad_output
        for record in reversed(forward):
            back = self.backward_layer(record, grad_a, delta)
            records.append(back)
            # ∂J/∂a⁽ˡ⁻¹⁾ = δ⁽ˡ⁾ W⁽ˡ⁾
            grad_a = back.delta @ self.weights[record.layer - 1]
            delta = None
        return per_sample, grad_output, records

    def gradients(self, x, y, loss: str):
        """(J, [∂J/∂W⁽ˡ⁾], [∂J/∂b⁽ˡ⁾]) for a batch, layers input side first."""
        forward = self.forward(x)
        per_sample, _, back = self.backward(forward, loss, np.atleast_2d(y))
        back = back[::-1]
        return (float(np.mean(per_sample)), [b.grad_weights for b in back],
                [b.grad_biases for b in back])

    def loss(self, x, y, loss: str) -> float:
        forward = self.forward(x)
        per_sample, _, _ = self.output_delta(loss, forward[-1], np.atleast_2d(y))
        return float(np.mean(per_sample))
