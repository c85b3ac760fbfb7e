"""Predict, then reveal: each phase first hides exactly the number it computes; the
next press reveals the engine's value with its formula, the press after moves on."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from bpsim.notation.numbers import format_number
from bpsim.trace import BackwardRecord, ForwardRecord, LossRecord, UpdateRecord
from bpsim.ui.playback.animator import SPEEDS

INSTANT = next(i for i, speed in enumerate(SPEEDS) if speed.phase_ms == 0)


def shown(window) -> dict:
    """Every number the canvas and the banner show, by where it is shown."""
    canvas, drawing = window.canvas, window.phase_drawing
    layers = window.session.network.layers
    texts = {}
    for l, n in enumerate(layers):
        for j in range(n):
            texts[("neuron", l, j)] = canvas.neuron_text(l, j)
            if l:
                texts[("bias", l, j)] = canvas.bias_text(l, j)
                for i in range(layers[l - 1]):
                    texts[("edge", l, j, i)] = canvas.edge_label_text(l, j, i)
    for k in range(layers[-1]):
        texts[("output", k)] = canvas.output_text(k)
    texts["tags"] = list(drawing.overlay.tag_texts)
    texts["banner"] = drawing.banner_text
    return texts


def engine_value(step, record):
    """The number the phase computes for the focus (the first neuron or weight), read
    from the engine's StepRecord of the finished step."""
    if isinstance(record, ForwardRecord):
        return step.forward[record.layer - 1].a[0, 0]
    if isinstance(record, LossRecord):
        return step.loss.per_sample[0]
    if isinstance(record, BackwardRecord):
        return next(b for b in step.backward if b.layer == record.layer).grad_weights[0, 0]
    return step.update.weights_after[0][0, 0]


def press(window, qtbot, key=Qt.Key.Key_Right) -> None:
    """A clicker's key, as the canvas gets it."""
    qtbot.keyClick(window.canvas, key)


@pytest.fixture
def reveal_window(open_window, qtbot):
    def open_(name=None):
        window = open_window(name)
        # instant: each phase at its end, no tween to wait for
        window.transport.speed_slider.setValue(INSTANT)
        window.activateWindow()
        window.canvas.setFocus()
        qtbot.waitUntil(lambda: window.canvas.hasFocus())
        window.action("predict_reveal").trigger()
        assert window.animator.reveal_mode
        return window
    return open_


@pytest.mark.parametrize("name", [None, "xor"])
def test_each_hidden_moment_hides_exactly_the_number_computed(reveal_window, qtbot, name):
    window = reveal_window(name)
    animator, drawing = window.animator, window.phase_drawing
    moments = []
    for _ in range(2 * (2 * window.session.network.depth + 2)):
        press(window, qtbot)
        moments.append((animator.current, animator.hidden, shown(window),
                        drawing.focus_number))
    step = window.session.last_step
    assert step is not None and animator.step_complete  # 2 presses per phase: one step
    for (record, hidden, before, focus), (same, revealed, after, _) in zip(
            moments[::2], moments[1::2]):
        assert same is record and hidden and not revealed
        name_, value = focus
        assert value == engine_value(step, record)  # the engine's record, not recomputed
        value_text = format_number(value)
        # the tags beside the neurons: each hidden-moment tag is there once revealed
        # ("?" filled in); what else appears is the intermediate that would give the
        # value away (z beside a, δ beside ∂J/∂w)
        appeared = list(after.pop("tags"))
        hidden_tags = before.pop("tags")
        for tag in hidden_tags:
            appeared.remove(tag.replace("?", value_text))
        changed = {key for key in before.keys() | after.keys()
                   if before.get(key) != after.get(key)}
        # the banner: its one "?" is where the revealed banner writes the value
        assert before["banner"].count("?") == 1 and "?" not in after["banner"]
        assert value_text in after["banner"]
        changed.discard("banner")
        # the canvas: "?" exactly where the value appears once revealed
        question = {key for key in changed if before.get(key) and "?" in before[key]}
        for key in question:
            assert after[key] == before[key].replace("?", value_text), key
        # nothing else on the canvas moves
        assert changed == question
        tag_questions = [tag for tag in hidden_tags if "?" in tag]
        if isinstance(record, ForwardRecord):
            assert ("neuron", record.layer, 0) in question
            assert {k[0] for k in question} <= {"neuron", "output"}  # ŷ: also beside it
            assert not tag_questions
            assert appeared == [f"z = {format_number(record.z[0, 0])}"]
        elif isinstance(record, LossRecord):
            assert not question and tag_questions == ["loss = ?"] and not appeared
        elif isinstance(record, BackwardRecord):
            assert question == {("edge", record.layer, 0, 0)} and not tag_questions
            assert appeared == [f"δ = {format_number(record.delta[0, 0])}"]
        else:
            assert question == {("edge", 1, 0, 0)} and not tag_questions
            assert not appeared


def test_a_whole_step_takes_two_presses_per_hidden_number(reveal_window, qtbot):
    window = reveal_window()
    animator, session = window.animator, window.session
    kinds = []
    for _ in range(8):
        # the engine takes the step's update with the press that asks for the new w
        assert session.steps_done == (len(kinds) >= 7)
        press(window, qtbot)
        kinds.append((type(animator.current), animator.hidden))
    assert kinds == [(kind, hidden) for kind in (ForwardRecord, LossRecord,
                                                 BackwardRecord, UpdateRecord)
                     for hidden in (True, False)]
    assert session.steps_done == 1
    # the lecture's numbers, revealed one at a time: 0.3, 0.49, −4.2, 4.3
    assert window.canvas.edge_label_text(1, 0, 0) == "4.3"
    # the new prediction is the next step's question: not shown at the update
    assert window.canvas.neuron_text(1, 0) == "0.3"
    press(window, qtbot)
    assert isinstance(animator.current, ForwardRecord) and animator.hidden
    assert window.canvas.neuron_text(1, 0) == "?"
    assert window.canvas.output_text(0).startswith("ŷ = ?")


def test_back_hides_again_then_goes_to_the_previous_phase(reveal_window, qtbot):
    window = reveal_window()
    animator = window.animator
    for _ in range(4):  # the loss revealed
        press(window, qtbot)
    assert isinstance(animator.current, LossRecord) and not animator.hidden
    press(window, qtbot, Qt.Key.Key_Left)
    assert isinstance(animator.current, LossRecord) and animator.hidden
    assert "J = (ŷ − y)² = (0.3 − 1)² = ?" in window.phase_drawing.banner_text
    press(window, qtbot, Qt.Key.Key_Left)
    assert isinstance(animator.current, ForwardRecord) and not animator.hidden
    assert window.canvas.neuron_text(1, 0) == "0.3"
    press(window, qtbot)  # on again: the loss, hidden (replayed, not recomputed)
    assert isinstance(animator.current, LossRecord) and animator.hidden
    assert window.session.steps_done == 0


def test_leaving_the_mode_mid_step_shows_everything(reveal_window, qtbot):
    window = reveal_window()
    for _ in range(5):  # the backward pass, its gradient hidden
        press(window, qtbot)
    assert window.canvas.edge_label_text(1, 0, 0) == "?"
    window.action("predict_reveal").trigger()
    assert not window.animator.reveal_mode and not window.animator.hidden
    assert window.canvas.edge_label_text(1, 0, 0) == "−4.2"
    assert "?" not in window.phase_drawing.banner_text
    assert "δ = −1.4" in window.phase_drawing.overlay.tag_texts
    press(window, qtbot)  # and stepping is one press per phase again
    assert isinstance(window.animator.current, UpdateRecord)
    assert window.canvas.neuron_text(1, 0) == "12.9"  # the new prediction, as always


def test_a_typed_guess_is_compared_with_the_revealed_value(reveal_window, qtbot):
    window = reveal_window()
    transport = window.transport
    assert transport.guess_action.isVisible()
    press(window, qtbot)  # ŷ = ?
    field = transport.guess_field
    field.setFocus()
    qtbot.keyClicks(field, "abc")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert "number" in transport.guess_message.text()
    assert window.animator.guess is None and window.animator.hidden  # nothing stepped
    field.clear()
    qtbot.keyClicks(field, "0,5")  # a decimal comma is a number too
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert transport.guess_message.text() == ""
    assert "your guess 0.5" in window.phase_drawing.banner_text
    window.canvas.setFocus()
    press(window, qtbot)  # the reveal
    assert not window.animator.hidden
    assert "your guess 0.5, the value 0.3: off by 0.2" in window.phase_drawing.banner_text
    press(window, qtbot)  # the next number: the guess starts empty again
    assert field.text() == "" and window.animator.guess is None


def test_the_mode_sits_in_the_train_menu_with_a_key_no_clicker_sends(window):
    action = window.action("predict_reveal")
    assert action.isCheckable() and not action.isChecked()
    assert action in window.menus["train"].actions()
    clicker = {"Right", "Left", "PgDown", "PgUp", "Space", "B", ".", "W", "Esc", "F5"}
    keys = {k.toString() for k in action.shortcuts()}
    assert keys and not keys & clicker
    assert not window.transport.guess_action.isVisible()


def test_reveal_mode_in_presentation_and_during_play(reveal_window, qtbot):
    window = reveal_window()
    banner = window.phase_drawing.banner
    size = banner.headline.font().pointSizeF()
    window.action("presentation").trigger()
    assert banner.headline.font().pointSizeF() > size  # large for the back row
    press(window, qtbot)
    assert window.canvas.neuron_text(1, 0) == "?"
    assert "ŷ = ?" in window.phase_drawing.banner_text
    press(window, qtbot)
    assert window.canvas.neuron_text(1, 0) == "0.3"
    window.action("leave_presentation").trigger()
    assert window.animator.reveal_mode
    window.animator.play()  # play shows every number, hides none
    qtbot.waitUntil(lambda: window.session.steps_done >= 2)
    assert not window.animator.hidden
    window.animator.pause()
    assert "?" not in window.phase_drawing.banner_text


def test_a_tour_follows_the_phases_while_numbers_are_hidden(reveal_window, qtbot):
    from bpsim.tour import Condition, Tour, TourStep

    window = reveal_window()
    runner = window.tour_dock.runner
    steps = (TourStep("", "Predict ŷ.", Condition("phase", {"phase": "forward"})),
             TourStep("", "Predict ∂J/∂w.", Condition("phase", {"phase": "backward"})),
             TourStep("", "Done.", Condition()))
    runner.start(Tour("lecture-example", "Guessing", "", steps))
    press(window, qtbot)  # the forward phase is shown, ŷ still hidden: the tour moves on
    assert window.animator.hidden and runner.index == 1
    press(window, qtbot)  # the reveal: the same phase, the tour waits
    assert runner.index == 1
    for _ in range(3):  # the loss, hidden and revealed; then the backward phase
        press(window, qtbot)
    assert isinstance(window.animator.current, BackwardRecord) and window.animator.hidden
    assert runner.index == 2


# -- the other views while a number is hidden ------------------------------------------

def visible_texts(window) -> list[str]:
    """Every text a person sees outside the canvas (and its banner): labels, fields,
    buttons, lists and tables, text views, scenes' text items, the status bar; a view
    under the reveal's cover shows only the cover's note."""
    from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QComboBox,
                                   QGraphicsSimpleTextItem, QGraphicsTextItem,
                                   QGraphicsView, QLabel, QLineEdit, QPlainTextEdit,
                                   QTextEdit, QWidget)

    canvas, cover = window.canvas, window.reveal_cover
    texts = [window.statusBar().currentMessage()]
    for widget in window.findChildren(QWidget):
        if (not widget.isVisible() or widget is canvas or canvas.isAncestorOf(widget)
                or cover.is_covered(widget)):
            continue
        if isinstance(widget, QLabel):
            texts.append(widget.text())
        elif isinstance(widget, (QLineEdit, QAbstractButton)):
            texts.append(widget.text())
        elif isinstance(widget, QComboBox):
            texts.append(widget.currentText())
        elif isinstance(widget, (QTextEdit, QPlainTextEdit)):
            texts.append(widget.toPlainText())
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            texts += [str(model.index(r, c).data() or "")
                      for r in range(model.rowCount()) for c in range(model.columnCount())]
        if isinstance(widget, QGraphicsView) and widget.scene() is not None:
            for item in widget.scene().items():
                if not item.isVisible():
                    continue
                if isinstance(item, QGraphicsTextItem):
                    texts.append(item.toPlainText())
                elif isinstance(item, QGraphicsSimpleTextItem):
                    texts.append(item.text())
    return texts


def showing(texts: list[str], value_text: str) -> list[str]:
    """The texts that show the number (not as a part of a longer one: 0.3 is not in
    0.35 or 10.3)."""
    import re

    number = re.compile(rf"(?<![\d.]){re.escape(value_text)}(?!\d)")
    return [text for text in texts if number.search(text)]


@pytest.mark.parametrize("name", [None, "xor"])
def test_no_other_view_gives_a_hidden_number_away(reveal_window, qtbot, name):
    window = reveal_window(name)
    window.load_deferred_docks()
    window.show_activation_curve()
    window.show_layer_focus(1)
    window.show_comp_graph()
    docks = [window.math_dock, window.docks["inspector"], window.docks["layer_focus"],
             window.docks["comp_graph"], *window.plot_docks]
    animator, drawing, cover = window.animator, window.phase_drawing, window.reveal_cover
    window.canvas.setFocus()
    qtbot.waitUntil(lambda: window.canvas.hasFocus())
    loss_label = window.loss_label.text()
    assert "?" not in loss_label
    for _ in range(2 * window.session.network.depth + 2):
        press(window, qtbot)
        assert animator.hidden
        name_, value = drawing.focus_number
        value_text = format_number(value)
        assert cover.covered and all(cover.is_covered(d.widget()) for d in docks)
        assert showing(visible_texts(window), value_text) == []
        assert window.loss_label.text().startswith("Loss now: ?")
        press(window, qtbot)  # the reveal: the banner shows it, the views show theirs
        assert not animator.hidden and not cover.covered
        assert value_text in drawing.banner_text
        assert not any(cover.is_covered(d.widget()) for d in docks)
        assert "?" not in window.loss_label.text()
    math_texts = window.math_dock.browser.toPlainText()
    # the finished step's numbers are back in the Math dock: the step's loss
    assert format_number(window.session.last_step.loss.per_sample[0]) in math_texts


def test_with_a_bias_selected_the_update_asks_for_the_bias(reveal_window, qtbot):
    window = reveal_window("xor")
    canvas, drawing, animator = window.canvas, window.phase_drawing, window.animator
    canvas.select(("bias", 2, 0))
    canvas.setFocus()
    phases = 2 * window.session.network.depth + 1
    for _ in range(2 * phases + 1):  # each phase asked and revealed; then the update
        press(window, qtbot)
    assert isinstance(animator.current, UpdateRecord) and animator.hidden
    update = window.session.last_step.update
    name, value = drawing.focus_number
    assert value == update.biases_after[1][0] != update.biases_before[1][0]
    assert canvas.bias_text(2, 0) == "b = ?"
    banner = drawing.banner_text
    assert banner.count("?") == 1 and f"{name} = " in banner and f"reveals {name}" in banner
    assert format_number(value) not in banner
    # the weights are not the question: their new values are shown
    assert canvas.edge_label_text(1, 0, 0) == format_number(update.weights_after[0][0, 0])
    press(window, qtbot)  # the reveal
    assert canvas.bias_text(2, 0) == f"b = {format_number(value)}"
    assert format_number(value) in drawing.banner_text


def test_an_untrained_bias_selected_leaves_the_question_to_its_weight(reveal_window,
                                                                       qtbot):
    window = reveal_window()  # the lecture example: biases are not trained
    canvas = window.canvas
    canvas.select(("bias", 1, 0))
    canvas.setFocus()
    for _ in range(7):
        press(window, qtbot)
    assert isinstance(window.animator.current, UpdateRecord) and window.animator.hidden
    assert canvas.bias_text(1, 0) == "b = 0"
    assert canvas.edge_label_text(1, 0, 0) == "?"


def test_the_guess_field_stays_while_presenting_and_follows_the_mode(reveal_window,
                                                                    qtbot):
    window = reveal_window()
    transport = window.transport
    window.action("presentation").trigger()
    # typed settings leave the bar while presenting; the class's guess stays
    assert transport.guess_action.isVisible() and transport.guess_field.isVisible()
    window.canvas.setFocus()
    press(window, qtbot)  # ŷ = ?
    transport.guess_field.setFocus()
    qtbot.keyClicks(transport.guess_field, "0.25")
    qtbot.keyClick(transport.guess_field, Qt.Key.Key_Return)
    assert window.animator.guess == 0.25
    assert "your guess 0.25" in window.phase_drawing.banner_text
    window.action("predict_reveal").trigger()  # the mode off while presenting
    assert not transport.guess_action.isVisible()
    window.action("leave_presentation").trigger()
    assert not window.presentation.active
    assert not transport.guess_action.isVisible()  # not brought back: the mode is off
    window.action("predict_reveal").trigger()
    assert transport.guess_action.isVisible()


def test_the_mode_switched_on_while_presenting_shows_the_guess(window):
    window.action("presentation").trigger()
    assert not window.transport.guess_action.isVisible()
    window.action("predict_reveal").trigger()
    # an entry of the bar (in the bar's overflow menu if the screen is narrow)
    assert window.transport.guess_action.isVisible()
    window.action("leave_presentation").trigger()
    assert window.transport.guess_action.isVisible()
