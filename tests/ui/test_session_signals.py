"""The Session's signal contract: which signals each edit emits, and how many times.

Views restyle, rebuild or replot on these signals, so a missing signal leaves a view
stale and an extra one costs a repaint.  Every edit goes through the undo stack as the
window does it, and starts from a saved file (the undo stack clean), so the modified
flag flips on each edit, undo and redo: one ``file_state_changed`` each time.  One
edit tells each signal at most once (the session groups its changes with ``batch()``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Signal

from bpsim.network import Network
from bpsim.notation.symbols import Numbering
from bpsim.scenario import DataSpec
from bpsim.trace import BackwardRecord, ForwardRecord, LossRecord, StepRecord, UpdateRecord
from bpsim.ui import commands
from bpsim.ui.session import Session

SIGNALS = {"structure_changed", "parameters_changed", "training_changed", "data_changed",
           "sample_changed", "steps_recorded", "diverged", "phase_recorded",
           "step_abandoned", "history_changed", "file_state_changed", "notation_changed",
           "message", "training_stopped"}


class SignalLog:
    """Every signal the session emits, in order, as (name, arguments)."""

    def __init__(self, session: Session):
        self.emitted: list[tuple[str, tuple]] = []
        for name in SIGNALS:
            getattr(session, name).connect(
                lambda *args, name=name: self.emitted.append((name, args)))

    def counts(self) -> Counter:
        return Counter(name for name, _ in self.emitted)

    def names(self) -> list[str]:
        return [name for name, _ in self.emitted]

    def args(self, signal: str) -> list[tuple]:
        return [args for name, args in self.emitted if name == signal]

    def take(self) -> Counter:
        """The counts so far; the log starts again."""
        counts = self.counts()
        self.emitted.clear()
        return counts


def saved(session: Session, tmp_path) -> Session:
    session.mark_saved(tmp_path / "lesson.bpsim.json")
    return session


@pytest.fixture
def session(qapp, lecture_example):
    return Session(lecture_example)


@pytest.fixture
def log(session):
    return SignalLog(session)


def test_the_contract_names_every_signal_of_the_session():
    declared = {name for name, value in vars(Session).items() if isinstance(value, Signal)}
    assert declared == SIGNALS


def wider() -> Network:
    """The lecture network with a hidden layer of two neurons."""
    return Network([1, 2, 1], ["identity", "identity"], [[[0.1], [0.2]], [[0.3, 0.4]]],
                   [[0.0, 0.0], [0.0]])


EDITS = {
    "set a weight": lambda s: commands.SetWeightCommand(s, 1, 0, 0, 2.0),
    "set a bias": lambda s: commands.SetBiasCommand(s, 1, 0, 0.5),
    "set the network": lambda s: commands.SetNetworkCommand(s, wider(), "Add a layer"),
    "set the training settings": lambda s: commands.SetTrainingCommand(
        s, replace(s.scenario.training, learning_rate=0.5), "Learning rate 0.5"),
    "set the data": lambda s: commands.SetDataCommand(
        s, DataSpec.from_samples([([3], [1]), ([1], [0])]), "Add a sample"),
    "re-initialize the weights": lambda s: commands.ReinitializeCommand(
        s, replace(s.scenario.init, seed=1)),
    "number layers as the lecture": lambda s: commands.SetNumberingCommand(s, Numbering(1)),
}

#: name → (signals of the edit, of its undo, of its redo)
EXPECTED = {
    "set a weight": (
        {"parameters_changed": 1, "file_state_changed": 1},
    ) * 3,
    "set a bias": (
        {"parameters_changed": 1, "file_state_changed": 1},
    ) * 3,
    # a new network starts a new history (empty or not, views start over)
    "set the network": (
        {"structure_changed": 1, "parameters_changed": 1, "history_changed": 1,
         "file_state_changed": 1},
    ) * 3,
    "set the training settings": (
        {"training_changed": 1, "file_state_changed": 1},
    ) * 3,
    # sample_changed although the shown sample is still number 0: its values may differ
    # (the canvas, the inspector and the Math dock show them on sample_changed)
    "set the data": (
        {"data_changed": 1, "sample_changed": 1, "file_state_changed": 1},
    ) * 3,
    # the initializer is announced as training_changed; undo brings the cleared
    # history back
    "re-initialize the weights": (
        {"training_changed": 1, "parameters_changed": 1, "history_changed": 1,
         "file_state_changed": 1},
    ) * 3,
    # only the labels change: weights, steps and history stay
    "number layers as the lecture": (
        {"notation_changed": 1, "file_state_changed": 1},
    ) * 3,
}


@pytest.mark.parametrize("edit", EDITS)
def test_each_edit_its_undo_and_its_redo_emit(edit, session, log, tmp_path):
    saved(session, tmp_path)
    log.take()
    session.undo_stack.push(EDITS[edit](session))
    done = log.take()
    session.undo_stack.undo()
    undone = log.take()
    session.undo_stack.redo()
    redone = log.take()
    assert (done, undone, redone) == tuple(Counter(e) for e in EXPECTED[edit])


def test_an_architecture_change_rebuilds_before_it_restyles(session, log):
    session.undo_stack.push(commands.SetNetworkCommand(session, wider(), "Add"))
    assert log.names().index("structure_changed") < log.names().index("parameters_changed")


def test_an_architecture_change_clears_the_history_and_says_so(session, log):
    session.train(3)
    log.take()
    session.undo_stack.push(commands.SetNetworkCommand(session, wider(), "Add"))
    assert len(session.history.steps) == 0 and session.steps_done == 0
    assert log.take() == Counter({"structure_changed": 1, "parameters_changed": 1,
                                  "history_changed": 1})


def test_training_steps_emit_one_steps_recorded_for_the_whole_run(session, log, tmp_path):
    saved(session, tmp_path)
    log.take()
    records = session.train(3)
    assert log.counts() == Counter(
        {"steps_recorded": 1, "parameters_changed": 1, "file_state_changed": 1})
    assert log.args("steps_recorded") == [(records,)] and len(records) == 3
    assert log.names().index("steps_recorded") < log.names().index("parameters_changed")
    log.take()
    session.undo_stack.undo()
    assert log.take() == Counter(
        {"history_changed": 1, "parameters_changed": 1, "file_state_changed": 1})
    assert session.steps_done == 0 and len(session.history.steps) == 0
    session.undo_stack.redo()
    # the steps come back with their history (no records: steps_recorded is not told)
    assert log.take() == Counter(
        {"history_changed": 1, "parameters_changed": 1, "file_state_changed": 1})
    assert session.trainer.steps_done == 3 and list(session.history.steps) == [0, 1, 2]
    assert list(session.history.losses) == [r.loss.loss for r in records]


def test_a_step_phase_by_phase_emits_each_phase_then_the_step(session, log, tmp_path):
    saved(session, tmp_path)
    log.take()
    per_phase = []
    for _ in range(4):  # lecture example: forward (layer 1), loss, backward, update
        session.next_phase()
        per_phase.append(log.take())
    assert per_phase == [Counter({"phase_recorded": 1})] * 3 + [Counter(
        {"phase_recorded": 1, "steps_recorded": 1, "parameters_changed": 1,
         "file_state_changed": 1})]
    assert not session.step_in_progress and session.trainer.steps_done == 1


def test_phase_records_come_in_order_and_the_step_after_its_update(session, log):
    for _ in range(4):
        session.next_phase()
    kinds = [type(args[0]) for args in log.args("phase_recorded")]
    assert kinds == [ForwardRecord, LossRecord, BackwardRecord, UpdateRecord]
    (steps,) = log.args("steps_recorded")
    assert [type(record) for record in steps[0]] == [StepRecord]
    assert log.names().index("steps_recorded") > log.names().index("phase_recorded")


def test_undo_of_a_phase_step_while_the_next_is_under_way_abandons_it(session, log, tmp_path):
    for _ in range(4):
        session.next_phase()
    saved(session, tmp_path)
    session.next_phase()  # the next step's forward phase
    log.take()
    session.undo_stack.undo()
    assert log.take() == Counter({"step_abandoned": 1, "history_changed": 1,
                                  "parameters_changed": 1, "file_state_changed": 1})
    assert not session.step_in_progress
    session.undo_stack.redo()
    assert log.take() == Counter(
        {"history_changed": 1, "parameters_changed": 1, "file_state_changed": 1})
    assert session.history.next_step == 1


def test_an_edit_during_a_phase_step_abandons_it_first(session, log, tmp_path):
    saved(session, tmp_path)
    session.next_phase()
    log.take()
    session.undo_stack.push(commands.SetWeightCommand(session, 1, 0, 0, 2.0))
    assert log.names() == ["step_abandoned", "parameters_changed", "file_state_changed"]


def test_quiet_training_is_told_once_when_the_views_ask(session, log, tmp_path):
    saved(session, tmp_path)
    log.take()
    first = session.train(2, notify=False)
    second = session.train(3, notify=False)
    # only the modified flag, at once; the steps wait
    assert log.take() == Counter({"file_state_changed": 1})
    session.notify_trained()
    assert log.names() == ["steps_recorded", "parameters_changed"]
    # quiet runs keep only their last full record (the history has every step)
    assert [len(first), len(second)] == [1, 1]
    assert [r.step for r in first + second] == [1, 4]
    assert log.args("steps_recorded") == [(second,)]
    log.take()
    session.notify_trained()
    assert log.take() == Counter()


def test_an_edit_after_quiet_training_tells_of_the_steps_first(session, log):
    session.train(2, notify=False)
    log.take()
    session.undo_stack.push(commands.SetWeightCommand(session, 1, 0, 0, 2.0))
    # one parameters_changed for the held steps and the edit together
    assert log.names() == ["steps_recorded", "parameters_changed"]


def test_a_divergent_step_is_told_last_and_is_no_undoable_edit(session, log):
    session.undo_stack.push(commands.SetTrainingCommand(
        session, replace(session.scenario.training, learning_rate=1e308), "Huge"))
    count = session.undo_stack.count()
    log.take()
    with np.errstate(all="ignore"):
        (record,) = session.train(5)
    assert record.diverged and not record.update.applied
    # no parameters_changed: the update was not applied
    assert log.names() == ["steps_recorded", "message", "diverged"]
    assert log.args("diverged") == [(record,)]
    assert session.undo_stack.count() == count


def test_reset_its_undo_and_its_redo(session, log, tmp_path):
    session.train(2)
    saved(session, tmp_path)
    log.take()
    session.undo_stack.push(commands.ResetCommand(session))
    assert log.take() == Counter(
        {"history_changed": 1, "parameters_changed": 1, "file_state_changed": 1})
    assert session.steps_done == 0 and len(session.history.steps) == 0
    session.undo_stack.undo()
    # the weights, the step count and the cleared history come back
    assert log.take() == Counter(
        {"history_changed": 1, "parameters_changed": 1, "file_state_changed": 1})
    assert session.trainer.steps_done == 2 and list(session.history.steps) == [0, 1]
    session.undo_stack.redo()
    assert log.take() == Counter(
        {"history_changed": 1, "parameters_changed": 1, "file_state_changed": 1})


def test_choosing_a_sample_emits_its_index_once(qapp, xor):
    session = Session(xor)
    log = SignalLog(session)
    session.set_current_sample(2)
    session.set_current_sample(2)  # the same sample: nothing to tell
    session.set_current_sample(99)  # past the end: the last sample
    assert log.emitted == [("sample_changed", (2,)), ("sample_changed", (3,))]
    assert session.undo_stack.count() == 0  # choosing a sample is no edit


def test_replacing_the_scenario_of_a_modified_file(session, log, xor):
    session.train(2)
    log.take()
    session.replace_scenario(xor)
    # once, though the undo stack turns clean and the path changes; the history of
    # the old network is gone
    assert log.counts() == Counter({"file_state_changed": 1, "structure_changed": 1,
                                    "data_changed": 1, "training_changed": 1,
                                    "sample_changed": 1, "history_changed": 1})
    assert log.args("sample_changed") == [(0,)]
    names = log.names()
    assert names.index("structure_changed") < names.index("data_changed") \
        < names.index("training_changed") < names.index("sample_changed")
    assert len(session.history) == 0
    assert not session.modified and session.undo_stack.count() == 0


def test_marking_saved(session, log, tmp_path):
    session.mark_saved(tmp_path / "a.bpsim.json")
    assert log.take() == Counter({"file_state_changed": 1})  # a new path, still clean
    session.train(1)
    log.take()
    session.mark_saved(tmp_path / "b.bpsim.json")
    # once, though both the modified flag and the path change
    assert log.take() == Counter({"file_state_changed": 1})
    assert not session.modified and session.path.name == "b.bpsim.json"


def test_a_batch_tells_each_change_once_when_it_ends(session, log):
    with session.batch():
        session.set_weight(1, 0, 0, 2.0)
        with session.batch():  # nested: still held until the outer batch ends
            session.set_bias(1, 0, 0.5)
            session.set_training(replace(session.scenario.training, learning_rate=0.5))
        session.set_weight(1, 0, 0, 3.0)
        assert log.emitted == []
    assert log.names() == ["parameters_changed", "training_changed"]
    assert session.network.weights[0][0, 0] == 3.0


def test_a_batch_tells_the_last_sample_and_every_event(qapp, xor):
    session = Session(xor)
    log = SignalLog(session)
    with session.batch():
        session.set_current_sample(1)
        session.set_current_sample(3)
        first = session.train(1)
        second = session.train(1)
    assert log.args("sample_changed") == [(3,)]
    assert log.args("steps_recorded") == [(first,), (second,)]
    assert log.counts()["parameters_changed"] == 1
