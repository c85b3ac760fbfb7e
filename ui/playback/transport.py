"""The transport bar: step through a training step phase by phase, take whole steps,
play, reset; the speed, the stop conditions, the phase indicator and the step counter.

``install_animation(window)`` puts the animation into a main window: the animator,
the phase_drawing that draws it on the canvas, this bar, the history timeline, and the
window's transport actions (``forward_step``, ``backward_step``, ``update_step``,
``full_step``, ``play_pause``, ``reset``, plus ``next_phase`` and ``previous_phase``)
wired to them.  Keys are window-wide; the window gives plain keys to a text field
that has the focus, so typing a number never steps the animation.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (QCheckBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QMenu,
                               QSizePolicy, QSlider, QStyle, QToolBar, QToolButton,
                               QWidget)

from bpsim.notation.numbers import format_number
from bpsim.trace import BackwardRecord, ForwardRecord, UpdateRecord

from .animator import DEFAULT_SPEED, SPEEDS, Animator
from .phase_drawing import PhaseDrawing
from ..widgets import NumberField

#: keys of the actions added here; the window's own transport actions keep theirs
NEXT_KEYS = ("Right", "Space", "PgDown")
PREVIOUS_KEYS = ("Left", "PgUp")
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


def _keys_text(action: QAction) -> str:
    return " or ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                       for k in action.shortcuts())


def _describe(action: QAction, tip: str) -> None:
    keys = _keys_text(action)
    text = f"{tip} ({keys})" if keys else tip
    action.setToolTip(text)
    action.setStatusTip(text)


class TransportBar(QToolBar):
    """◀ ▶ ⏭ ⏯ ⟲, the speed slider, stop conditions, the phase indicator, the step."""

    def __init__(self, window, animator: Animator, phase_drawing: PhaseDrawing):
        super().__init__("Transport", window)
        self.setObjectName("transport")
        self.setAccessibleName("Transport")
        self.setMovable(False)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.window_ = window
        self.animator = animator
        self.phase_drawing = phase_drawing
        session = animator.session

        for name in ("previous_phase", "next_phase", "full_step", "play_pause", "reset"):
            action = window.action(name)
            self.addAction(action)
            button = self.widgetForAction(action)
            if button is not None:
                button.setAccessibleName(action.text().replace("&", ""))
                button.setObjectName(f"{name}_button")
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

        self.step_counter = QLabel()
        self.step_counter.setObjectName("step_counter")
        self.step_counter.setAccessibleName("Steps taken")
        self.step_counter.setToolTip("Training steps taken since the initial weights")
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

    def _update_counter(self, *_args) -> None:
        self.step_counter.setText(f"Step {self.animator.session.trainer.steps_done}")


def _row(*widgets) -> QWidget:
    box = QWidget()
    box.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
    layout = QHBoxLayout(box)
    layout.setContentsMargins(4, 0, 4, 0)
    layout.setSpacing(6)
    for widget in widgets:
        layout.addWidget(widget)
    return box


# -- installing it into the main window ----------------------------------------------

def _rewire(action: QAction, slot) -> None:
    """The window's placeholder slots are replaced by the animation's."""
    try:
        action.triggered.disconnect()
    except (RuntimeError, TypeError):
        pass
    action.triggered.connect(slot)


def _new_action(window, name: str, text: str, keys, tip: str, icon) -> QAction:
    action = QAction(window.style().standardIcon(icon), text, window)
    action.setObjectName(name)
    action.setShortcuts([QKeySequence(k) for k in keys])
    _describe(action, tip)
    window.addAction(action)  # window-wide, also with the menu bar hidden
    return action


def install_animation(window):
    """The animation in ``window`` (a MainWindow): returns the Animator.  Sets
    ``window.animator``, ``window.phase_drawing``, ``window.transport``, ``window.timeline``."""
    from .timeline import TimelineBar

    session = window.session
    animator = Animator(session, window)
    phase_drawing = PhaseDrawing(animator, window.canvas, window)
    style = QStyle.StandardPixmap

    previous = _new_action(window, "previous_phase", "Back", PREVIOUS_KEYS,
                           "Show the previous phase again (changes nothing)",
                           style.SP_MediaSeekBackward)
    following = _new_action(window, "next_phase", "Next", NEXT_KEYS,
                            "Next phase: forward layer by layer, the loss, backward layer "
                            "by layer, the update", style.SP_MediaSeekForward)
    timeline = None

    def user_action(slot):
        """Stepping by hand pauses play and leaves the history view."""
        def run(*_args):
            if timeline is not None:
                timeline.to_now()
            if animator.playing:
                animator.pause()
            slot()
        return run

    previous.triggered.connect(user_action(animator.previous_phase))
    following.triggered.connect(user_action(animator.next_phase))
    _rewire(window.action("forward_step"),
            user_action(lambda: animator.advance_to(ForwardRecord)))
    _rewire(window.action("backward_step"),
            user_action(lambda: animator.advance_to(BackwardRecord)))
    _rewire(window.action("update_step"),
            user_action(lambda: animator.advance_to(UpdateRecord)))
    _rewire(window.action("full_step"), user_action(animator.full_step))
    _rewire(window.action("reset"), user_action(animator.reset))

    def toggle_play(*_args):
        if timeline is not None:
            timeline.to_now()
        animator.toggle_play()

    play = window.action("play_pause")
    _rewire(play, toggle_play)
    icons = {"full_step": style.SP_MediaSkipForward, "reset": style.SP_BrowserReload,
             "play_pause": style.SP_MediaPlay}
    for name, icon in icons.items():
        window.action(name).setIcon(window.style().standardIcon(icon))
    window.action("full_step").setIconText("Step")

    def on_playing(playing: bool) -> None:
        play.setText("&Pause" if playing else "&Play")
        play.setIcon(window.style().standardIcon(
            style.SP_MediaPause if playing else style.SP_MediaPlay))
        _describe(play, "Pause training" if playing
                  else "Train continuously (at the speed chosen on the slider)")

    animator.playing_changed.connect(on_playing)
    on_playing(False)
    animator.note.connect(session.message.emit)

    transport = TransportBar(window, animator, phase_drawing)
    old = getattr(window, "train_toolbar", None)
    window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, transport)
    timeline = TimelineBar(window, animator, phase_drawing)
    window.addToolBar(Qt.ToolBarArea.BottomToolBarArea, timeline)
    if old is not None:
        # the transport bar takes the place of the window's plain training toolbar
        for bar in (transport, timeline):
            bar.setStyleSheet(old.styleSheet())
        window.removeToolBar(old)
        old.deleteLater()
        window.train_toolbar = transport
    menu = getattr(window, "docks_menu", None)
    if menu is not None:
        for bar in (transport, timeline):
            bar.toggleViewAction().setObjectName(f"show_{bar.objectName()}")
            menu.addAction(bar.toggleViewAction())
    train_menu = next((m for m in window.menuBar().findChildren(QMenu)
                       if m.title().replace("&", "") == "Train"), None)
    if train_menu is not None and train_menu.actions():
        first = train_menu.actions()[0]
        train_menu.insertAction(first, previous)
        train_menu.insertAction(first, following)
        train_menu.insertSeparator(first)

    def follow_text_size(*_args) -> None:
        scale = getattr(window, "text_scale", 1.0)
        phase_drawing.set_font_scale(scale)
        transport.set_text_scale(scale)

    for name in ("larger_text", "smaller_text"):
        try:
            window.action(name).triggered.connect(follow_text_size)
        except KeyError:
            pass
    follow_text_size()

    window.animator, window.phase_drawing = animator, phase_drawing
    window.transport, window.timeline = transport, timeline
    return animator
