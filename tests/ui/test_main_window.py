"""The main window as a teacher uses it: the lecture example, named actions with their
shortcuts, a training step and its undo, text size, remembered layout, start-up
options (screenshot, no display)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QApplication, QDockWidget

from bpsim.ui import app
from bpsim.ui.canvas import NetworkCanvas

ROOT = Path(__file__).resolve().parents[2]

#: every named action, with the shortcuts it must have (empty: none asked for)
SHORTCUTS = {
    "open": ["Ctrl+O"], "save": ["Ctrl+S"], "save_as": ["Ctrl+Shift+S"], "new": [],
    "revert": [], "export_image": [], "undo": ["Ctrl+Z"],
    "redo": ["Ctrl+Shift+Z", "Ctrl+Y"], "forward_step": [], "backward_step": [],
    "update_step": [], "full_step": ["Return"], "play_pause": ["P"], "reset": ["R"],
    "zoom_fit": ["Ctrl+0"], "show_weights": [], "larger_text": ["Ctrl++"],
    "smaller_text": ["Ctrl+-"], "quit": ["Ctrl+Q"],
}


def weight(window) -> float:
    return float(window.session.network.weights[0][0, 0])


def test_opens_on_the_lecture_example(window):
    assert isinstance(window.centralWidget(), NetworkCanvas)
    assert weight(window) == pytest.approx(0.1)
    assert window.windowTitle() == "Lecture example: one weight[*] — bpsim"
    assert not window.isWindowModified()
    assert window.loss_label.text() == "Loss now: 0.49"
    # the step counter names the step the banner speaks of: the first, not taken yet
    assert window.step_label.text() == "Step 1 next"
    docks = {dock.objectName() for dock in window.findChildren(QDockWidget)
             if dock.isVisible()}
    assert {"inspector_dock", "layers_dock", "data_dock", "training_dock"} <= docks
    assert QApplication.font().pointSizeF() >= 11


def test_every_named_action_exists_with_its_shortcuts_and_a_tooltip(window):
    for name, keys in SHORTCUTS.items():
        action = window.findChild(QAction, name)
        assert action is not None, name
        shortcuts = [k.toString() for k in action.shortcuts()]
        assert shortcuts[:len(keys)] == keys, name
        assert action.toolTip() and action.toolTip() != action.text(), name
        for key in keys:
            assert key.replace("Ctrl", "").strip("+") in action.toolTip() or \
                key in action.toolTip(), name


def test_menus_and_keys_come_from_the_one_action_table(window):
    from bpsim.ui.actions import ACTIONS, TRANSPORT, ActionSpec

    for spec in ACTIONS:
        if not isinstance(spec, ActionSpec):
            continue
        action = window.action(spec.name)
        assert action.objectName() == spec.name
        assert action in window.actions(), spec.name  # keys work with the menu bar hidden
        if spec.menu:
            assert action in window.menus[spec.menu].actions(), spec.name
    # the transport's buttons are the Train menu's actions, not copies
    assert [a.objectName() for a in window.transport.actions()[:len(TRANSPORT)]] == \
        list(TRANSPORT)


def test_undo_names_the_edit_in_its_menu_and_keeps_its_toolbar_button_short(window):
    undo = window.action("undo")
    assert not undo.isEnabled() and undo.toolTip() == "Nothing to undo (Ctrl+Z)"
    window.action("full_step").trigger()
    assert undo.isEnabled()
    assert undo.text().replace("&", "") == "Undo Train 1 step"
    assert window.toolbar.widgetForAction(undo).text() == "Undo"
    undo.trigger()
    assert not undo.isEnabled() and window.action("redo").isEnabled()


def test_docks_are_listed_in_view_docks(window):
    listed = {a.text() for a in window.docks_menu.actions()}
    assert {"Inspector", "Layers", "Data", "Training", "Undo history"} <= listed


def test_plots_arrive_after_the_first_paint_as_the_lesson_suggests(window, qtbot):
    from bpsim.ui import plots

    qtbot.waitUntil(lambda: bool(window.plot_docks))
    shown = {dock.objectName() for dock in window.plot_docks if not dock.isHidden()}
    assert shown == set(plots.suggested_plots(window.session.scenario))
    listed = {action.text() for action in window.docks_menu.actions()}
    assert {dock.windowTitle() for dock in window.plot_docks} <= listed
    assert window.width() <= 1600  # the plots fit beside each other

    window.new_from_builtin("deep-sigmoid")
    shown = {dock.objectName() for dock in window.plot_docks if not dock.isHidden()}
    assert "gradients_plot_dock" in shown
    assert shown == set(plots.suggested_plots(window.session.scenario))


def test_a_hidden_plot_stays_hidden_next_time(window, open_window, qtbot):
    qtbot.waitUntil(lambda: bool(window.plot_docks))
    loss = window.findChild(QDockWidget, "loss_plot_dock")
    assert loss.isVisible()
    loss.hide()
    window.close()

    again = open_window()
    qtbot.waitUntil(lambda: bool(again.plot_docks))
    assert again.findChild(QDockWidget, "loss_plot_dock").isHidden()


def test_full_step_action_trains_and_marks_the_title_modified(window):
    window.action("full_step").trigger()
    assert weight(window) == pytest.approx(4.3)
    assert window.isWindowModified()
    assert window.step_label.text() == "Step 1 done"
    # ŷ = 4.3·3 = 12.9, (12.9 − 1)² = 141.61
    assert window.loss_label.text() == "Loss now: 141.6"


def test_undo_action_returns_the_weight_and_redo_shortcut_repeats_it(window, qtbot):
    window.action("full_step").trigger()
    window.action("undo").trigger()
    assert weight(window) == pytest.approx(0.1)
    assert not window.isWindowModified()
    assert window.step_label.text() == "Step 1 next"
    assert "Train 1 step" in window.action("redo").toolTip()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert weight(window) == pytest.approx(4.3)


def test_enter_trains_on_the_canvas_but_confirms_a_typed_number(window, qtbot):
    field = window.docks["training"].learning_rate.edit
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "0.5")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.session.scenario.training.learning_rate == 0.5
    assert window.session.trainer.steps_done == 0
    qtbot.keyClicks(field, "r")  # a letter in a field is typed, not "reset"
    assert field.text().endswith("r")

    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Return)
    # w ← 0.1 − 0.5·(−4.2) = 2.2
    assert weight(window) == pytest.approx(2.2)


def test_reset_returns_to_the_initial_weight_undoably(window):
    window.action("full_step").trigger()
    window.action("full_step").trigger()
    trained = weight(window)
    window.action("reset").trigger()
    assert weight(window) == pytest.approx(0.1)
    assert window.step_label.text() == "Step 1 next"
    window.action("undo").trigger()
    assert weight(window) == pytest.approx(trained)
    assert window.step_label.text() == "Step 3 next"


def test_forward_step_shows_the_forward_pass_without_changing_the_weight(window):
    window.action("forward_step").trigger()
    assert window.animator.phase_name().startswith("Forward")
    assert weight(window) == pytest.approx(0.1)


def test_session_messages_reach_the_status_bar(window):
    window.session.message.emit("The loss diverged at step 3")
    assert window.statusBar().currentMessage() == "The loss diverged at step 3"


def test_larger_text_grows_the_fonts_and_is_remembered(window, open_window):
    before = QApplication.font().pointSizeF()
    window.action("larger_text").trigger()
    assert QApplication.font().pointSizeF() > before
    assert window.canvas._font_scale == pytest.approx(window.text_scale)
    window.close()

    again = open_window()
    assert again.text_scale > 1
    assert QApplication.font().pointSizeF() > before
    again.action("smaller_text").trigger()
    assert QApplication.font().pointSizeF() == pytest.approx(before)


def test_dock_layout_and_geometry_are_remembered(window, open_window):
    window.docks["inspector"].hide()
    window.resize(760, 640)  # the offscreen screen is 800 pixels wide
    window.close()

    again = open_window()
    assert not again.docks["inspector"].isVisible()
    assert again.docks["training"].isVisible()
    assert (again.width(), again.height()) == (760, 640)


def test_screenshot_writes_a_png_of_the_requested_size(tmp_path):
    out = tmp_path / "window.png"
    assert app.main(["--screenshot", str(out), "--steps", "3"]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 1000)

    small = tmp_path / "small.png"
    assert app.main(["--screenshot", str(small), "--size", "1280x800", "xor"]) == 0
    image = QImage(str(small))
    assert (image.width(), image.height()) == (1280, 800)


def test_malformed_file_on_the_command_line_is_one_line_and_exit_1(malformed_scenario,
                                                                   capsys):
    path, loader_message = malformed_scenario
    assert app.main([str(path)]) == 1
    assert capsys.readouterr().err == f"bpsim: {loader_message}\n"


def test_without_a_display_a_hint_replaces_the_abort_and_screenshots_still_work(
        tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}

    def bpsim(*args):
        code = f"import sys; from bpsim.ui.app import main; sys.exit(main({list(args)!r}))"
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)

    result = bpsim()
    assert result.returncode == 2
    assert result.stderr.strip() == app.NO_DISPLAY_HINT

    out = tmp_path / "headless.png"
    result = bpsim("--screenshot", str(out), "--size", "1000x700")
    assert result.returncode == 0, result.stderr
    assert QImage(str(out)).size().toTuple() == (1000, 700)


def test_display_check_follows_the_environment():
    assert not app.display_available({}, "linux")
    assert app.display_available({"DISPLAY": ":0"}, "linux")
    assert app.display_available({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert app.display_available({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert app.display_available({}, "win32")


def test_export_plots_writes_a_picture_and_the_numbers_of_every_plot(qtbot, tmp_path,
                                                                   monkeypatch):
    from bpsim.ui.app import build_window

    window = build_window("xor")
    qtbot.addWidget(window)
    window.action("full_step").trigger()
    window.action("full_step").trigger()
    monkeypatch.setattr(window, "_ask_export_folder", lambda: tmp_path)
    written = window.export_plots()
    window.session.undo_stack.setClean()
    names = {p.name for p in written}
    assert {"loss.png", "loss.csv"} <= names
    assert len([n for n in names if n.endswith(".png")]) == len(window.plot_docks)
    loss_rows = (tmp_path / "loss.csv").read_text().strip().splitlines()
    assert len(loss_rows) == 1 + 2  # a header and the two steps taken


def test_a_diverging_run_prints_no_numpy_warnings(tmp_path):
    """The lecture example at η = 1 diverges within a few hundred steps: the window
    reports it in words, and nothing reaches the terminal."""
    out = tmp_path / "diverged.png"
    code = ("import sys; from bpsim.ui.app import main; "
            f"sys.exit(main(['--screenshot', {str(out)!r}, '--steps', '300']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert done.returncode == 0, done.stderr
    assert out.exists()
    assert "RuntimeWarning" not in done.stderr and "overflow" not in done.stderr


def test_a_screenshot_at_1280x720_after_steps_is_laid_out_for_that_size(qtbot, tmp_path):
    """``bpsim --screenshot --steps K --size 1280x720`` lays the docks out for 1280×720
    (Layers and Data, Inspector and Training as tabs), as the window opened there does,
    not for the default size the steps were taken in."""
    window = app.build_window("xor", steps=2, restore_layout=False)
    qtbot.addWidget(window)
    assert app.save_screenshot(window, tmp_path / "shot.png", (1280, 720))
    assert window.docks["data"] in window.tabifiedDockWidgets(window.docks["layers"])
    assert window.docks["training"] in window.tabifiedDockWidgets(window.docks["inspector"])
    window.session.undo_stack.setClean()
