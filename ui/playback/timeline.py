"""The history timeline: a slider over the training history's kept snapshots.

Scrubbing shows that step's weights on the canvas (and the engine's forward pass with
them) without touching the session's network, and tells which step it shows
(``step_shown``: the plots draw their cursor there); "Continue from here" asks the
session to branch training from the snapshot, as one undoable edit.  The last position
of the slider is "now": the network as it is.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QToolBar

from bpsim.notation.numbers import format_number

from .transport import KeyboardSlider


class TimelineBar(QToolBar):
    """History ▸ slider ▸ "after step 120 · J = 0.012" ▸ Now ▸ Continue from here."""

    #: the history step whose snapshot is shown (StepRecord.step numbering), or None
    #: at "now"
    step_shown = Signal(object)

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
                "after step 1,000,000 · J = −0.0000×10⁻¹⁰") + 8)
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
        self.step_shown.emit(None if snapshot is None else snapshot.step)

    def _show_position(self) -> None:
        snapshot = self.snapshot
        if not self._snapshots:
            text = "no steps recorded yet"
        elif snapshot is None:
            text = f"now · step {self.session.steps_done}"
        else:
            text = f"after step {snapshot.step + 1} · J = {format_number(snapshot.loss)}"
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
        self.animator.pause()
        if self.session.continue_from(snapshot):
            self.to_now()

