"""Small reusable widgets: a number field that refuses what is not a number, the same
field paired with a slider, and a wrapped label that keeps the height its text needs.

Typed input is validated here, once: "abc", "nan", "inf", an empty field and values
out of range are refused with a visible message (red border and a line of text under
the field) and the previous value stays.  A valid value is announced by
``value_committed(float)`` on Enter or when the field loses focus, never while typing.
Numbers are read and written by :mod:`bpsim.notation.numbers`; a field made with
:meth:`NumberField.for_setting` takes its range, words and tooltip from the settings
table, so it accepts exactly what a scenario file may hold.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSlider, QVBoxLayout, QWidget

from bpsim.notation.numbers import format_number, parse_number
from bpsim.settings_spec import Setting

from . import theme

# format_number and parse_number stay importable from here for the views that read
# and write numbers beside these fields
__all__ = ["ERROR_COLOUR", "NumberField", "NumberSlider", "WrappedLabel", "format_number",
           "parse_number", "slider_half_range"]

ERROR_COLOUR = theme.ERROR

#: significant digits a field shows.  The field keeps the exact value: Enter on text
#: nobody edited commits nothing, so a weight of 4.299999999999999 shows as "4.3"
#: without ever becoming 4.3 (a typed value has few digits and shows exactly).
FIELD_DIGITS = 6


class _WholeNumberEdit(QLineEdit):
    """A line edit never narrower than the number it shows (×10⁻⁷ and a sign are long):
    a squeezed dock gives way elsewhere (its scroll area, the canvas) instead of cutting
    the digits off."""

    PADDING = 16  # frame and text margins, both sides

    def __init__(self, parent=None):
        super().__init__(parent)
        self.textChanged.connect(self._fit_text)

    def _fit_text(self, *_args) -> None:
        needed = self.fontMetrics().horizontalAdvance(self.text()) + self.PADDING
        if needed > self.minimumWidth() or needed < self.minimumWidth() - 40:
            self.setMinimumWidth(needed)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_text()


class NumberField(QWidget):
    """A line edit for one number, with the refusal message right under it.

    ``set_value`` (programmatic, emits nothing) shows a value; typing and pressing
    Enter, or leaving the field, commits: a valid new value emits ``value_committed``,
    anything else shows why and puts the previous value back.  Escape reverts.
    """

    value_committed = Signal(float)
    #: the message shown after a refused entry (also for tests and screen readers)
    refused = Signal(str)

    def __init__(self, value: float = 0.0, minimum: float | None = None,
                 maximum: float | None = None, integer: bool = False,
                 name: str = "", tooltip: str = "", parent=None,
                 setting: Setting | None = None):
        super().__init__(parent)
        self._value = float(value)
        self._minimum, self._maximum = minimum, maximum
        self._integer = integer
        self._tooltip = tooltip
        #: when given, the range (open or closed ends) comes from the settings table
        self.setting = setting

        self.edit = _WholeNumberEdit(self)
        self.edit.setStyleSheet(
            f'QLineEdit[invalid="true"] {{ border: 2px solid {ERROR_COLOUR}; }}')
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.message.setVisible(False)
        self.message.setAccessibleName("Input error")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.message)
        self.setFocusProxy(self.edit)

        if name:
            self.set_accessible_name(name)
        if tooltip:
            self.setToolTip(tooltip)
        self.edit.returnPressed.connect(self.commit)
        self.edit.editingFinished.connect(self.commit)
        self.edit.textEdited.connect(self._on_text_edited)
        self._show(self._value)

    @classmethod
    def for_setting(cls, setting: Setting, value: float | None = None,
                    parent=None) -> "NumberField":
        """A field for one entry of the settings table: its title as the accessible
        name, its tooltip with the range, its type and its range."""
        return cls(setting.default if value is None else value,
                   integer=setting.kind == "int", name=setting.title, tooltip=setting.help,
                   parent=parent, setting=setting)

    # -- public API --------------------------------------------------------------

    def value(self) -> float:
        return self._value

    def text(self) -> str:
        return self.edit.text()

    def set_value(self, value: float) -> None:
        """Show ``value`` (no signal); clears a previous refusal message."""
        self._value = float(value)
        self._show(self._value)
        self._set_message("")

    def set_range(self, minimum: float | None, maximum: float | None) -> None:
        self._minimum, self._maximum = minimum, maximum

    def set_accessible_name(self, name: str) -> None:
        self.setAccessibleName(name)
        self.edit.setAccessibleName(name)

    def setToolTip(self, text: str) -> None:  # noqa: N802 (Qt override)
        self._tooltip = text
        super().setToolTip(text)
        self.edit.setToolTip(text)

    def message_text(self) -> str:
        """The refusal message currently shown ("" when none)."""
        return self.message.text() if not self.message.isHidden() else ""

    def commit(self) -> bool:
        """Validate the typed text; True if a new value was committed."""
        text = self.edit.text()
        if text == self._shown_text:
            return False  # nothing typed (focus passing through, Enter on the shown value)
        try:
            value = self._parse(text)
        except ValueError as refusal:
            self._show(self._value)
            message = f"{refusal}; kept {self._shown_text}"
            self._set_message(message)
            self.refused.emit(message)
            return False
        self._set_message("")
        if value == self._value:
            self._show(value)
            return False
        self._value = value
        self._show(value)
        self.value_committed.emit(value)
        return True

    # -- internals -----------------------------------------------------------------

    def _parse(self, text: str) -> float:
        if self.setting is None:
            return parse_number(text, self._minimum, self._maximum, self._integer)
        value = parse_number(text, integer=self._integer)
        if not self.setting.contains(value):
            raise ValueError(f"Must be {self.setting.describe_range()}")
        return value

    def _show(self, value: float) -> None:
        self._shown_text = (str(int(value)) if self._integer
                            else format_number(value, FIELD_DIGITS))
        with QSignalBlocker(self.edit):
            self.edit.setText(self._shown_text)
        self.edit._fit_text()  # its textChanged was blocked

    def _set_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.edit.setProperty("invalid", bool(text))
        # re-apply the style sheet so the [invalid="true"] border follows the property
        self.edit.style().unpolish(self.edit)
        self.edit.style().polish(self.edit)
        self.edit.setToolTip(f"{text}\n\n{self._tooltip}" if text else self._tooltip)
        self.edit.setAccessibleDescription(text)

    def _on_text_edited(self, _text: str) -> None:
        if not self.message.isHidden():
            self._set_message("")

    def keyPressEvent(self, event):  # noqa: N802 (Qt override)
        if event.key() == Qt.Key.Key_Escape:
            self._show(self._value)
            self._set_message("")
            return
        super().keyPressEvent(event)


def slider_half_range(value: float) -> float:
    """R in the slider's range [−R, R]: R = max(1, 2|w|), so the value sits well inside
    it and the sign can be flipped by dragging.  Capped at the largest float: a typed
    1e308 gives R = 1.8e308, not infinity."""
    return max(1.0, min(2.0 * abs(value), sys.float_info.max))


class NumberSlider(QWidget):
    """A :class:`NumberField` with a slider over [−R, R], R = max(1, 2|value|).

    Typing emits ``value_committed``; moving the slider emits ``value_dragged(value,
    gesture)`` where ``gesture`` stays the same for one press-drag-release, so the
    receiver can merge one drag into a single undo entry.  The range is recomputed
    around the value whenever the slider is not held down.
    """

    STEPS = 1000

    value_committed = Signal(float)
    value_dragged = Signal(float, int)

    def __init__(self, value: float = 0.0, name: str = "", tooltip: str = "", parent=None):
        super().__init__(parent)
        self._value = float(value)
        self._half_range = slider_half_range(self._value)
        self._gesture = 0
        self.field = NumberField(value, name=name, tooltip=tooltip)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, self.STEPS)
        self.slider.setPageStep(self.STEPS // 20)
        self.slider.setSingleStep(1)
        self.slider.setMinimumWidth(120)
        self.range_label = QLabel()
        self.range_label.setAccessibleName(f"{name} slider range" if name else "Slider range")

        slider_row = QHBoxLayout()
        slider_row.setContentsMargins(0, 0, 0, 0)
        slider_row.addWidget(self.slider, 1)
        slider_row.addWidget(self.range_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.field)
        layout.addLayout(slider_row)

        if name:
            self.field.set_accessible_name(name)
            self.slider.setAccessibleName(f"{name} slider")
        self.slider.setToolTip(
            "Drag to change the value; one drag is one undo step.\n"
            "The slider spans ±max(1, 2·|value|) and re-centres when released.")
        if tooltip:
            self.field.setToolTip(tooltip)

        self.field.value_committed.connect(self._on_field_committed)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.slider.sliderPressed.connect(self._on_slider_pressed)
        self.slider.sliderReleased.connect(self._on_slider_released)
        self._place_slider()

    def value(self) -> float:
        return self._value

    def set_value(self, value: float) -> None:
        """Show ``value`` (no signal).  While the slider is held, only the field follows."""
        self._value = float(value)
        self.field.set_value(value)
        if not self.slider.isSliderDown():
            self._place_slider()

    def slider_value(self, position: int) -> float:
        """The value at slider position ``position`` (0..STEPS)."""
        r = self._half_range
        # r·(2p/STEPS − 1), not −r + 2r·p/STEPS: 2r overflows for r near the largest float
        return r * (2.0 * position / self.STEPS - 1.0)

    def _place_slider(self) -> None:
        self._half_range = slider_half_range(self._value)
        r = self._half_range
        # (value + r)/(2r), written so that no sum or product overflows: |value| ≤ r
        position = round((0.5 + 0.5 * (self._value / r)) * self.STEPS)
        with QSignalBlocker(self.slider):
            self.slider.setValue(position)
        self.range_label.setText(f"±{format_number(r, 3)}")

    def _on_field_committed(self, value: float) -> None:
        self._gesture += 1
        self._value = value
        self._place_slider()
        self.value_committed.emit(value)

    def _on_slider_pressed(self) -> None:
        self._gesture += 1

    def _on_slider_released(self) -> None:
        self._gesture += 1
        self._place_slider()

    def _on_slider_value_changed(self, position: int) -> None:
        # keyboard moves in a row share the gesture of the last release, so they merge too
        value = self.slider_value(position)
        # round to what the slider can resolve, so the undo text reads 0.52, not 0.5200000001
        rounded = float(f"{value:.3g}")
        value = rounded if abs(rounded) <= sys.float_info.max else value  # not 1.8e308 = inf
        self._value = value
        self.field.set_value(value)
        self.value_dragged.emit(value, self._gesture)


class WholeLabel(QLabel):
    """A one-line label (a number) never narrower than its text: a bold, enlarged value
    such as 0.004368 is not cut by a form squeezing its column."""

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        super().setText(text)
        self._fit_text()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_text()

    def _fit_text(self) -> None:
        margin = 2 * self.margin() + self.contentsMargins().left() + \
            self.contentsMargins().right()
        widest = max((self.fontMetrics().horizontalAdvance(line)
                      for line in self.text().split("\n")), default=0)
        self.setMinimumWidth(widest + margin + 2)


class WrappedLabel(QLabel):
    """A word-wrapped label whose minimum height is what its text needs at its width.

    A dock squeezed by its neighbours (the right column at 1280×720, larger text) would
    otherwise give a wrapped line of text less height than its lines: the dock's
    minimum follows the text instead, and the scrolling parts beside it give way."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setWordWrap(True)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        super().setText(text)
        self._follow_text()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._follow_text()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._follow_text()

    def _follow_text(self) -> None:
        needed = self.heightForWidth(self.width()) if self.width() > 0 else -1
        if needed > 0 and needed != self.minimumHeight():
            self.setMinimumHeight(needed)
