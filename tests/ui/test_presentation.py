"""View ▸ Presentation (F5): full screen, large text, high contrast, only the canvas and
the Math dock; the clicker keys still drive the transport; Esc puts everything back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QDockWidget, QToolBar

from bpsim.trace import BackwardRecord, ForwardRecord, LossRecord


def visible_docks(window) -> set[str]:
    return {dock.objectName() for dock in window.findChildren(QDockWidget)
            if dock.isVisible() and not dock.visibleRegion().isEmpty()}


def visible_toolbars(window) -> set[str]:
    return {bar.objectName() for bar in window.findChildren(QToolBar) if bar.isVisible()}


def press(qtbot, window, key) -> None:
    """A key as a clicker sends it, to whatever has the keyboard focus."""
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, key)


@pytest.fixture
def presenting(window, qtbot):
    window.load_deferred_docks()  # the plots too: all of them must go
    qtbot.waitUntil(lambda: window.isActiveWindow())
    return window


def test_f5_shows_only_the_canvas_and_the_math_dock_larger_and_in_high_contrast(
        presenting, qtbot):
    window = presenting
    font_before = QApplication.font().pointSizeF()
    canvas_scale = window.canvas.font_scale
    assert len(visible_docks(window)) >= 4

    press(qtbot, window, Qt.Key.Key_F5)
    assert window.presentation.active
    assert window.isFullScreen()
    assert visible_docks(window) == {"math_dock"}
    assert not window.menuBar().isVisible() and not window.statusBar().isVisible()
    # the transport bar and its phase indicator stay, nothing else
    assert visible_toolbars(window) == {"transport"}
    assert QApplication.font().pointSizeF() > 1.4 * font_before
    assert window.canvas.font_scale > 1.4 * canvas_scale
    assert window.math_dock.browser.document().defaultFont().pointSizeF() > \
        1.4 * 15.0  # the Math dock's formulas grow too
    palette = QApplication.palette()
    assert palette.color(QPalette.ColorRole.WindowText).name() == "#000000"
    assert palette.color(QPalette.ColorRole.Window).name() == "#ffffff"
    assert window.action("presentation").isChecked()


def test_clicker_keys_drive_the_transport_while_presenting(presenting, qtbot):
    window = presenting
    animator, session = window.animator, window.session
    animator.set_phase_ms(0)
    press(qtbot, window, Qt.Key.Key_F5)
    # a click on the formulas does not take the keys away from the transport
    qtbot.mouseClick(window.math_dock.browser.viewport(), Qt.MouseButton.LeftButton)

    press(qtbot, window, Qt.Key.Key_Right)
    assert isinstance(animator.current, ForwardRecord)
    press(qtbot, window, Qt.Key.Key_PageDown)
    assert isinstance(animator.current, LossRecord)
    press(qtbot, window, Qt.Key.Key_Space)
    assert isinstance(animator.current, BackwardRecord)
    press(qtbot, window, Qt.Key.Key_Left)
    assert isinstance(animator.current, LossRecord)
    press(qtbot, window, Qt.Key.Key_PageUp)
    assert isinstance(animator.current, ForwardRecord)
    press(qtbot, window, Qt.Key.Key_Return)  # finish the step
    assert session.trainer.steps_done == 1
    assert session.network.weights[0][0, 0] == pytest.approx(4.3)
    assert window.presentation.active  # none of these left the presentation


def test_escape_restores_the_exact_layout_text_size_and_palette(presenting, qtbot):
    window = presenting
    window.docks["history"].show()  # a layout of the user's own
    window.action("larger_text").trigger()
    QApplication.processEvents()  # the docks take the new text size (posted events)
    before = {
        "docks": visible_docks(window),
        "toolbars": visible_toolbars(window),
        "state": window.saveState(),
        "geometry": window.geometry(),
        "scale": window.text_scale,
        "font": QApplication.font().pointSizeF(),
        "palette": QApplication.palette().color(QPalette.ColorRole.Highlight).name(),
    }
    press(qtbot, window, Qt.Key.Key_F5)
    assert window.presentation.active
    press(qtbot, window, Qt.Key.Key_Escape)
    assert not window.presentation.active
    assert not window.isFullScreen()
    assert window.menuBar().isVisible() and window.statusBar().isVisible()
    assert visible_docks(window) == before["docks"]
    assert visible_toolbars(window) == before["toolbars"]
    # the dock sizes settle once the window's resize events have arrived
    qtbot.waitUntil(lambda: window.saveState() == before["state"])
    assert window.geometry() == before["geometry"]
    assert window.text_scale == pytest.approx(before["scale"])
    assert QApplication.font().pointSizeF() == pytest.approx(before["font"])
    assert QApplication.palette().color(QPalette.ColorRole.Highlight).name() == \
        before["palette"]
    assert not window.action("presentation").isChecked()
    # Esc is the canvas's again (it clears the selection)
    window.canvas.select(("weight", 1, 0, 0))
    window.canvas.setFocus()
    press(qtbot, window, Qt.Key.Key_Escape)
    assert window.canvas.selection is None


def test_f5_again_leaves_too(presenting, qtbot):
    window = presenting
    press(qtbot, window, Qt.Key.Key_F5)
    press(qtbot, window, Qt.Key.Key_F5)
    assert not window.presentation.active
    assert "inspector_dock" in visible_docks(window)


def test_closing_while_presenting_remembers_the_ordinary_layout(presenting, qtbot,
                                                                open_window):
    window = presenting
    press(qtbot, window, Qt.Key.Key_F5)
    window.close()
    again = open_window()
    assert not again.isFullScreen() and again.menuBar().isVisible()
    assert {"inspector_dock", "layers_dock", "data_dock"} <= visible_docks(again)
