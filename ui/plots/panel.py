"""What every plot shares: a plot panel with its controls, readout, pacing and
export (PNG, CSV); the history plots (numbers against the step, with the timeline's
cursor); the per-layer plots; and axis ranges that change only now and then."""

from __future__ import annotations

import csv
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QElapsedTimer, QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QHBoxLayout, QLabel, QMenu,
                               QSizePolicy, QVBoxLayout, QWidget)

from .. import theme
from .controller import PlotsController
from .style import LINE_WIDTH, LayerAxis, new_plot_widget, set_plot_font_scale

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


#: the widest range an axis shows: log₁₀ of the largest float, and a linear span whose
#: nice ends (×5 and /2 of a power of ten) still stay finite
_LOG_LIMIT = 308.0
_LINEAR_LIMIT = 1e300


def stable_range(current, low: float, high: float, log: bool) -> tuple[float, float]:
    """An axis range holding [low, high] that changes rarely: kept while the data
    fit in it and fill at least 40 % of it; otherwise whole decades (log axes, in
    log₁₀ units) or nice numbers, with 0 included when the data are all positive
    and start near it."""
    # a diverged run has infinite values: the axis keeps to the largest finite float
    # (log₁₀ of which is about 308), and NaN data leave the range as it was
    if math.isnan(low) or math.isnan(high):
        return current if current is not None else (0.0, 1.0)
    limit = _LOG_LIMIT if log else _LINEAR_LIMIT
    low, high = min(max(low, -limit), limit), min(max(high, -limit), limit)
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
    return _peaks_at(x, values, _column_starts(x, x_low, x_high, columns))


def _column_starts(x: np.ndarray, x_low: float, x_high: float, columns: int) -> np.ndarray:
    """The first row of each non-empty slice of peak_columns."""
    edges = np.linspace(x_low, x_high, columns + 1)
    starts = np.unique(np.searchsorted(x, edges[:-1]))
    starts = starts[starts < len(x)]
    if starts.size == 0 or starts[0] != 0:
        starts = np.concatenate(([0], starts))
    return starts


def _peaks_at(x: np.ndarray, values: np.ndarray, starts: np.ndarray):
    """(x, values) of the largest and smallest value of each slice from each of
    ``starts`` to the next (the last to the end)."""
    first = starts[0]
    rows = starts - first
    ends = np.append(starts[1:], len(x)) - 1
    out_x = np.empty(2 * len(starts))
    out_x[0::2], out_x[1::2] = x[starts], x[ends]
    out = np.empty((2 * len(starts), values.shape[1]))
    with np.errstate(invalid="ignore"):
        out[0::2] = np.fmax.reduceat(values[first:], rows, axis=0)
        out[1::2] = np.fmin.reduceat(values[first:], rows, axis=0)
    return out_x, out


class PeakColumns:
    """peak_columns of a history that grows at its end, kept between updates: the
    slices whose rows were seen before are taken from the last result and only the
    slices from the last one seen on are reduced again (the same numbers as
    peak_columns, for the new rows instead of all of them).  A history that was
    thinned, cut back or cleared, other values or other slices: all again."""

    def __init__(self):
        self.clear()

    def clear(self) -> None:
        self._key = None
        self._starts = self._out_x = self._out = None

    def __call__(self, x, values, x_low, x_high, columns) -> tuple[np.ndarray, np.ndarray]:
        starts = _column_starts(x, x_low, x_high, columns)
        key = (values.__array_interface__["data"][0], values.strides, values.shape[1],
               x_low, x_high, columns)
        reuse = 0
        if key == self._key and self._seen.rows_kept(x, values):
            cached = self._starts
            common = min(len(cached), len(starts))
            differ = np.flatnonzero(cached[:common] != starts[:common])
            same = int(differ[0]) if differ.size else common
            # slice i is as before when its first row and the next slice's are, and
            # the next slice's first row is one seen before
            reuse = max(0, min(same, len(cached)) - 1)
        tail_x, tail = _peaks_at(x, values, starts[reuse:])
        if reuse:
            tail_x = np.concatenate((self._out_x[:2 * reuse], tail_x))
            tail = np.concatenate((self._out[:2 * reuse], tail))
        self._key, self._starts, self._out_x, self._out = key, starts, tail_x, tail
        self._seen = RowsSeen(x, values)
        return tail_x, tail


class RowsSeen:
    """What the rows of a history looked like at an update, to tell at the next one
    whether they are still there unchanged with only rows added after them: a thinned
    or cut-back history moves later steps into earlier rows (the steps never repeat,
    and steps only grow), so the first and last step seen and the last row's values
    tell."""

    def __init__(self, x: np.ndarray, values: np.ndarray):
        self.rows = len(x)
        self.ends = (x[0], x[-1]) if len(x) else None
        self.last = values[-1].copy() if len(x) else None

    def rows_kept(self, x: np.ndarray, values: np.ndarray) -> bool:
        n = self.rows
        if not n or len(x) < n or (x[0], x[n - 1]) != self.ends:
            return False
        return bool(np.array_equal(values[n - 1], self.last, equal_nan=True))


def save_csv(path, header: list[str], columns: list) -> None:
    """Columns of numbers (or text) as CSV with a header row; floats round-trip."""
    rows = len(columns[0]) if columns else 0

    def cell(value):
        # repr: the shortest text that reads back as the same float
        return repr(float(value)) if isinstance(value, (float, np.floating)) else value

    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([cell(column[i]) for column in columns] for i in range(rows))


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
        #: the window's text scale the plot's own fonts follow (see set_font_scale)
        self._font_scale = 1.0
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
        # resized plot redraws its axes from scratch), so it takes the width it gets,
        # and wraps onto a second line where that is too narrow (larger text, 720p)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        self.readout.setWordWrap(True)
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

    def set_font_scale(self, scale: float) -> None:
        """Axis ticks, titles and legend follow the window's text size (the readout and
        the controls follow the application font by themselves)."""
        if scale != self._font_scale:
            self._font_scale = scale
            set_plot_font_scale(self.plot, scale)

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
        save_csv(path, header, columns)

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
            angle=90, movable=False,
            pen=pg.mkPen(theme.TIMELINE_CURSOR, width=2, style=Qt.PenStyle.DashLine))
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
        # the peaks and value bounds of the rows seen so far (see PeakColumns)
        self._peaks = PeakColumns()
        # per array shown (see _value_bounds): what its bounds were, over which rows
        self._bounds_seen: dict = {}
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
        self._peaks.clear()
        self._bounds_seen = {}
        super()._on_rebuilt()

    def show_all(self) -> None:
        self.following = True
        self._ranges = (None, None)
        self.refresh()

    @property
    def log_y(self) -> bool:
        return self.plot.getAxis("left").logMode

    def curve_data(self, values: np.ndarray,
                   peaks: PeakColumns | None = None) -> tuple[np.ndarray, np.ndarray]:
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
        # another array than the plot's main one keeps its own peaks (``peaks``)
        return (peaks or self._peaks)(x, values, x_low, x_high, columns)

    def follow_data(self, values: np.ndarray, *more: np.ndarray) -> None:
        """Axis ranges that hold every step and the values, changing only now and
        then (an axis redraws its labels and grid when its range changes).  ``more``:
        other arrays shown beside ``values`` (each its own bounds kept)."""
        if not self.following:
            return
        history = self.controller.history
        last = history.next_step if len(history) else 1
        x_range = self._ranges[0]
        if x_range is None or last > x_range[1]:
            x_range = (0.0, nice_above(max(1.03 * last, 10)))
        bounds = self._value_bounds(values)
        for slot, extra in enumerate(more, 1):
            found = self._value_bounds(extra, slot)
            if bounds is None or found is None:
                bounds = bounds or found
            else:
                bounds = (min(bounds[0], found[0]), max(bounds[1], found[1]))
        if bounds is not None:
            low, high = bounds
            if self.log_y:
                low, high = math.log10(low), math.log10(high)
            y_range = stable_range(self._ranges[1], low, high, self.log_y)
        else:
            y_range = self._ranges[1] or ((-1.0, 0.0) if self.log_y else (0.0, 1.0))
        if (x_range, y_range) != self._ranges:
            self._ranges = (x_range, y_range)
            self.plot.vb.setRange(xRange=x_range, yRange=y_range, padding=0)

    def _value_bounds(self, values: np.ndarray, slot: int = 0) -> tuple[float, float] | None:
        """(smallest, largest) of the finite values (the positive ones on a log axis),
        None when there are none.  Kept between updates: only rows added since the
        last one are looked at (all again when the history was thinned or cut back)."""
        log = self.log_y
        steps = self.controller.history.steps
        key = (values.__array_interface__["data"][0], values.strides, values.shape[1:], log)
        first, bounds = 0, None
        seen = self._bounds_seen.get(slot)
        if seen is not None and seen[0] == key and seen[1].rows_kept(steps, values):
            first, bounds = seen[1].rows, seen[2]
        new = values[first:]
        shown = new[new > 0] if log else new
        shown = shown[np.isfinite(shown)]
        if shown.size:
            low, high = float(shown.min()), float(shown.max())
            bounds = (low, high) if bounds is None else (min(bounds[0], low),
                                                         max(bounds[1], high))
        self._bounds_seen[slot] = (key, RowsSeen(steps, values), bounds)
        return bounds

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


class LayerPanel(PlotPanel):
    """A plot with one column per layer, input side left."""

    def bottom_axis(self):
        self._axis = LayerAxis("bottom")
        return self._axis
