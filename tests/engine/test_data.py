"""The toy datasets: seeded, the right shapes, the right labels."""

from __future__ import annotations

import numpy as np
import pytest

from bpsim import data

CLASSIFIERS = ["xor", "and", "or", "circles", "spiral", "gaussian"]


@pytest.mark.parametrize("name", sorted(data.GENERATORS))
def test_same_seed_same_samples_other_seed_other_samples(name):
    first = data.generate(name, 40, noise=0.1, seed=3)
    again = data.generate(name, 40, noise=0.1, seed=3)
    other = data.generate(name, 40, noise=0.1, seed=4)
    assert np.array_equal(first.x, again.x) and np.array_equal(first.y, again.y)
    assert not np.array_equal(first.x, other.x)


@pytest.mark.parametrize("name", sorted(data.GENERATORS))
def test_shapes(name):
    dataset = data.generate(name, 37, noise=0.05, seed=0)
    n_in, n_out = data.GENERATOR_SHAPES[name]
    assert dataset.x.shape == (37, n_in) and dataset.y.shape == (37, n_out)
    assert len(dataset) == 37
    assert np.all(np.isfinite(dataset.x)) and np.all(np.isfinite(dataset.y))


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classification_labels_are_0_and_1_both_present(name):
    dataset = data.generate(name, 50, noise=0.2, seed=1)
    assert set(np.unique(dataset.y)) == {0.0, 1.0}


@pytest.mark.parametrize("name, truth", [
    ("xor", [0, 1, 1, 0]), ("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1])])
def test_logic_gates_without_noise_are_their_truth_tables(name, truth):
    dataset = data.generate(name, 8, noise=0.0, seed=0)
    corners = [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert dataset.x.tolist() == corners * 2
    assert dataset.y[:, 0].tolist() == truth * 2


def test_noise_jitters_the_inputs_but_not_the_labels():
    clean = data.generate("xor", 20, noise=0.0, seed=2)
    noisy = data.generate("xor", 20, noise=0.1, seed=2)
    assert np.array_equal(clean.y, noisy.y)
    jitter = noisy.x - clean.x
    assert 0.03 < jitter.std() < 0.3


def test_circles_inner_class_is_inside_the_ring():
    dataset = data.generate("circles", 200, noise=0.0, seed=0)
    radius = np.hypot(dataset.x[:, 0], dataset.x[:, 1])
    inner = dataset.y[:, 0] == 1
    assert radius[inner].max() <= 0.5 < 0.8 <= radius[~inner].min()


def test_sine_is_sin_of_x_without_noise():
    dataset = data.generate("sine", 30, noise=0.0, seed=5)
    np.testing.assert_allclose(dataset.y, np.sin(dataset.x))
    assert np.all(np.abs(dataset.x) <= np.pi)


def test_literal_samples():
    dataset = data.literal([{"x": [1, 2], "y": [0]}, {"x": [3, 4], "y": [1]}])
    assert dataset.x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert dataset.y.tolist() == [[0.0], [1.0]]
    assert dataset.x.dtype == float
