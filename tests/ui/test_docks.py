"""The editing docks, driven as a teacher would: typing, Enter, clicking, choosing."""

import math
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit

from bpsim import io, settings_spec
from bpsim.data import GENERATOR_SHAPES
from bpsim.initializers import InitSpec
from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario
from bpsim.training import TrainingSettings
from bpsim.ui import commands
from bpsim.ui.docks import DataDock, InspectorDock, LayersDock, TrainingDock
from bpsim.ui.session import Session
from bpsim.ui.widgets import NumberField, parse_number

XOR_SAMPLES = [([0, 0], [0]), ([0, 1], [1]), ([1, 0], [1]), ([1, 1], [0])]


def xor_session(data=None) -> Session:
    rng = np.random.default_rng(7)
    network = Network([2, 3, 1], ["sigmoid", "sigmoid"],
                      [rng.normal(size=(3, 2)), rng.normal(size=(1, 3))],
                      [rng.normal(size=3), rng.normal(size=1)])
    data = data or DataSpec.from_samples(XOR_SAMPLES)
    return Session(Scenario(network, TrainingSettings("mse", 0.5), data,
                            InitSpec("xavier_uniform", seed=3)))


def type_text(widget, text: str) -> None:
    """Key presses for each character, including ones QTest cannot type ("−")."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier,
                                  char))


def type_into(qtbot, field: NumberField, text: str) -> None:
    """Select what the field shows, type over it, press Enter."""
    qtbot.keyClick(field.edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    if text:
        type_text(field.edit, text)
    else:
        qtbot.keyClick(field.edit, Qt.Key.Key_Backspace)
    qtbot.keyClick(field.edit, Qt.Key.Key_Return)


class FakeCanvas(QObject):
    selection_changed = Signal(object)


@pytest.fixture
def lecture(qtbot, lecture_example):
    session = Session(lecture_example)
    canvas = FakeCanvas()
    dock = InspectorDock(session, canvas)
    qtbot.addWidget(dock)
    canvas.selection_changed.emit(("weight", 1, 0, 0))
    return session, dock


# -- the number field ----------------------------------------------------------------

@pytest.mark.parametrize("text, value", [("0.5", 0.5), ("-4.2", -4.2), ("−4.2", -4.2),
                                         ("1e-3", 0.001), (" 2 ", 2.0), ("0,25", 0.25)])
def test_typed_numbers_are_read(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text, why", [("abc", "“abc” is not a number"),
                                       ("nan", "“nan” is not a finite number"),
                                       ("inf", "“inf” is not a finite number"),
                                       ("1_000", "is not a number"),
                                       ("", "Enter a number"),
                                       ("1e999", "too large")])
def test_what_is_not_a_number_is_refused_with_a_reason(text, why):
    with pytest.raises(ValueError, match=why):
        parse_number(text)


def test_number_field_refuses_out_of_range_and_keeps_the_value(qtbot):
    field = NumberField(0.5, minimum=0.0, maximum=1.0)
    qtbot.addWidget(field)
    with qtbot.assertNotEmitted(field.value_committed):
        type_into(qtbot, field, "2")
    assert field.value() == 0.5 and field.text() == "0.5"
    assert field.message_text() == "Must be between 0 and 1; kept 0.5"
    # typing again clears the message; a valid value commits
    with qtbot.waitSignal(field.value_committed) as committed:
        type_into(qtbot, field, "0.75")
    assert committed.args == [0.75]
    assert field.message_text() == ""


# -- inspector -----------------------------------------------------------------------

def test_inspector_shows_the_selected_weight(lecture):
    session, dock = lecture
    assert dock.parameter_title.text() == "w⁽¹⁾[1,1]"
    assert "from neuron 1 of layer 0 (input)" in dock.parameter_where.text()
    assert dock.parameter_editor.field.text() == "0.1"


def test_typing_a_weight_sets_it_and_undo_restores_it(qtbot, lecture):
    session, dock = lecture
    type_into(qtbot, dock.parameter_editor.field, "0.5")
    assert session.network.weights[0][0, 0] == 0.5
    assert session.undo_stack.undoText() == "Set w⁽¹⁾[1,1] = 0.5"
    session.undo_stack.undo()
    assert session.network.weights[0][0, 0] == 0.1
    assert dock.parameter_editor.field.text() == "0.1"


def test_each_typed_weight_is_its_own_undo_step(qtbot, lecture):
    session, dock = lecture
    type_into(qtbot, dock.parameter_editor.field, "0.5")
    type_into(qtbot, dock.parameter_editor.field, "−4.2")
    assert session.network.weights[0][0, 0] == -4.2
    assert dock.parameter_editor.field.text() == "−4.2"
    session.undo_stack.undo()
    assert session.network.weights[0][0, 0] == 0.5


@pytest.mark.parametrize("text", ["abc", "nan", "inf", ""])
def test_a_weight_that_is_not_a_number_is_refused(qtbot, lecture, text):
    session, dock = lecture
    field = dock.parameter_editor.field
    type_into(qtbot, field, text)
    assert session.network.weights[0][0, 0] == 0.1
    assert session.undo_stack.count() == 0
    assert field.text() == "0.1"
    assert field.message.isVisibleTo(dock)
    expected = "Enter a number" if not text else f"“{text}”"
    assert expected in field.message_text() and "kept 0.1" in field.message_text()


def test_dragging_the_slider_is_one_undo_step(qtbot, lecture):
    session, dock = lecture
    slider = dock.parameter_editor.slider
    assert dock.parameter_editor.range_label.text() == "±1"
    slider.setSliderDown(True)
    for position in (600, 700, 750):
        slider.setValue(position)
    slider.setSliderDown(False)
    assert session.network.weights[0][0, 0] == pytest.approx(0.5)  # 750 of 0..1000 on ±1
    assert dock.parameter_editor.field.text() == "0.5"
    assert session.undo_stack.count() == 1
    session.undo_stack.undo()
    assert session.network.weights[0][0, 0] == 0.1


def test_inspector_shows_the_gradient_after_a_step(lecture):
    session, dock = lecture
    assert dock.gradient.text() == "—"
    commands.train(session, 1)
    assert dock.gradient.text() == "−4.2"
    assert dock.last_update.text() == "0.1 → 4.3"
    assert dock.parameter_editor.field.text() == "4.3"
    assert "training step 1" in dock.parameter_note.text()


def test_inspector_shows_a_neuron(qtbot, lecture):
    session, dock = lecture
    dock.show_selection(("neuron", 1, 0))
    assert dock.z.text() == "0.3" and dock.a.text() == "0.3"
    assert dock.target.text() == "1"
    assert dock.delta.text() == "—"
    commands.train(session, 1)
    # δ = ∂J/∂z = 2(ŷ − y) = −1.4 at w = 0.1; z and a now use w = 4.3
    assert dock.delta.text() == "−1.4"
    assert dock.bias_gradient.text() == "−1.4"
    assert dock.z.text() == "12.9"


def test_inspector_shows_the_backward_pass_of_a_step_in_progress(lecture):
    session, dock = lecture
    for _ in range(3):  # forward layer 1, the loss, backward layer 1
        session.next_phase()
    assert dock.gradient.text() == "−4.2"
    assert "the update phase comes next" in dock.last_update.text()
    assert dock.parameter_editor.field.text() == "0.1"
    dock.show_selection(("neuron", 1, 0))
    assert dock.delta.text() == "−1.4"
    session.next_phase()  # the update
    dock.show_selection(("weight", 1, 0, 0))
    assert dock.last_update.text() == "0.1 → 4.3"


def test_inspector_delta_for_the_current_sample_of_a_batch(qtbot):
    session = xor_session()
    dock = InspectorDock(session)
    qtbot.addWidget(dock)
    dock.show_selection(("neuron", 2, 0))
    commands.train(session, 1)
    session.set_current_sample(2)
    back = session.last_step.backward_for(2)
    assert dock.delta.text() == f"{back.delta[2, 0]:.4g}".replace("-", "−")
    assert "sample 3" in dock.delta_label.text()
    assert "1/4" in dock.neuron_note.text()


def test_inspector_hint_when_nothing_is_selected(qtbot, lecture):
    session, dock = lecture
    dock.show_selection(None)
    assert dock.pages.currentWidget() is dock.hint
    assert "Click a connection, neuron or bias" in dock.hint.text()


def test_inspector_edits_a_bias(qtbot, lecture):
    session, dock = lecture
    dock.show_selection(("bias", 1, 0))
    assert dock.parameter_title.text() == "b⁽¹⁾[1]"
    type_into(qtbot, dock.parameter_editor.field, "1e-3")
    assert session.network.biases[0][0] == 0.001
    session.undo_stack.undo()
    assert session.network.biases[0][0] == 0.0


# -- layers --------------------------------------------------------------------------

@pytest.fixture
def layers(qtbot):
    session = xor_session()
    dock = LayersDock(session)
    qtbot.addWidget(dock)
    dock.show()
    return session, dock


def test_choosing_an_activation_changes_the_layer(qtbot, layers):
    session, dock = layers
    combo = dock.activation_boxes[1]
    qtbot.keyClicks(combo, "Tanh")
    assert session.network.activations == ["tanh", "sigmoid"]
    assert session.undo_stack.undoText() == "Set layer 1 activation to tanh"
    session.undo_stack.undo()
    assert session.network.activations == ["sigmoid", "sigmoid"]
    assert dock.activation_boxes[1].currentData() == "sigmoid"


def test_softmax_is_offered_for_the_output_layer_only(layers):
    _, dock = layers
    def offered(combo):
        return [combo.itemData(k) for k in range(combo.count())]

    hidden, output = offered(dock.activation_boxes[1]), offered(dock.activation_boxes[2])
    assert "softmax" not in hidden and "softmax" in output


def test_adding_a_neuron_keeps_the_other_weights(qtbot, layers):
    session, dock = layers
    before = session.network.copy()
    y_before = session.network.predict(session.dataset.x)
    qtbot.mouseClick(dock.size_editors[1].plus, Qt.MouseButton.LeftButton)
    net = session.network
    assert net.layers == [2, 4, 1]
    assert session.undo_stack.undoText() == "Add neuron to layer 1"
    np.testing.assert_array_equal(net.weights[0][:3], before.weights[0])
    np.testing.assert_array_equal(net.weights[1][:, :3], before.weights[1])
    assert net.weights[1][0, 3] == 0.0  # the new neuron's outgoing weight
    assert np.any(net.weights[0][3] != 0.0)  # its incoming weights from the initializer
    np.testing.assert_allclose(net.predict(session.dataset.x), y_before)
    session.undo_stack.undo()
    assert session.network.layers == [2, 3, 1]
    assert dock.size_boxes[1].value() == 3


def test_removing_a_neuron_keeps_the_other_weights(qtbot, layers):
    session, dock = layers
    before = session.network.copy()
    qtbot.mouseClick(dock.size_editors[1].minus, Qt.MouseButton.LeftButton)
    net = session.network
    assert net.layers == [2, 2, 1]
    assert session.undo_stack.undoText() == "Remove neuron from layer 1"
    assert net.weights[0][1, 0] == before.weights[0][1, 0]
    assert net.weights[1][0, 1] == before.weights[1][0, 1]
    np.testing.assert_array_equal(net.biases[0], before.biases[0][:2])


def test_typing_a_layer_size_is_one_edit(qtbot, layers):
    session, dock = layers
    box = dock.size_boxes[1]
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, "12")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert session.network.layers == [2, 12, 1]
    assert session.undo_stack.count() == 1
    assert session.undo_stack.undoText() == "Set layer 1 to 12 neurons"


def test_adding_and_removing_a_hidden_layer(qtbot, layers):
    session, dock = layers
    before = session.network.copy()
    dock.select_layer(1)
    qtbot.mouseClick(dock.add_layer_button, Qt.MouseButton.LeftButton)
    net = session.network
    assert net.layers == [2, 3, 3, 1]
    assert net.activations == ["sigmoid", "sigmoid", "sigmoid"]
    assert session.undo_stack.undoText() == "Add hidden layer after layer 1"
    np.testing.assert_array_equal(net.weights[1], np.eye(3))
    np.testing.assert_array_equal(net.weights[2], before.weights[1])
    assert dock.table.rowCount() == 4 and dock.selected_layer() == 2

    dock.select_layer(1)
    qtbot.mouseClick(dock.remove_layer_button, Qt.MouseButton.LeftButton)
    net = session.network
    assert net.layers == [2, 3, 1]
    assert session.undo_stack.undoText() == "Remove layer 1"
    # joined: W = W⁽²⁾ W⁽¹⁾ with W⁽²⁾ = I, i.e. the original W⁽¹⁾ again
    np.testing.assert_allclose(net.weights[0], before.weights[0])
    session.undo_stack.undo()
    session.undo_stack.undo()
    assert session.network.layers == [2, 3, 1]
    np.testing.assert_array_equal(session.network.weights[1], before.weights[1])


def test_input_and_output_layers_cannot_be_removed(qtbot, layers):
    session, dock = layers
    dock.select_layer(2)
    assert not dock.remove_layer_button.isEnabled()
    dock.select_layer(1)
    assert dock.remove_layer_button.isEnabled()


def test_adding_an_input_pads_literal_samples(qtbot, layers):
    session, dock = layers
    qtbot.mouseClick(dock.size_editors[0].plus, Qt.MouseButton.LeftButton)
    assert session.network.layers == [3, 3, 1]
    np.testing.assert_array_equal(session.dataset.x[:, 2], 0.0)
    assert "padded with 0" in dock.message.text() and dock.message.isVisibleTo(dock)
    session.undo_stack.undo()  # one step undoes network and data
    assert session.network.layers == [2, 3, 1]
    assert session.dataset.x.shape == (4, 2)


def test_no_view_sees_a_network_and_samples_of_different_widths(qtbot, layers):
    session, dock = layers
    seen = []

    def widths(*_args):
        seen.append((session.network.layers[0], session.dataset.x.shape[1],
                     session.network.layers[-1], session.dataset.y.shape[1]))

    for signal in (session.structure_changed, session.parameters_changed,
                   session.data_changed, session.sample_changed):
        signal.connect(widths)
    qtbot.mouseClick(dock.size_editors[0].plus, Qt.MouseButton.LeftButton)
    session.undo_stack.undo()
    session.undo_stack.redo()
    qtbot.mouseClick(dock.size_editors[2].plus, Qt.MouseButton.LeftButton)
    assert session.network.layers == [3, 3, 2]
    np.testing.assert_array_equal(session.dataset.y[:, 1], 0.0)
    assert {s[:2] for s in seen} == {(3, 3), (2, 2)}
    assert all(n_out == y_width for *_, n_out, y_width in seen)


def test_cutting_inputs_keeps_the_other_values(qtbot, layers):
    session, dock = layers
    assert dock.set_layer_size(0, 1)
    np.testing.assert_array_equal(session.dataset.x[:, 0], [0, 0, 1, 1])
    assert session.undo_stack.undoText() == "Remove input"
    assert "cut to 1 columns" in dock.message.text()


def test_generated_data_refuse_another_input_size(qtbot):
    session = xor_session(DataSpec(generator="xor", n=8, noise=0.0, seed=0))
    dock = LayersDock(session)
    qtbot.addWidget(dock)
    qtbot.mouseClick(dock.size_editors[0].plus, Qt.MouseButton.LeftButton)
    assert session.network.layers == [2, 3, 1]
    assert session.undo_stack.count() == 0
    assert "“xor” generator makes samples with 2 inputs" in dock.message.text()
    assert dock.size_boxes[0].value() == 2


def test_leaky_slope_is_edited_for_leaky_relu(qtbot, layers):
    session, dock = layers
    assert not dock.slope.isEnabled()
    dock.activation_boxes[1].setCurrentIndex(dock.activation_boxes[1].findData("leaky_relu"))
    assert dock.slope.isEnabled()
    type_into(qtbot, dock.slope, "0.2")
    assert session.network.leaky_slope == 0.2
    assert session.undo_stack.undoText() == "Set leaky ReLU slope α = 0.2"


# -- data ----------------------------------------------------------------------------

@pytest.fixture
def data(qtbot):
    session = xor_session()
    dock = DataDock(session)
    qtbot.addWidget(dock)
    dock.show()
    return session, dock


def edit_cell(qtbot, table, row, column, text):
    index = table.model().index(row, column)
    table.setCurrentIndex(index)
    table.edit(index)
    editor = table.viewport().findChild(QLineEdit)
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # the delegate commits and closes the editor from the event loop
    qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState)


def test_editing_a_cell_changes_the_sample(qtbot, data):
    session, dock = data
    assert dock.model.headerData(2, Qt.Orientation.Horizontal) == "y₁"
    edit_cell(qtbot, dock.table, 1, 0, "0.5")
    assert session.dataset.x[1, 0] == 0.5
    assert session.undo_stack.undoText() == "Set sample 2 x₁ = 0.5"
    session.undo_stack.undo()
    assert session.dataset.x[1, 0] == 0.0
    assert dock.model.text(1, 0) == "0"


def test_a_cell_that_is_not_a_number_is_refused(qtbot, data):
    session, dock = data
    edit_cell(qtbot, dock.table, 1, 2, "abc")
    assert session.dataset.y[1, 0] == 1.0
    assert dock.model.text(1, 2) == "1"
    assert session.undo_stack.count() == 0
    assert "“abc” is not a number" in dock.message.text()


def test_selecting_a_row_shows_that_sample(qtbot, data):
    session, dock = data
    dock.table.selectRow(2)
    assert session.current_sample == 2
    assert dock.current_label.text() == "Sample 3 of 4"
    assert dock.model.headerData(2, Qt.Orientation.Vertical) == "▶ 3"
    assert dock.model.headerData(0, Qt.Orientation.Vertical) == "1"
    qtbot.mouseClick(dock.next_button, Qt.MouseButton.LeftButton)
    assert session.current_sample == 3
    qtbot.mouseClick(dock.next_button, Qt.MouseButton.LeftButton)
    assert session.current_sample == 0  # wraps around
    qtbot.mouseClick(dock.previous_button, Qt.MouseButton.LeftButton)
    assert session.current_sample == 3


def test_adding_and_removing_samples(qtbot, data):
    session, dock = data
    session.set_current_sample(1)
    shown = []
    session.sample_changed.connect(shown.append)
    qtbot.mouseClick(dock.add_sample_button, Qt.MouseButton.LeftButton)
    assert len(session.dataset) == 5 and session.current_sample == 4
    assert shown == [4]  # the new sample, told once
    assert dock.model.headerData(4, Qt.Orientation.Vertical) == "▶ 5"
    np.testing.assert_array_equal(session.dataset.x[4], [0, 1])
    assert dock.model.rowCount() == 5
    session.set_current_sample(0)
    qtbot.mouseClick(dock.remove_sample_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(session.dataset.x[:, 0], [0, 1, 1, 0])
    assert session.undo_stack.undoText() == "Remove sample 1"


def test_generator_that_does_not_fit_the_network_is_refused(qtbot, lecture_example):
    session = Session(lecture_example)
    dock = DataDock(session)
    qtbot.addWidget(dock)
    qtbot.mouseClick(dock.generator_button, Qt.MouseButton.LeftButton)
    assert dock.generator.currentData() == "sine"  # the one that suits 1 input, 1 output
    dock.generator.setCurrentIndex(dock.generator.findData("xor"))
    assert "“xor” makes samples with 2 inputs" in dock.generator_message.text()
    assert not dock.apply_button.isEnabled()
    dock.generator.setCurrentIndex(dock.generator.findData("sine"))
    assert dock.apply_button.isEnabled()
    type_into(qtbot, dock.count, "20")
    qtbot.mouseClick(dock.apply_button, Qt.MouseButton.LeftButton)
    assert len(session.dataset) == 20 and session.scenario.data.generator == "sine"
    assert dock.model.rowCount() == 20
    session.undo_stack.undo()
    assert len(session.dataset) == 1 and dock.samples_button.isChecked()


# -- training ------------------------------------------------------------------------

@pytest.fixture
def training(qtbot, lecture_example):
    session = Session(lecture_example)
    dock = TrainingDock(session)
    qtbot.addWidget(dock)
    dock.show()
    return session, dock


def test_learning_rate_edit(qtbot, training):
    session, dock = training
    assert dock.learning_rate.text() == "1"
    type_into(qtbot, dock.learning_rate, "0.5")
    assert session.scenario.training.learning_rate == 0.5
    assert session.undo_stack.undoText() == "Set learning rate = 0.5"
    session.undo_stack.undo()
    assert session.scenario.training.learning_rate == 1.0
    assert dock.learning_rate.text() == "1"
    type_into(qtbot, dock.learning_rate, "-1")
    assert dock.learning_rate.message_text() == "Must be greater than 0; kept 1"
    assert session.undo_stack.count() == 1  # only the undone edit


def test_loss_batch_and_biases_settings(qtbot, training):
    session, dock = training
    dock.loss.setCurrentIndex(dock.loss.findData("half_sse"))
    assert session.scenario.training.loss == "half_sse"
    assert "½" in dock.loss.toolTip()
    dock.batch.setValue(1)
    assert session.scenario.training.batch_size == 1
    dock.batch.setValue(0)
    assert session.scenario.training.batch_size is None
    assert session.undo_stack.undoText() == "Use full batch"
    qtbot.mouseClick(dock.train_biases, Qt.MouseButton.LeftButton)
    assert session.scenario.training.train_biases is True


def test_reinitialize_changes_weights_and_undo_restores_them(qtbot, training):
    session, dock = training
    dock.scheme.setCurrentIndex(dock.scheme.findData("uniform"))
    type_into(qtbot, dock.init_params["a"], "1")
    type_into(qtbot, dock.init_params["b"], "2")
    type_into(qtbot, dock.init_seed, "5")
    qtbot.mouseClick(dock.reinitialize_button, Qt.MouseButton.LeftButton)
    w = session.network.weights[0][0, 0]
    assert 1.0 <= w <= 2.0
    assert session.scenario.init == InitSpec("uniform", 5, {"a": 1.0, "b": 2.0})
    session.undo_stack.undo()
    assert session.network.weights[0][0, 0] == 0.1
    assert dock.scheme.currentData() == "constant"  # the lecture example's: w = 0.1


def test_reinitialize_refuses_reversed_bounds(qtbot, training):
    session, dock = training
    dock.scheme.setCurrentIndex(dock.scheme.findData("uniform"))
    type_into(qtbot, dock.init_params["a"], "3")
    qtbot.mouseClick(dock.reinitialize_button, Qt.MouseButton.LeftButton)
    assert session.undo_stack.count() == 0
    assert "lower bound" in dock.message.text()


# -- every control explains itself ---------------------------------------------------

@pytest.mark.parametrize("make_dock", [
    lambda s: InspectorDock(s), lambda s: LayersDock(s), lambda s: DataDock(s),
    lambda s: TrainingDock(s)])
def test_every_control_has_a_name_and_a_tooltip(qtbot, make_dock):
    from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QComboBox, QSlider,
                                   QTableView)
    session = xor_session()
    dock = make_dock(session)
    qtbot.addWidget(dock)
    if isinstance(dock, InspectorDock):
        dock.show_selection(("weight", 1, 0, 0))
    controls = [w for kind in (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit,
                               QTableView, QSlider)
                for w in dock.widget().findChildren(kind)
                # not the parts Qt builds inside a spin box or a table
                if not isinstance(w.parent(), QAbstractSpinBox)
                and w.objectName() != "qt_tableview_cornerbutton"]
    assert len(controls) >= 3
    unnamed = [w for w in controls if not w.accessibleName() or not w.toolTip()]
    assert unnamed == []


# -- every value a dock accepts can be saved and opened again ------------------------
#
# Each setting of the settings table is set as a teacher would (typing into its field,
# choosing, clicking), the scenario is saved with bpsim.io.save and opened with
# bpsim.io.load, and what comes back is what was set: the docks and the loader read
# their ranges from the same table.

def _typed(value) -> str:
    """What a person types for ``value``: Python's shortest round-trip text."""
    return str(value) if isinstance(value, int) else repr(float(value))


def accepted_values(setting) -> list:
    """The setting's extreme accepted values (an end itself when closed, the nearest
    number inside when open, ±10³⁰⁰ when unbounded) and its default."""
    if setting.kind == "bool":
        return [True, False]
    if setting.kind == "choice":
        return list(setting.choices)
    integer = setting.kind == "int"

    def inside(end, is_open, towards):
        if end is None:
            return -1e300 if towards > 0 else 1e300
        if not is_open:
            return int(end) if integer else float(end)
        return int(end) + towards if integer else math.nextafter(end, towards * math.inf)

    values = [inside(setting.minimum, setting.minimum_open, +1),
              inside(setting.maximum, setting.maximum_open, -1)]
    values.append(setting.default)  # a typical value (None: the batch size's full batch)
    return values


def just_outside(setting) -> list:
    """Numbers just beyond each end of the range: the docks refuse them, as the loader does."""
    integer = setting.kind == "int"
    values = []
    for end, is_open, away in ((setting.minimum, setting.minimum_open, -1),
                               (setting.maximum, setting.maximum_open, +1)):
        if end is not None:
            values.append(end if is_open else
                          int(end) + away if integer else math.nextafter(end, away * math.inf))
    return values


def softmax_session() -> Session:
    """A network every loss suits: a softmax output of 2 neurons, one-hot targets."""
    network = Network([2, 3, 2], ["tanh", "softmax"],
                      [np.full((3, 2), 0.1), np.full((2, 3), 0.2)], [np.zeros(3), np.zeros(2)])
    samples = [([0, 0], [1, 0]), ([0, 1], [0, 1]), ([1, 0], [0, 1]), ([1, 1], [1, 0])]
    return Session(Scenario(network, TrainingSettings("mse", 0.5),
                            DataSpec.from_samples(samples), InitSpec("xavier_uniform", 1)))


def generator_session(name: str = "xor") -> Session:
    """A network of the generator's widths, trained on its samples."""
    n_in, n_out = GENERATOR_SHAPES[name]
    network = Network([n_in, 3, n_out], ["tanh", "sigmoid"],
                      [np.full((3, n_in), 0.1), np.full((n_out, 3), 0.2)],
                      [np.zeros(3), np.zeros(n_out)])
    return Session(Scenario(network, TrainingSettings("mse", 0.5),
                            DataSpec(generator=name, n=8, noise=0.0, seed=0)))


def type_into_spin_box(qtbot, box, text: str) -> None:
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def _training_dock(qtbot, session) -> TrainingDock:
    dock = TrainingDock(session)
    qtbot.addWidget(dock)
    dock.show()
    return dock


def _set_training_field(attribute):
    def set_value(qtbot, session, value):
        dock = _training_dock(qtbot, session)
        type_into(qtbot, getattr(dock, attribute), _typed(value))
        return dock
    return set_value


def _set_batch_size(qtbot, session, value):
    dock = _training_dock(qtbot, session)
    if value is None:  # "Full batch" sits one below 1
        type_into_spin_box(qtbot, dock.batch, "1")
        qtbot.keyClick(dock.batch, Qt.Key.Key_Down)
        assert dock.batch.text() == "Full batch"
    else:
        type_into_spin_box(qtbot, dock.batch, str(value))
    return dock


def _set_shuffle_seed(qtbot, session, value):
    dock = _training_dock(qtbot, session)
    type_into_spin_box(qtbot, dock.batch, "2")  # the seed orders mini-batches only
    type_into(qtbot, dock.shuffle_seed, _typed(value))
    return dock


def _set_train_biases(qtbot, session, value):
    dock = _training_dock(qtbot, session)
    for _ in range(2):
        if dock.train_biases.isChecked() != value:
            qtbot.mouseClick(dock.train_biases, Qt.MouseButton.LeftButton)
    return dock


def _set_regularization(qtbot, session, value):
    dock = _training_dock(qtbot, session)
    dock.regularization.setCurrentIndex(dock.regularization.findData(value))
    return dock


def _set_test_fraction(qtbot, session, value):
    dock = DataDock(session)
    qtbot.addWidget(dock)
    dock.show()
    type_into(qtbot, dock.test_fraction, _typed(value))
    return dock


def _set_loss(qtbot, session, value):
    dock = _training_dock(qtbot, session)
    dock.loss.setCurrentIndex(dock.loss.findData(value))
    assert dock.message.isHidden(), dock.message.text()
    return dock


def _set_optimizer(qtbot, session, value):
    dock = _training_dock(qtbot, session)
    dock.optimizer.setCurrentIndex(dock.optimizer.findData(value))
    return dock


def _optimizer_session(optimizer):
    def make():
        scenario = softmax_session().scenario
        scenario.training = replace(scenario.training, optimizer=optimizer)
        return Session(scenario)
    return make


def _reinitialize_with(scheme, **typed):
    def set_value(qtbot, session, value):
        dock = _training_dock(qtbot, session)
        dock.scheme.setCurrentIndex(dock.scheme.findData(scheme or value))
        for param, text in typed.items():
            field = dock.init_seed if param == "seed" else dock.init_params[param]
            type_into(qtbot, field, text.format(_typed(value)))
        qtbot.mouseClick(dock.reinitialize_button, Qt.MouseButton.LeftButton)
        assert dock.message.isHidden(), dock.message.text()
        return dock
    return set_value


def _layers_dock(qtbot, session) -> LayersDock:
    dock = LayersDock(session)
    qtbot.addWidget(dock)
    dock.show()
    return dock


def _set_leaky_slope(qtbot, session, value):
    dock = _layers_dock(qtbot, session)
    qtbot.keyClicks(dock.activation_boxes[1], "Leaky")  # the slope acts on leaky ReLU
    type_into(qtbot, dock.slope, _typed(value))
    return dock


def _set_activation(qtbot, session, value):
    dock = _layers_dock(qtbot, session)
    output = len(session.network.layers) - 1  # softmax is offered there only
    combo = dock.activation_boxes[output]
    combo.setCurrentIndex(combo.findData(value))
    return dock


def _set_layer_size(qtbot, session, value):
    dock = _layers_dock(qtbot, session)
    type_into_spin_box(qtbot, dock.size_boxes[1], str(value))
    return dock


def _set_layer_count(qtbot, session, value):
    dock = _layers_dock(qtbot, session)
    while len(session.network.layers) < value:
        dock.table.selectRow(1)
        qtbot.mouseClick(dock.add_layer_button, Qt.MouseButton.LeftButton)
    while len(session.network.layers) > value:
        dock.table.selectRow(1)
        qtbot.mouseClick(dock.remove_layer_button, Qt.MouseButton.LeftButton)
    return dock


def _generate_with(field_name):
    def set_value(qtbot, session, value):
        dock = DataDock(session)
        qtbot.addWidget(dock)
        dock.show()
        qtbot.mouseClick(dock.generator_button, Qt.MouseButton.LeftButton)
        if field_name == "generator":
            dock.generator.setCurrentIndex(dock.generator.findData(value))
        else:
            dock.generator.setCurrentIndex(dock.generator.findData("xor"))
            type_into(qtbot, getattr(dock, field_name), _typed(value))
        if field_name != "count":
            type_into(qtbot, dock.count, "3")  # a new data set, whatever else is typed
        qtbot.mouseClick(dock.apply_button, Qt.MouseButton.LeftButton)
        assert dock.generator_message.isHidden(), dock.generator_message.text()
        return dock
    return set_value


def _any(make_session):
    return lambda _value: make_session()


#: each setting: the session to start from (given the value), how a person sets it
#: (returning the dock used), where the scenario keeps it
DOCK_SETTINGS = {
    "loss": (_any(softmax_session), _set_loss, lambda s: s.training.loss),
    "learning_rate": (_any(softmax_session), _set_training_field("learning_rate"),
                      lambda s: s.training.learning_rate),
    "momentum": (_any(softmax_session), _set_training_field("momentum"),
                 lambda s: s.training.momentum),
    "optimizer": (_any(softmax_session), _set_optimizer, lambda s: s.training.optimizer),
    # each field is enabled under an optimizer that uses it
    "rho": (_any(_optimizer_session("rmsprop")), _set_training_field("rho"),
            lambda s: s.training.rho),
    "beta1": (_any(_optimizer_session("adam")), _set_training_field("beta1"),
              lambda s: s.training.beta1),
    "beta2": (_any(_optimizer_session("adam")), _set_training_field("beta2"),
              lambda s: s.training.beta2),
    "epsilon": (_any(_optimizer_session("adam")), _set_training_field("epsilon"),
                lambda s: s.training.epsilon),
    "batch_size": (_any(softmax_session), _set_batch_size, lambda s: s.training.batch_size),
    "train_biases": (_any(softmax_session), _set_train_biases, lambda s: s.training.train_biases),
    "shuffle_seed": (_any(softmax_session), _set_shuffle_seed, lambda s: s.training.seed),
    "init_scheme": (_any(softmax_session), _reinitialize_with(None), lambda s: s.init.scheme),
    "init_seed": (_any(softmax_session), _reinitialize_with("he_normal", seed="{}"),
                  lambda s: s.init.seed),
    # a ≤ b: the other bound is typed equal first
    "init_a": (_any(softmax_session), _reinitialize_with("uniform", b="{}", a="{}"),
               lambda s: s.init.param("a")),
    "init_b": (_any(softmax_session), _reinitialize_with("uniform", a="{}", b="{}"),
               lambda s: s.init.param("b")),
    "init_sigma": (_any(softmax_session), _reinitialize_with("normal", sigma="{}"),
                   lambda s: s.init.param("sigma")),
    "init_c": (_any(softmax_session), _reinitialize_with("constant", c="{}"),
               lambda s: s.init.param("c")),
    "activation": (_any(generator_session), _set_activation,
                   lambda s: s.network.activations[-1]),
    "leaky_slope": (_any(softmax_session), _set_leaky_slope, lambda s: s.network.leaky_slope),
    "layer_size": (_any(softmax_session), _set_layer_size, lambda s: s.network.layers[1]),
    "layer_count": (_any(softmax_session), _set_layer_count, lambda s: len(s.network.layers)),
    "generator": (generator_session, _generate_with("generator"), lambda s: s.data.generator),
    "sample_count": (_any(generator_session), _generate_with("count"), lambda s: s.data.n),
    "noise": (_any(generator_session), _generate_with("noise"), lambda s: s.data.noise),
    "data_seed": (_any(generator_session), _generate_with("seed"), lambda s: s.data.seed),
    "regularization": (_any(softmax_session), _set_regularization,
                       lambda s: s.training.regularization),
    "regularization_rate": (_any(softmax_session),
                            _set_training_field("regularization_rate"),
                            lambda s: s.training.regularization_rate),
    "test_fraction": (_any(generator_session), _set_test_fraction,
                      lambda s: s.data.test_fraction),
}

ROUND_TRIPS = [(name, value) for name, setting in settings_spec.SETTINGS.items()
               for value in accepted_values(setting)]


def test_every_setting_of_the_table_is_set_in_some_dock():
    assert set(DOCK_SETTINGS) == set(settings_spec.SETTINGS)


@pytest.mark.parametrize("name, value", ROUND_TRIPS,
                         ids=[f"{name}={value!r}" for name, value in ROUND_TRIPS])
def test_every_value_a_dock_accepts_is_saved_and_opened_again(qtbot, tmp_path, name, value):
    make_session, set_value, read = DOCK_SETTINGS[name]
    session = make_session(value)
    dock = set_value(qtbot, session, value)
    assert dock.isVisible()
    assert read(session.scenario) == value  # the dock took it
    path = tmp_path / "saved.bpsim.json"
    io.save(session.scenario, path)
    opened = io.load(path)
    assert read(opened) == value
    assert io.to_dict(opened) == io.to_dict(session.scenario)


NUMBER_FIELDS = {"learning_rate": "learning_rate", "momentum": "momentum",
                 "shuffle_seed": "shuffle_seed", "init_seed": "init_seed",
                 "init_sigma": "sigma"}
REFUSALS = [(name, value) for name in NUMBER_FIELDS
            for value in just_outside(settings_spec.get(name))]


@pytest.mark.parametrize("name, value", REFUSALS,
                         ids=[f"{name}={value!r}" for name, value in REFUSALS])
def test_a_training_dock_field_refuses_what_the_loader_refuses(qtbot, name, value):
    setting = settings_spec.get(name)
    with pytest.raises(ValueError):
        setting.check(value)
    session = softmax_session()
    dock = _training_dock(qtbot, session)
    type_into_spin_box(qtbot, dock.batch, "2")  # the shuffle seed orders mini-batches
    attribute = NUMBER_FIELDS[name]
    field = dock.init_params.get(attribute) or getattr(dock, attribute)
    before = field.value()
    type_into(qtbot, field, _typed(value))
    assert field.value() == before
    assert field.message_text() == f"Must be {setting.describe_range()}; kept {field.text()}"


@pytest.mark.parametrize("name", ["count", "noise", "seed"])
def test_a_generator_field_refuses_what_the_loader_refuses(qtbot, name):
    session = generator_session()
    dock = DataDock(session)
    qtbot.addWidget(dock)
    field = getattr(dock, name)
    for value in just_outside(field.setting):
        with pytest.raises(ValueError):
            field.setting.check(value)
        type_into(qtbot, field, _typed(value))
        assert field.message_text().startswith(f"Must be {field.setting.describe_range()}")


def test_layers_dock_refuses_an_output_activation_the_loss_cannot_use(qtbot):
    """bce needs outputs in (0, 1): a ReLU output would make a file the loader refuses,
    so the dock refuses it with Scenario.check's reason and the network stays."""
    session = xor_session()
    session.undo_stack.push(commands.SetTrainingCommand(
        session, replace(session.scenario.training, loss="bce"), "Set loss"))
    dock = LayersDock(session)
    qtbot.addWidget(dock)
    dock.show()
    qtbot.keyClicks(dock.activation_boxes[2], "ReLU")
    assert session.network.activations == ["sigmoid", "sigmoid"]
    assert dock.activation_boxes[2].currentData() == "sigmoid"
    assert "bce" in dock.message.text() or "sigmoid" in dock.message.text()
    session.scenario.check()  # what the window holds still opens again
