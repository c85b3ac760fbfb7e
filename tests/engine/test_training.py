"""Training steps: the lecture's numbers, the phase records, momentum, batches,
frozen biases, divergence, and records that stay true."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bpsim.network import Network
from bpsim.trace import BackwardRecord, ForwardRecord, LossRecord, UpdateRecord
from bpsim.training import BatchSampler, Trainer, TrainingSettings


@pytest.fixture
def lecture_trainer(built_in):
    """``lecture_trainer(**settings)``: a trainer of the lecture example (x = 3, w = 0.1,
    y = 1, identity, (ŷ − y)², η = 1, biases frozen at 0) with ``settings`` changed."""

    def make(**settings) -> Trainer:
        scenario = built_in("lecture-example")
        scenario.training = dataclasses.replace(scenario.training, **settings)
        return scenario.trainer()

    return make


def small_trainer(**settings) -> Trainer:
    """2-3-2 sigmoid network on four samples, biases non-zero."""
    network = Network([2, 3, 2], ["sigmoid", "sigmoid"],
                      [[[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]],
                       [[0.3, -0.2, 0.7], [-0.5, 0.4, 0.1]]],
                      [[0.1, -0.2, 0.05], [0.2, -0.1]])
    x = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    y = [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    return Trainer(network, x, y, TrainingSettings(**{"learning_rate": 0.5, **settings}))


def run_phases(trainer):
    """The records phases() yields, and the StepRecord it returns."""
    generator = trainer.phases()
    records = []
    while True:
        try:
            records.append(next(generator))
        except StopIteration as done:
            return records, done.value


def test_lecture_example_through_step(lecture_trainer):
    trainer = lecture_trainer()
    record = trainer.step()
    assert record.forward[0].a[0, 0] == pytest.approx(0.3)
    assert record.loss.loss == pytest.approx(0.49)
    assert record.backward_for(1).grad_weights[0, 0] == pytest.approx(-4.2)
    assert trainer.network.weights[0][0, 0] == pytest.approx(4.3)
    assert trainer.network.biases[0][0] == 0.0
    assert not record.diverged


def test_lecture_example_phase_by_phase(lecture_trainer):
    trainer = lecture_trainer()
    network = trainer.network
    generator = trainer.phases()

    forward = next(generator)
    assert isinstance(forward, ForwardRecord) and forward.layer == 1
    assert forward.inputs[0, 0] == 3.0
    assert forward.z[0, 0] == pytest.approx(0.3) and forward.a[0, 0] == pytest.approx(0.3)

    loss = next(generator)
    assert isinstance(loss, LossRecord)
    assert loss.loss == pytest.approx(0.49)
    assert loss.grad_output[0, 0] == pytest.approx(-1.4)  # 2(ŷ − y)

    backward = next(generator)
    assert isinstance(backward, BackwardRecord) and backward.layer == 1
    assert backward.delta[0, 0] == pytest.approx(-1.4)
    assert backward.grad_weights[0, 0] == pytest.approx(-4.2)  # δ · x
    assert backward.grad_norm == pytest.approx(4.2)

    update = next(generator)
    assert isinstance(update, UpdateRecord)
    assert update.weights_before[0][0, 0] == 0.1
    assert update.weights_after[0][0, 0] == pytest.approx(4.3)
    # The window shows the update before it lands: the network changes only when the
    # generator finishes.
    assert network.weights[0][0, 0] == 0.1

    with pytest.raises(StopIteration) as done:
        next(generator)
    step = done.value.value
    assert network.weights[0][0, 0] == pytest.approx(4.3)
    assert step.phases == (forward, loss, backward, update)
    assert trainer.steps_done == 1


def test_phases_come_forward_then_loss_then_backward_then_update():
    trainer = small_trainer()
    records, step = run_phases(trainer)
    kinds = [(type(r).__name__, getattr(r, "layer", None)) for r in records]
    assert kinds == [("ForwardRecord", 1), ("ForwardRecord", 2), ("LossRecord", None),
                     ("BackwardRecord", 2), ("BackwardRecord", 1), ("UpdateRecord", None)]
    assert step.phases == tuple(records)
    assert len(step.activations) == 3 and step.grad_norms.shape == (2,)


def test_step_and_phases_record_the_same_numbers():
    by_step, by_phases = small_trainer(batch_size=3), small_trainer(batch_size=3)
    for _ in range(3):
        a = by_step.step()
        _, b = run_phases(by_phases)
        assert np.array_equal(a.sample_indices, b.sample_indices)
        for p, q in zip(a.phases, b.phases):
            for field in dataclasses.fields(p):
                x, y = getattr(p, field.name), getattr(q, field.name)
                if isinstance(x, tuple):
                    assert all(np.array_equal(u, v) for u, v in zip(x, y))
                else:
                    assert np.array_equal(x, y), field.name


def test_frozen_biases_get_a_gradient_but_never_move():
    trainer = small_trainer(train_biases=False)
    network = trainer.network
    biases = [b.copy() for b in network.biases]
    weights = [w.copy() for w in network.weights]
    x, y = trainer.x, trainer.y
    for _ in range(3):
        _, _, expected_grad_b = network.gradients(x, y, "mse")
        record = trainer.step()
        for l in (1, 2):
            reported = record.backward_for(l).grad_biases
            assert np.abs(reported).max() > 1e-3
            np.testing.assert_allclose(reported, expected_grad_b[l - 1], rtol=1e-12)
    assert all(np.array_equal(b, before) for b, before in zip(network.biases, biases))
    assert not all(np.array_equal(w, before) for w, before in zip(network.weights, weights))
    # they still act in the forward pass: z = a W ᵀ + b
    first = record.forward[0]
    np.testing.assert_allclose(first.z, first.inputs @ record.update.weights_before[0].T
                               + biases[0], rtol=1e-15)


def test_momentum_matches_a_hand_computation(lecture_trainer):
    eta, mu = 0.01, 0.9
    trainer = lecture_trainer(learning_rate=eta, momentum=mu, train_biases=True)
    w, b, velocity_w, velocity_b = 0.1, 0.0, 0.0, 0.0
    for _ in range(3):
        error = 3 * w + b - 1           # ŷ − y
        grad_w, grad_b = 2 * error * 3, 2 * error
        velocity_w = mu * velocity_w - eta * grad_w
        velocity_b = mu * velocity_b - eta * grad_b
        w, b = w + velocity_w, b + velocity_b
        trainer.step()
        assert trainer.network.weights[0][0, 0] == pytest.approx(w, rel=1e-12)
        assert trainer.network.biases[0][0] == pytest.approx(b, rel=1e-12)
    # without momentum the third step would have landed elsewhere
    plain = lecture_trainer(learning_rate=eta, train_biases=True)
    plain.train(3)
    assert plain.network.weights[0][0, 0] != pytest.approx(w, rel=1e-3)


def test_minibatches_cover_every_sample_once_per_epoch():
    sampler = BatchSampler(10, 3, seed=7)
    for epoch in range(1, 4):
        batches = [sampler.next() for _ in range(4)]      # 3 + 3 + 3 + 1
        assert [len(b) for b in batches] == [3, 3, 3, 1]
        assert sorted(np.concatenate(batches).tolist()) == list(range(10))
        assert sampler.epoch == epoch


def test_minibatch_order_follows_the_seed():
    def batches(seed):
        sampler = BatchSampler(12, 4, seed)
        return [sampler.next().tolist() for _ in range(9)]

    assert batches(3) == batches(3)
    assert batches(3) != batches(4)
    # each epoch is shuffled anew
    order = batches(3)
    assert order[0:3] != order[3:6]


def test_full_batch_is_every_sample_in_order():
    for batch_size in (None, 5, 50):
        sampler = BatchSampler(5, batch_size, seed=0)
        for _ in range(3):
            assert sampler.next().tolist() == [0, 1, 2, 3, 4]


def test_peek_shows_the_next_batch_without_taking_it():
    sampler = BatchSampler(6, 2, seed=1)
    sampler.next()
    upcoming = sampler.peek().tolist()
    assert sampler.next().tolist() == upcoming


def test_one_sample_at_a_time_through_the_trainer():
    trainer = small_trainer(batch_size=1, seed=5)
    seen = [trainer.step().sample_indices.tolist() for _ in range(8)]
    assert all(len(indices) == 1 for indices in seen)
    assert sorted(sum(seen[:4], [])) == sorted(sum(seen[4:], [])) == [0, 1, 2, 3]
    record = trainer.step()
    np.testing.assert_array_equal(record.inputs, trainer.x[record.sample_indices])


@pytest.mark.parametrize("learning_rate", [float("nan"), float("inf"), 1e308])
def test_a_step_that_would_give_nan_or_inf_is_not_applied(lecture_trainer, learning_rate):
    trainer = lecture_trainer(learning_rate=learning_rate, train_biases=True)
    network = trainer.network
    weights, biases = list(network.weights), list(network.biases)
    with np.errstate(all="ignore"):
        record = trainer.step()
    assert record.diverged and record.divergence == "update"
    assert not record.update.applied
    assert all(w is before for w, before in zip(network.weights, weights))
    assert all(b is before for b, before in zip(network.biases, biases))
    # the record still shows what the update would have been
    assert not np.all(np.isfinite(record.update.weights_after[0]))


def two_layer(w1, w2, activations=("identity", "identity")):
    return Network([1, 1, 1], list(activations), [[[w1]], [[w2]]], [[0.0], [0.0]])


@pytest.mark.parametrize("network, x, y, loss, where", [
    (two_layer(1e300, 1.0), 1e300, 0.0, "mse", "forward layer 1"),      # z = 1e300 · 1e300
    (two_layer(1e200, 1e200), 1.0, 0.0, "mse", "forward layer 2"),
    (two_layer(1e200, 1.0), 1.0, 0.0, "mse", "loss"),                   # (1e200)²
    # finite forward pass and loss, but ∂J/∂W⁽¹⁾ = δ⁽¹⁾ x = 1e100 · 1e250
    (two_layer(1e-100, 1e100, ("identity", "sigmoid")), 1e250, 0.0, "bce",
     "backward layer 1"),
])
def test_divergence_names_where_it_started(network, x, y, loss, where):
    weights = list(network.weights)
    trainer = Trainer(network, [[x]], [[y]], TrainingSettings(loss=loss))
    with np.errstate(all="ignore"):
        records = trainer.train(5)
    assert len(records) == 1                 # training stops at the divergent step
    assert records[0].divergence == where
    assert not records[0].update.applied
    assert all(w is before for w, before in zip(network.weights, weights))


def test_huge_but_finite_gradients_are_not_divergence():
    # ∂J/∂W = 1e200: its norm overflows, yet every number is finite and the step applies
    trainer = Trainer(two_layer(1.0, 1.0, ("identity", "sigmoid")), [[1e200]], [[0.0]],
                      TrainingSettings(loss="bce", learning_rate=1e-200))
    with np.errstate(all="ignore"):
        record = trainer.step()
    assert not record.diverged and record.update.applied
    assert record.backward_for(2).grad_weights[0, 0] == pytest.approx(1e200)
    assert trainer.network.weights[1][0, 0] == pytest.approx(0.0)


def test_forward_records_carry_the_leaky_slope_and_the_derivative_backward_uses():
    # α = 0.3: at z < 0 the derivative is α, not the default 0.01
    network = Network([2, 3, 1], ["leaky_relu", "identity"],
                      [[[1.0, -2.0], [-1.0, 0.5], [0.5, 0.5]], [[1.0, -1.0, 2.0]]],
                      [[0.0, 0.0, -3.0], [0.0]], leaky_slope=0.3)
    trainer = Trainer(network, [[1.0, 1.0], [-1.0, 2.0]], [[0.5], [1.0]],
                      TrainingSettings(loss="mse"))
    record = trainer.step()
    hidden, output = record.forward
    assert hidden.leaky_slope == 0.3 and output.leaky_slope is None
    # z = [[−1, −0.5, −2], [−5, 2, −2.5]]: f′ = 1 where z > 0, else α
    np.testing.assert_array_equal(hidden.derivative, [[0.3, 0.3, 0.3], [0.3, 1.0, 0.3]])
    np.testing.assert_array_equal(output.derivative, np.ones((2, 1)))
    # δ⁽¹⁾ = ∂J/∂a⁽¹⁾ ⊙ f′(z⁽¹⁾), with the very f′ the record holds
    back = record.backward_for(1)
    np.testing.assert_array_equal(back.delta, back.grad_a * hidden.derivative)


def test_records_are_read_only():
    trainer = small_trainer()
    record = trainer.step()
    arrays = [record.forward[0].inputs, record.forward[0].z, record.forward[1].a,
              record.forward[0].derivative,
              record.loss.per_sample, record.loss.target, record.loss.grad_output,
              record.backward[0].delta, record.backward[0].grad_weights,
              record.backward[1].grad_biases, record.update.weights_before[0],
              record.update.weights_after[1], record.update.biases_after[0],
              record.sample_indices, trainer.network.weights[0], trainer.network.biases[1]]
    for array in arrays:
        with pytest.raises(ValueError):
            array[(0,) * array.ndim] = 42.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.loss.loss = 0.0


def test_old_records_stay_true_after_later_steps():
    trainer = small_trainer(batch_size=2)
    first = trainer.step()
    weights_before = [w.copy() for w in first.update.weights_before]
    weights_after = [w.copy() for w in first.update.weights_after]
    z = first.forward[0].z.copy()
    trainer.train(5)
    trainer.network.set_weight(1, 0, 0, 9.0)   # an edit replaces the array too
    assert all(np.array_equal(w, v) for w, v in zip(first.update.weights_before, weights_before))
    assert all(np.array_equal(w, v) for w, v in zip(first.update.weights_after, weights_after))
    assert np.array_equal(first.forward[0].z, z)


def test_restoring_the_state_replays_the_same_step():
    trainer = small_trainer(batch_size=3, momentum=0.5)
    trainer.train(2)
    state = trainer.state()
    weights, biases = list(trainer.network.weights), list(trainer.network.biases)
    first = trainer.step()
    trainer.network.set_parameters(weights, biases)
    trainer.restore(state)
    again = trainer.step()
    assert again.step == first.step == 2
    assert np.array_equal(again.sample_indices, first.sample_indices)
    assert again.loss.loss == first.loss.loss
    assert all(np.array_equal(a, b) for a, b in
               zip(again.update.weights_after, first.update.weights_after))


@pytest.mark.parametrize("preset", ["xor", "spiral", "deep-sigmoid", "sine"])
def test_bulk_run_computes_exactly_what_recorded_steps_compute(preset):
    from bpsim.io import load_builtin

    recorded, bulk = load_builtin(preset), load_builtin(preset)
    records = recorded.trainer().train(40)
    run = bulk.trainer().run(40)
    np.testing.assert_array_equal(run.losses, [r.loss.loss for r in records])
    np.testing.assert_array_equal(run.grad_norms, [r.grad_norms for r in records])
    for mine, theirs in zip(bulk.network.weights, recorded.network.weights):
        np.testing.assert_array_equal(mine, theirs)
    assert run.last.step == 39 and not run.diverged


def _same_arrays(mine, theirs) -> bool:
    return len(mine) == len(theirs) and all(np.array_equal(a, b) for a, b in zip(mine, theirs))


@pytest.mark.parametrize("settings", [
    dict(momentum=0.9), dict(batch_size=3), dict(batch_size=3, momentum=0.5),
    dict(train_biases=False, momentum=0.9), dict(learning_rate=-0.5),
    dict(loss="bce", momentum=0.3)])
@pytest.mark.parametrize("huge_bias", [False, True])
def test_bulk_run_in_chunks_computes_exactly_what_recorded_steps_compute(settings,
                                                                         huge_bias):
    # A bias of 2e300 (its neuron saturated, so nothing diverges) puts the run beyond
    # the bound under which new parameters go uninspected.
    recorded, bulk = small_trainer(**settings), small_trainer(**settings)
    if huge_bias:
        for trainer in (recorded, bulk):
            trainer.network.set_bias(1, 0, 2e300)
    records = recorded.train(30)
    losses, norms = [], []
    for chunk in (1, 12, 2, 15):
        run = bulk.run(chunk)
        losses.extend(run.losses)
        norms.extend(run.grad_norms)
        # what the run hands back is the network's, read-only, as after a step
        assert not any(w.flags.writeable for w in bulk.network.weights + bulk.network.biases)
    assert losses == [r.loss.loss for r in records]
    np.testing.assert_array_equal(norms, [r.grad_norms for r in records])
    assert _same_arrays(bulk.network.weights, recorded.network.weights)
    assert _same_arrays(bulk.network.biases, recorded.network.biases)
    assert bulk.steps_done == recorded.steps_done == 30
    if settings.get("momentum"):
        assert _same_arrays(bulk._velocity_w, recorded._velocity_w)
        assert _same_arrays(bulk._velocity_b, recorded._velocity_b)
    # and the next step, from the state reached, is the same too
    assert bulk.step().loss.loss == recorded.step().loss.loss


def test_bulk_run_leaves_arrays_handed_out_before_it_as_they_were():
    trainer = small_trainer(momentum=0.9)
    trainer.train(2)
    weights, state = list(trainer.network.weights), trainer.state()
    copies = [np.array(w) for w in weights]
    velocities = [np.array(v) for v in state["velocity"][0]]
    trainer.run(20)
    assert _same_arrays(weights, copies)
    assert _same_arrays(state["velocity"][0], velocities)


def test_bulk_run_stops_at_a_divergent_step_and_keeps_the_weights_before_it(lecture_trainer):
    trainer = lecture_trainer(learning_rate=1e6, train_biases=True)
    network = trainer.network
    with np.errstate(all="ignore"):
        run = trainer.run(1000)
    assert run.diverged and len(run.losses) < 1000
    assert run.last.divergence is not None
    assert np.isfinite(network.weights[0]).all()
    np.testing.assert_array_equal(network.weights[0], run.last.update.weights_before[0])
