"""Every view that names a layer of neurons follows the scenario's layer numbering (the
input is layer 0, or layer 1 as the lecture), and follows a change of it at once;
W⁽ˡ⁾ keeps its number in both."""

from __future__ import annotations

from PySide6.QtCore import Qt

import pytest

from bpsim import cli
from bpsim.network import Network
from bpsim.notation.symbols import Numbering
from bpsim.ui import commands
from bpsim.ui.canvas import NetworkCanvas
from bpsim.ui.docks.layer_focus import LayerFocusDock
from bpsim.ui.docks.layers import LayersDock
from bpsim.ui.plots import create_plot_docks
from bpsim.ui.session import Session


def lecture(session: Session) -> None:
    session.undo_stack.push(commands.SetNumberingCommand(session, Numbering(1)))


@pytest.fixture
def xor_session(xor):
    return Session(xor)


def row_names(dock: LayersDock) -> list[str]:
    return [dock.table.item(r, 0).text() for r in range(dock.table.rowCount())]


def test_layers_dock_numbers_rows_and_undo_texts_as_the_numbering(qtbot, xor_session):
    session = xor_session
    dock = LayersDock(session)
    qtbot.addWidget(dock)
    assert row_names(dock) == ["0 · input", "1 · hidden", "2 · output"]
    lecture(session)
    assert row_names(dock) == ["1 · input", "2 · hidden", "3 · output"]
    assert dock.activation_boxes[1].accessibleName() == "Activation of layer 2"
    assert dock.size_editors[1].plus.accessibleName() == "Add neuron of layer 2"
    assert dock.set_layer_size(1, 3)
    assert session.undo_stack.undoText() == "Add neuron to layer 2"
    session.undo_stack.undo()  # the neuron
    session.undo_stack.undo()  # the numbering
    assert row_names(dock) == ["0 · input", "1 · hidden", "2 · output"]


def test_layer_focus_writes_a_z_delta_in_the_numbering_and_w_keeps_its_number(
        qtbot, xor_session):
    session = xor_session
    dock = LayerFocusDock(session)
    qtbot.addWidget(dock)
    dock.set_layer(2)
    assert dock.layer_combo.currentText().startswith("Layer 2 · ")
    assert "output" in dock.layer_combo.itemData(1, Qt.ItemDataRole.ToolTipRole)
    assert "z⁽²⁾ = W⁽²⁾ a⁽¹⁾ + b⁽²⁾" in dock.text()
    lecture(session)
    assert dock.layer == 2  # the same engine layer, now called 3
    assert dock.layer_combo.currentText().startswith("Layer 3 · ")
    text = dock.text()
    assert "z⁽³⁾ = W⁽²⁾ a⁽²⁾ + b⁽²⁾" in text
    assert "a⁽³⁾ = σ(z⁽³⁾)" in text
    dock.set_layer(1)
    assert "δ⁽²⁾ = (W⁽²⁾ᵀ δ⁽³⁾) ⊙ σ′(z⁽²⁾)" in dock.text()
    session.train(1)
    symbols = {p.block.symbol for p in dock.view.placed_blocks()}
    assert {"z⁽²⁾", "W⁽¹⁾", "a⁽¹⁾", "δ⁽³⁾", "∂J/∂W⁽¹⁾"} <= symbols
    assert "z⁽¹⁾" not in symbols


def test_canvas_focus_entry_names_the_layer_as_the_numbering(qtbot, xor_session):
    canvas = NetworkCanvas(xor_session)
    qtbot.addWidget(canvas)
    assert canvas.focus_action_text(1).startswith("Focus on layer 1:")
    lecture(xor_session)
    assert canvas.focus_action_text(1).startswith("Focus on layer 2:")


@pytest.fixture
def panels(qtbot):
    alive = []

    def build(session):
        docks = create_plot_docks(session)
        alive.extend(docks)
        for dock in docks:
            qtbot.addWidget(dock)
            dock.resize(800, 500)
            dock.show()
        return {d.objectName().removesuffix("_plot_dock"): d.widget() for d in docks}
    return build


def test_activation_curve_heading_and_readout_follow_the_numbering(panels, xor_session):
    session = xor_session
    curve = panels(session)["activation_curve"]
    curve.show_selection(("neuron", 1, 1))
    curve.controller.flush()
    assert "neuron 2 of layer 1" in curve.target_text
    assert "z⁽¹⁾₂ = " in curve._readout_text
    lecture(session)
    curve.controller.flush()
    assert "neuron 2 of layer 2" in curve.target_text
    assert "z⁽²⁾₂ = " in curve._readout_text


def test_gradient_legend_and_activation_columns_follow_the_numbering(panels, xor_session):
    session = xor_session
    shown = panels(session)
    gradients, histograms = shown["gradients"], shown["activations"]
    session.train(2)
    gradients.controller.flush()
    assert [item.text for _, item in gradients.legend.items] == [
        "layer 1 (input side)", "layer 2 (output)"]
    axis = histograms.plot.getAxis("bottom")
    assert axis.tickStrings([1.0, 2.0], 1, 1) == ["1 in", "2 out"]
    lecture(session)
    gradients.controller.flush()
    # the lecture's layer 2 is fed by W⁽¹⁾: the curves are named by their matrices
    assert [item.text for _, item in gradients.legend.items] == [
        "W⁽¹⁾ (input side)", "W⁽²⁾ (output)"]
    assert "W⁽¹⁾: " in gradients._readout_text
    assert axis.tickStrings([1.0, 2.0], 1, 1) == ["2 in", "3 out"]
    header, columns = histograms.data()
    assert columns[0] == [2, 3]


def test_gradcheck_names_the_worst_parameter_counting_from_one(capsys, monkeypatch):
    right = Network.gradients

    def first_weight_off(self, x, y, loss):
        value, grad_weights, grad_biases = right(self, x, y, loss)
        grad_weights = [g.copy() for g in grad_weights]
        grad_weights[0][0, 0] += 0.5  # the engine's W⁽¹⁾[0, 0]
        return value, grad_weights, grad_biases

    monkeypatch.setattr(Network, "gradients", first_weight_off)
    assert cli.main(["gradcheck", "xor"]) == 1
    out = capsys.readouterr().out
    assert " at W1[1, 1]," in out
