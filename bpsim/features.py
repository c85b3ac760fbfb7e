"""Input features of 2-D points, as TensorFlow Playground offers them, and the maps of
every neuron's output over the input plane.

The samples stay the raw points (x₁, x₂); the network's input layer gets one column
per chosen feature, computed here from the points.  The default, ("x1", "x2"), is the
points themselves, for data of any width.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: every feature, in the order the input layer lists them
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")

#: the raw points themselves
DEFAULT_FEATURES = ("x1", "x2")

#: each feature's column from the points p, shape (N, 2)
FORMULAS = {
    "x1": lambda p: p[:, 0],
    "x2": lambda p: p[:, 1],
    "x1^2": lambda p: p[:, 0] ** 2,          # x₁²
    "x2^2": lambda p: p[:, 1] ** 2,          # x₂²
    "x1*x2": lambda p: p[:, 0] * p[:, 1],    # x₁x₂
    "sin(x1)": lambda p: np.sin(p[:, 0]),    # sin x₁
    "sin(x2)": lambda p: np.sin(p[:, 1]),    # sin x₂
}


def is_default(features) -> bool:
    return tuple(features) == DEFAULT_FEATURES


def canonical(features) -> tuple[str, ...]:
    """``features`` in the order of :data:`FEATURES` (the order the Data dock keeps)."""
    chosen = set(features)
    return tuple(name for name in FEATURES if name in chosen)


def problem(features) -> str:
    """Why ``features`` cannot be an input layer's features ("" when they can)."""
    if not isinstance(features, (list, tuple)):
        return f"expected a list of feature names, got {type(features).__name__}"
    if not features:
        return "needs at least 1 feature"
    for name in features:
        if not isinstance(name, str) or name not in FORMULAS:
            return (f"unknown feature {name!r}: choose from "
                    + ", ".join(f'"{f}"' for f in FEATURES))
    if len(set(features)) != len(features):
        twice = next(name for name in features if list(features).count(name) > 1)
        return f"feature {twice!r} is listed twice"
    return ""


def columns(features, points: np.ndarray) -> np.ndarray:
    """The network's inputs: one column per feature, shape (N, len(features)).
    With the default features, ``points`` themselves (of any width)."""
    points = np.asarray(points, dtype=float)
    if is_default(features):
        return points
    return np.column_stack([FORMULAS[name](points) for name in features])


# -- neuron maps ---------------------------------------------------------------------


def plane_bounds(values: np.ndarray) -> tuple[float, float]:
    """The extent of one coordinate of the samples with a 10 % margin, finite whatever
    the samples are (the range the decision plot and the neuron maps cover)."""
    values = np.clip(values[np.isfinite(values)], -1e300, 1e300)
    if not values.size:
        return -1.0, 1.0
    low, high = float(values.min()), float(values.max())
    margin = 0.1 * (high - low) if high > low else max(1.0, 0.1 * abs(low))
    return low - margin, high + margin


@dataclass(frozen=True)
class NeuronMaps:
    """Every neuron's output over a grid of the input plane, from one forward pass."""

    #: grid coordinates along x₁ (columns) and x₂ (rows), each of length size
    grid_x: np.ndarray
    grid_y: np.ndarray
    #: maps[l] has shape (n_l, size, size): a⁽ˡ⁾_j at (grid_y[r], grid_x[c]) is
    #: maps[l][j, r, c]; layer 0 holds the input features
    maps: tuple[np.ndarray, ...]

    def of(self, layer: int, j: int) -> np.ndarray:
        return self.maps[layer][j]


def neuron_maps(network, features, points: np.ndarray, size: int = 24) -> NeuronMaps:
    """The output of every neuron at size × size grid points over the samples' plane
    (``points`` the raw 2-D samples), by one forward pass of the grid's feature
    columns through ``network``."""
    x_low, x_high = plane_bounds(points[:, 0])
    y_low, y_high = plane_bounds(points[:, 1])
    grid_x = np.linspace(x_low, x_high, size)
    grid_y = np.linspace(y_low, y_high, size)
    gx, gy = np.meshgrid(grid_x, grid_y)
    inputs = columns(features, np.c_[gx.ravel(), gy.ravel()])
    records = network.forward(inputs)
    activations = [inputs] + [record.a for record in records]
    maps = tuple(a.T.reshape(a.shape[1], size, size) for a in activations)
    return NeuronMaps(grid_x, grid_y, maps)
