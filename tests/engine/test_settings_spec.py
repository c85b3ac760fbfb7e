"""The settings table: each setting's range, words and checks, and Scenario.check's
cross-field rules."""

import math

import numpy as np
import pytest

from bpsim import io, settings_spec
from bpsim.initializers import InitSpec
from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario, ScenarioError
from bpsim.training import TrainingSettings


@pytest.mark.parametrize("name, accepted, refused, message", [
    ("learning_rate", [5e-324, 0.5, 1e300], [0.0, -0.1],
     "must be greater than 0, got 0.0"),
    ("momentum", [0.0, 0.9, math.nextafter(1.0, 0.0)], [1.0, -1e-9],
     "must be at least 0 and below 1, got 1.0"),
    ("batch_size", [None, 1, 100_000], [0, 100_001], "must be at least 1, got 0"),
    ("sample_count", [1, 100_000], [0, 100_001], "must be at least 1, got 0"),
    ("noise", [0.0, 10.0], [-1.0, 10.5], "must be at least 0, got -1.0"),
    ("leaky_slope", [0.0, 0.01, 1.0], [-0.1, 1.5], "must be at least 0, got -0.1"),
    ("layer_size", [1, 128], [0, 129], "must be at least 1, got 0"),
    ("shuffle_seed", [0, settings_spec.MAX_SEED], [-1, settings_spec.MAX_SEED + 1],
     "must be at least 0, got -1"),
])
def test_each_number_is_checked_against_its_range(name, accepted, refused, message):
    setting = settings_spec.get(name)
    for value in accepted:
        assert setting.check(value) == value
    for value in refused:
        with pytest.raises(ValueError):
            setting.check(value)
    with pytest.raises(ValueError, match=f"^{message}$"):
        setting.check(refused[0])


@pytest.mark.parametrize("name, value, message", [
    ("learning_rate", True, "expected a finite number, got true"),
    ("learning_rate", "0.1", 'expected a finite number, got "0.1"'),
    ("learning_rate", 10**400, "expected a finite number, got 1000"),
    ("batch_size", "all", 'expected null (the whole dataset) or a whole number, got "all"'),
    ("layer_size", 3.5, "expected a number of neurons, got 3.5"),
    ("train_biases", 1, "expected true or false, got 1"),
    ("loss", "hinge", 'unknown loss "hinge"; choose one of: mse, sse, half_sse, bce, '
                      "cross_entropy"),
    ("loss", 3, "expected the name of a loss, got 3"),
    ("init_scheme", None, "expected the name of an initializer, got null"),
])
def test_a_value_of_the_wrong_type_is_named_as_the_file_shows_it(name, value, message):
    with pytest.raises(ValueError) as caught:
        settings_spec.check(name, value)
    assert str(caught.value).startswith(message)


def test_an_integer_given_for_a_float_setting_becomes_a_float():
    value = settings_spec.check("learning_rate", 2)
    assert value == 2.0 and isinstance(value, float)


@pytest.mark.parametrize("name, words", [
    ("learning_rate", "greater than 0"),
    ("momentum", "at least 0 and below 1"),
    ("leaky_slope", "between 0 and 1"),
    ("sample_count", "between 1 and 100000"),
    ("init_a", "between -1000 and 1000"),
    ("init_sigma", "between 0 and 1000"),
])
def test_ranges_are_described_in_words(name, words):
    setting = settings_spec.get(name)
    assert setting.describe_range() == words
    assert setting.help.endswith(f"({words})")


def test_labels_and_symbols_for_the_docks_and_the_tours():
    assert settings_spec.label("learning_rate") == "Learning rate"
    assert settings_spec.get("learning_rate").title == "Learning rate η"
    assert settings_spec.get("momentum").title == "Momentum μ"
    assert settings_spec.phrase("momentum") == "the momentum μ"
    assert settings_spec.phrase("shuffle_seed") == "the shuffle seed"
    with pytest.raises(KeyError, match="no setting 'epochs'"):
        settings_spec.get("epochs")


def test_every_setting_has_words_and_a_default_it_accepts():
    for setting in settings_spec.SETTINGS.values():
        assert setting.label and setting.tooltip and setting.path
        assert setting.check(setting.default) == setting.default, setting.name


def test_the_table_and_the_training_settings_agree_on_defaults():
    defaults = TrainingSettings()
    for field, name in (("loss", "loss"), ("learning_rate", "learning_rate"),
                        ("momentum", "momentum"), ("batch_size", "batch_size"),
                        ("train_biases", "train_biases"), ("seed", "shuffle_seed")):
        assert getattr(defaults, field) == settings_spec.get(name).default


# -- Scenario.check: the rules between the parts -------------------------------------

def scenario(layers, activations, loss, samples=None, data=None, init=None) -> Scenario:
    weights = [np.full((n, m), 0.1) for m, n in zip(layers, layers[1:])]
    biases = [np.zeros(n) for n in layers[1:]]
    return Scenario(Network(layers, activations, weights, biases),
                    TrainingSettings(loss, 0.5),
                    data or DataSpec.from_samples(samples), init or InitSpec())


ONE_HOT = [([0, 0], [1, 0]), ([1, 1], [0, 1])]


@pytest.mark.parametrize("parts, where, problem", [
    (([2, 2], ["softmax"], "cross_entropy", ONE_HOT), None, None),
    (([2, 2], ["sigmoid"], "cross_entropy", ONE_HOT), "training.loss",
     "cross_entropy needs a softmax output layer, not sigmoid"),
    (([2, 1], ["sigmoid"], "cross_entropy", [([0, 0], [0])]), "training.loss",
     "cross_entropy needs at least 2 output neurons"),
    (([2, 1], ["tanh"], "bce", [([0, 0], [0])]), "training.loss",
     "bce needs outputs between 0 and 1"),
    (([2, 1], ["sigmoid"], "bce", [([0, 0], [0]), ([1, 0], [1.5])]), "data.samples[1].y",
     "bce needs targets between 0 and 1, got [1.5]"),
    (([2, 2], ["softmax"], "cross_entropy", [([0, 0], [0.5, 0.5])]), "data.samples[0].y",
     "cross_entropy needs a one-hot row"),
    (([2, 2], ["softmax"], "cross_entropy", [([0, 0], [1])]), None, None),  # a class index
    (([2, 2], ["identity"], "mse", [([0, 0], [1])]), "data.samples[0].y",
     "expected 2 numbers (the output layer has 2 neurons), got 1"),
    (([2, 1], ["identity"], "mse", [([0, 0, 0], [1])]), "data.samples[0].x",
     "expected 2 numbers (the input layer has 2 neurons), got 3"),
])
def test_the_cross_field_rules(parts, where, problem):
    made = scenario(*parts)
    if where is None:
        assert made.check() is made
        return
    with pytest.raises(ScenarioError) as caught:
        made.check()
    assert caught.value.where == where
    assert caught.value.problem.startswith(problem)


@pytest.mark.parametrize("layers, loss, where, problem", [
    ([2, 1], "mse", None, None),
    ([1, 1], "mse", "data.generator", "xor gives 2 inputs, but the input layer has 1 neuron"),
    ([2, 2], "mse", "data.generator", "xor gives 1 target, but the output layer has 2"),
    ([2, 3], "cross_entropy", None, None),  # class indices suit any width
])
def test_a_generator_must_suit_the_network(layers, loss, where, problem):
    output = "softmax" if loss == "cross_entropy" else "sigmoid"
    made = scenario(layers, [output], loss, data=DataSpec(generator="xor", n=4))
    if where is None:
        made.check()
        return
    with pytest.raises(ScenarioError, match=problem) as caught:
        made.check()
    assert caught.value.where == where


def test_a_uniform_initializer_needs_a_at_most_b():
    made = scenario([2, 1], ["identity"], "mse", [([0, 0], [1])],
                    init=InitSpec("uniform", 0, {"a": 1.0, "b": 0.5}))
    with pytest.raises(ScenarioError, match="must be at least a"):
        made.check()


def test_the_loader_refuses_what_check_refuses():
    made = scenario([2, 2], ["sigmoid"], "mse", ONE_HOT)
    text = io.dumps(made)
    assert io.loads(text).training.loss == "mse"
    with pytest.raises(ScenarioError, match="^training.loss: cross_entropy needs a softmax"):
        io.loads(text.replace('"loss": "mse"', '"loss": "cross_entropy"'))
