"""Weight initializers: the right spread, seeded, and the fixed schemes exact."""

from __future__ import annotations

import numpy as np
import pytest

from bpsim.initializers import SCHEMES, InitSpec, initialize

# One big layer: 400 inputs → 500 outputs gives 200,000 weights, so a sample standard
# deviation is within about 0.2 % of the true one; 2 % is a loose, safe band.
FAN_IN, FAN_OUT = 400, 500
BIG = [FAN_IN, FAN_OUT]


@pytest.mark.parametrize("scheme, std", [
    ("he_normal", np.sqrt(2 / FAN_IN)),
    ("he_uniform", np.sqrt(6 / FAN_IN) / np.sqrt(3)),          # U(±l) has std l/√3
    ("xavier_normal", np.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("xavier_uniform", np.sqrt(6 / (FAN_IN + FAN_OUT)) / np.sqrt(3)),
])
def test_spread_of_the_random_schemes(scheme, std):
    (weights,), (biases,) = initialize(BIG, InitSpec(scheme, seed=0))
    assert weights.shape == (FAN_OUT, FAN_IN)
    assert abs(weights.mean()) < 0.02 * std
    assert weights.std() == pytest.approx(std, rel=0.02)
    assert np.all(biases == 0.0)


@pytest.mark.parametrize("scheme", ["he_uniform", "xavier_uniform"])
def test_uniform_schemes_stay_within_their_limit(scheme):
    fan_sum = FAN_IN if scheme == "he_uniform" else FAN_IN + FAN_OUT
    (weights,), _ = initialize(BIG, InitSpec(scheme, seed=1))
    limit = np.sqrt(6 / fan_sum)
    assert np.abs(weights).max() <= limit
    assert np.abs(weights).max() > 0.99 * limit


def test_uniform_and_normal_take_their_parameters():
    (weights,), _ = initialize(BIG, InitSpec("uniform", seed=2, params={"a": 1.0, "b": 3.0}))
    assert 1.0 <= weights.min() and weights.max() <= 3.0
    assert weights.mean() == pytest.approx(2.0, abs=0.01)
    (weights,), _ = initialize(BIG, InitSpec("normal", seed=2, params={"sigma": 0.3}))
    assert weights.std() == pytest.approx(0.3, rel=0.02)
    # defaults: U(−0.5, 0.5) and σ = 0.1
    (weights,), _ = initialize(BIG, InitSpec("normal", seed=2))
    assert weights.std() == pytest.approx(0.1, rel=0.02)


def test_constant_sets_weights_and_biases_zeros_sets_everything_to_zero():
    weights, biases = initialize([3, 4, 2], InitSpec("constant", params={"c": 0.25}))
    assert all(np.all(w == 0.25) for w in weights)
    assert all(np.all(b == 0.25) for b in biases)
    weights, biases = initialize([3, 4, 2], InitSpec("zeros"))
    assert all(np.all(w == 0.0) for w in weights + biases)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_shapes_follow_the_layers_and_the_seed_decides(scheme):
    layers = [3, 5, 4, 1]
    weights, biases = initialize(layers, InitSpec(scheme, seed=7))
    assert [w.shape for w in weights] == [(5, 3), (4, 5), (1, 4)]
    assert [b.shape for b in biases] == [(5,), (4,), (1,)]
    again, _ = initialize(layers, InitSpec(scheme, seed=7))
    assert all(np.array_equal(w, v) for w, v in zip(weights, again))
    if scheme not in ("constant", "zeros"):
        other, _ = initialize(layers, InitSpec(scheme, seed=8))
        assert not np.array_equal(weights[0], other[0])


def test_unknown_scheme_is_refused():
    with pytest.raises(KeyError):
        initialize([2, 2], InitSpec("glorot_magic"))
