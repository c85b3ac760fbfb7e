from dataclasses import replace

import numpy as np
import pytest

from bpsim.compare import compare, parse_values, variant_network
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
        compare(deep(), "batch_size", [1, 2], 3)
    # η outside the settings table's range (0, ∞)
    with pytest.raises(ValueError, match="greater than 0"):
        compare(deep(), "learning_rate", [0.1, 0.0], 3)
    layers = [2, 1]
    weights, biases = initialize(layers, InitSpec())
    shallow = Scenario(Network(layers, ["sigmoid"], weights, biases))
    with pytest.raises(ValueError):
        compare(shallow, "activation", ["relu"], 3)
    with pytest.raises(ValueError):
        compare(deep(), "init", ["glorot"], 3)


# -- the learning-rate lab ------------------------------------------------------------


def test_three_learning_rates_from_the_same_weights(lecture_example):
    """The lecture example at η = 1, 0.05, 0.001: three runs from w = 0.1, each step
    the engine's own (the same numbers as training a copy with that η)."""
    results = compare(lecture_example, "learning_rate", [1.0, 0.05, 0.001], 30)
    assert [r.label for r in results] == ["η = 1", "η = 0.05", "η = 0.001"]
    for result, eta in zip(results, (1.0, 0.05, 0.001)):
        copy = lecture_example.copy()
        copy.training = replace(copy.training, learning_rate=eta)
        records = copy.trainer().train(30)
        np.testing.assert_array_equal(result.losses, [r.loss.loss for r in records])
    # step 1 is before any update: the same J = (0.3 − 1)² for all three
    assert [r.losses[0] for r in results] == [pytest.approx(0.49)] * 3
    # η = 1 overshoots (w: 0.1 → 4.3, J: 0.49 → 141.61), η = 0.05 converges, η = 0.001 crawls
    overshoot, converge, crawl = results
    assert overshoot.losses[1] == pytest.approx(141.61)
    assert converge.losses[-1] < 1e-6 < crawl.losses[-1] < crawl.losses[0]
    assert lecture_example.network.weights[0][0, 0] == 0.1  # untouched


def test_a_diverging_learning_rate_is_reported_not_raised(lecture_example):
    results = compare(lecture_example, "learning_rate", [1.0, 0.05], 400)
    overshoot, converge = results
    # w ← −17·w + 6 each step at η = 1: |w| grows 17-fold until J overflows
    assert overshoot.divergence is not None and overshoot.steps_done < 400
    assert converge.divergence is None and converge.steps_done == 400


def test_momentum_and_optimizer_variants(xor):
    results = compare(xor, "momentum", [0.0, 0.9], 5)
    assert [r.label for r in results] == ["μ = 0", "μ = 0.9"]
    assert results[0].losses[0] == results[1].losses[0]  # the same start
    assert results[0].losses[2] != results[1].losses[2]
    results = compare(xor, "optimizer", ["sgd", "adam"], 5)
    assert [r.label for r in results] == ["SGD", "Adam"]
    copy = xor.copy()
    copy.training = replace(copy.training, optimizer="adam")
    np.testing.assert_array_equal(results[1].losses,
                                  [r.loss.loss for r in copy.trainer().train(5)])
    adam = xor.copy()
    adam.training = replace(adam.training, optimizer="adam")
    with pytest.raises(ValueError, match="SGD and Nesterov only"):
        compare(adam, "momentum", [0.5], 3)


@pytest.mark.parametrize("text, values", [
    ("1, 0.05, 0.001", [1.0, 0.05, 0.001]),
    ("1; 0.05; 0.001", [1.0, 0.05, 0.001]),
    ("1 0.05 1e-3", [1.0, 0.05, 0.001]),
    ("1,0.05", [1.0, 0.05]),
    ("0,5", [0.5]),               # a decimal comma, as in every field of bpsim
    ("1×10⁻³", [0.001]),
])
def test_typed_learning_rates(text, values):
    assert parse_values("learning_rate", text) == values


@pytest.mark.parametrize("setting, text, message", [
    ("learning_rate", "1, 0", "Learning rate η: must be greater than 0, got 0"),
    ("learning_rate", "-1", "Learning rate η: must be greater than 0, got -1"),
    ("learning_rate", "0.1, abc", "Learning rate η: “abc” is not a number"),
    ("learning_rate", "inf", "not a finite number"),
    ("learning_rate", "0.1 0.1", "0.1 is listed twice"),
    ("learning_rate", "  ", "Type one or more values of the learning rate η"),
    ("learning_rate", "1 2 3 4 5 6 7 8 9", "at most 8 values"),
    ("momentum", "0.5, 1", "Momentum μ: must be at least 0 and below 1, got 1"),
])
def test_typed_values_are_checked_against_the_settings_table(setting, text, message):
    with pytest.raises(ValueError) as refused:
        parse_values(setting, text)
    assert message in str(refused.value)
