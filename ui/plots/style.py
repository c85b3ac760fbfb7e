"""The plots' look, readable from the back of a room: colours, fonts, axes with a
real minus sign and powers of ten, and the plot widget every plot (and the Compare
lab) is drawn in."""

from __future__ import annotations

import math
import time
from functools import lru_cache

import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsItem

from bpsim.notation.numbers import DIGITS, MINUS, format_number
from bpsim.notation.scripts import layer_superscript, superscript

from .. import theme

BLUE = theme.POSITIVE      # positive / class 1
ORANGE = theme.NEGATIVE    # negative / class 0
LIGHT_BLUE = theme.LIGHT_POSITIVE
LIGHT_ORANGE = theme.LIGHT_NEGATIVE
INK = theme.INK
GRID_ALPHA = 0.25
LINE_WIDTH = 3
TICK_POINT_SIZE = 13
LABEL_POINT_SIZE = "14pt"


def power_of_ten(exponent: int) -> str:
    """0.01, 0.1, 1, 10, 100, then 10³, 10⁻³ …"""
    if -2 <= exponent <= 2:
        return format_number(10.0 ** exponent)
    return "10" + superscript(exponent)


@lru_cache(maxsize=16)
def layer_colours(count: int) -> tuple:
    """Input side dark purple → output side green, viridis (colour-blind safe); the
    bright yellow end is left out, it vanishes on white."""
    cmap = pg.colormap.get("viridis")
    if count == 1:
        return (cmap.map(0.0, mode="qcolor"),)
    return tuple(cmap.map(0.85 * i / (count - 1), mode="qcolor") for i in range(count))


def layer_name(layer: int, weights: bool = False) -> str:
    """A gradient curve's layer: "layer 2" (the neuron layer its weights lead into, as
    bpsim numbers it), or with ``weights`` its matrix "W⁽²⁾" (the lecture's numbering,
    where layer 2's neurons are fed by W⁽¹⁾: naming the matrix stays unambiguous)."""
    return f"W{layer_superscript(layer)}" if weights else f"layer {layer}"


def layer_legend(layer: int, count: int, weights: bool = False) -> str:
    name = layer_name(layer, weights)
    if layer == 1 and count > 1:
        return f"{name} (input side)"
    if layer == count:
        return f"{name} (output)"
    return name


#: a legend's text (points, at text scale 1)
LEGEND_POINT_SIZE = 11


def _tick_font(scale: float = 1.0) -> QFont:
    font = QFont()
    font.setPointSizeF(TICK_POINT_SIZE * scale)
    return font


def set_plot_font_scale(plot: pg.PlotItem, scale: float) -> None:
    """The plot's tick labels, axis titles and legend at ``scale`` times their size
    (View ▸ Larger text, presentation mode)."""
    label_size = f"{float(LABEL_POINT_SIZE.removesuffix('pt')) * scale:.3g}pt"
    for name in ("bottom", "left"):
        axis = plot.getAxis(name)
        axis.setStyle(tickFont=_tick_font(scale))
        axis.setLabel(axis.labelText, axis.labelUnits, axis.labelUnitPrefix,
                      **{"font-size": label_size, "color": INK})
    if plot.legend is not None:
        plot.legend.setLabelTextSize(f"{LEGEND_POINT_SIZE * scale:.3g}pt")


class Axis(pg.AxisItem):
    """Tick labels with a real minus sign; on a log axis only powers of ten are
    labelled (and 2×, 5× when less than two decades show), so large labels never
    overlap."""

    def tickStrings(self, values, scale, spacing):
        """The one number format (bpsim.notation.numbers): 0.0001 stays 0.0001, 10⁻⁵
        is "1×10⁻⁵" (never "1e-05"), and a tick at zero is "0" (never "−0")."""
        if self.logMode:
            return self.logTickStrings(values, scale, spacing)
        step = abs(spacing * scale) if spacing else 0.0  # None: ticks set by hand
        out = []
        for value in values:
            x = value * scale
            if step > 0 and math.isfinite(step):
                x = round(x / step) * step  # float noise off: 0.30000000000000004, 1e-17
            if x == 0 or not math.isfinite(x):
                out.append(format_number(x))
                continue
            # as many significant digits as tell this tick from its neighbour
            digits = math.floor(math.log10(abs(x))) - math.floor(math.log10(step)) + 1 \
                if step > 0 else DIGITS
            out.append(format_number(x, min(max(digits, 1), DIGITS + 2)))
        return out

    def logTickStrings(self, values, scale, spacing):
        low, high = self.range
        few_decades = abs(high - low) < 2
        out = []
        for v in values:
            decade = math.floor(v + 1e-9)
            mantissa = 10 ** (v - decade)
            if abs(mantissa - 1) < 1e-6:
                out.append(power_of_ten(decade))
            elif few_decades and min(abs(mantissa - 2), abs(mantissa - 5)) < 1e-6:
                out.append(format_number(10 ** v, 2))
            else:
                out.append("")
        return out


class LayerAxis(Axis):
    """Tick labels "1 in" … "L out" at the layer positions."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = 1
        #: added to a column's number in its label: 1 when the columns are neuron
        #: layers numbered as the lecture (the input is layer 1)
        self.offset = 0

    def set_count(self, count: int, offset: int | None = None) -> None:
        """How many layers (and the labels' offset); the labels are drawn again only
        when they change."""
        offset = self.offset if offset is None else offset
        if (count, offset) != (self.count, self.offset):
            self.count, self.offset = count, offset
            self.picture = None
            self.update()

    def tickValues(self, minVal, maxVal, size):
        return [(1.0, list(range(1, self.count + 1)))]

    def tickStrings(self, values, scale, spacing):
        out = []
        for v in values:
            layer = int(round(v))
            shown = layer + self.offset
            if self.count > 1 and layer == 1:
                out.append(f"{shown} in")
            elif layer == self.count:
                out.append(f"{shown} out")
            else:
                out.append(str(shown))
        return out


class PlotWidget(pg.PlotWidget):
    """A pyqtgraph plot that reports how long its paints take (``paint_cost(s)``)."""

    paint_cost = None

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        started = time.perf_counter()
        super().paintEvent(event)
        if self.paint_cost is not None:
            self.paint_cost(time.perf_counter() - started)


def new_plot_widget(bottom_axis: pg.AxisItem | None = None) -> PlotWidget:
    return PlotWidget(background=theme.PAPER, axisItems={"left": Axis("left"),
                                                 "bottom": bottom_axis or Axis("bottom")})


def style_plot(plot: pg.PlotItem, bottom: str, left: str) -> None:
    """Large fonts, dark ink, a light grid: readable from the back of a room."""
    for name in ("bottom", "left"):
        axis = plot.getAxis(name)
        # two tick levels: the third is clutter on a projector (and slow to draw)
        axis.setStyle(tickFont=_tick_font(), tickTextOffset=6, maxTickLevel=1)
        axis.enableAutoSIPrefix(False)  # "(x0.001)" beside a label confuses a class
        axis.setPen(pg.mkPen(INK, width=1))  # the grid lines share it: 1 px is the fast path
        axis.setTextPen(pg.mkPen(INK))
        # An axis draws its ticks, labels and grid lines: kept as a pixmap until its
        # range changes, instead of drawn again at every repaint (4 ms a plot here).
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    plot.setLabel("bottom", bottom, **{"font-size": LABEL_POINT_SIZE, "color": INK})
    plot.setLabel("left", left, **{"font-size": LABEL_POINT_SIZE, "color": INK})
    plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
    plot.setMenuEnabled(False)
    plot.hideButtons()
