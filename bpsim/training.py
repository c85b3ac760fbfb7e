"""One training step = forward on a batch, loss, backward, the optimizer's update.

The optimizers follow PyTorch's ``torch.optim`` (no weight decay): SGD with momentum
(``nesterov=True`` for Nesterov), RMSprop with ``alpha`` = ρ, Adam with bias
correction, so a student can check bpsim's numbers against it.

:meth:`Trainer.phases` yields the step phase by phase (forward one layer at a time,
the loss, backward one layer at a time, the update), each as an immutable record;
:meth:`Trainer.step` runs the same phases at once and returns the whole
:class:`~bpsim.trace.StepRecord`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import accumulate
from typing import Generator

import numpy as np

from . import activations as act
from . import regularization as reg
from .blas import one_blas_thread
from .history import mean_abs_gradients
from .network import Network
from .trace import (BackwardRecord, ForwardRecord, LossRecord, Phase, StepRecord,
                    UpdateRecord, frozen)


#: the optimizers, each with the update it applies to every parameter w (g = ∂J/∂w)
OPTIMIZERS = {
    "sgd": "v ← μ·v − η·g, w ← w + v (μ = 0: w ← w − η·g)",
    "nesterov": "v ← μ·v − η·g, w ← w + μ·v − η·g",
    "rmsprop": "s ← ρ·s + (1 − ρ)·g², w ← w − η·g/(√s + ε)",
    "adam": "m ← β₁·m + (1 − β₁)·g, v ← β₂·v + (1 − β₂)·g², "
            "w ← w − η·m̂/(√v̂ + ε), m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)",
}

#: the settings each optimizer uses besides η
OPTIMIZER_SETTINGS = {"sgd": ("momentum",), "nesterov": ("momentum",),
                      "rmsprop": ("rho", "epsilon"),
                      "adam": ("beta1", "beta2", "epsilon")}


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
    #: how the gradient moves the parameters: a key of OPTIMIZERS
    optimizer: str = "sgd"
    #: ρ in RMSprop's s ← ρ·s + (1 − ρ)·g² (PyTorch's ``alpha``)
    rho: float = 0.99
    #: β₁ in Adam's m ← β₁·m + (1 − β₁)·g
    beta1: float = 0.9
    #: β₂ in Adam's v ← β₂·v + (1 − β₂)·g²
    beta2: float = 0.999
    #: ε in RMSprop's and Adam's denominator √s + ε, √v̂ + ε
    epsilon: float = 1e-8
    #: the weight penalty R in J = data loss + λ·R: "none", "l1" or "l2"
    regularization: str = "none"
    #: λ in J = data loss + λ·R
    regularization_rate: float = 0.0


class BatchSampler:
    """Which samples each step uses.  Full batch: all, in order.  Mini-batch of k: a
    seeded permutation per epoch, cut into consecutive batches (the last may be short).

    ``pool`` (default: every sample) holds the indices of the samples to draw from, the
    training set when some samples are held out for testing; batches hold indices into
    the whole dataset."""

    def __init__(self, n_samples: int, batch_size: int | None, seed: int, pool=None):
        self.pool = None if pool is None or len(pool) == n_samples else np.asarray(pool)
        self.n_samples = n_samples if self.pool is None else len(self.pool)
        self.batch_size = batch_size
        self.seed = seed
        self.reset()

    @property
    def full_batch(self) -> bool:
        return self.batch_size is None or self.batch_size >= self.n_samples

    def reset(self) -> None:
        self._rng = np.random.default_rng(self.seed)
        self._order = np.arange(self.n_samples) if self.pool is None else self.pool
        self._position = self.n_samples  # forces a shuffle at the first mini-batch
        self.epoch = 0

    def next(self) -> np.ndarray:
        if self.full_batch:
            self.epoch += 1
            return self._order
        if self._position >= self.n_samples:
            self._order = self._rng.permutation(self.n_samples)
            if self.pool is not None:
                self._order = self.pool[self._order]
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
    #: the data loss on the test samples before each step's update (None without them)
    test_losses: np.ndarray | None = None
    #: with ``run(steps, keep_parameters=True)``: mean |∂J/∂w| over each layer's
    #: weights of each step, shape (steps, L), input side first (else None)
    mean_abs_grads: np.ndarray | None = None
    #: likewise: the (weights, biases) after each step's update, read-only
    parameters: list | None = None

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
    """Trains ``network`` in place on (x, y) with the given settings.

    ``split`` = (training indices, test indices) holds some samples out: steps draw
    only from the training samples, and each step's record carries the data loss on
    the test samples before its update."""

    def __init__(self, network: Network, x, y, settings: TrainingSettings, split=None):
        self.network = network
        self.x = np.atleast_2d(np.asarray(x, dtype=float))
        self.y = np.atleast_2d(np.asarray(y, dtype=float))
        self.settings = settings
        self._set_split(split)
        self.sampler = BatchSampler(len(self.x), settings.batch_size, settings.seed,
                                    self.train_indices)
        self.steps_done = 0
        self._velocity_w = None
        self._velocity_b = None
        #: RMSprop's s, Adam's m and v by name, each (weights, biases); absent = zeros
        self._moments: dict = {}
        #: t, the updates Adam has applied
        self._optimizer_steps = 0

    def _set_split(self, split) -> None:
        n = len(self.x)
        if split is None or len(split[1]) == 0:
            self.train_indices = np.arange(n)
            self.test_indices = np.arange(0)
            self._train_x, self._train_y = self.x, self.y
        else:
            self.train_indices = np.asarray(split[0], dtype=int)
            self.test_indices = np.asarray(split[1], dtype=int)
            self._train_x = self.x[self.train_indices]
            self._train_y = self.y[self.train_indices]
        self._test_x = self.x[self.test_indices]
        self._test_y = self.y[self.test_indices]

    @property
    def has_test_set(self) -> bool:
        return len(self.test_indices) > 0

    def test_loss(self, weights=None, biases=None) -> float | None:
        """The data loss on the test samples with the network's parameters (or the
        given ones); None without test samples."""
        if not self.has_test_set:
            return None
        net = self.network
        if weights is None:
            return net.loss(self._test_x, self._test_y, self.settings.loss)
        probe = net.copy()
        probe.weights, probe.biases = list(weights), list(biases)
        return probe.loss(self._test_x, self._test_y, self.settings.loss)

    def reset(self) -> None:
        """Forget momentum and restart the batch order (weights are the caller's business)."""
        self.sampler.reset()
        self.steps_done = 0
        self._velocity_w = self._velocity_b = None
        self._moments, self._optimizer_steps = {}, 0

    def state(self) -> dict:
        """Everything that decides the next steps besides the weights: batch order,
        momentum, step count.  :meth:`restore` puts it back (for undo and replay)."""
        sampler = self.sampler
        return {"rng": sampler._rng.bit_generator.state, "order": sampler._order,
                "position": sampler._position, "epoch": sampler.epoch,
                "steps_done": self.steps_done,
                "velocity": (self._velocity_w, self._velocity_b),
                "moments": dict(self._moments), "optimizer_steps": self._optimizer_steps}

    def restore(self, state: dict) -> None:
        sampler = self.sampler
        sampler._rng.bit_generator.state = state["rng"]
        sampler._order, sampler._position = state["order"], state["position"]
        sampler.epoch, self.steps_done = state["epoch"], state["steps_done"]
        self._velocity_w, self._velocity_b = state["velocity"]
        self._moments = dict(state.get("moments", {}))
        self._optimizer_steps = state.get("optimizer_steps", 0)

    def batch(self, indices) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of the samples ``indices``: the whole dataset, uncopied, for a full batch."""
        if indices is self.sampler._order and self.sampler.full_batch:
            return self._train_x, self._train_y
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
        test_loss = self.test_loss()

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
        loss = _loss_record(settings, net.weights, per_sample, forward[-1].a, y,
                            grad_output)
        loss_value = loss.loss
        if divergence is None and not np.isfinite(loss_value):
            divergence = "loss"
        yield loss

        backward = []
        grad_a = grad_output
        for record in reversed(forward):
            back = _with_penalty(settings, net.backward_layer(record, grad_a, delta),
                                 net.weights[record.layer - 1])
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
                          tuple(backward), update, divergence, test_loss)
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
        if s.optimizer == "nesterov" and mu:
            # look ahead: w ← w + μ·v − η·g with the new v (PyTorch's nesterov=True)
            steps_w = [mu * v - eta * g for v, g in zip(vel_w, grads_w)]
            steps_b = [mu * v - eta * g for v, g in zip(vel_b, grads_b)]
        else:
            steps_w, steps_b = vel_w, vel_b
        new_w = tuple(frozen(w + v) for w, v in zip(net.weights, steps_w))
        if s.train_biases:
            new_b = tuple(frozen(b + v) for b, v in zip(net.biases, steps_b))
        else:
            new_b = tuple(net.biases)
        return new_w, new_b, vel_w, vel_b

    def _moment(self, name: str):
        """(weights, biases) of a running average, zeros before its first update."""
        if name in self._moments:
            return self._moments[name]
        net = self.network
        zeros = (tuple(frozen(np.zeros_like(w)) for w in net.weights),
                 tuple(frozen(np.zeros_like(b)) for b in net.biases))
        return zeros

    def _adapt(self, grads_w, grads_b):
        """RMSprop's or Adam's update: (new weights, new biases, state before, state
        after, t).  Nothing is applied here."""
        net, s = self.network, self.settings
        eta, eps = s.learning_rate, s.epsilon
        grads = (grads_w, grads_b)
        if s.optimizer == "rmsprop":
            rho = s.rho
            before = {"mean_square": self._moment("mean_square")}
            # s ← ρ·s + (1 − ρ)·g²
            mean_square = tuple(tuple(frozen(rho * m + (1 - rho) * (g * g))
                                      for m, g in zip(ms, gs))
                                for ms, gs in zip(before["mean_square"], grads))
            # w ← w − η·g/(√s + ε)
            steps = [[eta * (g / (np.sqrt(m) + eps)) for m, g in zip(ms, gs)]
                     for ms, gs in zip(mean_square, grads)]
            after = {"mean_square": mean_square}
            t = self._optimizer_steps
        else:  # adam
            b1, b2 = s.beta1, s.beta2
            t = self._optimizer_steps + 1
            before = {"first_moment": self._moment("first_moment"),
                      "second_moment": self._moment("second_moment")}
            # m ← β₁·m + (1 − β₁)·g, v ← β₂·v + (1 − β₂)·g²
            first = tuple(tuple(frozen(b1 * m + (1 - b1) * g) for m, g in zip(ms, gs))
                          for ms, gs in zip(before["first_moment"], grads))
            second = tuple(tuple(frozen(b2 * v + (1 - b2) * (g * g))
                                 for v, g in zip(vs, gs))
                           for vs, gs in zip(before["second_moment"], grads))
            # the bias correction: m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)
            c1, c2 = 1 - b1 ** t, 1 - b2 ** t
            first_hat = tuple(tuple(frozen(m / c1) for m in ms) for ms in first)
            second_hat = tuple(tuple(frozen(v / c2) for v in vs) for vs in second)
            # w ← w − η·m̂/(√v̂ + ε)
            steps = [[eta * (m / (np.sqrt(v) + eps)) for m, v in zip(ms, vs)]
                     for ms, vs in zip(first_hat, second_hat)]
            after = {"first_moment": first, "second_moment": second,
                     "first_moment_corrected": first_hat,
                     "second_moment_corrected": second_hat}
        new_w = tuple(frozen(w - d) for w, d in zip(net.weights, steps[0]))
        if s.train_biases:
            new_b = tuple(frozen(b - d) for b, d in zip(net.biases, steps[1]))
        else:
            new_b = tuple(net.biases)
        return new_w, new_b, before, after, t

    def _update(self, backward, finite: bool) -> UpdateRecord:
        net, s = self.network, self.settings
        grads_w = [b.grad_weights for b in backward]
        grads_b = [b.grad_biases for b in backward]
        t = self._optimizer_steps
        if s.optimizer in ("rmsprop", "adam"):
            new_w, new_b, before, after, t = self._adapt(grads_w, grads_b)
        else:
            new_w, new_b, vel_w, vel_b = self._descend(grads_w, grads_b)
            before, after = {}, {}
            if s.momentum:
                before = {"velocity": (tuple(frozen(v) for v in self._velocity_w),
                                       tuple(frozen(v) for v in self._velocity_b))}
                after = {"velocity": (tuple(frozen(v) for v in vel_w),
                                      tuple(frozen(v) for v in vel_b))}
        applied = finite and not _non_finite(new_w) and not _non_finite(new_b)
        if applied and s.optimizer in ("rmsprop", "adam"):
            self._moments = {name: after[name] for name in before}
            self._optimizer_steps = t
        elif applied and s.momentum:
            self._velocity_w, self._velocity_b = vel_w, vel_b
        return UpdateRecord(s.learning_rate, s.momentum, s.train_biases, tuple(net.weights),
                            new_w, tuple(net.biases), new_b, applied, s.optimizer,
                            s.rho, s.beta1, s.beta2, s.epsilon, t, before, after)

    def step(self, indices=None) -> StepRecord:
        """One whole training step; returns its record."""
        phases = self.phases(indices)
        while True:
            try:
                next(phases)
            except StopIteration as done:
                return done.value

    def run(self, steps: int, keep_parameters: bool = False) -> "Run":
        """``steps`` steps for bulk training, keeping only each step's loss and
        gradient norms (and, with ``keep_parameters``, what a training history keeps
        of each step besides: mean |∂J/∂w| per layer and the parameters after it).  The arithmetic is the same as :meth:`phases` (the same
        formulas on the same numbers in the same order, so the same results to the
        last bit), without building phase records; the last step, and a step that
        diverges, are taken through :meth:`step` so their full records are at hand.
        Stops after a divergent step.  BLAS runs on one thread meanwhile (see
        :mod:`bpsim.blas`)."""
        with one_blas_thread():
            return self._run(steps, keep_parameters)

    def _run(self, steps: int, keep_parameters: bool = False) -> "Run":
        depth = self.network.depth
        losses = np.empty(steps)
        norms = np.empty((steps, depth))
        mean_abs = np.empty((steps, depth)) if keep_parameters else None
        parameters = [] if keep_parameters else None
        test_losses = np.empty(steps) if self.has_test_set else None
        last = None
        done = 0
        bulk = None
        # the bulk path knows plain and momentum SGD; the other optimizers take the
        # checked path for every step (the same numbers either way)
        bulk_ok = self.settings.optimizer == "sgd"
        for k in range(steps):
            indices = self.sampler.next()
            if k < steps - 1 and bulk_ok:
                if bulk is None:
                    bulk = _Bulk(self)
                if test_losses is not None:
                    test_losses[k] = self.test_loss(bulk.weights, bulk.biases)
                if bulk.step(indices, losses, norms[k], k,
                             None if mean_abs is None else mean_abs[k]):
                    if parameters is not None:
                        parameters.append(bulk.parameters())
                    done = k + 1
                    continue
            # the last step, or one the bulk path could not take (a number not finite)
            if bulk is not None:
                bulk.publish()
                bulk = None
            last = self.step(indices)
            losses[k] = last.loss.loss
            if test_losses is not None:
                test_losses[k] = last.test_loss
            norms[k] = last.grad_norms
            if parameters is not None:
                mean_abs[k] = mean_abs_gradients(last)
                update = last.update
                parameters.append((update.weights_after, update.biases_after)
                                  if update.applied else
                                  (update.weights_before, update.biases_before))
            done = k + 1
            if last.diverged:
                break
        if bulk is not None:
            bulk.publish()
        return Run(losses[:done], norms[:done], last,
                   None if test_losses is None else test_losses[:done],
                   None if mean_abs is None else mean_abs[:done], parameters)

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


#: while every |W| and |b| (and |v|) is known to stay below this, W − η∂J/∂W cannot
#: overflow (the largest float is 1.8e308), so the new parameters need no inspection
_SAFE_BOUND = 1e300


class _Bulk:
    """Bulk training steps on private, writable copies of the parameters (and
    velocities), updated in place; :meth:`publish` hands them to the network.

    The parameters of all layers lie in one flat array, each layer's W⁽ˡ⁾ a view of
    it (and so do b, v and the gradients, which are written in place), so the update
    is a few operations on whole arrays whatever the depth.  Same formulas as
    :meth:`Trainer.phases`, same numbers, same order, elementwise: in place,
    ``W += (−η)·∂J/∂W`` is W + (−η∂J/∂W) to the last bit.

    A step is applied only when it is finite throughout, as in :meth:`Trainer.phases`:
    J, every ‖∂J/∂W⁽ˡ⁾‖ and ‖∂J/∂b‖ are finite (‖∂J/∂W‖ finite means δ is, see
    below), and the new parameters are.  The last is known without looking at them
    while a bound on every |W|, |b| (and |v|) stays below :data:`_SAFE_BOUND`: a step
    moves an entry by at most |η|·g, g the largest of the norms ‖∂J/∂W⁽ˡ⁾‖, ‖∂J/∂b‖
    (with momentum by |v| ≤ |μ||v| + |η|·g).  Otherwise the new parameters are
    computed aside and inspected.
    """

    def __init__(self, trainer: "Trainer"):
        net, s = trainer.network, trainer.settings
        self.trainer = trainer
        self.flat_w, self.weights = _flat_copy(net.weights)
        self.flat_b, self.biases = _flat_copy(net.biases)
        self.flat_gw, self.grads_w = _flat_copy(net.weights, np.empty_like)
        self.flat_gb, self.grads_b = _flat_copy(net.biases, np.empty_like)
        self.layer_sizes = self.layer_starts = None  # for mean |∂J/∂w| (step)
        self.momentum = s.momentum
        if self.momentum:
            vw, vb = trainer._velocity_w, trainer._velocity_b
            self.flat_vw, self.velocity_w = _flat_copy(net.weights, np.zeros_like) \
                if vw is None else _flat_copy(vw)
            self.flat_vb, self.velocity_b = _flat_copy(net.biases, np.zeros_like) \
                if vb is None else _flat_copy(vb)
        self.eta = s.learning_rate
        self.train_biases = s.train_biases
        self._bound_parameters()
        activations = [act.ACTIVATIONS[name] for name in net.activations]
        self.forward = [f.forward for f in activations]
        self.backward = [f.backward for f in activations]
        self.slope = net.leaky_slope
        self.output_gradients = net.output_gradients
        self.loss_name = s.loss
        # the weight penalty (None: none, and the step is exactly the unregularized one)
        self.penalty = ((s.regularization, s.regularization_rate)
                        if reg.active(s.regularization, s.regularization_rate) else None)

    def _bound_parameters(self) -> None:
        """The bounds from the parameters themselves: max |W|, |b| (and max |v|)."""
        self.bound = max(_max_abs(self.flat_w),
                         _max_abs(self.flat_b) if self.train_biases else 0.0)
        if self.momentum:
            self.bound_v = max(_max_abs(self.flat_vw), _max_abs(self.flat_vb))

    def parameters(self) -> tuple[tuple, tuple]:
        """A read-only copy of (W⁽¹⁾ … W⁽ᴸ⁾, b⁽¹⁾ … b⁽ᴸ⁾) as they are now: two copies
        of the flat arrays, each layer a view of them."""
        out = []
        for flat, shaped in ((self.flat_w, self.weights), (self.flat_b, self.biases)):
            copy = flat.copy()
            copy.setflags(write=False)
            views, start = [], 0
            for a in shaped:
                views.append(copy[start:start + a.size].reshape(a.shape))
                start += a.size
            out.append(tuple(views))
        return out[0], out[1]

    def publish(self) -> None:
        """The network (and the trainer's momentum) take the parameters reached."""
        trainer = self.trainer
        trainer.network.weights = [frozen(np.array(w)) for w in self.weights]
        trainer.network.biases = [frozen(np.array(b)) for b in self.biases]
        if self.momentum:
            trainer._velocity_w = [np.array(v) for v in self.velocity_w]
            trainer._velocity_b = [np.array(v) for v in self.velocity_b]

    def step(self, indices, losses, norms, k, mean_abs=None) -> bool:
        """One step: J into ``losses[k]``, ‖∂J/∂W⁽ˡ⁾‖ into ``norms`` (input side first),
        and mean |∂J/∂w| per layer into ``mean_abs`` when given.
        False, with nothing applied, when any number is not finite."""
        weights, biases, slope = self.weights, self.biases, self.slope
        grads_w, grads_b = self.grads_w, self.grads_b
        x, y = self.trainer.batch(indices)
        depth = len(weights)
        inputs, zs = [x], []
        a = x
        for l in range(depth):  # z⁽ˡ⁾ = a⁽ˡ⁻¹⁾ W⁽ˡ⁾ᵀ + b⁽ˡ⁾, a⁽ˡ⁾ = f(z⁽ˡ⁾)
            z = a @ weights[l].T + biases[l]
            a = self.forward[l](z, slope)
            zs.append(z)
            inputs.append(a)
        per_sample, grad_a, delta = self.output_gradients(self.loss_name, z, a, y)
        loss = batch_loss(per_sample)
        penalty = self.penalty
        if penalty is not None:
            loss = _total_loss(loss, penalty[1], reg.penalty(penalty[0], weights))
        if not math.isfinite(loss):
            return False
        largest = 0.0  # the largest ‖∂J/∂W⁽ˡ⁾‖²
        vdot, isfinite, matmul, add = np.vdot, math.isfinite, np.matmul, np.add
        for l in range(depth - 1, -1, -1):
            if delta is None:  # δ⁽ˡ⁾ = ∂J/∂a⁽ˡ⁾ ⊙ f′(z⁽ˡ⁾)
                delta = self.backward[l](zs[l], inputs[l + 1], grad_a, slope)
            grad_w = matmul(delta.T, inputs[l], out=grads_w[l])  # ∂J/∂W⁽ˡ⁾ = δ⁽ˡ⁾ᵀ a⁽ˡ⁻¹⁾
            add.reduce(delta, axis=0, out=grads_b[l])           # ∂J/∂b⁽ˡ⁾ = Σ δ⁽ˡ⁾
            if penalty is not None:                             # + λ·∂R/∂W⁽ˡ⁾
                reg.add_gradient(penalty[0], penalty[1], grad_w, weights[l])
            # ∂J/∂W = δᵀa sums every δ entry times an input (inf·0 is NaN), so a finite
            # ‖∂J/∂W‖ means δ is finite too.
            square = vdot(grad_w, grad_w)
            if not isfinite(square):
                return False
            norms[l] = math.sqrt(square)
            if square > largest:
                largest = square
            if l:
                grad_a = delta @ weights[l]       # ∂J/∂a⁽ˡ⁻¹⁾ = δ⁽ˡ⁾ W⁽ˡ⁾
            delta = None
        square_b = vdot(self.flat_gb, self.flat_gb)  # ‖∂J/∂b‖² of all layers
        if not isfinite(square_b):
            return False
        if mean_abs is not None:
            # as history.mean_abs_gradients: Σ|∂J/∂w| per layer over the flat array
            # (the layers in the same order), / count; before the update scales it
            if self.layer_starts is None:
                sizes = [g.size for g in grads_w]
                self.layer_sizes, self.layer_starts = sizes, [0, *accumulate(sizes[:-1])]
            mean_abs[...] = np.add.reduceat(np.abs(self.flat_gw), self.layer_starts) \
                / self.layer_sizes
        if not self._update(math.sqrt(max(largest, square_b))):
            return False
        losses[k] = loss
        self.trainer.steps_done += 1
        return True

    def _update(self, largest: float) -> bool:
        """Applies the update in place; ``largest`` bounds every |∂J/∂θ|."""
        eta, mu = self.eta, self.momentum
        if mu:
            bound_v = abs(mu) * self.bound_v + abs(eta) * largest
            bound = self.bound + bound_v
        else:
            bound = self.bound + abs(eta) * largest
        if not bound < _SAFE_BOUND:  # also when it is NaN
            return self._update_inspected()
        gw, gb = self.flat_gw, self.flat_gb
        if mu:
            # v ← μv − η∂J/∂W, W ← W + v
            for v, g in ((self.flat_vw, gw), (self.flat_vb, gb)):
                v *= mu
                g *= eta
                v -= g
            self.bound_v = bound_v
            gw, gb = self.flat_vw, self.flat_vb
        else:
            # W ← W + (−η∂J/∂W)
            gw *= -eta
            gb *= -eta
        self.flat_w += gw
        if self.train_biases:
            self.flat_b += gb
        self.bound = bound
        return True

    def _update_inspected(self) -> bool:
        """The update computed aside, applied only if every new number is finite."""
        eta, mu = self.eta, self.momentum
        gw, gb = self.flat_gw, self.flat_gb
        if mu:
            vel_w, vel_b = mu * self.flat_vw - eta * gw, mu * self.flat_vb - eta * gb
        else:
            vel_w, vel_b = -eta * gw, -eta * gb
        new_w = self.flat_w + vel_w
        new_b = self.flat_b + vel_b if self.train_biases else self.flat_b
        if _non_finite((new_w, new_b)):
            return False
        self.flat_w[...] = new_w
        self.flat_b[...] = new_b
        if mu:
            self.flat_vw[...] = vel_w
            self.flat_vb[...] = vel_b
        self._bound_parameters()
        return True


def _total_loss(data_loss: float, rate: float, penalty: float) -> float:
    """J = data loss + λ·R."""
    return data_loss + rate * penalty


def _loss_record(settings: TrainingSettings, weights, per_sample, prediction, y,
                 grad_output) -> LossRecord:
    """The loss phase's record: J = data loss (+ λ·R with a weight penalty)."""
    data_loss = batch_loss(per_sample)
    kind, rate = settings.regularization, settings.regularization_rate
    if not reg.active(kind, rate):
        return LossRecord(settings.loss, data_loss, frozen(per_sample), prediction,
                          frozen(y), frozen(grad_output))
    penalty = reg.penalty(kind, weights)
    return LossRecord(settings.loss, _total_loss(data_loss, rate, penalty),
                      frozen(per_sample), prediction, frozen(y), frozen(grad_output),
                      data_loss, kind, rate, penalty)


def _with_penalty(settings: TrainingSettings, back: BackwardRecord,
                  w: np.ndarray) -> BackwardRecord:
    """``back`` with λ·∂R/∂W added to ∂J/∂W (and its norm), the data part kept beside."""
    kind, rate = settings.regularization, settings.regularization_rate
    if not reg.active(kind, rate):
        return back
    data = back.grad_weights
    total = reg.add_gradient(kind, rate, np.array(data), w)
    return BackwardRecord(back.layer, back.grad_a, back.delta, frozen(total),
                          back.grad_biases, math.sqrt(np.vdot(total, total)),
                          frozen(reg.gradient_term(kind, rate, w)), data)


def _flat_copy(arrays, fill=np.array):
    """(one flat array, a view of it shaped like each of ``arrays``) holding
    ``fill(array)`` of each (a copy by default)."""
    flat = np.empty(sum(a.size for a in arrays))
    views, start = [], 0
    for a in arrays:
        view = flat[start:start + a.size].reshape(a.shape)
        view[...] = fill(a)
        views.append(view)
        start += a.size
    return flat, views


def _max_abs(array: np.ndarray) -> float:
    return float(np.max(np.abs(array))) if array.size else 0.0


def _read_only(indices: np.ndarray) -> np.ndarray:
    """A read-only copy of a batch's sample indices (kept as integers)."""
    out = np.array(indices)
    out.flags.writeable = False
    return out
