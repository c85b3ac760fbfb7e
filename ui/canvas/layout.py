"""Where things go on the canvas: neuron centres, and edge-label positions that do
not overlap.  Plain geometry (rectangles as (left, top, right, bottom) tuples)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: sizes in scene units at font scale 1
NEURON_RADIUS = 36.0
VALUE_FONT_PX = 22.0
LABEL_FONT_PX = 15.0
HEADING_FONT_PX = 17.0
SIDE_FONT_PX = 17.0
MIN_LAYER_SPACING = 300.0
#: the share of MIN_LAYER_SPACING a network of single-neuron layers takes
CHAIN_SPACING = 0.72

Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class Layout:
    layers: tuple[int, ...]
    radius: float
    spacing_x: float
    spacing_y: float
    #: centres[l] is an (n_l, 2) array of neuron centres of layer l
    centres: tuple[np.ndarray, ...]
    #: y of the layer headings' baseline row (above the tallest column)
    heading_y: float
    #: headings and the x / ŷ, y texts grow with tall columns, which are drawn small
    #: when fitted to the window (there is room for them beside the columns)
    side_text_boost: float = 1.0

    def centre(self, layer: int, j: int) -> tuple[float, float]:
        x, y = self.centres[layer][j]
        return float(x), float(y)

    def segments(self) -> np.ndarray:
        """(E, 4) array x0, y0, x1, y1 of every edge, in edge order: layer 1..L, then
        j (target), then i (source), i.e. the row-major order of W⁽ˡ⁾."""
        rows = []
        for layer in range(1, len(self.layers)):
            source = self.centres[layer - 1]
            target = self.centres[layer]
            n_out, n_in = len(target), len(source)
            t = np.repeat(target, n_in, axis=0)
            s = np.tile(source, (n_out, 1))
            rows.append(np.hstack([s, t]))
        if not rows:
            return np.zeros((0, 4))
        return np.vstack(rows)


def compute_layout(layers, font_scale: float = 1.0) -> Layout:
    """Columns left to right, each column centred on y = 0.  Vertical spacing leaves
    room for a neuron and the bias label under it; horizontal spacing grows with the
    tallest column so that the drawing keeps a screen-like aspect."""
    layers = tuple(int(n) for n in layers)
    tallest = max(layers)
    radius = NEURON_RADIUS * font_scale
    bias_label_height = LABEL_FONT_PX * font_scale * 1.5
    # Small networks get air between neurons (room for weight labels); tall columns
    # are packed tighter so that they are drawn larger when fitted to the window.
    gap = 26.0 if tallest <= 6 else 12.0
    spacing_y = 2 * radius + bias_label_height + gap
    column_height = (tallest - 1) * spacing_y
    # a chain of single neurons (the lecture's X → σ → σ → σ) needs no room for crossing
    # edges: closer columns let it be drawn larger, its numbers readable at 1280×720
    least = MIN_LAYER_SPACING * (CHAIN_SPACING if tallest == 1 else 1.0)
    spacing_x = max(least * max(1.0, font_scale ** 0.5), 0.28 * column_height)
    boost = float(np.clip(np.sqrt(tallest / 4.0), 1.0, 2.2))
    centres = []
    for layer, n in enumerate(layers):
        ys = (np.arange(n) - (n - 1) / 2.0) * spacing_y
        xs = np.full(n, layer * spacing_x)
        centres.append(np.column_stack([xs, ys]))
    heading_y = -column_height / 2.0 - radius - HEADING_FONT_PX * font_scale * boost * 1.4
    return Layout(layers, radius, spacing_x, spacing_y, tuple(centres), heading_y, boost)


def _overlap(a: Rect, b: Rect) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _rect_at(x: float, y: float, size: tuple[float, float], pad: float) -> Rect:
    w, h = size
    return (x - w / 2 - pad, y - h / 2 - pad, x + w / 2 + pad, y + h / 2 + pad)


#: fractions along an edge (0 = source, 1 = target) tried for its label, best first
UNIFORM_FRACTIONS = (0.5, 0.35, 0.65, 0.3, 0.7, 0.4, 0.6, 0.25, 0.75)
EDGE_FRACTIONS = (0.5, 0.35, 0.65, 0.25, 0.75, 0.42, 0.58, 0.3, 0.7, 0.2, 0.8)


def place_edge_labels(segments: np.ndarray, edge_layers: np.ndarray, label_size,
                      obstacles: list[Rect], pad: float = 3.0) -> np.ndarray:
    """Fraction t along each edge for its label, chosen so labels do not overlap
    each other nor the obstacles (neurons, bias labels).

    Per layer, one common fraction is tried first (a tidy column of labels, e.g.
    t = 0.35 for the crossing edges of xor); when no common fraction is free, each
    edge greedily takes the free fraction with the least overlap.
    """
    fractions = np.full(len(segments), 0.5)
    placed: list[Rect] = list(obstacles)

    def rect(k: int, t: float) -> Rect:
        x0, y0, x1, y1 = segments[k]
        return _rect_at(x0 + t * (x1 - x0), y0 + t * (y1 - y0), label_size, pad)

    for layer in sorted(set(edge_layers.tolist())):  # (np.unique would import numpy.ma)
        members = np.flatnonzero(edge_layers == layer)
        chosen = None
        for t in UNIFORM_FRACTIONS:
            rects = [rect(k, t) for k in members]
            clash = any(_overlap(r, o) for r in rects for o in placed) or any(
                _overlap(a, b) for n, a in enumerate(rects) for b in rects[n + 1:])
            if not clash:
                chosen = t
                break
        if chosen is not None:
            fractions[members] = chosen
            placed.extend(rect(k, chosen) for k in members)
            continue
        for k in members:
            best_t, best_cost = EDGE_FRACTIONS[0], float("inf")
            for t in EDGE_FRACTIONS:
                r = rect(k, t)
                cost = sum(_overlap(r, o) for o in placed)
                if cost < best_cost:
                    best_t, best_cost = t, cost
                if cost == 0:
                    break
            fractions[k] = best_t
            placed.append(rect(k, best_t))
    return fractions
