"""Toy datasets.  Every generator draws from a seeded np.random.Generator, so the same
(name, n, noise, seed) always gives the same samples.  Classification sets have one
output, the class 0 or 1; ``sine`` is a 1-D regression y = sin(x)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Dataset:
    #: inputs, shape (N, n_0)
    x: np.ndarray
    #: targets, shape (N, n_out)
    y: np.ndarray
    #: the raw 2-D points x is computed from when the inputs are features of them
    #: (:mod:`bpsim.features`); None when x holds the points themselves
    points: np.ndarray | None = None

    @property
    def plane(self) -> np.ndarray:
        """The samples' points as drawn (the raw points, whatever the features)."""
        return self.x if self.points is None else self.points

    def __len__(self) -> int:
        return len(self.x)


def _logic(truth: Callable, n: int, noise: float, rng) -> Dataset:
    # The four corners of the unit square, repeated to n points, jittered by noise.
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    x = corners[np.arange(n) % 4]
    y = truth(x[:, 0], x[:, 1]).astype(float)[:, None]
    return Dataset(x + rng.normal(0.0, noise, x.shape), y)


def xor(n, noise, rng):
    return _logic(lambda a, b: (a != b), n, noise, rng)


def and_(n, noise, rng):
    return _logic(lambda a, b: (a * b == 1), n, noise, rng)


def or_(n, noise, rng):
    return _logic(lambda a, b: (a + b >= 1), n, noise, rng)


def circles(n, noise, rng):
    # class 1 inside radius 0.5, class 0 on a ring of radius 1
    label = np.arange(n) % 2
    radius = np.where(label == 1, rng.uniform(0.0, 0.5, n), rng.uniform(0.8, 1.0, n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    x = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    return Dataset(x + rng.normal(0.0, noise, x.shape), label.astype(float)[:, None])


def spiral(n, noise, rng):
    # two interleaved arms, r growing with the angle
    label = np.arange(n) % 2
    t = rng.uniform(0.05, 1.0, n)
    angle = t * 3.0 * np.pi + label * np.pi
    x = np.c_[t * np.cos(angle), t * np.sin(angle)]
    return Dataset(x + rng.normal(0.0, noise, x.shape), label.astype(float)[:, None])


def gaussian(n, noise, rng):
    # two blobs at (±0.5, ±0.5), spread 0.2 + noise
    label = np.arange(n) % 2
    centre = np.where(label[:, None] == 1, 0.5, -0.5) * np.ones((n, 2))
    x = centre + rng.normal(0.0, 0.2 + noise, (n, 2))
    return Dataset(x, label.astype(float)[:, None])


def sine(n, noise, rng):
    x = np.sort(rng.uniform(-np.pi, np.pi, n))[:, None]
    return Dataset(x, np.sin(x) + rng.normal(0.0, noise, x.shape))


GENERATORS: dict[str, Callable] = {
    "xor": xor, "and": and_, "or": or_, "circles": circles,
    "spiral": spiral, "gaussian": gaussian, "sine": sine,
}

#: inputs and outputs of each generator's samples
GENERATOR_SHAPES = {name: (1 if name == "sine" else 2, 1) for name in GENERATORS}


def generate(name: str, n: int, noise: float = 0.0, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    # + 0.0 turns a noise of -0.0 (a valid number in a file) into 0.0: numpy refuses
    # a scale whose sign bit is set
    return GENERATORS[name](int(n), float(noise) + 0.0, rng)


#: the most samples a scenario may hold out for testing (at least one always trains)
MAX_TEST_FRACTION = 0.9


def split(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(training indices, test indices), sorted, disjoint, together 0..n−1: round(n·f)
    samples (at most n − 1) chosen at random for testing.  The same (n, f, seed) always
    gives the same split; its random stream is apart from the generators' (the seed's
    second stream), so holding out samples never changes the samples themselves."""
    n_test = min(int(round(n * float(test_fraction))), n - 1) if n > 0 else 0
    if n_test <= 0:
        return np.arange(n), np.arange(0)
    order = np.random.default_rng([int(seed), 1]).permutation(n)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def literal(samples) -> Dataset:
    """A dataset from [{"x": [...], "y": [...]}, ...]."""
    x = np.array([s["x"] for s in samples], dtype=float)
    y = np.array([s["y"] for s in samples], dtype=float)
    return Dataset(np.atleast_2d(x), np.atleast_2d(y))
