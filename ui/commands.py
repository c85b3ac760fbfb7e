"""One QUndoCommand per user edit.  ``redo``/``undo`` call only the session's public
intents and queries.

The session pushes the commands of what it does itself (a training run, a branch from
the history), so this module names the Session only in annotations: the import goes
one way, session → commands.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from bpsim.initializers import initialize
from bpsim.network import Network
from bpsim.notation.numbers import format_exact
from bpsim.notation.symbols import Numbering, bias_name, weight_name
from bpsim.scenario import DataSpec

if TYPE_CHECKING:
    from bpsim.history import Snapshot

    from .session import Session


def _checked(session: Session, **changes) -> None:
    """ScenarioError (raised here, in Python) unless the scenario with ``changes`` is
    one the loader accepts.  A command is refused when it is made, never in ``redo``:
    an exception in redo, called by QUndoStack.push from C++, ends the process."""
    replace(session.scenario, **changes).check()


def _finite(value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"a weight or bias must be a finite number, got {value!r}")
    return value


class SetWeightCommand(QUndoCommand):
    """W⁽ˡ⁾[j, i] = value.  Repeated edits of the same weight in one gesture merge: a
    slider drag is one undo entry; the Inspector gives each typed value a gesture of
    its own, so each Enter is one entry.  (None: one gesture for all such edits.)"""

    ID = 1001

    def __init__(self, session: Session, layer: int, j: int, i: int, value: float,
                 gesture: object = None):
        super().__init__()
        self.session, self.key, self.new = session, (layer, j, i), _finite(value)
        self.gesture = gesture
        if not (1 <= layer and 0 <= j and 0 <= i):
            raise IndexError(f"no weight w[{layer}][{j},{i}] in this network")
        self.old = float(session.network.weights[layer - 1][j, i])
        self._set_text()

    def _set_text(self):
        layer, j, i = self.key
        self.setText(f"Set {weight_name(layer, j, i)} = {format_exact(self.new)}")

    def id(self):
        return self.ID

    def mergeWith(self, other) -> bool:
        if not isinstance(other, SetWeightCommand) or other.key != self.key \
                or other.gesture != self.gesture:
            return False
        self.new = other.new
        self._set_text()
        return True

    def redo(self):
        self.session.set_weight(*self.key, self.new)

    def undo(self):
        self.session.set_weight(*self.key, self.old)


class SetBiasCommand(QUndoCommand):
    """b⁽ˡ⁾[j] = value; merges as SetWeightCommand does."""

    ID = 1002

    def __init__(self, session: Session, layer: int, j: int, value: float,
                 gesture: object = None):
        super().__init__()
        self.session, self.key, self.new = session, (layer, j), _finite(value)
        self.gesture = gesture
        if not (1 <= layer and 0 <= j):
            raise IndexError(f"no bias b[{layer}][{j}] in this network")
        self.old = float(session.network.biases[layer - 1][j])
        self._set_text()

    def _set_text(self):
        layer, j = self.key
        self.setText(f"Set {bias_name(layer, j)} = {format_exact(self.new)}")

    def id(self):
        return self.ID

    def mergeWith(self, other) -> bool:
        if not isinstance(other, SetBiasCommand) or other.key != self.key \
                or other.gesture != self.gesture:
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
        _checked(session, network=network)
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
        _checked(session, network=network, data=data)
        self.session = session
        self.before = (session.network.copy(), session.data)
        self.after = (network.copy(), data)

    def redo(self):
        self.session.set_network_and_data(*self.after)

    def undo(self):
        self.session.set_network_and_data(*self.before)


class SetTrainingCommand(QUndoCommand):
    def __init__(self, session: Session, settings, text: str):
        super().__init__(text)
        _checked(session, training=settings)
        self.session, self.before, self.after = session, session.training, settings

    def redo(self):
        self.session.set_training(self.after)

    def undo(self):
        self.session.set_training(self.before)


class SetDataCommand(QUndoCommand):
    def __init__(self, session: Session, data, text: str):
        super().__init__(text)
        _checked(session, data=data)
        self.session, self.before, self.after = session, session.data, data

    def redo(self):
        self.session.set_data(self.after)

    def undo(self):
        self.session.set_data(self.before)


class ReinitializeCommand(QUndoCommand):
    """New weights drawn with an initializer; they become what Reset returns to.
    Undo brings back the weights, the step count and the history from before."""

    def __init__(self, session: Session, init):
        super().__init__(f"Re-initialize weights ({init.scheme}, seed {init.seed})")
        _checked(session, init=init)
        self.session = session
        self.init_before, self.init_after = session.init, init
        net = session.network
        self.params_before = (list(net.weights), list(net.biases))
        self.state_before = session.training_state()
        self.initial_before = session.initial_parameters
        self.params_after = initialize(net.layers, init)
        self._history_before = None

    def redo(self):
        self._history_before = self.session.kept_history()
        self.session.reinitialize(self.init_after, *self.params_after)

    def undo(self):
        session = self.session
        with session.batch():
            session.set_init(self.init_before)
            session.set_initial_parameters(*self.initial_before)
            session.rewind(self.params_before, self.state_before, self._history_before)


class TrainCommand(QUndoCommand):
    """Training steps as one undoable edit; consecutive runs merge into one entry."""

    ID = 1003

    def __init__(self, session: Session, params_before, trainer_state_before, steps: int):
        super().__init__()
        self.session = session
        self.before = (params_before, trainer_state_before)
        net = session.network
        self.after = ((list(net.weights), list(net.biases)), session.training_state())
        self.steps = steps
        self._first = True
        #: the history with these steps, kept when they are undone, for redo
        self._history_after = None
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
        self.session.rewind(*self.after, self._history_after)

    def undo(self):
        # kept only now: a run merges many times, it is undone rarely
        self._history_after = self.session.kept_history()
        self.session.rewind(*self.before)


class ContinueFromHereCommand(QUndoCommand):
    """Training branches from a history snapshot: its parameters and trainer state
    (``state``, see :func:`bpsim.history.branch_state`) come back, the history after
    it is cut off.  Undo restores all three."""

    def __init__(self, session: Session, snapshot: Snapshot, state: dict):
        super().__init__(f"Continue from step {snapshot.step + 1}")
        self.session = session
        net = session.network
        self.before = ((list(net.weights), list(net.biases)), session.training_state())
        self.after = ((list(snapshot.weights), list(snapshot.biases)), state)
        self._history_before = None

    def redo(self):
        self._history_before = self.session.kept_history()
        self.session.rewind(*self.after)  # cuts the history after the snapshot

    def undo(self):
        self.session.rewind(*self.before, self._history_before)


def train(session: Session, steps: int = 1):
    """Run ``steps`` training steps; the session records them as one undoable edit
    (merging with a training run just before it). Returns the records."""
    return session.train(steps)


class ResetCommand(QUndoCommand):
    """Back to the initial weights (batch order and momentum restarted), undoably: a
    reset changes the weights, so the file is modified and undo brings them back, with
    the step count and the history."""

    def __init__(self, session: Session):
        super().__init__("Reset to the initial weights")
        self.session = session
        net = session.network
        self.before = ((list(net.weights), list(net.biases)), session.training_state())
        #: the weights reset to, kept: undoing later edits (an architecture change
        #: remembers its network as "initial") must not change what a redo resets to
        self.initial = session.initial_parameters
        self._history_before = None

    def redo(self):
        session = self.session
        self._history_before = session.kept_history()
        with session.batch():
            session.set_parameters(*self.initial)
            session.restart_training()

    def undo(self):
        self.session.rewind(*self.before, self._history_before)


class SetNumberingCommand(QUndoCommand):
    """How layers are numbered on screen (input = layer 0, or layer 1 as the lecture):
    a setting of the document, saved into its file, so it is undoable like any edit."""

    def __init__(self, session: Session, numbering: Numbering):
        lecture = numbering.input_layer == 1
        super().__init__("Number layers as the lecture" if lecture
                         else "Number the input as layer 0")
        self.session = session
        self.before = session.scenario.numbering
        self.after = numbering

    def redo(self):
        self.session.set_numbering(self.after)

    def undo(self):
        self.session.set_numbering(self.before)
