"""The animator steps through the engine's recorded phases; going back changes nothing."""

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt

from bpsim.trace import BackwardRecord, ForwardRecord, LossRecord, UpdateRecord
from bpsim.ui.playback.animator import SPEEDS, Animator
from bpsim.ui.commands import SetTrainingCommand
from bpsim.ui.session import Session


def weight(session):
    return float(session.network.weights[0][0, 0])


@pytest.fixture
def animator(qtbot, lecture_example):
    session = Session(lecture_example)
    animator = Animator(session)
    animator.set_phase_ms(0)
    return animator


def test_right_walks_through_the_lecture_step(animator):
    session = animator.session
    kinds = []
    for _ in range(4):
        animator.next_phase()
        kinds.append(type(animator.current))
        if kinds[-1] is not UpdateRecord:
            assert weight(session) == 0.1  # nothing moves before the update
    assert kinds == [ForwardRecord, LossRecord, BackwardRecord, UpdateRecord]
    forward, loss, backward, update = animator.records
    assert forward.a[0, 0] == pytest.approx(0.3)
    assert loss.loss == pytest.approx(0.49)
    assert backward.grad_weights[0, 0] == pytest.approx(-4.2)
    assert weight(session) == pytest.approx(4.3)
    assert update.weights_after[0][0, 0] == pytest.approx(4.3)


def test_left_replays_backwards_without_changing_weights(animator):
    session = animator.session
    for _ in range(4):
        animator.next_phase()
    for expected in (BackwardRecord, LossRecord, ForwardRecord):
        animator.previous_phase()
        assert isinstance(animator.current, expected)
        assert weight(session) == pytest.approx(4.3)
    assert session.trainer.steps_done == 1
    # Right again replays the recorded phases; the engine is not asked again.
    animator.next_phase()
    assert isinstance(animator.current, LossRecord)
    assert session.trainer.steps_done == 1


def test_phase_indicator_says_where_we_are(animator):
    assert animator.phase_text().startswith("Ready")
    animator.next_phase()
    assert animator.phase_text().startswith("Forward · layer 1 of 1")
    animator.next_phase()
    assert animator.phase_text().startswith("Loss")
    animator.next_phase()
    assert animator.phase_text().startswith("Backward · layer 1 of 1")
    animator.next_phase()
    assert animator.phase_text().startswith("Update")
    assert "step 1" in animator.phase_text()


def test_full_step_finishes_the_step_in_progress(animator):
    animator.next_phase()
    animator.full_step()
    assert isinstance(animator.current, UpdateRecord)
    assert animator.session.trainer.steps_done == 1
    assert weight(animator.session) == pytest.approx(4.3)


def test_an_edit_mid_step_abandons_it_and_draws_the_batch_again(animator):
    session = animator.session
    animator.next_phase()
    session.set_weight(1, 0, 0, 0.2)
    assert animator.current is None and not session.step_in_progress
    animator.full_step()
    assert session.trainer.steps_done == 1
    # ŷ = 0.6, ∂L/∂w = 2(0.6 − 1)·3 = −2.4, w = 0.2 + 2.4
    assert weight(session) == pytest.approx(2.6)


def test_reset_returns_to_initial_weights(animator):
    animator.full_step()
    animator.full_step()
    animator.reset()
    assert weight(animator.session) == 0.1
    assert animator.session.trainer.steps_done == 0


def test_slow_phase_tween_runs_to_the_end(qtbot, animator):
    animator.set_phase_ms(60)
    animator.next_phase()
    assert animator.t < 1.0
    qtbot.waitUntil(lambda: animator.t == 1.0, timeout=2000)


def test_play_stops_after_max_steps(qtbot, animator):
    animator.max_steps = 25
    animator.play()
    qtbot.waitUntil(lambda: not animator.playing, timeout=5000)
    assert animator.session.trainer.steps_done == 25


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_play_with_diverging_learning_rate_stops_with_finite_weights(qtbot, lecture_example):
    lecture_example.training = replace(lecture_example.training, learning_rate=1e6)
    session = Session(lecture_example)
    messages = []
    session.message.connect(messages.append)
    animator = Animator(session)
    animator.set_phase_ms(0)
    animator.play()
    qtbot.waitUntil(lambda: not animator.playing, timeout=5000)
    assert session.last_step.diverged
    assert np.isfinite(session.network.weights[0]).all()
    assert any("diverged" in m for m in messages)


# -- in the main window, driven by keys ----------------------------------------------


INSTANT = next(n for n, s in enumerate(SPEEDS) if s.phase_ms == 0)
FULL_SPEED = len(SPEEDS) - 1
#: an animated speed, short enough for tests
ANIMATED = next(n for n, s in enumerate(SPEEDS) if s.phase_ms == 300)


def shown_number(value) -> str:
    """A number as the canvas writes it."""
    from bpsim.notation.numbers import format_number

    return format_number(value)


def press(qtbot, window, key, times=1):
    for _ in range(times):
        qtbot.keyClick(window.canvas, key)


@pytest.fixture
def lecture(window, qtbot):
    """The lecture example as ``bpsim`` opens it, speed "instant", canvas focused."""
    window.transport.speed_slider.setValue(INSTANT)
    window.activateWindow()
    window.canvas.setFocus()
    qtbot.waitUntil(lambda: window.canvas.hasFocus())
    return window


def inspector(window):
    return window.docks["inspector"]


def test_right_walks_the_lecture_step_on_the_canvas_and_inspector(lecture, qtbot):
    window, canvas = lecture, lecture.canvas
    canvas.select(("weight", 1, 0, 0))
    dock = inspector(window)

    press(qtbot, window, Qt.Key.Key_Right)  # forward
    assert canvas.neuron_text(1, 0) == "0.3"
    assert "ŷ = 0.3" in canvas.output_text(0)
    assert window.phase_drawing.indicator_text.startswith("Forward · layer 1 of 1")

    press(qtbot, window, Qt.Key.Key_Space)  # loss
    assert "(0.3 − 1)² = 0.49" in window.phase_drawing.indicator_text
    assert "0.49" in window.phase_drawing.banner_text

    press(qtbot, window, Qt.Key.Key_PageDown)  # backward
    assert canvas.edge_label_text(1, 0, 0) == "−4.2"
    assert "gradient" in canvas.legend_text
    assert dock.gradient.text() == "−4.2"
    assert weight(window.session) == 0.1

    press(qtbot, window, Qt.Key.Key_Right)  # update
    assert canvas.edge_label_text(1, 0, 0) == "4.3"
    assert dock.parameter_editor.field.text() == "4.3"
    assert weight(window.session) == pytest.approx(4.3)
    assert "0.1 − 1·(−4.2) = 4.3" in window.phase_drawing.banner_text


def test_left_replays_the_step_backwards_without_changing_the_weight(lecture, qtbot):
    window, canvas = lecture, lecture.canvas
    press(qtbot, window, Qt.Key.Key_Right, 4)
    assert weight(window.session) == pytest.approx(4.3)
    press(qtbot, window, Qt.Key.Key_Left)
    assert canvas.edge_label_text(1, 0, 0) == "−4.2"
    press(qtbot, window, Qt.Key.Key_PageUp, 2)
    assert window.phase_drawing.indicator_text.startswith("Forward")
    assert canvas.neuron_text(1, 0) == "0.3"
    assert canvas.edge_label_text(1, 0, 0) == "0.1"  # the weight this pass used
    assert weight(window.session) == pytest.approx(4.3)
    assert window.session.trainer.steps_done == 1


def test_phase_keys_do_nothing_while_typing_in_a_number_field(lecture, qtbot):
    window = lecture
    field = window.docks["training"].learning_rate
    field.edit.setFocus()
    qtbot.waitUntil(field.edit.hasFocus)
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_Left, Qt.Key.Key_PageDown,
                Qt.Key.Key_P, Qt.Key.Key_R):
        qtbot.keyClick(field.edit, key)
    assert window.animator.current is None and not window.animator.playing
    assert field.text() != "1"  # the keys went into the field
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, "0.5")
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)
    # Enter went to the field (a new learning rate), not to "full step"
    assert window.session.scenario.training.learning_rate == 0.5
    assert window.animator.current is None and window.session.trainer.steps_done == 0


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_play_with_a_diverging_learning_rate_stops_with_a_message(lecture, qtbot):
    window, session = lecture, lecture.session
    settings = session.scenario.training
    session.undo_stack.push(SetTrainingCommand(
        session, type(settings)(**{**settings.__dict__, "learning_rate": 1e6}), "η = 1e6"))
    window.transport.speed_slider.setValue(FULL_SPEED)
    press(qtbot, window, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: not window.animator.playing, timeout=5000)
    step = session.last_step
    assert step.diverged
    assert np.isfinite(session.network.weights[0]).all()
    message = window.statusBar().currentMessage()
    assert f"diverged at step {step.step + 1}" in message and "learning rate" in message
    assert window.phase_drawing.banner.alarm
    assert "try a smaller learning rate" in window.phase_drawing.banner_text


def test_play_stops_at_the_target_loss_exactly(lecture, qtbot):
    window, session = lecture, lecture.session
    settings = session.scenario.training
    session.undo_stack.push(SetTrainingCommand(
        session, type(settings)(**{**settings.__dict__, "learning_rate": 0.01}), "η"))
    transport = window.transport
    transport.target_check.setChecked(True)
    transport.target_field.set_value(0.01)
    transport.target_field.value_committed.emit(0.01)
    transport.speed_slider.setValue(FULL_SPEED)
    window.action("play_pause").trigger()
    qtbot.waitUntil(lambda: not window.animator.playing, timeout=5000)
    losses = session.history.losses
    assert losses[-1] <= 0.01 < losses[-2]  # stopped at the first step that got there
    assert "target" in window.animator.stop_reason


def test_play_stops_after_the_chosen_number_of_steps(lecture, qtbot):
    window = lecture
    transport = window.transport
    qtbot.mouseClick(transport.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(transport.stop_popup.isVisible)
    transport.max_steps_check.click()
    field = transport.max_steps_field.edit
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, "30")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert transport.stop_button.text().startswith("Stop: after 30 steps")
    transport.stop_popup.hide()
    transport.speed_slider.setValue(FULL_SPEED)
    window.action("play_pause").trigger()
    qtbot.waitUntil(lambda: not window.animator.playing, timeout=5000)
    assert window.session.trainer.steps_done == 30
    assert window.transport.step_counter.text() == "Step 30 done"


def test_animated_phase_runs_its_tween_and_ends_on_the_engine_value(lecture, qtbot):
    window, canvas = lecture, lecture.canvas
    press(qtbot, window, Qt.Key.Key_Right, 3)
    window.transport.speed_slider.setValue(ANIMATED)
    press(qtbot, window, Qt.Key.Key_Right)  # the update, animated
    animator = window.animator
    assert animator.t < 1.0 and canvas.edge_label_text(1, 0, 0) != "4.3"
    qtbot.waitUntil(lambda: animator.t == 1.0, timeout=5000)
    assert canvas.edge_label_text(1, 0, 0) == "4.3"


def test_forward_pulses_travel_then_the_values_appear(lecture, qtbot):
    window, canvas = lecture, lecture.canvas
    window.transport.speed_slider.setValue(ANIMATED)
    press(qtbot, window, Qt.Key.Key_Right)
    overlay = window.phase_drawing.overlay
    assert overlay.pulse_count == 1 and canvas.neuron_text(1, 0) == ""
    qtbot.waitUntil(lambda: window.animator.t == 1.0, timeout=5000)
    assert overlay.pulse_count == 0 and canvas.neuron_text(1, 0) == "0.3"
    assert "z = 0.3" in overlay.tag_texts


def test_a_batch_says_which_sample_the_canvas_shows(open_window, qtbot):
    window = open_window("xor")
    window.transport.speed_slider.setValue(INSTANT)
    session = window.session
    session.set_current_sample(2)
    window.action("next_phase").trigger()
    assert "sample 3 of a batch of 4" in window.phase_drawing.indicator_text
    x = session.dataset.x[2]
    assert window.canvas.neuron_text(0, 0) == shown_number(x[0])
    assert window.canvas.neuron_text(0, 1) == shown_number(x[1])


def trained_xor(open_window, steps=6):
    window = open_window("xor")
    window.transport.speed_slider.setValue(INSTANT)
    for _ in range(steps):
        window.action("full_step").trigger()
    return window


def test_scrubbing_the_timeline_shows_an_earlier_step_and_changes_nothing(open_window):
    window = trained_xor(open_window)
    session, canvas, timeline = window.session, window.canvas, window.timeline
    now = [np.array(w) for w in session.network.weights]
    timeline.scrub_to_step(1)  # after the second step
    snapshot = session.history.snapshot_at(1)
    shown = shown_number(snapshot.weights[1][0, 0])
    assert shown != shown_number(now[1][0, 0])
    assert canvas.edge_label_text(2, 0, 0) == shown
    assert "after step 2" in window.phase_drawing.indicator_text
    assert all(np.array_equal(a, b) for a, b in zip(session.network.weights, now))
    timeline.to_now()
    assert canvas.edge_label_text(2, 0, 0) == shown_number(now[1][0, 0])


def test_the_plots_draw_their_cursor_at_the_step_the_timeline_shows(open_window):
    window = trained_xor(open_window)
    timeline = window.timeline
    timeline.scrub_to_step(1)  # shown before the plots are made: they start there
    window.load_deferred_docks()
    controller = window.plot_docks[0].controller
    assert controller.cursor == 1
    timeline.scrub_to_step(3)
    assert controller.cursor == 3
    timeline.to_now()
    assert controller.cursor is None


def test_continue_from_here_branches_training_and_undo_restores(open_window):
    window = trained_xor(open_window)
    session, timeline = window.session, window.timeline
    after_six = [np.array(w) for w in session.network.weights]
    timeline.scrub_to_step(1)
    snapshot = session.history.snapshot_at(1)
    timeline.continue_action.trigger()
    assert session.trainer.steps_done == 2
    assert all(np.array_equal(a, b) for a, b in zip(session.network.weights,
                                                     snapshot.weights))
    assert session.history.next_step == 2
    window.action("full_step").trigger()  # the branch goes on as the original did
    assert session.history.losses[-1] == pytest.approx(
        float(session.last_step.loss.loss))
    window.action("undo").trigger()  # the step on the branch
    window.action("undo").trigger()  # the branch itself
    assert session.trainer.steps_done == 6
    assert all(np.array_equal(a, b) for a, b in zip(session.network.weights, after_six))
    assert session.history.next_step == 6


def test_reset_key_is_undoable(lecture, qtbot):
    window = lecture
    press(qtbot, window, Qt.Key.Key_Return, 2)
    trained = weight(window.session)
    press(qtbot, window, Qt.Key.Key_R)
    assert weight(window.session) == 0.1
    window.action("undo").trigger()
    assert weight(window.session) == pytest.approx(trained)


def test_slow_play_animates_every_phase_of_a_step(lecture, qtbot):
    window = lecture
    animator = window.animator
    shown = []
    animator.frame.connect(lambda: shown.append(type(animator.current).__name__))
    window.transport.speed_slider.setValue(SPEEDS.index(
        next(s for s in SPEEDS if s.phase_ms and s.phase_ms <= 150)))
    window.transport.max_steps_check.setChecked(True)
    window.transport.max_steps_field.set_value(1)
    window.transport.max_steps_field.value_committed.emit(1)
    window.action("play_pause").trigger()
    qtbot.waitUntil(lambda: not animator.playing and animator.t == 1.0, timeout=5000)
    assert window.session.trainer.steps_done == 1
    phases = [name for n, name in enumerate(shown) if n == 0 or shown[n - 1] != name]
    assert phases[-4:] == ["ForwardRecord", "LossRecord", "BackwardRecord", "UpdateRecord"]
    assert window.canvas.edge_label_text(1, 0, 0) == "4.3"


def test_a_new_architecture_mid_step_shows_the_new_network(open_window, qtbot):
    from bpsim.network import Network
    from bpsim.ui.commands import SetNetworkCommand

    window = open_window("xor")
    window.transport.speed_slider.setValue(INSTANT)
    session = window.session
    window.action("next_phase").trigger()
    net = session.network
    wider = Network([2, 3, 1], net.activations, [[[0.1, 0.2]] * 3, [[0.3] * 3]],
                    [[0.0] * 3, [0.0]])
    session.undo_stack.push(SetNetworkCommand(session, wider, "Add a neuron"))
    assert window.animator.current is None
    assert window.canvas.neuron_text(1, 2) != ""
    window.action("next_phase").trigger()
    assert window.phase_drawing.overlay.tag_texts[2].startswith("z = ")
