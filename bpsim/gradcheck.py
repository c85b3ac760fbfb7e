"""Numerical gradient check: backpropagation's ∂J/∂W and ∂J/∂b against central differences.

For every parameter θ, one at a time:

    numerical ∂J/∂θ ≈ (J(θ + ε) − J(θ − ε)) / 2ε

and per entry the relative error

    error = |a − n| / max(|a| + |n|, floor),    floor = FLOOR · max(1, |J|)

with a the analytic (backprop) and n the numerical gradient, and FLOOR = 10⁻³.
The floor is there because central differences cannot resolve tiny gradients: J is
only known to a few times 10⁻¹⁶·|J|, so n carries noise of about 10⁻¹⁰·|J| at
ε = 10⁻⁶.  Without a floor, a gradient of 10⁻⁹ (common in the first layers of a deep
sigmoid network) would look 10% wrong.  With it, entries whose gradients are both
below about 10⁻³·|J| are judged by their absolute difference (noise gives errors
near 10⁻⁷), while a real backprop mistake, an error of order |a|, stands out by
orders of magnitude.

ReLU and leaky ReLU have a kink at z = 0 where no derivative exists.  When nudging a
parameter by ±ε moves some neuron's z across 0, the difference quotient measures
the kink, not the gradient; such entries are marked in ``kinks`` and left out of the
errors (their error is 0) instead of raising a false alarm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from .network import Network

#: The command-line check fails above this largest relative error.
TOLERANCE = 1e-5
#: See the module docstring: relative errors are taken against at least FLOOR·max(1, |J|).
FLOOR = 1e-3
#: Activations with a kink at z = 0.
KINKED = ("relu", "leaky_relu")


def relative_error(analytic, numerical, floor: float) -> np.ndarray:
    """|a − n| / max(|a| + |n|, floor), entry by entry."""
    analytic, numerical = np.asarray(analytic, float), np.asarray(numerical, float)
    return np.abs(analytic - numerical) / np.maximum(
        np.abs(analytic) + np.abs(numerical), floor)


@dataclass(frozen=True)
class LayerCheck:
    """Analytic and numerical gradients of the parameters of layer ``layer`` (1..L)."""

    layer: int
    #: ∂J/∂W⁽ˡ⁾ from backpropagation, shape (n_l, n_{l-1})
    analytic_weights: np.ndarray
    #: the same from central differences
    numerical_weights: np.ndarray
    #: relative error of each entry
    error_weights: np.ndarray
    #: ∂J/∂b⁽ˡ⁾ from backpropagation, shape (n_l,)
    analytic_biases: np.ndarray
    numerical_biases: np.ndarray
    error_biases: np.ndarray
    #: True where ±ε moved a ReLU across its kink (numerical value not comparable)
    kink_weights: np.ndarray
    kink_biases: np.ndarray

    @property
    def max_error(self) -> float:
        return float(max(self.error_weights.max(initial=0.0),
                         self.error_biases.max(initial=0.0)))


class WorstEntry(NamedTuple):
    """The entry with the largest relative error."""

    layer: int
    #: "weight" or "bias"
    kind: str
    #: (j, i) into W⁽ˡ⁾, or (j,) into b⁽ˡ⁾
    index: tuple
    analytic: float
    numerical: float
    error: float


@dataclass(frozen=True)
class GradCheckResult:
    #: one check per layer, input side first
    layers: tuple[LayerCheck, ...]
    #: J at the unperturbed parameters
    loss: float
    epsilon: float
    #: the denominator's lower bound used for the relative errors
    floor: float

    @property
    def max_error_per_layer(self) -> list[float]:
        return [check.max_error for check in self.layers]

    @property
    def max_error(self) -> float:
        return max(self.max_error_per_layer)

    @property
    def worst(self) -> WorstEntry:
        best = None
        for check in self.layers:
            for kind, errors, analytic, numerical in (
                    ("weight", check.error_weights, check.analytic_weights,
                     check.numerical_weights),
                    ("bias", check.error_biases, check.analytic_biases,
                     check.numerical_biases)):
                index = np.unravel_index(int(np.argmax(errors)), errors.shape)
                if best is None or errors[index] > best.error:
                    best = WorstEntry(check.layer, kind, tuple(int(k) for k in index),
                                      float(analytic[index]), float(numerical[index]),
                                      float(errors[index]))
        return best

    @property
    def kinks(self) -> int:
        """How many entries were left out because ±ε crossed a ReLU kink."""
        return int(sum(c.kink_weights.sum() + c.kink_biases.sum() for c in self.layers))

    def passed(self, tolerance: float = TOLERANCE) -> bool:
        return self.max_error <= tolerance


AnalyticGradients = Callable[[Network, np.ndarray, np.ndarray, str], tuple]


def _loss_and_sides(network: Network, x, y, loss: str):
    """J, and which side of the kink every ReLU-like neuron is on for every sample."""
    forward = network.forward(x)
    per_sample, _, _ = network.output_delta(loss, forward[-1], y)
    sides = [record.z > 0 for record in forward if record.activation in KINKED]
    return float(np.mean(per_sample)), sides


def _numerical(network: Network, x, y, loss: str, epsilon: float):
    """Central differences for every weight and bias, and where they crossed a kink."""
    probe = network.copy()
    results = {}
    for kind, params in (("weights", probe.weights), ("biases", probe.biases)):
        grads, kinks = [], []
        for l in range(len(params)):
            # A private writable copy, changed one entry at a time and put back exactly.
            values = np.array(params[l], dtype=float)
            params[l] = values
            grad = np.zeros_like(values)
            kink = np.zeros(values.shape, dtype=bool)
            for index in np.ndindex(values.shape):
                original = values[index]
                values[index] = original + epsilon
                loss_plus, sides_plus = _loss_and_sides(probe, x, y, loss)
                values[index] = original - epsilon
                loss_minus, sides_minus = _loss_and_sides(probe, x, y, loss)
                values[index] = original
                # (J(θ + ε) − J(θ − ε)) / 2ε
                grad[index] = (loss_plus - loss_minus) / (2.0 * epsilon)
                kink[index] = any((p != m).any() for p, m in zip(sides_plus, sides_minus))
            grads.append(grad)
            kinks.append(kink)
        results[kind] = (grads, kinks)
    return results["weights"], results["biases"]


def gradient_check(network: Network, x, y, loss: str, epsilon: float = 1e-6,
                   analytic: AnalyticGradients | tuple | None = None) -> GradCheckResult:
    """Compare backprop's gradients of J on the batch (x, y) with central differences.

    ``analytic`` replaces the gradients under test: a callable
    ``(network, x, y, loss) -> (grad_weights, grad_biases)``, or that pair of lists
    itself.  By default they come from :meth:`Network.gradients`, the same backward
    pass a training step uses.  ``y`` is in the output layer's form (one-hot for
    cross-entropy over several outputs).  The network is not changed.
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    y = np.atleast_2d(np.asarray(y, dtype=float))
    loss_value = network.loss(x, y, loss)
    if analytic is None:
        _, grad_weights, grad_biases = network.gradients(x, y, loss)
    elif callable(analytic):
        grad_weights, grad_biases = analytic(network, x, y, loss)
    else:
        grad_weights, grad_biases = analytic
    (numerical_weights, kink_weights), (numerical_biases, kink_biases) = _numerical(
        network, x, y, loss, epsilon)
    floor = FLOOR * max(1.0, abs(loss_value))
    checks = []
    for l in range(network.depth):
        aw = np.asarray(grad_weights[l], dtype=float)
        ab = np.asarray(grad_biases[l], dtype=float)
        error_w = np.where(kink_weights[l], 0.0,
                           relative_error(aw, numerical_weights[l], floor))
        error_b = np.where(kink_biases[l], 0.0,
                           relative_error(ab, numerical_biases[l], floor))
        checks.append(LayerCheck(l + 1, aw, numerical_weights[l], error_w,
                                 ab, numerical_biases[l], error_b,
                                 kink_weights[l], kink_biases[l]))
    return GradCheckResult(tuple(checks), loss_value, epsilon, floor)


def check_scenario(scenario, epsilon: float = 1e-6,
                   analytic: AnalyticGradients | tuple | None = None) -> GradCheckResult:
    """:func:`gradient_check` of a scenario's network on its whole dataset."""
    dataset = scenario.dataset()
    return gradient_check(scenario.network, dataset.x, dataset.y, scenario.training.loss,
                          epsilon, analytic)
