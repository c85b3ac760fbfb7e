"""The gradient check agrees with backprop where backprop is right, and points at the
entry where it is not."""

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# -- the batched central differences are the per-parameter ones, faster ------------------


def assert_same_central_differences(network, x, y, loss):
    """The batched differences equal the one-parameter-at-a-time definition: to the
    rounding of J (about 10⁻¹⁶·|J| per loss value, divided by 2ε), kinks exactly."""
    reference = gradcheck.central_differences(network, x, y, loss)
    batched = gradcheck.batched_central_differences(network, x, y, loss)
    noise = 1e-8 * max(1.0, abs(network.loss(x, y, loss)))
    for (ref_grads, ref_kinks), (grads, kinks) in zip(reference, batched):
        assert len(grads) == network.depth
        for ref_grad, grad, ref_kink, kink in zip(ref_grads, grads, ref_kinks, kinks):
            assert grad.shape == ref_grad.shape
            np.testing.assert_allclose(grad, ref_grad, rtol=1e-6, atol=noise)
            assert (kink == ref_kink).all()


@pytest.mark.parametrize("hidden, output, loss", CASES)
def test_batched_equals_one_parameter_at_a_time(hidden, output, loss):
    network, x, y = random_problem(hidden, output, loss, seed=len(output) * 5 + len(loss))
    assert_same_central_differences(network, x, y, loss)


@pytest.mark.parametrize("train_biases", [False, True])
@pytest.mark.parametrize("name", ["lecture-example", "xor", "deep-relu"])
def test_batched_equals_one_parameter_at_a_time_on_presets(name, train_biases):
    # frozen biases are not trained, but their gradients are checked all the same
    scenario = io.load_builtin(name)
    scenario.training = dataclasses.replace(scenario.training, train_biases=train_biases)
    dataset = scenario.dataset()
    x, y = dataset.x[:40], dataset.y[:40]
    assert_same_central_differences(scenario.network, x, y, scenario.training.loss)
    result = gradcheck.check_scenario(scenario)
    assert len(result.layers) == scenario.network.depth and result.passed()


@settings(max_examples=25, deadline=None)
@given(layers=st.lists(st.integers(1, 5), min_size=2, max_size=5),
       hidden=st.sampled_from(HIDDEN_ACTIVATIONS + ("softmax",)),
       output=st.sampled_from(HIDDEN_ACTIVATIONS),
       loss=st.sampled_from(("mse", "sse", "half_sse")),
       samples=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_batched_equals_one_parameter_at_a_time_on_random_shapes(layers, hidden, output,
                                                                 loss, samples, seed):
    # softmax in a hidden layer couples its neurons: the path that moves the whole layer
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 0.9, (n, m)) for m, n in zip(layers[:-1], layers[1:])]
    biases = [rng.normal(0, 0.5, n) for n in layers[1:]]
    activations = [hidden] * (len(layers) - 2) + [output]
    network = Network(layers, activations, weights, biases, leaky_slope=0.2)
    x = rng.normal(0, 1, (samples, layers[0]))
    y = rng.normal(0, 1, (samples, layers[-1]))
    assert_same_central_differences(network, x, y, loss)


def test_block_size_does_not_change_the_differences(monkeypatch):
    network, x, y = random_problem("leaky_relu", "softmax", "cross_entropy", seed=8)
    whole = gradcheck.batched_central_differences(network, x, y, "cross_entropy")
    # blocks of one parameter, and blocks that straddle the rows of W
    for numbers in (1, 7 * 2 * len(x) * 5):
        monkeypatch.setattr(gradcheck, "BLOCK_NUMBERS", numbers)
        blocked = gradcheck.batched_central_differences(network, x, y, "cross_entropy")
        for (grads, kinks), (ref_grads, ref_kinks) in zip(blocked, whole):
            for grad, ref in zip(grads + kinks, ref_grads + ref_kinks):
                np.testing.assert_array_equal(grad, ref)


def test_relu_kinks_are_found_by_both():
    network = Network([1, 2, 1], ["relu", "identity"], [[[0.5], [1.0]], [[1.0, -2.0]]],
                      [[-0.5, 0.3], [0.0]])
    assert_same_central_differences(network, [[1.0], [2.0]], [[1.0], [0.0]], "mse")
    (_, kinks), _ = gradcheck.batched_central_differences(
        network, [[1.0], [2.0]], [[1.0], [0.0]], "mse")
    assert kinks[0][0, 0] and not kinks[0][1, 0]


@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_the_batched_check_still_catches_a_wrong_gradient(hidden):
    network, x, y = random_problem(hidden, "sigmoid", "bce", seed=21)
    _, grad_weights, grad_biases = network.gradients(x, y, "bce")
    grad_biases = [np.array(g) for g in grad_biases]
    grad_biases[1][3] += 0.05 * (abs(grad_biases[1][3]) + 0.1)
    result = gradcheck.gradient_check(network, x, y, "bce",
                                      analytic=(grad_weights, grad_biases))
    assert not result.passed()
    assert result.worst[:3] == (2, "bias", (3,))


def test_progress_counts_every_parameter_and_cancel_stops_the_check():
    network, x, y = random_problem("tanh", "identity", "mse", seed=2)
    seen = []
    gradcheck.gradient_check(network, x, y, "mse",
                             progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (network.parameter_count, network.parameter_count)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)

    asked = []

    def cancel_after_the_first_block():
        asked.append(True)
        return len(asked) > 1

    with pytest.raises(gradcheck.CheckCancelled):
        gradcheck.gradient_check(network, x, y, "mse", cancelled=cancel_after_the_first_block)
