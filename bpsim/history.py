"""The training history: every full step's loss and per-layer gradient magnitudes,
and the parameters after each step, in bounded memory.

Memory stays flat on arbitrarily long runs: the most recent ``recent`` steps are kept
whole, older ones are thinned to every 2nd step, then every 4th, 8th … (the stride
doubles whenever the buffers fill up again), so a 1,000,000-step run keeps its
shape in a few thousand rows.  The numbers live in preallocated numpy buffers (one
row per kept step, no Python object per step), so an append is amortized O(1).

Parameter snapshots (weights, biases, and optionally ``Trainer.state()``) follow the
same scheme with their own, smaller budget; a snapshot shares the record's read-only
arrays instead of copying them.  A snapshot is the state *after* its step's update,
i.e. the state training continues from.

Steps normally arrive in increasing order.  A step number at or below the last one
recorded means training branched (undo, "continue from here", reset): the rows from
that step on are dropped before the new one is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from .network import same_parameters
from .trace import StepRecord


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The network's parameters right after step ``step`` was applied."""

    #: the step's number (StepRecord.step, or the history's own numbering)
    step: int
    #: W⁽¹⁾ … W⁽ᴸ⁾ after the update (before it, when the step diverged and was not applied)
    weights: tuple
    #: b⁽¹⁾ … b⁽ᴸ⁾, likewise
    biases: tuple
    #: Trainer.state() after the step, or None when it was not given
    trainer_state: dict | None
    #: J of the step's batch
    loss: float


def mean_abs_gradients(record: StepRecord) -> np.ndarray:
    """mean |∂J/∂w| over the weights of each layer, input side first."""
    grads = [b.grad_weights for b in reversed(record.backward)]
    sizes = [g.size for g in grads]
    starts = [0, *accumulate(sizes[:-1])]
    # All layers in three numpy calls: Σ|∂J/∂w| per layer over one flat array, / count.
    flat = np.abs(np.concatenate([g.ravel() for g in grads]))
    return np.add.reduceat(flat, starts) / sizes


def _thin_mask(steps: np.ndarray, stride: int) -> np.ndarray:
    # Every stride-th step survives thinning; steps are non-negative integers.
    return steps % stride == 0


class History:
    """Loss and gradient magnitudes per step (input side first), plus snapshots.

    ``recent`` steps are kept whole, the whole history fits in ``capacity`` rows;
    ``recent_snapshots`` / ``snapshot_capacity`` do the same for parameter snapshots,
    and the snapshots' parameters take at most about ``snapshot_bytes``: a big
    network keeps fewer of them (never fewer than MIN_SNAPSHOTS).
    """

    #: the fewest snapshots kept, however big the network
    MIN_SNAPSHOTS = 16

    def __init__(self, n_layers: int, recent: int = 4096, capacity: int = 16384,
                 recent_snapshots: int = 256, snapshot_capacity: int = 1024,
                 snapshot_bytes: int = 256 * 2**20):
        if not 0 < recent < capacity or not 0 < recent_snapshots < snapshot_capacity:
            raise ValueError("need 0 < recent < capacity")
        self.n_layers = 0
        self.recent, self.capacity = int(recent), int(capacity)
        self.recent_snapshots = int(recent_snapshots)
        self.snapshot_capacity = int(snapshot_capacity)
        self.snapshot_bytes = int(snapshot_bytes)
        self._steps = np.zeros(self.capacity, dtype=np.int64)
        self._losses = np.zeros(self.capacity)
        # the test set's data loss (NaN: no test samples) and J without λ·R, per row:
        # made at the first step that has one (see append_values), None until then
        self._test_losses: np.ndarray | None = None
        self._data_losses: np.ndarray | None = None
        self._snapshot_steps = np.zeros(self.snapshot_capacity, dtype=np.int64)
        self._snapshots: list[Snapshot] = []
        self.clear(n_layers)

    def copy(self) -> "History":
        """An independent copy: its buffers copied, its snapshots (immutable) shared.
        Undo of a branch puts back the rows the branch cut off from such a copy."""
        clone = object.__new__(type(self))
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray):
                value = value.copy()
            elif isinstance(value, list):
                value = list(value)
            setattr(clone, name, value)
        return clone

    # -- size and views ------------------------------------------------------------------

    def clear(self, n_layers: int | None = None) -> None:
        """Forget every step (and change the number of layers, if given)."""
        if n_layers is not None and int(n_layers) != self.n_layers:
            self.n_layers = int(n_layers)
            self._grad_norms = np.zeros((self.capacity, self.n_layers))
            self._mean_abs = np.zeros((self.capacity, self.n_layers))
        self._n = 0
        #: older rows are kept every ``stride``-th step (1, 2, 4, …)
        self.stride = 1
        self.snapshot_stride = 1
        self._snapshots.clear()
        #: snapshots kept at most, and kept whole, for this network's size (set by the
        #: first snapshot; see snapshot_bytes)
        self._snapshot_room = self.snapshot_capacity
        self._recent_snapshot_room = self.recent_snapshots

    def __len__(self) -> int:
        """Rows kept (not steps taken: older steps are thinned)."""
        return self._n

    @property
    def last_step(self) -> int | None:
        return int(self._steps[self._n - 1]) if self._n else None

    @property
    def next_step(self) -> int:
        """The step number that continues this history (0 when empty)."""
        return int(self._steps[self._n - 1]) + 1 if self._n else 0

    def _view(self, array: np.ndarray) -> np.ndarray:
        view = array[:self._n]
        view.flags.writeable = False
        return view

    # The views share the buffers: their contents change at the next append that
    # thins the history, so copy them to keep them.
    @property
    def steps(self) -> np.ndarray:
        """Step number of each kept row, increasing."""
        return self._view(self._steps)

    @property
    def losses(self) -> np.ndarray:
        """J of each kept step."""
        return self._view(self._losses)

    @property
    def test_losses(self) -> np.ndarray:
        """The data loss on the test samples before each kept step's update (NaN
        without test samples)."""
        if self._test_losses is None:
            return self._view(np.full(self._n, np.nan))
        return self._view(self._test_losses)

    @property
    def data_losses(self) -> np.ndarray:
        """J without the penalty λ·R of each kept step (= losses without one)."""
        return self._view(self._losses if self._data_losses is None else self._data_losses)

    @property
    def grad_norms(self) -> np.ndarray:
        """‖∂J/∂W⁽ˡ⁾‖ (Frobenius), shape (rows, L), layer 1 (input side) first."""
        return self._view(self._grad_norms)

    @property
    def mean_abs_grads(self) -> np.ndarray:
        """mean |∂J/∂w| over each layer's weights, shape (rows, L), input side first."""
        return self._view(self._mean_abs)

    def row_at(self, step: int) -> int | None:
        """Index of the nearest kept row at or before ``step`` (None if there is none)."""
        i = int(np.searchsorted(self._steps[:self._n], step, side="right")) - 1
        return i if i >= 0 else None

    @property
    def nbytes(self) -> int:
        """Bytes held by the buffers and by the snapshots' arrays (shared ones once)."""
        total = sum(a.nbytes for a in (self._steps, self._losses, self._grad_norms,
                                       self._mean_abs, self._snapshot_steps))
        # the test and data losses only once a step had them
        total += sum(a.nbytes for a in (self._test_losses, self._data_losses)
                     if a is not None)
        seen = set()
        for snapshot in self._snapshots:
            arrays = [*snapshot.weights, *snapshot.biases]
            state = snapshot.trainer_state or {}
            arrays += [v for v in state.values() if isinstance(v, np.ndarray)]
            for part in state.get("velocity") or ():
                arrays += list(part or ())
            for weights, biases in (state.get("moments") or {}).values():
                arrays += [*weights, *biases]
            for array in arrays:
                if id(array) not in seen:
                    seen.add(id(array))
                    total += array.nbytes
        return total

    # -- recording -----------------------------------------------------------------------

    def append(self, record: StepRecord, trainer_state: dict | None = None,
               step: int | None = None) -> None:
        """Keep one full step: its loss, gradient magnitudes and resulting parameters.

        ``step`` numbers the row (default: ``record.step``); ``trainer_state`` is
        ``Trainer.state()`` right after the step, when the caller has it."""
        update = record.update
        applied = update.applied
        self.append_values(
            record.step if step is None else step, record.loss.loss,
            [b.grad_norm for b in reversed(record.backward)],
            mean_abs_gradients(record),
            update.weights_after if applied else update.weights_before,
            update.biases_after if applied else update.biases_before,
            trainer_state,
            test_loss=record.test_loss, data_loss=record.loss.data_loss)

    def extend(self, records, trainer_state: dict | None = None,
               first_step: int | None = None) -> None:
        """Keep several consecutive steps; ``trainer_state`` belongs to the last one.
        ``first_step`` renumbers them from that step on (default: their own numbers)."""
        last = len(records) - 1
        for k, record in enumerate(records):
            self.append(record, trainer_state if k == last else None,
                        None if first_step is None else first_step + k)

    def append_values(self, step: int, loss: float, grad_norms, mean_abs_grads,
                      weights=None, biases=None, trainer_state: dict | None = None,
                      test_loss: float | None = None,
                      data_loss: float | None = None) -> None:
        """The same as :meth:`append`, from the numbers themselves (``test_loss``
        None: no test samples; ``data_loss`` None: J has no penalty, so ``loss``)."""
        step = int(step)
        n = self._n
        if n and step <= self._steps[n - 1]:
            self.truncate(step)
            n = self._n
        if n == self.capacity:
            self._thin()
            n = self._n
        self._steps[n] = step
        self._losses[n] = loss
        self._grad_norms[n] = grad_norms
        self._mean_abs[n] = mean_abs_grads
        if test_loss is not None and self._test_losses is None:
            self._test_losses = np.full(self.capacity, np.nan)
        if self._test_losses is not None:
            self._test_losses[n] = np.nan if test_loss is None else test_loss
        if data_loss is not None and data_loss != loss and self._data_losses is None:
            self._data_losses = self._losses.copy()  # the rows so far had no penalty
        if self._data_losses is not None:
            self._data_losses[n] = loss if data_loss is None else data_loss
        self._n = n + 1
        if weights is not None:
            self._add_snapshot(Snapshot(step, tuple(weights), tuple(biases),
                                        trainer_state, float(loss)))

    def truncate(self, step: int) -> None:
        """Drop the rows and snapshots of ``step`` and later (training branched there)."""
        self._n = int(np.searchsorted(self._steps[:self._n], step, side="left"))
        count = int(np.searchsorted(self._snapshot_steps[:len(self._snapshots)], step,
                                    side="left"))
        del self._snapshots[count:]

    def _thin(self) -> None:
        """Drop older rows down to every ``stride``-th step, doubling the stride until
        at most half the room for older rows is used: frees a constant fraction of the
        buffers, so appends stay amortized O(1)."""
        old = self._n - self.recent
        steps = self._steps[:old]
        budget = (self.capacity - self.recent) // 2
        keep = _thin_mask(steps, self.stride)
        while np.count_nonzero(keep) > budget:
            self.stride *= 2
            keep = _thin_mask(steps, self.stride)
        kept = np.flatnonzero(keep)
        k = len(kept)
        for array in (self._steps, self._losses, self._grad_norms, self._mean_abs,
                      self._test_losses, self._data_losses):
            if array is None:
                continue
            array[:k] = array[kept]
            array[k:k + self.recent] = array[old:self._n].copy()
        self._n = k + self.recent

    # -- snapshots -------------------------------------------------------------------------

    def _add_snapshot(self, snapshot: Snapshot) -> None:
        if not self._snapshots:
            self._fit_snapshots_to(snapshot)
        if len(self._snapshots) >= self._snapshot_room:
            self._thin_snapshots()
        self._snapshot_steps[len(self._snapshots)] = snapshot.step
        self._snapshots.append(snapshot)

    def _fit_snapshots_to(self, snapshot: Snapshot) -> None:
        """Room for as many snapshots of this network as fit in snapshot_bytes (the
        same share of them kept whole as the capacities give)."""
        size = sum(a.nbytes for a in (*snapshot.weights, *snapshot.biases)) or 1
        room = min(self.snapshot_capacity,
                   max(self.MIN_SNAPSHOTS, self.snapshot_bytes // size))
        self._snapshot_room = room
        self._recent_snapshot_room = max(1, min(
            self.recent_snapshots, room * self.recent_snapshots // self.snapshot_capacity))

    def _thin_snapshots(self) -> None:
        # Like _thin; besides every stride-th snapshot, the nearest one with a trainer
        # state at or before each of them stays, so training can be replayed exactly
        # from a kept state to any kept snapshot.
        n = len(self._snapshots)
        old = n - self._recent_snapshot_room
        steps = self._snapshot_steps[:old]
        has_state = np.array([s.trainer_state is not None for s in self._snapshots])
        last_with_state = np.maximum.accumulate(np.where(has_state, np.arange(n), -1))
        # the recent snapshots all stay, and so does the state each of them replays from
        recent_anchor = last_with_state[old]
        budget = (self._snapshot_room - self._recent_snapshot_room) // 2
        while True:
            keep = _thin_mask(steps, self.snapshot_stride)
            anchors = last_with_state[:old][keep]
            keep[anchors[anchors >= 0]] = True
            if 0 <= recent_anchor < old:
                keep[recent_anchor] = True
            if np.count_nonzero(keep) <= budget:
                break
            self.snapshot_stride *= 2
        kept = [self._snapshots[i] for i in np.flatnonzero(keep)]
        self._snapshots[:old] = kept
        n = len(self._snapshots)
        self._snapshot_steps[:n] = [s.step for s in self._snapshots]

    @property
    def snapshots(self) -> list[Snapshot]:
        """Kept snapshots, oldest first (a copy of the list)."""
        return list(self._snapshots)

    def snapshot_at(self, step: int, with_state: bool = False) -> Snapshot | None:
        """The nearest kept snapshot at or before ``step`` (with a trainer state, if
        asked); None if there is none."""
        i = int(np.searchsorted(self._snapshot_steps[:len(self._snapshots)], step,
                                side="right")) - 1
        while with_state and i >= 0 and self._snapshots[i].trainer_state is None:
            i -= 1
        return self._snapshots[i] if i >= 0 else None


def branch_state(scenario, history: History, snapshot: Snapshot) -> tuple[dict, bool]:
    """The trainer state right after ``snapshot``'s step, and whether it is exact.

    Play keeps the trainer state only at the end of each burst of steps; for the steps
    in between, training is replayed (on a copy of ``scenario``) from the nearest kept
    state before them (same weights, same batches), and the replay must land on the
    snapshot's weights.  Without such a state (or if the settings changed since), the
    batch order and momentum start afresh from the snapshot's weights."""
    if snapshot.trainer_state is not None:
        return snapshot.trainer_state, True
    anchor = history.snapshot_at(snapshot.step, with_state=True)
    if anchor is not None:
        trainer = scenario.copy().trainer()
        trainer.network.set_parameters(anchor.weights, anchor.biases)
        trainer.restore(anchor.trainer_state)
        for _ in range(snapshot.step - anchor.step):
            trainer.step()
        if same_parameters(trainer.network, snapshot.weights, snapshot.biases):
            return trainer.state(), True
    state = scenario.copy().trainer().state()
    state["steps_done"] = snapshot.step + 1
    return state, False
