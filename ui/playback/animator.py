"""Presentation state of the training step on screen: which recorded phase is shown
and how far its tween has run (t from 0 to 1).

The animator only reads records the engine produced (through the session).  Going
back (``previous_phase``), pausing, or replaying never changes a weight: the only calls
that change the network are ``session.next_phase()`` (when the user steps past the
last recorded phase), ``session.train()`` (full steps and play) and the undoable
reset.  ``bpsim.ui.playback.phase_drawing`` turns the shown record and t into what the canvas draws.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from bpsim.notation.numbers import format_number
from bpsim.trace import BackwardRecord, ForwardRecord, LossRecord, UpdateRecord


@dataclass(frozen=True)
class Speed:
    """One stop of the speed slider."""

    #: what the slider's label says
    label: str
    #: milliseconds each phase's animation takes; 0 = instant (no tween)
    phase_ms: int
    #: play at this many full steps per second (phase_ms 0 only); None = as fast as
    #: the machine trains
    steps_per_second: float | None = None


#: The speed slider's stops, slowest first.  The animated ones play phase by phase;
#: the instant ones play whole steps (the last as fast as the engine trains).
SPEEDS = (
    Speed("1.2 s / phase", 1200),
    Speed("0.8 s / phase", 800),
    Speed("0.5 s / phase", 500),
    Speed("0.3 s / phase", 300),
    Speed("0.15 s / phase", 150),
    Speed("10 steps/s", 0, 10.0),
    Speed("60 steps/s", 0, 60.0),
    Speed("full speed", 0, None),
)
#: index into SPEEDS of the speed a new window starts with
DEFAULT_SPEED = 2
#: The tween's and paced play's timer interval: about 60 frames a second.
FRAME_MS = 16
#: At full speed, the share of wall time given to training (the rest restyles and
#: repaints the views), and the length of one burst of steps between two looks at
#: the event loop (input stays responsive).
TRAIN_SHARE = 0.85
BURST_MS = 40.0
#: how often the frame pacing looks at the share of time training got, and the
#: longest time between two frames at full speed (the drawing still moves)
PACING_S = 0.25
MAX_FRAME_S = 0.3


class Animator(QObject):
    #: the shown phase, its t, or the phase list changed: views redraw
    frame = Signal()
    #: play started or stopped (True when playing)
    playing_changed = Signal(bool)
    #: a user-visible note about stepping (e.g. "the forward pass is done")
    note = Signal(str)
    #: predict-then-reveal was switched on or off (True: on)
    reveal_mode_changed = Signal(bool)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        #: the phases of the step being shown, in order, as the engine recorded them
        self.records: list = []
        #: dataset indices of the samples in the shown step's batch
        self.batch_indices: np.ndarray | None = None
        #: index into records of the phase shown; -1 = before the step's first phase
        self.index = -1
        #: tween position of the shown phase, 0..1
        self.t = 1.0
        self.phase_ms = SPEEDS[DEFAULT_SPEED].phase_ms
        #: paced play (instant speeds only): full steps per second, None = full speed
        self.steps_per_second: float | None = None
        #: play: stop after this many steps (None = no limit) or at this loss (None = never)
        self.max_steps: int | None = None
        self.target_loss: float | None = None
        #: why the last play stopped ("" while playing or before any play)
        self.stop_reason = ""
        self._steps_at_play = 0
        self._tween = QTimer(self)
        self._tween.setInterval(FRAME_MS)
        self._tween.timeout.connect(self._on_tween)
        self._tween_start = 0.0
        self._play = QTimer(self)
        self._play.setInterval(FRAME_MS)
        self._play.timeout.connect(self._on_play_tick)
        self._play_started = 0.0
        #: seconds one step takes in the window (session overhead included), measured
        #: by the bursts; None until the first burst of play (a single step) measured it
        self._seconds_per_step: float | None = None
        #: full speed: seconds between two frames (paced by _pace_frames)
        self._frame_interval = 0.05
        self._last_frame = 0.0
        self._pacing_since = 0.0
        self._training_seconds = 0.0
        #: True while the animator itself asks the session to change the network
        self._driving = False
        #: predict, then reveal: each phase is shown first with the number it computes
        #: hidden ("ŷ = ?"); the next press reveals it, the press after moves on
        self.reveal_mode = False
        #: the shown phase's number is hidden (reveal mode, until the next press)
        self.hidden = False
        #: what the class (or a student) typed as its guess of the hidden number
        self.guess: float | None = None
        session.step_abandoned.connect(self._on_step_abandoned)
        session.structure_changed.connect(self._show_rest)
        session.parameters_changed.connect(self._on_parameters_changed)
        session.diverged.connect(self._on_diverged)
        session.training_stopped.connect(self._on_training_stopped)
        session.structure_changed.connect(self._forget_step_time)
        session.data_changed.connect(self._forget_step_time)
        session.training_changed.connect(self._forget_step_time)

    # -- what is shown ----------------------------------------------------------------

    @property
    def current(self):
        """The shown phase record, or None."""
        return self.records[self.index] if self.index >= 0 else None

    @property
    def depth(self) -> int:
        return self.session.network.depth

    @property
    def step_complete(self) -> bool:
        return bool(self.records) and isinstance(self.records[-1], UpdateRecord)

    @property
    def step_record(self):
        """The StepRecord of the shown step once it is complete (else None)."""
        last = self.session.last_step
        if self.step_complete and last is not None and last.update is self.records[-1]:
            return last
        return None

    @property
    def shown_step(self) -> int:
        """0-based number of the step shown (or about to be taken, at rest)."""
        steps = self.session.steps_done
        return steps - 1 if self.step_complete else steps

    @property
    def batch_size(self) -> int:
        return len(self.records[0].inputs) if self.records else 0

    @property
    def shown_row(self) -> int:
        """Which row of the batch the canvas shows: the current sample's, if it is in
        the batch, else the first."""
        indices = self.batch_indices
        if indices is None or not len(indices):
            return 0
        found = np.flatnonzero(np.asarray(indices) == self.session.current_sample)
        return int(found[0]) if len(found) else 0

    @property
    def shown_sample(self) -> int | None:
        """Dataset index of the sample whose numbers the canvas shows (None at rest)."""
        if not self.records or self.batch_indices is None or not len(self.batch_indices):
            return None
        return int(self.batch_indices[self.shown_row])

    def sample_text(self) -> str:
        """Which sample the numbers on the canvas belong to, e.g. "sample 2 (of a
        batch of 4)"."""
        sample = self.shown_sample
        if sample is None:
            return f"sample {self.session.current_sample + 1}"
        size = self.batch_size
        if size <= 1:
            return f"sample {sample + 1}"
        note = "" if sample == self.session.current_sample else ", the batch's first"
        return f"sample {sample + 1} of a batch of {size}{note}"

    def phase_name(self) -> str:
        """Where we are in the step, e.g. "Forward · layer 2 of 4"."""
        record = self.current
        depth = self.depth
        if record is None:
            return "Before the step" if self.records else "Ready"
        shown = self.session.scenario.numbering.layer  # the lecture's numbers, if chosen
        if isinstance(record, ForwardRecord):
            return f"Forward · layer {shown(record.layer)} of {shown(depth)}"
        if isinstance(record, LossRecord):
            return "Loss"
        if isinstance(record, BackwardRecord):
            return f"Backward · layer {shown(record.layer)} of {shown(depth)}"
        return "Update" if record.applied else "Update skipped (diverged)"

    def step_status(self) -> tuple[int, str]:
        """The one step counter, read by the banner, the transport and the status bar:
        (the step's number counting from 1, "next" | "in progress" | "done").  The
        number is always the step the canvas is about: the one about to be taken at
        rest, the one whose pass is shown, the last one taken while playing."""
        steps = self.session.steps_done
        if self.playing and self.phase_ms <= 0:
            return (steps, "done") if steps else (1, "next")
        if not self.records:
            return steps + 1, "next"
        return self.shown_step + 1, "done" if self.step_complete else "in progress"

    def step_counter_text(self) -> str:
        """The step counter, e.g. "Step 4 in progress" (see :meth:`step_status`)."""
        number, state = self.step_status()
        return f"Step {number} {state}"

    def phase_text(self) -> str:
        """The phase indicator: phase, step and sample, e.g. "Forward · layer 2 of 4 ·
        step 3 · sample 2 of a batch of 4"."""
        number, state = self.step_status()
        if self.playing and self.phase_ms <= 0:
            return f"Training · step {number}"
        if self.current is None and not self.records:
            return f"Ready · step {number} {state}"
        return f"{self.phase_name()} · step {number} · {self.sample_text()}"

    # -- stepping ---------------------------------------------------------------------

    def set_phase_ms(self, ms: int) -> None:
        self.phase_ms = max(0, int(ms))
        if self.phase_ms <= 0 and self._tween.isActive():
            # an instant speed chosen mid-tween: the phase shown ends now (t = 1)
            self._finish_tween()
            self.frame.emit()

    def set_speed(self, speed: Speed) -> None:
        self.set_phase_ms(speed.phase_ms)
        self.steps_per_second = speed.steps_per_second
        if self.playing:
            if self.phase_ms <= 0:
                self._finish_step_on_screen()
            self._restart_play_clock()
            self._play.setInterval(0 if self._full_speed else FRAME_MS)

    @property
    def _full_speed(self) -> bool:
        return self.phase_ms <= 0 and self.steps_per_second is None

    def _finish_step_on_screen(self) -> None:
        """Whole steps are about to run: the step shown phase by phase is finished
        first (training whole steps would abandon it)."""
        if self.records and not self.step_complete:
            self.full_step()

    def _take_phase(self) -> None:
        """Ask the engine for the next phase record and append it (a new step starts
        when the shown one is complete)."""
        if self.step_complete or not self.records:
            self.records = []
            self.index = -1
            if not self.session.step_in_progress:
                # The batch the engine is about to draw, so the canvas can say which
                # samples it shows (peek does not consume it).
                self.batch_indices = self.session.next_batch_indices()
        self.records.append(self._drive(self.session.next_phase))

    def next_phase(self) -> None:
        """Show the next phase: replay a recorded one, or ask the engine for the next.
        In reveal mode a hidden number is revealed first (one press), then the next
        phase comes with its number hidden."""
        self._finish_tween()
        if self.hidden:
            self.hidden = False
            self.frame.emit()
            return
        if self.index < len(self.records) - 1:
            self.index += 1
        else:
            self._take_phase()
            self.index = len(self.records) - 1
        self._hide_next()
        self._start_tween()

    def previous_phase(self) -> None:
        """Show the previous recorded phase (display only: nothing is recomputed).  In
        reveal mode, back from a revealed number hides it again."""
        self._finish_tween()
        if self.reveal_mode and not self.hidden and self.current is not None:
            self.hidden = True
        else:
            if self.index >= 0:
                self.index -= 1
            self.hidden = False
            self.guess = None
        self.t = 1.0
        self.frame.emit()

    # -- predict, then reveal ---------------------------------------------------------

    def set_reveal_mode(self, on: bool) -> None:
        """Switch predict-then-reveal on or off; off shows every number at once."""
        on = bool(on)
        if on == self.reveal_mode:
            return
        self.reveal_mode = on
        self.hidden = False
        self.guess = None
        self.reveal_mode_changed.emit(on)
        self.frame.emit()

    def set_guess(self, guess: float | None) -> None:
        """The class's guess of the hidden number, compared with it at the reveal."""
        self.guess = guess
        self.frame.emit()

    def _hide_next(self) -> None:
        """A new phase is shown: in reveal mode its number starts hidden."""
        self.hidden = self.reveal_mode and self.current is not None and not self.playing
        self.guess = None

    def advance_to(self, kind: type) -> bool:
        """Step on until a phase of ``kind`` is shown (the phases passed on the way are
        recorded and can be replayed): the forward and backward kinds move one layer at
        a time.  From a finished step, a new step begins.  False (and a note) when the
        step on screen has no further phase of that kind."""
        self._finish_tween()
        current = self.current
        at_end = self.step_complete and self.index == len(self.records) - 1
        if self.records and not at_end and current is not None:
            note = self._no_further(current, kind)
            if note:
                self.note.emit(note)
                return False
        while True:
            if self.index < len(self.records) - 1:
                self.index += 1
            else:
                self._take_phase()
                self.index = len(self.records) - 1
            if isinstance(self.current, kind):
                break
        self._hide_next()
        self._start_tween()
        return True

    def _no_further(self, current, kind) -> str:
        """Why the step on screen has no further phase of ``kind`` ("" if it has)."""
        order = (ForwardRecord, LossRecord, BackwardRecord, UpdateRecord)
        names = {ForwardRecord: "forward pass", LossRecord: "loss",
                 BackwardRecord: "backward pass", UpdateRecord: "update"}
        now, wanted = order.index(type(current)), order.index(kind)
        if now > wanted or (now == wanted and kind in (LossRecord, UpdateRecord)):
            return (f"This step is past its {names[kind]}: press → to go on, or Enter to "
                    "finish the step.")
        if kind is ForwardRecord and now == wanted and current.layer == self.depth:
            return "The forward pass is done: press → for the loss."
        if kind is BackwardRecord and now == wanted and current.layer == 1:
            return "The backward pass is done: press U for the update."
        return ""

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
            self._show_step(records[-1])
        self.index = len(self.records) - 1
        self.hidden, self.guess = False, None  # a whole step shows all its numbers
        self._start_tween()

    def _show_step(self, step) -> None:
        self.records = list(step.phases)
        self.batch_indices = np.array(step.sample_indices)

    def reset(self) -> None:
        """Back to the initial weights (one undoable edit); the shown pass is forgotten."""
        from ..commands import ResetCommand  # commands imports the session module

        self.pause()
        self._finish_tween()
        session = self.session
        at_start = session.at_initial_parameters() and not session.step_in_progress
        if at_start:
            self._show_rest()
            session.message.emit("Already at the initial weights.")
            return
        session.undo_stack.push(ResetCommand(session))
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
        self.t = min(1.0, elapsed_ms / self.phase_ms) if self.phase_ms > 0 else 1.0
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

    # -- play -------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        return self._play.isActive()

    @property
    def steps_played(self) -> int:
        return self.session.steps_done - self._steps_at_play

    def play(self) -> None:
        if self.playing:
            return
        self._finish_tween()
        self.stop_reason = ""
        self.hidden = False  # play shows every number
        if self.phase_ms <= 0:
            self._finish_step_on_screen()
        self._steps_at_play = self.session.steps_done
        self._restart_play_clock()
        self._last_frame = self._pacing_since = time.perf_counter()
        self._training_seconds = 0.0
        # full speed: a tick whenever the event loop is idle; else about 60 a second
        self._play.setInterval(0 if self._full_speed else FRAME_MS)
        self._play.start()
        self.playing_changed.emit(True)
        self.frame.emit()

    def _restart_play_clock(self) -> None:
        self._play_started = time.perf_counter()
        self._steps_at_clock = self.session.steps_done

    def pause(self, reason: str = "") -> None:
        if self.playing:
            self._play.stop()
            if self.session.notification_pending:
                self._drive(self.session.notify_trained)
            self.stop_reason = reason
            self.playing_changed.emit(False)
            if self.phase_ms <= 0:
                last = self.session.last_step
                if last is not None and (last.diverged or not self.records):
                    self._show_step(last)
                    self.index, self.t = len(self.records) - 1, 1.0
            self.frame.emit()

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def _remaining_steps(self) -> int | None:
        if self.max_steps is None:
            return None
        return max(0, self.max_steps - self.steps_played)

    def _stop_reason(self) -> str | None:
        """Why play must stop now, or None."""
        if self._remaining_steps() == 0:
            return f"Stopped after {self.steps_played} steps."
        last = self.session.last_step
        if (self.target_loss is not None and last is not None and self.steps_played
                and last.loss.loss <= self.target_loss):
            return (f"Stopped at step {last.step + 1}: the loss "
                    f"{format_number(last.loss.loss)} reached the target "
                    f"{format_number(self.target_loss)}.")
        return None

    def _until(self):
        target = self.target_loss
        if target is None:
            return None
        return lambda record: record.loss.loss <= target

    def _on_play_tick(self) -> None:
        reason = self._stop_reason()
        if reason is not None:
            self.pause(reason)
            self.session.message.emit(reason)
            return
        if self.phase_ms > 0:
            # Animated play: every phase of every step, each tween run to its end.
            if not self.animating:
                self.next_phase()
            return
        if self.steps_per_second is not None:
            self._paced_tick()
        else:
            self._full_speed_tick()

    def _train(self, steps: int, notify: bool = True) -> list:
        remaining = self._remaining_steps()
        if remaining is not None:
            steps = min(steps, remaining)
        if steps <= 0:
            return []
        if self.records:
            # Whole steps replace the shown pass: the canvas shows the current state.
            self.records, self.index, self.t = [], -1, 1.0
            self.batch_indices = None
        return self._drive(self.session.train, steps, self._until(), notify)

    def _notify(self) -> None:
        """Let the views restyle for the steps trained quietly (one frame's worth)."""
        if self.session.notification_pending:
            self._drive(self.session.notify_trained)
        self.frame.emit()

    def _burst_steps(self) -> int:
        """How many steps fit in one burst of BURST_MS: one until a step was timed (a
        step of a big network on many samples can take a good part of a second)."""
        if self._seconds_per_step is None:
            return 1
        return max(1, int(BURST_MS / 1000.0 / self._seconds_per_step))

    def _timed_burst(self, steps: int) -> tuple[int, float]:
        """Train up to ``steps`` steps quietly; (steps taken, when it finished).  The
        time per step it measured sizes the next bursts."""
        session = self.session
        before = session.steps_done
        started = time.perf_counter()
        self._train(steps, notify=False)
        done = time.perf_counter()
        taken = session.steps_done - before
        if taken:
            per_step = (done - started) / taken
            previous = self._seconds_per_step
            # smoothed, so one slow burst (a garbage collection) barely moves it; but a
            # step that got slower (a bigger network) shrinks the next burst at once
            self._seconds_per_step = (per_step if previous is None or per_step > 2 * previous
                                      else 0.7 * previous + 0.3 * per_step)
        return taken, done

    def _paced_tick(self) -> None:
        elapsed = time.perf_counter() - self._play_started
        due = int(elapsed * self.steps_per_second) - (
            self.session.steps_done - self._steps_at_clock)
        if due > 0:
            self._timed_burst(min(due, self._burst_steps()))
            self._notify()

    def _full_speed_tick(self) -> None:
        # The timer fires whenever the event loop is idle: each tick trains for a short
        # burst (input stays responsive) without telling the views; they restyle and
        # the window repaints once per frame.  Frames come at most 60 times a second
        # and as often as leaves TRAIN_SHARE of the time to training: what a frame
        # costs (restyles, repaints, the plots' own timers) is not measured piece by
        # piece but seen in the share of time the bursts get.
        started = time.perf_counter()
        taken, done = self._timed_burst(self._burst_steps())
        self._training_seconds += done - started
        self._pace_frames(done)
        last = self.session.last_step
        stopping = (not taken or not self.playing or (last is not None and last.diverged)
                    or self._stop_reason() is not None)
        if stopping or done - self._last_frame >= self._frame_interval:
            self._notify()
            self._last_frame = time.perf_counter()

    def _pace_frames(self, now: float) -> None:
        """Every PACING_S, stretch or shrink the time between frames so that the share
        of time spent training approaches TRAIN_SHARE (the time outside training is
        mostly per frame, so it scales about inversely with the interval)."""
        elapsed = now - self._pacing_since
        if elapsed < PACING_S:
            return
        other = max(1e-3, 1.0 - self._training_seconds / elapsed)
        factor = min(2.0, max(0.5, other / (1.0 - TRAIN_SHARE)))
        self._frame_interval = min(MAX_FRAME_S, max(FRAME_MS / 1000.0,
                                                    self._frame_interval * factor))
        self._pacing_since, self._training_seconds = now, 0.0

    # -- session events ---------------------------------------------------------------

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
        self.batch_indices = None
        self.hidden, self.guess = False, None
        self.frame.emit()

    def _on_step_abandoned(self) -> None:
        if self.records and not self.step_complete:
            self._show_rest()

    def _on_parameters_changed(self) -> None:
        # An edit, undo or reset: the shown pass no longer describes these weights.
        if not self._driving and self.records:
            self._show_rest()

    def _on_diverged(self, record) -> None:
        if self.playing:
            self.pause(f"The loss diverged at step {record.step + 1}.")

    def _on_training_stopped(self, reason: str) -> None:
        # out of memory: the steps before the failed one are kept and shown
        if self.playing:
            self.pause(reason)

    def _forget_step_time(self, *_args) -> None:
        """Another network, data or settings: the next burst times a step again."""
        self._seconds_per_step = None

