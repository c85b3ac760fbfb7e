"""One neuron's activation as curves: f(z) and f′(z) from the engine's activation
functions, the neuron's current z and the batch's z values (a rug) from the engine's
forward records, and what the lecture points out on each curve: σ′'s peak 0.25 at
z = 0, tanh's limits ±1, ReLU's kink at 0, the leaky slope α."""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from bpsim import activations as act
from bpsim.notation.numbers import format_number
from bpsim.notation.scripts import layer_superscript, subscript
from bpsim.notation.symbols import neuron_words, shown_index
from bpsim.trace import ForwardRecord

from .. import theme
from ..widgets import WrappedLabel
from .panel import PlotPanel, nice_above
from .style import (BLUE, INK, LABEL_POINT_SIZE, LINE_WIDTH, ORANGE, TICK_POINT_SIZE,
                    style_plot)

#: the z axis shows at least −Z_MIN_SPAN … Z_MIN_SPAN (where sigmoid and tanh bend),
#: wider when the neuron's z values lie further out, at most ±Z_MAX_SPAN
Z_MIN_SPAN = 6.0
Z_MAX_SPAN = 1e6
#: points of the z grid the curves are drawn through (0 is always one of them)
GRID_POINTS = 801
#: annotation text size at text scale 1 (points)
NOTE_POINT_SIZE = 12


def z_grid(span: float) -> np.ndarray:
    """GRID_POINTS values of z from −span to span, z = 0 among them (the kink)."""
    return np.linspace(-span, span, GRID_POINTS)  # odd count: the middle one is 0


def curves(name: str, grid: np.ndarray, slope: float, logits=None, unit: int = 0):
    """(f(z), f′(z)) on ``grid`` from the engine's activation ``name``.  Softmax couples
    the units of a layer: its unit ``unit`` is drawn against its own z with the other
    logits held at ``logits`` (one sample's z⁽ᴸ⁾), f′ being the Jacobian's diagonal
    ∂ŷₖ/∂zₖ = ŷₖ(1 − ŷₖ)."""
    activation = act.get(name)
    if activation.elementwise:
        values = activation.forward(grid, slope)
        return values, activation.derivative(grid, values, slope)
    z = np.tile(np.asarray(logits, dtype=float), (len(grid), 1))
    z[:, unit] = grid
    values = activation.forward(z, slope)
    return values[:, unit], activation.derivative(z, values, slope)[:, unit]


class ActivationCurvePanel(PlotPanel):
    title = "Activation curve"
    object_name = "activation_curve_plot"
    help_text = ("The activation f(z) of the selected neuron (solid) and its derivative "
                 "f′(z) (dashed), the factor the backward pass multiplies by. The "
                 "vertical line is the neuron's z for the sample on the canvas; the "
                 "ticks along the bottom are its z for every sample of the batch. "
                 "Select a neuron, its bias or a weight into it on the canvas.")

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        #: the canvas selection (a tuple, or None)
        self.selection = None
        #: forward records of the step taken phase by phase, by layer, as they arrive
        self._pending: dict[int, ForwardRecord] = {}
        self._preview_key = None
        self._preview: list[ForwardRecord] = []
        self._font_scale = 1.0
        self._span = None
        #: what is shown (for tests, the readout and CSV)
        self.layer = 1
        self.neuron = 0
        self.activation = ""
        self.grid = np.zeros(0)
        self.values = np.zeros(0)
        self.slopes = np.zeros(0)
        self.z: float = math.nan
        self.rug = np.zeros(0)
        self.notes: list[str] = []

        # the heading says which neuron (and why that one) and names the curves, in the
        # window's font; above the plot, so it never covers a curve
        self.heading = WrappedLabel()  # never fewer lines than its text
        self.heading.setObjectName("activation_curve_heading")
        self.heading.setAccessibleName("Activation curve: which neuron, and the curves")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.layout().insertWidget(0, self.heading)
        #: which neuron is drawn, in words ("Sigmoid: neuron 1 of layer 2")
        self.target_text = ""
        self.add_readout()

        style_plot(self.plot, "z (total input)", "")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.vb.disableAutoRange()
        zero_pen = pg.mkPen(theme.MUTED, width=1)
        for angle in (0, 90):
            axis_line = pg.InfiniteLine(pos=0, angle=angle, pen=zero_pen)
            self.plot.addItem(axis_line, ignoreBounds=True)
        self.f_curve = pg.PlotDataItem(pen=pg.mkPen(BLUE, width=LINE_WIDTH))
        self.derivative_curve = pg.PlotDataItem(
            pen=pg.mkPen(ORANGE, width=LINE_WIDTH, style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.f_curve)
        self.plot.addItem(self.derivative_curve)
        # the neuron's z: a line across, and a dot on each curve
        self.z_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(INK, width=2))
        self.z_line.setZValue(10)
        self.plot.addItem(self.z_line, ignoreBounds=True)
        self.markers = pg.ScatterPlotItem(size=13, pen=pg.mkPen(INK, width=2))
        self._marker_brushes = [pg.mkBrush(BLUE), pg.mkBrush(ORANGE)]
        self.markers.setZValue(11)
        self.plot.addItem(self.markers)
        # one tick per sample of the batch at the bottom of the plot
        # thin and translucent: where many samples share a z the ticks darken
        self.rug_item = pg.ScatterPlotItem(symbol="|", size=14,
                                           pen=pg.mkPen(26, 26, 26, 110, width=1),
                                           brush=pg.mkBrush(None))
        self.rug_item.setZValue(9)
        self.plot.addItem(self.rug_item)
        # what the lecture points out: asymptotes, peak, kink, slope
        self.limit_lines = [pg.InfiniteLine(angle=0, pen=pg.mkPen(theme.MUTED, width=2,
                                                                  style=Qt.PenStyle.DotLine))
                            for _ in range(2)]
        for line in self.limit_lines:
            self.plot.addItem(line, ignoreBounds=True)
        self.feature_points = pg.ScatterPlotItem(size=11, symbol="o",
                                                 pen=pg.mkPen(INK, width=2),
                                                 brush=pg.mkBrush(theme.PAPER))
        self.feature_points.setZValue(12)
        self.plot.addItem(self.feature_points)
        self.note_items: list[pg.TextItem] = []
        self.z_label = pg.TextItem(color=INK, anchor=(0.0, 0.0))
        self.z_label.setZValue(13)
        self.plot.addItem(self.z_label, ignoreBounds=True)
        #: the curves' names as the key above the plot says them: (f, f′)
        self.curve_labels = ("", "")
        self._notes_in_heading = False

        session = self.session
        session.phase_recorded.connect(self._on_phase_recorded)
        session.steps_recorded.connect(self._on_step_finished)
        session.step_abandoned.connect(self._on_step_finished)
        session.sample_changed.connect(lambda _index: self._on_updated())
        session.structure_changed.connect(self._on_structure_changed)
        session.notation_changed.connect(self._on_updated)
        self.set_font_scale(1.0)

    # -- what is shown: which neuron, which record -------------------------------------

    def show_selection(self, selection) -> None:
        """Draw the activation of the neuron ``selection`` points at (a canvas selection
        tuple: the neuron itself, its bias or a weight into it), or None."""
        self.selection = tuple(selection) if selection is not None else None
        self._span = None
        self.refresh() if self.isVisible() else setattr(self, "_stale", True)

    def target(self) -> tuple[int, int, str]:
        """(layer l ≥ 1, neuron j, why this one): the selected neuron, else the first
        neuron of the last hidden layer (the output layer in a network without one)."""
        layers = self.session.network.layers
        depth = len(layers) - 1
        if self.selection is not None:
            kind, layer, j, *_ = self.selection
            if 1 <= layer <= depth and 0 <= j < layers[layer]:
                return layer, j, "selected"
            why = "an input has no activation" if kind == "neuron" and layer == 0 else ""
        else:
            why = ""
        layer = depth - 1 if depth >= 2 else depth
        where = "last hidden layer" if layer < depth else "output layer"
        return layer, 0, f"{why + '; ' if why else ''}{where}; select a neuron to choose"

    def _on_structure_changed(self) -> None:
        self._pending.clear()
        self._span = None
        if self.selection is not None and self.target()[2] != "selected":
            self.selection = None

    def _on_phase_recorded(self, record) -> None:
        if isinstance(record, ForwardRecord):
            if record.layer == 1:
                self._pending.clear()  # a new step's forward pass begins
            self._pending[record.layer] = record
            if record.layer == self.target()[0]:
                self._on_updated()

    def _on_step_finished(self, *_args) -> None:
        self._pending.clear()

    def forward_record(self, layer: int) -> tuple[ForwardRecord, int, str]:
        """(the engine's forward record of ``layer``, the batch row of the sample on the
        canvas (the first row if it is not in the batch), which step): the step under
        way once its forward pass has reached the layer, else the last step, else the
        engine's forward pass of the next batch."""
        session = self.session
        current = session.current_sample
        pending = self._pending.get(layer)
        if pending is not None and session.step_in_progress and 1 in self._pending:
            # the canvas's sample, found by its inputs among the batch's
            inputs = self._pending[1].inputs
            rows = np.flatnonzero(np.all(inputs == session.dataset.x[current], axis=1))
            return (pending, int(rows[0]) if len(rows) else 0,
                    f"step {session.steps_done + 1:,} (under way)")
        last = session.last_step
        if last is not None and layer <= len(last.forward):
            rows = np.flatnonzero(np.asarray(last.sample_indices) == current)
            return (last.forward[layer - 1], int(rows[0]) if len(rows) else 0,
                    f"step {last.step + 1:,}")
        indices = session.next_batch_indices()
        key = (session.network, session.dataset, indices.tobytes())
        if key != self._preview_key:
            self._preview_key = key
            self._preview = session.network.forward(session.dataset.x[indices])
        rows = np.flatnonzero(indices == current)
        return self._preview[layer - 1], int(rows[0]) if len(rows) else 0, "next batch"

    # -- drawing -----------------------------------------------------------------------

    def update_plot(self) -> None:
        layer, j, why = self.target()
        record, row, source = self.forward_record(layer)
        name = record.activation
        activation = act.get(name)
        slope = record.leaky_slope if record.leaky_slope is not None \
            else self.session.network.leaky_slope
        self.layer, self.neuron, self.activation = layer, j, name
        self.rug = np.array(record.z[:, j])
        self.z = float(record.z[row, j])
        a_now, slope_now = float(record.a[row, j]), float(record.derivative[row, j])

        finite = self.rug[np.isfinite(self.rug)]
        reach = float(np.max(np.abs(finite))) * 1.1 if finite.size else 0.0
        span = nice_above(min(max(Z_MIN_SPAN, reach), Z_MAX_SPAN))
        if self._span is None or span > self._span or span < 0.4 * self._span:
            self._span = span
        self.grid = z_grid(self._span)
        self.values, self.slopes = curves(name, self.grid, slope, record.z[row], j)
        self.f_curve.setData(self.grid, self.values)
        self.derivative_curve.setData(self.grid, self.slopes)

        f_text, derivative_text = self.curve_labels = self.curve_names(activation)
        numbering = self.session.scenario.numbering  # the lecture's layer numbers, if chosen
        superscript = layer_superscript(numbering.layer(layer))
        target = neuron_words(layer, j, numbering)
        if why != "selected":
            target += f" ({why})"
        self.target_text = f"{activation.label}: {target}"
        self._set_heading()

        low, high = self._y_limits(name, a_now)
        span_y = high - low
        rug_y = low + 0.04 * span_y
        z_shown = self.z if math.isfinite(self.z) else math.nan
        if math.isfinite(z_shown):
            self.z_line.setValue(z_shown)
            self.z_line.show()
            self.markers.setData([z_shown, z_shown], [a_now, slope_now],
                                 brush=self._marker_brushes)
        else:
            self.z_line.hide()
            self.markers.setData([], [])
        shown_rug = np.clip(finite, -self._span, self._span)
        self.rug_item.setData(shown_rug, np.full(len(shown_rug), rug_y))
        self._draw_features(activation, slope, low, high)
        self.plot.setXRange(-self._span, self._span, padding=0.02)
        self.plot.setYRange(low, high, padding=0)

        zs = f"z{superscript}{subscript(shown_index(j))}"
        self.z_label.setText(f"{zs} = {format_number(self.z)}")
        self.z_label.setPos(z_shown if math.isfinite(z_shown) else 0.0, high)
        self.set_axis_label("bottom", f"{zs}, the total input (ticks: each sample's)")
        symbol = activation.symbol if activation.elementwise else "ŷ"
        self.set_readout(
            f"{source} · row {shown_index(row)} of {len(self.rug)} · {zs} = {format_number(self.z)}"
            f" · {symbol} = {format_number(a_now)} · {symbol}′ = {format_number(slope_now)}")
        self._fit_notes()

    @staticmethod
    def curve_names(activation: act.Activation) -> tuple[str, str]:
        """The legend's names of the two curves, as the lecture writes them."""
        symbol = activation.symbol
        if activation.name == "identity":
            return "f(z) = z", "f′(z) = 1"
        if activation.name == "softmax":
            return ("ŷₖ = softmax(z)ₖ, other zⱼ held",
                    "∂ŷₖ/∂zₖ = ŷₖ(1 − ŷₖ), the diagonal of f′ (a matrix)")
        if activation.name == "leaky_relu":
            return "LReLU(z) = z if z ≥ 0 else α·z", "LReLU′(z) = 1 if z > 0 else α"
        if activation.name == "relu":
            return "ReLU(z) = max(0, z)", "ReLU′(z) = 1 if z > 0 else 0"
        return (f"{symbol}(z)", f"{activation.derivative_symbol}(z) = "
                f"{activation.derivative_formula}")

    def _y_limits(self, name: str, a_now: float) -> tuple[float, float]:
        """The y range: both curves over the grid, room below for the rug and above for
        the z label.  ReLU's ramp would flatten its derivative's step from 0 to 1 (and
        α): it runs off the top instead, unless the neuron's own value is up there."""
        shown = np.concatenate([self.values, self.slopes, [0.0, 1.0]])
        shown = shown[np.isfinite(shown)]
        low, high = float(shown.min()), float(shown.max())
        if name in ("relu", "leaky_relu", "identity") and math.isfinite(a_now):
            high = min(high, max(2.0, 1.2 * a_now))
            low = max(low, min(-1.0, 1.2 * a_now))
        span = max(high - low, 1e-9)
        return low - 0.16 * span, high + 0.2 * span

    def _draw_features(self, activation: act.Activation, slope: float,
                       low: float, high: float) -> None:
        """What the lecture points out on this activation, each value from the engine's
        functions at that z."""
        name = activation.name
        points, notes = [], []  # (z, y), (text, z, y, anchor)
        limits = []
        d = activation.derivative_symbol
        zero = np.zeros(1)
        if name == "sigmoid":
            peak = float(activation.derivative(zero, activation.forward(zero, slope), slope)[0])
            points.append((0.0, peak))
            notes.append((f"peak {d}(0) = {format_number(peak)}", 0.0, peak, (-0.08, 1.1)))
        elif name == "tanh":
            ends = activation.forward(np.array([-np.inf, np.inf]), slope)
            limits = [float(v) for v in ends]
            for value in limits:  # each where the curve lies on it, above the line
                notes.append((f"tanh(z) → {format_number(value)}",
                               self._span if value > 0 else -self._span, value,
                               (1.0, 1.0) if value > 0 else (0.0, 1.0)))
            peak = float(activation.derivative(zero, activation.forward(zero, slope), slope)[0])
            points.append((0.0, peak))
            notes.append((f"{d}(0) = {format_number(peak)}", 0.0, peak, (1.08, 0.9)))
        elif name in ("relu", "leaky_relu"):
            kink = float(activation.forward(zero, slope)[0])
            points.append((0.0, kink))
            notes.append(("kink at z = 0", 0.0, kink, (1.05, 1.1)))
            if name == "leaky_relu":
                left = -0.5 * self._span
                value = float(activation.forward(np.array([left]), slope)[0])
                notes.append((f"slope α = {format_number(slope)}", left, value, (0.5, 1.6)))
                limits = [float(slope)]  # f′ = α for z < 0
        elif name == "identity":
            notes.append(("f′(z) = 1 everywhere", -0.5 * self._span, 1.0, (0.5, 1.1)))
        elif name == "softmax":
            notes.append(("f′ is a matrix diag(ŷ) − ŷŷᵀ: dashed is its diagonal",
                          -self._span, high, (0.0, -0.05)))
        for line, value in zip(self.limit_lines, limits + [None, None]):
            line.setVisible(value is not None)
            if value is not None:
                line.setValue(value)
        self.feature_points.setData([p[0] for p in points], [p[1] for p in points])
        self.notes = [text for text, *_ in notes]
        font = self._note_font()
        while len(self.note_items) < len(notes):
            item = pg.TextItem(color=INK, fill=pg.mkBrush(255, 255, 255, 200))
            item.setZValue(14)
            self.plot.addItem(item, ignoreBounds=True)
            self.note_items.append(item)
        for item, (text, x, y, anchor) in zip(self.note_items, notes):
            item.setFont(font)
            item.setAnchor(pg.Point(*anchor))
            item.setText(text)
            item.setPos(x, y)
            item.show()
        for item in self.note_items[len(notes):]:
            item.hide()

    #: below this plot height (px) the notes move from the plot into the heading
    SHORT_PLOT = 170

    def _fit_notes(self) -> None:
        """Notes in the plot when it is tall enough, else under the heading (a short
        plot has no room for text beside its curves)."""
        tall = self.plot.vb.height() >= self.SHORT_PLOT * self._font_scale
        for item in self.note_items[:len(self.notes)]:
            item.setVisible(tall)
        self.z_label.setVisible(tall and self.z_line.isVisible())
        self._notes_in_heading = not tall
        self._set_heading()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.notes:
            self._fit_notes()

    def _set_heading(self) -> None:
        f_text, derivative_text = (html.escape(t) for t in self.curve_labels)
        text = (f"<b>{html.escape(self.target_text)}</b>&nbsp;&nbsp; "
                f"<span style='color:{BLUE}'>━━ {f_text}</span>&nbsp;&nbsp; "
                f"<span style='color:{ORANGE}'>╍╍ {derivative_text}</span>")
        if self._notes_in_heading and self.notes:
            text += "<br>" + html.escape(" · ".join(self.notes))
        if self.heading.text() != text:
            self.heading.setText(text)
            self.heading.setToolTip(f"{self.target_text}\nsolid: {self.curve_labels[0]}"
                                    f"\ndashed: {self.curve_labels[1]}")

    def _note_font(self) -> QFont:
        font = QFont()
        font.setPointSizeF(NOTE_POINT_SIZE * self._font_scale)
        return font

    def set_font_scale(self, scale: float) -> None:
        """Text at ``scale`` × its size (View ▸ Larger/Smaller text, presentation)."""
        self._font_scale = float(scale)
        tick_font = QFont()
        tick_font.setPointSizeF(TICK_POINT_SIZE * self._font_scale)
        for name in ("bottom", "left"):
            self.plot.getAxis(name).setStyle(tickFont=tick_font)
        self._axis_labels.clear()  # written again at the new size
        self.z_label.setFont(self._note_font())
        self._stale = True
        if self.isVisible():
            self.refresh()

    def set_axis_label(self, side: str, text: str) -> None:
        """An axis title at the panel's text scale (only when it changes)."""
        if self._axis_labels.get(side) != text:
            self._axis_labels[side] = text
            size = float(LABEL_POINT_SIZE.removesuffix("pt")) * self._font_scale
            self.plot.setLabel(side, text, **{"font-size": f"{size:.0f}pt", "color": INK})

    def data(self):
        return (["z", "f", "f_prime"], [self.grid, self.values, self.slopes])
