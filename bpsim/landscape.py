"""The loss landscape: J along one weight (a curve) or over a plane through two weights
(a grid of values), every other weight and bias held where it is.

Each value is the engine's own :meth:`~bpsim.network.Network.loss` over the samples
given (the whole dataset in the window), with the chosen weights set to the grid's
numbers: the landscape is the loss the trainer reports, not a second formula.  The
run's path comes from the history's recorded parameters (:mod:`bpsim.history`).

A weight is named by ``(layer, j, i)``: W⁽ˡ⁾[j, i] of the engine, layer counted from 1
(as the canvas names its selection, without the "weight" in front).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .network import Network
from .notation.symbols import weight_name

#: points of a curve and of each side of a plane's grid
CURVE_POINTS = 401
PLANE_POINTS = 41
#: a span reaches this far beyond the points it must show (a share of their spread)
MARGIN = 0.25
#: the smallest half-width of a span around a single point
MIN_HALF_WIDTH = 1.0


def weight_refs(network: Network) -> list[tuple[int, int, int]]:
    """Every weight (layer, j, i), layer 1 first, row by row: the order of the choices."""
    return [(layer, j, i) for layer, w in enumerate(network.weights, start=1)
            for j in range(w.shape[0]) for i in range(w.shape[1])]


def label(ref: tuple[int, int, int]) -> str:
    """The weight as a person reads it: w⁽²⁾[1,2]."""
    return weight_name(*ref)


def value_of(weights, ref: tuple[int, int, int]) -> float:
    """W⁽ˡ⁾[j, i] of a list of weight matrices (a network's or a snapshot's)."""
    layer, j, i = ref
    return float(weights[layer - 1][j, i])


class _Probe:
    """A private copy of the network whose chosen weights are set point by point."""

    def __init__(self, network: Network, weights=None, biases=None):
        self.network = network.copy()
        if weights is not None:
            self.network.set_parameters(weights, biases)
        self.base = [np.array(w) for w in self.network.weights]

    def loss_at(self, x, y, loss: str, values: dict) -> float:
        """J with the weights of ``values`` ({ref: number}) set, the rest as they are."""
        weights = list(self.base)
        for (layer, j, i), number in values.items():
            if weights[layer - 1] is self.base[layer - 1]:
                weights[layer - 1] = self.base[layer - 1].copy()
            weights[layer - 1][j, i] = number
        self.network.weights = weights
        return self.network.loss(x, y, loss)


def loss_at(network: Network, x, y, loss: str, values: dict, weights=None,
            biases=None) -> float:
    """J of ``network`` (or of it with ``weights``/``biases``) with the weights of
    ``values`` ({(layer, j, i): number}) set; the network itself is not changed."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _Probe(network, weights, biases).loss_at(x, y, loss, values)


def curve(network: Network, x, y, loss: str, ref, values, weights=None,
          biases=None) -> np.ndarray:
    """J at each of ``values`` of the weight ``ref`` (an overflow gives inf)."""
    probe = _Probe(network, weights, biases)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return np.array([probe.loss_at(x, y, loss, {ref: v}) for v in values])


def plane(network: Network, x, y, loss: str, ref_a, values_a, ref_b, values_b,
          weights=None, biases=None) -> np.ndarray:
    """J on the grid: entry [p, q] has weight ``ref_a`` at ``values_a[p]`` and ``ref_b``
    at ``values_b[q]``."""
    if tuple(ref_a) == tuple(ref_b):
        raise ValueError("a plane needs two different weights")
    probe = _Probe(network, weights, biases)
    grid = np.empty((len(values_a), len(values_b)))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for p, a in enumerate(values_a):
            for q, b in enumerate(values_b):
                grid[p, q] = probe.loss_at(x, y, loss, {ref_a: a, ref_b: b})
    return grid


def span(points, margin: float = MARGIN,
         min_half_width: float = MIN_HALF_WIDTH) -> tuple[float, float]:
    """A range holding every finite one of ``points`` with a margin on each side, at
    least ``2·min_half_width`` wide."""
    finite = [float(p) for p in points if math.isfinite(p)]
    if not finite:
        return -min_half_width, min_half_width
    low, high = min(finite), max(finite)
    centre, half = (low + high) / 2, (high - low) / 2 * (1 + 2 * margin)
    half = max(half, min_half_width)
    return centre - half, centre + half


@dataclass(frozen=True)
class RunPath:
    """The run through the landscape: the parameters it started from, then those after
    each recorded step."""

    #: the step after which each point's weights were recorded; -1: the start
    steps: tuple
    #: the weights of each point (W⁽¹⁾ … W⁽ᴸ⁾)
    weights: tuple
    #: the biases of each point
    biases: tuple

    def __len__(self) -> int:
        return len(self.steps)

    def values(self, ref) -> np.ndarray:
        """The weight ``ref`` at each point: the path projected on that axis."""
        return np.array([value_of(w, ref) for w in self.weights])

    def up_to(self, step: int | None) -> "RunPath":
        """The points recorded at or before ``step`` (None: all of them)."""
        if step is None:
            return self
        keep = sum(1 for s in self.steps if s <= step)
        return RunPath(self.steps[:keep], self.weights[:keep], self.biases[:keep])


def run_path(snapshots, start=None) -> RunPath:
    """The path of a run from the history's snapshots (oldest first), preceded by
    ``start`` = (weights, biases) the run began from, when it is known."""
    steps, weights, biases = [], [], []
    if start is not None:
        steps.append(-1)
        weights.append(tuple(start[0]))
        biases.append(tuple(start[1]))
    for snapshot in snapshots:
        steps.append(snapshot.step)
        weights.append(snapshot.weights)
        biases.append(snapshot.biases)
    return RunPath(tuple(steps), tuple(weights), tuple(biases))
