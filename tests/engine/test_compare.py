import numpy as np
import pytest

from bpsim.compare import compare, variant_network
from bpsim.initializers import InitSpec, initialize
from bpsim.io import load_builtin
from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario
from bpsim.training import TrainingSettings


def deep(activation="sigmoid", scheme="xavier_uniform", batch_size=None):
    """[2]+[8]*8+[1] like the deep-sigmoid / deep-relu presets, smaller data."""
    layers = [2] + [8] * 8 + [1]
    init = InitSpec(scheme, seed=0)
    weights, biases = initialize(layers, init)
    network = Network(layers, [activation] * 8 + ["sigmoid"], weights, biases)
    training = TrainingSettings("bce", 0.5, batch_size=batch_size, seed=4)
    return Scenario(network, training, DataSpec(generator="circles", n=60, noise=0.1, seed=1),
                    init)


def own_run(scenario, steps):
    """The scenario trained as it is, on a copy."""
    copy = scenario.copy()
    return copy.trainer().train(steps)


def test_the_unchanged_variant_retraces_the_scenarios_own_run():
    scenario = deep(batch_size=16)
    results = compare(scenario, "activation", ["relu", "sigmoid"], 15)
    records = own_run(scenario, 15)
    sigmoid = results[1]
    assert sigmoid.label == "Sigmoid"
    # same initial weights and the same batches, so the very same numbers
    np.testing.assert_array_equal(sigmoid.losses, [r.loss.loss for r in records])
    np.testing.assert_array_equal(sigmoid.grad_norms, [r.grad_norms for r in records])


def test_activation_variants_start_from_the_same_weights_and_batches():
    scenario = deep(batch_size=16)
    relu, tanh = (variant_network(scenario, "activation", a) for a in ("relu", "tanh"))
    for network in (relu, tanh):
        for mine, original in zip(network.weights, scenario.network.weights):
            np.testing.assert_array_equal(mine, original)
    assert relu.activations == ["relu"] * 8 + ["sigmoid"]  # the output layer is kept
    results = compare(scenario, "activation", ["relu", "tanh", "leaky_relu"], 5)
    assert [r.label for r in results] == ["ReLU", "Tanh", "Leaky ReLU"]
    assert all(r.steps_done == 5 and r.grad_norms.shape == (5, 9) for r in results)
    # the one setting that differs shows in the numbers
    assert not np.array_equal(results[0].losses, results[1].losses)


def test_sigmoid_gradients_vanish_towards_the_input_and_relu_ones_do_not():
    results = compare(deep("relu", "he_normal"), "activation", ["sigmoid", "relu"], 3)
    sigmoid, relu = (r.initial_profile for r in results)
    assert sigmoid[0] < sigmoid[-1] / 100
    assert relu[0] > relu[-1] / 100


def test_init_variants_draw_their_own_weights_with_the_same_seed():
    scenario = deep("relu", "xavier_uniform")
    results = compare(scenario, "init", ["he_normal", InitSpec("xavier_uniform", 0)], 4)
    assert [r.label for r in results] == ["He normal", "Xavier uniform"]
    he = scenario.copy()
    he.reinitialize(InitSpec("he_normal", seed=0))
    records = he.trainer().train(4)
    np.testing.assert_array_equal(results[0].losses, [r.loss.loss for r in records])
    # the scenario's own scheme reproduces its own run
    np.testing.assert_array_equal(results[1].losses,
                                  [r.loss.loss for r in own_run(scenario, 4)])


def test_the_given_scenario_is_never_touched():
    scenario = load_builtin("deep-sigmoid")
    weights = [np.array(w) for w in scenario.network.weights]
    network, training = scenario.network, scenario.training
    compare(scenario, "activation", ["sigmoid", "relu"], 5)
    compare(scenario, "init", ["he_uniform"], 5)
    assert scenario.network is network and scenario.training is training
    assert scenario.network.activations == ["sigmoid"] * 9
    for mine, before in zip(scenario.network.weights, weights):
        np.testing.assert_array_equal(mine, before)


def test_progress_and_cancel():
    seen = []
    results = compare(deep(), "activation", ["sigmoid", "tanh"], 10,
                      progress=lambda k, total: seen.append((k, total)))
    assert seen[-1] == (20, 20) and all(t == 20 for _, t in seen)
    assert [k for k, _ in seen] == sorted(k for k, _ in seen)

    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 13  # stop during the second variant

    results = compare(deep(), "activation", ["sigmoid", "tanh", "relu"], 10,
                      cancelled=cancelled)
    assert [r.steps_done for r in results] == [10, 3]


def test_a_diverging_variant_stops_and_says_where():
    layers = [1, 4, 1]
    weights, biases = initialize(layers, InitSpec("xavier_uniform", 0))
    scenario = Scenario(Network(layers, ["identity", "identity"], weights, biases),
                        TrainingSettings("mse", 10.0),
                        DataSpec(generator="sine", n=20, seed=0))
    with np.errstate(all="ignore"):
        results = compare(scenario, "activation", ["identity", "tanh"], 200)
    identity = results[0]
    assert identity.divergence is not None and identity.steps_done < 200
    assert identity.divergence.startswith(f"step {identity.steps_done}")


def test_bad_requests_are_refused():
    with pytest.raises(ValueError):
        compare(deep(), "learning_rate", [0.1, 1.0], 3)
    layers = [2, 1]
    weights, biases = initialize(layers, InitSpec())
    shallow = Scenario(Network(layers, ["sigmoid"], weights, biases))
    with pytest.raises(ValueError):
        compare(shallow, "activation", ["relu"], 3)
    with pytest.raises(ValueError):
        compare(deep(), "init", ["glorot"], 3)
