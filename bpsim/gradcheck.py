"""Numerical gradient check: backpropagation's ∂J/∂W and ∂J/∂b against central differences.

For every parameter θ:

    numerical ∂J/∂θ ≈ (J(θ + ε) − J(θ − ε)) / 2ε

(:func:`central_differences` nudges one parameter at a time, as written;
:func:`batched_central_differences`, which the check uses, runs the nudged copies of
a block of parameters through the network together and gives the same numbers.)

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

from . import activations as act
from . import losses
from . import regularization as reg
from .blas import one_blas_thread
from .network import Network

#: The command-line check fails above this largest relative error.
TOLERANCE = 1e-5
#: See the module docstring: relative errors are taken against at least FLOOR·max(1, |J|).
FLOOR = 1e-3
#: The most :func:`batched_work` the command line checks (about 3 ns each: ~1.5 s);
#: the window runs bigger checks in the background, with a Cancel button.
MAX_COMMAND_WORK = 500_000_000
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
#: ``progress(done, total)``: parameters checked so far, out of all of them
Progress = Callable[[int, int], None]

#: a block of perturbed copies holds at most this many numbers per array (16 MiB, and
#: at least half that): numpy asks for huge pages for arrays of 4 MiB or more, and
#: fresh smaller arrays, faulted in 4 KiB at a time, cost more than their arithmetic
#: (the whole check 1.7× slower); few enough that a cancel is seen within milliseconds
BLOCK_NUMBERS = 1 << 21


class CheckCancelled(Exception):
    """The check was cancelled before it finished (``cancelled()`` returned True)."""


def _per_sample_loss(network: Network, loss: str, z, a, y) -> np.ndarray:
    """The loss of each sample from the output layer's z and a = ŷ, any leading axes;
    the same choice of formula as :meth:`Network.output_gradients` (the stable fused
    form from z where the pair has one)."""
    per_sample = losses.fused_per_sample(loss, network.activations[-1], z, y)
    return losses.per_sample(loss, a, y) if per_sample is None else per_sample


def _loss_and_sides(network: Network, x, y, loss: str):
    """J, and which side of the kink every ReLU-like neuron is on for every sample."""
    forward = network.forward(x)
    per_sample, _, _ = network.output_delta(loss, forward[-1], y)
    sides = [record.z > 0 for record in forward if record.activation in KINKED]
    return float(np.mean(per_sample)), sides


def central_differences(network: Network, x, y, loss: str, epsilon: float = 1e-6):
    """The definition, one parameter at a time: for every θ, two full forward passes
    and (J(θ + ε) − J(θ − ε)) / 2ε.  Slow (2·P passes); kept as the reference the
    batched :func:`batched_central_differences` is tested and timed against.

    Returns ``((grad_weights, kink_weights), (grad_biases, kink_biases))``, lists
    per layer, input side first.
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    y = np.atleast_2d(np.asarray(y, dtype=float))
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


def batched_central_differences(network: Network, x, y, loss: str, epsilon: float = 1e-6,
                                progress: Progress | None = None,
                                cancelled: Callable[[], bool] | None = None):
    """The same central differences as :func:`central_differences`, many parameters
    per forward pass.

    Layer l's parameters are taken in blocks.  For each block the +ε and −ε copies are
    stacked along two leading axes (sign, parameter) and the rest of the network runs
    once on the stack.  Nudging W⁽ˡ⁾[j, i] (or b⁽ˡ⁾[j], whose "input" is 1) changes
    one column of z⁽ˡ⁾ only:

        z⁽ˡ⁾ⱼ ± ε·a⁽ˡ⁻¹⁾ᵢ

    and, for an elementwise f, a⁽ˡ⁾ only in that column, so the next layer's total
    input is a rank-one change of the unperturbed one:

        z⁽ˡ⁺¹⁾ + (f(z⁽ˡ⁾ⱼ ± ε·a⁽ˡ⁻¹⁾ᵢ) − a⁽ˡ⁾ⱼ) · W⁽ˡ⁺¹⁾[:, j]

    From there every copy runs the ordinary forward pass (one matrix product per layer
    for the whole stack) to its loss J(θ ± ε).  ``progress(done, total)`` is called
    after every block; ``cancelled()``, when given, is asked before each block and
    True raises :class:`CheckCancelled`.  Returns what :func:`central_differences`
    returns.
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    y = np.atleast_2d(np.asarray(y, dtype=float))
    # Thousands of mid-sized products: spread over the cores, each one's thread
    # start-up costs more than it saves (several times slower on two cores), and a
    # check running beside the window would take the core the window draws with.
    with one_blas_thread():
        return _batched(network, x, y, loss, epsilon, progress, cancelled)


def _batched(network: Network, x, y, loss: str, epsilon: float, progress, cancelled):
    forward = network.forward(x)
    total, done = network.parameter_count, 0
    grad_weights, kink_weights, grad_biases, kink_biases = [], [], [], []
    sign = np.array([1.0, -1.0])[:, None, None]            # (2, 1, 1): +ε, −ε
    for layer in range(1, network.depth + 1):
        record = forward[layer - 1]
        n_in, n_out = network.layers[layer - 1], network.layers[layer]
        # the input each parameter multiplies: a⁽ˡ⁻¹⁾ᵢ for W⁽ˡ⁾[j, i], 1 for b⁽ˡ⁾[j]
        inputs_t = np.vstack([record.inputs.T, np.ones((1, len(x)))])   # (n_in + 1, B)
        count = n_out * (n_in + 1)
        grad = np.empty(count)
        kink = np.zeros(count, dtype=bool)
        widest = max(network.layers[layer:])
        block = max(1, BLOCK_NUMBERS // (2 * len(x) * widest))
        for start in range(0, count, block):
            if cancelled is not None and cancelled():
                raise CheckCancelled
            flat = np.arange(start, min(start + block, count))
            j, i = np.divmod(flat, n_in + 1)
            # Δz⁽ˡ⁾ⱼ = ±ε·(input of the parameter), shape (2, P, B)
            dz = sign * epsilon * inputs_t[i][None]
            loss_pm, kink[flat] = _perturbed_losses(network, forward, layer, j, dz, y, loss)
            # (J(θ + ε) − J(θ − ε)) / 2ε
            grad[flat] = (loss_pm[0] - loss_pm[1]) / (2.0 * epsilon)
            done += len(flat)
            if progress is not None:
                progress(done, total)
        grad, kink = grad.reshape(n_out, n_in + 1), kink.reshape(n_out, n_in + 1)
        grad_weights.append(grad[:, :-1].copy())
        kink_weights.append(kink[:, :-1].copy())
        grad_biases.append(grad[:, -1].copy())
        kink_biases.append(kink[:, -1].copy())
    return (grad_weights, kink_weights), (grad_biases, kink_biases)


def batched_work(layers, samples: int) -> int:
    """About how many neuron values :func:`batched_central_differences` computes for
    a network of these layer sizes on ``samples`` samples: each of the 2 copies of
    each parameter of layer l runs layers l+1..L on every sample.  A measure of its
    time (roughly 3 ns each on one core)."""
    return sum(2 * layers[l] * (layers[l - 1] + 1) * samples * sum(layers[l + 1:] or [1])
               for l in range(1, len(layers)))


def _perturbed_losses(network: Network, forward, layer: int, j, dz, y, loss: str):
    """J of every perturbed copy, shape (2, P), and whether ±ε put some ReLU-like
    neuron on different sides of its kink, shape (P,).  ``dz`` (2, P, B) is added to
    column j[p] of z⁽ˡ⁾ for copy p.  (Sums are done in place: a fresh array of this
    size costs more to allocate than to add.)"""
    record = forward[layer - 1]
    slope = network.leaky_slope
    activation = act.get(network.activations[layer - 1])
    kink = np.zeros(dz.shape[1], dtype=bool)
    if activation.elementwise and layer < network.depth:
        # only column j of a⁽ˡ⁾ moves: the next z is a rank-one change (see above)
        z_column = record.z.T[j] + dz                                      # (2, P, B)
        if activation.name in KINKED:
            kink |= ((z_column[0] > 0) != (z_column[1] > 0)).any(axis=-1)
        da = activation.forward(z_column, slope)
        da -= record.a.T[j]
        following = network.weights[layer]                                 # W⁽ˡ⁺¹⁾
        z = np.multiply(da[..., None], following.T[j][None, :, None, :])
        z += forward[layer].z
        layer += 1
    else:
        # softmax couples the layer, or this is the output: the whole z⁽ˡ⁾, one column moved
        one_hot = np.eye(network.layers[layer])[j]                          # (P, n_l)
        z = np.multiply(dz[..., None], one_hot[None, :, None, :])
        z += record.z
    # the ordinary forward pass from layer ``layer`` on, for every copy at once
    while True:
        name = network.activations[layer - 1]
        if name in KINKED:
            kink |= ((z[0] > 0) != (z[1] > 0)).any(axis=(-2, -1))
        a = act.forward(name, z, slope)
        if layer == network.depth:
            break
        weights, biases = network.weights[layer], network.biases[layer]
        # one matrix product for the whole stack: (2·P·B, n_l) @ W⁽ˡ⁺¹⁾ᵀ
        z = a.reshape(-1, a.shape[-1]) @ weights.T
        z += biases
        z = z.reshape(*a.shape[:-1], weights.shape[0])
        layer += 1
    per_sample = _per_sample_loss(network, loss, z, a, y)                 # (2, P, B)
    return per_sample.mean(axis=-1), kink


def gradient_check(network: Network, x, y, loss: str, epsilon: float = 1e-6,
                   analytic: AnalyticGradients | tuple | None = None,
                   progress: Progress | None = None,
                   cancelled: Callable[[], bool] | None = None,
                   regularization: tuple[str, float] = ("none", 0.0)) -> GradCheckResult:
    """Compare backprop's gradients of J on the batch (x, y) with central differences.

    ``regularization`` = (kind, λ) adds the weight penalty: J = data loss + λ·R, its
    weight gradients gain λ·∂R/∂w, and the central differences take λ·R(w ± ε) too.

    ``analytic`` replaces the gradients under test: a callable
    ``(network, x, y, loss) -> (grad_weights, grad_biases)``, or that pair of lists
    itself.  By default they come from :meth:`Network.gradients`, the same backward
    pass a training step uses.  ``y`` is in the output layer's form (one-hot for
    cross-entropy over several outputs).  The network is not changed.
    ``progress`` and ``cancelled`` are those of :func:`batched_central_differences`
    (a cancelled check raises :class:`CheckCancelled`).
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    y = np.atleast_2d(np.asarray(y, dtype=float))
    kind, rate = regularization
    penalized = reg.active(kind, rate)
    loss_value = network.loss(x, y, loss)
    if penalized:
        loss_value += rate * reg.penalty(kind, network.weights)
    if analytic is None:
        _, grad_weights, grad_biases = network.gradients(x, y, loss)
        if penalized:
            grad_weights = [g + reg.gradient_term(kind, rate, w)
                            for g, w in zip(grad_weights, network.weights)]
    elif callable(analytic):
        grad_weights, grad_biases = analytic(network, x, y, loss)
    else:
        grad_weights, grad_biases = analytic
    (numerical_weights, kink_weights), (numerical_biases, kink_biases) = \
        batched_central_differences(network, x, y, loss, epsilon, progress, cancelled)
    if penalized:
        numerical_weights, kink_weights = _with_penalty_differences(
            kind, rate, network.weights, numerical_weights, kink_weights, epsilon)
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


def _with_penalty_differences(kind: str, rate: float, weights, numerical, kinks,
                              epsilon: float):
    """The central differences of J = data loss + λ·R: λ·R changes with one weight
    only through that weight's own term, so (λR(w + ε) − λR(w − ε)) / 2ε is added
    entry by entry.  For l1, |w| < ε straddles the kink of |w| at 0."""
    out_numerical, out_kinks = [], []
    for w, grad, kink in zip(weights, numerical, kinks):
        w = np.asarray(w, dtype=float)
        plus, minus = w + epsilon, w - epsilon
        if kind == "l2":
            change = 0.5 * (plus * plus - minus * minus)      # ½(w+ε)² − ½(w−ε)²
        else:
            change = np.abs(plus) - np.abs(minus)              # |w+ε| − |w−ε|
            kink = kink | (np.abs(w) < epsilon)
        out_numerical.append(grad + rate * change / (2.0 * epsilon))
        out_kinks.append(kink)
    return out_numerical, out_kinks


def check_scenario(scenario, epsilon: float = 1e-6,
                   analytic: AnalyticGradients | tuple | None = None,
                   progress: Progress | None = None,
                   cancelled: Callable[[], bool] | None = None) -> GradCheckResult:
    """:func:`gradient_check` of a scenario's network on its whole dataset."""
    dataset = scenario.dataset()
    training = scenario.training
    return gradient_check(scenario.network, dataset.x, dataset.y, training.loss,
                          epsilon, analytic, progress, cancelled,
                          (training.regularization, training.regularization_rate))
