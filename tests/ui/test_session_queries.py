"""What the session answers about its state, and the edits that change it together."""

import numpy as np
import pytest

from bpsim.initializers import InitSpec
from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario
from bpsim.training import TrainingSettings
from bpsim.ui import commands
from bpsim.ui.session import Session


@pytest.fixture
def session(qtbot):
    rng = np.random.default_rng(7)
    network = Network([2, 3, 1], ["sigmoid", "sigmoid"],
                      [rng.normal(size=(3, 2)), rng.normal(size=(1, 3))],
                      [rng.normal(size=3), rng.normal(size=1)])
    data = DataSpec.from_samples([([0, 0], [0]), ([0, 1], [1]), ([1, 0], [1]),
                                  ([1, 1], [0])])
    return Session(Scenario(network, TrainingSettings("mse", 0.5), data,
                            InitSpec("xavier_uniform", seed=3)))


def test_at_initial_parameters_until_a_step_or_an_edit(session):
    assert session.at_initial_parameters()
    session.undo_stack.push(commands.SetWeightCommand(session, 1, 0, 0, 0.5))
    assert not session.at_initial_parameters()  # no step taken, but a weight edited
    session.undo_stack.undo()
    assert session.at_initial_parameters()
    session.train(2)
    assert not session.at_initial_parameters()
    session.undo_stack.push(commands.ResetCommand(session))
    assert session.at_initial_parameters()
    session.undo_stack.undo()
    assert not session.at_initial_parameters()


def test_new_weights_drawn_become_the_initial_ones_until_undone(session):
    first = [np.array(w) for w in session.network.weights]
    session.undo_stack.push(commands.ReinitializeCommand(
        session, InitSpec("he_normal", seed=11)))
    assert session.at_initial_parameters()
    assert not np.array_equal(session.initial_parameters[0][0], first[0])
    session.train(1)
    session.undo_stack.push(commands.ResetCommand(session))
    np.testing.assert_array_equal(session.network.weights[0], session.initial_parameters[0][0])
    session.undo_stack.undo()  # the reset
    session.undo_stack.undo()  # the step
    session.undo_stack.undo()  # the new weights: the first ones are initial again
    np.testing.assert_array_equal(session.initial_parameters[0][0], first[0])
    assert session.at_initial_parameters()


def test_network_and_data_change_in_one_notification_group(session):
    emitted = []
    for name in ("structure_changed", "parameters_changed", "data_changed",
                 "sample_changed"):
        getattr(session, name).connect(lambda *_, name=name: emitted.append(name))
    net = session.network
    wider = Network([3, 3, 1], net.activations,
                    [np.hstack([net.weights[0], np.zeros((3, 1))]), net.weights[1]],
                    net.biases)
    data = DataSpec.from_samples([(x + (0.0,), y) for x, y in session.scenario.data.samples])
    session.undo_stack.push(commands.SetNetworkAndDataCommand(session, wider, data,
                                                              "Add input"))
    assert emitted == ["structure_changed", "parameters_changed", "data_changed",
                       "sample_changed"]
    assert session.network.layers[0] == session.dataset.x.shape[1] == 3
    session.undo_stack.undo()
    assert session.network.layers[0] == session.dataset.x.shape[1] == 2


def test_continue_from_here_cuts_the_history_and_undo_puts_it_back(session):
    from bpsim.history import branch_state

    session.train(2)  # Play keeps the trainer state after each burst of steps
    session.train(4)
    snapshot = session.history.snapshot_at(3)
    state, exact = branch_state(session.scenario, session.history, snapshot)
    assert exact  # replayed from the state kept after step 2
    changes = []
    session.history_changed.connect(lambda: changes.append(session.history.next_step))
    session.undo_stack.push(commands.ContinueFromHereCommand(session, snapshot, state))
    assert session.history.next_step == 4 and session.trainer.steps_done == 4
    assert session.undo_stack.undoText() == "Continue from step 4"
    session.undo_stack.undo()
    assert session.history.next_step == 6 and session.trainer.steps_done == 6
    assert changes[-1] == 6
