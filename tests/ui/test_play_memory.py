"""Play at full speed keeps memory bounded: a burst keeps one full step record, an
out-of-memory step stops play with the steps before it kept, and a long play leaves
no object behind per burst."""

import gc

import numpy as np
import pytest

from bpsim.initializers import InitSpec, initialize
from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario
from bpsim.trace import StepRecord
from bpsim.training import TrainingSettings
from bpsim.ui.commands import TrainCommand
from bpsim.ui.playback.animator import SPEEDS, Animator
from bpsim.ui.session import Session


def live(kind) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is kind)


@pytest.fixture
def deep_wide():
    """[2]+[32]×6+[1] tanh on 100 xor samples: each full record holds every layer's
    z, a and δ for every sample."""
    layers = [2] + [32] * 6 + [1]
    init = InitSpec("xavier_uniform", seed=0)
    weights, biases = initialize(layers, init)
    network = Network(layers, ["tanh"] * 6 + ["sigmoid"], weights, biases)
    return Scenario(network, TrainingSettings("mse", 0.05),
                    DataSpec(generator="xor", n=100, seed=1), init)


def full_speed(session) -> Animator:
    animator = Animator(session)
    animator.set_speed(SPEEDS[-1])
    return animator


def test_a_quiet_burst_keeps_one_full_step_record(qapp, deep_wide):
    session = Session(deep_wide)
    before = live(StepRecord)
    records = session.train(300, notify=False)
    # the history has every step; the session holds the last full record only
    assert len(session.history) == 300
    assert [r.step for r in records] == [299]
    assert session.last_step is records[0]
    assert live(StepRecord) - before <= 1
    session.notify_trained()
    assert live(StepRecord) - before <= 1


def test_play_holds_one_full_step_record_while_it_runs(qtbot, deep_wide):
    session = Session(deep_wide)
    animator = full_speed(session)
    animator.max_steps = 200
    before = live(StepRecord)
    animator.play()
    qtbot.waitUntil(lambda: not animator.playing, timeout=20000)
    assert session.steps_done == 200 and len(session.history) == 200
    assert live(StepRecord) - before <= 1


def test_out_of_memory_in_a_step_stops_play_and_keeps_the_steps_before(qtbot, deep_wide,
                                                                       monkeypatch):
    session = Session(deep_wide)
    trainer = session.trainer
    take_batch = trainer.batch

    def batch(*args):  # every step takes its batch here, recorded or bulk
        if trainer.steps_done == 25:
            raise MemoryError
        return take_batch(*args)

    monkeypatch.setattr(trainer, "batch", batch)
    messages = []
    session.message.connect(messages.append)
    animator = full_speed(session)
    animator.play()
    qtbot.waitUntil(lambda: not animator.playing, timeout=20000)
    assert "memory" in animator.stop_reason
    assert any("memory" in m for m in messages)
    # the 25 steps before the failed one are kept: weights, history, step count
    assert session.steps_done == 25
    assert len(session.history) == 25 and session.history.last_step == 24
    last = session.last_step
    assert last.step == 24
    assert all(np.array_equal(w, a) for w, a in zip(session.network.weights,
                                                    last.update.weights_after))
    # play can go on once there is memory again
    monkeypatch.setattr(trainer, "batch", take_batch)
    session.train(1)
    assert session.steps_done == 26 and len(session.history) == 26


def test_out_of_memory_in_the_first_step_changes_nothing(qapp, deep_wide, monkeypatch):
    session = Session(deep_wide)
    weights = list(session.network.weights)
    state = session.trainer.state()

    def step(*args):
        raise MemoryError

    monkeypatch.setattr(session.trainer, "step", step)
    stopped = []
    session.training_stopped.connect(stopped.append)
    assert session.train(10, notify=False) == []
    assert stopped and "memory" in stopped[0]
    assert session.steps_done == 0 and len(session.history) == 0
    assert session.undo_stack.count() == 0
    assert all(a is b for a, b in zip(session.network.weights, weights))
    assert session.trainer.state()["position"] == state["position"]


def test_a_long_play_leaves_one_training_command(qtbot, xor):
    before = live(TrainCommand)  # other tests' stacks may still hold theirs
    session = Session(xor)
    session.train(1)  # the run every later burst merges into
    animator = full_speed(session)
    animator.max_steps = 3000
    animator.play()
    qtbot.waitUntil(lambda: not animator.playing, timeout=30000)
    for _ in range(500):  # 500 more bursts of one step each
        session.train(1, notify=False)
    session.notify_trained()
    assert session.steps_done == 3501
    # every burst merged into one undoable run, and no command object stayed behind
    assert session.undo_stack.count() == 1
    assert session.undo_stack.undoText() == "Train 3501 steps"
    assert live(TrainCommand) - before == 1
    session.undo_stack.undo()
    assert session.steps_done == 0 and session.at_initial_parameters()
    session.undo_stack.redo()
    assert session.steps_done == 3501
