"""The Training dock: loss, learning rate, the optimizer and its settings (momentum μ;
RMSprop's ρ; Adam's β₁, β₂; ε), batch size, whether biases train,
and the initializer that "Re-initialize weights" draws new weights with.

Each setting edit is one :class:`SetTrainingCommand` ("Set learning rate = 0.5").  The
initializer controls describe the next re-initialization; pressing the button stores
them in the scenario and draws the weights, as one :class:`ReinitializeCommand`.

Every field takes its label, symbol, tooltip and range from :mod:`bpsim.settings_spec`,
the table the file loader checks with, so whatever the dock accepts can be saved and
opened again; a loss that does not suit the network or the samples is refused with
:meth:`Scenario.check`'s reason.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDockWidget, QGroupBox,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from bpsim import losses, settings_spec
from bpsim.initializers import SCHEME_PARAMS, InitSpec
from bpsim.notation.numbers import format_number
from bpsim.scenario import ScenarioError, check_init
from bpsim.settings_spec import OPTIMIZER_SETTINGS, OPTIMIZERS

from ..commands import ReinitializeCommand, SetTrainingCommand
from ..widgets import NumberField
from .common import form_layout, message_label, narrow_combo, show_message

INIT_PARAMS = ("a", "b", "sigma", "c")

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


#: what the optimizer box shows for each optimizer
OPTIMIZER_LABELS = {"sgd": "SGD", "nesterov": "Nesterov", "rmsprop": "RMSprop",
                    "adam": "Adam"}
#: how the regularization menu names each kind
REGULARIZATION_LABELS = {"none": "None", "l1": "L1", "l2": "L2"}
#: each kind's penalty, the menu item's tooltip
REGULARIZATION_TIPS = {"none": "No penalty: J is the data loss",
                       "l1": "J = data loss + λ·Σ|w|; each weight's gradient gains λ·sign(w)",
                       "l2": "J = data loss + λ·½Σw²; each weight's gradient gains λ·w"}


class TrainingDock(QDockWidget):
    def __init__(self, session, parent=None):
        super().__init__("Training", parent)
        self.setObjectName("training_dock")
        self.setAccessibleName("Training settings")
        self.session = session
        self._init_shown = None

        spec = settings_spec.get
        self.loss = narrow_combo(QComboBox())
        self.loss.setAccessibleName(spec("loss").title)
        for name in spec("loss").choices:
            loss = losses.get(name)
            self.loss.addItem(loss.label, name)
            self.loss.setItemData(self.loss.count() - 1, f"J = {loss.formula}",
                                  Qt.ItemDataRole.ToolTipRole)
        self.loss.currentIndexChanged.connect(self._on_loss_chosen)
        self.learning_rate = NumberField.for_setting(spec("learning_rate"))
        self.learning_rate.value_committed.connect(self._on_learning_rate)
        optimizer = spec("optimizer")
        self.optimizer = narrow_combo(QComboBox())
        self.optimizer.setAccessibleName(optimizer.title)
        self.optimizer.setToolTip(optimizer.help)
        for name in optimizer.choices:
            self.optimizer.addItem(OPTIMIZER_LABELS[name], name)
            self.optimizer.setItemData(self.optimizer.count() - 1, OPTIMIZERS[name],
                                       Qt.ItemDataRole.ToolTipRole)
        self.optimizer.currentIndexChanged.connect(self._on_optimizer_chosen)
        self.momentum = NumberField.for_setting(spec("momentum"))
        self.momentum.value_committed.connect(self._on_momentum)
        #: ρ, β₁, β₂, ε: a field for each, shown when the optimizer uses it
        self.optimizer_fields = {}
        for name in ("rho", "beta1", "beta2", "epsilon"):
            field = NumberField.for_setting(spec(name))
            field.value_committed.connect(
                lambda value, name=name: self._on_optimizer_setting(name, value))
            self.optimizer_fields[name] = field
            setattr(self, name, field)
        batch = spec("batch_size")
        self.batch = QSpinBox()
        # 0 stands for "none": the whole dataset each step (null in the file)
        self.batch.setRange(0, int(batch.maximum))
        self.batch.setSpecialValueText("Full batch")
        self.batch.setKeyboardTracking(False)
        self.batch.setAccessibleName(batch.title)
        self.batch.setToolTip(f"{batch.tooltip}. “Full batch” (0) uses all of them; k is "
                              f"{batch.describe_range()}.")
        self.batch.valueChanged.connect(self._on_batch)
        biases = spec("train_biases")
        self.train_biases = QCheckBox(biases.label)
        self.train_biases.setAccessibleName(biases.title)
        self.train_biases.setToolTip(biases.help)
        self.train_biases.toggled.connect(self._on_train_biases)
        self.shuffle_seed = NumberField.for_setting(spec("shuffle_seed"))
        self.shuffle_seed.value_committed.connect(self._on_shuffle_seed)
        self._build_regularization()

        settings = form_layout()
        settings.addRow(spec("loss").title, self.loss)
        settings.addRow(spec("learning_rate").title, self.learning_rate)
        settings.addRow(optimizer.title, self.optimizer)
        settings.addRow(spec("momentum").title, self.momentum)
        for name, field in self.optimizer_fields.items():
            settings.addRow(spec(name).title, field)
        self._settings_form = settings
        settings.addRow(batch.title, self.batch)
        settings.addRow(spec("shuffle_seed").title, self.shuffle_seed)
        settings.addRow("", self.train_biases)
        settings.addRow(spec("regularization").title, self.regularization)
        settings.addRow(spec("regularization_rate").title, self.regularization_rate)

        scheme = spec("init_scheme")
        self.scheme = narrow_combo(QComboBox())
        self.scheme.setAccessibleName(scheme.title)
        self.scheme.setToolTip(scheme.help)
        for name in scheme.choices:
            self.scheme.addItem(name.replace("_", " ").capitalize(), name)
            self.scheme.setItemData(self.scheme.count() - 1, SCHEME_LABELS.get(name, name),
                                    Qt.ItemDataRole.ToolTipRole)
        self.scheme.currentIndexChanged.connect(self._on_scheme_chosen)
        self.init_seed = NumberField.for_setting(spec("init_seed"))
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
        self.init_form.addRow(scheme.title, self.scheme)
        for param in INIT_PARAMS:
            setting = spec(f"init_{param}")
            field = NumberField.for_setting(setting)
            self.init_params[param] = field
            self.init_form.addRow(setting.title, field)
        self.init_form.addRow(spec("init_seed").title, self.init_seed)
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
        settings = self.session.training
        with QSignalBlocker(self.loss):
            self.loss.setCurrentIndex(self.loss.findData(settings.loss))
        self.loss.setToolTip(f"J = {losses.get(settings.loss).formula}, averaged over "
                             "the samples of the batch")
        self.learning_rate.set_value(settings.learning_rate)
        with QSignalBlocker(self.optimizer):
            self.optimizer.setCurrentIndex(self.optimizer.findData(settings.optimizer))
        used = OPTIMIZER_SETTINGS[settings.optimizer]
        self.momentum.set_value(settings.momentum)
        # only the chosen optimizer's settings are shown (the dock stays short)
        self._settings_form.setRowVisible(self.momentum, "momentum" in used)
        for name, field in self.optimizer_fields.items():
            field.set_value(getattr(settings, name))
            self._settings_form.setRowVisible(field, name in used)
        with QSignalBlocker(self.batch):
            self.batch.setValue(settings.batch_size or 0)
        with QSignalBlocker(self.train_biases):
            self.train_biases.setChecked(settings.train_biases)
        self.shuffle_seed.set_value(settings.seed)
        self.shuffle_seed.setEnabled(settings.batch_size is not None)
        self._show_regularization(settings)
        # the initializer controls are pending choices: only a changed spec resets them
        init = self.session.init
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
                               f"{settings_spec.get('init_scheme').tooltip}.")

    # -- edits ------------------------------------------------------------------------

    def _push(self, text: str, **changes) -> None:
        show_message(self.message, "")
        settings = replace(self.session.training, **changes)
        if settings != self.session.training:
            self.session.undo_stack.push(SetTrainingCommand(self.session, settings, text))

    def _on_loss_chosen(self, _index: int) -> None:
        name = self.loss.currentData()
        scenario = self.session.scenario
        chosen = replace(scenario, training=replace(scenario.training, loss=name))
        try:
            chosen.check()
        except ScenarioError as refusal:
            show_message(self.message, f"{losses.get(name).label} does not suit this "
                                       f"network and data: {refusal.problem}.")
            self._on_training_changed()
            return
        self._push(f"Set loss to {losses.get(name).label}", loss=name)

    def _on_learning_rate(self, value: float) -> None:
        self._push(f"Set learning rate = {format_number(value)}", learning_rate=value)

    def _on_optimizer_chosen(self, _index: int) -> None:
        name = self.optimizer.currentData()
        self._push(f"Use {OPTIMIZER_LABELS[name]}", optimizer=name)

    def _on_optimizer_setting(self, name: str, value: float) -> None:
        setting = settings_spec.get(name)
        self._push(f"Set {setting.label.lower()} {setting.symbol} = {format_number(value)}",
                   **{name: value})

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

    # -- the weight penalty -------------------------------------------------------------

    def _build_regularization(self) -> None:
        kind = settings_spec.get("regularization")
        self.regularization = narrow_combo(QComboBox())
        self.regularization.setAccessibleName(kind.title)
        self.regularization.setToolTip(kind.help)
        for name in kind.choices:
            self.regularization.addItem(REGULARIZATION_LABELS[name], name)
            self.regularization.setItemData(self.regularization.count() - 1,
                                            REGULARIZATION_TIPS[name],
                                            Qt.ItemDataRole.ToolTipRole)
        self.regularization.currentIndexChanged.connect(self._on_regularization_chosen)
        self.regularization_rate = NumberField.for_setting(
            settings_spec.get("regularization_rate"))
        self.regularization_rate.value_committed.connect(self._on_regularization_rate)

    def _show_regularization(self, settings) -> None:
        with QSignalBlocker(self.regularization):
            self.regularization.setCurrentIndex(
                self.regularization.findData(settings.regularization))
        self.regularization_rate.set_value(settings.regularization_rate)

    def _on_regularization_chosen(self, _index: int) -> None:
        name = self.regularization.currentData()
        self._push(f"Set regularization to {REGULARIZATION_LABELS[name]}",
                   regularization=name)

    def _on_regularization_rate(self, value: float) -> None:
        self._push(f"Set regularization rate = {format_number(value)}",
                   regularization_rate=value)

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
        try:
            check_init(init)
        except ScenarioError:  # the one rule between the parameters: a ≤ b
            show_message(self.message, "The lower bound a must not exceed the upper bound b.")
            return
        show_message(self.message, "")
        self.session.undo_stack.push(ReinitializeCommand(self.session, init))
