"""The teaching tools in the window: the Math dock beside the canvas, the selected
weight's path on the canvas, Tools ▸ Gradient check with its colours on the canvas,
File ▸ Export worked example."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from bpsim.ui.commands import SetWeightCommand
from bpsim.ui.docks.math import MathDock


def test_the_math_dock_is_in_the_window_and_explains_the_lecture_step(window, qtbot):
    # made right after the first paint (or when first asked for)
    qtbot.waitUntil(lambda: "math" in window.docks)
    dock = window.docks["math"]
    assert isinstance(dock, MathDock) and dock is window.math_dock
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert window.findChild(QAction, "show_math_dock") in window.docks_menu.actions()
    # clicking the weight brings the Math dock forward (it shares a tab with Training)
    window.canvas.select(("weight", 1, 0, 0))
    qtbot.waitUntil(lambda: not dock.visibleRegion().isEmpty())
    window.action("full_step").trigger()
    assert window.session.trainer.steps_done == 1
    text = dock.text()
    assert "Last step" in text
    assert "−4.2" in text and "✓ engine: −4.2" in text and "4.3" in text


def test_the_math_dock_follows_the_text_size(window):
    def size():
        return window.math_dock.browser.document().defaultFont().pointSizeF()

    before = size()
    window.action("larger_text").trigger()
    assert size() == pytest.approx(before * window.text_scale)
    window.action("smaller_text").trigger()
    assert size() == pytest.approx(before)


def test_the_selected_weights_path_stands_out_on_the_canvas(open_window):
    window = open_window("xor")
    canvas, highlight = window.canvas, window.path_highlight
    assert not highlight.shown
    canvas.select(("weight", 1, 0, 1))  # x₂ → hidden neuron 0 → output
    path = window.math_dock.selected_path()
    assert path.edges == [(1, 0, 1), (2, 0, 0)]
    assert highlight.shown and highlight.edges == path.edges
    item = highlight._drawing.item
    # the path's two edges drawn over, the other four faded, its three neurons ringed
    assert len(item.edges) == 2 and len(item.faded) == 4 and len(item.rings) == 3
    canvas.select(("neuron", 1, 1))
    assert not highlight.shown
    canvas.select(("weight", 2, 0, 1))
    assert highlight.edges == [(2, 0, 1)]
    canvas.select(None)
    assert not highlight.shown


def test_gradient_check_from_the_tools_menu_colours_the_canvas_until_weights_change(
        open_window, qtbot):
    window = open_window("xor")
    menu_titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert "Tools" in menu_titles
    window.action("gradient_check").trigger()
    dialog = window.gradcheck_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    assert dialog.result.max_error < 1e-6
    assert "largest relative error" in dialog.summary_text()
    overlay = window.gradcheck_overlay
    assert overlay.shown
    assert "Gradient check" in overlay.legend_text() and "largest" in overlay.legend_text()
    weight_legend = window.canvas.findChild(QLabel, "canvas_legend")
    assert not weight_legend.isVisible()  # the edge colours mean errors now

    # double-click a row: that parameter is selected on the canvas
    table = dialog.table
    rect = table.visualRect(dialog.proxy.index(2, 1))
    # a double click is a press, a release and a double-click event, as from a mouse
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.canvas.selection == dialog.parameter_at(2)

    window.action("full_step").trigger()  # the weights change: the colours are stale
    assert not overlay.shown and overlay.legend_text() == ""
    assert weight_legend.isVisible()
    dialog.run_button.click()  # checked again: coloured again
    assert overlay.shown
    dialog.close()
    assert not overlay.shown


def test_an_edit_clears_the_overlay_and_a_reopened_check_shows_it_again(window):
    window.action("gradient_check").trigger()
    assert window.gradcheck_overlay.shown
    session = window.session
    session.undo_stack.push(SetWeightCommand(session, 1, 0, 0, 0.2))
    assert not window.gradcheck_overlay.shown
    window.action("gradient_check").trigger()  # the open dialog checks again
    assert window.gradcheck_overlay.shown
    assert window.gradcheck_overlay.result.layers[0].analytic_weights[0, 0] == \
        pytest.approx(2 * (0.2 * 3 - 1) * 3)


@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_export_worked_example_writes_the_lecture_derivation(window, tmp_path, suffix):
    out = tmp_path / f"handout{suffix}"
    window._ask_worked_example_path = lambda: out
    window.action("export_worked_example").trigger()
    text = out.read_text(encoding="utf-8")
    for number in ("0.49", "−4.2", "4.3"):
        assert number in text
    if suffix == ".html":
        assert text.lstrip().lower().startswith("<!doctype html")
        assert "http://" not in text and "https://" not in text  # renders offline
    else:
        assert "$$" in text or "$" in text  # LaTeX math
    assert window.session.network.weights[0][0, 0] == 0.1  # a handout changes nothing


def test_export_worked_example_is_in_the_file_menu_after_export_image(window):
    names = [a.objectName() for a in window.menus["file"].actions()]
    assert names.index("export_worked_example") == names.index("export_image") + 1


def test_cancelled_export_writes_nothing(window, tmp_path):
    window._ask_worked_example_path = lambda: None
    assert window.export_worked_example() is False
    assert list(tmp_path.iterdir()) == []


def test_the_overlay_calls_wrong_what_the_gradient_check_calls_wrong():
    from bpsim import gradcheck
    from bpsim.ui.canvas.highlights import ERROR_CLASSES, error_class

    assert ERROR_CLASSES[-2][0] == gradcheck.TOLERANCE
    assert error_class(gradcheck.TOLERANCE) == len(ERROR_CLASSES) - 2
    assert error_class(2 * gradcheck.TOLERANCE) == len(ERROR_CLASSES) - 1
    assert error_class(3e-10) == 0 and error_class(0.5, kink=True) == -1


def test_teaching_actions_have_names_keys_and_tooltips(window):
    for name, keys in {"gradient_check": ["Ctrl+G"], "presentation": ["F5"],
                       "tours": ["F1"], "export_worked_example": []}.items():
        action = window.action(name)
        assert [k.toString() for k in action.shortcuts()] == keys
        assert action.toolTip() and action.toolTip() != action.text()
    assert not window.action("leave_presentation").isEnabled()  # Esc stays the canvas's


def test_tools_compare_opens_the_lab_for_this_network(qtbot):
    from bpsim.ui.app import build_window

    window = build_window("deep-sigmoid")
    qtbot.addWidget(window)
    weights = [w.copy() for w in window.session.network.weights]
    window.action("compare").trigger()
    dialog = window.compare_dialog
    assert dialog.isVisible()
    assert window.action("compare") in window.menus["tools"].actions()
    dialog.close()
    for before, now in zip(weights, window.session.network.weights):
        assert (before == now).all()
