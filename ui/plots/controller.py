"""The pace of the plots: one :class:`PlotsController` per session tells its plots
to repaint, at most 30 times a second, and less often when repainting costs more than
a quarter of the time; it also holds the timeline's cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING

import time
import weakref

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal
from PySide6.QtGui import QPixmapCache

from bpsim.network import Network

if TYPE_CHECKING:  # the history comes from the session (or a Compare run)
    from bpsim.history import History

#: repaint at most this often (ms): 30 Hz
REPAINT_MS = 33
#: ... and keep the plots' share of the time (updating + painting) below this, so
#: training at full speed keeps most of the processor: slow machines repaint less often
PLOT_SHARE = 0.25


def _make_room_for_axis_caches() -> None:
    """Each axis keeps its drawing (ticks, labels and the grid over the whole plot) as
    a pixmap, in Qt's pixmap cache: ten of them overflow its default 10 MB, and then
    every repaint draws every axis again.  Room for a large window on a HiDPI screen."""
    needed_kb = 128 * 1024
    if QPixmapCache.cacheLimit() < needed_kb:
        QPixmapCache.setCacheLimit(needed_kb)


#: each session's controller (see controller_for), gone with the session
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
            weights, biases = self.session.initial_parameters
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
