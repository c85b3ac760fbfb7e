"""The loss landscape: J along one weight, with the run's steps drawn on it as arrows,
or over a plane through two weights as a heatmap with isolines, the run's path
projected on it.

Every J comes from :mod:`bpsim.landscape` (the engine's loss with the chosen weights
set); the path is the history's recorded parameters.  The view follows the history
timeline: at an earlier step, the other weights are those of that step and the path
stops there.  The first weight follows the canvas selection when a weight is picked.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel,
                               QVBoxLayout)

from bpsim import landscape
from bpsim.notation.numbers import format_number

from .. import theme

from .style import (INK, LABEL_POINT_SIZE, LINE_WIDTH, new_plot_widget, set_plot_font_scale,
                    style_plot)

#: the path's colour (a step of the run), Okabe-Ito vermilion: seen on viridis too
PATH_COLOUR = theme.VARIANTS[5]
#: isolines drawn over the heatmap
ISOLINE_COUNT = 9
#: a plane costs a forward pass per grid point: a big network and dataset take fewer
GRID_BUDGET = 2_000_000
MIN_PLANE_POINTS = 15
#: a longer path is drawn as a line: arrows and point symbols only up to these counts
MAX_ARROWS = 25
MAX_SYMBOLS = 40
#: the path's points are numbered (0 = the start) up to this count
MAX_NUMBERED = 12
#: recomputing waits this long after the last change (scrubbing sends many)
DEBOUNCE_MS = 60
PREFERRED_SIZE = (900, 640)


def plane_points(network, samples: int) -> int:
    """Grid points per side: PLANE_POINTS, fewer when a forward pass is costly."""
    cost = max(1, samples * network.parameter_count)
    points = int(math.sqrt(GRID_BUDGET / cost))
    return max(MIN_PLANE_POINTS, min(landscape.PLANE_POINTS, points))


class LandscapeDialog(QDialog):
    """J(w) of one weight, or J over the plane of two, with the run's path."""

    def __init__(self, session, canvas=None, timeline=None, parent=None):
        super().__init__(parent)
        self.session = session
        self.canvas = canvas
        self.setObjectName("landscape_dialog")
        self.setWindowTitle("Loss landscape")
        self.setAccessibleName("Loss landscape")
        #: the history step the timeline shows (None: now)
        self.step_shown = None
        self.font_scale = 1.0
        #: what is drawn: the axes' values and J on them (a curve or a grid)
        self.axis_a = self.axis_b = None
        self.values = None
        self.path = None

        self.first_box = QComboBox()
        self.first_box.setObjectName("landscape_weight_a")
        self.first_box.setAccessibleName("First weight")
        self.first_box.setToolTip("The weight along the horizontal axis (picking a weight "
                                  "on the canvas chooses it)")
        self.second_box = QComboBox()
        self.second_box.setObjectName("landscape_weight_b")
        self.second_box.setAccessibleName("Second weight")
        self.second_box.setToolTip("The weight along the vertical axis, or none: J along "
                                   "the first weight only")
        self.log_box = QCheckBox("Log scale J")
        self.log_box.setObjectName("landscape_log")
        self.log_box.setToolTip("J on a logarithmic scale (the curve's axis, the "
                                "heatmap's colours)")
        self.readout = QLabel()
        self.readout.setObjectName("landscape_readout")
        self.readout.setAccessibleName("Loss at the point shown")
        self.readout.setWordWrap(True)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.widget = new_plot_widget()
        self.widget.setObjectName("landscape_plot")
        self.widget.setAccessibleName("Loss landscape plot")
        self.plot = self.widget.getPlotItem()
        style_plot(self.plot, "w", "loss J")
        self.plot.setTitle("Loss landscape", color=INK)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.image.setZValue(-10)
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.plot.addItem(self.image)
        self.isolines: list[pg.IsocurveItem] = []
        self.curve = pg.PlotDataItem(pen=pg.mkPen(INK, width=LINE_WIDTH), name="J")
        self.plot.addItem(self.curve)
        self.path_line = pg.PlotDataItem(
            pen=pg.mkPen(PATH_COLOUR, width=LINE_WIDTH - 1), symbol="o", symbolSize=9,
            symbolBrush=pg.mkBrush(PATH_COLOUR), symbolPen=pg.mkPen(INK, width=1))
        self.path_line.setZValue(10)
        self.plot.addItem(self.path_line)
        self.arrows: list[pg.ArrowItem] = []
        self.numbers: list[pg.TextItem] = []
        self.here = pg.ScatterPlotItem(size=16, symbol="star", brush=pg.mkBrush(theme.SELECTION),
                                       pen=pg.mkPen(INK, width=1.5))
        self.here.setZValue(12)
        self.plot.addItem(self.here)
        self.plot.getViewBox().sigTransformChanged.connect(self._aim_arrows)

        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.first_box, 1)
        row.addWidget(QLabel("and"))
        row.addWidget(self.second_box, 1)
        row.addWidget(self.log_box)
        form.addRow("Weights", row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.widget, 1)
        layout.addWidget(self.readout)
        self.resize(*PREFERRED_SIZE)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.redraw)
        self._fill_weights()
        self.first_box.currentIndexChanged.connect(self.schedule)
        self.second_box.currentIndexChanged.connect(self.schedule)
        self.log_box.toggled.connect(lambda _: self.redraw())
        session.structure_changed.connect(self._on_structure_changed)
        for signal in (session.parameters_changed, session.steps_recorded,
                       session.history_changed, session.training_changed,
                       session.data_changed):
            signal.connect(self.schedule)
        if canvas is not None:
            canvas.selection_changed.connect(self.show_selection)
        if timeline is not None:
            timeline.step_shown.connect(self.show_step)
            if timeline.snapshot is not None:
                self.step_shown = timeline.snapshot.step
        self.redraw()

    # -- choices ------------------------------------------------------------------------

    def _fill_weights(self) -> None:
        """The weights of the network, the first two chosen (or the one, as a curve)."""
        refs = landscape.weight_refs(self.session.network)
        for box in (self.first_box, self.second_box):
            box.blockSignals(True)
            box.clear()
        self.second_box.addItem("— (J along the first weight)", None)
        for ref in refs:
            self.first_box.addItem(landscape.label(ref), ref)
            self.second_box.addItem(landscape.label(ref), ref)
        self.first_box.setCurrentIndex(0)
        self.second_box.setCurrentIndex(2 if len(refs) > 1 else 0)
        for box in (self.first_box, self.second_box):
            box.blockSignals(False)
        selection = self.canvas.selection if self.canvas is not None else None
        if selection is not None and selection[0] == "weight":
            self.show_selection(selection)

    def _on_structure_changed(self) -> None:
        self._fill_weights()
        self.schedule()

    def set_weights(self, first, second=None) -> None:
        """Choose the weights (layer, j, i); ``second`` None: the curve of ``first``."""
        self.first_box.setCurrentIndex(_index_of(self.first_box, first))
        self.second_box.setCurrentIndex(
            0 if second is None else _index_of(self.second_box, second))
        self.redraw()

    def show_selection(self, selection) -> None:
        """A weight picked on the canvas becomes the first weight (the second moves on
        to another one when they would be the same)."""
        if selection is None or selection[0] != "weight":
            return
        ref = tuple(selection[1:])
        index = _index_of(self.first_box, ref)
        if index < 0:
            return
        self.first_box.setCurrentIndex(index)
        if self.second_box.currentData() == ref:
            other = next(i for i in range(1, self.second_box.count())
                         if self.second_box.itemData(i) != ref) \
                if self.second_box.count() > 2 else 0
            self.second_box.setCurrentIndex(other)

    def show_step(self, step) -> None:
        """Follow the timeline: the landscape at history step ``step`` (None: now)."""
        self.step_shown = step
        self.schedule()

    @property
    def weights(self):
        """(first, second) chosen; second is None for the curve."""
        return self.first_box.currentData(), self.second_box.currentData()

    def set_font_scale(self, scale: float) -> None:
        self.font_scale = scale
        set_plot_font_scale(self.plot, scale)

    # -- computing ----------------------------------------------------------------------

    def schedule(self, *_args) -> None:
        self._timer.start()

    def _parameters_shown(self):
        """(weights, biases, words) where the landscape is cut: the step shown's
        recorded parameters, or the network as it is."""
        history = self.session.history
        if self.step_shown is not None:
            snapshot = history.snapshot_at(self.step_shown)
            if snapshot is not None:
                return snapshot.weights, snapshot.biases, f"after step {snapshot.step + 1}"
        network = self.session.network
        return network.weights, network.biases, f"now (step {self.session.steps_done})"

    def _run_path(self) -> landscape.RunPath:
        snapshots = self.session.history.snapshots
        # the run began at the initial parameters when the history starts at step 0
        start = self.session.initial_parameters \
            if snapshots and snapshots[0].step == 0 else None
        return landscape.run_path(snapshots, start).up_to(self.step_shown)

    def redraw(self) -> None:
        self._timer.stop()
        first, second = self.weights
        if first is None:
            return
        weights, biases, when = self._parameters_shown()
        self.path = self._run_path()
        if second is None:
            self._draw_curve(first, weights, biases, when)
        else:
            self._draw_plane(first, second, weights, biases, when)

    def _draw_curve(self, ref, weights, biases, when) -> None:
        session = self.session
        data, loss = session.dataset, session.training.loss
        here = landscape.value_of(weights, ref)
        steps = self.path.values(ref)
        low, high = landscape.span([*steps, here])
        self.axis_a = np.linspace(low, high, landscape.CURVE_POINTS)
        self.axis_b = None
        network = session.network
        self.values = landscape.curve(network, data.x, data.y, loss, ref, self.axis_a,
                                      weights, biases)
        path_j = landscape.curve(network, data.x, data.y, loss, ref, steps, weights, biases)
        j_here = landscape.loss_at(network, data.x, data.y, loss, {}, weights, biases)
        self._clear_plane()
        log = self.log_box.isChecked()
        self.plot.setLogMode(y=log)
        self.curve.setData(self.axis_a, _drawable(self.values, log), connect="finite")
        self.path_line.setData(steps, _drawable(path_j, log), connect="finite")
        self.here.setData([here], _drawable(np.array([j_here]), log))
        self._set_arrows(steps, path_j)
        name = landscape.label(ref)
        self._set_labels(name, "loss J")
        self.plot.setTitle(f"J along {name}, the others as {when}", color=INK)
        self.plot.enableAutoRange()
        self.readout.setText(f"{when}: {name} = {format_number(here)}, "
                             f"J = {format_number(j_here)}; "
                             f"{len(steps)} points of the run drawn on the curve")

    def _draw_plane(self, ref_a, ref_b, weights, biases, when) -> None:
        session = self.session
        data, loss = session.dataset, session.training.loss
        here = (landscape.value_of(weights, ref_a), landscape.value_of(weights, ref_b))
        path_a, path_b = self.path.values(ref_a), self.path.values(ref_b)
        points = plane_points(session.network, len(data.x))
        low_a, high_a = landscape.span([*path_a, here[0]])
        low_b, high_b = landscape.span([*path_b, here[1]])
        self.axis_a = np.linspace(low_a, high_a, points)
        self.axis_b = np.linspace(low_b, high_b, points)
        self.values = landscape.plane(session.network, data.x, data.y, loss, ref_a,
                                      self.axis_a, ref_b, self.axis_b, weights, biases)
        j_here = landscape.loss_at(session.network, data.x, data.y, loss, {}, weights, biases)
        self.plot.setLogMode(y=False)
        self.curve.setData([], [])
        self._set_arrows(path_a, path_b)
        self.path_line.setData(path_a, path_b)
        self.here.setData([here[0]], [here[1]])
        shown = self._colour_values(self.values)
        self.image.setImage(shown, autoLevels=True)
        step_a = (high_a - low_a) / (points - 1)
        step_b = (high_b - low_b) / (points - 1)
        # pixel centres on the grid's points
        self.image.setRect(QRectF(low_a - step_a / 2, low_b - step_b / 2,
                                  step_a * points, step_b * points))
        self.image.setVisible(True)
        self._set_isolines(shown)
        name_a, name_b = landscape.label(ref_a), landscape.label(ref_b)
        self._set_labels(name_a, name_b)
        self.plot.setTitle(f"J over {name_a}, {name_b}, the others as {when}", color=INK)
        self.plot.setRange(xRange=(low_a, high_a), yRange=(low_b, high_b), padding=0)
        finite = self.values[np.isfinite(self.values)]
        span = (f"J from {format_number(finite.min())} to {format_number(finite.max())}"
                if finite.size else "J overflows everywhere here")
        self.readout.setText(f"{when}: {name_a} = {format_number(here[0])}, {name_b} = "
                             f"{format_number(here[1])}, J = {format_number(j_here)}; "
                             f"{span} ({'log₁₀ J' if self.log_box.isChecked() else 'J'} "
                             f"as colour, {points}×{points} points); the run's "
                             f"{len(path_a)} points projected on the plane")

    def _colour_values(self, values: np.ndarray) -> np.ndarray:
        """What the heatmap colours: J or log₁₀ J, overflows at the top end."""
        shown = np.log10(np.maximum(values, 1e-300)) if self.log_box.isChecked() \
            else np.array(values, dtype=float)
        finite = np.isfinite(shown)
        top = shown[finite].max() if finite.any() else 0.0
        return np.where(finite, shown, top)

    def _clear_plane(self) -> None:
        self.image.setVisible(False)
        for item in self.isolines:
            item.setParentItem(None)
            if item.scene() is not None:
                item.scene().removeItem(item)
        self.isolines.clear()

    def _set_isolines(self, shown: np.ndarray) -> None:
        """Isolines at evenly spaced levels between the lowest and highest value."""
        for item in self.isolines:
            item.setParentItem(None)
            if item.scene() is not None:
                item.scene().removeItem(item)
        self.isolines.clear()
        low, high = float(shown.min()), float(shown.max())
        if not high > low:
            return
        for level in np.linspace(low, high, ISOLINE_COUNT + 2)[1:-1]:
            # a child of the image: it shares the image's placement on the axes
            item = pg.IsocurveItem(data=shown, level=float(level),
                                   pen=pg.mkPen(255, 255, 255, 170, width=1.5))
            item.setParentItem(self.image)
            self.isolines.append(item)

    def _set_labels(self, bottom: str, left: str) -> None:
        for side, text in (("bottom", bottom), ("left", left)):
            self.plot.setLabel(side, text, **{"font-size": LABEL_POINT_SIZE, "color": INK})

    # -- arrows -------------------------------------------------------------------------

    def _set_arrows(self, xs, ys) -> None:
        """An arrowhead at the end of each step of the path (x, y in data units)."""
        for item in (*self.arrows, *self.numbers):
            self.plot.removeItem(item)
        self.arrows, self.numbers = [], []
        self._arrow_points = []
        self.path_line.setSymbol("o" if len(xs) <= MAX_SYMBOLS else None)
        log = self.plot.getAxis("left").logMode
        if len(xs) <= MAX_NUMBERED:
            steps = self.path.steps
            for x, y, step in zip(xs, ys, steps):
                if math.isfinite(x) and math.isfinite(y) and (y > 0 or not log):
                    number = pg.TextItem(str(step + 1), color=INK, anchor=(0, 1.1))
                    number.setPos(x, math.log10(y) if log else y)
                    number.setZValue(13)
                    self.plot.addItem(number)
                    self.numbers.append(number)
        for k in range(max(1, len(xs) - MAX_ARROWS), len(xs)):
            start = (xs[k - 1], ys[k - 1])
            end = (xs[k], ys[k])
            if not all(math.isfinite(v) for v in (*start, *end)):
                continue
            if log:
                if start[1] <= 0 or end[1] <= 0:
                    continue
                start, end = (start[0], math.log10(start[1])), (end[0], math.log10(end[1]))
            arrow = pg.ArrowItem(headLen=18, tailLen=0, brush=pg.mkBrush(PATH_COLOUR),
                                 pen=pg.mkPen(INK, width=1))
            arrow.setZValue(11)
            arrow.setPos(*end)
            self.plot.addItem(arrow)
            self.arrows.append(arrow)
            self._arrow_points.append((start, end))
        self._aim_arrows()

    def _aim_arrows(self, *_args) -> None:
        """Point each arrowhead along its step as drawn on screen (the axes' scales
        differ, so the angle is taken in pixels)."""
        view = self.plot.getViewBox()
        for arrow, (start, end) in zip(self.arrows, getattr(self, "_arrow_points", ())):
            a = view.mapViewToScene(QPointF(*start))
            b = view.mapViewToScene(QPointF(*end))
            dx, dy = b.x() - a.x(), b.y() - a.y()
            if dx == 0 and dy == 0:
                continue
            # ArrowItem's angle 0 points left (its tip at the left end)
            arrow.setStyle(angle=math.degrees(math.atan2(dy, dx)) + 180)

    def closeEvent(self, event) -> None:
        self._timer.stop()
        super().closeEvent(event)


def _index_of(box: QComboBox, ref) -> int:
    """The entry of ``box`` holding the weight ``ref`` (-1: none); findData cannot
    compare Python tuples."""
    ref = None if ref is None else tuple(ref)
    return next((k for k in range(box.count()) if box.itemData(k) == ref), -1)


def _drawable(values: np.ndarray, log: bool) -> np.ndarray:
    """Values a plot can draw: overflows (and J ≤ 0 on a log axis) left out."""
    values = np.asarray(values, dtype=float)
    keep = np.isfinite(values) & (values > 0 if log else True)
    return np.where(keep, values, np.nan)


def open_landscape_dialog(session, canvas=None, timeline=None, parent=None) -> LandscapeDialog:
    """Tools ▸ Loss landscape…: the view (non-modal); a window has one, brought forward
    when it is already open."""
    dialog = None
    if parent is not None:
        dialog = next((child for child in parent.findChildren(LandscapeDialog)
                       if child.isVisible()), None)
    if dialog is None:
        dialog = LandscapeDialog(session, canvas, timeline, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
