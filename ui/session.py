"""The one adapter between the engine and Qt.

The session owns the current :class:`~bpsim.scenario.Scenario` and its
:class:`~bpsim.training.Trainer`, and tells views what changed through signals that
carry immutable engine records.  Views never write into engine arrays: user edits go
through the undo commands in :mod:`bpsim.ui.commands`, which call the session's setters.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from bpsim.history import History
from bpsim.network import Network, same_parameters
from bpsim.scenario import DataSpec, Scenario
from bpsim.trace import ForwardRecord, StepRecord, UpdateRecord, frozen
from bpsim.training import TrainingSettings


def _diverging_quietly():
    """numpy's overflow warnings off: a diverging step is reported by the session itself
    (message, diverged signal), in words a student can act on."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


class Session(QObject):
    #: a new scenario or a new architecture: views rebuild their items
    structure_changed = Signal()
    #: weights or biases changed (edit, undo, update, reset): views restyle
    parameters_changed = Signal()
    #: training settings changed
    training_changed = Signal()
    #: the data changed (samples, generator)
    data_changed = Signal()
    #: the sample shown on the canvas changed (its index)
    sample_changed = Signal(int)
    #: full training steps finished (a list of their StepRecords, oldest first)
    steps_recorded = Signal(object)
    #: a step produced NaN or inf; its record (the weights were kept from before it)
    diverged = Signal(object)
    #: a phase of a step taken phase by phase (its record: ForwardRecord, LossRecord,
    #: BackwardRecord or UpdateRecord)
    phase_recorded = Signal(object)
    #: a step taken phase by phase was abandoned before its update (an edit came first)
    step_abandoned = Signal()
    #: the training history was cut back or cleared (undo of training, reset, new network)
    history_changed = Signal()
    #: the file path or the modified flag changed
    file_state_changed = Signal()
    #: a message for the status bar / the user (text)
    message = Signal(str)

    def __init__(self, scenario: Scenario, path: Path | None = None, parent=None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._set_scenario(scenario, path)

    def _on_clean_changed(self, _clean: bool) -> None:
        self.file_state_changed.emit()

    # -- the scenario as a whole ------------------------------------------------

    def _set_scenario(self, scenario: Scenario, path: Path | None) -> None:
        if getattr(self, "_pending", None) is not None:
            self.abandon_step()
        self.scenario = scenario
        self.path = Path(path) if path is not None else None
        self.current_sample = 0
        self.last_step: StepRecord | None = None
        self._pending = None
        #: steps trained with notify=False that the views have not heard of yet
        self._held_records: list[StepRecord] = []
        #: every full step's loss, gradient magnitudes and parameters, bounded in memory
        self.history = History(scenario.network.depth)
        self.trainer = None
        self._remember_initial()
        self._rebuild_trainer()

    def replace_scenario(self, scenario: Scenario, path: Path | None = None) -> None:
        """A newly opened file or built-in scenario: forgets undo history."""
        self._set_scenario(scenario, path)
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.structure_changed.emit()
        self.data_changed.emit()
        self.training_changed.emit()
        self.sample_changed.emit(self.current_sample)
        self.file_state_changed.emit()

    @property
    def network(self) -> Network:
        return self.scenario.network

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def mark_saved(self, path: Path) -> None:
        self.path = Path(path)
        self.undo_stack.setClean()
        self.file_state_changed.emit()

    def _remember_initial(self) -> None:
        """Reset goes back to these parameters (loaded or last re-initialized)."""
        self.initial_weights = list(self.network.weights)
        self.initial_biases = list(self.network.biases)

    def at_initial_parameters(self) -> bool:
        """No step taken and every weight and bias as Reset would set it."""
        return self.trainer.steps_done == 0 and same_parameters(
            self.network, self.initial_weights, self.initial_biases)

    def _rebuild_trainer(self) -> None:
        """A trainer for the current settings and data.  The step count goes on (the
        history continues); the batch order and momentum start afresh."""
        steps_done = self.trainer.steps_done if self.trainer is not None else 0
        self.dataset = self.scenario.dataset()
        self.trainer = self.scenario.trainer(self.dataset)
        self.trainer.steps_done = steps_done
        self.current_sample = min(self.current_sample, len(self.dataset) - 1)

    # -- what views show -----------------------------------------------------------

    def sample(self, index: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of one sample, each of shape (1, n)."""
        i = self.current_sample if index is None else index
        return self.dataset.x[i:i + 1], self.dataset.y[i:i + 1]

    def forward_sample(self) -> list[ForwardRecord]:
        """The engine's forward pass of the current sample with the current weights."""
        x, _ = self.sample()
        return self.network.forward(x)

    def set_current_sample(self, index: int) -> None:
        index = int(np.clip(index, 0, len(self.dataset) - 1))
        if index != self.current_sample:
            self.current_sample = index
            self.sample_changed.emit(index)

    # -- setters used by undo commands (each emits what changed) ---------------------

    def set_weight(self, layer: int, j: int, i: int, value: float) -> None:
        self.abandon_step()
        self.network.set_weight(layer, j, i, value)
        self.parameters_changed.emit()

    def set_bias(self, layer: int, j: int, value: float) -> None:
        self.abandon_step()
        self.network.set_bias(layer, j, value)
        self.parameters_changed.emit()

    def set_parameters(self, weights, biases) -> None:
        self.abandon_step()
        self.network.set_parameters(weights, biases)
        self.parameters_changed.emit()

    def set_network(self, network: Network) -> None:
        """Replace the whole network (architecture edits, activation changes)."""
        self.abandon_step()
        self._replace_network(network)
        self.structure_changed.emit()
        self.parameters_changed.emit()

    def set_network_and_data(self, network: Network, data: DataSpec) -> None:
        """An input or output width change with the samples it needs, in one go: no
        view ever sees a network and samples of different widths."""
        self.abandon_step()
        self.scenario.data = data
        self._replace_network(network)
        self.structure_changed.emit()
        self.parameters_changed.emit()
        self.data_changed.emit()
        self.sample_changed.emit(self.current_sample)

    def _replace_network(self, network: Network) -> None:
        self.scenario.network = network.copy()
        self._remember_initial()
        self.last_step = None
        self.trainer = None  # a new network starts counting steps from 0
        self._rebuild_trainer()
        self.history.clear(network.depth)

    def set_training(self, settings: TrainingSettings) -> None:
        self.abandon_step()
        self.scenario.training = settings
        self._rebuild_trainer()
        self.training_changed.emit()

    def set_data(self, data: DataSpec) -> None:
        self.abandon_step()
        self.scenario.data = data
        self._rebuild_trainer()
        self.data_changed.emit()
        self.sample_changed.emit(self.current_sample)

    def set_init(self, init) -> None:
        self.scenario.init = init
        self.training_changed.emit()

    def set_initial_parameters(self, weights, biases) -> None:
        """What Reset returns to (newly drawn weights, or undo of drawing them)."""
        self.initial_weights = [frozen(np.array(w, dtype=float)) for w in weights]
        self.initial_biases = [frozen(np.array(b, dtype=float)) for b in biases]

    def set_history(self, history: History) -> None:
        """The training history put back as it was (undo of a branch)."""
        self.history = history
        self.history_changed.emit()

    def set_trainer_state(self, state: dict) -> None:
        """Training rewound (undo/redo of training): the history follows."""
        self.abandon_step()
        self.trainer.restore(state)
        if self.history.next_step > self.trainer.steps_done:
            self.history.truncate(self.trainer.steps_done)
            self.history_changed.emit()

    def restart_training(self) -> None:
        """Step count, batch order and momentum start again; the history is cleared."""
        self.abandon_step()
        self.trainer.reset()
        self.last_step = None
        self.history.clear()
        self.history_changed.emit()

    # -- training ----------------------------------------------------------------------

    def train(self, steps: int = 1, until=None, notify: bool = True) -> list[StepRecord]:
        """Up to ``steps`` full training steps by the engine (stops at a divergent step,
        whose update is not applied, or after a step for which ``until(record)`` is
        true).  Emits steps_recorded once for the whole run.  The run is one undoable
        edit (merged with a training run just before it).

        ``notify=False`` (fast play) holds the signals back until :meth:`notify_trained`
        (or the next edit, or a divergent step): views restyle once per frame shown,
        not once per burst of steps."""
        self._abandon_pending()
        net = self.network
        params = (list(net.weights), list(net.biases))
        state = self.trainer.state()
        with _diverging_quietly():
            records = self.trainer.train(steps, until=until)
        self._finish_steps(records, *params, state, notify)
        return records

    def _finish_steps(self, records, weights_before, biases_before, state_before,
                      notify: bool = True) -> None:
        if not records:
            return
        self.last_step = records[-1]
        self.history.extend(records, self.trainer.state())
        held, self._held_records = self._held_records + list(records), []
        if notify or records[-1].diverged:
            self.steps_recorded.emit(held)
        else:
            self._held_records = held
        applied = sum(1 for r in records if r.update.applied)
        if applied:
            from .commands import TrainCommand  # commands imports this module

            self.undo_stack.push(TrainCommand(self, (weights_before, biases_before),
                                              state_before, applied))
        if self._held_records:
            return
        self.parameters_changed.emit()
        if records[-1].diverged:
            record = records[-1]
            self.message.emit(
                f"The loss diverged at step {record.step + 1} ({record.divergence}): "
                "try a smaller learning rate. The weights from before that step are kept.")
            self.diverged.emit(record)

    @property
    def notification_pending(self) -> bool:
        """Steps trained with ``notify=False`` that the views have not heard of yet."""
        return bool(self._held_records)

    def notify_trained(self) -> None:
        """Tell the views about the steps trained with ``notify=False`` since the last
        call: one steps_recorded (all of them) and one parameters_changed."""
        held, self._held_records = self._held_records, []
        if held:
            self.steps_recorded.emit(held)
            self.parameters_changed.emit()

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
                "phases": self.trainer.phases(),
                "params": (list(net.weights), list(net.biases)),
                "state": self.trainer.state(),
            }
        pending = self._pending
        with _diverging_quietly():
            record = next(pending["phases"])
        self.phase_recorded.emit(record)
        if isinstance(record, UpdateRecord):
            self._pending = None
            try:
                next(pending["phases"])
            except StopIteration as done:
                step = done.value
            self._finish_steps([step], *pending["params"], pending["state"])
        return record

    def abandon_step(self) -> None:
        """Forget a step in progress: nothing was applied, the batch is drawn again.
        (Every edit calls this first: views hear of quietly trained steps before it.)"""
        self.notify_trained()
        self._abandon_pending()

    def _abandon_pending(self) -> None:
        if self._pending is not None:
            self.trainer.restore(self._pending["state"])
            self._pending = None
            self.step_abandoned.emit()

    def reset_parameters(self) -> None:
        """Back to the initial weights, with the batch order and momentum restarted."""
        self.network.set_parameters(self.initial_weights, self.initial_biases)
        self.restart_training()
        self.parameters_changed.emit()
