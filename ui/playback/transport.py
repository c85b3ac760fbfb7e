"""The transport bar: step through a training step phase by phase, take whole steps,
play, reset; the speed, the stop conditions, the phase indicator and the step counter.

The buttons are the window's transport actions (``bpsim.ui.actions.TRANSPORT``); the
window connects them to the animator.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (QCheckBox, QFrame, QGridLayout, QHBoxLayout, QLabel,
                               QLineEdit, QSizePolicy, QSlider, QToolBar, QToolButton,
                               QWidget)

from bpsim.notation.numbers import format_number, parse_number

from .animator import DEFAULT_SPEED, SPEEDS, Animator
from .phase_drawing import PhaseDrawing
from ..widgets import ERROR_COLOUR, NumberField

DEFAULT_MAX_STEPS = 1000
DEFAULT_TARGET_LOSS = 0.01
#: the phase indicator's text size relative to the window's
INDICATOR_SCALE = 1.35
#: plain keys a focused slider keeps for itself (reached with Tab; a click gives no focus)
SLIDER_KEYS = (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown,
               Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Up, Qt.Key.Key_Down)


class KeyboardSlider(QSlider):
    """A slider that is reached with Tab (clicking it does not take the keyboard away
    from the transport) and keeps its arrow keys while it has the focus."""

    def __init__(self, parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in SLIDER_KEYS:
            event.accept()
            return True
        return super().event(event)


class TransportBar(QToolBar):
    """◀ ▶ ⏭ ⏯ ⟲ (``actions``, each a button named ``<action>_button``), the speed
    slider, stop conditions, the phase indicator, the step."""

    def __init__(self, animator: Animator, phase_drawing: PhaseDrawing,
                 actions: list[QAction], parent=None):
        super().__init__("Transport", parent)
        self.setObjectName("transport")
        self.setAccessibleName("Transport")
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.animator = animator
        self.phase_drawing = phase_drawing
        session = animator.session

        for action in actions:
            self.addAction(action)
            button = self.widgetForAction(action)
            button.setAccessibleName(action.text().replace("&", ""))
            button.setObjectName(f"{action.objectName()}_button")
        self.addSeparator()

        self.speed_slider = KeyboardSlider()
        self.speed_slider.setObjectName("speed_slider")
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setPageStep(1)
        self.speed_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.speed_slider.setAccessibleName("Animation speed")
        self.speed_slider.setToolTip(
            "Animation speed: each phase animated (1.2 s to 0.15 s per phase), or instant: "
            "play runs whole steps, 10 or 60 a second or as fast as possible")
        self.speed_label = QLabel()
        self.speed_label.setObjectName("speed_label")
        self.speed_label.setMinimumWidth(max(
            self.speed_label.fontMetrics().horizontalAdvance(s.label) for s in SPEEDS) + 8)
        self.speed_label.setToolTip(self.speed_slider.toolTip())
        self.speed_label.setAccessibleName("Speed")
        self.speed_slider.setFixedWidth(120)
        speed_box = _row(QLabel("Speed"), self.speed_slider, self.speed_label)
        self.addWidget(speed_box)
        self.addSeparator()

        # Stop conditions live in a small popup: the bar must fit a 1280-pixel screen.
        self.stop_popup = QFrame(self, Qt.WindowType.Popup)
        self.stop_popup.setObjectName("stop_conditions")
        self.stop_popup.setFrameShape(QFrame.Shape.StyledPanel)
        self.max_steps_check = QCheckBox("Stop after")
        self.max_steps_check.setObjectName("stop_after_steps")
        self.max_steps_check.setToolTip("Play stops after this many steps")
        self.max_steps_check.setAccessibleName("Stop after a number of steps")
        self.max_steps_field = NumberField(
            DEFAULT_MAX_STEPS, minimum=1, maximum=100_000_000, integer=True,
            name="Steps to play", tooltip="How many steps play runs before it stops")
        self.max_steps_field.setFixedWidth(110)
        self.target_check = QCheckBox("Stop at loss J ≤")
        self.target_check.setObjectName("stop_at_loss")
        self.target_check.setToolTip("Play stops at the first step whose loss J is at "
                                     "most this value")
        self.target_check.setAccessibleName("Stop at a target loss")
        self.target_field = NumberField(
            DEFAULT_TARGET_LOSS, minimum=0.0, name="Target loss",
            tooltip="Play stops when the loss J of a step is at most this value")
        self.target_field.setFixedWidth(110)
        form = QGridLayout(self.stop_popup)
        form.addWidget(self.max_steps_check, 0, 0)
        form.addWidget(self.max_steps_field, 0, 1)
        form.addWidget(QLabel("steps"), 0, 2)
        form.addWidget(self.target_check, 1, 0)
        form.addWidget(self.target_field, 1, 1)
        self.stop_button = QToolButton()
        self.stop_button.setObjectName("stop_conditions_button")
        self.stop_button.setAccessibleName("When play stops")
        self.stop_button.setToolTip("When play stops by itself: after a number of steps, "
                                    "or once the loss is small enough")
        self.stop_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.stop_button.clicked.connect(self._show_stop_popup)
        self.addWidget(self.stop_button)
        self.addSeparator()

        # predict, then reveal: the class's guess of the hidden number, typed before
        # the reveal (shown only in that mode)
        self.guess_field = QLineEdit()
        self.guess_field.setObjectName("guess_field")
        self.guess_field.setPlaceholderText("your guess")
        self.guess_field.setAccessibleName("Your guess of the hidden number")
        self.guess_field.setToolTip("Type a guess of the number shown as “?” and press "
                                    "Enter; the reveal says how close it was")
        self.guess_field.setFixedWidth(110)
        self.guess_field.returnPressed.connect(self._on_guess)
        self.guess_message = QLabel()
        self.guess_message.setObjectName("guess_message")
        self.guess_message.setAccessibleName("Guess refused")
        self.guess_message.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.guess_box = _row(QLabel("Guess"), self.guess_field, self.guess_message)
        self.guess_action = self.addWidget(self.guess_box)
        self.guess_action.setVisible(False)
        self._hidden_moment = None
        animator.reveal_mode_changed.connect(self._on_reveal_mode)
        animator.frame.connect(self._on_reveal_frame)

        self.step_counter = QLabel()
        self.step_counter.setObjectName("step_counter")
        self.step_counter.setAccessibleName("Step counter")
        self.step_counter.setToolTip("The training step the canvas shows: next (not "
                                     "taken yet), in progress (its phases are shown) or "
                                     "done; counted from 1 since the initial weights")
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        self.addWidget(self.step_counter)
        #: the phase indicator: the large first line of the banner above the canvas
        self.indicator = phase_drawing.banner.headline
        self.set_text_scale(1.0)

        self.speed_slider.valueChanged.connect(self._on_speed)
        self.max_steps_check.toggled.connect(self._on_stop_conditions)
        self.max_steps_field.value_committed.connect(self._on_stop_conditions)
        self.target_check.toggled.connect(self._on_stop_conditions)
        self.target_field.value_committed.connect(self._on_stop_conditions)
        animator.frame.connect(self._update_counter)
        session.parameters_changed.connect(self._update_counter)
        session.history_changed.connect(self._update_counter)
        self.speed_slider.setValue(DEFAULT_SPEED)
        self._on_speed(DEFAULT_SPEED)
        self._on_stop_conditions()
        self._update_counter()

    def set_text_scale(self, scale: float) -> None:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * INDICATOR_SCALE if font.pointSizeF() > 0
                           else 16.0 * scale)
        font.setBold(True)
        self.step_counter.setFont(font)

    def _on_speed(self, position: int) -> None:
        speed = SPEEDS[position]
        self.animator.set_speed(speed)
        self.speed_label.setText(speed.label)
        self.speed_slider.setAccessibleDescription(speed.label)

    def _show_stop_popup(self) -> None:
        popup = self.stop_popup
        popup.adjustSize()
        popup.move(self.stop_button.mapToGlobal(self.stop_button.rect().bottomLeft()))
        popup.show()
        self.max_steps_check.setFocus()

    def _on_stop_conditions(self, *_args) -> None:
        animator = self.animator
        animator.max_steps = (int(self.max_steps_field.value())
                              if self.max_steps_check.isChecked() else None)
        animator.target_loss = (self.target_field.value()
                                if self.target_check.isChecked() else None)
        rules = []
        if animator.max_steps is not None:
            rules.append(f"after {animator.max_steps} steps")
        if animator.target_loss is not None:
            rules.append(f"at J ≤ {format_number(animator.target_loss)}")
        words = " or ".join(rules) if rules else "never"
        self.stop_button.setText(f"Stop: {words} ▾")

    def _on_reveal_mode(self, on: bool) -> None:
        self.guess_action.setVisible(on)
        self.guess_field.clear()
        self.guess_message.clear()

    def _on_reveal_frame(self) -> None:
        """A new hidden number: the last guess is cleared for the next one."""
        animator = self.animator
        moment = (id(animator.current), animator.hidden) if animator.hidden else None
        if moment is not None and moment != self._hidden_moment:
            self.guess_field.clear()
            self.guess_message.clear()
        self._hidden_moment = moment

    def _on_guess(self) -> None:
        text = self.guess_field.text()
        if not text.strip():
            self.guess_message.clear()
            self.animator.set_guess(None)
            return
        try:
            guess = parse_number(text)
        except ValueError as error:
            self.guess_message.setText(f"{error}: type a number such as 0.5 or −1,2")
            return
        self.guess_message.clear()
        self.animator.set_guess(guess)
        # back to the clicker: → (a plain key) reveals instead of moving the cursor
        self.guess_field.clearFocus()

    def _update_counter(self, *_args) -> None:
        # the banner's numbering: the step shown, not the count of steps taken
        self.step_counter.setText(self.animator.step_counter_text())


def _row(*widgets) -> QWidget:
    box = QWidget()
    box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
    layout = QHBoxLayout(box)
    layout.setContentsMargins(4, 0, 4, 0)
    layout.setSpacing(6)
    for widget in widgets:
        layout.addWidget(widget)
    return box
