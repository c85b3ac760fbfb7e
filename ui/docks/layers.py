"""The Layers dock: size and activation of each layer, adding and removing neurons
and hidden layers.  Every change is one undoable command with a readable text.

The new networks come from :mod:`bpsim.edits` (which says how new parameters are
chosen).  Changing the number of inputs or outputs must keep the data consistent:
literal samples are padded with 0 or cut to the new width (in the same undo step, said
in the dock); generated data have a fixed shape, so the change is refused with a message.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDockWidget,
                               QHBoxLayout, QHeaderView, QLabel, QPushButton, QSpinBox,
                               QTableWidget, QTableWidgetItem, QToolButton, QVBoxLayout,
                               QWidget)

from dataclasses import replace

from bpsim import activations, edits, settings_spec
from bpsim.data import GENERATOR_SHAPES
from bpsim.network import Network
from bpsim.scenario import DataSpec, ScenarioError
from bpsim.notation.numbers import format_exact
from bpsim.notation.scripts import layer_superscript

from ..commands import SetNetworkAndDataCommand, SetNetworkCommand
from ..widgets import NumberField
from .common import form_layout, message_label, plural, show_message

#: Most layers a network may have, counting the input layer (the settings table's).
MAX_LAYERS = int(settings_spec.get("layer_count").maximum)
#: Most neurons in one layer.
MAX_NEURONS = int(settings_spec.get("layer_size").maximum)

OUTPUT_ACTIVATIONS = (*activations.HIDDEN_ACTIVATIONS, "softmax")


class _RowSelector(QObject):
    """Selects a table row when one of its cell widgets gets focus."""

    def __init__(self, table: QTableWidget, row: int, parent):
        super().__init__(parent)
        self.table, self.row = table, row

    def eventFilter(self, _watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.FocusIn:
            self.table.selectRow(self.row)
        return False


class _SizeEditor(QWidget):
    """[−] n [+]: buttons big enough to hit on a projected screen, and a typed value."""

    def __init__(self, layer: int, size: int, shown: int | None = None):
        """``layer`` is the engine's layer; ``shown`` its number on screen."""
        super().__init__()
        shown = layer if shown is None else shown
        what = "input" if layer == 0 else f"neuron of layer {shown}"
        whats = "inputs" if layer == 0 else f"neurons of layer {shown}"
        self.spin_box = QSpinBox()
        self.spin_box.setRange(1, MAX_NEURONS)
        self.spin_box.setValue(size)
        self.spin_box.setKeyboardTracking(False)  # typing "12" is one edit, not "1", "12"
        self.spin_box.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
        self.spin_box.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.spin_box.setAccessibleName(f"Number of {whats}")
        self.spin_box.setToolTip(f"Number of {whats}, 1 to {MAX_NEURONS}. The weights "
                                 "of the other neurons are kept.")
        self.minus = QToolButton()
        self.minus.setText("−")
        self.minus.setAccessibleName(f"Remove {what}")
        self.minus.setToolTip(f"Remove the last {what} with its weights")
        self.minus.clicked.connect(lambda: self.spin_box.stepBy(-1))
        self.plus = QToolButton()
        self.plus.setText("+")
        self.plus.setAccessibleName(f"Add {what}")
        self.plus.setToolTip(f"Add an {what}" if layer == 0 else
                             f"Add a {what}: incoming weights from the initializer, "
                             "outgoing weights 0, so the outputs do not change yet")
        self.plus.clicked.connect(lambda: self.spin_box.stepBy(1))
        for button in (self.minus, self.plus):
            font = button.font()
            font.setBold(True)
            button.setFont(font)
            button.setMinimumWidth(button.sizeHint().height())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 1, 2, 1)
        layout.setSpacing(2)
        layout.addWidget(self.minus)
        layout.addWidget(self.spin_box)
        layout.addWidget(self.plus)


class LayersDock(QDockWidget):
    COLUMNS = ("Layer", "Neurons", "Activation")

    def __init__(self, session, parent=None):
        super().__init__("Layers", parent)
        self.setObjectName("layers_dock")
        self.setAccessibleName("Layers")
        self.session = session
        self.size_boxes: list[QSpinBox] = []
        self.size_editors: list[_SizeEditor] = []
        self.activation_boxes: list[QComboBox | None] = []

        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("layers_table")
        self.table.setAccessibleName("Layers of the network")
        self.table.setToolTip("One row per layer, inputs first. Select a row to add a "
                              "hidden layer after it or to remove it.")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        # the activation's name stays whole: a narrow dock scrolls the table sideways
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.add_layer_button = QPushButton("Add hidden layer")
        self.add_layer_button.setObjectName("add_layer")
        self.add_layer_button.setAccessibleName("Add hidden layer")
        self.add_layer_button.setToolTip(
            "Insert a hidden layer after the selected layer (before the output when the "
            "output is selected). It copies the width of the layer before it and starts "
            "with W = I, b = 0.")
        self.add_layer_button.clicked.connect(self.add_layer)
        self.remove_layer_button = QPushButton("Remove layer")
        self.remove_layer_button.setObjectName("remove_layer")
        self.remove_layer_button.setAccessibleName("Remove layer")
        self.remove_layer_button.setToolTip(
            "Remove the selected hidden layer; the layers around it are joined with "
            "W = W⁽ᵏ⁺¹⁾W⁽ᵏ⁾.")
        self.remove_layer_button.clicked.connect(self.remove_layer)

        self.slope = NumberField.for_setting(settings_spec.get("leaky_slope"))
        self.slope.value_committed.connect(self._on_slope_committed)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Network summary")
        self.message = message_label("Layers message")

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_layer_button)
        buttons.addWidget(self.remove_layer_button)
        form = form_layout()
        form.addRow(settings_spec.get("leaky_slope").title, self.slope)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.setWidget(body)

        session.structure_changed.connect(self._on_structure_changed)
        session.notation_changed.connect(self._rebuild)  # the layers' numbers change
        self._sync()

    # -- building the rows ------------------------------------------------------------

    def _on_structure_changed(self) -> None:
        self._sync()

    def _sync(self) -> None:
        """Show the session's network: rows rebuilt only when the number of layers
        changed (a cell widget may be the one whose signal led here), else updated."""
        net = self.session.network
        if self.table.rowCount() != len(net.layers):
            self._rebuild()
        else:
            for layer, size in enumerate(net.layers):
                with QSignalBlocker(self.size_boxes[layer]):
                    self.size_boxes[layer].setValue(size)
                combo = self.activation_boxes[layer]
                if combo is not None:
                    with QSignalBlocker(combo):
                        combo.setCurrentIndex(combo.findData(net.activations[layer - 1]))
        with QSignalBlocker(self.slope):
            self.slope.set_value(net.leaky_slope)
        self.slope.setEnabled("leaky_relu" in net.activations)
        weights = sum(w.size for w in net.weights)
        biases = sum(b.size for b in net.biases)
        self.summary.setText(f"{plural(net.depth, 'weight layer')}: "
                             f"{plural(weights, 'weight')}, "
                             f"{biases} bias{'' if biases == 1 else 'es'}")
        self._update_buttons()

    def _rebuild(self) -> None:
        net = self.session.network
        selected = self.selected_layer()
        # the old rows' widgets go silent before they go: a spin box holding typed text
        # would commit it on losing focus as it is deleted, an edit pushed while the
        # edit that rebuilt the rows is still being pushed
        for widget in (*self.size_boxes, *filter(None, self.activation_boxes)):
            widget.blockSignals(True)
        self.table.setRowCount(0)
        self.size_boxes, self.activation_boxes, self.size_editors = [], [], []
        self.table.setRowCount(len(net.layers))
        for layer, size in enumerate(net.layers):
            self._build_row(net, layer, size)
        self._fit_rows()
        if selected is not None:
            self.table.selectRow(min(selected, len(net.layers) - 1))

    def _shown(self, layer: int) -> int:
        """The number people read for the engine's layer ``layer`` (the scenario's
        numbering: the input is layer 0, or layer 1 as the lecture)."""
        return self.session.scenario.numbering.layer(layer)

    def _build_row(self, net: Network, layer: int, size: int) -> None:
        last = net.depth
        kind = "input" if layer == 0 else "output" if layer == last else "hidden"
        shown = self._shown(layer)
        name = QTableWidgetItem(f"{shown} · {kind}")
        name.setToolTip(f"Layer {shown}, the {kind} layer")
        self.table.setItem(layer, 0, name)

        editor = _SizeEditor(layer, size, shown)
        size_box = editor.spin_box
        size_box.valueChanged.connect(lambda value, l=layer: self._on_size_changed(l, value))
        for widget in (size_box, editor.minus, editor.plus):
            widget.installEventFilter(_RowSelector(self.table, layer, widget))
        self.table.setCellWidget(layer, 1, editor)
        self.size_boxes.append(size_box)
        self.size_editors.append(editor)

        if layer == 0:
            self.activation_boxes.append(None)
            item = QTableWidgetItem("—")
            item.setToolTip("Input neurons have no activation: "
                            f"a{layer_superscript(shown)} = x")
            self.table.setItem(layer, 2, item)
            return
        combo = QComboBox()  # the name stays whole: its column grows with the text
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        names = list(OUTPUT_ACTIVATIONS if layer == last else activations.HIDDEN_ACTIVATIONS)
        if net.activations[layer - 1] not in names:  # e.g. a file with a softmax hidden layer
            names.append(net.activations[layer - 1])
        for key in names:
            info = activations.get(key)
            combo.addItem(info.label, key)
            combo.setItemData(combo.count() - 1, info.formula, Qt.ItemDataRole.ToolTipRole)
        combo.setCurrentIndex(names.index(net.activations[layer - 1]))
        combo.setAccessibleName(f"Activation of layer {shown}")
        combo.setToolTip(f"Activation f of layer {shown}: a = f(z)"
                         + (". Softmax is offered for the output layer only."
                            if layer == last else ""))
        combo.currentIndexChanged.connect(
            lambda _index, l=layer, c=combo: self._on_activation_chosen(l, c.currentData()))
        combo.installEventFilter(_RowSelector(self.table, layer, combo))
        self.table.setCellWidget(layer, 2, combo)
        self.activation_boxes.append(combo)

    def _fit_rows(self) -> None:
        """Rows as tall as their − n + editors, columns as wide as their text, the table
        as tall as its rows (up to 10 of them): no empty table above the buttons."""
        self.table.resizeRowsToContents()
        self.table.resizeColumnsToContents()
        shown = min(10, self.table.rowCount())
        rows = sum(self.table.rowHeight(r) for r in range(shown))
        self.table.setFixedHeight(rows + self.table.horizontalHeader().sizeHint().height()
                                  + 2 * self.table.frameWidth())

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            # larger text: the editors' size hints grow once they have the new font too
            QTimer.singleShot(0, self, self._fit_rows)

    def selected_layer(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def select_layer(self, layer: int) -> None:
        self.table.selectRow(layer)

    def _update_buttons(self) -> None:
        net = self.session.network
        selected = self.selected_layer()
        self.add_layer_button.setEnabled(len(net.layers) < MAX_LAYERS)
        self.remove_layer_button.setEnabled(
            selected is not None and 1 <= selected < net.depth)

    # -- edits ------------------------------------------------------------------------

    def _refusal(self, network: Network, data: DataSpec | None = None) -> str | None:
        """Why the scenario with this network (and these samples) could not be saved
        and opened again (Scenario.check), or None when it can."""
        scenario = self.session.scenario
        try:
            replace(scenario, network=network, data=data or scenario.data).check()
        except ScenarioError as refusal:
            return refusal.problem
        return None

    def _push(self, network: Network, text: str) -> bool:
        refusal = self._refusal(network)
        if refusal is not None:
            self._refuse(refusal)
            return False
        show_message(self.message, "")
        self.session.undo_stack.push(SetNetworkCommand(self.session, network, text))
        return True

    def _refuse(self, text: str) -> None:
        show_message(self.message, text)
        self.session.message.emit(text)
        self._sync()  # put the controls back to what the network is

    def _on_activation_chosen(self, layer: int, name: str) -> None:
        net = self.session.network
        if name == net.activations[layer - 1]:
            return
        self._push(edits.with_activation(net, layer, name),
                   f"Set layer {self._shown(layer)} activation to {name}")
        if name == "softmax" and net.layers[-1] == 1:
            show_message(self.message, "Softmax over a single output is always 1, so the "
                         "network cannot learn: give the output layer more neurons, or "
                         "use sigmoid.")

    def _on_slope_committed(self, slope: float) -> None:
        self._push(edits.with_leaky_slope(self.session.network, slope),
                   f"Set leaky ReLU slope α = {format_exact(slope)}")

    def _size_text(self, layer: int, old: int, new: int) -> str:
        if layer == 0:
            if new == old + 1:
                return "Add input"
            if new == old - 1:
                return "Remove input"
            return f"Set number of inputs to {new}"
        shown = self._shown(layer)
        if new == old + 1:
            return f"Add neuron to layer {shown}"
        if new == old - 1:
            return f"Remove neuron from layer {shown}"
        return f"Set layer {shown} to {plural(new, 'neuron')}"

    def _on_size_changed(self, layer: int, size: int) -> None:
        self.set_layer_size(layer, size)

    def set_layer_size(self, layer: int, size: int) -> bool:
        """Resize layer ``layer`` (0 = inputs) as the user asked; False if refused."""
        session = self.session
        net = session.network
        old = net.layers[layer]
        if size == old:
            return False
        text = self._size_text(layer, old, size)
        new_net = edits.resized(net, layer, size, session.init)
        if layer not in (0, net.depth):
            return self._push(new_net, text)
        data = session.data
        try:
            fitted = edits.fitted_samples(data, new_net.layers[0], new_net.layers[-1],
                                          session.training.loss)
        except ValueError as refusal:
            if data.has_features:
                self._refuse(f"{str(refusal).capitalize()}.")
                return False
            n_in, n_out = GENERATOR_SHAPES[data.generator]
            what = plural(size, "input" if layer == 0 else "output")
            self._refuse(
                f"The “{data.generator}” generator makes samples with "
                f"{plural(n_in, 'input')} and {plural(n_out, 'output')}, so the network "
                f"cannot have {what}. Editing a sample in the Data dock's Samples table "
                "turns them into typed-in samples, which can change width.")
            return False
        if fitted is data:
            return self._push(new_net, text)
        refusal = self._refusal(new_net, fitted)
        if refusal is not None:
            self._refuse(refusal)
            return False
        side = "inputs x" if layer == 0 else "targets y"
        action = "padded with 0" if size > old else "cut"
        show_message(self.message, f"The samples' {side} were {action} to "
                     f"{size} columns to match (Ctrl+Z undoes both).")
        session.undo_stack.push(SetNetworkAndDataCommand(session, new_net, fitted, text))
        return True

    def add_layer(self) -> bool:
        net = self.session.network
        if len(net.layers) >= MAX_LAYERS:
            self._refuse(f"A network has at most {MAX_LAYERS} layers.")
            return False
        selected = self.selected_layer()
        after = net.depth - 1 if selected is None or selected >= net.depth else selected
        if not self._push(edits.with_layer_inserted(net, after),
                          f"Add hidden layer after layer {self._shown(after)}"):
            return False
        self.table.selectRow(after + 1)
        return True

    def remove_layer(self) -> bool:
        net = self.session.network
        layer = self.selected_layer()
        if layer is None or not 1 <= layer < net.depth:
            self._refuse("Select a hidden layer to remove (the input and output layers stay).")
            return False
        if not self._push(edits.with_layer_removed(net, layer),
                          f"Remove layer {self._shown(layer)}"):
            return False
        self.table.selectRow(layer - 1)
        return True
