import numpy as np
import pytest

from bpsim.history import History, branch_state
from bpsim.initializers import InitSpec, initialize
from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario
from bpsim.training import Trainer, TrainingSettings


def make_trainer(layers=(2, 8, 8, 1), activation="sigmoid", learning_rate=0.5,
                 batch_size=16, momentum=0.0):
    layers = list(layers)
    weights, biases = initialize(layers, InitSpec("xavier_uniform", seed=3))
    network = Network(layers, [activation] * (len(layers) - 1), weights, biases)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, (40, layers[0]))
    y = (x[:, :1] * x[:, 1:2] > 0).astype(float)
    settings = TrainingSettings("mse", learning_rate, momentum=momentum,
                                batch_size=batch_size, seed=5)
    return Trainer(network, x, y, settings)


def test_records_every_step_with_the_engines_numbers():
    trainer = make_trainer()
    records = trainer.train(50)
    history = History(3)
    history.extend(records, trainer.state())

    assert len(history) == 50
    np.testing.assert_array_equal(history.steps, np.arange(50))
    np.testing.assert_array_equal(history.losses, [r.loss.loss for r in records])
    np.testing.assert_array_equal(history.grad_norms, [r.grad_norms for r in records])
    # layer 1 (input side) first, as in the lecture's numbering
    expected = [[np.abs(r.backward_for(l).grad_weights).mean() for l in (1, 2, 3)]
                for r in records]
    np.testing.assert_allclose(history.mean_abs_grads, expected, rtol=1e-12)
    assert history.grad_norms[0, 0] == records[0].backward_for(1).grad_norm


def test_views_are_read_only():
    history = History(1)
    history.append_values(0, 0.5, [1.0], [0.5])
    with pytest.raises(ValueError):
        history.losses[0] = 7.0


def test_a_million_steps_keep_memory_bounded_and_the_recent_steps_whole():
    history = History(4, recent=4096, capacity=16384)
    bound = history.nbytes  # the buffers are allocated up front and never grow
    norms = np.array([1.0, 0.1, 0.01, 0.001])
    n = 1_000_000
    for step in range(n):
        history.append_values(step, 1.0 / (1 + step), norms, norms)
    assert history.nbytes == bound < 1_500_000
    assert len(history) <= 16384
    steps = history.steps
    # the most recent steps are all there
    np.testing.assert_array_equal(steps[-4096:], np.arange(n - 4096, n))
    # older ones are thinned evenly from the start of training: the curve keeps its shape
    assert steps[0] == 0
    # (rows that left the recent window since the last thinning are still dense)
    older = steps[steps < n - 16384]
    stride = history.stride
    assert stride > 1 and np.all(np.diff(older) == stride)
    assert np.all(np.diff(steps) <= stride)
    np.testing.assert_array_equal(history.losses, 1.0 / (1 + steps))


def test_a_big_networks_snapshots_fit_in_their_byte_budget():
    # a 256×256 weight is 512 kB: 4 MB of room keeps 8 of them, so the floor of 16 holds
    history = History(1, snapshot_bytes=4 * 2**20)
    weight = np.zeros((256, 256))
    for step in range(5000):
        history.append_values(step, 0.0, [1.0], [1.0], (weight + step,), (np.zeros(256),))
    assert len(history.snapshots) <= History.MIN_SNAPSHOTS
    assert history.nbytes <= History(1).nbytes + History.MIN_SNAPSHOTS * (weight.nbytes + 2048)
    # the latest steps are kept whole, the older ones thinned
    assert history.snapshots[-1].step == 4999 and history.snapshots[-1].weights[0][0, 0] == 4999
    assert [s.step for s in history.snapshots[-4:]] == [4996, 4997, 4998, 4999]
    # a small network keeps its full count in the same budget
    small = History(1, snapshot_bytes=4 * 2**20)
    for step in range(5000):
        small.append_values(step, 0.0, [1.0], [1.0], (np.full((2, 2), step),), (np.zeros(2),))
    assert History.MIN_SNAPSHOTS < len(small.snapshots) <= 1024


def test_snapshots_stay_bounded_and_find_the_nearest_earlier_step():
    history = History(1, recent_snapshots=256, snapshot_capacity=1024)
    for step in range(100_000):
        history.append_values(step, 0.0, [1.0], [1.0], (np.full((2, 2), float(step)),),
                              (np.zeros(2),))
    # 1024 snapshots of a 2×2 weight and a bias at most, besides the fixed buffers
    assert len(history.snapshots) <= 1024
    assert history.nbytes <= History(1).nbytes + 1024 * (32 + 16)
    # the recent ones are whole
    assert [s.step for s in history.snapshots[-256:]] == list(range(100_000 - 256, 100_000))
    snapshot = history.snapshot_at(99_999)
    assert snapshot.step == 99_999 and snapshot.weights[0][0, 0] == 99_999
    # an old, thinned step gives the nearest kept one before it
    old = history.snapshot_at(12_345)
    assert old.step <= 12_345 and 12_345 - old.step < history.snapshot_stride
    assert old.weights[0][0, 0] == old.step
    assert history.snapshot_at(-1) is None


def test_snapshot_holds_the_parameters_after_the_step_and_the_trainer_state():
    trainer = make_trainer(momentum=0.9)
    history = History(3)
    for _ in range(5):
        record = trainer.step()
        history.append(record, trainer.state())
    snapshot = history.snapshot_at(4)
    assert snapshot.step == 4
    for mine, network in zip(snapshot.weights, trainer.network.weights):
        np.testing.assert_array_equal(mine, network)
    # continuing from the snapshot reproduces the next step exactly
    expected = trainer.step()
    branch = make_trainer(momentum=0.9)
    branch.network.set_parameters(snapshot.weights, snapshot.biases)
    branch.restore(snapshot.trainer_state)
    again = branch.step()
    np.testing.assert_array_equal(again.sample_indices, expected.sample_indices)
    assert again.loss.loss == expected.loss.loss


def test_a_diverged_step_keeps_the_weights_from_before_it():
    trainer = make_trainer(layers=(2, 3, 1), activation="identity", learning_rate=1e3)
    history = History(2)
    with np.errstate(all="ignore"):  # the overflow is the point
        records = trainer.train(20)
    history.extend(records)
    assert records[-1].diverged
    last = history.snapshot_at(records[-1].step)
    assert all(np.isfinite(w).all() for w in last.weights)
    for mine, network in zip(last.weights, trainer.network.weights):
        np.testing.assert_array_equal(mine, network)


def test_thinning_keeps_a_trainer_state_before_every_kept_snapshot():
    history = History(1, recent_snapshots=8, snapshot_capacity=32)
    for step in range(1000):
        state = {"steps_done": step + 1} if step % 50 == 49 else None
        history.append_values(step, 0.0, [1.0], [1.0], (np.zeros(1),), (np.zeros(1),),
                              state)
    for snapshot in history.snapshots:
        if snapshot.step >= 49:
            anchor = history.snapshot_at(snapshot.step, with_state=True)
            assert anchor is not None and snapshot.step - anchor.step < 50
            assert anchor.trainer_state["steps_done"] == anchor.step + 1


def test_a_step_number_already_recorded_branches_the_history():
    history = History(1)
    for step in range(10):
        history.append_values(step, float(step), [1.0], [1.0], (np.zeros(1),),
                              (np.zeros(1),))
    # undo back to 4 steps done, then train again: step 4 replaces the old 4..9
    history.append_values(4, -1.0, [2.0], [2.0], (np.ones(1),), (np.ones(1),))
    np.testing.assert_array_equal(history.steps, [0, 1, 2, 3, 4])
    assert history.losses[-1] == -1.0
    assert history.snapshot_at(100).weights[0][0] == 1.0
    assert history.next_step == 5


def test_clear_forgets_everything():
    history = History(2)
    trainer = make_trainer(layers=(2, 3, 1))
    history.extend(trainer.train(3))
    history.clear()
    assert len(history) == 0 and history.last_step is None and history.next_step == 0
    assert history.snapshot_at(10) is None
    assert history.grad_norms.shape == (0, 2)


def test_clear_with_another_depth_reshapes_the_gradient_columns():
    history = History(2)
    history.append_values(0, 1.0, [1.0, 2.0], [0.1, 0.2])
    history.clear(4)
    assert history.n_layers == 4 and history.grad_norms.shape == (0, 4)
    history.append_values(0, 1.0, [1.0, 2.0, 3.0, 4.0], [0.1, 0.2, 0.3, 0.4])
    np.testing.assert_array_equal(history.grad_norms, [[1.0, 2.0, 3.0, 4.0]])


# -- a copy, and branching from a kept snapshot ---------------------------------------

def test_a_copy_keeps_the_rows_a_branch_cuts_off():
    trainer = make_trainer()
    history = History(3)
    history.extend(trainer.train(10), trainer.state())
    copy = history.copy()
    history.truncate(4)  # training branched at step 4
    history.extend(trainer.train(2), trainer.state(), first_step=4)
    np.testing.assert_array_equal(copy.steps, np.arange(10))
    assert [s.step for s in copy.snapshots] == list(range(10))
    assert history.next_step == 6 and copy.next_step == 10
    copy.truncate(0)
    assert len(history) == 6


def scenario_and_history(bursts=3, burst=10, momentum=0.9):
    """A scenario, its history trained in bursts (trainer state kept at each burst's
    end only, as Play keeps it), and every step's record."""
    weights, biases = initialize([2, 4, 1], InitSpec("xavier_uniform", seed=3))
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.0, 1.0, (12, 2))
    y = (x[:, :1] * x[:, 1:2] > 0).astype(float)
    scenario = Scenario(
        Network([2, 4, 1], ["tanh", "sigmoid"], weights, biases),
        TrainingSettings("mse", 0.5, momentum=momentum, batch_size=4, seed=5),
        DataSpec.from_samples(zip(x, y)))
    trainer = scenario.copy().trainer()
    history = History(2)
    records = []
    for _ in range(bursts):
        run = trainer.train(burst)
        history.extend(run, trainer.state())
        records += run
    return scenario, history, records


def continue_from(scenario, snapshot, state):
    trainer = scenario.copy().trainer()
    trainer.network.set_parameters(snapshot.weights, snapshot.biases)
    trainer.restore(state)
    return trainer


def test_branching_at_a_kept_state_takes_that_state():
    scenario, history, _ = scenario_and_history()
    snapshot = history.snapshot_at(19)
    state, exact = branch_state(scenario, history, snapshot)
    assert exact and state is snapshot.trainer_state


def test_branching_between_kept_states_replays_training_exactly():
    scenario, history, records = scenario_and_history()
    snapshot = history.snapshot_at(14)
    assert snapshot.trainer_state is None  # Play kept no state after step 14
    state, exact = branch_state(scenario, history, snapshot)
    assert exact and state["steps_done"] == 15
    # training on from there takes the batches and momentum the original run took
    trainer = continue_from(scenario, snapshot, state)
    for original in records[15:18]:
        again = trainer.step()
        np.testing.assert_array_equal(again.sample_indices, original.sample_indices)
        assert again.loss.loss == original.loss.loss


def test_branching_after_the_settings_changed_starts_batches_afresh():
    scenario, history, _ = scenario_and_history()
    scenario.training = TrainingSettings("mse", 0.05, momentum=0.9, batch_size=4, seed=5)
    snapshot = history.snapshot_at(14)
    state, exact = branch_state(scenario, history, snapshot)
    assert not exact
    assert state["steps_done"] == 15  # the step count goes on from the snapshot
    # the first batch after the branch is a fresh trainer's first batch
    first = continue_from(scenario, snapshot, state).step()
    np.testing.assert_array_equal(first.sample_indices,
                                  scenario.copy().trainer().step().sample_indices)


def test_branching_without_any_kept_state_starts_batches_afresh():
    scenario, _, records = scenario_and_history(bursts=1)
    history = History(2)
    history.extend(records)  # no trainer state at all
    state, exact = branch_state(scenario, history, history.snapshot_at(6))
    assert not exact and state["steps_done"] == 7


def _overfit_trainer(regularization="none", rate=0.0):
    from dataclasses import replace

    from bpsim import io

    scenario = io.load_builtin("overfit")
    scenario.training = replace(scenario.training, regularization=regularization,
                                regularization_rate=rate)
    return scenario.trainer()


def test_keeps_each_steps_test_loss_and_data_loss_as_the_engine_recorded_them():
    trainer = _overfit_trainer("l2", 0.03)
    records = trainer.train(40)
    history = History(3)
    history.extend(records, trainer.state())
    assert all(r.test_loss is not None for r in records)
    np.testing.assert_array_equal(history.test_losses, [r.test_loss for r in records])
    np.testing.assert_array_equal(history.data_losses, [r.loss.data_loss for r in records])
    # J = data loss + λ·R: the two curves differ by the penalty
    np.testing.assert_array_equal(history.losses, [r.loss.loss for r in records])
    assert np.all(history.losses > history.data_losses)


def test_without_a_split_or_penalty_the_test_loss_is_missing_and_data_loss_is_j():
    trainer = make_trainer()
    records = trainer.train(10)
    history = History(3)
    history.extend(records)
    assert np.all(np.isnan(history.test_losses)) and len(history.test_losses) == 10
    np.testing.assert_array_equal(history.data_losses, history.losses)


def test_thinning_and_branching_keep_test_and_data_losses_beside_their_steps():
    history = History(1, recent=8, capacity=32)
    n = 500
    for step in range(n):
        history.append_values(step, 2.0 * step, [1.0], [1.0], test_loss=3.0 * step,
                              data_loss=step)
    steps = history.steps
    assert len(history) < n
    np.testing.assert_array_equal(history.test_losses, 3.0 * steps)
    np.testing.assert_array_equal(history.data_losses, steps)
    history.append_values(100, 1.0, [1.0], [1.0], test_loss=None, data_loss=None)
    assert history.last_step == 100
    assert np.isnan(history.test_losses[-1]) and history.data_losses[-1] == 1.0
    np.testing.assert_array_equal(history.test_losses[:-1], 3.0 * history.steps[:-1])
