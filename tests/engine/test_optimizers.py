"""The optimizers (SGD with momentum, Nesterov, RMSprop, Adam) against PyTorch's
torch.optim, their state in the record and in the history, and their settings in files."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bpsim import io
from bpsim.history import History, branch_state
from bpsim.initializers import InitSpec, initialize
from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario, ScenarioError
from bpsim.training import OPTIMIZERS, Trainer, TrainingSettings

#: made by make_optimizer_reference.py with torch.optim (float64)
REFERENCE = json.loads((Path(__file__).parent / "data" / "optimizer_reference.json")
                       .read_text())


def reference_trainer(**settings) -> Trainer:
    network = Network([2, 3, 2], ["sigmoid", "sigmoid"], REFERENCE["weights"],
                      REFERENCE["biases"])
    return Trainer(network, REFERENCE["x"], REFERENCE["y"],
                   TrainingSettings("mse", **settings))


def assert_close(actual, expected, rtol=1e-12):
    np.testing.assert_allclose(np.asarray(actual, dtype=float),
                               np.asarray(expected, dtype=float), rtol=rtol, atol=0)


@pytest.mark.parametrize("case", REFERENCE["cases"],
                         ids=[str(case["settings"]) for case in REFERENCE["cases"]])
def test_twenty_steps_match_torch_optim(case):
    trainer = reference_trainer(**case["settings"])
    losses = [trainer.step().loss.loss for _ in range(REFERENCE["steps"])]
    assert_close(losses, case["losses"])
    for layer in range(2):
        assert_close(trainer.network.weights[layer], case["weights"][layer])
        assert_close(trainer.network.biases[layer], case["biases"][layer])


@pytest.mark.parametrize("case", REFERENCE["cases"],
                         ids=[str(case["settings"]) for case in REFERENCE["cases"]])
def test_bulk_run_matches_stepping_to_the_last_bit(case):
    stepped = reference_trainer(**case["settings"])
    losses = [stepped.step().loss.loss for _ in range(REFERENCE["steps"])]
    bulk = reference_trainer(**case["settings"])
    run = bulk.run(REFERENCE["steps"])
    assert run.losses.tolist() == losses
    for a, b in zip(bulk.network.weights + bulk.network.biases,
                    stepped.network.weights + stepped.network.biases):
        assert a.tobytes() == b.tobytes()


def test_every_optimizer_has_a_reference_case():
    assert {case["settings"]["optimizer"] for case in REFERENCE["cases"]} == set(OPTIMIZERS)


def test_adam_record_holds_the_moments_the_step_used():
    trainer = reference_trainer(optimizer="adam", learning_rate=0.05)
    first = trainer.step().update
    second = trainer.step().update
    assert (first.t, second.t) == (1, 2)
    # the state after one step is the state before the next
    m_after = first.state_value("first_moment", "weight", 2, (1, 0))
    assert second.state_value("first_moment", "weight", 2, (1, 0), after=False) == m_after
    # the record's own numbers give its step: w_new = w − η·m̂/(√v̂ + ε)
    m_hat = second.state_value("first_moment_corrected", "weight", 2, (1, 0))
    v_hat = second.state_value("second_moment_corrected", "weight", 2, (1, 0))
    before, after = second.weights_before[1][1, 0], second.weights_after[1][1, 0]
    assert after == pytest.approx(before - 0.05 * m_hat / (math.sqrt(v_hat) + 1e-8),
                                  rel=1e-14)
    assert m_hat == pytest.approx(second.state_value("first_moment", "weight", 2, (1, 0))
                                  / (1 - 0.9 ** 2), rel=1e-14)


def test_rmsprop_record_holds_the_mean_square():
    trainer = reference_trainer(optimizer="rmsprop", learning_rate=0.01, rho=0.9)
    record = trainer.step()
    update = record.update
    g = record.backward_for(1).grad_weights[0, 1]
    s = update.state_value("mean_square", "weight", 1, (0, 1))
    assert update.state_value("mean_square", "weight", 1, (0, 1), after=False) == 0.0
    assert s == pytest.approx(0.1 * g * g, rel=1e-14)
    assert update.weights_after[0][0, 1] == pytest.approx(
        update.weights_before[0][0, 1] - 0.01 * g / (math.sqrt(s) + 1e-8), rel=1e-14)


def test_a_divergent_step_leaves_the_optimizer_state_alone():
    trainer = reference_trainer(optimizer="adam", learning_rate=0.05)
    trainer.step()
    state = trainer.state()
    trainer.network.weights = [w * np.inf for w in trainer.network.weights]
    with np.errstate(all="ignore"):
        record = trainer.step()
    assert record.diverged and not record.update.applied
    assert trainer.state()["optimizer_steps"] == state["optimizer_steps"] == 1
    assert trainer.state()["moments"] == state["moments"]


def bursts_scenario(optimizer: str) -> Scenario:
    weights, biases = initialize([2, 4, 1], InitSpec("xavier_uniform", seed=3))
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, (12, 2))
    y = (x[:, :1] * x[:, 1:2] > 0).astype(float)
    return Scenario(Network([2, 4, 1], ["tanh", "sigmoid"], weights, biases),
                    TrainingSettings("mse", 0.05, momentum=0.9, batch_size=4, seed=5,
                                     optimizer=optimizer),
                    DataSpec.from_samples(zip(x, y)))


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("back", [1, 4, 7])
def test_run_back_and_forward_equals_a_straight_run(optimizer, back):
    """Train 24 steps in bursts of 8 (the state kept at each burst's end, as Play
    keeps it), go back ``back`` steps, train on: the same numbers as 30 steps straight."""
    scenario = bursts_scenario(optimizer)
    straight = scenario.copy().trainer()
    straight_losses = [straight.step().loss.loss for _ in range(30)]

    trainer = scenario.copy().trainer()
    history = History(2)
    for _ in range(3):
        history.extend(trainer.train(8), trainer.state())
    snapshot = history.snapshot_at(23 - back)
    state, exact = branch_state(scenario, history, snapshot)
    assert exact
    branch = scenario.copy().trainer()
    branch.network.set_parameters(snapshot.weights, snapshot.biases)
    branch.restore(state)
    losses = [branch.step().loss.loss for _ in range(30 - (24 - back))]
    assert losses == straight_losses[24 - back:]
    for a, b in zip(branch.network.weights, straight.network.weights):
        assert a.tobytes() == b.tobytes()


# -- files ------------------------------------------------------------------------------

def lesson_dict(**training) -> dict:
    return io.to_dict(replace_training(io.load_builtin("xor"), **training))


def replace_training(scenario, **training):
    scenario.training = replace(scenario.training, **training)
    return scenario


def test_a_file_without_an_optimizer_trains_with_sgd():
    data = io.to_dict(io.load_builtin("xor"))
    for key in ("optimizer", "rho", "beta1", "beta2", "epsilon"):
        data["training"].pop(key, None)
    scenario = io.from_dict(data)
    assert scenario.training.optimizer == "sgd"
    assert scenario.training == replace(io.load_builtin("xor").training)


@pytest.mark.parametrize("settings", [
    dict(optimizer="adam", beta1=0.8, beta2=0.95, epsilon=1e-6),
    dict(optimizer="rmsprop", rho=0.9, epsilon=1e-7),
    dict(optimizer="nesterov", momentum=0.5)])
def test_the_optimizer_and_its_settings_round_trip(settings):
    data = lesson_dict(**settings)
    assert data["training"]["optimizer"] == settings["optimizer"]
    again = io.loads(io.dumps(io.from_dict(data)))
    for key, value in settings.items():
        assert getattr(again.training, key) == value


def test_absent_keys_take_torch_defaults():
    data = lesson_dict(optimizer="adam")
    for key in ("beta1", "beta2", "epsilon"):
        del data["training"][key]
    training = io.from_dict(data).training
    assert (training.beta1, training.beta2, training.epsilon) == (0.9, 0.999, 1e-8)
    assert training.rho == 0.99


@pytest.mark.parametrize("key, value, message", [
    ("optimizer", "adagrad", 'training.optimizer: unknown optimizer "adagrad"'),
    ("beta1", 1.0, "training.beta1: must be at least 0 and below 1, got 1.0"),
    ("beta2", -0.1, "training.beta2: must be at least 0 and below 1"),
    ("rho", 1.0, "training.rho: must be at least 0 and below 1"),
    ("epsilon", 0.0, "training.epsilon: must be greater than 0 and at most 1, got 0.0"),
])
def test_bad_optimizer_settings_are_refused_with_their_place(key, value, message):
    data = lesson_dict(optimizer="adam")
    data["training"][key] = value
    with pytest.raises(ScenarioError) as refused:
        io.from_dict(data)
    assert message in str(refused.value)


# -- the rule written out ---------------------------------------------------------------

def test_the_adam_rule_is_written_with_the_records_numbers():
    from bpsim.notation.numbers import format_number
    from bpsim.notation.update import update_text
    trainer = reference_trainer(optimizer="adam", learning_rate=0.05)
    trainer.step()
    record = trainer.step()
    grad = record.backward_for(1).grad_weights[2, 1]
    text, note = update_text(record.update, "weight", 1, (2, 1), grad, "w")
    update = record.update
    m_hat = update.state_value("first_moment_corrected", "weight", 1, (2, 1))
    v_hat = update.state_value("second_moment_corrected", "weight", 1, (2, 1))
    assert text == (f"w ← w − η·m̂/(√v̂ + ε):   w = "
                    f"{format_number(update.weights_before[0][2, 1])} − 0.05·"
                    f"{format_number(m_hat)}/(√{format_number(v_hat)} + 1×10⁻⁸) = "
                    f"{format_number(update.weights_after[0][2, 1])}")
    assert note.startswith("t = 2: m = β₁·m_previous + (1 − β₁)·g = 0.9·")


@pytest.mark.parametrize("optimizer, words", [
    ("adam", "w ← w − η·m̂/(√v̂ + ε)"), ("rmsprop", "s ← ρ·s + (1 − ρ)·g²"),
    ("nesterov", "w ← w + μ·v − η·g")])
def test_explain_writes_the_optimizers_rule(optimizer, words, tmp_path, capsys):
    from bpsim import cli
    scenario = replace_training(io.load_builtin("xor"), optimizer=optimizer, momentum=0.9)
    path = tmp_path / "lesson.bpsim.json"
    io.save(scenario, path)
    assert cli.main(["explain", str(path)]) == 0
    assert words in capsys.readouterr().out


def test_train_honours_the_files_optimizer(tmp_path, capsys):
    from bpsim import cli
    scenario = replace_training(io.load_builtin("xor"), optimizer="adam", learning_rate=0.05)
    path = tmp_path / "adam.bpsim.json"
    io.save(scenario, path)
    assert cli.main(["train", str(path), "--steps", "30", "--json"]) == 0
    reported = json.loads(capsys.readouterr().out)
    # the file's Adam, not SGD: the losses of the scenario's own trainer
    assert reported["losses"] == scenario.copy().trainer().run(30).losses.tolist()
    sgd = replace_training(scenario.copy(), optimizer="sgd")
    assert reported["losses"] != sgd.trainer().run(30).losses.tolist()
