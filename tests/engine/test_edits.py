"""Network surgery: each edit changes only what it says, and keeps the network's
function where the lecture says it does."""

import numpy as np
import pytest

from bpsim import edits
from bpsim.initializers import InitSpec
from bpsim.network import Network, same_parameters
from bpsim.scenario import DataSpec

INIT = InitSpec("xavier_uniform", seed=7)


def random_network(layers, activations, seed=0, leaky_slope=0.01):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(n, m)) for m, n in zip(layers[:-1], layers[1:])]
    biases = [rng.normal(size=n) for n in layers[1:]]
    return Network(layers, activations, weights, biases, leaky_slope)


def random_inputs(width, seed=1, samples=25):
    return np.random.default_rng(seed).normal(size=(samples, width))


def unchanged(network, copy):
    return (network.layers == copy.layers and network.activations == copy.activations
            and same_parameters(network, copy.weights, copy.biases))


# -- inserting a hidden layer -------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("layers, hidden, after", [
    ([3, 4, 2], "identity", 1),    # after a linear hidden layer: W = I is the identity
    ([3, 4, 2], "relu", 1),        # ReLU of ReLU outputs (≥ 0) changes nothing
    ([3, 4, 5, 2], "relu", 2),
    ([3, 2], None, 0),             # no hidden layer: the new one is linear
])
def test_inserting_a_layer_keeps_the_function_when_it_can(layers, hidden, after, seed):
    names = [hidden] * (len(layers) - 2) + ["sigmoid"]
    network = random_network(layers, names, seed)
    before = network.copy()
    x = random_inputs(layers[0], seed)
    wider = edits.with_layer_inserted(network, after)
    assert wider.layers == [*layers[:after + 1], layers[after], *layers[after + 1:]]
    np.testing.assert_array_equal(wider.weights[after], np.eye(layers[after]))
    np.testing.assert_array_equal(wider.biases[after], np.zeros(layers[after]))
    np.testing.assert_allclose(wider.predict(x), network.predict(x), rtol=1e-12)
    assert unchanged(network, before)


def test_an_inserted_layer_copies_the_activation_of_its_hidden_neighbours():
    network = random_network([2, 3, 3, 1], ["tanh", "relu", "sigmoid"])
    assert edits.with_layer_inserted(network, 0).activations == [
        "tanh", "tanh", "relu", "sigmoid"]
    assert edits.with_layer_inserted(network, 2).activations == [
        "tanh", "relu", "relu", "sigmoid"]
    without_hidden = random_network([2, 1], ["sigmoid"])
    assert edits.with_layer_inserted(without_hidden, 0).activations == [
        "identity", "sigmoid"]


# -- removing a hidden layer -----------------------------------------------------------

@pytest.mark.parametrize("seed", range(5))
def test_removing_a_linear_layer_keeps_the_function(seed):
    network = random_network([3, 5, 4, 2], ["tanh", "identity", "sigmoid"], seed)
    before = network.copy()
    x = random_inputs(3, seed)
    joined = edits.with_layer_removed(network, 2)
    assert joined.layers == [3, 5, 2] and joined.activations == ["tanh", "sigmoid"]
    # W = W⁽³⁾W⁽²⁾, b = W⁽³⁾b⁽²⁾ + b⁽³⁾
    np.testing.assert_allclose(joined.weights[1], network.weights[2] @ network.weights[1])
    np.testing.assert_allclose(joined.predict(x), network.predict(x), rtol=1e-12)
    np.testing.assert_array_equal(joined.weights[0], network.weights[0])
    assert unchanged(network, before)


def test_inserting_then_removing_a_layer_gives_the_network_back():
    network = random_network([2, 3, 1], ["sigmoid", "sigmoid"])
    back = edits.with_layer_removed(edits.with_layer_inserted(network, 1), 2)
    assert back.layers == network.layers and back.activations == network.activations
    for mine, original in zip([*back.weights, *back.biases],
                              [*network.weights, *network.biases]):
        np.testing.assert_allclose(mine, original, rtol=1e-15)


@pytest.mark.parametrize("layer", [0, 2])
def test_only_a_hidden_layer_can_be_removed(layer):
    with pytest.raises(ValueError, match="hidden layer"):
        edits.with_layer_removed(random_network([2, 3, 1], ["relu", "sigmoid"]), layer)


# -- resizing a layer ------------------------------------------------------------------

def test_a_new_neuron_keeps_the_other_weights_and_the_outputs():
    network = random_network([2, 3, 1], ["tanh", "sigmoid"])
    before = network.copy()
    x = random_inputs(2)
    wider = edits.resized(network, 1, 5, INIT)
    assert wider.layers == [2, 5, 1]
    np.testing.assert_array_equal(wider.weights[0][:3], network.weights[0])
    np.testing.assert_array_equal(wider.biases[0][:3], network.biases[0])
    np.testing.assert_array_equal(wider.weights[1][:, :3], network.weights[1])
    np.testing.assert_array_equal(wider.weights[1][:, 3:], 0.0)  # outgoing: 0
    np.testing.assert_allclose(wider.predict(x), network.predict(x), rtol=1e-12)
    # incoming weights from the initializer: the two new neurons differ
    assert not np.array_equal(wider.weights[0][3], wider.weights[0][4])
    assert unchanged(network, before)


def test_new_neurons_are_reproducible_and_follow_the_seed():
    network = random_network([2, 3, 1], ["tanh", "sigmoid"])
    once = edits.resized(network, 1, 4, INIT)
    again = edits.resized(network, 1, 4, INIT)
    other_seed = edits.resized(network, 1, 4, InitSpec("xavier_uniform", seed=8))
    np.testing.assert_array_equal(once.weights[0], again.weights[0])
    assert not np.array_equal(once.weights[0][3], other_seed.weights[0][3])


def test_new_biases_come_from_the_initializer():
    network = random_network([2, 3, 1], ["tanh", "sigmoid"])
    constant = InitSpec("constant", seed=0, params={"c": 0.25})
    wider = edits.resized(network, 1, 4, constant)
    # constant: every new weight and bias is c
    np.testing.assert_array_equal(wider.weights[0][3], [0.25, 0.25])
    assert wider.biases[0][3] == 0.25
    zeros_bias = edits.resized(network, 1, 4, INIT)
    assert zeros_bias.biases[0][3] == 0.0  # other schemes start biases at 0


def test_removing_neurons_keeps_the_remaining_weights():
    network = random_network([2, 4, 3], ["relu", "identity"])
    narrower = edits.resized(network, 1, 2, INIT)
    assert narrower.layers == [2, 2, 3]
    np.testing.assert_array_equal(narrower.weights[0], network.weights[0][:2])
    np.testing.assert_array_equal(narrower.biases[0], network.biases[0][:2])
    np.testing.assert_array_equal(narrower.weights[1], network.weights[1][:, :2])


def test_a_new_input_gets_outgoing_weights_0():
    network = random_network([2, 3, 1], ["tanh", "sigmoid"])
    x = random_inputs(2)
    wider = edits.resized(network, 0, 3, INIT)
    assert wider.layers == [3, 3, 1]
    padded = np.hstack([x, random_inputs(1, seed=9)])  # whatever the new input holds
    np.testing.assert_allclose(wider.predict(padded), network.predict(x), rtol=1e-12)


def test_a_new_output_keeps_the_other_outputs():
    network = random_network([2, 3, 2], ["tanh", "identity"])
    x = random_inputs(2)
    wider = edits.resized(network, 2, 3, INIT)
    assert wider.layers == [2, 3, 3]
    np.testing.assert_allclose(wider.predict(x)[:, :2], network.predict(x), rtol=1e-12)


# -- activations -------------------------------------------------------------------------

def test_changing_an_activation_keeps_every_parameter():
    network = random_network([2, 3, 1], ["sigmoid", "sigmoid"])
    before = network.copy()
    changed = edits.with_activation(network, 1, "tanh")
    assert changed.activations == ["tanh", "sigmoid"]
    assert same_parameters(changed, network.weights, network.biases)
    assert unchanged(network, before)


def test_the_leaky_slope_changes_what_leaky_relu_computes():
    network = random_network([1, 1], ["leaky_relu"])
    network.set_parameters([[[1.0]]], [[0.0]])
    steeper = edits.with_leaky_slope(network, 0.2)
    assert steeper.leaky_slope == 0.2 and network.leaky_slope == 0.01
    assert steeper.predict([[-2.0]])[0, 0] == pytest.approx(-0.4)  # α·z
    assert same_parameters(steeper, network.weights, network.biases)


# -- data that fit the network ---------------------------------------------------------

@pytest.mark.parametrize("width, outputs, loss, fits", [
    (1, 1, "mse", True),
    (2, 1, "mse", False),
    (1, 3, "mse", False),
    (1, 3, "cross_entropy", True),   # class indices
    (3, 3, "cross_entropy", True),   # one-hot rows
    (2, 3, "cross_entropy", False),
])
def test_targets_fit(width, outputs, loss, fits):
    assert edits.targets_fit(width, outputs, loss) is fits


def test_reshaped_samples_pad_with_0_and_keep_values():
    data = DataSpec.from_samples([([1.5, -2.0], [1.0]), ([0.25, 3.0], [0.0])])
    wider = edits.reshaped_samples(data, 3, None)
    assert wider.samples == (((1.5, -2.0, 0.0), (1.0,)), ((0.25, 3.0, 0.0), (0.0,)))
    two_targets = edits.reshaped_samples(data, None, 2)
    assert two_targets.samples == (((1.5, -2.0), (1.0, 0.0)), ((0.25, 3.0), (0.0, 0.0)))
    narrower = edits.reshaped_samples(data, 1, None)
    assert narrower.samples == (((1.5,), (1.0,)), ((0.25,), (0.0,)))
    assert data.samples == (((1.5, -2.0), (1.0,)), ((0.25, 3.0), (0.0,)))


def test_generated_samples_cannot_be_reshaped():
    with pytest.raises(ValueError, match="xor"):
        edits.reshaped_samples(DataSpec(generator="xor", n=8), 3, None)


def test_fitted_samples_are_the_data_themselves_when_they_fit():
    data = DataSpec.from_samples([([1.0, 2.0], [1.0]), ([3.0, 4.0], [0.0])])
    assert edits.fitted_samples(data, 2, 1, "mse") is data
    # class indices fit several outputs under cross-entropy
    assert edits.fitted_samples(data, 2, 3, "cross_entropy") is data
    generated = DataSpec(generator="xor", n=8)
    assert edits.fitted_samples(generated, 2, 1, "mse") is generated


def test_fitted_samples_pad_or_cut_only_the_side_that_does_not_fit():
    data = DataSpec.from_samples([([1.0, 2.0], [1.0]), ([3.0, 4.0], [0.0])])
    assert edits.fitted_samples(data, 3, 1, "mse").samples == (
        ((1.0, 2.0, 0.0), (1.0,)), ((3.0, 4.0, 0.0), (0.0,)))
    assert edits.fitted_samples(data, 2, 2, "mse").samples == (
        ((1.0, 2.0), (1.0, 0.0)), ((3.0, 4.0), (0.0, 0.0)))


def test_generated_data_of_another_shape_are_refused():
    with pytest.raises(ValueError, match="xor"):
        edits.fitted_samples(DataSpec(generator="xor", n=8), 3, 1, "mse")


# -- comparing parameters ----------------------------------------------------------------

def test_same_parameters_compares_every_weight_and_bias():
    network = random_network([2, 3, 1], ["tanh", "sigmoid"])
    weights, biases = list(network.weights), list(network.biases)
    assert same_parameters(network, weights, biases)
    nudged = np.array(biases[1])
    nudged[0] += 1e-12
    assert not same_parameters(network, weights, [biases[0], nudged])
    assert not same_parameters(network, weights[:1], biases[:1])  # another architecture
