"""The Inspector dock: the weight, bias or neuron selected on the canvas, its value
(editable), and what the last training step computed for it.

Numbers come from the engine: z and a from ``session.forward_sample()`` (the current
weights and the current sample), gradients and δ from ``session.last_step`` (the
weights before that step's update, averaged over its batch).
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (QDockWidget, QLabel, QStackedWidget,
                               QVBoxLayout, QWidget)

from bpsim import activations
from bpsim.notation.numbers import format_number
from bpsim.notation.symbols import bias_name, neuron_words, shown_index, weight_name
from bpsim.trace import BackwardRecord, ForwardRecord, StepRecord

from ..commands import SetBiasCommand, SetWeightCommand
from ..widgets import NumberField, NumberSlider
from .common import form_layout, layer_name, note_label, plural, value_label

HINT = "Click a connection, neuron or bias on the canvas to inspect it"

#: Typed edits get a token of their own, so that each Enter is one undo step.
_typed_edits = itertools.count(-1, -1)


def selection_exists(selection: tuple, layers) -> bool:
    """Whether a canvas selection (("weight", l, j, i), ("bias", l, j) or
    ("neuron", l, j)) names a part of a network with these layer sizes."""
    kind, layer, j, *rest = selection
    if kind == "neuron":
        return 0 <= layer < len(layers) and 0 <= j < layers[layer]
    if not (1 <= layer < len(layers) and 0 <= j < layers[layer]):
        return False
    return kind == "bias" or 0 <= rest[0] < layers[layer - 1]


class _Backward(NamedTuple):
    """Where the gradients shown come from."""

    record: BackwardRecord
    #: dataset index of each row of record.delta (None when unknown)
    indices: list[int] | None
    #: samples in the batch
    size: int
    #: "training step 3 (batch of 4 samples)", for the notes
    words: str
    #: the whole step, None while a step is in progress
    step: StepRecord | None


def _title_font(label: QLabel) -> QLabel:
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.5)
    font.setBold(True)
    label.setFont(font)
    return label


class InspectorDock(QDockWidget):
    """Shows and edits the canvas selection: None, ("weight", l, j, i),
    ("bias", l, j) or ("neuron", l, j)."""

    def __init__(self, session, canvas=None, parent=None):
        super().__init__("Inspector", parent)
        self.setObjectName("inspector_dock")
        self.setAccessibleName("Inspector")
        self.session = session
        self.selection = None
        #: backward records of the step being taken phase by phase, by layer
        self._pending_backward: dict[int, BackwardRecord] = {}

        self.pages = QStackedWidget()
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        # at the top: the stack is as tall as its largest page, the dock often is not
        self.hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.hint.setContentsMargins(8, 12, 8, 8)
        self.hint.setAccessibleName("Inspector hint")
        self.pages.addWidget(self.hint)
        self.pages.addWidget(self._build_parameter_page())
        self.pages.addWidget(self._build_neuron_page())
        self.setWidget(self.pages)

        session.parameters_changed.connect(self._on_parameters_changed)
        session.notation_changed.connect(self._on_parameters_changed)
        session.structure_changed.connect(self._on_structure_changed)
        session.sample_changed.connect(self._on_sample_changed)
        session.steps_recorded.connect(self._on_steps_recorded)
        session.data_changed.connect(self._on_data_changed)
        session.training_changed.connect(self._on_training_changed)
        session.phase_recorded.connect(self._on_phase_recorded)
        session.step_abandoned.connect(self._on_step_abandoned)
        if canvas is not None:
            canvas.selection_changed.connect(self.show_selection)
        self._refresh()

    # -- pages ------------------------------------------------------------------------

    def _build_parameter_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.parameter_title = _title_font(QLabel())
        self.parameter_title.setAccessibleName("Selected parameter")
        self.parameter_where = QLabel()
        self.parameter_where.setWordWrap(True)
        self.parameter_where.setAccessibleName("Where the parameter sits")
        self.parameter_editor = NumberSlider(
            name="Parameter value",
            tooltip="Type a value and press Enter, or drag the slider. Ctrl+Z undoes.")
        font = self.parameter_editor.field.edit.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.parameter_editor.field.edit.setFont(font)
        self.parameter_editor.value_committed.connect(self._on_value_typed)
        self.parameter_editor.value_dragged.connect(self._on_value_dragged)
        self.gradient = value_label("Gradient of the parameter", large=True)
        self.gradient_label = QLabel("∂J/∂w")
        self.last_update = value_label(
            "Change made by the last update",
            "The value before and after the last training step's update")
        self.parameter_note = note_label("About the gradient")

        form = form_layout()
        form.addRow("Value", self.parameter_editor)
        form.addRow(self.gradient_label, self.gradient)
        form.addRow("Last update", self.last_update)
        layout.addWidget(self.parameter_title)
        layout.addWidget(self.parameter_where)
        layout.addLayout(form)
        layout.addWidget(self.parameter_note)
        layout.addStretch(1)
        return page

    def _build_neuron_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.neuron_title = _title_font(QLabel())
        self.neuron_title.setAccessibleName("Selected neuron")
        self.neuron_where = QLabel()
        self.neuron_where.setWordWrap(True)
        self.neuron_where.setAccessibleName("Which sample the values are for")
        self.activation = value_label("Activation function")
        self.activation.setWordWrap(True)
        self.z = value_label("Total input z", "z = Σᵢ w[j,i]·aᵢ + b for the current sample",
                             large=True)
        self.a = value_label("Output a", "a = f(z) for the current sample", large=True)
        self.target = value_label("Target y", "The target of the current sample")
        self.neuron_bias = NumberField(
            name="Bias b", tooltip="The neuron's bias b. Type a value and press Enter.")
        self.neuron_bias.value_committed.connect(self._on_neuron_bias_typed)
        self.delta = value_label("Delta", "δ = ∂J/∂z, from the last training step",
                                 large=True)
        self.delta_label = QLabel("δ = ∂J/∂z")
        self.bias_gradient = value_label("Bias gradient", "∂J/∂b = Σ over the batch of δ")
        self.neuron_note = note_label("About δ")

        self.neuron_form = form = form_layout()
        form.addRow("Activation f", self.activation)
        form.addRow("Total input z", self.z)
        form.addRow("Output a = f(z)", self.a)
        form.addRow("Target y", self.target)
        form.addRow("Bias b", self.neuron_bias)
        form.addRow(self.delta_label, self.delta)
        form.addRow("∂J/∂b", self.bias_gradient)
        layout.addWidget(self.neuron_title)
        layout.addWidget(self.neuron_where)
        layout.addLayout(form)
        layout.addWidget(self.neuron_note)
        layout.addStretch(1)
        return page

    # -- selection --------------------------------------------------------------------

    def show_selection(self, selection) -> None:
        """Inspect ``selection`` (a canvas selection tuple, or None for the hint)."""
        self.selection = tuple(selection) if selection is not None else None
        if not self._selection_exists():
            self.selection = None
        self._refresh()

    def _selection_exists(self) -> bool:
        if self.selection is None:
            return False
        kind, layer, j, *rest = self.selection
        layers = self.session.network.layers
        if kind not in ("weight", "bias", "neuron") or not 0 <= layer < len(layers):
            return False
        if kind != "neuron" and layer == 0:
            return False
        if not 0 <= j < layers[layer]:
            return False
        return kind != "weight" or 0 <= rest[0] < layers[layer - 1]

    # -- session events ---------------------------------------------------------------

    def _on_parameters_changed(self) -> None:
        self._refresh()

    def _on_structure_changed(self) -> None:
        if not self._selection_exists():
            self.selection = None
        self._refresh()

    def _on_sample_changed(self, _index: int) -> None:
        self._refresh()

    def _on_steps_recorded(self, _records) -> None:
        self._pending_backward.clear()  # the whole step is now session.last_step
        self._refresh()

    def _on_phase_recorded(self, record) -> None:
        if isinstance(record, ForwardRecord) and record.layer == 1:
            self._pending_backward.clear()  # a new step begins
        elif isinstance(record, BackwardRecord):
            self._pending_backward[record.layer] = record
            self._refresh()

    def _on_step_abandoned(self) -> None:
        if self._pending_backward:
            self._pending_backward.clear()
            self._refresh()

    def _on_data_changed(self) -> None:
        self._refresh()

    def _on_training_changed(self) -> None:
        self._refresh()

    # -- edits ------------------------------------------------------------------------

    def _push_parameter(self, value: float, gesture: int) -> None:
        kind, layer, j, *rest = self.selection
        if kind == "weight":
            command = SetWeightCommand(self.session, layer, j, rest[0], value, gesture)
        else:
            command = SetBiasCommand(self.session, layer, j, value, gesture)
        self.session.undo_stack.push(command)

    def _on_value_typed(self, value: float) -> None:
        if self.selection is not None:
            self._push_parameter(value, next(_typed_edits))

    def _on_value_dragged(self, value: float, gesture: int) -> None:
        if self.selection is not None:
            self._push_parameter(value, gesture)

    def _on_neuron_bias_typed(self, value: float) -> None:
        if self.selection is not None and self.selection[1] > 0:
            _, layer, j = self.selection
            self.session.undo_stack.push(
                SetBiasCommand(self.session, layer, j, value, next(_typed_edits)))

    # -- showing ----------------------------------------------------------------------

    def _refresh(self) -> None:
        if self.selection is None or not selection_exists(self.selection,
                                                          self.session.network.layers):
            # (a selection the network has just lost: the canvas clears it next)
            self.pages.setCurrentIndex(0)
        elif self.selection[0] == "neuron":
            self._show_neuron(*self.selection[1:])
            self.pages.setCurrentIndex(2)
        else:
            self._show_parameter(self.selection)
            self.pages.setCurrentIndex(1)

    def _step_is_current(self) -> bool:
        """True while the weights are still those the last step left (no edit, undo
        or reset since), i.e. its gradients describe how we got here."""
        step = self.session.last_step
        update = step.update
        weights = update.weights_after if update.applied else update.weights_before
        biases = update.biases_after if update.applied else update.biases_before
        net = self.session.network
        return (all(np.array_equal(a, b) for a, b in zip(net.weights, weights))
                and all(np.array_equal(a, b) for a, b in zip(net.biases, biases)))

    def _backward(self, layer: int) -> _Backward | None:
        """The newest backward pass through ``layer``: of the step in progress (phase
        by phase), else of the last whole step; None before any."""
        record = self._pending_backward.get(layer)
        if record is not None:
            size = record.delta.shape[0]
            # a full batch is the whole dataset in order; a mini-batch's samples are
            # not known here, so only its sum over the batch is shown
            indices = list(range(size)) if size == len(self.session.dataset) else None
            return _Backward(record, indices, size,
                             f"the backward pass in progress (batch of "
                             f"{plural(size, 'sample')})", None)
        step = self.session.last_step
        if step is None:
            return None
        size = len(step.sample_indices)
        return _Backward(step.backward_for(layer), [int(k) for k in step.sample_indices],
                         size, f"training step {step.step + 1} (batch of "
                               f"{plural(size, 'sample')})", step)

    def _show_parameter(self, selection) -> None:
        kind, layer, j, *rest = selection
        net = self.session.network
        layers = net.layers
        numbering = self.session.scenario.numbering
        if kind == "weight":
            i = rest[0]
            symbol = weight_name(layer, j, i)
            self.parameter_title.setText(symbol)
            self.parameter_where.setText(
                f"from neuron {shown_index(i)} of {layer_name(layers, layer - 1, numbering)}\n"
                f"to neuron {shown_index(j)} of {layer_name(layers, layer, numbering)}")
            value = float(net.weights[layer - 1][j, i])
        else:
            symbol = bias_name(layer, j)
            self.parameter_title.setText(symbol)
            self.parameter_where.setText(
                f"bias of neuron {shown_index(j)} of {layer_name(layers, layer, numbering)}")
            value = float(net.biases[layer - 1][j])
        self.parameter_editor.set_value(value)
        self.parameter_editor.field.set_accessible_name(f"Value of {symbol}")
        self.gradient_label.setText(f"∂J/∂{symbol}")
        self.gradient.setAccessibleName(f"Gradient ∂J/∂{symbol}")

        source = self._backward(layer)
        if source is None:
            self.gradient.setText("—")
            self.last_update.setText("—")
            self.parameter_note.setText(
                "Run a training step to see the gradient the backward pass computes.")
            return
        back, step = source.record, source.step
        gradient = back.grad_weights[j, i] if kind == "weight" else back.grad_biases[j]
        self.gradient.setText(format_number(gradient))
        mean = " J is the mean loss over the batch." if source.size > 1 else ""
        if step is None:  # phase by phase: the update has not happened yet
            self.last_update.setText("— (the update phase comes next)")
            self.parameter_note.setText(
                f"From {source.words}, at the current {symbol} = {format_number(value)}.{mean}")
            return
        update = step.update
        if kind == "weight":
            before = update.weights_before[layer - 1][j, i]
            after = update.weights_after[layer - 1][j, i]
        else:
            before = update.biases_before[layer - 1][j]
            after = update.biases_after[layer - 1][j]
        note = (f"From {source.words}: computed at {symbol} = {format_number(before)}, "
                f"before the update.{mean}")
        if not update.applied:
            self.last_update.setText("not applied (the step diverged)")
        elif kind == "bias" and not update.train_biases:
            self.last_update.setText("none (biases are not trained)")
        else:
            self.last_update.setText(f"{format_number(before)} → {format_number(after)}")
        if not self._step_is_current():
            note += " The parameters changed since; run a step for a fresh gradient."
        self.parameter_note.setText(note)

    def _show_neuron(self, layer: int, j: int) -> None:
        session = self.session
        net = session.network
        layers = net.layers
        count = len(session.dataset)
        sample = session.current_sample
        numbering = session.scenario.numbering
        self.neuron_where.setText(f"{layer_name(layers, layer, numbering)} · values for "
                                  f"sample {shown_index(sample)} of {count}")
        form = self.neuron_form
        x, y = session.sample()
        if layer == 0:
            self.neuron_title.setText(f"Input neuron {shown_index(j)}")
            form.labelForField(self.a).setText("Input a = x")
            for row in range(form.rowCount()):
                form.setRowVisible(row, row == 2)
            self.a.setText(format_number(x[0, j]))
            self.neuron_note.setText(
                "An input neuron passes its input on: a = x. Edit inputs in the Data dock.")
            return
        self.neuron_title.setText(neuron_words(layer, j, numbering).capitalize())
        form.labelForField(self.a).setText("Output a = f(z)")
        for row in range(form.rowCount()):
            form.setRowVisible(row, row != 3 or layer == net.depth)
        record = session.forward_sample()[layer - 1]
        name = net.activations[layer - 1]
        info = activations.get(name)
        formula = info.formula
        if name == "leaky_relu":
            formula += f", α = {format_number(net.leaky_slope)}"
        self.activation.setText(f"{info.label}: {formula}")
        self.z.setText(format_number(record.z[0, j]))
        self.a.setText(format_number(record.a[0, j]))
        if layer == net.depth:
            self.target.setText(format_number(y[0, j]) if j < y.shape[1] else "—")
        with QSignalBlocker(self.neuron_bias):
            self.neuron_bias.set_value(float(net.biases[layer - 1][j]))

        source = self._backward(layer)
        if source is None:
            self.delta_label.setText("δ = ∂J/∂z")
            self.delta.setText("—")
            self.bias_gradient.setText("—")
            self.neuron_note.setText(
                "z and a use the current weights. Run a training step to see δ, "
                "which the backward pass computes.")
            return
        back, indices, size = source.record, source.indices, source.size
        self.bias_gradient.setText(format_number(back.grad_biases[j]))
        # δ has one row per sample of the batch; show this sample's row when it is in
        # the batch, else the sum over the batch (which is also ∂J/∂b).
        if indices is not None and sample in indices:
            self.delta_label.setText(f"δ = ∂J/∂z (sample {sample + 1})")
            self.delta.setText(format_number(back.delta[indices.index(sample), j]))
            about = (f"J is the batch mean, so sample {sample + 1}'s δ includes a factor "
                     f"1/{size}; ∂J/∂b = Σ δ over the batch" if size > 1 else "")
        else:
            self.delta_label.setText("Σ δ over the batch")
            self.delta.setText(format_number(back.grad_biases[j]))
            about = (f"Sample {sample + 1} is not known to be in that batch, so δ is "
                     f"summed over its {plural(size, 'sample')}")
        when = ("at the current weights" if source.step is None
                else "at the weights before its update")
        note = (f"z and a use the current weights. δ and ∂J/∂b are from "
                f"{source.words}, {when}." + (f" {about}." if about else ""))
        if source.step is not None and not self._step_is_current():
            note += " The parameters changed since; run a step for fresh values."
        self.neuron_note.setText(note)
