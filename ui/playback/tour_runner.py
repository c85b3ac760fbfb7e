"""Following a guided tour: which step is shown, and the check of its condition against
what the window reports.

The conditions (:class:`bpsim.tour.Condition`) are checked when the session, the canvas
or the animator report something (``session.phase_recorded``, ``steps_recorded``,
``history_changed``, ``training_changed``, ``canvas.selection_changed``, the animator's
``frame``, a watched action's ``triggered``), never by polling; a met condition moves
the tour to the next step by itself.  Next and Back move by hand.  Nothing here changes
the session.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from bpsim.notation.numbers import format_number
from bpsim.tour import Condition, Tour, TourStep
from bpsim.trace import UpdateRecord


class TourRunner(QObject):
    """The tour being followed.

    ``session`` and ``canvas`` report what the user does; ``animator`` (optional) reports
    the phase shown; ``find_action(name)`` (optional) gives the window action of that
    name, KeyError if there is none, for steps waiting for an action."""

    #: the step shown changed, or the tour started/stopped/finished
    changed = Signal()
    #: something the waiting line reports changed (e.g. steps counted so far)
    progress = Signal()

    def __init__(self, session, canvas, animator=None,
                 find_action: Callable[[str], object] | None = None, parent=None):
        super().__init__(parent)
        self.session = session
        self.animator = animator
        self.find_action = find_action
        self.tour: Tour | None = None
        #: index of the step shown; len(steps) once the tour is finished
        self.index = 0
        #: steps_done when the current step began (for "steps" conditions)
        self._baseline = 0
        #: the phase record that last moved the tour on (one record, one step)
        self._used_record = None
        self._completing_step = False
        self._watched_action = None
        session.phase_recorded.connect(self._on_phase)
        session.steps_recorded.connect(self._on_steps)
        session.history_changed.connect(self._on_history_changed)
        session.training_changed.connect(self._on_training_changed)
        canvas.selection_changed.connect(self._on_selection)
        if animator is not None:
            animator.frame.connect(self._on_frame)

    # -- state --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.tour is not None

    @property
    def finished(self) -> bool:
        return self.tour is not None and self.index >= len(self.tour.steps)

    @property
    def step(self) -> TourStep | None:
        if self.tour is None or self.finished:
            return None
        return self.tour.steps[self.index]

    @property
    def condition(self) -> Condition:
        step = self.step
        return step.condition if step is not None else Condition()

    def steps_so_far(self) -> int:
        """Training steps taken since the current step began."""
        return max(0, self.session.steps_done - self._baseline)

    def waiting_text(self) -> str:
        """What the step waits for, with the progress so far."""
        step = self.step
        if step is None:
            return ""
        condition = step.condition
        text = step.hint or condition.describe()
        if condition.kind == "action" and not step.hint:
            action = self._find_action(condition.get("name"))
            if action is not None:
                text = f"Waiting for {action.text().replace('&', '')}."
        if condition.kind == "steps":
            text += f" {self.steps_so_far()} so far."
        elif condition.kind == "loss_below":
            last = self.session.last_step
            if last is not None and math.isfinite(last.loss.loss):
                text += f" Last step: {format_number(last.loss.loss)}."
        elif condition.kind == "setting":
            value = getattr(self.session.training, condition.get("name"), None)
            if value is not None:
                text += f" Now {format_number(value)}."
        return text

    # -- moving -------------------------------------------------------------------------

    def start(self, tour: Tour, index: int = 0) -> None:
        self.tour = tour
        self._go(index)

    def stop(self) -> None:
        self._unwatch_action()
        self.tour = None
        self.index = 0
        self.changed.emit()

    def next(self) -> None:
        if self.tour is not None and not self.finished:
            self._go(self.index + 1)

    def back(self) -> None:
        if self.tour is not None and self.index > 0:
            self._go(self.index - 1)

    def restart(self) -> None:
        if self.tour is not None:
            self._go(0)

    def _go(self, index: int) -> None:
        self._unwatch_action()
        self.index = max(0, min(index, len(self.tour.steps)))
        self._baseline = self.session.steps_done
        if self._completing_step:
            # moved on by a step's update: that step is counted just after, and it
            # belongs to the tour step before this one
            self._baseline += 1
        condition = self.condition
        if condition.kind == "action":
            self._watch_action(condition.get("name"))
        self.changed.emit()

    def _met(self) -> None:
        """The current step's condition happened: on to the next step."""
        self.next()

    # -- what the window reports ------------------------------------------------------------

    def _on_phase(self, record) -> None:
        if record is self._used_record:
            return
        if self.condition.phase_matches(record):
            self._used_record = record
            # an update reported by the session is its step's last phase; the step is
            # recorded (steps_recorded) right after this signal
            self._completing_step = (isinstance(record, UpdateRecord)
                                     and self.session.step_in_progress)
            try:
                self._met()
            finally:
                self._completing_step = False

    def _on_frame(self) -> None:
        self._on_phase(self.animator.current)

    def _on_steps(self, records) -> None:
        condition = self.condition
        if condition.kind == "steps":
            if self.steps_so_far() >= condition.get("count"):
                self._met()
            else:
                self.progress.emit()
        elif condition.kind == "loss_below" and records:
            loss = records[-1].loss.loss
            if math.isfinite(loss) and loss < condition.get("value"):
                self._met()
            else:
                self.progress.emit()

    def _on_history_changed(self) -> None:
        # undo of training or a reset: count the steps again from where we are now
        steps = self.session.steps_done
        if steps < self._baseline:
            self._baseline = steps
            self.progress.emit()

    def _on_selection(self, selection) -> None:
        if self.condition.selection_matches(selection):
            self._met()

    def _on_training_changed(self) -> None:
        condition = self.condition
        if condition.kind == "setting":
            if condition.setting_matches(self.session.training):
                self._met()
            else:
                self.progress.emit()

    def _find_action(self, name):
        if self.find_action is None:
            return None
        try:
            return self.find_action(name)
        except KeyError:
            return None

    def _watch_action(self, name) -> None:
        action = self._find_action(name)
        if action is not None:
            action.triggered.connect(self._on_action)
            self._watched_action = action

    def _unwatch_action(self) -> None:
        if self._watched_action is not None:
            try:
                self._watched_action.triggered.disconnect(self._on_action)
            except (RuntimeError, TypeError):
                pass
            self._watched_action = None

    def _on_action(self, *_args) -> None:
        if self.condition.kind == "action":
            self._met()
