"""The history timeline: a slider over the training history's kept snapshots.

Scrubbing shows that step's weights on the canvas (and the engine's forward pass with
them) without touching the session's network; "Continue from here" branches training
from the snapshot as one undoable edit.  The last position of the slider is "now":
the network as it is.
"""

from __future__ import annotations

import sys

import numpy as np
from PySide6.QtGui import QAction, QUndoCommand
from PySide6.QtWidgets import QLabel, QToolBar

from bpsim.network import Network

from .transport import KeyboardSlider


def copy_history(history):
    """An independent copy of a History (its buffers copied; snapshots are immutable
    and shared), so that undo can put back rows a branch cut off."""
    clone = object.__new__(type(history))
    for name, value in vars(history).items():
        if isinstance(value, np.ndarray):
            value = value.copy()
        elif isinstance(value, list):
            value = list(value)
        setattr(clone, name, value)
    return clone


def branch_state(session, snapshot) -> tuple[dict, bool]:
    """The trainer state right after ``snapshot``'s step, and whether it is exact.

    Play keeps the trainer state only at the end of each burst of steps; for the steps
    in between, the engine replays training from the nearest kept state before them
    (same weights, same batches) and the replay must land on the snapshot's weights.
    Without such a state (or if the settings changed since), the batch order and
    momentum start afresh from the snapshot's weights."""
    if snapshot.trainer_state is not None:
        return snapshot.trainer_state, True
    anchor = session.history.snapshot_at(snapshot.step, with_state=True)
    if anchor is not None:
        trainer = session.scenario.copy().trainer()
        trainer.network.set_parameters(anchor.weights, anchor.biases)
        trainer.restore(anchor.trainer_state)
        for _ in range(snapshot.step - anchor.step):
            trainer.step()
        net = trainer.network
        if all(np.array_equal(a, b) for a, b in zip(
                [*net.weights, *net.biases], [*snapshot.weights, *snapshot.biases])):
            return trainer.state(), True
    fresh = session.scenario.copy().trainer()
    state = fresh.state()
    state["steps_done"] = snapshot.step + 1
    return state, False


class ContinueFromHereCommand(QUndoCommand):
    """Training branches from a history snapshot: its parameters and trainer state
    come back, the history after it is cut off.  Undo restores all three."""

    def __init__(self, session, snapshot, state: dict):
        super().__init__(f"Continue from step {snapshot.step + 1}")
        self.session = session
        net = session.network
        self.before = ((list(net.weights), list(net.biases)), session.trainer.state())
        self.after = ((list(snapshot.weights), list(snapshot.biases)), state)
        self._history_before = None

    def redo(self):
        session = self.session
        self._history_before = copy_history(session.history)
        (weights, biases), state = self.after
        session.set_trainer_state(state)  # cuts the history after the snapshot
        session.set_parameters(weights, biases)

    def undo(self):
        session = self.session
        (weights, biases), state = self.before
        session.set_trainer_state(state)
        session.history = self._history_before
        session.history_changed.emit()
        session.set_parameters(weights, biases)


class TimelineBar(QToolBar):
    """History ▸ slider ▸ "after step 120 · J = 0.012" ▸ Now ▸ Continue from here."""

    def __init__(self, window, animator, phase_drawing):
        super().__init__("History timeline", window)
        self.setObjectName("timeline")
        self.setAccessibleName("History timeline")
        self.setMovable(False)
        self.animator = animator
        self.phase_drawing = phase_drawing
        self.session = session = animator.session
        self._snapshots = []

        title = QLabel("History")
        title.setToolTip("Every training step is recorded; older ones are thinned out")
        self.addWidget(title)
        self.slider = KeyboardSlider()
        self.slider.setObjectName("timeline_slider")
        self.slider.setAccessibleName("History timeline")
        self.slider.setToolTip("Drag to see the weights after an earlier step (the "
                               "network itself is not changed); the right end is now")
        self.slider.setMinimumWidth(300)
        self.addWidget(self.slider)
        self.position_label = QLabel()
        self.position_label.setObjectName("timeline_position")
        self.position_label.setAccessibleName("Step shown by the timeline")
        self.position_label.setMinimumWidth(
            self.position_label.fontMetrics().horizontalAdvance(
                "after step 1,000,000 · J = −0.0000e−00") + 8)
        self.addWidget(self.position_label)

        self.now_action = QAction("Now", self)
        self.now_action.setObjectName("timeline_now")
        self.now_action.setToolTip("Back to the network as it is now")
        self.now_action.triggered.connect(self.to_now)
        self.addAction(self.now_action)
        self.continue_action = QAction("Continue from here", self)
        self.continue_action.setObjectName("continue_from_here")
        self.continue_action.setToolTip(
            "Train on from the step shown: its weights and batch order come back and "
            "the later history is dropped (Ctrl+Z undoes)")
        self.continue_action.triggered.connect(self.continue_from_here)
        self.addAction(self.continue_action)
        for action in (self.now_action, self.continue_action):
            button = self.widgetForAction(action)
            if button is not None:
                button.setAccessibleName(action.text())

        self.slider.valueChanged.connect(self._on_scrub)
        session.steps_recorded.connect(self.refresh)
        session.history_changed.connect(self.refresh)
        session.structure_changed.connect(self.refresh)
        session.parameters_changed.connect(self._on_parameters_changed)
        self.refresh()

    # -- state ------------------------------------------------------------------------

    @property
    def at_now(self) -> bool:
        return self.slider.value() >= len(self._snapshots)

    @property
    def snapshot(self):
        """The snapshot shown, or None at "now"."""
        position = self.slider.value()
        return self._snapshots[position] if position < len(self._snapshots) else None

    def refresh(self, *_args) -> None:
        """Follow the history: more steps, or cut back."""
        shown = self.snapshot
        was_now = self.at_now
        self._snapshots = self.session.history.snapshots
        count = len(self._snapshots)
        with_blocker = self.slider.blockSignals(True)
        try:
            self.slider.setRange(0, count)
            self.slider.setPageStep(max(1, count // 10))
            if was_now or shown is None:
                self.slider.setValue(count)
            else:
                steps = [s.step for s in self._snapshots]
                position = int(np.searchsorted(steps, shown.step))
                if position < count and self._snapshots[position].step == shown.step:
                    self.slider.setValue(position)
                else:
                    self.slider.setValue(count)
        finally:
            self.slider.blockSignals(with_blocker)
        self.slider.setEnabled(count > 0)
        self._show_position()
        if self.at_now and self.phase_drawing.snapshot is not None:
            self._show(None)

    def _on_parameters_changed(self) -> None:
        # An edit or undo while a snapshot is shown: show what the network is now.
        if not self.at_now and self.phase_drawing.snapshot is not None \
                and self.session.history.next_step <= self.phase_drawing.snapshot.step:
            self.to_now()

    def _on_scrub(self, _position: int) -> None:
        if self.animator.playing:
            self.animator.pause()
        self._show(self.snapshot)

    def _show(self, snapshot) -> None:
        self.phase_drawing.show_snapshot(snapshot)
        self._show_position()
        plots = sys.modules.get("bpsim.ui.plots")
        if plots is not None and hasattr(plots, "controller_for"):
            plots.controller_for(self.session).set_cursor(
                None if snapshot is None else snapshot.step)

    def _show_position(self) -> None:
        snapshot = self.snapshot
        if not self._snapshots:
            text = "no steps recorded yet"
        elif snapshot is None:
            text = f"now · step {self.session.trainer.steps_done}"
        else:
            from ..canvas.style import format_value

            text = f"after step {snapshot.step + 1} · J = {format_value(snapshot.loss)}"
        self.position_label.setText(text)
        self.position_label.setAccessibleDescription(text)
        self.continue_action.setEnabled(snapshot is not None)
        self.now_action.setEnabled(snapshot is not None)

    # -- actions ----------------------------------------------------------------------

    def to_now(self) -> None:
        if not self.at_now:
            with_blocker = self.slider.blockSignals(True)
            self.slider.setValue(len(self._snapshots))
            self.slider.blockSignals(with_blocker)
        if self.phase_drawing.snapshot is not None:
            self._show(None)
        else:
            self._show_position()

    def scrub_to_step(self, step: int) -> None:
        """Show the kept snapshot nearest at or before ``step`` (for tests and menus)."""
        steps = [s.step for s in self._snapshots]
        position = int(np.searchsorted(steps, step, side="right")) - 1
        self.slider.setValue(max(0, position))

    def continue_from_here(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        session = self.session
        try:
            Network(session.network.layers, session.network.activations,
                    snapshot.weights, snapshot.biases)
        except ValueError:
            session.message.emit("That step belongs to another architecture.")
            return
        state, exact = branch_state(session, snapshot)
        self.animator.pause()
        session.undo_stack.push(ContinueFromHereCommand(session, snapshot, state))
        if not exact:
            session.message.emit(
                f"Continuing from step {snapshot.step + 1} with its weights; its batch "
                "order and momentum were not kept, so they start afresh.")
        else:
            session.message.emit(
                f"Continuing from step {snapshot.step + 1} (Ctrl+Z undoes).")
        self.to_now()

