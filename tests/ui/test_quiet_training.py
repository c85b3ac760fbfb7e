"""Fast play's quiet bursts (Session.train(notify=False)) take the engine's bulk path:
the history, the parameters and the trainer state come out exactly as when every step
is taken with its full record."""

import numpy as np
import pytest

from bpsim.initializers import InitSpec, initialize
from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario
from bpsim.training import TrainingSettings
from bpsim.ui.session import Session


def scenario(**training) -> Scenario:
    init = InitSpec("xavier_uniform", seed=2)
    layers = [2, 5, 4, 1]
    weights, biases = initialize(layers, init)
    network = Network(layers, ["tanh", "relu", "sigmoid"], weights, biases)
    test_fraction = training.pop("test_fraction", 0.0)
    settings = TrainingSettings("bce", training.pop("learning_rate", 0.3), **training)
    data = DataSpec(generator="circles", n=48, seed=1, test_fraction=test_fraction)
    return Scenario(network, settings, data, init)


def same_history(a, b) -> None:
    for name in ("steps", "losses", "grad_norms", "mean_abs_grads", "test_losses",
                 "data_losses"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert [s.step for s in a.snapshots] == [s.step for s in b.snapshots]
    for x, y in zip(a.snapshots, b.snapshots):
        assert x.loss == y.loss or (np.isnan(x.loss) and np.isnan(y.loss))
        for p, q in zip((*x.weights, *x.biases), (*y.weights, *y.biases)):
            assert np.array_equal(p, q)


@pytest.mark.parametrize("training", [
    {"batch_size": 8, "momentum": 0.9},
    {"batch_size": 8, "regularization": "l2", "regularization_rate": 0.01},
    {"regularization": "l1", "regularization_rate": 0.003, "train_biases": False},
    {"batch_size": 16, "optimizer": "adam", "learning_rate": 0.01},
    {"batch_size": 8, "test_fraction": 0.25},
])
def test_quiet_bursts_record_what_steps_one_by_one_record(qtbot, training):
    quiet, stepped = Session(scenario(**dict(training))), Session(scenario(**dict(training)))
    for burst in (1, 7, 30, 12):
        quiet.train(burst, notify=False)
    quiet.notify_trained()
    for _ in range(50):
        stepped.train(1)
    same_history(quiet.history, stepped.history)
    assert quiet.trainer.state()["steps_done"] == stepped.trainer.state()["steps_done"] == 50
    for p, q in zip((*quiet.network.weights, *quiet.network.biases),
                    (*stepped.network.weights, *stepped.network.biases)):
        assert np.array_equal(p, q)
    assert quiet.last_step.loss.loss == stepped.last_step.loss.loss
    # the next steps continue alike (batch order and momentum carried over)
    assert quiet.train(1)[0].loss.loss == stepped.train(1)[0].loss.loss


def test_a_quiet_burst_stops_at_the_step_that_diverges(qtbot):
    quiet = Session(scenario(learning_rate=1e300, batch_size=8))
    stepped = Session(scenario(learning_rate=1e300, batch_size=8))
    records = quiet.train(40, notify=False)
    for _ in range(40):
        if stepped.train(1)[-1].diverged:
            break
    assert records[-1].diverged and len(records) == 1 and 0 < records[-1].step < 39
    assert quiet.last_step.step == stepped.last_step.step
    same_history(quiet.history, stepped.history)
