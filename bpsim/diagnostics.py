"""What the plots point out about a pass: saturated or switched-off units, dead units,
and how far the gradient can shrink on its way back through sigmoid layers.

Everything is read from the engine's forward records (f′(z⁽ˡ⁾) and the layer's own
leaky slope are in them), so a view never guesses an activation's parameter.
"""

from __future__ import annotations

import numpy as np

from .trace import ForwardRecord

#: f′(z) at its largest, per activation that can saturate or switch off (a leaky
#: ReLU's is max(1, α), see :func:`slope_peak`)
SLOPE_PEAK = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "leaky_relu": 1.0}
#: "saturated" (sigmoid, tanh) or "off" (ReLU): f′(z) below this share of its peak
FLAT_SLOPE = 0.1
#: activations whose flat units are switched off rather than saturated: a unit flat
#: for the whole batch is dead
SWITCHING = ("relu", "leaky_relu")
#: each sigmoid layer multiplies the gradient flowing back by σ′(z) ≤ 1/4
SIGMOID_FACTOR = SLOPE_PEAK["sigmoid"]


def slope_peak(record: ForwardRecord) -> float | None:
    """The largest f′(z) of the record's activation (None: it never flattens)."""
    peak = SLOPE_PEAK.get(record.activation)
    if peak is not None and record.leaky_slope is not None:
        peak = max(peak, abs(record.leaky_slope))  # leaky ReLU: f′ is 1 or α
    return peak


def flat_mask(record: ForwardRecord) -> np.ndarray | None:
    """Where f′(z) < 10 % of its peak, shape (B, n_l): saturated sigmoid or tanh units,
    ReLU units at z ≤ 0, leaky-ReLU units at z ≤ 0 when α < 10 % (with α = 0.5 a
    negative z still passes half the gradient back, and is not flat).  Little or no
    gradient flows back through them.  None for activations that never flatten
    (identity, softmax)."""
    peak = slope_peak(record)
    if peak is None:
        return None
    return np.abs(record.derivative) < FLAT_SLOPE * peak


def flat_fraction(record: ForwardRecord) -> float | None:
    """The share of (sample, unit) pairs of the batch where f′(z) is flat, or None."""
    mask = flat_mask(record)
    return None if mask is None else float(np.mean(mask))


def dead_units(record: ForwardRecord) -> int | None:
    """Units of a ReLU-like layer that are off (f′(z) flat) for every sample of the
    batch: no gradient reaches their incoming weights from this batch.  For ReLU
    that is z ≤ 0 throughout.  None for activations that saturate instead."""
    if record.activation not in SWITCHING:
        return None
    return int(np.count_nonzero(np.all(flat_mask(record), axis=0)))


def sigmoid_bound(activations: list[str], output_magnitude: float) -> np.ndarray:
    """The largest gradient magnitude each layer can get from the output layer's if
    weights are ignored: going back from layer L to layer l multiplies by f′(z) of the
    hidden layers l … L−1, and σ′(z) ≤ 1/4 (other activations counted as ≤ 1).
    Gives output · 0.25^(L−l) for an all-sigmoid network, layers input side first."""
    depth = len(activations)
    factors = [SIGMOID_FACTOR if name == "sigmoid" else 1.0 for name in activations[:-1]]
    bound = np.empty(depth)
    running = output_magnitude
    bound[-1] = running
    for layer in range(depth - 2, -1, -1):  # 0-based layer index, output side first
        running *= factors[layer]
        bound[layer] = running
    return bound
