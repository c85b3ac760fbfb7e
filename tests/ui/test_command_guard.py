"""No undo command may raise in ``redo``: QUndoStack.push calls it from C++, where an
exception ends the process.  Every kind of command is refused when it is made (in
Python, before any push) when its values do not fit, and the session is unchanged."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bpsim import edits
from bpsim.initializers import InitSpec
from bpsim.scenario import DataSpec, ScenarioError
from bpsim.ui import commands
from bpsim.ui.session import Session


@pytest.fixture
def session(xor, qtbot):
    return Session(xor)


def _bad_commands(session):
    """(name, a function making a command with values that do not fit)."""
    net = session.network
    softmax_one = edits.with_activation(net, net.depth, "softmax")
    wider = edits.resized(net, net.depth, 3, session.init)
    return [
        ("weight nan", lambda: commands.SetWeightCommand(session, 1, 0, 0, float("nan"))),
        ("weight inf", lambda: commands.SetWeightCommand(session, 1, 0, 0, float("inf"))),
        ("weight out of the network",
         lambda: commands.SetWeightCommand(session, 9, 0, 0, 1.0)),
        ("bias nan", lambda: commands.SetBiasCommand(session, 1, 0, float("nan"))),
        ("bias negative index", lambda: commands.SetBiasCommand(session, 1, -1, 1.0)),
        ("softmax over one output with bce",
         lambda: commands.SetNetworkCommand(
             session, edits.with_activation(net, net.depth, "relu"), "relu out")),
        ("network and samples of other widths",
         lambda: commands.SetNetworkAndDataCommand(session, wider, session.data, "wider")),
        ("cross-entropy over one output",
         lambda: commands.SetTrainingCommand(
             session, replace(session.training, loss="cross_entropy"), "ce")),
        ("class 5 of 2", lambda: commands.SetDataCommand(
            session, DataSpec.from_samples([((0.0, 1.0), (5.0,))]), "class 5")),
        ("samples of 3 inputs", lambda: commands.SetDataCommand(
            session, DataSpec.from_samples([((0.0, 1.0, 2.0), (1.0,))]), "3 inputs")),
        ("generator of another width", lambda: commands.SetDataCommand(
            session, DataSpec(generator="sine", n=10), "sine")),
        ("uniform with a > b", lambda: commands.ReinitializeCommand(
            session, InitSpec("uniform", 0, {"a": 1.0, "b": -1.0}))),
    ] + ([("softmax", lambda: commands.SetNetworkCommand(session, softmax_one, "s"))]
         if session.training.loss == "cross_entropy" else [])


def test_every_command_kind_with_bad_values_is_refused_before_the_push(session):
    # with bce a relu output is a refusal
    session.undo_stack.push(commands.SetTrainingCommand(
        session, replace(session.training, loss="bce"), "bce"))
    before = (session.network.layers, [w.copy() for w in session.network.weights],
              session.training, session.data, session.init)
    for name, make in _bad_commands(session):
        with pytest.raises((ScenarioError, ValueError, IndexError)):
            make()
    after = (session.network.layers, [w.copy() for w in session.network.weights],
             session.training, session.data, session.init)
    assert after[0] == before[0] and after[2:] == before[2:]
    assert all(np.array_equal(a, b) for a, b in zip(after[1], before[1]))
    assert session.undo_stack.count() == 1


def test_every_command_kind_with_good_values_redoes_and_undoes(session):
    makers = [
        lambda: commands.SetWeightCommand(session, 1, 0, 0, 1e308),
        lambda: commands.SetBiasCommand(session, 2, 0, -1e308),
        lambda: commands.SetNetworkCommand(
            session, edits.resized(session.network, 1, 3, session.init), "3"),
        lambda: commands.SetTrainingCommand(
            session, replace(session.training, momentum=0.5), "m"),
        lambda: commands.SetDataCommand(session, DataSpec(generator="xor", n=8), "xor"),
        lambda: commands.ReinitializeCommand(session, InitSpec("normal", 4)),
        lambda: commands.ResetCommand(session),
    ]
    for make in makers:
        session.undo_stack.push(make())
    end = [w.copy() for w in session.network.weights]
    session.undo_stack.setIndex(0)
    session.undo_stack.setIndex(session.undo_stack.count())
    assert session.undo_stack.index() == len(makers)
    assert all(np.array_equal(a, b) for a, b in zip(session.network.weights, end))
