"""Held-out test samples and weight penalties: the split, the loss J = data + λ·R,
its gradients against finite differences, the file and the command line."""

import json
from dataclasses import replace

import numpy as np
import pytest

from bpsim import cli, data, gradcheck, io, regularization as reg
from bpsim.network import Network


def _xor(**training):
    scenario = io.load_builtin("xor")
    scenario.training = replace(scenario.training, **training)
    return scenario


@pytest.mark.parametrize("n, fraction, seed", [(20, 0.5, 1), (200, 0.3, 7), (5, 0.9, 0),
                                               (1, 0.9, 3), (10, 0.0, 2)])
def test_the_split_is_disjoint_complete_and_reproducible(n, fraction, seed):
    train, test = data.split(n, fraction, seed)
    assert not set(train) & set(test)
    assert sorted([*train, *test]) == list(range(n))
    assert len(train) >= 1
    assert len(test) == min(round(n * fraction), n - 1)
    again = data.split(n, fraction, seed)
    assert np.array_equal(train, again[0]) and np.array_equal(test, again[1])


def test_another_seed_holds_out_other_samples():
    assert not np.array_equal(data.split(50, 0.3, 1)[1], data.split(50, 0.3, 2)[1])


def test_training_never_uses_the_test_samples():
    scenario = io.load_builtin("overfit")
    _, test = scenario.data.split()
    trainer = scenario.copy().trainer()
    batches = [trainer.step().sample_indices for _ in range(3)]
    assert all(not set(b) & set(test) for b in batches)
    # changing only the test samples' targets changes no training step
    ds = scenario.dataset()
    changed_y = ds.y.copy()
    changed_y[test] += 5.0
    from bpsim.training import Trainer
    a = Trainer(scenario.network.copy(), ds.x, ds.y, scenario.training, scenario.data.split())
    b = Trainer(scenario.network.copy(), ds.x, changed_y, scenario.training,
                scenario.data.split())
    ra, rb = a.run(20), b.run(20)
    assert np.array_equal(ra.losses, rb.losses)
    assert all(np.array_equal(u, v) for u, v in zip(a.network.weights, b.network.weights))
    assert not np.array_equal(ra.test_losses, rb.test_losses)


def test_the_test_loss_is_the_data_loss_on_the_test_samples_before_the_update():
    scenario = io.load_builtin("overfit")
    train, test = scenario.data.split()
    ds = scenario.dataset()
    before = scenario.network.copy()
    record = scenario.trainer().step()
    assert record.test_loss == before.loss(ds.x[test], ds.y[test], "mse")


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_regularized_loss_and_gradients_match_finite_differences(kind):
    rng = np.random.default_rng(3)
    net = Network([2, 4, 3, 1], ["tanh", "sigmoid", "identity"],
                  [rng.normal(size=(4, 2)), rng.normal(size=(3, 4)), rng.normal(size=(1, 3))],
                  [rng.normal(size=4), rng.normal(size=3), rng.normal(size=1)])
    x, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    result = gradcheck.gradient_check(net, x, y, "mse", regularization=(kind, 0.3))
    assert result.passed()
    # the penalty is really in: the gradient of the data loss alone fails the check
    data_only = gradcheck.gradient_check(net, x, y, "mse", regularization=(kind, 0.3),
                                         analytic=lambda n, *a: n.gradients(*a)[1:])
    assert not data_only.passed()


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_a_step_records_the_penalty_term(kind):
    scenario = _xor(regularization=kind, regularization_rate=0.01)
    weights = [np.array(w) for w in scenario.network.weights]
    record = scenario.trainer().step()
    expected_r = (sum(0.5 * (w ** 2).sum() for w in weights) if kind == "l2"
                  else sum(np.abs(w).sum() for w in weights))
    assert record.loss.penalty == pytest.approx(expected_r)
    assert record.loss.loss == record.loss.data_loss + 0.01 * record.loss.penalty
    assert record.loss.data_loss == pytest.approx(record.loss.per_sample.mean())
    for back in record.backward:
        w = weights[back.layer - 1]
        term = 0.01 * (w if kind == "l2" else np.sign(w))
        assert np.array_equal(back.penalty_grad_weights, term)
        assert np.array_equal(back.grad_weights, back.data_grad_weights + term)
        # the biases get no penalty
        assert np.allclose(back.grad_biases, back.delta.sum(axis=0))


def test_l1_gradient_is_zero_at_a_zero_weight():
    assert np.array_equal(reg.gradient_term("l1", 0.5, np.array([-2.0, 0.0, 3.0])),
                          [-0.5, 0.0, 0.5])


@pytest.mark.parametrize("kind", ["none", "l1", "l2"])
def test_bulk_run_equals_single_steps_with_penalty_and_test_split(kind):
    scenario = io.load_builtin("overfit")
    scenario.training = replace(scenario.training, regularization=kind,
                                regularization_rate=0.02)
    a, b = scenario.copy(), scenario.copy()
    run = a.trainer().run(12)
    trainer = b.trainer()
    records = [trainer.step() for _ in range(12)]
    assert np.array_equal(run.losses, [r.loss.loss for r in records])
    assert np.array_equal(run.test_losses, [r.test_loss for r in records])
    assert all(np.array_equal(u, v) for u, v in zip(a.network.weights, b.network.weights))


def test_the_overfit_scenario_overfits_and_l2_holds_the_test_loss_back():
    plain = io.load_builtin("overfit")
    run = plain.trainer().run(1500)
    assert run.losses[-1] < 0.05 < run.test_losses[-1]
    assert run.test_losses[-1] > 1.5 * run.test_losses.min()  # it climbed
    penalized = io.load_builtin("overfit")
    penalized.training = replace(penalized.training, regularization="l2",
                                 regularization_rate=0.03)
    assert penalized.trainer().run(1500).test_losses[-1] < run.test_losses[-1]


def test_new_keys_round_trip_and_old_files_are_written_as_before():
    old = io.load_builtin("xor")
    text = io.dumps(old)
    assert "regularization" not in text and "test_fraction" not in text
    new = _xor(regularization="l1", regularization_rate=0.25)
    new.data = replace(new.data, test_fraction=0.5)
    back = io.loads(io.dumps(new))
    assert back.training.regularization == "l1"
    assert back.training.regularization_rate == 0.25
    assert back.data.test_fraction == 0.5
    assert io.to_dict(back) == io.to_dict(new)


@pytest.mark.parametrize("key, value, message", [
    ("regularization", "l3", "unknown regularization"),
    ("regularization_rate", -1.0, "must be at least 0"),
])
def test_bad_regularization_is_refused_with_its_place(key, value, message):
    d = io.to_dict(io.load_builtin("xor"))
    d["training"][key] = value
    with pytest.raises(io.ScenarioError, match=message) as error:
        io.from_dict(d)
    assert error.value.where == f"training.{key}"


def test_a_test_fraction_above_0_9_is_refused():
    d = io.to_dict(io.load_builtin("xor"))
    d["data"]["test_fraction"] = 0.95
    with pytest.raises(io.ScenarioError) as error:
        io.from_dict(d)
    assert error.value.where == "data.test_fraction"


def test_train_json_gives_test_losses(capsys):
    assert cli.main(["train", "overfit", "--steps", "30", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["test_losses"]) == 30
    scenario = io.load_builtin("overfit")
    first = scenario.trainer().step()
    assert out["test_losses"][0] == first.test_loss
    assert out["losses"][0] == first.loss.loss
    assert out["final_test_loss"] < out["test_losses"][0]


def test_train_json_without_a_split_has_no_test_losses(capsys):
    assert cli.main(["train", "xor", "--steps", "3", "--json"]) == 0
    assert "test_losses" not in json.loads(capsys.readouterr().out)


def test_gradcheck_command_checks_the_penalized_gradient(tmp_path, capsys):
    path = tmp_path / "l1.bpsim.json"
    io.save(_xor(regularization="l1", regularization_rate=0.5), path)
    assert cli.main(["gradcheck", str(path)]) == 0
    assert "OK" in capsys.readouterr().out
