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


def test_the_loss_now_is_the_engines_and_follows_every_change(session):
    def engine_losses():
        x, y = session.sample()
        loss = session.training.loss
        return (session.network.loss(x, y, loss),
                session.network.loss(session.dataset.x, session.dataset.y, loss))

    assert session.loss_now() == engine_losses()
    session.set_current_sample(2)
    assert session.loss_now() == engine_losses()
    session.train(3, notify=False)  # no signal yet: the loss is still that of now
    assert session.loss_now() == engine_losses()
    session.undo_stack.push(commands.SetWeightCommand(session, 1, 0, 0, 0.5))
    assert session.loss_now() == engine_losses()
    session.undo_stack.push(commands.SetTrainingCommand(
        session, TrainingSettings("bce", 0.5), "Loss bce"))
    assert session.loss_now() == engine_losses()
    session.undo_stack.push(commands.SetDataCommand(
        session, DataSpec.from_samples([([0, 0], [1]), ([1, 1], [1])]), "Data"))
    assert session.loss_now() == engine_losses()


def test_the_loss_now_is_computed_once_per_version(session, monkeypatch):
    calls = []
    loss = Network.loss
    monkeypatch.setattr(Network, "loss",
                        lambda net, *args: calls.append(1) or loss(net, *args))
    session.loss_now()
    session.loss_now()
    assert len(calls) == 2  # the sample's and all samples'
    session.set_current_sample(1)
    session.loss_now()
    assert len(calls) == 3  # only the sample's again
    session.undo_stack.push(commands.SetBiasCommand(session, 2, 0, 0.25))
    session.loss_now()
    assert len(calls) == 5


def test_the_next_batch_is_the_one_the_step_takes(qtbot, xor):
    session = Session(xor)
    session.undo_stack.push(commands.SetTrainingCommand(
        session, TrainingSettings("mse", 0.5, batch_size=2, seed=5), "Batches of 2"))
    for _ in range(3):
        batch = session.next_batch_indices()
        assert len(batch) == 2
        (record,) = session.train(1)
        np.testing.assert_array_equal(record.sample_indices, batch)


def test_continue_from_a_snapshot_of_another_architecture_is_refused(session):
    session.train(2)
    snapshot = session.history.snapshot_at(0)
    messages = []
    session.message.connect(messages.append)
    session.undo_stack.push(commands.SetNetworkCommand(
        session, Network([2, 1], ["sigmoid"], [[[0.1, 0.2]]], [[0.0]]), "One layer"))
    count = session.undo_stack.count()
    assert not session.continue_from(snapshot)
    assert messages == ["That step belongs to another architecture."]
    assert session.undo_stack.count() == count


def test_undo_of_an_edit_made_during_a_phase_step_keeps_the_batch_order(qtbot, xor):
    session = Session(xor)
    session.undo_stack.push(commands.SetTrainingCommand(
        session, TrainingSettings("mse", 0.5, batch_size=2, seed=5), "Batches of 2"))
    session.train(1)
    batch = session.next_batch_indices()
    session.next_phase()  # the step draws its batch, then a reset comes first
    session.undo_stack.push(commands.ResetCommand(session))
    session.undo_stack.undo()
    np.testing.assert_array_equal(session.next_batch_indices(), batch)
    (record,) = session.train(1)
    np.testing.assert_array_equal(record.sample_indices, batch)
