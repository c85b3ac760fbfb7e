"""Live plots of training, each in its own dock (pyqtgraph is imported only here).

- Loss vs step
- Gradient magnitude per layer vs step (‖∂J/∂W⁽ˡ⁾‖ or mean |∂J/∂w|)
- Gradient profile now: one bar per layer, input side left, with the sigmoid bound
- Activations per layer over the batch of the last step, with saturation / dead units
- Decision boundary (2 inputs) or fitted curve (1 input)

The session records every full step in its :class:`~bpsim.history.History` (bounded
memory; cut back on undo, cleared on reset or a new network).  One
:class:`PlotsController` per session tells the plots to repaint, at most 30 times a
second; hidden plots wait until they are shown.  Curves are created once and fed
with ``setData``; every number drawn comes from the engine's records or from the
engine itself (``network.predict``, ``network.forward``).

The window calls :func:`create_plot_docks`; the timeline calls
``controller.set_cursor(step)``.
"""

from __future__ import annotations

import math
import time
import weakref
from functools import lru_cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QElapsedTimer, QObject, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPixmapCache
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDockWidget, QFileDialog,
                               QGraphicsItem, QHBoxLayout, QLabel, QMenu, QSizePolicy,
                               QVBoxLayout, QWidget)

from bpsim import activations as act
from bpsim.diagnostics import dead_units, flat_mask, sigmoid_bound
from bpsim.history import History
from bpsim.network import Network

# -- look ------------------------------------------------------------------------------

BLUE = "#2166ac"      # positive / class 1
ORANGE = "#e66101"    # negative / class 0
LIGHT_BLUE = "#92c5de"
LIGHT_ORANGE = "#fdb863"
INK = "#222222"
GRID_ALPHA = 0.25
LINE_WIDTH = 3
TICK_POINT_SIZE = 13
LABEL_POINT_SIZE = "14pt"
#: repaint at most this often (ms): 30 Hz
REPAINT_MS = 33
#: ... and keep the plots' share of the time (updating + painting) below this, so
#: training at full speed keeps most of the processor: slow machines repaint less often
PLOT_SHARE = 0.25
MINUS = "\u2212"

#: what the gradient plots can show: history attribute, axis label, legend word
MEASURES = {
    "norm": ("grad_norms", "‖∂J/∂W‖", "Frobenius norm ‖∂J/∂W⁽ˡ⁾‖ of each layer's weight gradient"),
    "mean_abs": ("mean_abs_grads", "mean |∂J/∂w|",
                 "mean of |∂J/∂w| over the weights of each layer"),
}


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def number(value: float, digits: int = 4) -> str:
    """4 significant digits with a real minus sign, as on the canvas."""
    if value is None or not math.isfinite(value):
        return "—" if value is None or math.isnan(value) else ("∞" if value > 0 else MINUS + "∞")
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text:  # 1.27e-07 → 1.27×10⁻⁷
        mantissa, exponent = text.split("e")
        text = f"{mantissa}×10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    return text.replace("-", MINUS)


def power_of_ten(exponent: int) -> str:
    """0.01, 0.1, 1, 10, 100, then 10³, 10⁻³ …"""
    if -2 <= exponent <= 2:
        return number(10.0 ** exponent)
    return "10" + str(exponent).translate(_SUPERSCRIPT)


@lru_cache(maxsize=16)
def layer_colours(count: int) -> tuple:
    """Input side dark purple → output side green, viridis (colour-blind safe); the
    bright yellow end is left out, it vanishes on white."""
    cmap = pg.colormap.get("viridis")
    if count == 1:
        return (cmap.map(0.0, mode="qcolor"),)
    return tuple(cmap.map(0.85 * i / (count - 1), mode="qcolor") for i in range(count))


def layer_legend(layer: int, count: int) -> str:
    if layer == 1 and count > 1:
        return "layer 1 (input side)"
    if layer == count:
        return f"layer {layer} (output)"
    return f"layer {layer}"


def _tick_font() -> QFont:
    font = QFont()
    font.setPointSize(TICK_POINT_SIZE)
    return font


class Axis(pg.AxisItem):
    """Tick labels with a real minus sign; on a log axis only powers of ten are
    labelled (and 2×, 5× when less than two decades show), so large labels never
    overlap."""

    def tickStrings(self, values, scale, spacing):
        return [text.replace("-", MINUS) for text in super().tickStrings(values, scale, spacing)]

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
                out.append(number(10 ** v, 2))
            else:
                out.append("")
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
    return PlotWidget(background="w", axisItems={"left": Axis("left"),
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


#: "nice" mantissas for axis ends: the range changes only after ~25 % growth
_NICE = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_above(value: float) -> float:
    """The smallest m·10ᵏ ≥ value with m in 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8."""
    if value <= 0:
        return -nice_below(-value) if value < 0 else 0.0
    decade = 10.0 ** math.floor(math.log10(value))
    return next(m * decade for m in _NICE if m * decade >= value * (1 - 1e-12))


def nice_below(value: float) -> float:
    """The largest m·10ᵏ ≤ value (m as in nice_above)."""
    if value <= 0:
        return -nice_above(-value) if value < 0 else 0.0
    decade = 10.0 ** math.floor(math.log10(value))
    return max(m * decade for m in _NICE if m * decade <= value * (1 + 1e-12))


def stable_range(current, low: float, high: float, log: bool) -> tuple[float, float]:
    """An axis range holding [low, high] that changes rarely: kept while the data
    fit in it and fill at least 40 % of it; otherwise whole decades (log axes, in
    log₁₀ units) or nice numbers, with 0 included when the data are all positive
    and start near it."""
    if current is not None:
        start, end = current
        if start <= low and high <= end and (high - low) >= 0.4 * (end - start):
            return current
    if log:
        # a little beyond the decades, so their labels at the ends still show
        return math.floor(low + 1e-9) - 0.15, math.ceil(high - 1e-9) + 0.15
    if low >= 0 and low < 0.5 * high:
        start = 0.0
    else:
        start = nice_below(low)
    end = nice_above(high)
    if end <= start:
        end = start + 1.0
    return start, end


def peak_columns(x: np.ndarray, values: np.ndarray, x_low: float, x_high: float,
                 columns: int) -> tuple[np.ndarray, np.ndarray]:
    """The largest and smallest value of each curve in each of ``columns`` equal
    slices of [x_low, x_high]: what a plot that wide can show of many points (peaks
    kept), two points per slice.  ``x`` increasing, ``values`` of shape (n, curves);
    NaNs are ignored unless a slice holds nothing else."""
    edges = np.linspace(x_low, x_high, columns + 1)
    starts = np.unique(np.searchsorted(x, edges[:-1]))
    starts = starts[starts < len(x)]
    if starts.size == 0 or starts[0] != 0:
        starts = np.concatenate(([0], starts))
    ends = np.append(starts[1:], len(x)) - 1
    out_x = np.empty(2 * len(starts))
    out_x[0::2], out_x[1::2] = x[starts], x[ends]
    out = np.empty((2 * len(starts), values.shape[1]))
    with np.errstate(invalid="ignore"):
        out[0::2] = np.fmax.reduceat(values, starts, axis=0)
        out[1::2] = np.fmin.reduceat(values, starts, axis=0)
    return out_x, out


def _save_csv(path, header: list[str], columns: list) -> None:
    """Columns of numbers (or text) as CSV with a header row; floats round-trip."""
    rows = len(columns[0]) if columns else 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(header) + "\n")
        for i in range(rows):
            cells = []
            for column in columns:
                value = column[i]
                if isinstance(value, (float, np.floating)):
                    cells.append(repr(float(value)))
                else:
                    cells.append(str(value))
            out.write(",".join(cells) + "\n")


def _make_room_for_axis_caches() -> None:
    """Each axis keeps its drawing (ticks, labels and the grid over the whole plot) as
    a pixmap, in Qt's pixmap cache: ten of them overflow its default 10 MB, and then
    every repaint draws every axis again.  Room for a large window on a HiDPI screen."""
    needed_kb = 128 * 1024
    if QPixmapCache.cacheLimit() < needed_kb:
        QPixmapCache.setCacheLimit(needed_kb)


# -- the controller ----------------------------------------------------------------------

_controllers: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class PlotsController(QObject):
    """Paces the plots of one session: they repaint at most 30 times a second.

    The plots show ``history`` (default: the session's own ``session.history``, which
    the session fills with every full step and cuts back on undo, reset or a new
    network) and the session's last step record (the activations).
    """

    #: repaint now (at most every REPAINT_MS)
    updated = Signal()
    #: the history was cleared or cut back, or the network changed: rebuild curves
    rebuilt = Signal()
    #: the timeline's current step (int) or None
    cursor_changed = Signal(object)

    def __init__(self, session, history: History | None = None, parent=None):
        super().__init__(parent if parent is not None else session)
        _make_room_for_axis_caches()
        self.session = session
        self._history = history
        #: the most recent StepRecord (for the activations), or None
        self.last_record = session.last_step
        #: the timeline's step, or None (= now)
        self.cursor: int | None = None
        #: True while flush() asks every plot to repaint at once
        self.forcing = False
        self._spent = 0.0  # seconds spent on the plots since the last repaint began
        self._cost = 0.0   # smoothed seconds per repaint
        self._clock = QElapsedTimer()
        self._clock.start()
        self._last_paint = -REPAINT_MS
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._paint)
        session.steps_recorded.connect(self._on_steps_recorded)
        session.structure_changed.connect(self._on_history_changed)
        session.history_changed.connect(self._on_history_changed)
        for signal in (session.parameters_changed, session.data_changed,
                       session.training_changed):
            signal.connect(self.schedule)
        _controllers[session] = self

    @property
    def history(self) -> History:
        """What the plots show: the session's history unless another was given."""
        return self._history if self._history is not None else self.session.history

    def _on_steps_recorded(self, records) -> None:
        if records:
            self.last_record = records[-1]
            self.schedule()

    def _on_history_changed(self) -> None:
        # Cut back or cleared: the last batch may belong to steps that are gone.
        history = self.history
        last = self.last_record
        if last is None or not len(history) or last.step >= history.next_step:
            self.last_record = None
        if self.cursor is not None and (not len(history) or self.cursor >= history.next_step):
            self.set_cursor(None)
        self.rebuilt.emit()
        self.schedule()

    # -- pacing ---------------------------------------------------------------------------

    def add_cost(self, seconds: float) -> None:
        """Time spent on the plots (their updates and paints), for the pacing."""
        self._spent += seconds

    @property
    def interval_ms(self) -> float:
        """Time between repaints: 1/30 s, longer when a repaint costs more than
        PLOT_SHARE of that."""
        return max(REPAINT_MS, 1000 * self._cost / PLOT_SHARE)

    def schedule(self) -> None:
        """Ask for a repaint: right away if the last one is old enough, else when it is."""
        if self._timer.isActive():
            return
        wait = self.interval_ms - (self._clock.elapsed() - self._last_paint)
        self._timer.start(max(0, int(wait)))

    def _paint(self) -> None:
        # what the previous repaint cost, all told (smoothed)
        self._cost = 0.7 * self._cost + 0.3 * self._spent
        self._spent = 0.0
        self._last_paint = self._clock.elapsed()
        started = time.perf_counter()
        self.updated.emit()
        self._spent += time.perf_counter() - started

    def flush(self, force: bool = True) -> None:
        """Update the visible plots now (tests, benchmarks, exports): all of them, or,
        with ``force=False``, those whose own pace allows it."""
        self._timer.stop()
        self.forcing = force
        try:
            self._paint()
        finally:
            self.forcing = False

    def set_cursor(self, step: int | None) -> None:
        """Show a cursor line at history step ``step`` (StepRecord.step numbering;
        drawn at x = step + 1, the plots counting steps from 1).  None: no cursor,
        the plots show the latest state."""
        self.cursor = None if step is None else int(step)
        self.cursor_changed.emit(self.cursor)

    def network_at_cursor(self) -> Network:
        """The network with the parameters right after the cursor's step (the
        nearest kept snapshot at or before it); the session's network without a cursor."""
        network = self.session.network
        if self.cursor is None:
            return network
        snapshot = self.history.snapshot_at(self.cursor)
        if snapshot is None:
            weights, biases = self.session.initial_weights, self.session.initial_biases
        else:
            weights, biases = snapshot.weights, snapshot.biases
        return Network(network.layers, network.activations, weights, biases,
                       network.leaky_slope)


def controller_for(session, history: History | None = None) -> PlotsController:
    """The session's plots controller (made on first use)."""
    controller = _controllers.get(session)
    if controller is None:
        return PlotsController(session, history)
    if history is not None and controller.history is not history:
        raise ValueError("this session's plots already show another History")
    return controller


# -- one plot panel ----------------------------------------------------------------------

class PlotPanel(QWidget):
    """A plot with a row of controls above it and a right-click menu to export it."""

    title = ""
    object_name = ""
    help_text = ""
    #: a costly plot repaints at most this often (ms; 0 = at every update, ≤ 30 Hz)
    min_interval_ms = 0

    def __init__(self, controller: PlotsController, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.session = controller.session
        self.setObjectName(self.object_name)
        self.setAccessibleName(self.title)
        self.setToolTip(self.help_text)
        self._stale = True
        self._axis_labels: dict[str, str] = {}
        self._since_refresh = QElapsedTimer()
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._on_updated)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.setSpacing(2)
        self.controls = QHBoxLayout()
        self.controls.setSpacing(12)
        layout.addLayout(self.controls)
        self.readout = QLabel()
        self.readout.setAccessibleName(f"{self.title} readout")
        self.readout.setToolTip("The values under the mouse pointer, or the latest ones")
        # The readout changes at every step: its length must not resize the plot (a
        # resized plot redraws its axes from scratch), so it takes the width it gets.
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._readout_text = ""
        self._readout_clock = QElapsedTimer()
        self._readout_timer = QTimer(self)
        self._readout_timer.setSingleShot(True)
        self._readout_timer.timeout.connect(self._show_readout_text)

        self.plot_widget = new_plot_widget(self.bottom_axis())
        self.plot_widget.paint_cost = controller.add_cost
        self.plot_widget.setObjectName(f"{self.object_name}_view")
        self.plot_widget.setAccessibleName(self.title)
        self.plot_widget.setToolTip(self.help_text + "\nRight-click: export the plot or its data")
        self.plot_widget.setMinimumSize(160, 120)  # the window decides; small screens too
        self.plot_widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.plot_widget.customContextMenuRequested.connect(self._show_menu)
        self.plot = self.plot_widget.getPlotItem()
        layout.addWidget(self.plot_widget, 1)

        controller.updated.connect(self._on_updated)
        controller.rebuilt.connect(self._on_rebuilt)
        controller.cursor_changed.connect(self._on_cursor_changed)

    def set_axis_label(self, side: str, text: str) -> None:
        """Change an axis title (only when it changes: it is re-laid out rich text)."""
        if self._axis_labels.get(side) != text:
            self._axis_labels[side] = text
            self.plot.setLabel(side, text)

    def bottom_axis(self) -> pg.AxisItem | None:
        """A special x axis for this plot (None: the usual one)."""
        return None

    #: the readout line changes at most this often while training runs (ms): a
    #: number changing 30 times a second cannot be read anyway
    READOUT_MS = 200

    def set_readout(self, text: str) -> None:
        """Show ``text`` above the plot: now if the last change is old enough (or the
        mouse is over the plot), else a little later."""
        self._readout_text = text
        if (self._readout_clock.isValid() and self._readout_clock.elapsed() < self.READOUT_MS
                and not self.plot_widget.underMouse() and not self.controller.forcing):
            if not self._readout_timer.isActive():
                self._readout_timer.start(self.READOUT_MS - int(self._readout_clock.elapsed()))
            return
        self._show_readout_text()

    def _show_readout_text(self) -> None:
        self._readout_timer.stop()
        self._readout_clock.start()
        if self.readout.text() != self._readout_text:
            self.readout.setText(self._readout_text)
            self.readout.setToolTip(self._readout_text)  # all of it, when it is cut off

    def add_readout(self) -> None:
        self.controls.addWidget(self.readout, 1)

    # -- repainting only what is seen ----------------------------------------------------

    def _on_updated(self) -> None:
        if not self.isVisible():
            self._stale = True
            return
        if (self.min_interval_ms and self._since_refresh.isValid()
                and not self.controller.forcing):
            wait = self.min_interval_ms - self._since_refresh.elapsed()
            if wait > 0:
                if not self._later.isActive():
                    self._later.start(int(wait))
                return
        self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Feed the plot the current numbers (now, whatever the pacing)."""
        self._stale = False
        self._later.stop()
        self._since_refresh.start()
        self.update_plot()

    def update_plot(self) -> None:
        raise NotImplementedError

    def _on_rebuilt(self) -> None:
        self._stale = True

    def _on_cursor_changed(self, step) -> None:
        self._on_updated()

    # -- export ---------------------------------------------------------------------------

    def data(self) -> tuple[list[str], list]:
        """(column names, columns) of what the plot shows, for CSV."""
        raise NotImplementedError

    def export_csv(self, path) -> None:
        self.refresh()
        header, columns = self.data()
        _save_csv(path, header, columns)

    def export_png(self, path) -> bool:
        self.refresh()
        return self.plot_widget.grab().save(str(path))

    def context_menu(self) -> QMenu:
        menu = QMenu(self)
        show_all = menu.addAction("Show all")
        show_all.setToolTip("Zoom out to show every point (and follow new ones)")
        show_all.triggered.connect(self.show_all)
        self.add_menu_actions(menu)
        menu.addSeparator()
        png = menu.addAction("Export plot as PNG…")
        png.setObjectName("export_png")
        png.triggered.connect(self._ask_png)
        csv = menu.addAction("Export data as CSV…")
        csv.setObjectName("export_csv")
        csv.triggered.connect(self._ask_csv)
        return menu

    def show_all(self) -> None:
        self.plot.enableAutoRange()

    def add_menu_actions(self, menu: QMenu) -> None:
        """Panels add their toggles here."""

    def _show_menu(self, position) -> None:
        self.context_menu().exec(self.plot_widget.mapToGlobal(position))

    def _file_name(self, extension: str) -> str:
        base = self.session.path.stem if self.session.path is not None else "bpsim"
        return f"{base}-{self.object_name.removesuffix('_plot')}.{extension}"

    def _ask_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.title} as PNG",
                                              self._file_name("png"), "PNG image (*.png)")
        if path:
            self.export_png(path)

    def _ask_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.title} data as CSV",
                                              self._file_name("csv"), "CSV (*.csv)")
        if path:
            self.export_csv(path)


class HistoryPanel(PlotPanel):
    """A plot of numbers against the step, with a cursor line for the timeline and a
    readout of the values under the mouse.  The x axis counts steps from 1 as the
    window does ("step 1" is the first step), i.e. x = history step + 1."""

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        self.cursor_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen("#555555", width=2, style=Qt.PenStyle.DashLine))
        self.cursor_line.setZValue(20)
        self.cursor_line.hide()
        self.plot.addItem(self.cursor_line, ignoreBounds=True)
        self._hover_step: int | None = None
        self._mouse = pg.SignalProxy(self.plot_widget.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._on_mouse_moved)
        # The plot sets its own range (see follow_data) until the user zooms or pans;
        # "Show all" hands it back.
        self.following = True
        self._ranges = (None, None)
        self.plot.vb.disableAutoRange()
        self.plot.vb.sigRangeChangedManually.connect(self._on_user_range)

    def add_curve(self, colour, name=None) -> pg.PlotDataItem:
        """A curve fed with setData from then on, clipped to the view and peak
        downsampled to about 1.5 points per pixel column (set after addItem:
        pyqtgraph clips to the view box it is in)."""
        curve = pg.PlotDataItem(pen=pg.mkPen(colour, width=LINE_WIDTH), name=name,
                                autoDownsampleFactor=1.5)
        self.plot.addItem(curve)
        curve.setClipToView(True)
        curve.setDownsampling(auto=True, method="peak")
        return curve

    def _on_user_range(self, *_args) -> None:
        self.following = False

    def _on_rebuilt(self) -> None:
        self._ranges = (None, None)  # shrink to what is left
        super()._on_rebuilt()

    def show_all(self) -> None:
        self.following = True
        self._ranges = (None, None)
        self.refresh()

    @property
    def log_y(self) -> bool:
        return self.plot.getAxis("left").logMode

    def curve_data(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(x, values) to feed the curves: every kept step while the plot is zoomed in
        (pyqtgraph clips them to the view and downsamples), or, while it shows the
        whole history, the peaks per two pixel columns of all curves at once (so a long
        history costs no more to draw than a short one)."""
        history = self.controller.history
        x = history.steps + 1.0
        # a slice per two pixels: a 3 px line shows no finer detail
        columns = max(60, int(self.plot.vb.width()) // 2)
        if not self.following or len(x) <= 4 * columns or self._ranges[0] is None:
            return x, values
        x_low, x_high = self._ranges[0]
        return peak_columns(x, values, x_low, x_high, columns)

    def follow_data(self, values: np.ndarray) -> None:
        """Axis ranges that hold every step and the values, changing only now and
        then (an axis redraws its labels and grid when its range changes)."""
        if not self.following:
            return
        history = self.controller.history
        last = history.next_step if len(history) else 1
        x_range = self._ranges[0]
        if x_range is None or last > x_range[1]:
            x_range = (0.0, nice_above(max(1.03 * last, 10)))
        shown = values[values > 0] if self.log_y else values
        shown = shown[np.isfinite(shown)]
        if shown.size:
            low, high = float(shown.min()), float(shown.max())
            if self.log_y:
                low, high = math.log10(low), math.log10(high)
            y_range = stable_range(self._ranges[1], low, high, self.log_y)
        else:
            y_range = self._ranges[1] or ((-1.0, 0.0) if self.log_y else (0.0, 1.0))
        if (x_range, y_range) != self._ranges:
            self._ranges = (x_range, y_range)
            self.plot.vb.setRange(xRange=x_range, yRange=y_range, padding=0)

    def _on_cursor_changed(self, step) -> None:
        if step is None:
            self.cursor_line.hide()
        else:
            self.cursor_line.setValue(step + 1)
            self.cursor_line.show()
        super()._on_cursor_changed(step)

    def _on_mouse_moved(self, event) -> None:
        position = event[0]
        steps = self.controller.history.steps
        if not len(steps) or not self.plot.sceneBoundingRect().contains(position):
            self._hover_step = None
        else:
            x = self.plot.vb.mapSceneToView(position).x() - 1
            i = int(np.clip(np.searchsorted(steps, x), 0, len(steps) - 1))
            if i > 0 and abs(steps[i - 1] - x) < abs(steps[i] - x):
                i -= 1
            self._hover_step = int(steps[i])
        self.show_readout()

    def readout_row(self) -> int | None:
        """The history row the readout describes: under the mouse, or the latest."""
        history = self.controller.history
        if not len(history):
            return None
        if self._hover_step is not None:
            return history.row_at(self._hover_step)
        return len(history) - 1

    def show_readout(self) -> None:
        raise NotImplementedError

    def make_log_box(self, name: str, accessible: str, tip: str, on: bool) -> QCheckBox:
        """The "Log scale" box of a history plot (also in its right-click menu)."""
        self.log_box = QCheckBox("Log scale")
        self.log_box.setObjectName(name)
        self.log_box.setAccessibleName(accessible)
        self.log_box.setToolTip(tip)
        self.log_box.setChecked(on)
        self.log_box.toggled.connect(self.set_log)
        return self.log_box

    def set_log(self, on: bool) -> None:
        with QSignalBlocker(self.log_box):
            self.log_box.setChecked(on)
        self.plot.setLogMode(y=on)
        self._ranges = (self._ranges[0], None)
        self.refresh()

    def add_menu_actions(self, menu) -> None:
        log = menu.addAction("Log scale")
        log.setCheckable(True)
        log.setChecked(self.log_box.isChecked())
        log.toggled.connect(self.set_log)


class LossPanel(HistoryPanel):
    title = "Loss"
    object_name = "loss_plot"
    help_text = "The training loss J of every step (the batch's mean loss)"

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        self.controls.addWidget(self.make_log_box(
            "loss_log_scale", "Loss plot: logarithmic y axis",
            "Show the loss on a logarithmic axis (small losses stay visible)", False))
        self.add_readout()
        style_plot(self.plot, "step", "loss J")
        self.curve = self.add_curve(BLUE)
        self.marker = pg.ScatterPlotItem(size=12, pen=pg.mkPen(INK, width=1.5),
                                         brush=pg.mkBrush(BLUE))
        self.marker.setZValue(10)
        self.plot.addItem(self.marker)

    def update_plot(self) -> None:
        history = self.controller.history
        losses = history.losses
        self.follow_data(losses)
        x, shown = self.curve_data(losses[:, None])
        self.curve.setData(x, shown[:, 0].copy())
        loss_name = self.session.scenario.training.loss
        self.set_axis_label("left", f"loss J ({loss_name})")
        self.show_readout()

    def show_readout(self) -> None:
        row = self.readout_row()
        if row is None:
            self.marker.setData([], [])
            self.set_readout("no steps yet")
            return
        history = self.controller.history
        step, loss = int(history.steps[row]), float(history.losses[row])
        y = loss
        if self.log_box.isChecked():
            y = math.log10(loss) if loss > 0 else math.nan
        self.marker.setData([step + 1], [y] if math.isfinite(y) else [])
        self.set_readout(f"step {step + 1:,}   loss {number(loss)}")

    def data(self):
        history = self.controller.history
        return ["step", "loss"], [history.steps, history.losses]


class GradientsPanel(HistoryPanel):
    title = "Gradient magnitude per layer"
    object_name = "gradients_plot"
    help_text = ("How large each layer's weight gradient is at every step. In a deep "
                 "sigmoid network the input-side layers sit orders of magnitude below "
                 "the output layer: the vanishing gradient.")

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        self.measure_box = QComboBox()
        self.measure_box.setObjectName("gradients_measure")
        self.measure_box.setAccessibleName("Gradient measure")
        self.measure_box.setToolTip("What to plot per layer")
        for key, (_, label, tip) in MEASURES.items():
            self.measure_box.addItem(label, key)
            self.measure_box.setItemData(self.measure_box.count() - 1, tip,
                                         Qt.ItemDataRole.ToolTipRole)
        self.measure_box.currentIndexChanged.connect(self._on_measure_changed)
        self.controls.addWidget(self.measure_box)
        self.controls.addWidget(self.make_log_box(
            "gradients_log_scale", "Gradient plot: logarithmic y axis",
            "Logarithmic y axis: orders of magnitude apart stay visible", True))
        self.add_readout()
        style_plot(self.plot, "step", "‖∂J/∂W‖")
        self.plot.setLogMode(y=True)
        self.legend = self.plot.addLegend(offset=(-10, 10), labelTextSize="11pt",
                                          labelTextColor=INK, brush=pg.mkBrush(255, 255, 255, 200),
                                          pen=pg.mkPen("#999999"))
        self.curves: list[pg.PlotDataItem] = []
        self._build_curves()

    @property
    def measure(self) -> str:
        return self.measure_box.currentData()

    def set_measure(self, key: str) -> None:
        self.measure_box.setCurrentIndex(self.measure_box.findData(key))

    def _on_measure_changed(self, _index) -> None:
        self._ranges = (self._ranges[0], None)
        self.refresh()

    def _build_curves(self) -> None:
        for curve in self.curves:
            self.plot.removeItem(curve)
        self.legend.clear()
        count = self.controller.history.n_layers
        colours = layer_colours(count)
        self.curves = [self.add_curve(colour) for colour in colours]
        # Deep networks: "layer 1 (input side) … layer L (output)"; the colours run
        # from dark (input side) to light green (output) in between.
        shown = range(count) if count <= 4 else (0, None, count - 1)
        for index in shown:
            if index is None:
                self._middle = pg.PlotDataItem(pen=pg.mkPen(colours[count // 2],
                                                            width=LINE_WIDTH))
                self.legend.addItem(self._middle, f"… layers 2 – {count - 1}")
            else:
                self.legend.addItem(self.curves[index], layer_legend(index + 1, count))

    def _on_rebuilt(self) -> None:
        if len(self.curves) != self.controller.history.n_layers:
            self._build_curves()
        HistoryPanel._on_rebuilt(self)

    def values(self) -> np.ndarray:
        """The plotted measure, shape (rows, L)."""
        return getattr(self.controller.history, MEASURES[self.measure][0])

    def update_plot(self) -> None:
        history = self.controller.history
        if len(self.curves) != history.n_layers:
            self._build_curves()
        values = self.values()
        self.follow_data(values)
        x, shown = self.curve_data(values)
        for layer, curve in enumerate(self.curves):
            curve.setData(x, shown[:, layer].copy())
        self.set_axis_label("left", MEASURES[self.measure][1])
        self.show_readout()

    def show_readout(self) -> None:
        row = self.readout_row()
        if row is None:
            self.set_readout("no steps yet")
            return
        history = self.controller.history
        values = self.values()[row]
        last = len(values)
        text = f"step {int(history.steps[row]) + 1:,}   layer 1: {number(values[0], 2)}"
        if last > 1:
            text += f"   layer {last}: {number(values[-1], 2)}"
        self.set_readout(text)

    def data(self):
        history = self.controller.history
        count = history.n_layers
        header = ["step"] + [f"norm_layer_{l}" for l in range(1, count + 1)] + \
                 [f"mean_abs_layer_{l}" for l in range(1, count + 1)]
        columns = [history.steps] + [history.grad_norms[:, l] for l in range(count)] + \
                  [history.mean_abs_grads[:, l] for l in range(count)]
        return header, columns


class LayerAxis(Axis):
    """Tick labels "1 in" … "L out" at the layer positions."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.count = 1

    def set_count(self, count: int) -> None:
        """How many layers; the labels are drawn again only when it changes."""
        if count != self.count:
            self.count = count
            self.picture = None
            self.update()

    def tickValues(self, minVal, maxVal, size):
        return [(1.0, list(range(1, self.count + 1)))]

    def tickStrings(self, values, scale, spacing):
        out = []
        for v in values:
            layer = int(round(v))
            if self.count > 1 and layer == 1:
                out.append("1 in")
            elif layer == self.count:
                out.append(f"{layer} out")
            else:
                out.append(str(layer))
        return out


class _LayerPanel(PlotPanel):
    """A plot with one column per layer, input side left."""

    def bottom_axis(self):
        self._axis = LayerAxis("bottom")
        return self._axis


class ProfilePanel(_LayerPanel):
    title = "Gradient profile now"
    object_name = "profile_plot"
    help_text = ("The gradient magnitude of each layer at the latest step (or the "
                 "timeline's step), input side left, on a log scale. The dashed line is "
                 "the sigmoid bound: each sigmoid layer multiplies the gradient by at "
                 "most 0.25 on its way back.")

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        self.measure_box = QComboBox()
        self.measure_box.setObjectName("profile_measure")
        self.measure_box.setAccessibleName("Gradient profile measure")
        self.measure_box.setToolTip("What the bars show per layer")
        for key, (_, label, _) in MEASURES.items():
            self.measure_box.addItem(label, key)
        self.measure_box.currentIndexChanged.connect(lambda _: self.refresh())
        self.bound_box = QCheckBox("Sigmoid bound")
        self.bound_box.setObjectName("profile_sigmoid_bound")
        self.bound_box.setAccessibleName("Show the sigmoid bound")
        self.bound_box.setToolTip("Output layer's magnitude × 0.25 per sigmoid layer "
                                  "between (weights ignored)")
        self.bound_box.setChecked(True)
        self.bound_box.toggled.connect(lambda _: self.refresh())
        self.controls.addWidget(self.measure_box)
        self.controls.addWidget(self.bound_box)
        self.add_readout()
        style_plot(self.plot, "layer (input side → output)", "‖∂J/∂W‖ (log)")
        self.plot.getAxis("left").setLogMode(False, True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        self.plot.addItem(self.bars)
        # the first recorded step as dashed outlines: how the profile started
        self.first_bars = pg.BarGraphItem(
            x=[], height=[], width=0.7, brush=pg.mkBrush(None), pen=pg.mkPen(INK, width=2))
        self.first_bars.setZValue(5)
        self.plot.addItem(self.first_bars)
        self.bound_curve = pg.PlotDataItem(
            pen=pg.mkPen(INK, width=LINE_WIDTH, style=Qt.PenStyle.DashLine),
            symbol="o", symbolSize=9, symbolBrush=pg.mkBrush("w"),
            symbolPen=pg.mkPen(INK, width=2))
        self.plot.addItem(self.bound_curve)
        self.legend = self.plot.addLegend(offset=(10, 10), labelTextSize="11pt",
                                          labelTextColor=INK, brush=pg.mkBrush(255, 255, 255, 200),
                                          pen=pg.mkPen("#999999"))
        self._legend_state = None
        self._y_range = None
        self._bar_brushes: list = []
        self._bar_pens: list = []
        self.values = np.zeros(0)
        self.first_values = np.zeros(0)
        self.bound = np.zeros(0)
        self.step: int | None = None

    @property
    def measure(self) -> str:
        return self.measure_box.currentData()

    def set_measure(self, key: str) -> None:
        self.measure_box.setCurrentIndex(self.measure_box.findData(key))

    def _on_rebuilt(self) -> None:
        self._y_range = None
        super()._on_rebuilt()

    def current_values(self) -> tuple[int | None, np.ndarray, np.ndarray]:
        """(step, magnitudes per layer, those of the first recorded step) at the
        cursor, or at the latest step."""
        history = self.controller.history
        count = history.n_layers
        if not len(history):
            return None, np.zeros(count), np.zeros(0)
        row = len(history) - 1
        if self.controller.cursor is not None:
            row = history.row_at(self.controller.cursor)
            if row is None:
                return None, np.zeros(count), np.zeros(0)
        values = getattr(history, MEASURES[self.measure][0])
        first = np.array(values[0]) if row > 0 else np.zeros(0)
        return int(history.steps[row]), np.array(values[row]), first

    def update_plot(self) -> None:
        network = self.session.network
        count = network.depth
        self.step, values, first = self.current_values()
        self.values, self.first_values = values, first
        self._axis.set_count(count)
        shows_bound = (self.bound_box.isChecked() and "sigmoid" in network.activations[:-1]
                       and values.size and values[-1] > 0)
        self.bound = sigmoid_bound(network.activations, values[-1]) if shows_bound else np.zeros(0)
        shown = np.concatenate([values, first, self.bound])
        positive = shown[shown > 0]
        logs = np.log10(positive) if positive.size else np.zeros(1)
        # a decade below the smallest bar; a decade and a half above the tallest for
        # the legend; changed only when the bars leave it or shrink well inside it
        legend_room = 1.2 if (first.size or self.bound.size) else 0.3
        self._y_range = stable_range(self._y_range, logs.min() - 1, logs.max() + legend_room,
                                     log=True)
        floor = self._y_range[0]
        if len(self._bar_brushes) != count:
            self._bar_brushes = [pg.mkBrush(c) for c in layer_colours(count)]
            self._bar_pens = [pg.mkPen(INK, width=1)] * count
        layers = np.arange(1, count + 1)
        self.bars.setOpts(x=layers, height=self._heights(values, floor), y0=floor, width=0.7,
                          brushes=self._bar_brushes, pens=self._bar_pens)
        if first.size:
            self.first_bars.setOpts(x=layers, height=self._heights(first, floor), y0=floor,
                                    width=0.7)
        else:
            self.first_bars.setOpts(x=[], height=[], y0=floor, width=0.7)
        self.first_bars.setVisible(bool(first.size))
        if self.bound.size:
            self.bound_curve.setData(np.arange(1, count + 1), np.log10(self.bound))
            self.bound_curve.show()
        else:
            self.bound_curve.setData([], [])
            self.bound_curve.hide()
        self._update_legend(bool(first.size), bool(self.bound.size))
        self.plot.setXRange(0.4, count + 0.6, padding=0)
        self.plot.setYRange(*self._y_range, padding=0)
        self.set_axis_label("left", MEASURES[self.measure][1])
        self._show_readout()

    def _update_legend(self, first: bool, bound: bool) -> None:
        if self._legend_state == (first, bound):
            return
        self._legend_state = (first, bound)
        self.legend.clear()
        if first:
            self.legend.addItem(self.first_bars, "first step")
        if bound:
            self.legend.addItem(self.bound_curve, "sigmoid bound (× 0.25 a layer)")
        self.legend.setColumnCount(2)  # one row: the bars keep the height
        self.legend.setVisible(first or bound)

    @staticmethod
    def _heights(values: np.ndarray, floor: float) -> np.ndarray:
        """Bar heights on the log axis, from ``floor``; a zero gradient gets no bar."""
        safe = np.where(values > 0, values, 1.0)
        return np.where(values > 0, np.log10(safe) - floor, 0.0)

    def _show_readout(self) -> None:
        if self.step is None:
            self.set_readout("no steps yet")
            return
        values = self.values
        text = f"step {self.step + 1:,}"
        if len(values) > 1 and values[-1] > 0:
            text += f"   layer 1 / {len(values)} = {number(values[0] / values[-1], 2)}"
        self.set_readout(text)

    def data(self):
        count = len(self.values)
        bound = self.bound if self.bound.size else np.full(count, np.nan)
        first = self.first_values if self.first_values.size else np.full(count, np.nan)
        return (["layer", MEASURES[self.measure][0], "first_step", "sigmoid_bound"],
                [np.arange(1, count + 1), self.values, first, bound])


class ActivationsPanel(_LayerPanel):
    title = "Activations per layer"
    object_name = "activations_plot"
    help_text = ("How each layer's activations a⁽ˡ⁾ are spread over the batch of the last "
                 "step: a histogram per layer. Orange: values where the slope f′(z) is "
                 "under 10 % of its peak (sigmoid near 0 or 1, ReLU at 0), so little "
                 "gradient flows back. A ReLU unit that is 0 for the whole batch is dead.")

    BINS = 30
    #: histograms of every layer: at most 15 times a second
    min_interval_ms = 66

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        self.add_readout()
        style_plot(self.plot, "layer (input side → output)", "activation a")
        self.plot.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x0=[], y0=[], width=[], height=[])
        self.flat_bars = pg.BarGraphItem(x0=[], y0=[], width=[], height=[])
        self.flat_bars.setZValue(2)
        self.plot.addItem(self.bars)
        self.plot.addItem(self.flat_bars)
        self.labels: list[pg.TextItem] = []
        self.stats: list[dict] = []
        self._y_range = None

    def _on_rebuilt(self) -> None:
        self._y_range = None
        super()._on_rebuilt()

    def forward_records(self):
        """(forward records, what they describe): the last step's batch, or, before any
        step (or at the timeline's cursor), the engine's forward pass over the data."""
        record = self.controller.last_record
        if record is not None and self.controller.cursor is None:
            return list(record.forward), f"batch of step {record.step + 1:,}"
        x = self.session.dataset.x[:512]
        network = self.controller.network_at_cursor()
        return network.forward(x), f"{len(x)} samples"

    @staticmethod
    def value_range(records) -> tuple[float, float]:
        """Where the histograms are drawn: all layers' values but the extreme 0.5 %
        at each end (a few huge ReLU outputs would squash everything else)."""
        values = np.concatenate([r.a[np.isfinite(r.a)] for r in records])
        if not values.size:
            return 0.0, 1.0
        low, high = (float(v) for v in np.percentile(values, [0.5, 99.5]))
        if high - low < 1e-9:
            low, high = low - 0.5, high + 0.5
        return low, high

    def update_plot(self) -> None:
        records, source = self.forward_records()
        count = len(records)
        self._axis.set_count(count)
        low, high = self.value_range(records)
        edges = np.linspace(low, high, self.BINS + 1)
        boxes, flat_boxes = [], []
        self.stats = []
        for layer, record in enumerate(records, start=1):
            a = record.a
            finite = np.isfinite(a)
            clipped = np.clip(a[finite], low, high)  # outliers into the end bins
            counts, _ = np.histogram(clipped, bins=edges)
            scale = 0.8 / max(1, counts.max())
            mask = flat_mask(record)
            flat_counts = np.zeros_like(counts)
            if mask is not None:
                flat_counts, _ = np.histogram(np.clip(a[finite & mask], low, high), bins=edges)
            self.stats.append({
                "layer": layer, "activation": record.activation,
                "min": float(np.min(a[finite])) if finite.any() else math.nan,
                "median": float(np.median(a[finite])) if finite.any() else math.nan,
                "max": float(np.max(a[finite])) if finite.any() else math.nan,
                "flat": float(np.mean(mask)) if mask is not None else math.nan,
                "dead": dead_units(record),
                "units": a.shape[1]})
            for bins, target in ((counts, boxes), (flat_counts, flat_boxes)):
                for b in np.flatnonzero(bins):
                    width = scale * bins[b]
                    target.append((layer - width / 2, edges[b], width, edges[b + 1] - edges[b]))
        for item, chosen, colour in ((self.bars, boxes, BLUE), (self.flat_bars, flat_boxes, ORANGE)):
            x0, y0, width, height = (list(c) for c in zip(*chosen)) if chosen else ([],) * 4
            item.setOpts(x0=x0, y0=y0, width=width, height=height, brush=pg.mkBrush(colour),
                         pen=pg.mkPen(None))
        span = high - low
        lines = 3 if any(stat["dead"] is not None for stat in self.stats) else 2
        # room above the histograms for the labels; the range changes only now and then
        self._y_range = stable_range(self._y_range, low - 0.02 * span,
                                     high + 0.11 * lines * span, log=False)
        self._place_labels(self._y_range[1])
        self.plot.setXRange(0.4, count + 0.6, padding=0)
        self.plot.setYRange(*self._y_range, padding=0)
        self.set_readout(f"{source}   orange: f′(z) < 10 % of its peak "
                             "(saturated, or ReLU off)")

    def _place_labels(self, y: float) -> None:
        while len(self.labels) < len(self.stats):
            label = pg.TextItem(color=INK, anchor=(0.5, 0.0))  # hangs from the top
            font = QFont()
            font.setPointSize(11)
            label.setFont(font)
            self.plot.addItem(label)
            self.labels.append(label)
        for label in self.labels[len(self.stats):]:
            self._set_label_text(label, "")
        for label, stat in zip(self.labels, self.stats):
            text = act.get(stat["activation"]).label
            if stat["dead"] is not None:
                text += f"\n{stat['dead']}/{stat['units']} dead\n{stat['flat']:.0%} off"
            elif not math.isnan(stat["flat"]):
                text += f"\n{stat['flat']:.0%} sat."
            self._set_label_text(label, text)
            label.setPos(stat["layer"], y)

    @staticmethod
    def _set_label_text(label: pg.TextItem, text: str) -> None:
        # setText lays the text out again (costly): only when it changes
        if getattr(label, "shown_text", None) != text:
            label.shown_text = text
            label.setText(text)

    def data(self):
        header = ["layer", "activation", "min", "median", "max", "flat_slope_fraction",
                  "dead_units"]
        stats = self.stats
        return header, [[s["layer"] for s in stats], [s["activation"] for s in stats],
                        [s["min"] for s in stats], [s["median"] for s in stats],
                        [s["max"] for s in stats], [s["flat"] for s in stats],
                        ["" if s["dead"] is None else s["dead"] for s in stats]]


def contour_segments(xs: np.ndarray, ys: np.ndarray, values: np.ndarray,
                     level: float) -> tuple[np.ndarray, np.ndarray]:
    """Where ``values`` (rows along ys, columns along xs) crosses ``level``, as line
    segments: (x, y) arrays holding the two ends of each segment in turn (for
    ``connect="pairs"``).  Marching squares, all cells at once, with linear
    interpolation along each cell edge; a saddle cell is split by its centre value."""
    v = np.asarray(values, dtype=float) - level
    above = v > 0
    finite = np.isfinite(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        # crossing on the edge (i, j)–(i, j+1): t = v₀ / (v₀ − v₁) of the way along
        h_cross = (above[:, :-1] != above[:, 1:]) & finite[:, :-1] & finite[:, 1:]
        h_t = v[:, :-1] / (v[:, :-1] - v[:, 1:])
        v_cross = (above[:-1, :] != above[1:, :]) & finite[:-1, :] & finite[1:, :]
        v_t = v[:-1, :] / (v[:-1, :] - v[1:, :])
    h_x = xs[:-1] + h_t * np.diff(xs)            # (ny, nx−1)
    h_y = np.broadcast_to(ys[:, None], h_x.shape)
    v_y = ys[:-1, None] + v_t * np.diff(ys)[:, None]  # (ny−1, nx)
    v_x = np.broadcast_to(xs[None, :], v_y.shape)
    # each cell's four edges: bottom, top, left, right
    px = np.stack([h_x[:-1], h_x[1:], v_x[:, :-1], v_x[:, 1:]], axis=-1).reshape(-1, 4)
    py = np.stack([h_y[:-1], h_y[1:], v_y[:, :-1], v_y[:, 1:]], axis=-1).reshape(-1, 4)
    crossed = np.stack([h_cross[:-1], h_cross[1:], v_cross[:, :-1], v_cross[:, 1:]],
                       axis=-1).reshape(-1, 4)
    count = crossed.sum(axis=1)
    pairs = []
    two = np.flatnonzero(count == 2)
    if two.size:
        order = np.argsort(~crossed[two], axis=1, kind="stable")[:, :2]
        pairs.append((two, order[:, 0], order[:, 1]))
    four = np.flatnonzero(count == 4)
    if four.size:
        centre = (v[:-1, :-1] + v[1:, :-1] + v[:-1, 1:] + v[1:, 1:]).ravel()[four] / 4
        corner = v[:-1, :-1].ravel()[four]
        # the centre on the bottom-left corner's side: cut that corner off, and the
        # top-right one; otherwise cut off the other two corners
        same = (centre > 0) == (corner > 0)
        first = np.where(same, 0, 0), np.where(same, 2, 3)
        second = np.where(same, 1, 1), np.where(same, 3, 2)
        pairs.append((four, *first))
        pairs.append((four, *second))
    if not pairs:
        return np.zeros(0), np.zeros(0)
    cells = np.concatenate([p[0] for p in pairs])
    a = np.concatenate([p[1] for p in pairs])
    b = np.concatenate([p[2] for p in pairs])
    x = np.empty(2 * len(cells))
    y = np.empty(2 * len(cells))
    x[0::2], x[1::2] = px[cells, a], px[cells, b]
    y[0::2], y[1::2] = py[cells, a], py[cells, b]
    return x, y


class DecisionPanel(PlotPanel):
    title = "Decision boundary / fit"
    object_name = "decision_plot"
    help_text = ("Two inputs: the network's output ŷ over the input plane (blue near 1, "
                 "orange near 0, black line ŷ = 0.5) with the samples on top. One input: "
                 "the fitted curve over the samples.")

    GRID = 64
    CURVE_POINTS = 240
    #: the surface costs a forward pass of GRID² points: at most 10 times a second
    min_interval_ms = 100

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        self.add_readout()
        style_plot(self.plot, "x₁", "x₂")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        # opaque (an image with alpha costs a blend per pixel at every repaint), the
        # strong ends softened so the samples stand out on top
        colours = ["#f0a060", LIGHT_ORANGE, "#f7f7f7", LIGHT_BLUE, "#5a8fc4"]
        self.image.setLookupTable(pg.ColorMap(np.linspace(0, 1, 5), colours).getLookupTable(
            nPts=256, alpha=False))
        self.plot.addItem(self.image)
        self.boundary = pg.PlotDataItem(pen=pg.mkPen(INK, width=LINE_WIDTH), connect="pairs")
        self.boundary.setZValue(5)
        self.plot.addItem(self.boundary)
        self.fit = pg.PlotDataItem(pen=pg.mkPen(BLUE, width=LINE_WIDTH), name="ŷ")
        self.plot.addItem(self.fit)
        # one scatter item per colour: a brush per point would redraw every symbol
        self.points = {colour: pg.ScatterPlotItem(size=13, pen=pg.mkPen(INK, width=1.2),
                                                  brush=pg.mkBrush(colour))
                       for colour in (ORANGE, BLUE, "#888888")}
        for item in self.points.values():
            item.setZValue(10)
            self.plot.addItem(item)
        self.message = pg.TextItem(color=INK, anchor=(0.5, 0.5))
        self.plot.addItem(self.message)
        self.grid_x = self.grid_y = self.output = np.zeros(0)
        self._bounds_key = None
        self._points_of = None  # the dataset the points show

    def sample_points(self) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) positions of the samples drawn, all colours together."""
        xs, ys = [], []
        for item in self.points.values():
            x, y = item.getData()
            xs.append(np.asarray(x, dtype=float))
            ys.append(np.asarray(y, dtype=float))
        return np.concatenate(xs), np.concatenate(ys)

    def _bounds(self, x: np.ndarray) -> tuple[float, float]:
        low, high = float(np.min(x)), float(np.max(x))
        margin = 0.1 * (high - low) if high > low else 1.0
        return low - margin, high + margin

    def update_plot(self) -> None:
        network = self.controller.network_at_cursor()
        dataset = self.session.dataset
        n_in = network.layers[0]
        if dataset is not self._points_of:
            self._show_points(dataset, n_in)
        if n_in == 2:
            self._plane(network, dataset.x)
        elif n_in == 1:
            self._curve(network, dataset.x)
        else:
            self.image.hide()
            self.boundary.setData([], [])
            self.fit.setData([], [])
            self.message.setText(f"The decision plot needs 1 or 2 inputs (this network has {n_in})")
            self.message.setPos(0.5, 0.5)
            self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            self.set_readout("")

    def _show_points(self, dataset, n_in: int) -> None:
        """The samples, coloured by class (blue 1, orange 0); set when the data changes."""
        self._points_of = dataset
        self._bounds_key = None
        x, y = dataset.x, dataset.y
        for item in self.points.values():
            item.setData([], [])
        if n_in == 1:
            self.points[ORANGE].setData(x[:, 0], y[:, 0])
            return
        if n_in != 2:
            return
        classes = self._classes(y)
        if classes is None:
            self.points["#888888"].setData(x[:, 0], x[:, 1])
            return
        for colour, chosen in ((ORANGE, classes < 1), (BLUE, classes >= 1)):
            self.points[colour].setData(x[chosen, 0], x[chosen, 1])

    @staticmethod
    def _classes(y: np.ndarray) -> np.ndarray | None:
        """Class of each sample when the targets are classes (0/1 or one-hot)."""
        if y.shape[1] > 1:
            return np.argmax(y, axis=1)
        column = y[:, 0]
        if np.all((column == 0) | (column == 1)):
            return column.astype(int)
        return None

    def _plane(self, network: Network, x: np.ndarray) -> None:
        self.message.setText("")
        self.fit.setData([], [])
        (x_low, x_high), (y_low, y_high) = self._bounds(x[:, 0]), self._bounds(x[:, 1])
        self.grid_x = np.linspace(x_low, x_high, self.GRID)
        self.grid_y = np.linspace(y_low, y_high, self.GRID)
        gx, gy = np.meshgrid(self.grid_x, self.grid_y)
        prediction = network.predict(np.c_[gx.ravel(), gy.ravel()])
        n_out = prediction.shape[1]
        # one output: ŷ; two (softmax): the probability of class 1; more: the class
        if n_out == 1:
            out = prediction[:, 0]
        elif n_out == 2:
            out = prediction[:, 1]
        else:
            out = np.argmax(prediction, axis=1) / (n_out - 1)
        self.output = out.reshape(self.GRID, self.GRID)
        levels = (0.0, 1.0)
        finite = self.output[np.isfinite(self.output)]
        if finite.size and (finite.min() < -1e-9 or finite.max() > 1 + 1e-9):
            levels = (float(finite.min()), float(finite.max()) or 1.0)
        self.image.setImage(self.output, levels=levels, autoLevels=False)
        dx = (x_high - x_low) / (self.GRID - 1)
        dy = (y_high - y_low) / (self.GRID - 1)
        self.image.setRect(x_low - dx / 2, y_low - dy / 2, dx * self.GRID, dy * self.GRID)
        self.image.show()
        if n_out <= 2:
            self.boundary.setData(*contour_segments(self.grid_x, self.grid_y, self.output, 0.5))
        else:
            self.boundary.setData([], [])
        key = (x_low, x_high, y_low, y_high)
        if key != self._bounds_key:
            self._bounds_key = key
            self.plot.setRange(xRange=(x_low, x_high), yRange=(y_low, y_high), padding=0)
            self.set_axis_label("bottom", "x₁")
            self.set_axis_label("left", "x₂")
            self.set_readout("blue: ŷ near 1   orange: ŷ near 0   black line: ŷ = 0.5")

    def _curve(self, network: Network, x: np.ndarray) -> None:
        self.message.setText("")
        self.image.hide()
        self.boundary.setData([], [])
        low, high = self._bounds(x[:, 0])
        self.grid_x = np.linspace(low, high, self.CURVE_POINTS)
        self.grid_y = np.zeros(0)
        self.output = network.predict(self.grid_x[:, None])[:, 0]
        self.fit.setData(self.grid_x, self.output)
        key = (low, high)
        if key != self._bounds_key:
            self._bounds_key = key
            self.plot.enableAutoRange()
            self.set_axis_label("bottom", "x")
            self.set_axis_label("left", "y and ŷ")
            self.set_readout("orange: samples (x, y)   blue: the network's ŷ(x)")

    def data(self):
        if self.grid_y.size:
            gx, gy = np.meshgrid(self.grid_x, self.grid_y)
            return ["x1", "x2", "prediction"], [gx.ravel(), gy.ravel(), self.output.ravel()]
        return ["x", "prediction"], [self.grid_x, self.output]


PANELS = (LossPanel, GradientsPanel, ProfilePanel, ActivationsPanel, DecisionPanel)


def suggested_plots(scenario) -> list[str]:
    """objectNames of the plot docks that tell this scenario's story best: the gradient
    plots for deep networks (the vanishing-gradient presets), the decision plot for
    one or two inputs, the loss always."""
    names = ["loss_plot_dock"]
    if scenario.network.depth >= 4:
        names += ["gradients_plot_dock", "profile_plot_dock", "activations_plot_dock"]
    if scenario.network.layers[0] <= 2:
        names.append("decision_plot_dock")
    return names


def create_plot_docks(session, history: History | None = None,
                      parent=None) -> list[QDockWidget]:
    """One dock per plot, objectNames ``loss_plot_dock``, ``gradients_plot_dock``,
    ``profile_plot_dock``, ``activations_plot_dock``, ``decision_plot_dock``.  Every
    dock's ``controller`` attribute (and ``widget().controller``) is the session's
    :class:`PlotsController`; ``widget()`` has ``export_png(path)`` / ``export_csv(path)``."""
    controller = controller_for(session, history)
    docks = []
    for panel_class in PANELS:
        panel = panel_class(controller)
        dock = QDockWidget(panel.title, parent)
        dock.setObjectName(f"{panel.object_name}_dock")
        dock.setAccessibleName(f"{panel.title} plot")
        dock.setToolTip(panel.help_text)
        dock.setWidget(panel)
        dock.controller = controller
        docks.append(dock)
    return docks
