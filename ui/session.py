"""The one adapter between the engine and Qt.

The session owns the current :class:`~bpsim.scenario.Scenario` and its
:class:`~bpsim.training.Trainer`, and tells views what changed through signals that
carry immutable engine records.  Views ask it (queries and read properties) and never
write into engine arrays: user edits go through the undo commands in
:mod:`bpsim.ui.commands`, which call the session's intent methods.  Several changes
made inside ``with session.batch():`` are told once per signal.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from bpsim.blas import hold_one_blas_thread
from bpsim.data import Dataset
from bpsim.history import History, Snapshot, branch_state
from bpsim.initializers import InitSpec
from bpsim.network import Network, same_parameters
from bpsim.notation.handout import training_step
from bpsim.scenario import DataSpec, Scenario
from bpsim.trace import ForwardRecord, StepRecord, UpdateRecord, frozen
from bpsim.training import TrainingSettings

from .commands import ContinueFromHereCommand, TrainCommand


def _diverging_quietly():
    """numpy's overflow warnings off: a diverging step is reported by the session itself
    (message, diverged signal), in words a student can act on."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


#: signals that tell a state ("this changed"): inside a batch, told once, at the place
#: of their first emission, with their last arguments.  The others tell events (steps,
#: phases, messages) and are all told, in order.
STATE_SIGNALS = ("structure_changed", "parameters_changed", "training_changed",
                 "data_changed", "sample_changed", "history_changed", "file_state_changed")


class Session(QObject):
    #: a new scenario or a new architecture: views rebuild their items
    structure_changed = Signal()
    #: weights or biases changed (edit, undo, update, reset): views restyle
    parameters_changed = Signal()
    #: training settings changed (or the initializer)
    training_changed = Signal()
    #: the data changed (samples, generator)
    data_changed = Signal()
    #: the sample shown on the canvas changed (its index, or its values)
    sample_changed = Signal(int)
    #: full training steps finished: a list of their StepRecords, oldest first (after
    #: quiet training, notify=False, only the last one: the history has every step)
    steps_recorded = Signal(object)
    #: a step produced NaN or inf; its record (the weights were kept from before it)
    diverged = Signal(object)
    #: a phase of a step taken phase by phase (its record: ForwardRecord, LossRecord,
    #: BackwardRecord or UpdateRecord)
    phase_recorded = Signal(object)
    #: a step taken phase by phase was abandoned before its update (an edit came first)
    step_abandoned = Signal()
    #: the training history was cut back, cleared or put back (undo and redo of
    #: training, reset, a new network or scenario)
    history_changed = Signal()
    #: the file path or the modified flag changed
    file_state_changed = Signal()
    #: how layers are numbered on screen changed (scenario.numbering): labels follow
    notation_changed = Signal()
    #: a message for the status bar / the user (text)
    message = Signal(str)
    #: training stopped before the steps asked for, not by the user's rules (out of
    #: memory): why, in words; the steps before it are kept (play stops)
    training_stopped = Signal(str)

    def __init__(self, scenario: Scenario, path: Path | None = None, parent=None):
        super().__init__(parent)
        # The window's engine work (stepping, playing) on one BLAS thread: see bpsim.blas.
        hold_one_blas_thread()
        #: signals held by batch(): (name, arguments) in order; None outside a batch
        self._held_signals: list[tuple[str, tuple]] | None = None
        self._batch_depth = 0
        self._pending = None
        self._held_records: list[StepRecord] = []
        self._trainer = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._set_scenario(scenario, path)

    def _on_clean_changed(self, _clean: bool) -> None:
        self._emit("file_state_changed")

    # -- notifications ----------------------------------------------------------------

    @contextmanager
    def batch(self):
        """Group changes: the views hear once per signal, when the outermost batch ends
        (a state signal at the place of its first emission; events all, in order)."""
        if self._batch_depth == 0:
            self._held_signals = []
        self._batch_depth += 1
        try:
            yield self
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                held, self._held_signals = self._held_signals, None
                self._emit_held(held)

    def _emit(self, name: str, *args) -> None:
        if self._held_signals is not None:
            self._held_signals.append((name, args))
        else:
            getattr(self, name).emit(*args)

    def _emit_held(self, held: list[tuple[str, tuple]]) -> None:
        last_args = {name: args for name, args in held}
        told = set()
        for name, args in held:
            if name in STATE_SIGNALS:
                if name in told:
                    continue
                told.add(name)
                args = last_args[name]
            getattr(self, name).emit(*args)

    # -- the scenario as a whole ------------------------------------------------

    def _set_scenario(self, scenario: Scenario, path: Path | None) -> None:
        if self._pending is not None:
            self.abandon_step()
        self.scenario = scenario
        self.path = Path(path) if path is not None else None
        self._current_sample = 0
        self._last_step: StepRecord | None = None
        self._pending = None
        #: steps trained with notify=False that the views have not heard of yet
        self._held_records: list[StepRecord] = []
        #: every full step's loss, gradient magnitudes and parameters, bounded in memory
        self._history = History(scenario.network.depth)
        self._trainer = None
        self._remember_initial()
        self._rebuild_trainer()
        #: (key, value) of loss_now's two losses (see _loss_key)
        self._total_loss_cache = None
        self._sample_loss_cache = None
        #: (key, value) of split_losses_now's two losses
        self._split_loss_cache = None

    def replace_scenario(self, scenario: Scenario, path: Path | None = None) -> None:
        """A newly opened file or built-in scenario: forgets undo history."""
        with self.batch():
            self._set_scenario(scenario, path)
            self.undo_stack.clear()
            self.undo_stack.setClean()
            self._emit("structure_changed")
            self._emit("data_changed")
            self._emit("training_changed")
            self._emit("sample_changed", self._current_sample)
            self._emit("history_changed")
            self._emit("file_state_changed")

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def mark_saved(self, path: Path) -> None:
        with self.batch():
            self.path = Path(path)
            self.undo_stack.setClean()
            self._emit("file_state_changed")

    def _remember_initial(self) -> None:
        """Reset goes back to these parameters (loaded or last re-initialized)."""
        self._initial_weights = list(self.network.weights)
        self._initial_biases = list(self.network.biases)

    def _rebuild_trainer(self) -> None:
        """A trainer for the current settings and data.  The step count goes on (the
        history continues); the batch order and momentum start afresh."""
        steps_done = self._trainer.steps_done if self._trainer is not None else 0
        self._dataset = self.scenario.dataset()
        self._trainer = self.scenario.trainer(self._dataset)
        self._trainer.steps_done = steps_done
        self._current_sample = min(self._current_sample, len(self._dataset) - 1)

    # -- what views show -----------------------------------------------------------

    @property
    def network(self) -> Network:
        return self.scenario.network

    @property
    def training(self) -> TrainingSettings:
        return self.scenario.training

    @property
    def data(self) -> DataSpec:
        """The data as the scenario states it (samples or a generator)."""
        return self.scenario.data

    @property
    def init(self) -> InitSpec:
        return self.scenario.init

    @property
    def current_sample(self) -> int:
        """Index of the sample shown on the canvas (see :meth:`set_current_sample`)."""
        return self._current_sample

    @property
    def last_step(self) -> StepRecord | None:
        """The record of the last full step taken (None after a reset or a new
        network): see :meth:`last_step_is_current` before explaining the weights by it."""
        return self._last_step

    @property
    def dataset(self) -> Dataset:
        """The samples the trainer uses (targets in the output layer's form)."""
        return self._dataset

    @property
    def trainer(self):
        """The engine's trainer.  Only the session and the undo commands use it: views
        ask the session (steps_done, next_batch_indices, training_state, …)."""
        return self._trainer

    @property
    def history(self) -> History:
        """Every full step's loss, gradients and kept parameters.  Read it only: the
        session fills it, cuts it back and puts it back."""
        return self._history

    @property
    def steps_done(self) -> int:
        """Full training steps taken (the number of the next step, counting from 0)."""
        return self._trainer.steps_done

    @property
    def initial_parameters(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(weights, biases) that Reset returns to: loaded or last re-initialized."""
        return list(self._initial_weights), list(self._initial_biases)

    def at_initial_parameters(self) -> bool:
        """No step taken and every weight and bias as Reset would set it."""
        return self.steps_done == 0 and same_parameters(
            self.network, self._initial_weights, self._initial_biases)

    def training_state(self) -> dict:
        """Everything besides the parameters that decides the next steps (batch order,
        momentum, step count): what :meth:`rewind` puts back.  A step in progress is
        not counted: every edit abandons it first."""
        if self._pending is not None:
            return self._pending["state"]
        return self._trainer.state()

    def next_batch_indices(self) -> np.ndarray:
        """The samples of the next step's batch (drawing nothing)."""
        return np.array(self._trainer.sampler.peek())

    def sample(self, index: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of one sample, each of shape (1, n)."""
        i = self._current_sample if index is None else index
        return self._dataset.x[i:i + 1], self._dataset.y[i:i + 1]

    def forward_sample(self) -> list[ForwardRecord]:
        """The engine's forward pass of the current sample with the current weights."""
        x, _ = self.sample()
        return self.network.forward(x)

    def _loss_key(self) -> tuple:
        # The parameter arrays are immutable and replaced on every change (edit, step,
        # undo), so the objects themselves are the version; holding them keeps their
        # identities from being reused.
        net = self.network
        return (net, *net.weights, *net.biases, self._dataset, self.training)

    def loss_now(self) -> tuple[float, float]:
        """(loss J of the current sample, loss J over all samples) with the parameters
        as they are: the engine's Network.loss, computed once per version of the
        parameters, data and training settings (and of the sample, for the first)."""
        key = self._loss_key()

        def cached(entry, extra=()):
            if entry is None:
                return None
            (old_key, old_extra), value = entry
            if old_extra == extra and len(old_key) == len(key) and all(
                    a is b for a, b in zip(old_key, key)):
                return value
            return None

        loss_name = self.training.loss
        sample_key = (self._current_sample,)
        sample_loss = cached(self._sample_loss_cache, sample_key)
        if sample_loss is None:
            x, y = self.sample()
            sample_loss = self.network.loss(x, y, loss_name)
            self._sample_loss_cache = ((key, sample_key), sample_loss)
        total = cached(self._total_loss_cache)
        if total is None:
            if len(self._dataset) == 1:
                total = sample_loss
            else:
                total = self.network.loss(self._dataset.x, self._dataset.y, loss_name)
            self._total_loss_cache = ((key, ()), total)
        return sample_loss, total

    def split_losses_now(self) -> tuple[float, float] | None:
        """(data loss on the training samples, on the test samples) with the parameters
        as they are (the engine's Network.loss), once per version as loss_now; None
        without held-out test samples."""
        trainer = self._trainer
        if not trainer.has_test_set:
            return None
        key = self._loss_key()
        entry = self._split_loss_cache
        if entry is not None and len(entry[0]) == len(key) and all(
                a is b for a, b in zip(entry[0], key)):
            return entry[1]
        train = trainer.train_indices
        losses = (self.network.loss(self._dataset.x[train], self._dataset.y[train],
                                    self.training.loss), trainer.test_loss())
        self._split_loss_cache = (key, losses)
        return losses

    def last_step_is_current(self) -> bool:
        """Whether the last step explains the weights as they are: they are still the
        ones it produced (an edit, undo or reset makes it history) and the training
        settings are still its."""
        step = self._last_step
        if step is None:
            return False
        net = self.network
        update = step.update
        weights = update.weights_after if update.applied else update.weights_before
        biases = update.biases_after if update.applied else update.biases_before
        settings = self.training
        return (len(weights) == len(net.weights)
                and all(a is b or np.array_equal(a, b) for a, b in zip(weights, net.weights))
                and all(a is b or np.array_equal(a, b) for a, b in zip(biases, net.biases))
                and step.loss.loss_name == settings.loss
                and update.learning_rate == settings.learning_rate
                and update.momentum == settings.momentum
                and (update.optimizer, update.rho, update.beta1, update.beta2,
                     update.epsilon) == (settings.optimizer, settings.rho, settings.beta1,
                                         settings.beta2, settings.epsilon))

    def preview_step(self) -> StepRecord:
        """The next training step as the engine would take it (same batch order and
        momentum), computed on a copy: the session's network is not touched.  While a
        step is shown phase by phase, that step (its batch was drawn when it began)."""
        state = (self._pending["state"] if self._pending is not None
                 else self._trainer.state())
        _, step = training_step(self.scenario, state)
        return step

    def current_step(self) -> tuple[StepRecord, bool]:
        """(the last step if it is current, else a preview of the next; whether a
        preview): the step whose numbers explain the weights shown."""
        if self.last_step_is_current():
            return self._last_step, False
        return self.preview_step(), True

    def set_current_sample(self, index: int) -> None:
        index = int(np.clip(index, 0, len(self._dataset) - 1))
        if index != self._current_sample:
            self._current_sample = index
            self._emit("sample_changed", index)

    # -- intents used by undo commands (each tells what changed) ---------------------

    def set_weight(self, layer: int, j: int, i: int, value: float) -> None:
        with self.batch():
            self.abandon_step()
            self.network.set_weight(layer, j, i, value)
            self._emit("parameters_changed")

    def set_bias(self, layer: int, j: int, value: float) -> None:
        with self.batch():
            self.abandon_step()
            self.network.set_bias(layer, j, value)
            self._emit("parameters_changed")

    def set_parameters(self, weights, biases) -> None:
        with self.batch():
            self.abandon_step()
            self.network.set_parameters(weights, biases)
            self._emit("parameters_changed")

    def set_network(self, network: Network) -> None:
        """Replace the whole network (architecture edits, activation changes)."""
        with self.batch():
            self.abandon_step()
            self._replace_network(network)
            self._emit("structure_changed")
            self._emit("parameters_changed")
            self._emit("history_changed")

    def set_network_and_data(self, network: Network, data: DataSpec) -> None:
        """An input or output width change with the samples it needs, in one go: no
        view ever sees a network and samples of different widths."""
        with self.batch():
            self.abandon_step()
            self.scenario.data = data
            self._replace_network(network)
            self._emit("structure_changed")
            self._emit("parameters_changed")
            self._emit("data_changed")
            self._emit("sample_changed", self._current_sample)
            self._emit("history_changed")

    def _replace_network(self, network: Network) -> None:
        self.scenario.network = network.copy()
        self._remember_initial()
        self._last_step = None
        self._trainer = None  # a new network starts counting steps from 0
        self._rebuild_trainer()
        self._history.clear(network.depth)

    def set_numbering(self, numbering) -> None:
        """Number the layers on screen by ``numbering`` (a document setting: weights,
        steps and history stay as they are)."""
        if numbering == self.scenario.numbering:
            return
        self.scenario.numbering = numbering
        self._emit("notation_changed")

    def set_training(self, settings: TrainingSettings) -> None:
        with self.batch():
            self.abandon_step()
            self.scenario.training = settings
            self._rebuild_trainer()
            self._emit("training_changed")

    def set_data(self, data: DataSpec) -> None:
        with self.batch():
            self.abandon_step()
            self.scenario.data = data
            self._rebuild_trainer()
            self._emit("data_changed")
            # the same index may now be another sample: its values changed
            self._emit("sample_changed", self._current_sample)

    def set_init(self, init: InitSpec) -> None:
        self.scenario.init = init
        self._emit("training_changed")

    def set_initial_parameters(self, weights, biases) -> None:
        """What Reset returns to (newly drawn weights, or undo of drawing them)."""
        self._initial_weights = [frozen(np.array(w, dtype=float)) for w in weights]
        self._initial_biases = [frozen(np.array(b, dtype=float)) for b in biases]

    def reinitialize(self, init: InitSpec, weights, biases) -> None:
        """Newly drawn parameters (with the initializer that drew them): they become
        what Reset returns to, and training starts again from step 0."""
        with self.batch():
            self.set_init(init)
            self.set_parameters(weights, biases)
            self.restart_training()
            self.set_initial_parameters(weights, biases)

    def kept_history(self) -> History:
        """A copy of the history as it is, for :meth:`rewind` to put back."""
        return self._history.copy()

    def rewind(self, parameters, training_state: dict,
               history: History | None = None) -> None:
        """Parameters ``(weights, biases)`` and training state put back as they were
        (undo and redo of training, of a reset, of a branch).  The history is put back
        to ``history`` if given, else cut back to the steps of ``training_state``."""
        with self.batch():
            self.abandon_step()
            self._trainer.restore(training_state)
            if history is not None:
                self._history = history.copy()
                self._emit("history_changed")
            elif self._history.next_step > self._trainer.steps_done:
                self._history.truncate(self._trainer.steps_done)
                self._emit("history_changed")
            self.set_parameters(*parameters)

    def restart_training(self) -> None:
        """Step count, batch order and momentum start again; the history is cleared."""
        with self.batch():
            self.abandon_step()
            self._trainer.reset()
            self._last_step = None
            self._history.clear()
            self._emit("history_changed")

    def reset_parameters(self) -> None:
        """Back to the initial weights, with the batch order and momentum restarted."""
        with self.batch():
            self.network.set_parameters(self._initial_weights, self._initial_biases)
            self.restart_training()
            self._emit("parameters_changed")

    def continue_from(self, snapshot: Snapshot) -> bool:
        """Training branches from a kept snapshot of the history, as one undoable edit:
        its parameters and training state come back (replayed from the nearest kept
        state, see :func:`bpsim.history.branch_state`), the later history is cut off.
        False (and a message) if the snapshot belongs to another architecture."""
        try:
            Network(self.network.layers, self.network.activations,
                    snapshot.weights, snapshot.biases)
        except ValueError:
            self._emit("message", "That step belongs to another architecture.")
            return False
        state, exact = branch_state(self.scenario, self._history, snapshot)
        self.undo_stack.push(ContinueFromHereCommand(self, snapshot, state))
        if not exact:
            self._emit("message",
                       f"Continuing from step {snapshot.step + 1} with its weights; its "
                       "batch order and momentum were not kept, so they start afresh.")
        else:
            self._emit("message", f"Continuing from step {snapshot.step + 1} "
                                  "(Ctrl+Z undoes).")
        return True

    # -- training ----------------------------------------------------------------------

    def train(self, steps: int = 1, until=None, notify: bool = True) -> list[StepRecord]:
        """Up to ``steps`` full training steps by the engine (stops at a divergent step,
        whose update is not applied, or after a step for which ``until(record)`` is
        true).  Emits steps_recorded once for the whole run.  The run is one undoable
        edit (merged with a training run just before it).  Each step goes into the
        history as it is taken.

        ``notify=False`` (fast play) holds the signals back until :meth:`notify_trained`
        (or the next edit, or a divergent step): views restyle once per frame shown,
        not once per burst of steps.  Such a run keeps and returns only its last
        StepRecord: a full record of a big network on many samples is large (every
        layer's z, a and δ for every sample), and the views show the last one; the
        history keeps every step's numbers.

        Out of memory in a step: that step is undone (weights and trainer state as
        before it), the steps before it are kept, and ``training_stopped`` tells why."""
        self._abandon_pending()
        net = self.network
        params = (list(net.weights), list(net.biases))
        state = self._trainer.state()
        records, failure = self._run_steps(steps, until, keep_all=notify)
        self._finish_steps(records, params, state, notify)
        if failure:
            self._emit("message", failure)
            self._emit("training_stopped", failure)
        return records

    def _run_steps(self, steps: int, until, keep_all: bool) -> tuple[list[StepRecord], str]:
        """(the records kept: all, or the last; why training stopped early, or "")."""
        # the bulk path keeps J but not its data part: with a weight penalty the history
        # takes the data loss of every step from its record
        if not keep_all and until is None and steps > 1 and \
                self._trainer.settings.regularization == "none":
            kept = self._run_bulk(steps)
            if kept is not None:
                return kept, ""
        trainer, history, net = self._trainer, self._history, self.network
        kept: list[StepRecord] = []
        # A step goes into the history when the next one is done, so the last one can
        # carry the trainer state (the state play continues from) without a copy per
        # step; at most two full records are alive at once.
        previous = None
        failure = ""
        with _diverging_quietly():
            for _ in range(steps):
                before = (net.weights, net.biases, trainer.state())
                try:
                    record = trainer.step()
                    if previous is not None:
                        history.append(previous)
                except MemoryError:
                    net.weights, net.biases = list(before[0]), list(before[1])
                    trainer.restore(before[2])
                    failure = (f"Training stopped at step {trainer.steps_done + 1}: not "
                               "enough memory for a step of this network on these samples "
                               "(try fewer samples, a smaller batch or fewer neurons).")
                    break
                previous = record
                if keep_all:
                    kept.append(record)
                else:
                    kept[:] = (record,)
                if record.diverged or (until is not None and until(record)):
                    break
            if previous is not None:
                history.append(previous, trainer.state())
        return kept, failure

    def _run_bulk(self, steps: int) -> list[StepRecord] | None:
        """Fast play's quiet steps by the engine's bulk path (``Trainer.run``: the same
        numbers to the last bit, without a phase record per step): each step's loss,
        gradient magnitudes and parameters go into the history as from its record, the
        last step with its full record and the trainer state.  None, with nothing
        changed, when memory ran out (the step-by-step path then finds the step)."""
        trainer, history, net = self._trainer, self._history, self.network
        before = (net.weights, net.biases, trainer.state())
        first = trainer.steps_done
        try:
            with _diverging_quietly():
                run = trainer.run(steps, keep_parameters=True)
        except MemoryError:
            net.weights, net.biases = list(before[0]), list(before[1])
            trainer.restore(before[2])
            return None
        losses, norms, mean_abs = run.losses, run.grad_norms, run.mean_abs_grads
        test_losses = run.test_losses
        for k in range(len(losses) - 1):
            weights, biases = run.parameters[k]
            history.append_values(
                first + k, losses[k], norms[k], mean_abs[k], weights, biases,
                test_loss=None if test_losses is None else float(test_losses[k]))
        history.append(run.last, trainer.state())
        return [run.last]

    def _finish_steps(self, records, parameters_before, state_before,
                      notify: bool = True) -> None:
        """The steps in ``records`` are in the history: keep the last, tell the views
        (now or, with ``notify=False``, at :meth:`notify_trained`), push the undo entry."""
        if not records:
            return
        self._last_step = records[-1]
        # quietly trained steps: only the last record waits for the views
        held, self._held_records = self._held_records[-1:] + list(records), []
        if notify or records[-1].diverged:
            self._emit("steps_recorded", held)
        else:
            self._held_records = held[-1:]
        applied = self._trainer.steps_done - state_before["steps_done"] - (
            0 if records[-1].update.applied else 1)
        if applied:
            self._push_training(parameters_before, state_before, applied)
        if self._held_records:
            return
        if applied or any(r.update.applied for r in held):  # a divergent step applies nothing
            self._emit("parameters_changed")
        if records[-1].diverged:
            record = records[-1]
            self._emit(
                "message",
                f"The loss diverged at step {record.step + 1} ({record.divergence}): "
                "try a smaller learning rate. The weights from before that step are kept.")
            self._emit("diverged", record)

    def _push_training(self, parameters_before, state_before, steps: int) -> None:
        """The steps just taken as an undoable edit (the command's first redo does
        nothing: the steps are done), merged into the training run just before it.

        The merge is done here rather than by QUndoStack.push: PySide keeps the Python
        side of every command the stack merges away and deletes (its trainer states
        and parameter lists), so play, which trains a burst per event-loop turn, grew
        by thousands of objects a minute.  Qt merges only into a command that is not
        the saved state, with nothing to redo; so does this."""
        stack = self.undo_stack
        command = TrainCommand(self, parameters_before, state_before, steps)
        index = stack.index()
        top = stack.command(index - 1) if index else None
        if (isinstance(top, TrainCommand) and index == stack.count()
                and index != stack.cleanIndex() and top.mergeWith(command)):
            # what push tells after a merge (the undo menu and the history list follow)
            stack.indexChanged.emit(index)
            stack.undoTextChanged.emit(stack.undoText())
            return
        stack.push(command)

    @property
    def notification_pending(self) -> bool:
        """Steps trained with ``notify=False`` that the views have not heard of yet."""
        return bool(self._held_records)

    def notify_trained(self) -> None:
        """Tell the views about the steps trained with ``notify=False`` since the last
        call: one steps_recorded (all of them) and one parameters_changed."""
        held, self._held_records = self._held_records, []
        if held:
            self._emit("steps_recorded", held)
            self._emit("parameters_changed")

    # -- one step, phase by phase -----------------------------------------------------

    @property
    def step_in_progress(self) -> bool:
        return self._pending is not None

    def next_phase(self):
        """The engine's next phase record of the step in progress (starting one if
        none is): forward layer by layer, the loss, backward layer by layer, the update.
        The update record applies the update, completes the step and records it.
        Returns the record."""
        if self._pending is None:
            net = self.network
            self._pending = {
                "phases": self._trainer.phases(),
                "params": (list(net.weights), list(net.biases)),
                "state": self._trainer.state(),
            }
        pending = self._pending
        with _diverging_quietly():
            record = next(pending["phases"])
        self._emit("phase_recorded", record)
        if isinstance(record, UpdateRecord):
            self._pending = None
            try:
                next(pending["phases"])
            except StopIteration as done:
                step = done.value
            self._history.append(step, self._trainer.state())
            self._finish_steps([step], pending["params"], pending["state"])
        return record

    def abandon_step(self) -> None:
        """Forget a step in progress: nothing was applied, the batch is drawn again.
        (Every edit calls this first: views hear of quietly trained steps before it.)"""
        self.notify_trained()
        self._abandon_pending()

    def _abandon_pending(self) -> None:
        if self._pending is not None:
            self._trainer.restore(self._pending["state"])
            self._pending = None
            self._emit("step_abandoned")
