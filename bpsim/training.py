"""One training step = forward on a batch, loss, backward, gradient-descent update.

:meth:`Trainer.phases` yields the step phase by phase (forward one layer at a time,
the loss, backward one layer at a time, the update), each as an immutable record;
:meth:`Trainer.step` runs the same phases at once and returns the whole
:class:`~bpsim.trace.StepRecord`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generator

import numpy as np

from .blas import one_blas_thread
from .network import Network, frobenius
from .trace import (BackwardRecord, ForwardRecord, LossRecord, Phase, StepRecord,
                    UpdateRecord, frozen)


@dataclass(frozen=True)
class TrainingSettings:
    #: name of the loss (see bpsim.losses.LOSSES)
    loss: str = "mse"
    #: η in W ← W − η ∂J/∂W
    learning_rate: float = 0.1
    #: μ in v ← μv − η ∂J/∂W, W ← W + v (0 = plain gradient descent)
    momentum: float = 0.0
    #: None = the whole dataset each step; k = mini-batches of k, reshuffled every epoch
    batch_size: int | None = None
    #: when False biases still act in the forward pass and get a gradient, but never move
    train_biases: bool = True
    #: seeds the mini-batch shuffle
    seed: int = 0


class BatchSampler:
    """Which samples each step uses.  Full batch: all, in order.  Mini-batch of k: a
    seeded permutation per epoch, cut into consecutive batches (the last may be short)."""

    def __init__(self, n_samples: int, batch_size: int | None, seed: int):
        self.n_samples = n_samples
        self.batch_size = batch_size
        self.seed = seed
        self.reset()

    @property
    def full_batch(self) -> bool:
        return self.batch_size is None or self.batch_size >= self.n_samples

    def reset(self) -> None:
        self._rng = np.random.default_rng(self.seed)
        self._order = np.arange(self.n_samples)
        self._position = self.n_samples  # forces a shuffle at the first mini-batch
        self.epoch = 0

    def next(self) -> np.ndarray:
        if self.full_batch:
            self.epoch += 1
            return self._order
        if self._position >= self.n_samples:
            self._order = self._rng.permutation(self.n_samples)
            self._position = 0
            self.epoch += 1
        batch = self._order[self._position:self._position + self.batch_size]
        self._position += self.batch_size
        return batch

    def peek(self) -> np.ndarray:
        """The batch the next call of :meth:`next` returns, without consuming it."""
        state = (self._rng.bit_generator.state, self._order, self._position, self.epoch)
        batch = self.next()
        self._rng.bit_generator.state, self._order, self._position, self.epoch = state
        return batch


def batch_loss(per_sample: np.ndarray) -> float:
    """J, the mean over the batch of the per-sample loss."""
    return float(np.add.reduce(per_sample) / len(per_sample))


@dataclass(frozen=True)
class Run:
    """What :meth:`Trainer.run` keeps of a run of steps."""

    #: J of each step, before its update
    losses: np.ndarray
    #: ‖∂J/∂W⁽ˡ⁾‖ of each step, shape (steps, L), input side first
    grad_norms: np.ndarray
    #: the full record of the last step taken (a divergent one when the run diverged)
    last: StepRecord | None

    @property
    def diverged(self) -> bool:
        return self.last is not None and self.last.diverged


def _non_finite(arrays) -> bool:
    # Σ a² is finite only if every a is (NaN and ±inf propagate), so one dot product
    # per array settles the usual case; only when it is not (finite numbers above
    # 1e154 overflow it) is each element looked at.
    for a in arrays:
        if not math.isfinite(np.vdot(a, a)) and not np.isfinite(a).all():
            return True
    return False


#: activations whose output a is finite wherever z is (leaky ReLU's α·z can overflow)
_FINITE_WHERE_Z_IS = frozenset({"identity", "sigmoid", "tanh", "relu", "softmax"})


def _forward_non_finite(record: ForwardRecord) -> bool:
    if record.activation in _FINITE_WHERE_Z_IS:
        return _non_finite((record.z,))
    return _non_finite((record.z, record.a))


def _backward_non_finite(record: BackwardRecord) -> bool:
    # ∂J/∂b sums the columns of δ and ‖∂J/∂W‖² sums the squares of ∂J/∂W: when both
    # are finite, so are δ and ∂J/∂W.  Otherwise look element by element.
    if (math.isfinite(record.grad_norm)
            and math.isfinite(np.vdot(record.grad_biases, record.grad_biases))):
        return False
    return _non_finite((record.delta, record.grad_weights))


class Trainer:
    """Trains ``network`` in place on (x, y) with the given settings."""

    def __init__(self, network: Network, x, y, settings: TrainingSettings):
        self.network = network
        self.x = np.atleast_2d(np.asarray(x, dtype=float))
        self.y = np.atleast_2d(np.asarray(y, dtype=float))
        self.settings = settings
        self.sampler = BatchSampler(len(self.x), settings.batch_size, settings.seed)
        self.steps_done = 0
        self._velocity_w = None
        self._velocity_b = None

    def reset(self) -> None:
        """Forget momentum and restart the batch order (weights are the caller's business)."""
        self.sampler.reset()
        self.steps_done = 0
        self._velocity_w = self._velocity_b = None

    def state(self) -> dict:
        """Everything that decides the next steps besides the weights: batch order,
        momentum, step count.  :meth:`restore` puts it back (for undo and replay)."""
        sampler = self.sampler
        return {"rng": sampler._rng.bit_generator.state, "order": sampler._order,
                "position": sampler._position, "epoch": sampler.epoch,
                "steps_done": self.steps_done,
                "velocity": (self._velocity_w, self._velocity_b)}

    def restore(self, state: dict) -> None:
        sampler = self.sampler
        sampler._rng.bit_generator.state = state["rng"]
        sampler._order, sampler._position = state["order"], state["position"]
        sampler.epoch, self.steps_done = state["epoch"], state["steps_done"]
        self._velocity_w, self._velocity_b = state["velocity"]

    def batch(self, indices) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of the samples ``indices``: the whole dataset, uncopied, for a full batch."""
        if indices is self.sampler._order and self.sampler.full_batch:
            return self.x, self.y
        return self.x[indices], self.y[indices]

    def phases(self, indices=None) -> Generator[Phase, None, StepRecord]:
        """Yields each phase's record in order; returns the StepRecord.

        The batch is the sampler's next one (or the samples ``indices``).  The update is
        applied when the generator is exhausted, unless a number became NaN or
        infinite, in which case the weights stay as they were.
        """
        net = self.network
        settings = self.settings
        if indices is None:
            indices = self.sampler.next()
        x, y = self.batch(indices)

        forward = []
        a = x
        divergence = None
        for layer in range(1, net.depth + 1):
            record = net.forward_layer(layer, a)
            forward.append(record)
            if divergence is None and _forward_non_finite(record):
                divergence = f"forward layer {layer}"
            yield record
            a = record.a

        per_sample, grad_output, delta = net.output_delta(settings.loss, forward[-1], y)
        loss_value = batch_loss(per_sample)
        loss = LossRecord(settings.loss, loss_value, frozen(per_sample), forward[-1].a,
                          frozen(y), frozen(grad_output))
        if divergence is None and not np.isfinite(loss_value):
            divergence = "loss"
        yield loss

        backward = []
        grad_a = grad_output
        for record in reversed(forward):
            back = net.backward_layer(record, grad_a, delta)
            backward.append(back)
            if divergence is None and _backward_non_finite(back):
                divergence = f"backward layer {record.layer}"
            if record.layer > 1:  # ∂J/∂a⁽⁰⁾, towards the inputs, is never needed
                grad_a = back.delta @ net.weights[record.layer - 1]
            delta = None
            yield back

        update = self._update(backward[::-1], divergence is None)
        if divergence is None and not update.applied:
            divergence = "update"
        yield update
        if update.applied:
            net.weights = list(update.weights_after)
            net.biases = list(update.biases_after)
        step = StepRecord(self.steps_done, _read_only(indices), tuple(forward), loss,
                          tuple(backward), update, divergence)
        self.steps_done += 1
        return step

    def _descend(self, grads_w, grads_b):
        """New weights, biases and velocities: W ← W − η∇ (with momentum v ← μv − η∇,
        W ← W + v).  Frozen biases stay.  Nothing is applied here."""
        net, s = self.network, self.settings
        eta, mu = s.learning_rate, s.momentum
        if mu:
            if self._velocity_w is None:
                self._velocity_w = [np.zeros_like(w) for w in net.weights]
                self._velocity_b = [np.zeros_like(b) for b in net.biases]
            vel_w = [mu * v - eta * g for v, g in zip(self._velocity_w, grads_w)]
            vel_b = [mu * v - eta * g for v, g in zip(self._velocity_b, grads_b)]
        else:
            vel_w = [-eta * g for g in grads_w]
            vel_b = [-eta * g for g in grads_b]
        new_w = tuple(frozen(w + v) for w, v in zip(net.weights, vel_w))
        if s.train_biases:
            new_b = tuple(frozen(b + v) for b, v in zip(net.biases, vel_b))
        else:
            new_b = tuple(net.biases)
        return new_w, new_b, vel_w, vel_b

    def _apply(self, new_w, new_b, vel_w, vel_b) -> None:
        self.network.weights = list(new_w)
        self.network.biases = list(new_b)
        if self.settings.momentum:
            self._velocity_w, self._velocity_b = vel_w, vel_b

    def _update(self, backward, finite: bool) -> UpdateRecord:
        net, s = self.network, self.settings
        new_w, new_b, vel_w, vel_b = self._descend([b.grad_weights for b in backward],
                                                   [b.grad_biases for b in backward])
        applied = finite and not _non_finite(new_w) and not _non_finite(new_b)
        if applied and s.momentum:
            self._velocity_w, self._velocity_b = vel_w, vel_b
        return UpdateRecord(s.learning_rate, s.momentum, s.train_biases, tuple(net.weights),
                            new_w, tuple(net.biases), new_b, applied)

    def step(self, indices=None) -> StepRecord:
        """One whole training step; returns its record."""
        phases = self.phases(indices)
        while True:
            try:
                next(phases)
            except StopIteration as done:
                return done.value

    def run(self, steps: int) -> "Run":
        """``steps`` steps for bulk training, keeping only each step's loss and
        gradient norms.  The arithmetic is the same as :meth:`phases` (the same
        network methods in the same order), without building phase records; the last
        step, and a step that diverges, are taken through :meth:`step` so their full
        records are at hand.  Stops after a divergent step.  BLAS runs on one thread
        meanwhile (see :mod:`bpsim.blas`)."""
        with one_blas_thread():
            return self._run(steps)

    def _run(self, steps: int) -> "Run":
        net = self.network
        depth = net.depth
        losses = np.empty(steps)
        norms = np.empty((steps, depth))
        last = None
        done = 0
        for k in range(steps):
            indices = self.sampler.next()
            result = None if k == steps - 1 else self._step_without_records(indices)
            if result is None:  # the last step, or a non-finite number appeared
                last = self.step(indices)
                losses[k] = last.loss.loss
                norms[k] = last.grad_norms
                done = k + 1
                if last.diverged:
                    break
                continue
            losses[k], norms[k] = result
            done = k + 1
        return Run(losses[:done], norms[:done], last)

    def _step_without_records(self, indices):
        """(J, gradient norms input side first) of one applied step, or None (nothing
        applied) when any number is not finite."""
        net = self.network
        x, y = self.batch(indices)
        depth = net.depth
        inputs, zs = [x], []
        a = x
        for layer in range(1, depth + 1):
            z, a = net.layer_forward(layer, a)
            zs.append(z)
            inputs.append(a)
        per_sample, grad_a, delta = net.output_gradients(self.settings.loss, z, a, y)
        loss = batch_loss(per_sample)
        if not math.isfinite(loss):
            return None
        grads_w, grads_b = [None] * depth, [None] * depth
        norms = np.empty(depth)
        for layer in range(depth, 0, -1):
            delta, grad_w, grad_b = net.layer_backward(layer, inputs[layer - 1], zs[layer - 1],
                                                       inputs[layer], grad_a, delta)
            norm = frobenius(grad_w)
            # ∂J/∂W = δᵀa sums every δ entry times an input (inf·0 is NaN), so a finite
            # ‖∂J/∂W‖ means δ, and with it ∂J/∂b = Σδ, is finite too.
            if not math.isfinite(norm):
                return None
            grads_w[layer - 1], grads_b[layer - 1], norms[layer - 1] = grad_w, grad_b, norm
            if layer > 1:
                grad_a = delta @ net.weights[layer - 1]
            delta = None
        new_w, new_b, vel_w, vel_b = self._descend(grads_w, grads_b)
        if _non_finite(new_w) or _non_finite(new_b):
            return None
        self._apply(new_w, new_b, vel_w, vel_b)
        self.steps_done += 1
        return loss, norms

    def train(self, steps: int, callback=None, until=None) -> list[StepRecord]:
        """Up to ``steps`` steps; stops early after a divergent step (it is the last
        record), or after a step for which ``until(record)`` is true (a stop condition
        such as a target loss)."""
        records = []
        for _ in range(steps):
            record = self.step()
            records.append(record)
            if callback is not None:
                callback(record)
            if record.diverged or (until is not None and until(record)):
                break
        return records


def _read_only(indices: np.ndarray) -> np.ndarray:
    """A read-only copy of a batch's sample indices (kept as integers)."""
    out = np.array(indices)
    out.flags.writeable = False
    return out
