"""Backprop gradients equal central finite differences of the loss, for random networks.

Hypothesis draws the architecture (1–5 weight layers of 1–5 neurons), one activation
per layer (softmax only on the output), the loss (with an output activation and
targets it accepts), frozen or trained biases and the leaky-ReLU slope; a seed it also
draws fills in the weights, biases, inputs and targets.  Both ways the engine reports
gradients are checked: ``Network.gradients`` and the records of ``Trainer.phases()``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bpsim import activations as act
from bpsim.activations import HIDDEN_ACTIVATIONS
from bpsim.network import Network
from bpsim.trace import BackwardRecord, ForwardRecord, LossRecord, UpdateRecord
from bpsim.training import Trainer, TrainingSettings

EPSILON = 1e-6
#: |backprop − numerical| ≤ RTOL·|numerical| + ATOL·max(1, |J|); the floor covers the
#: round-off of a central difference, a few 1e-16·|J|/ε
RTOL, ATOL = 1e-5, 1e-8
#: a ReLU kink closer than this to any z would make the difference quotient meaningless
KINK_MARGIN = 1e-4
LEARNING_RATE = 0.1

#: output activations each loss accepts
OUTPUTS_FOR_LOSS = {
    "mse": (*HIDDEN_ACTIVATIONS, "softmax"),
    "sse": (*HIDDEN_ACTIVATIONS, "softmax"),
    "half_sse": (*HIDDEN_ACTIVATIONS, "softmax"),
    "bce": ("sigmoid", "softmax"),  # outputs in (0, 1)
    "cross_entropy": ("softmax",),
}
KINKED = ("relu", "leaky_relu")


@st.composite
def cases(draw):
    depth = draw(st.integers(1, 5))
    layers = draw(st.lists(st.integers(1, 5), min_size=depth + 1, max_size=depth + 1))
    loss = draw(st.sampled_from(sorted(OUTPUTS_FOR_LOSS)))
    hidden = draw(st.lists(st.sampled_from(HIDDEN_ACTIVATIONS),
                           min_size=depth - 1, max_size=depth - 1))
    output = draw(st.sampled_from(OUTPUTS_FOR_LOSS[loss]))
    return {
        "layers": layers,
        "activations": [*hidden, output],
        "loss": loss,
        "train_biases": draw(st.booleans()),
        "leaky_slope": draw(st.floats(0.01, 0.9)),
        "batch": draw(st.integers(1, 4)),
        "seed": draw(st.integers(0, 2**32 - 1)),
    }


def build(case):
    """The network and a batch (x, y) the case describes."""
    rng = np.random.default_rng(case["seed"])
    layers = case["layers"]
    weights = [rng.normal(0.0, 1.0, (n, m)) for m, n in zip(layers[:-1], layers[1:])]
    biases = [rng.normal(0.0, 0.5, n) for n in layers[1:]]
    network = Network(layers, case["activations"], weights, biases, case["leaky_slope"])
    batch, n_out = case["batch"], layers[-1]
    x = rng.uniform(-1.5, 1.5, (batch, layers[0]))
    if case["loss"] == "cross_entropy":
        y = np.eye(n_out)[rng.integers(0, n_out, batch)]
    elif case["loss"] == "bce":
        y = rng.integers(0, 2, (batch, n_out)).astype(float)
    else:
        y = rng.normal(0.0, 1.0, (batch, n_out))
    return network, x, y


def kink_pattern(network, x):
    """Which z are positive in the ReLU-like layers (what decides their derivative)."""
    return [record.z > 0 for record in network.forward(x)
            if record.activation in KINKED]


def numerical_gradients(network, x, y, loss):
    """Central differences (J(θ+ε) − J(θ−ε)) / 2ε for every weight and bias."""
    kinked = any(name in KINKED for name in network.activations)
    base_pattern = kink_pattern(network, x) if kinked else None

    def loss_at(setter, *where, value):
        setter(*where, value)
        if kinked:
            # a kink crossed between θ−ε and θ+ε: the quotient is not a derivative
            assume(all(np.array_equal(p, q)
                       for p, q in zip(kink_pattern(network, x), base_pattern)))
        return network.loss(x, y, loss)

    def central(setter, *where, old):
        plus = loss_at(setter, *where, value=old + EPSILON)
        minus = loss_at(setter, *where, value=old - EPSILON)
        setter(*where, old)
        return (plus - minus) / (2 * EPSILON)

    grad_w, grad_b = [], []
    for l in range(1, network.depth + 1):
        weights, biases = network.weights[l - 1], network.biases[l - 1]
        grad_w.append(np.array([[central(network.set_weight, l, j, i, old=weights[j, i])
                                 for i in range(weights.shape[1])]
                                for j in range(weights.shape[0])]))
        grad_b.append(np.array([central(network.set_bias, l, j, old=biases[j])
                                for j in range(biases.size)]))
    return grad_w, grad_b


def assert_close(backprop, numerical, loss_value, what):
    np.testing.assert_allclose(backprop, numerical, rtol=RTOL,
                               atol=ATOL * max(1.0, abs(loss_value)), err_msg=what)


def well_conditioned(forward, case) -> bool:
    """False where J itself is computed too coarsely for a difference quotient.

    bce on a softmax output works on the probabilities ŷ: log(1 − ŷ) keeps only
    1e-16/(1 − ŷ) of relative precision as ŷ → 1, and ŷ is clipped below 1e-12.  (With
    a sigmoid output bce is computed from the logits and stays exact; those saturated
    cases are pinned in test_losses.py.)
    """
    if case["loss"] != "bce" or case["activations"][-1] != "softmax":
        return True
    prediction = forward[-1].a
    return bool(np.all(prediction <= 0.95) and np.all(prediction >= 1e-6))


def assert_records_hold_the_derivative(network, forward, case):
    """Each forward record's f′(z) is the slope of that layer's own f at z (the
    network's leaky slope included), and it names the slope where the layer has one."""
    for record in forward:
        name = record.activation

        def f(z):
            return act.forward(name, z, network.leaky_slope)

        expected_slope = case["leaky_slope"] if name == "leaky_relu" else None
        assert record.leaky_slope == expected_slope
        # softmax: f′ holds the Jacobian's diagonal ∂a_k/∂z_k, one z_k moved at a time
        columns = range(record.z.shape[1]) if name == "softmax" else (slice(None),)
        numerical = np.empty_like(record.z)
        for k in columns:
            step = np.zeros_like(record.z)
            step[:, k] = EPSILON
            numerical[:, k] = (f(record.z + step)[:, k]
                               - f(record.z - step)[:, k]) / (2 * EPSILON)
        np.testing.assert_allclose(record.derivative, numerical, rtol=1e-6, atol=1e-9,
                                   err_msg=f"f′(z) of layer {record.layer} ({name})")


@settings(max_examples=150, deadline=None)
@given(cases())
def test_backprop_equals_central_differences(case):
    network, x, y = build(case)
    loss = case["loss"]
    # Away from ReLU kinks the loss is smooth, so the difference quotient converges.
    forward = network.forward(x)
    for record in forward:
        if record.activation in KINKED:
            assume(np.all(np.abs(record.z) >= KINK_MARGIN))
    assume(well_conditioned(forward, case))
    assert_records_hold_the_derivative(network, forward, case)
    numerical_w, numerical_b = numerical_gradients(network, x, y, loss)
    weights_before, biases_before = list(network.weights), list(network.biases)

    value, grad_w, grad_b = network.gradients(x, y, loss)
    assert value == network.loss(x, y, loss)
    for l in range(network.depth):
        assert_close(grad_w[l], numerical_w[l], value, f"Network.gradients ∂J/∂W{l + 1}")
        assert_close(grad_b[l], numerical_b[l], value, f"Network.gradients ∂J/∂b{l + 1}")

    settings_ = TrainingSettings(loss=loss, learning_rate=LEARNING_RATE,
                                 train_biases=case["train_biases"])
    trainer = Trainer(network, x, y, settings_)
    phases = list(_run(trainer.phases()))
    step = phases.pop()
    depth = network.depth
    assert [type(p) for p in phases] == ([ForwardRecord] * depth + [LossRecord]
                                         + [BackwardRecord] * depth + [UpdateRecord])
    assert not step.diverged
    assert step.loss.loss == value
    for record in phases[depth + 1:2 * depth + 1]:
        l = record.layer
        assert_close(record.grad_weights, numerical_w[l - 1], value, f"phases() ∂J/∂W{l}")
        assert_close(record.grad_biases, numerical_b[l - 1], value, f"phases() ∂J/∂b{l}")
        assert record.grad_norm == pytest.approx(np.linalg.norm(record.grad_weights),
                                                 rel=1e-12)

    # The update moves each weight by −η ∂J/∂W; frozen biases keep their values.
    update = phases[-1]
    for l in range(depth):
        back = step.backward_for(l + 1)
        assert update.weights_before[l] is weights_before[l]
        np.testing.assert_allclose(network.weights[l],
                                   weights_before[l] - LEARNING_RATE * back.grad_weights,
                                   rtol=1e-12, atol=1e-15)
        if case["train_biases"]:
            np.testing.assert_allclose(network.biases[l],
                                       biases_before[l] - LEARNING_RATE * back.grad_biases,
                                       rtol=1e-12, atol=1e-15)
        else:
            assert np.array_equal(network.biases[l], biases_before[l])


def _run(generator):
    """Every record a phases() generator yields, then the StepRecord it returns."""
    while True:
        try:
            yield next(generator)
        except StopIteration as done:
            yield done.value
            return
