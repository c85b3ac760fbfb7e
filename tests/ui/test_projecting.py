"""Projecting a lecture: one step counter that agrees with the banner, the Math dock
naming a step in progress, softmax's fused δ, a clicker's blank-screen keys, a plot
beside the canvas in presentation mode, the Compare lab on a small projector, and the
Math dock as its own dock."""

from __future__ import annotations

import json
import re

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QWidget

from bpsim import io
from bpsim.notation.numbers import format_number
from bpsim.trace import BackwardRecord, ForwardRecord, LossRecord, UpdateRecord


def press(qtbot, window, key) -> None:
    """A key as a clicker or keyboard sends it, to whatever has the keyboard focus."""
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, key)


def numbers_after_step(text: str) -> list[int]:
    """Every step number a text names ("step 4", "Step 4 in progress")."""
    return [int(n) for n in re.findall(r"[Ss]tep (\d+)", text)]


def phase_of(animator):
    record = animator.current
    return None if record is None else type(record)


def assert_one_counter(window, state: str) -> int:
    """The banner, the transport's counter and the status bar name one step number."""
    banner = window.phase_drawing.banner_text
    counter = window.transport.step_counter.text()
    status = window.step_label.text()
    shown = numbers_after_step(banner)
    assert shown, banner
    number = shown[0]
    assert counter == f"Step {number} {state}", (banner, counter)
    assert status == counter
    return number


# -- one step counter --------------------------------------------------------------------

def test_the_step_counter_agrees_with_the_banner_in_every_phase(window, qtbot):
    animator = window.animator
    animator.set_phase_ms(0)
    # nothing taken yet: the first step is next (no "Step 0" beside "step 1")
    assert assert_one_counter(window, "next") == 1
    seen = []
    for _ in range(4):
        press(qtbot, window, Qt.Key.Key_Right)
        kind = phase_of(animator)
        seen.append(kind)
        state = "done" if kind is UpdateRecord else "in progress"
        assert assert_one_counter(window, state) == 1, kind
    assert seen == [ForwardRecord, LossRecord, BackwardRecord, UpdateRecord]
    assert window.session.trainer.steps_done == 1

    # the second step's pass: its number is 2 everywhere, from its first phase on
    press(qtbot, window, Qt.Key.Key_Right)
    assert isinstance(animator.current, ForwardRecord)
    assert assert_one_counter(window, "in progress") == 2
    press(qtbot, window, Qt.Key.Key_Left)  # back before the forward pass: still step 2
    assert animator.current is None
    assert assert_one_counter(window, "in progress") == 2


def test_the_math_dock_names_a_step_in_progress_not_a_preview(window, qtbot):
    window.animator.set_phase_ms(0)
    dock = window.math_dock
    dock.show_selection(("weight", 1, 0, 0))
    qtbot.waitUntil(lambda: "Preview of the next step" in dock.source.text())

    press(qtbot, window, Qt.Key.Key_Right)  # the forward pass of step 1
    qtbot.waitUntil(lambda: "in progress" in dock.source.text())
    assert "Preview" not in dock.source.text()
    assert numbers_after_step(dock.source.text()) == \
        numbers_after_step(window.phase_drawing.banner_text)[:1] == [1]
    # the numbers are the step's own: ∂J/∂w = −4.2 of the lecture's first step
    assert "−4.2" in dock.browser.toPlainText()

    for _ in range(3):  # loss, backward, update: the step is done
        press(qtbot, window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: "Last step" in dock.source.text())
    assert "Preview" not in dock.source.text()

    # the next step begins while step 1's weights are still on the canvas: its numbers
    # are step 2's (w = 4.3 gives ŷ = 12.9 and ∂J/∂w = 2·(12.9 − 1)·3 = 71.4), not step 1's
    press(qtbot, window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: "in progress" in dock.source.text())
    assert numbers_after_step(dock.source.text()) == [2]
    assert "71.4" in dock.browser.toPlainText()


# -- softmax: the fused δ --------------------------------------------------------------------

@pytest.fixture
def softmax_window(open_window, tmp_path):
    """XOR as two classes: a softmax output of two neurons with cross-entropy, one
    sample per step."""
    data = json.loads(io.builtin_path("xor").read_text(encoding="utf-8"))
    network = data["network"]
    network["layers"] = [2, 2, 2]
    network["activations"] = ["sigmoid", "softmax"]
    network["weights"][1] = [[-0.81, -0.13], [0.4, 0.27]]
    network["biases"][1] = [-0.19, 0.05]
    data["training"].update(loss="cross_entropy", batch_size=1)
    for sample in data["data"]["samples"]:
        sample["y"] = [1.0, 0.0] if sample["y"] == [0.0] else [0.0, 1.0]
    path = tmp_path / "xor-softmax.bpsim.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return open_window(path)


def test_the_softmax_backward_banner_shows_the_fused_delta(softmax_window, qtbot):
    window = softmax_window
    animator = window.animator
    animator.set_phase_ms(0)
    while not isinstance(animator.current, BackwardRecord):
        press(qtbot, window, Qt.Key.Key_Right)
    record = animator.current
    assert record.layer == 2  # the softmax output layer
    banner = window.phase_drawing.banner_text
    assert "δ = ŷ − y" in banner
    assert "∂J/∂ŷ·f′(z)" not in banner  # that product does not hold for softmax
    # ŷ − y with the engine's numbers: the record's prediction and target, and its δ
    loss = next(r for r in animator.records if isinstance(r, LossRecord))
    row = animator.shown_row
    assert format_number(loss.prediction[row, 0]) in banner
    assert f"= {format_number(record.delta[row, 0])}" in banner


# -- a clicker's blank-screen keys -----------------------------------------------------------

BLANK_KEYS = (Qt.Key.Key_B, Qt.Key.Key_W, Qt.Key.Key_Period)


def test_blank_screen_keys_never_step_a_phase_in_the_window(window, qtbot):
    animator = window.animator
    animator.set_phase_ms(0)
    window.canvas.setFocus()
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_Right)
    assert isinstance(animator.current, LossRecord)
    for key in BLANK_KEYS:
        press(qtbot, window, key)
        assert isinstance(animator.current, LossRecord), key
    assert animator.index == 1 and window.session.trainer.steps_done == 0
    # the backward pass is still a key away, with Shift
    qtbot.keyClick(window.canvas, Qt.Key.Key_B, Qt.KeyboardModifier.ShiftModifier)
    assert isinstance(animator.current, BackwardRecord)


def test_blank_screen_keys_blank_while_presenting_and_any_key_only_unblanks(window, qtbot):
    animator = window.animator
    animator.set_phase_ms(0)
    qtbot.waitUntil(window.isActiveWindow)
    press(qtbot, window, Qt.Key.Key_F5)
    press(qtbot, window, Qt.Key.Key_Right)
    press(qtbot, window, Qt.Key.Key_Right)
    assert isinstance(animator.current, LossRecord)
    blank = window.presentation.blank_screen
    for key, colour in ((Qt.Key.Key_B, "#000000"), (Qt.Key.Key_Period, "#000000"),
                        (Qt.Key.Key_W, "#ffffff")):
        press(qtbot, window, key)
        assert blank.isVisible() and blank.colour == colour, key
        assert blank.geometry() == window.rect()
        assert isinstance(animator.current, LossRecord), key
        # the clicker's "next" in the dark brings the network back and steps nothing
        press(qtbot, window, Qt.Key.Key_PageDown)
        assert not blank.isVisible()
        assert isinstance(animator.current, LossRecord), key
    # and then the next key steps again
    press(qtbot, window, Qt.Key.Key_PageDown)
    assert isinstance(animator.current, BackwardRecord)
    assert window.presentation.active
    press(qtbot, window, Qt.Key.Key_Escape)
    assert not window.presentation.active


# -- a plot below the canvas in presentation mode ---------------------------------------------

def shown_docks(window) -> set[str]:
    return {dock.objectName() for dock in window.findChildren(QDockWidget)
            if dock.isVisible() and not dock.visibleRegion().isEmpty()}


def test_g_shows_each_plot_below_the_canvas_and_leaving_restores_the_docks(
        open_window, qtbot):
    window = open_window("deep-sigmoid")
    window.load_deferred_docks()
    qtbot.waitUntil(window.isActiveWindow)
    QApplication.processEvents()
    before_docks = shown_docks(window)
    before_state = window.saveState()
    tick_size = window.findChild(QDockWidget, "profile_plot_dock").widget().plot \
        .getAxis("left").style["tickFont"].pointSizeF()

    press(qtbot, window, Qt.Key.Key_F5)
    assert shown_docks(window) == {"math_dock"}  # no plot until asked for
    canvas = window.canvas
    for name in ("profile_plot_dock", "gradients_plot_dock", "loss_plot_dock",
                 "decision_plot_dock", "activation_curve_plot_dock"):
        press(qtbot, window, Qt.Key.Key_G)
        QApplication.processEvents()
        assert shown_docks(window) == {"math_dock", name}, name
        dock = window.findChild(QDockWidget, name)
        # below the canvas, across its width; the Math dock keeps the whole height
        assert dock.geometry().top() > canvas.geometry().bottom(), name
        assert dock.geometry().left() < canvas.geometry().center().x() < \
            dock.geometry().right(), name
        assert dock.height() > 0.3 * window.height(), name
        assert dock.width() >= 0.9 * canvas.width(), name
        assert window.math_dock.geometry().bottom() > dock.geometry().center().y(), name
        # at presentation size: the plot's ticks grew with the text
        assert dock.widget().plot.getAxis("left").style["tickFont"].pointSizeF() > \
            1.4 * tick_size, name
    press(qtbot, window, Qt.Key.Key_G)  # after the last: none
    assert shown_docks(window) == {"math_dock"}
    press(qtbot, window, Qt.Key.Key_G)  # and round again
    assert shown_docks(window) == {"math_dock", "profile_plot_dock"}

    press(qtbot, window, Qt.Key.Key_Escape)
    assert not window.presentation.active
    assert shown_docks(window) == before_docks
    qtbot.waitUntil(lambda: window.saveState() == before_state)
    assert window.findChild(QDockWidget, "profile_plot_dock").widget().plot \
        .getAxis("left").style["tickFont"].pointSizeF() == pytest.approx(tick_size)
    # G is a presentation key only: in the window it changes nothing
    press(qtbot, window, Qt.Key.Key_G)
    assert shown_docks(window) == before_docks


def test_the_chosen_plot_comes_back_when_presenting_again(open_window, qtbot):
    window = open_window("deep-sigmoid")
    window.load_deferred_docks()
    qtbot.waitUntil(window.isActiveWindow)
    press(qtbot, window, Qt.Key.Key_F5)
    press(qtbot, window, Qt.Key.Key_G)
    press(qtbot, window, Qt.Key.Key_Escape)
    press(qtbot, window, Qt.Key.Key_F5)
    QApplication.processEvents()
    assert shown_docks(window) == {"math_dock", "profile_plot_dock"}


# -- the Compare lab on a small projector --------------------------------------------------------

def test_the_compare_lab_fits_a_1280_by_720_screen_at_presentation_size(window, qtbot):
    qtbot.waitUntil(window.isActiveWindow)
    press(qtbot, window, Qt.Key.Key_F5)
    dialog = window.open_compare()
    qtbot.waitExposed(dialog)
    projector = QSize(1280, 720)
    hint = dialog.minimumSizeHint()
    assert hint.width() <= projector.width() and hint.height() <= projector.height(), hint
    free = dialog.screen().availableGeometry()
    assert dialog.width() <= free.width() and dialog.height() <= free.height()
    # its text follows the presentation size: plot ticks, titles and legends grew
    assert dialog.font_scale == pytest.approx(window.text_scale)
    tick = dialog.profile_plot.getAxis("left").style["tickFont"].pointSizeF()
    window.presentation.leave()
    assert dialog.font_scale == pytest.approx(window.text_scale)
    assert dialog.profile_plot.getAxis("left").style["tickFont"].pointSizeF() < tick / 1.4


# -- the Math dock, its own dock ------------------------------------------------------------------

def test_the_math_dock_is_its_own_dock_with_room_and_comes_forward_on_a_selection(
        window, qtbot):
    dock = window.math_dock
    training = window.docks["training"]
    QApplication.processEvents()
    assert window.tabifiedDockWidgets(dock) == []
    assert dock not in window.tabifiedDockWidgets(training)
    assert dock.isVisible() and not dock.visibleRegion().isEmpty()
    assert training.isVisible() and not training.visibleRegion().isEmpty()
    # room for the lecture's five-line derivation (and the lines above it)
    line = dock.browser.fontMetrics().lineSpacing()
    assert dock.browser.viewport().height() >= 5 * line

    # tabbed behind another dock by the user: a selected weight brings it forward
    window.tabifyDockWidget(dock, training)
    training.raise_()
    QApplication.processEvents()
    assert dock.visibleRegion().isEmpty()
    window.canvas.select(("weight", 1, 0, 0))
    QApplication.processEvents()
    assert not dock.visibleRegion().isEmpty()


def test_ctrl_l_while_presenting_shows_the_layer_focus_in_the_plots_place(
        open_window, qtbot):
    window = open_window("deep-sigmoid")
    window.load_deferred_docks()
    qtbot.waitUntil(window.isActiveWindow)
    press(qtbot, window, Qt.Key.Key_F5)
    press(qtbot, window, Qt.Key.Key_G)
    assert shown_docks(window) == {"math_dock", "profile_plot_dock"}
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier)
    QApplication.processEvents()
    assert shown_docks(window) == {"math_dock", "layer_focus_dock"}
    dock = window.findChild(QDockWidget, "layer_focus_dock")
    canvas = window.canvas
    assert dock.geometry().top() > canvas.geometry().bottom()  # below, as the plots
    assert dock.height() > 0.3 * window.height()
    press(qtbot, window, Qt.Key.Key_G)  # G goes back to the plots
    assert shown_docks(window) == {"math_dock", "profile_plot_dock"}
    press(qtbot, window, Qt.Key.Key_Escape)
    assert not window.presentation.active


def test_the_idle_hint_names_the_presentation_keys_while_presenting(window, qtbot):
    drawing = window.phase_drawing
    assert "G:" not in drawing.banner_text
    press(qtbot, window, Qt.Key.Key_F5)
    assert "G: next plot" in drawing.banner_text
    assert "B/W: blank" in drawing.banner_text
    press(qtbot, window, Qt.Key.Key_Escape)
    assert "G:" not in drawing.banner_text


def test_the_shortcuts_dialog_lists_the_presentation_keys():
    from bpsim.ui.dialogs.shortcuts import shortcut_rows

    keys = {action: shown for action, shown, _menu in shortcut_rows()}
    assert "G" in keys["Next plot beside the canvas"]
    assert "B" in keys["Blank screen"] and "." in keys["Blank screen"]
    assert "W" in keys["White screen"]
    assert "PgDown" in keys["Next"].replace("Page Down", "PgDown") or "PgDn" in keys["Next"]


def test_presenting_at_1280x720_keeps_the_step_counter_on_its_bar(open_window, qtbot):
    """Large text at 1280×720: the speed and the stop conditions (set before presenting)
    step aside, so the step counter is not pushed off the transport bar."""
    window = open_window("deep-sigmoid")
    window.load_deferred_docks()
    for _ in range(4):
        window.larger_text()  # a lecturer's text size for the back of a room
    window.action("presentation").trigger()
    assert window.presentation.active
    window.showNormal()  # offscreen the screen is smaller than a projector's
    window.resize(1280, 720)
    qtbot.wait(500)  # the bar lays out again at the new width
    assert not window.transport.speed_slider.isVisible()
    assert not window.findChild(QWidget, "stop_conditions_button").isVisible()
    counter = window.findChild(QLabel, "step_counter")
    assert counter.isVisible()
    bar = counter.parentWidget()
    assert counter.geometry().right() <= bar.width()
    assert counter.fontMetrics().horizontalAdvance(counter.text()) <= counter.width()
    press(qtbot, window, Qt.Key.Key_Escape)
    assert window.transport.speed_slider.isVisible()  # the speed is back
    for _ in range(4):
        window.smaller_text()  # the text size is remembered: the next window starts at 1
