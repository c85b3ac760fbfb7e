"""Presentation state of the training step on screen: which recorded phase is shown
and how far its tween has run (t from 0 to 1).

The animator only reads records the engine produced (through the session).  Going
back (``previous``), pausing, or replaying never changes a weight: the only calls that
change the network are ``session.next_phase()`` (when the user steps past the last
recorded phase) and ``session.train()`` (full steps and play).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from bpsim.trace import BackwardRecord, ForwardRecord, LossRecord, UpdateRecord

#: Names of the speed slider's stops: milliseconds per phase (0 = instant).
SPEEDS_MS = (1200, 800, 500, 300, 150, 0)
#: Frames per second of the tween and of play at full speed.
FRAME_MS = 16


class Animator(QObject):
    #: the shown phase, its t, or the phase list changed: views redraw
    frame = Signal()
    #: play started or stopped (True when playing)
    playing_changed = Signal(bool)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        #: the phases of the step being shown, in order, as the engine recorded them
        self.records: list = []
        #: index into records of the phase shown; -1 = none (the network at rest)
        self.index = -1
        #: tween position of the shown phase, 0..1
        self.t = 1.0
        self.phase_ms = SPEEDS_MS[2]
        #: play: stop after this many steps (None = no limit) or below this loss
        self.max_steps: int | None = None
        self.target_loss: float | None = None
        self._steps_at_play = 0
        self._tween = QTimer(self)
        self._tween.setInterval(FRAME_MS)
        self._tween.timeout.connect(self._on_tween)
        self._tween_start = 0.0
        self._play = QTimer(self)
        self._play.setInterval(FRAME_MS)
        self._play.timeout.connect(self._on_play_tick)
        self._steps_per_tick = 1
        #: True while the animator itself asks the session to change the network
        self._driving = False
        session.step_abandoned.connect(self._on_step_abandoned)
        session.structure_changed.connect(self._show_rest)
        session.parameters_changed.connect(self._on_parameters_changed)
        session.diverged.connect(self._on_diverged)

    # -- what is shown ---------------------------------------------------------------

    @property
    def current(self):
        """The shown phase record, or None."""
        return self.records[self.index] if self.index >= 0 else None

    @property
    def depth(self) -> int:
        return self.session.network.depth

    def phase_text(self) -> str:
        """Where we are, e.g. "Forward · layer 2 of 4", for the phase indicator."""
        record = self.current
        depth = self.depth
        step = self.session.trainer.steps_done
        if record is None:
            return f"Ready · step {step + 1} next"
        if isinstance(record, ForwardRecord):
            text = f"Forward · layer {record.layer} of {depth}"
        elif isinstance(record, LossRecord):
            text = "Loss"
        elif isinstance(record, BackwardRecord):
            text = f"Backward · layer {record.layer} of {depth}"
        else:
            text = "Update" if record.applied else "Update skipped (diverged)"
        batch = len(self.records[0].inputs) if self.records else 0
        return f"{text} · step {self._shown_step() + 1} · batch of {batch}"

    def _shown_step(self) -> int:
        steps = self.session.trainer.steps_done
        complete = bool(self.records) and isinstance(self.records[-1], UpdateRecord)
        return steps - 1 if complete else steps

    @property
    def step_complete(self) -> bool:
        return bool(self.records) and isinstance(self.records[-1], UpdateRecord)

    # -- stepping ------------------------------------------------------------------------

    def set_phase_ms(self, ms: int) -> None:
        self.phase_ms = max(0, int(ms))

    def next_phase(self) -> None:
        """Show the next phase: replay a recorded one, or ask the engine for the next."""
        self._finish_tween()
        if self.index < len(self.records) - 1:
            self.index += 1
        else:
            if self.step_complete:
                self.records = []
                self.index = -1
            self.records.append(self._drive(self.session.next_phase))
            self.index = len(self.records) - 1
        self._start_tween()

    def previous_phase(self) -> None:
        """Show the previous recorded phase (display only: nothing is recomputed)."""
        self._finish_tween()
        if self.index >= 0:
            self.index -= 1
        self.t = 1.0
        self.frame.emit()

    def full_step(self) -> None:
        """Finish the step in progress, or take one whole step; shows its update."""
        self._finish_tween()
        if self.records and not self.step_complete:
            while not self.step_complete:
                self.records.append(self._drive(self.session.next_phase))
        else:
            records = self._drive(self.session.train, 1)
            if not records:
                return
            self.records = list(records[-1].phases)
        self.index = len(self.records) - 1
        self._start_tween()

    def reset(self) -> None:
        """Back to the initial weights; the shown pass is forgotten."""
        self.pause()
        self._finish_tween()
        self.session.reset_parameters()
        self._show_rest()

    # -- tween ------------------------------------------------------------------------

    def _start_tween(self) -> None:
        if self.phase_ms <= 0:
            self.t = 1.0
            self.frame.emit()
            return
        self.t = 0.0
        self._tween_start = time.perf_counter()
        self._tween.start()
        self.frame.emit()

    def _on_tween(self) -> None:
        elapsed_ms = (time.perf_counter() - self._tween_start) * 1000.0
        self.t = min(1.0, elapsed_ms / self.phase_ms)
        if self.t >= 1.0:
            self._tween.stop()
        self.frame.emit()

    def _finish_tween(self) -> None:
        if self._tween.isActive():
            self._tween.stop()
            self.t = 1.0

    @property
    def animating(self) -> bool:
        return self._tween.isActive()

    # -- play ----------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self._play.isActive()

    def play(self) -> None:
        if self.playing:
            return
        self._steps_at_play = self.session.trainer.steps_done
        self._steps_per_tick = 1
        self._play.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if self.playing:
            self._play.stop()
            self.playing_changed.emit(False)

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def _should_stop(self) -> bool:
        done = self.session.trainer.steps_done - self._steps_at_play
        if self.max_steps is not None and done >= self.max_steps:
            return True
        last = self.session.last_step
        return (self.target_loss is not None and last is not None
                and last.loss.loss <= self.target_loss)

    def _on_play_tick(self) -> None:
        if self._should_stop():
            self.pause()
            return
        if self.phase_ms > 0:
            # Slow play: every phase is animated; move on when the tween is done.
            if not self.animating:
                self.next_phase()
            return
        # Full speed: as many steps as fit in about 3/4 of a frame, drawn once.
        steps = self._steps_per_tick
        if self.max_steps is not None:
            steps = min(steps, self.max_steps
                        - (self.session.trainer.steps_done - self._steps_at_play))
        started = time.perf_counter()
        records = self._drive(self.session.train, max(1, steps))
        elapsed = time.perf_counter() - started
        if records:
            self.records = list(records[-1].phases)
            self.index = len(self.records) - 1
            self.t = 1.0
            self.frame.emit()
        budget = FRAME_MS * 0.75 / 1000.0
        per_step = elapsed / max(1, len(records))
        self._steps_per_tick = max(1, min(10_000, int(budget / max(per_step, 1e-7))))

    # -- session events ---------------------------------------------------------------------

    def _drive(self, call, *args):
        """Run a session call that changes the network on the animator's behalf."""
        self._driving = True
        try:
            return call(*args)
        finally:
            self._driving = False

    def _show_rest(self) -> None:
        """Show the network at rest: no phase, current weights."""
        self._finish_tween()
        self.records, self.index, self.t = [], -1, 1.0
        self.frame.emit()

    def _on_step_abandoned(self) -> None:
        if self.records and not self.step_complete:
            self._show_rest()

    def _on_parameters_changed(self) -> None:
        # An edit, undo or reset: the shown pass no longer describes these weights.
        if not self._driving and self.records:
            self._show_rest()

    def _on_diverged(self, record) -> None:
        self.pause()
