"""Network surgery: a new network (or new samples) from an old one, changing as little
as an edit allows.  Every function is pure: the old network and data are untouched.

How new parameters are chosen:

- A new neuron gets incoming weights drawn with the scenario's initializer (its scheme,
  and a seed derived from the scenario's seed, the layer and the new size, so redo and
  a saved file give the same numbers), bias from the same initializer (0 except for
  ``constant``), and outgoing weights 0: the network's outputs do not change until
  training moves them, and two new neurons still differ (no symmetry to break).
- Removing a neuron removes the last one of the layer with its weights; the other
  weights are kept.
- A new hidden layer has as many neurons as the layer before it, the activation of
  its hidden neighbours (identity when there are none), W = I and b = 0, and keeps the
  weights after it: with an identity activation (or ReLU after a ReLU layer) the
  network computes exactly what it did before.
- Removing hidden layer k joins its neighbours: W = W⁽ᵏ⁺¹⁾W⁽ᵏ⁾, b = W⁽ᵏ⁺¹⁾b⁽ᵏ⁾ + b⁽ᵏ⁺¹⁾,
  exactly what the network computed if layer k was linear.
- Changing the number of inputs or outputs must keep the data consistent: literal
  samples are padded with 0 or cut to the new width (:func:`fitted_samples`);
  generated data have a fixed shape, so such a change is refused.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .initializers import InitSpec, initialize
from .network import Network
from .scenario import DataSpec


def _derived_seed(init: InitSpec, layer: int, size: int) -> int:
    # one reproducible stream per (scenario seed, layer, new size)
    return int(np.random.SeedSequence([init.seed % 2**63, layer, size]).generate_state(1)[0])


def resized(network: Network, layer: int, size: int, init: InitSpec) -> Network:
    """The network with layer ``layer`` (0 = inputs) having ``size`` neurons; the
    weights of the remaining neurons are kept (see the module text for new ones)."""
    layers = list(network.layers)
    old = layers[layer]
    layers[layer] = size
    weights = [np.array(w) for w in network.weights]
    biases = [np.array(b) for b in network.biases]
    if layer >= 1:  # incoming weights W⁽ˡ⁾: one row per neuron
        if size <= old:
            weights[layer - 1] = weights[layer - 1][:size]
            biases[layer - 1] = biases[layer - 1][:size]
        else:
            spec = replace(init, seed=_derived_seed(init, layer, size))
            fresh_w, fresh_b = initialize([layers[layer - 1], size], spec)
            weights[layer - 1] = np.vstack([weights[layer - 1], fresh_w[0][old:]])
            biases[layer - 1] = np.concatenate([biases[layer - 1], fresh_b[0][old:]])
    if layer < network.depth:  # outgoing weights W⁽ˡ⁺¹⁾: one column per neuron
        w = weights[layer]
        if size <= old:
            weights[layer] = w[:, :size]
        else:
            weights[layer] = np.hstack([w, np.zeros((w.shape[0], size - old))])
    return Network(layers, network.activations, weights, biases, network.leaky_slope)


def neighbour_activation(network: Network, after: int) -> str:
    """The activation a hidden layer inserted after layer ``after`` gets."""
    hidden = network.activations[:-1]  # activations of hidden layers 1..L−1
    if 1 <= after <= len(hidden):
        return hidden[after - 1]
    if after < len(hidden):
        return hidden[after]
    return "identity"


def with_layer_inserted(network: Network, after: int) -> Network:
    """A hidden layer after layer ``after`` (0..L−1): width n_after, W = I, b = 0."""
    width = network.layers[after]
    layers = list(network.layers)
    layers.insert(after + 1, width)
    names = list(network.activations)
    names.insert(after, neighbour_activation(network, after))
    weights = list(network.weights)
    weights.insert(after, np.eye(width))
    biases = list(network.biases)
    biases.insert(after, np.zeros(width))
    return Network(layers, names, weights, biases, network.leaky_slope)


def with_layer_removed(network: Network, layer: int) -> Network:
    """Hidden layer ``layer`` removed, its neighbours joined by W⁽ˡ⁺¹⁾W⁽ˡ⁾."""
    if not 1 <= layer < network.depth:
        raise ValueError("only a hidden layer can be removed")
    w_in, w_out = network.weights[layer - 1], network.weights[layer]
    b_in, b_out = network.biases[layer - 1], network.biases[layer]
    layers = list(network.layers)
    del layers[layer]
    names = list(network.activations)
    del names[layer - 1]
    weights = list(network.weights)
    weights[layer - 1:layer + 1] = [w_out @ w_in]
    biases = list(network.biases)
    biases[layer - 1:layer + 1] = [w_out @ b_in + b_out]
    return Network(layers, names, weights, biases, network.leaky_slope)


def with_activation(network: Network, layer: int, name: str) -> Network:
    """Layer ``layer`` (1..L) computing a = ``name``(z); every parameter is kept."""
    names = list(network.activations)
    names[layer - 1] = name
    return Network(network.layers, names, network.weights, network.biases,
                   network.leaky_slope)


def with_leaky_slope(network: Network, slope: float) -> Network:
    """The network with leaky ReLU f(z) = α·z for z < 0, α = ``slope``."""
    return Network(network.layers, network.activations, network.weights,
                   network.biases, slope)


def targets_fit(target_width: int, outputs: int, loss: str) -> bool:
    """Targets of this width suit this many outputs (class indices suit cross-entropy)."""
    return target_width == outputs or (loss == "cross_entropy" and target_width == 1
                                       and outputs > 1)


def _fit(values: tuple, width: int) -> tuple:
    return tuple(values[:width]) + (0.0,) * max(0, width - len(values))


def reshaped_samples(data: DataSpec, inputs: int | None, outputs: int | None) -> DataSpec:
    """Literal samples with x (and/or y) padded with 0 or cut to the given width."""
    if data.is_generated:
        raise ValueError(f"the “{data.generator}” generator makes samples of one shape")
    return DataSpec.from_samples(
        ((_fit(x, inputs) if inputs is not None else x,
          _fit(y, outputs) if outputs is not None else y) for x, y in data.samples),
        data.features, data.test_fraction, data.seed)


def fitted_samples(data: DataSpec, inputs: int, outputs: int, loss: str) -> DataSpec:
    """The samples a network with ``inputs`` inputs and ``outputs`` outputs trains on:
    ``data`` itself when they fit, else literal samples padded with 0 or cut to fit.
    Generated data have their generator's shape: ValueError when it does not fit."""
    raw = data.dataset()
    if data.has_features:
        # one input neuron per feature of the 2-D points: no sample to pad or cut
        if len(data.features) != inputs:
            raise ValueError("the inputs are the features chosen in the Data dock: "
                             "choose them there")
        x_fits = True
    else:
        x_fits = raw.x.shape[1] == inputs
    y_fits = targets_fit(raw.y.shape[1], outputs, loss)
    if x_fits and y_fits:
        return data
    return reshaped_samples(data, None if x_fits else inputs, None if y_fits else outputs)


def with_features(network: Network, old: tuple, new: tuple) -> Network:
    """The network with input features ``new`` instead of ``old``: each input neuron
    keeps its outgoing weights (matched by feature), a new feature starts with
    outgoing weights 0 (the outputs do not change until training moves them), and
    every other weight and bias is kept."""
    w = np.asarray(network.weights[0])
    first = np.zeros((w.shape[0], len(new)))
    for column, name in enumerate(new):
        if name in old:
            first[:, column] = w[:, old.index(name)]
    layers = [len(new)] + list(network.layers[1:])
    weights = [first] + [np.array(w) for w in network.weights[1:]]
    return Network(layers, network.activations, weights,
                   [np.array(b) for b in network.biases], network.leaky_slope)
