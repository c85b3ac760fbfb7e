"""Saturation, switched-off and dead units, and the sigmoid bound, from forward records."""

from __future__ import annotations

import numpy as np
import pytest

from bpsim.diagnostics import dead_units, flat_fraction, flat_mask, sigmoid_bound
from bpsim.network import Network


def record_at(activation: str, z, leaky_slope: float = 0.01):
    """The forward record of one layer whose total input is ``z`` (shape (B, n)):
    identity weights, zero biases, the inputs set to z."""
    z = np.asarray(z, dtype=float)
    n = z.shape[1]
    network = Network([n, n], [activation], [np.eye(n)], [np.zeros(n)], leaky_slope)
    (record,) = network.forward(z)
    np.testing.assert_array_equal(record.z, z)
    return record


def test_saturated_sigmoid_and_tanh_units_are_flat():
    # σ′(±5) ≈ 0.0066 < 10 % of σ′(0) = 0.25; σ′(±2) ≈ 0.105 is not
    z = [[-5.0, -2.0, 0.0, 2.0, 5.0]]
    np.testing.assert_array_equal(flat_mask(record_at("sigmoid", z)),
                                  [[True, False, False, False, True]])
    # tanh′(z) = 1 − tanh²(z) < 0.1 once |z| > 1.82
    np.testing.assert_array_equal(flat_mask(record_at("tanh", [[-2.0, -1.5, 0.0, 1.5, 2.0]])),
                                  [[True, False, False, False, True]])


def test_relu_units_are_off_where_z_is_not_positive():
    z = [[-1.0, 0.0, 0.5], [2.0, -3.0, 1.0]]
    record = record_at("relu", z)
    np.testing.assert_array_equal(flat_mask(record), np.asarray(z) <= 0)
    assert flat_fraction(record) == pytest.approx(3 / 6)


@pytest.mark.parametrize("slope, off", [(0.01, True), (0.05, True), (0.2, False),
                                        (0.5, False)])
def test_leaky_relu_is_off_only_when_its_own_slope_is_small(slope, off):
    # at z < 0, f′(z) = α: below 10 % of the peak 1 only for α < 0.1, whatever the
    # default slope is
    record = record_at("leaky_relu", [[-1.0, 2.0], [-0.5, -4.0]], leaky_slope=slope)
    assert record.leaky_slope == slope
    expected = np.array([[True, False], [True, True]]) & off
    np.testing.assert_array_equal(flat_mask(record), expected)
    assert dead_units(record) == (1 if off else 0)  # the first unit: z < 0 throughout


def test_activations_that_never_flatten_have_no_mask():
    for name in ("identity", "softmax"):
        record = record_at(name, [[-9.0, 0.0, 9.0]])
        assert flat_mask(record) is None and flat_fraction(record) is None


def test_a_dead_relu_unit_is_off_for_every_sample_of_the_batch():
    rng = np.random.default_rng(3)
    z = rng.normal(0.0, 1.0, (20, 6))
    z[:, 1] = -np.abs(z[:, 1])  # never positive: dead
    z[:, 4] = -np.abs(z[:, 4])
    z[0, 4] = 0.1               # positive for one sample: alive
    record = record_at("relu", z)
    assert dead_units(record) == 1
    assert dead_units(record) == int(np.sum(np.all(z <= 0, axis=0)))


def test_saturating_activations_report_no_dead_units():
    assert dead_units(record_at("sigmoid", [[-50.0], [-60.0]])) is None
    assert dead_units(record_at("tanh", [[-50.0], [-60.0]])) is None


def test_the_sigmoid_bound_shrinks_by_a_quarter_per_sigmoid_layer():
    np.testing.assert_allclose(sigmoid_bound(["sigmoid"] * 4, 2.0),
                               [2.0 / 64, 2.0 / 16, 2.0 / 4, 2.0])
    # only hidden sigmoid layers between l and the output count
    np.testing.assert_allclose(sigmoid_bound(["relu", "sigmoid", "relu", "sigmoid"], 1.0),
                               [0.25, 0.25, 1.0, 1.0])
    np.testing.assert_array_equal(sigmoid_bound(["relu"] * 3 + ["sigmoid"], 0.5),
                                  [0.5] * 4)
