"""The animator steps through the engine's recorded phases; going back changes nothing."""

import numpy as np
import pytest

from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario
from bpsim.trace import BackwardRecord, ForwardRecord, LossRecord, UpdateRecord
from bpsim.training import TrainingSettings
from ui.animation import Animator
from ui.session import Session


def lecture_session():
    scenario = Scenario(Network([1, 1], ["identity"], [[[0.1]]], [[0.0]]),
                        TrainingSettings("mse", 1.0, train_biases=False),
                        DataSpec.from_samples([([3], [1])]))
    return Session(scenario)


def weight(session):
    return float(session.network.weights[0][0, 0])


@pytest.fixture
def animator(qtbot):
    session = lecture_session()
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


def test_play_with_diverging_learning_rate_stops_with_finite_weights(qtbot):
    scenario = Scenario(Network([1, 1], ["identity"], [[[0.1]]], [[0.0]]),
                        TrainingSettings("mse", 1e6, train_biases=False),
                        DataSpec.from_samples([([3], [1])]))
    session = Session(scenario)
    messages = []
    session.message.connect(messages.append)
    animator = Animator(session)
    animator.set_phase_ms(0)
    animator.play()
    qtbot.waitUntil(lambda: not animator.playing, timeout=5000)
    assert session.last_step.diverged
    assert np.isfinite(session.network.weights[0]).all()
    assert any("diverged" in m for m in messages)
