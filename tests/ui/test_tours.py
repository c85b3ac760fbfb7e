"""Help ▸ Tours: the dock follows what the user does (keys, clicks, training, settings)
and moves on by itself; opening a built-in scenario offers its tour in the dock, never
in a dialog.  The tour files themselves: tests/engine/test_tour.py."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from bpsim import io
from bpsim.tour import Condition, Tour, TourStep
from bpsim.ui.commands import SetTrainingCommand
from bpsim.ui.docks.tours import TourDock, tour_html


def tour_dock(window) -> TourDock:
    """The window's Tours dock (made on first use)."""
    return window.tour_dock


def press(qtbot, window, key) -> None:
    qtbot.keyClick(QApplication.focusWidget() or window.canvas, key)


def start_tour(window, qtbot, scenario_id: str):
    """Help ▸ Tours, then the offered tour's Start button, as a user does."""
    qtbot.waitUntil(lambda: window.isActiveWindow())
    window.animator.set_phase_ms(0)
    window.action("tours").trigger()
    panel = tour_dock(window)
    assert panel.isVisible() and panel.offered.scenario == scenario_id
    qtbot.mouseClick(panel.offer_start, Qt.MouseButton.LeftButton)
    assert panel.runner.running and panel.runner.index == 0
    return panel


# -- tour text -------------------------------------------------------------------------------


def test_tour_text_is_shown_literally_never_run():
    shown = tour_html("<b>{__import__('os')}</b> **σ′**\npress `→`")
    assert "&lt;b&gt;{__import__('os')}&lt;/b&gt;" in shown and "<b>σ′</b>" in shown
    assert "<br>" in shown and "&nbsp;→&nbsp;</span>" in shown


# -- following the user in the window ---------------------------------------------------------


def test_the_lecture_tour_follows_what_the_user_does(window, qtbot):
    panel = start_tour(window, qtbot, "lecture-example")
    runner, session = panel.runner, window.session
    assert "Press → (or Space)" in panel.text()
    assert "Step 1 of 9" in panel.text()

    press(qtbot, window, Qt.Key.Key_Right)  # the forward pass, as the step says
    assert runner.index == 1 and "ŷ = w·x = 0.1 · 3 = 0.3" in panel.text()
    press(qtbot, window, Qt.Key.Key_Right)  # the loss
    assert runner.index == 2 and "0.49" in panel.text()
    press(qtbot, window, Qt.Key.Key_Left)   # looking back does not move the tour
    press(qtbot, window, Qt.Key.Key_Right)
    assert runner.index == 2
    press(qtbot, window, Qt.Key.Key_Right)  # backward
    assert runner.index == 3 and "−4.2" in panel.text()
    window.canvas.select(("weight", 1, 0, 0))  # "click the weight"
    assert runner.index == 4
    press(qtbot, window, Qt.Key.Key_Right)  # the update
    assert runner.index == 5 and "4.3" in panel.text()
    press(qtbot, window, Qt.Key.Key_Return)  # one more whole step
    assert runner.index == 6 and "141.6" in panel.text()
    settings = session.scenario.training
    from dataclasses import replace
    session.undo_stack.push(SetTrainingCommand(session, replace(settings, learning_rate=0.5),
                                               "Set η"))
    assert runner.index == 6 and "Now 0.5" in panel.text()  # not yet ≤ 0.1
    session.undo_stack.push(SetTrainingCommand(session, replace(settings, learning_rate=0.05),
                                               "Set η"))
    assert runner.index == 7
    press(qtbot, window, Qt.Key.Key_R)  # back to w = 0.1 ...
    assert session.trainer.steps_done == 0
    for _ in range(3):  # ... and three steps
        press(qtbot, window, Qt.Key.Key_Return)
    assert runner.index == 8 and "Export worked example" in panel.text()
    assert session.last_step.loss.loss == pytest.approx(4.9e-5)
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert runner.finished and "Tour complete" in panel.text()


def test_back_and_next_move_by_hand(window, qtbot):
    panel = start_tour(window, qtbot, "lecture-example")
    assert not panel.back_button.isEnabled()
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert panel.runner.index == 2 and "Step 3 of 9" in panel.text()
    qtbot.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)
    assert panel.runner.index == 1
    # the buttons never keep the keyboard: → still steps the animation
    press(qtbot, window, Qt.Key.Key_Right)
    assert window.animator.current is not None
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    assert not panel.runner.running and panel.chooser.isVisibleTo(panel)


def test_opening_a_builtin_scenario_offers_its_tour_in_the_dock(window, qtbot):
    panel = tour_dock(window)
    assert not panel.isVisible()  # nothing offered at start-up
    assert window.new_from_builtin("xor")
    assert panel.isVisible()
    assert panel.offer.isVisible() and "XOR needs a hidden layer" in panel.text()
    qtbot.mouseClick(panel.offer_start, Qt.MouseButton.LeftButton)
    assert panel.runner.tour.scenario == "xor" and not panel.offer.isVisible()
    # another built-in scenario with its own tour ends this one and offers the new one
    assert window.new_from_builtin("deep-relu")
    assert not panel.runner.running
    assert panel.offered.scenario == "deep-relu"
    # "Not now" hides the hint and the panel
    qtbot.mouseClick(panel.offer_dismiss, Qt.MouseButton.LeftButton)
    assert not panel.isVisible()


def test_a_saved_copy_of_a_builtin_scenario_still_offers_its_tour(window, tmp_path):
    panel = tour_dock(window)
    copy = tmp_path / "our-xor.bpsim.json"
    io.save(io.load_builtin("xor"), copy)
    assert window.open_path(copy)
    assert panel.isVisible() and panel.offered.scenario == "xor"
    # a scenario of one's own has no tour: nothing is offered, the dock stays as it was
    own = tmp_path / "own.bpsim.json"
    io.save(io.from_dict(io.to_dict(io.load_builtin("xor")) | {"title": "Own"}), own)
    assert window.open_path(own)
    assert panel.offered is None and not panel.offer.isVisible()


def test_the_dock_is_built_from_the_parts_it_is_given(window, qtbot):
    """Its own tours, its own way of opening a scenario, no offers while presenting."""
    only = Tour("xor", "Only XOR", "", (TourStep("", "Look.", Condition()),))
    opened, presenting = [], [True]
    dock = TourDock(window.session, window.canvas, tours={"xor": only},
                    open_scenario=lambda name: opened.append(name) or True,
                    presenting=lambda: presenting[0])
    qtbot.addWidget(dock)
    assert [dock.chooser.itemText(k) for k in range(dock.chooser.count())] == ["Only XOR"]
    assert dock.offered is None  # the lecture example is open: XOR's tour is not offered
    assert not dock.offers_allowed()
    presenting[0] = False
    assert dock.offers_allowed()
    qtbot.mouseClick(dock.start_button, Qt.MouseButton.LeftButton)
    assert opened == ["xor"] and dock.runner.tour is only
    assert "Step 1 of 1" in dock.text() and "Look." in dock.text()


def test_starting_a_tour_from_the_chooser_opens_its_scenario(window, qtbot, monkeypatch):
    panel = start_tour(window, qtbot, "lecture-example")
    window.action("full_step").trigger()  # the lecture example is now modified
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    asked = []
    monkeypatch.setattr(window, "_ask_save_changes",
                        lambda: asked.append(1) or QMessageBox.StandardButton.Discard)
    panel.chooser.setCurrentIndex(panel.chooser.findData("deep-sigmoid"))
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert asked == [1]  # through the window's own question, replaceable in tests
    assert window.session.scenario.title == io.load_builtin("deep-sigmoid").title
    assert panel.runner.tour.scenario == "deep-sigmoid" and panel.runner.index == 0


def test_every_kind_of_condition_is_met_by_what_the_window_reports(window, qtbot):
    panel = tour_dock(window)
    steps = (
        TourStep("", "a", Condition("phase", {"phase": "forward"})),
        TourStep("", "b", Condition("phase", {"phase": "forward"})),
        TourStep("", "c", Condition("steps", {"count": 2})),
        TourStep("", "d", Condition("loss_below", {"value": 1.0})),
        TourStep("", "e", Condition("selection", {"kind": "bias", "layer": 1})),
        TourStep("", "f", Condition("action", {"name": "gradient_check"})),
        TourStep("", "g", Condition()),
    )
    runner = panel.runner
    runner.start(Tour("lecture-example", "All conditions", "", steps))
    window.animator.set_phase_ms(0)
    window.action("next_phase").trigger()
    assert runner.index == 1  # one phase shown moves one step, not two
    window.action("next_phase").trigger()  # the loss: not a forward phase
    assert runner.index == 1
    window.action("full_step").trigger()   # finishes the step in progress
    window.action("full_step").trigger()   # a new step: its forward is not shown
    assert runner.index == 1
    window.animator.reset()
    window.action("next_phase").trigger()
    assert runner.index == 2
    window.action("full_step").trigger()
    assert runner.index == 2 and "1 so far" in panel.runner.waiting_text()
    window.action("full_step").trigger()
    assert runner.index == 3
    window.action("full_step").trigger()  # loss 141.6: not below 1
    assert runner.index == 3
    window.animator.reset()
    window.action("full_step").trigger()  # loss 0.49
    assert runner.index == 4
    window.canvas.select(("neuron", 1, 0))
    window.canvas.select(("weight", 1, 0, 0))
    assert runner.index == 4
    window.canvas.select(("bias", 1, 0))
    assert runner.index == 5 and "Gradient check" in runner.waiting_text()
    window.action("gradient_check").trigger()
    assert runner.index == 6
    window.gradcheck_dialog.close()
