"""The small line edit that opens on the canvas to type a value in place."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLineEdit, QToolTip

from bpsim.notation.numbers import parse_number

from .. import theme

_NORMAL = (f"QLineEdit {{ border: 2px solid {theme.POSITIVE}; border-radius: 4px;"
           f" padding: 2px 6px; background: {theme.PAPER}; color: {theme.INK}; }}")
_INVALID = (f"QLineEdit {{ border: 3px solid {theme.ERROR}; border-radius: 4px; padding: 2px 6px;"
            f" background: {theme.ERROR_BACKGROUND}; color: {theme.INK}; }}")


class InPlaceEditor(QLineEdit):
    """Enter commits (when the text is a finite number), Esc cancels.  Invalid text
    keeps the editor open with a red border and the reason as a tooltip."""

    #: the parsed value
    committed = Signal(float)
    cancelled = Signal()
    #: the text was refused (the reason)
    refused = Signal(str)

    def __init__(self, parent, text: str, what: str, font: QFont):
        super().__init__(parent)
        self.what = what
        self._initial = text
        self._closed = False
        self.setFont(font)
        self.setText(text)
        self.selectAll()
        self.setStyleSheet(_NORMAL)
        self.setAccessibleName(f"Edit {what}")
        self.setToolTip(f"Type a new value for {what}; Enter applies, Esc cancels")
        self.textEdited.connect(self._on_text_edited)

    def _on_text_edited(self, _text: str) -> None:
        self.setStyleSheet(_NORMAL)

    def _on_return(self) -> None:
        if self._closed:
            return
        if self.text().strip() == self._initial.strip():
            self.close_editor(cancelled=True)  # unchanged: no command, no rounding
            return
        try:
            value = parse_number(self.text())
        except ValueError as error:
            self.setStyleSheet(_INVALID)
            self.setToolTip(str(error))
            QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), str(error), self)
            self.refused.emit(str(error))
            return
        self._closed = True
        self.committed.emit(value)

    def close_editor(self, cancelled: bool = True) -> None:
        if self._closed:
            return
        self._closed = True
        if cancelled:
            self.cancelled.emit()

    @property
    def closed(self) -> bool:
        return self._closed

    def keyPressEvent(self, event) -> None:
        # Handled here and accepted: QLineEdit would pass Enter on to the canvas,
        # which would open the editor again.
        if event.key() == Qt.Key.Key_Escape:
            self.close_editor(cancelled=True)
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._on_return()
            event.accept()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        # Clicking elsewhere applies a valid new value and drops an invalid one.
        if self._closed or event.reason() == Qt.FocusReason.PopupFocusReason:
            return
        try:
            value = parse_number(self.text())
        except ValueError:
            self.close_editor(cancelled=True)
            return
        if self.text().strip() == self._initial.strip():
            self.close_editor(cancelled=True)
            return
        self._closed = True
        self.committed.emit(value)
