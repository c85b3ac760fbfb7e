"""Help ▸ Lessons: lesson files are validated data; the panel follows what the user does
(keys, clicks, training, settings) and moves on by itself; opening a preset offers its
lesson in the panel, never in a dialog."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from bpsim import io
from bpsim.ui import lessons
from bpsim.ui.commands import SetTrainingCommand
from bpsim.ui.lessons import Condition, Lesson, LessonError, LessonStep, loads_lesson


def lesson_json(**changes) -> str:
    data = {"format": "bpsim-lesson", "version": 1, "preset": "xor", "title": "T",
            "steps": [{"text": "Press → for the loss.",
                       "condition": {"wait_for": "phase", "phase": "loss"}}]}
    data.update(changes)
    return json.dumps(data)


def press(qtbot, window, key) -> None:
    qtbot.keyClick(QApplication.focusWidget() or window.canvas, key)


def start_lesson(window, qtbot, preset: str):
    """Help ▸ Lessons, then the offered lesson's Start button, as a user does."""
    qtbot.waitUntil(lambda: window.isActiveWindow())
    window.animator.set_phase_ms(0)
    window.action("lessons").trigger()
    panel = window.lesson_panel
    assert panel.isVisible() and panel.offered.preset == preset
    qtbot.mouseClick(panel.offer_start, Qt.MouseButton.LeftButton)
    assert panel.runner.running and panel.runner.index == 0
    return panel


# -- lesson files -------------------------------------------------------------------------


def test_the_bundled_lessons_load_for_the_four_presets():
    bundled = lessons.bundled_lessons()
    assert {"lecture-example", "xor", "deep-sigmoid", "deep-relu"} <= set(bundled)
    presets = io.preset_names()
    for name, lesson in bundled.items():
        assert name in presets
        assert len(lesson.steps) >= 5
        assert lesson.steps[-1].condition.kind == "next"
        kinds = {step.condition.kind for step in lesson.steps}
        assert kinds - {"next"}, name  # the lesson follows the user, not only Next
    sigmoid_text = " ".join(s.text for s in bundled["deep-sigmoid"].steps)
    assert "σ′ ≤ 0.25" in sigmoid_text


@pytest.mark.parametrize("changes, where, words", [
    ({"format": "other"}, "format", "bpsim-lesson"),
    ({"steps": []}, "steps", "non-empty"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "magic"}}]},
     "steps[0].condition.wait_for", "phase"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "phase", "phase": "sideways"}}]},
     "steps[0].condition.phase", "forward"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "phase", "phase": "loss",
                                             "layer": 2}}]},
     "steps[0].condition.layer", "no layer"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "steps", "count": 0}}]},
     "steps[0].condition.count", "≥ 1"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "steps"}}]},
     "steps[0].condition", "needs 'count'"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "setting",
                                             "name": "learning_rate"}}]},
     "steps[0].condition", "at_most"),
    ({"steps": [{"text": "x", "wait": "typo"}]}, "steps[0]", "unknown key 'wait'"),
    ({"steps": [{"text": 3}]}, "steps[0].text", "text"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "action",
                                             "name": "__import__('os')"}}]},
     "steps[0].condition.name", "action name"),
])
def test_a_malformed_lesson_says_where_and_why(changes, where, words):
    with pytest.raises(LessonError) as error:
        loads_lesson(lesson_json(**changes), "bad.json")
    assert where in error.value.where and words in error.value.reason


def test_lesson_text_is_shown_literally_never_run():
    lesson = loads_lesson(lesson_json(steps=[{"text": "<b>{__import__('os')}</b> **σ′**"}]))
    shown = lessons.lesson_html(lesson.steps[0].text)
    assert "&lt;b&gt;{__import__('os')}&lt;/b&gt;" in shown and "<b>σ′</b>" in shown
    assert lesson.steps[0].condition == Condition("next", {})
    with pytest.raises(LessonError, match="not valid JSON"):
        loads_lesson("{'python': 'dict'}")


# -- following the user in the window ---------------------------------------------------------


def test_the_lecture_lesson_follows_what_the_user_does(window, qtbot):
    panel = start_lesson(window, qtbot, "lecture-example")
    runner, session = panel.runner, window.session
    assert "Press → (or Space)" in panel.text()
    assert "Step 1 of 9" in panel.text()

    press(qtbot, window, Qt.Key.Key_Right)  # the forward pass, as the step says
    assert runner.index == 1 and "ŷ = w·x = 0.1 · 3 = 0.3" in panel.text()
    press(qtbot, window, Qt.Key.Key_Right)  # the loss
    assert runner.index == 2 and "0.49" in panel.text()
    press(qtbot, window, Qt.Key.Key_Left)   # looking back does not move the lesson
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
    assert runner.finished and "Lesson complete" in panel.text()


def test_back_and_next_move_by_hand(window, qtbot):
    panel = start_lesson(window, qtbot, "lecture-example")
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


def test_opening_a_preset_offers_its_lesson_in_the_panel(window, qtbot, monkeypatch):
    panel = window.lesson_panel
    assert not panel.isVisible()  # nothing offered at start-up
    assert window.new_from_preset("xor")
    assert panel.isVisible()
    assert panel.offer.isVisible() and "XOR needs a hidden layer" in panel.text()
    qtbot.mouseClick(panel.offer_start, Qt.MouseButton.LeftButton)
    assert panel.runner.lesson.preset == "xor" and not panel.offer.isVisible()
    # another preset with its own lesson ends this one and offers the new one
    assert window.new_from_preset("deep-relu")
    assert not panel.runner.running
    assert panel.offered.preset == "deep-relu"
    # "Not now" hides the hint and the panel
    qtbot.mouseClick(panel.offer_dismiss, Qt.MouseButton.LeftButton)
    assert not panel.isVisible()


def test_starting_a_lesson_from_the_chooser_opens_its_preset(window, qtbot, monkeypatch):
    panel = start_lesson(window, qtbot, "lecture-example")
    window.action("full_step").trigger()  # the lecture example is now modified
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    asked = []
    monkeypatch.setattr(window, "_ask_save_changes",
                        lambda: asked.append(1) or QMessageBox.StandardButton.Discard)
    panel.chooser.setCurrentIndex(panel.chooser.findData("deep-sigmoid"))
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert asked == [1]  # through the window's own question, replaceable in tests
    assert window.session.scenario.title == io.load_preset("deep-sigmoid").title
    assert panel.runner.lesson.preset == "deep-sigmoid" and panel.runner.index == 0


def test_every_kind_of_condition_is_met_by_what_the_window_reports(window, qtbot):
    panel = window.lesson_panel
    steps = (
        LessonStep("", "a", Condition("phase", {"phase": "forward"})),
        LessonStep("", "b", Condition("phase", {"phase": "forward"})),
        LessonStep("", "c", Condition("steps", {"count": 2})),
        LessonStep("", "d", Condition("loss_below", {"value": 1.0})),
        LessonStep("", "e", Condition("selection", {"kind": "bias", "layer": 1})),
        LessonStep("", "f", Condition("action", {"name": "gradient_check"})),
        LessonStep("", "g", Condition()),
    )
    runner = panel.runner
    runner.start(Lesson("lecture-example", "All conditions", "", steps))
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
