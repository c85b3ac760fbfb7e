"""Colours and edge styling rules of the network canvas (no items here).

Edge style is computed with numpy for all edges at once and reduced to a small
number of *buckets* (sign × width step), so that the edge item draws each bucket
with one ``drawLines`` call.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from .. import theme


# Colour-blind-safe diverging pair (ColorBrewer PuOr/RdBu ends): blue = positive,
# orange = negative.  Grey for exactly zero.
POSITIVE = QColor(theme.POSITIVE)
NEGATIVE = QColor(theme.NEGATIVE)
ZERO = QColor(theme.ZERO)
SIGN_COLOURS = (NEGATIVE, ZERO, POSITIVE)  # indexed by sign + 1

INK = QColor(theme.INK)
MUTED_INK = QColor(theme.MUTED)
NEURON_OUTLINE = QColor(theme.NEURON_OUTLINE)
NEURON_FILL = QColor(theme.NEURON_FILL)
INPUT_FILL = QColor(theme.INPUT_FILL)
LABEL_BACKGROUND = QColor(theme.LABEL_BACKGROUND)
LABEL_BORDER = QColor(theme.LABEL_BORDER)
# Selection: a warm yellow halo with a dark ring, visible next to blue and orange.
SELECTION = QColor(theme.SELECTION)
SELECTION_RING = QColor(theme.SELECTION_RING)
LAYER_BAND = QColor(theme.LAYER_BAND)
ERROR = QColor(theme.ERROR)

#: width steps per sign: width and opacity grow together with the magnitude
WIDTH_STEPS = 8
MIN_WIDTH = 1.2
MAX_WIDTH = 9.0
MIN_ALPHA = 0.45
#: gradients span many orders of magnitude: colour the last GRADIENT_DECADES decades
GRADIENT_DECADES = 4.0

#: the smallest text worth drawing on the canvas: font size in pixels on screen.  A
#: number below it is not drawn (colour and thickness still carry its sign and size);
#: hovering shows it, and so does selecting it.  In logical pixels: on a screen with
#: several device pixels per logical pixel (devicePixelRatio 2) the text has that many
#: more device pixels but the same physical size, and size is what legibility needs.
LEGIBLE_TEXT_PX = 9.0


def legible(font_pixels: float, view_scale: float, text_scale: float = 1.0) -> bool:
    """Whether text of ``font_pixels`` (scene units) is readable at ``view_scale``
    (screen pixels per scene unit).  Larger text (View ▸ Larger text, presentation
    mode) asks for larger numbers too: the threshold grows with ``text_scale`` (never
    below LEGIBLE_TEXT_PX), so a projected canvas leaves out what the back of the room
    cannot read."""
    return font_pixels * view_scale >= LEGIBLE_TEXT_PX * max(1.0, text_scale)



def edge_buckets(values: np.ndarray, mode: str = "weight") -> np.ndarray:
    """Bucket of every edge: ``sign_index * WIDTH_STEPS + step`` with sign_index
    0 = negative, 1 = zero, 2 = positive, and step 0..WIDTH_STEPS-1 by magnitude.

    weight mode: step ∝ |w| / max|w| (linear), so the thickest edge is the largest
    weight.  gradient mode: step ∝ 1 + log10(|g| / max|g|) / GRADIENT_DECADES, so
    gradients 1000× smaller than the largest one are still visible.
    """
    values = np.asarray(values, dtype=float)
    magnitude = np.abs(values)
    finite = np.isfinite(magnitude)
    magnitude = np.where(finite, magnitude, 0.0)
    largest = magnitude.max() if magnitude.size else 0.0
    if largest > 0:
        relative = magnitude / largest
        if mode == "gradient":
            with np.errstate(divide="ignore"):
                logs = np.log10(np.where(relative > 0, relative, 1e-300))
            relative = np.clip(1.0 + logs / GRADIENT_DECADES, 0.0, 1.0)
    else:
        relative = np.zeros_like(magnitude)
    # Non-finite values (a diverged network) are drawn at full width.
    relative = np.where(finite, relative, 1.0)
    steps = np.minimum((relative * WIDTH_STEPS).astype(int), WIDTH_STEPS - 1)
    sign = np.sign(np.where(np.isnan(values), 0.0, values)).astype(int) + 1
    return sign * WIDTH_STEPS + steps


def tint(colour: QColor, strength: float, background: QColor = QColor(theme.PAPER)) -> QColor:
    """``colour`` mixed with the background: an opaque stand-in for transparency
    (semi-transparent lines are several times slower to draw)."""
    s = min(1.0, max(0.0, strength))
    return QColor.fromRgbF(*(s * c + (1 - s) * b for c, b in zip(
        colour.getRgbF()[:3], background.getRgbF()[:3])))


def bucket_pen_style(bucket: int, dimmed: bool = False) -> tuple[QColor, float]:
    """(opaque colour, width in scene units) of a bucket: weak edges are thin and
    pale, strong ones thick and saturated."""
    sign_index, step = divmod(bucket, WIDTH_STEPS)
    t = (step + 0.5) / WIDTH_STEPS
    width = MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * t
    strength = MIN_ALPHA + (1.0 - MIN_ALPHA) * t
    if dimmed:
        strength *= 0.22
    return tint(SIGN_COLOURS[sign_index], strength), width


BUCKET_COUNT = 3 * WIDTH_STEPS
