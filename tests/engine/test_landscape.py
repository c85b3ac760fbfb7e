"""The loss landscape: J along one weight or over a plane through two, each value the
engine's own loss with those weights set, and the run's path from the history."""

import numpy as np
import pytest

from bpsim import landscape
from bpsim.history import History


def engine_loss(scenario, values):
    """J as the engine computes it on a copy of the network with ``values`` set."""
    network = scenario.network.copy()
    for (layer, j, i), number in values.items():
        network.set_weight(layer, j, i, number)
    data = scenario.dataset()
    return network.loss(data.x, data.y, scenario.training.loss)


def test_the_lecture_examples_curve(lecture_example):
    data = lecture_example.dataset()
    network = lecture_example.network
    assert landscape.weight_refs(network) == [(1, 0, 0)]
    j = landscape.curve(network, data.x, data.y, "mse", (1, 0, 0), [0.1, 4.3, 1 / 3])
    # J(w) = (3w − 1)²: 0.49 at the start, 141.61 after the first step, 0 at w = ⅓
    np.testing.assert_allclose(j, [0.49, 141.61, 0.0], atol=1e-12)
    assert network.weights[0][0, 0] == 0.1  # the network is not changed


def test_the_curve_passes_through_the_runs_recorded_points(lecture_example):
    """Three steps at η = 1: w = 0.1 → 4.3 → −67.1 → 1146.7; the loss each step
    recorded is J at the weight it started from."""
    scenario = lecture_example.copy()
    history = History(1)
    start = (list(scenario.network.weights), list(scenario.network.biases))
    trainer = scenario.trainer()
    for _ in range(3):
        history.append(trainer.step(), trainer.state())
    path = landscape.run_path(history.snapshots, start)
    w = path.values((1, 0, 0))
    np.testing.assert_allclose(w, [0.1, 4.3, -67.1, 1146.7])
    data = scenario.dataset()
    j = landscape.curve(lecture_example.network, data.x, data.y, "mse", (1, 0, 0), w)
    recorded = [s.loss for s in history.snapshots]  # J before each step's update
    np.testing.assert_allclose(j[:3], recorded, rtol=1e-12)
    assert path.up_to(1).steps == (-1, 0, 1)
    assert path.up_to(None) is path


def test_plane_values_equal_the_engines_loss(xor):
    data = xor.dataset()
    a, b = (1, 0, 0), (2, 0, 1)
    values_a, values_b = np.linspace(-3, 3, 5), np.linspace(-2, 4, 4)
    grid = landscape.plane(xor.network, data.x, data.y, xor.training.loss,
                           a, values_a, b, values_b)
    assert grid.shape == (5, 4)
    rng = np.random.default_rng(0)
    for p, q in rng.integers(0, (5, 4), size=(6, 2)):
        assert grid[p, q] == engine_loss(xor, {a: values_a[p], b: values_b[q]})
    # at the network's own weights the plane gives the loss as it is now
    here = landscape.plane(xor.network, data.x, data.y, xor.training.loss,
                           a, [landscape.value_of(xor.network.weights, a)],
                           b, [landscape.value_of(xor.network.weights, b)])
    assert here[0, 0] == xor.network.loss(data.x, data.y, xor.training.loss)


def test_two_weights_of_one_layer_and_other_parameters(xor):
    data = xor.dataset()
    a, b = (1, 0, 0), (1, 0, 1)
    weights = [np.array(w) + 0.5 for w in xor.network.weights]
    grid = landscape.plane(xor.network, data.x, data.y, xor.training.loss, a, [1.0],
                           b, [-2.0], weights=weights, biases=xor.network.biases)
    moved = xor.copy()
    moved.network.set_parameters(weights, xor.network.biases)
    assert grid[0, 0] == engine_loss(moved, {a: 1.0, b: -2.0})
    with pytest.raises(ValueError):
        landscape.plane(xor.network, data.x, data.y, "half_sse", a, [0], a, [1])


def test_span_holds_the_points_with_a_margin():
    low, high = landscape.span([0.1, 4.3, float("inf")])
    assert low < 0.1 and high > 4.3 and high - low == pytest.approx(4.2 * 1.5)
    assert landscape.span([2.0]) == (1.0, 3.0)
    assert landscape.span([]) == (-1.0, 1.0)
