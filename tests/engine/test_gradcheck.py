"""The gradient check agrees with backprop where backprop is right, and points at the
entry where it is not."""

import itertools

import numpy as np
import pytest

from bpsim import gradcheck, io
from bpsim.activations import HIDDEN_ACTIVATIONS
from bpsim.losses import LOSSES
from bpsim.network import Network

OUTPUTS = (*HIDDEN_ACTIVATIONS, "softmax")


def valid(output, loss):
    if loss == "cross_entropy":
        return output == "softmax"
    if loss == "bce":
        return output in ("sigmoid", "softmax")
    return True


CASES = [(hidden, output, loss)
         for hidden, output, loss in itertools.product(HIDDEN_ACTIVATIONS, OUTPUTS, LOSSES)
         if valid(output, loss)]


def random_problem(hidden, output, loss, seed):
    rng = np.random.default_rng(seed)
    layers = [3, 4, 5, 3]
    weights = [rng.normal(0, 0.8, (n, m)) for m, n in zip(layers[:-1], layers[1:])]
    biases = [rng.normal(0, 0.5, n) for n in layers[1:]]
    network = Network(layers, [hidden, hidden, output], weights, biases, leaky_slope=0.1)
    x = rng.normal(0, 1, (6, 3))
    if loss == "cross_entropy":
        y = np.eye(3)[rng.integers(0, 3, 6)]
    elif loss == "bce":
        y = rng.uniform(0, 1, (6, 3))
    else:
        y = rng.normal(0, 1, (6, 3))
    return network, x, y


@pytest.mark.parametrize("hidden, output, loss", CASES)
def test_backprop_matches_central_differences(hidden, output, loss):
    network, x, y = random_problem(hidden, output, loss, seed=len(hidden) * 7 + len(loss))
    result = gradcheck.gradient_check(network, x, y, loss)
    assert result.max_error < 1e-6
    assert len(result.max_error_per_layer) == 3
    assert result.passed()


def test_check_leaves_the_network_unchanged():
    network, x, y = random_problem("tanh", "sigmoid", "mse", seed=1)
    weights = [w.copy() for w in network.weights]
    gradcheck.gradient_check(network, x, y, "mse")
    for before, after in zip(weights, network.weights):
        assert before.tobytes() == after.tobytes()


@pytest.mark.parametrize("layer, kind, index", [(1, "weight", (2, 1)), (2, "bias", (4,)),
                                                (3, "weight", (0, 4))])
def test_a_wrong_analytic_entry_is_found(layer, kind, index):
    network, x, y = random_problem("sigmoid", "identity", "half_sse", seed=3)
    _, grad_weights, grad_biases = network.gradients(x, y, "half_sse")
    grad_weights = [np.array(g) for g in grad_weights]
    grad_biases = [np.array(g) for g in grad_biases]
    wrong = grad_weights if kind == "weight" else grad_biases
    wrong[layer - 1][index] *= 1.01  # a 1% mistake in one entry

    result = gradcheck.gradient_check(network, x, y, "half_sse",
                                      analytic=(grad_weights, grad_biases))
    assert result.worst[:3] == (layer, kind, index)
    assert result.max_error > 1e-3
    assert not result.passed()
    # every other layer still agrees
    others = [e for l, e in enumerate(result.max_error_per_layer, 1) if l != layer]
    assert max(others) < 1e-6


def test_analytic_gradients_can_come_from_a_callable():
    network, x, y = random_problem("tanh", "softmax", "cross_entropy", seed=4)

    def sign_flipped_first_layer(net, x, y, loss):
        _, gw, gb = net.gradients(x, y, loss)
        return [-gw[0], *gw[1:]], gb

    result = gradcheck.gradient_check(network, x, y, "cross_entropy",
                                      analytic=sign_flipped_first_layer)
    assert result.max_error_per_layer[0] == pytest.approx(1.0)
    assert result.worst.layer == 1 and result.worst.kind == "weight"


def test_frozen_bias_gradients_are_checked_too():
    scenario = io.load_builtin("lecture-example")
    assert scenario.training.train_biases is False
    result = gradcheck.check_scenario(scenario)
    check = result.layers[0]
    assert check.analytic_biases[0] == pytest.approx(-1.4)
    assert check.numerical_biases[0] == pytest.approx(-1.4)
    assert check.numerical_weights[0, 0] == pytest.approx(-4.2)
    assert result.max_error < 1e-6


def test_relu_kink_is_left_out_not_reported_as_an_error():
    # z = w·x + b = 0.5·1 − 0.5 = 0 sits on the kink: ±ε lands on either side.
    network = Network([1, 1, 1], ["relu", "identity"], [[[0.5]], [[1.0]]],
                      [[-0.5], [0.0]])
    result = gradcheck.gradient_check(network, [[1.0]], [[1.0]], "mse")
    assert result.layers[0].kink_weights[0, 0] and result.layers[0].kink_biases[0]
    assert result.kinks == 2
    assert result.passed()


@pytest.mark.parametrize("name", io.builtin_scenario_names())
def test_presets_pass_the_command_line_tolerance(name):
    assert gradcheck.check_scenario(io.load_builtin(name)).max_error < gradcheck.TOLERANCE


def test_relative_error_definition():
    # |a − n| / max(|a| + |n|, floor)
    assert gradcheck.relative_error(1.0, 3.0, 1e-3) == pytest.approx(0.5)
    assert gradcheck.relative_error(0.0, 1e-9, 1e-3) == pytest.approx(1e-6)
