"""Predict, then reveal, beyond the canvas: while the animator hides a number, the
views that would give it away are covered.

The docks and plots follow the session, not the animator: the phase that asks for a
number has already been recorded when it is asked, so the Math dock would write
"(0.3 − 1)² = 0.49" beside the canvas's "J = ?", the Inspector would show the new
weight, the Layer focus and Computational graph docks their δ and ∂J/∂w, the plots
their newest point.  The one rule: while ``animator.hidden``, each covered view shows
a note instead of its numbers; the reveal uncovers it, up to date (the views go on
refreshing underneath, so nothing is held back or recomputed).  Going back to a
revealed number hides it, and covers the views, again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QLabel, QWidget

#: what a covered view says instead of its numbers
COVER_TEXT = "Hidden until the reveal:\npredict the number asked on the canvas,\nthen → reveals it"


class RevealCover(QObject):
    """Covers the added views while the animator hides a number."""

    #: the views were covered (True) or uncovered (False)
    covered_changed = Signal(bool)

    def __init__(self, animator, parent=None):
        super().__init__(parent)
        self.animator = animator
        self._docks: list[QDockWidget] = []
        #: the note over each covered content widget, by the widget
        self._notes: dict[QWidget, QLabel] = {}
        self.covered = False
        animator.frame.connect(self._on_frame)

    def add(self, dock: QDockWidget) -> None:
        """Cover ``dock``'s content while a number is hidden (from now on)."""
        if dock not in self._docks:
            self._docks.append(dock)
            self._cover(dock, self.covered)

    def _on_frame(self) -> None:
        # the animator redraws 60 times a second: act only when hidden changes
        covered = bool(self.animator.hidden)
        if covered == self.covered:
            return
        self.covered = covered
        for dock in self._docks:
            self._cover(dock, covered)
        self.covered_changed.emit(covered)

    def is_covered(self, widget: QWidget) -> bool:
        """``widget`` sits under a shown note (what a person sees of it: the note)."""
        for content, note in self._notes.items():
            if not note.isHidden() and (widget is content or content.isAncestorOf(widget)):
                return True
        return False

    def _cover(self, dock: QDockWidget, covered: bool) -> None:
        content = dock.widget()
        if content is None:
            return
        note = self._notes.get(content)
        if note is None:
            if not covered:
                return
            note = QLabel(COVER_TEXT, content)
            note.setObjectName("reveal_cover")
            note.setAlignment(Qt.AlignmentFlag.AlignCenter)
            note.setWordWrap(True)
            note.setAutoFillBackground(True)  # opaque: nothing of the view shows through
            note.setAccessibleName("Hidden until the reveal")
            content.installEventFilter(self)
            self._notes[content] = note
        if covered:
            note.setGeometry(content.rect())
            note.raise_()
        note.setVisible(covered)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize and watched in self._notes:
            self._notes[watched].setGeometry(watched.rect())
        return False
