"""One QUndoCommand per user edit.  ``redo``/``undo`` call only the session's API."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from bpsim.history import Snapshot
from bpsim.initializers import initialize
from bpsim.network import Network
from bpsim.notation.numbers import format_exact
from bpsim.scenario import DataSpec

from .session import Session


class SetWeightCommand(QUndoCommand):
    """W⁽ˡ⁾[j, i] = value.  Repeated edits of the same weight (slider drags) merge."""

    ID = 1001

    def __init__(self, session: Session, layer: int, j: int, i: int, value: float):
        super().__init__()
        self.session, self.key, self.new = session, (layer, j, i), float(value)
        self.old = float(session.network.weights[layer - 1][j, i])
        self._set_text()

    def _set_text(self):
        layer, j, i = self.key
        self.setText(f"Set w[{layer}][{j},{i}] = {format_exact(self.new)}")

    def id(self):
        return self.ID

    def mergeWith(self, other) -> bool:
        if not isinstance(other, SetWeightCommand) or other.key != self.key:
            return False
        self.new = other.new
        self._set_text()
        return True

    def redo(self):
        self.session.set_weight(*self.key, self.new)

    def undo(self):
        self.session.set_weight(*self.key, self.old)


class SetBiasCommand(QUndoCommand):
    ID = 1002

    def __init__(self, session: Session, layer: int, j: int, value: float):
        super().__init__()
        self.session, self.key, self.new = session, (layer, j), float(value)
        self.old = float(session.network.biases[layer - 1][j])
        self._set_text()

    def _set_text(self):
        layer, j = self.key
        self.setText(f"Set b[{layer}][{j}] = {format_exact(self.new)}")

    def id(self):
        return self.ID

    def mergeWith(self, other) -> bool:
        if not isinstance(other, SetBiasCommand) or other.key != self.key:
            return False
        self.new = other.new
        self._set_text()
        return True

    def redo(self):
        self.session.set_bias(*self.key, self.new)

    def undo(self):
        self.session.set_bias(*self.key, self.old)


class SetNetworkCommand(QUndoCommand):
    """Any change of architecture or activation: the whole network before and after
    (networks share read-only arrays, so keeping both is cheap)."""

    def __init__(self, session: Session, network, text: str):
        super().__init__(text)
        self.session = session
        self.before = session.network.copy()
        self.after = network.copy()

    def redo(self):
        self.session.set_network(self.after)

    def undo(self):
        self.session.set_network(self.before)


class SetNetworkAndDataCommand(QUndoCommand):
    """An input or output size change together with the samples it needs, as one step
    (the session sets both before any view hears of either)."""

    def __init__(self, session: Session, network: Network, data: DataSpec, text: str):
        super().__init__(text)
        self.session = session
        self.before = (session.network.copy(), session.scenario.data)
        self.after = (network.copy(), data)

    def redo(self):
        self.session.set_network_and_data(*self.after)

    def undo(self):
        self.session.set_network_and_data(*self.before)


class SetTrainingCommand(QUndoCommand):
    def __init__(self, session: Session, settings, text: str):
        super().__init__(text)
        self.session, self.before, self.after = session, session.scenario.training, settings

    def redo(self):
        self.session.set_training(self.after)

    def undo(self):
        self.session.set_training(self.before)


class SetDataCommand(QUndoCommand):
    def __init__(self, session: Session, data, text: str):
        super().__init__(text)
        self.session, self.before, self.after = session, session.scenario.data, data

    def redo(self):
        self.session.set_data(self.after)

    def undo(self):
        self.session.set_data(self.before)


class ReinitializeCommand(QUndoCommand):
    """New weights drawn with an initializer; they become what Reset returns to."""

    def __init__(self, session: Session, init):
        super().__init__(f"Re-initialize weights ({init.scheme}, seed {init.seed})")
        self.session = session
        self.init_before, self.init_after = session.scenario.init, init
        net = session.network
        self.params_before = (list(net.weights), list(net.biases))
        self.initial_before = (session.initial_weights, session.initial_biases)
        self.params_after = initialize(net.layers, init)

    def redo(self):
        self.session.set_init(self.init_after)
        self.session.set_parameters(*self.params_after)
        self.session.restart_training()
        self.session.set_initial_parameters(*self.params_after)

    def undo(self):
        self.session.set_init(self.init_before)
        self.session.set_parameters(*self.params_before)
        self.session.set_initial_parameters(*self.initial_before)


class TrainCommand(QUndoCommand):
    """Training steps as one undoable edit; consecutive runs merge into one entry."""

    ID = 1003

    def __init__(self, session: Session, params_before, trainer_state_before, steps: int):
        super().__init__()
        self.session = session
        self.before = (params_before, trainer_state_before)
        net = session.network
        self.after = ((list(net.weights), list(net.biases)), session.trainer.state())
        self.steps = steps
        self._first = True
        self._set_text()

    def _set_text(self):
        self.setText(f"Train {self.steps} step{'s' if self.steps != 1 else ''}")

    def id(self):
        return self.ID

    def mergeWith(self, other) -> bool:
        if not isinstance(other, TrainCommand):
            return False
        self.after = other.after
        self.steps += other.steps
        self._set_text()
        return True

    def redo(self):
        if self._first:  # the steps were just run by the session
            self._first = False
            return
        (weights, biases), state = self.after
        self.session.set_trainer_state(state)
        self.session.set_parameters(weights, biases)

    def undo(self):
        (weights, biases), state = self.before
        self.session.set_trainer_state(state)
        self.session.set_parameters(weights, biases)


class ContinueFromHereCommand(QUndoCommand):
    """Training branches from a history snapshot: its parameters and trainer state
    (``state``, see :func:`bpsim.history.branch_state`) come back, the history after
    it is cut off.  Undo restores all three."""

    def __init__(self, session: Session, snapshot: Snapshot, state: dict):
        super().__init__(f"Continue from step {snapshot.step + 1}")
        self.session = session
        net = session.network
        self.before = ((list(net.weights), list(net.biases)), session.trainer.state())
        self.after = ((list(snapshot.weights), list(snapshot.biases)), state)
        self._history_before = None

    def redo(self):
        session = self.session
        self._history_before = session.history.copy()
        (weights, biases), state = self.after
        session.set_trainer_state(state)  # cuts the history after the snapshot
        session.set_parameters(weights, biases)

    def undo(self):
        session = self.session
        (weights, biases), state = self.before
        session.set_trainer_state(state)
        session.set_history(self._history_before)
        session.set_parameters(weights, biases)


def train(session: Session, steps: int = 1):
    """Run ``steps`` training steps; the session records them as one undoable edit
    (merging with a training run just before it). Returns the records."""
    return session.train(steps)


class ResetCommand(QUndoCommand):
    """Back to the initial weights (batch order and momentum restarted), undoably: a
    reset changes the weights, so the file is modified and undo brings them back."""

    def __init__(self, session: Session):
        super().__init__("Reset to the initial weights")
        self.session = session
        net = session.network
        self.before = ((list(net.weights), list(net.biases)), session.trainer.state())

    def redo(self):
        self.session.reset_parameters()

    def undo(self):
        (weights, biases), state = self.before
        self.session.set_trainer_state(state)
        self.session.set_parameters(weights, biases)
