"""The Training dock: loss, learning rate, momentum, batch size, whether biases train,
and the initializer that "Re-initialize weights" draws new weights with.

Each setting edit is one :class:`SetTrainingCommand` ("Set learning rate = 0.5").  The
initializer controls describe the next re-initialization; pressing the button stores
them in the scenario and draws the weights, as one :class:`ReinitializeCommand`.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDockWidget, QGroupBox,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from bpsim import losses
from bpsim.initializers import SCHEME_PARAMS, SCHEMES, InitSpec

from ..commands import ReinitializeCommand, SetTrainingCommand
from ..widgets import NumberField, format_number
from .common import form_layout, message_label, narrow_combo, show_message
from .layers import targets_fit

MAX_LEARNING_RATE = 1000.0
MAX_BATCH = 100_000

SCHEME_LABELS = {
    "xavier_uniform": "Xavier (Glorot) uniform: U(±√(6/(fan_in+fan_out)))",
    "xavier_normal": "Xavier (Glorot) normal: N(0, 2/(fan_in+fan_out))",
    "he_uniform": "He uniform: U(±√(6/fan_in))",
    "he_normal": "He normal: N(0, 2/fan_in)",
    "uniform": "Uniform U(a, b)",
    "normal": "Normal N(0, σ²)",
    "constant": "Constant c (weights and biases)",
    "zeros": "Zeros (every neuron alike: symmetry is never broken)",
}
PARAM_LABELS = {"a": "Lower bound a", "b": "Upper bound b", "sigma": "Spread σ",
                "c": "Constant c"}


class TrainingDock(QDockWidget):
    def __init__(self, session, parent=None):
        super().__init__("Training", parent)
        self.setObjectName("training_dock")
        self.setAccessibleName("Training settings")
        self.session = session
        self._init_shown = None

        self.loss = narrow_combo(QComboBox())
        self.loss.setAccessibleName("Loss function")
        for name, loss in losses.LOSSES.items():
            self.loss.addItem(loss.label, name)
            self.loss.setItemData(self.loss.count() - 1, f"J = {loss.formula}",
                                  Qt.ItemDataRole.ToolTipRole)
        self.loss.currentIndexChanged.connect(self._on_loss_chosen)
        self.learning_rate = NumberField(
            minimum=0.0, maximum=MAX_LEARNING_RATE, name="Learning rate η",
            tooltip="η in the update w ← w − η·∂J/∂w (0 to 1000)")
        self.learning_rate.value_committed.connect(self._on_learning_rate)
        self.momentum = NumberField(
            minimum=0.0, maximum=1.0, name="Momentum μ",
            tooltip="μ in v ← μ·v − η·∂J/∂w, w ← w + v (0 = plain gradient descent, "
                    "at most 1)")
        self.momentum.value_committed.connect(self._on_momentum)
        self.batch = QSpinBox()
        self.batch.setRange(0, MAX_BATCH)
        self.batch.setSpecialValueText("Full batch")
        self.batch.setKeyboardTracking(False)
        self.batch.setAccessibleName("Batch size")
        self.batch.setToolTip("How many samples each step uses: “Full batch” (0) uses all "
                              "of them; k uses mini-batches of k, reshuffled every epoch.")
        self.batch.valueChanged.connect(self._on_batch)
        self.train_biases = QCheckBox("Train biases")
        self.train_biases.setAccessibleName("Train biases")
        self.train_biases.setToolTip("When off, biases keep their values (they still act "
                                     "in the forward pass and get a gradient)")
        self.train_biases.toggled.connect(self._on_train_biases)
        self.shuffle_seed = NumberField(0, minimum=0, maximum=2**31 - 1, integer=True,
                                        name="Shuffle seed",
                                        tooltip="Seeds the order of the mini-batches")
        self.shuffle_seed.value_committed.connect(self._on_shuffle_seed)

        settings = form_layout()
        settings.addRow("Loss J", self.loss)
        settings.addRow("Learning rate η", self.learning_rate)
        settings.addRow("Momentum μ", self.momentum)
        settings.addRow("Batch size", self.batch)
        settings.addRow("Shuffle seed", self.shuffle_seed)
        settings.addRow("", self.train_biases)

        self.scheme = narrow_combo(QComboBox())
        self.scheme.setAccessibleName("Initializer")
        self.scheme.setToolTip("How “Re-initialize weights” draws new weights")
        for name in SCHEMES:
            self.scheme.addItem(name.replace("_", " ").capitalize(), name)
            self.scheme.setItemData(self.scheme.count() - 1, SCHEME_LABELS.get(name, name),
                                    Qt.ItemDataRole.ToolTipRole)
        self.scheme.currentIndexChanged.connect(self._on_scheme_chosen)
        self.init_seed = NumberField(0, minimum=0, maximum=2**31 - 1, integer=True,
                                     name="Initializer seed",
                                     tooltip="The same seed always draws the same weights")
        self.init_params: dict[str, NumberField] = {}
        self.reinitialize_button = QPushButton("Re-initialize weights")
        self.reinitialize_button.setObjectName("reinitialize")
        self.reinitialize_button.setAccessibleName("Re-initialize weights")
        self.reinitialize_button.setToolTip(
            "Draw new weights and biases with this initializer and seed; they become "
            "what Reset returns to (Ctrl+Z undoes)")
        self.reinitialize_button.clicked.connect(self.reinitialize)

        self.init_box = QGroupBox("Re-initialize with")
        self.init_form = form_layout(self.init_box)
        self.init_form.addRow("Initializer", self.scheme)
        for param in ("a", "b", "sigma", "c"):
            field = NumberField(name=PARAM_LABELS[param],
                                tooltip=f"{PARAM_LABELS[param]} of the initializer")
            if param == "sigma":
                field.set_range(0.0, None)
            self.init_params[param] = field
            self.init_form.addRow(PARAM_LABELS[param], field)
        self.init_form.addRow("Seed", self.init_seed)
        self.init_form.addRow(self.reinitialize_button)
        self.message = message_label("Training message")

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(settings)
        layout.addWidget(self.init_box)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.setWidget(body)

        session.training_changed.connect(self._on_training_changed)
        self._on_training_changed()

    # -- showing ----------------------------------------------------------------------

    def _on_training_changed(self) -> None:
        """training_changed also comes with a new init spec (re-initialize, new file)."""
        settings = self.session.scenario.training
        with QSignalBlocker(self.loss):
            self.loss.setCurrentIndex(self.loss.findData(settings.loss))
        self.loss.setToolTip(f"J = {losses.get(settings.loss).formula}, averaged over "
                             "the samples of the batch")
        self.learning_rate.set_value(settings.learning_rate)
        self.momentum.set_value(settings.momentum)
        with QSignalBlocker(self.batch):
            self.batch.setValue(settings.batch_size or 0)
        with QSignalBlocker(self.train_biases):
            self.train_biases.setChecked(settings.train_biases)
        self.shuffle_seed.set_value(settings.seed)
        self.shuffle_seed.setEnabled(settings.batch_size is not None)
        # the initializer controls are pending choices: only a changed spec resets them
        init = self.session.scenario.init
        if init != self._init_shown:
            self._init_shown = init
            self._show_init(init)

    def _show_init(self, init: InitSpec) -> None:
        with QSignalBlocker(self.scheme):
            self.scheme.setCurrentIndex(self.scheme.findData(init.scheme))
        self.init_seed.set_value(init.seed)
        self._show_params(init)

    def _show_params(self, init: InitSpec) -> None:
        defaults = SCHEME_PARAMS.get(init.scheme, {})
        for param, field in self.init_params.items():
            visible = param in defaults
            self.init_form.setRowVisible(field, visible)
            if visible:
                field.set_value(init.param(param))
        self.scheme.setToolTip(f"{SCHEME_LABELS.get(init.scheme, init.scheme)}. "
                               "How “Re-initialize weights” draws new weights.")

    # -- edits ------------------------------------------------------------------------

    def _push(self, text: str, **changes) -> None:
        show_message(self.message, "")
        settings = replace(self.session.scenario.training, **changes)
        if settings != self.session.scenario.training:
            self.session.undo_stack.push(SetTrainingCommand(self.session, settings, text))

    def _on_loss_chosen(self, _index: int) -> None:
        name = self.loss.currentData()
        session = self.session
        width = session.scenario.data.dataset().y.shape[1]
        outputs = session.network.layers[-1]
        if not targets_fit(width, outputs, name):
            show_message(self.message,
                         f"{losses.get(name).label} needs {outputs} target columns, one "
                         f"per output, but the samples have {width}.")
            self._on_training_changed()
            return
        self._push(f"Set loss to {losses.get(name).label}", loss=name)

    def _on_learning_rate(self, value: float) -> None:
        self._push(f"Set learning rate = {format_number(value)}", learning_rate=value)

    def _on_momentum(self, value: float) -> None:
        self._push(f"Set momentum = {format_number(value)}", momentum=value)

    def _on_batch(self, value: int) -> None:
        if value == 0:
            self._push("Use full batch", batch_size=None)
        else:
            self._push(f"Set batch size = {value}", batch_size=value)

    def _on_train_biases(self, on: bool) -> None:
        self._push("Train biases" if on else "Keep biases fixed", train_biases=on)

    def _on_shuffle_seed(self, value: float) -> None:
        self._push(f"Set shuffle seed = {int(value)}", seed=int(value))

    def _on_scheme_chosen(self, _index: int) -> None:
        self._show_params(InitSpec(self.scheme.currentData()))

    def chosen_init(self) -> InitSpec:
        """The initializer the controls describe."""
        scheme = self.scheme.currentData()
        params = {param: self.init_params[param].value()
                  for param in SCHEME_PARAMS.get(scheme, {})}
        return InitSpec(scheme, int(self.init_seed.value()), params)

    def reinitialize(self) -> None:
        for field in (*self.init_params.values(), self.init_seed):
            field.commit()  # a typed parameter not yet committed with Enter still counts
            if field.message_text():
                return
        init = self.chosen_init()
        if init.scheme == "uniform" and init.param("a") > init.param("b"):
            show_message(self.message, "The lower bound a must not exceed the upper bound b.")
            return
        show_message(self.message, "")
        self.session.undo_stack.push(ReinitializeCommand(self.session, init))
