"""The losses: the textbooks' conventions, their gradients, and the stable pairs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bpsim import activations as act
from bpsim import losses
from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario, targets_for
from bpsim.training import Trainer, TrainingSettings

# One sample, three outputs: errors −0.7, 0.8, 0 → squares 0.49, 0.64, 0.
PREDICTION = np.array([[0.3, 0.8, 0.5]])
TARGET = np.array([[1.0, 0.0, 0.5]])


@pytest.mark.parametrize("name, expected", [
    ("sse", 1.13),             # Σ (ŷ − y)²
    ("mse", 1.13 / 3),         # mean over the outputs
    ("half_sse", 1.13 / 2),    # ½ Σ (ŷ − y)²
])
def test_squared_error_conventions(name, expected):
    assert losses.value(name, PREDICTION, TARGET) == pytest.approx(expected, rel=1e-14)


def test_mse_of_one_output_is_the_lecture_square():
    assert losses.value("mse", np.array([[0.3]]), np.array([[1.0]])) == pytest.approx(0.49)
    assert losses.gradient("mse", np.array([[0.3]]), np.array([[1.0]]))[0, 0] == \
        pytest.approx(-1.4)


def test_batch_loss_is_the_mean_over_samples():
    a = np.vstack([PREDICTION, [[0.0, 0.0, 0.0]]])
    y = np.vstack([TARGET, [[1.0, 1.0, 1.0]]])
    per_sample = losses.per_sample("sse", a, y)
    np.testing.assert_allclose(per_sample, [1.13, 3.0])
    assert losses.value("sse", a, y) == pytest.approx(2.065)
    # and the gradient carries the 1/B of that mean
    np.testing.assert_allclose(losses.gradient("sse", a, y), 2 * (a - y) / 2)


CASES = {  # a prediction each loss accepts, and a target
    "mse": (np.array([[0.3, -1.2], [2.0, 0.1]]), np.array([[1.0, 0.5], [-1.0, 0.0]])),
    "sse": (np.array([[0.3, -1.2], [2.0, 0.1]]), np.array([[1.0, 0.5], [-1.0, 0.0]])),
    "half_sse": (np.array([[0.3, -1.2], [2.0, 0.1]]), np.array([[1.0, 0.5], [-1.0, 0.0]])),
    "bce": (np.array([[0.3, 0.9], [0.05, 0.6]]), np.array([[1.0, 0.0], [0.0, 1.0]])),
    "cross_entropy": (np.array([[0.2, 0.7, 0.1], [0.5, 0.25, 0.25]]),
                      np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])),
}


@pytest.mark.parametrize("name", sorted(losses.LOSSES))
def test_gradient_matches_finite_differences(name):
    a, y = CASES[name]
    eps = 1e-7
    numerical = np.zeros_like(a)
    for index in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[index] = eps
        numerical[index] = (losses.value(name, a + step, y)
                            - losses.value(name, a - step, y)) / (2 * eps)
    np.testing.assert_allclose(losses.gradient(name, a, y), numerical, rtol=1e-6)


def one_neuron(activation, z):
    """1 → 1 network whose total input is z for the input x = 1."""
    return Network([1, 1], [activation], [[[z]]], [[0.0]])


@pytest.mark.parametrize("z, y", [(800.0, 0.0), (-800.0, 1.0), (800.0, 1.0), (-800.0, 0.0)])
def test_sigmoid_bce_is_computed_from_the_logits(z, y):
    # σ(800) is exactly 1 and σ(−800) within 1e-300 of 0 in floating point; the loss
    # must still be the true
    # −log σ(∓800) = 800 when wrong, 0 when right, and ∂J/∂z = σ(z) − y.
    network = one_neuron("sigmoid", z)
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise",
                                                divide="raise"):
        warnings.simplefilter("error")
        loss, grad_w, grad_b = network.gradients([[1.0]], [[y]], "bce")
    wrong = (z > 0) != (y == 1.0)
    assert loss == pytest.approx(800.0 if wrong else 0.0)
    expected_delta = (1.0 if z > 0 else 0.0) - y
    assert grad_w[0][0, 0] == pytest.approx(expected_delta, abs=1e-300)
    assert grad_b[0][0] == pytest.approx(expected_delta, abs=1e-300)

    trainer = Trainer(network, [[1.0]], [[y]],
                      TrainingSettings(loss="bce", learning_rate=0.001))
    record = trainer.step()
    assert not record.diverged
    assert network.weights[0][0, 0] == pytest.approx(z - 0.001 * expected_delta)


def test_fused_output_delta_equals_the_chain_rule_where_both_are_exact():
    # Away from saturation, δ = ∂J/∂ŷ ⊙ f'(z) must give the same as the fused form.
    # (The fused cross-entropy form relies on Σ_k y_k = 1: one-hot targets.)
    z = np.array([[0.3, -1.2, 2.0], [0.0, 1.5, -0.4]])
    binary = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    one_hot = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    for loss, activation, y in (("bce", "sigmoid", binary),
                                ("cross_entropy", "softmax", one_hot)):
        a = act.forward(activation, z)
        fused = losses.fused_output_delta(loss, activation, a, y)
        chain = act.backward(activation, z, a, losses.gradient(loss, a, y))
        np.testing.assert_allclose(fused, chain, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(losses.fused_per_sample(loss, activation, z, y),
                                   losses.per_sample(loss, a, y), rtol=1e-12)


def test_cross_entropy_from_class_indices_through_a_scenario():
    # 2 inputs → 3 softmax outputs; targets are given as class indices 2 and 0.
    weights = [[[0.5, -0.2], [0.1, 0.3], [-0.4, 0.6]]]
    network = Network([2, 3], ["softmax"], weights, [[0.0, 0.1, -0.1]])
    data = DataSpec.from_samples([([1.0, 2.0], [2]), ([-1.0, 0.5], [0])])
    scenario = Scenario(network, TrainingSettings(loss="cross_entropy"), data)

    dataset = scenario.dataset()
    assert dataset.y.tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    a = network.predict(dataset.x)
    expected = -(np.log(a[0, 2]) + np.log(a[1, 0])) / 2
    record = scenario.trainer().step()
    assert record.loss.loss == pytest.approx(expected, rel=1e-12)
    # ∂J/∂z = (ŷ − y)/B for softmax with cross-entropy
    np.testing.assert_allclose(record.backward_for(1).delta, (a - dataset.y) / 2,
                               rtol=1e-12)


def test_targets_for_leaves_other_targets_alone():
    indices = np.array([[1.0], [0.0]])
    np.testing.assert_array_equal(targets_for(indices, 2, "cross_entropy"),
                                  [[0.0, 1.0], [1.0, 0.0]])
    one_hot = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert targets_for(one_hot, 2, "cross_entropy") is one_hot
    assert targets_for(indices, 2, "mse") is indices        # regression target
    assert targets_for(indices, 1, "cross_entropy") is indices  # one output: as is


def test_cross_entropy_with_huge_logits_stays_finite():
    network = Network([1, 2], ["softmax"], [[[900.0], [-900.0]]], [[0.0, 0.0]])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise",
                                                divide="raise"):
        warnings.simplefilter("error")
        loss, grad_w, _ = network.gradients([[1.0]], [[0.0, 1.0]], "cross_entropy")
    assert loss == pytest.approx(1800.0)   # −log softmax = 900 − (−900)
    np.testing.assert_allclose(grad_w[0], [[1.0], [-1.0]])
