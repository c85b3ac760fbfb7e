"""The Computational graph dock: the selected neuron's values and gradients, from the
engine's records, filled in the order backpropagation computes them."""

import pytest

from bpsim.notation.numbers import format_number
from bpsim.notation.symbols import Numbering
from bpsim.trace import BackwardRecord
from bpsim.ui.canvas import NetworkCanvas
from bpsim.ui.docks.comp_graph import HINT_TEXT, UNKNOWN, CompGraphDock
from bpsim.ui.session import Session


@pytest.fixture
def graph_dock(qtbot):
    def make(scenario):
        session = Session(scenario)
        canvas = NetworkCanvas(session)
        qtbot.addWidget(canvas)
        dock = CompGraphDock(session, canvas)
        qtbot.addWidget(dock)
        dock.resize(900, 500)
        dock.show()
        return session, canvas, dock
    return make


def grad_shown(dock, key):
    """The number written in a box's grad cell ("?" before the backward pass)."""
    return dock.view.texts()[key][1].split("grad ")[1]


def data_shown(dock, key):
    return dock.view.texts()[key][0].removeprefix("data ")


def test_lecture_example_shows_the_lectures_minus_4_2(graph_dock, lecture_example):
    session, canvas, dock = graph_dock(lecture_example)
    canvas.select(("weight", 1, 0, 0))
    assert all(grad_shown(dock, key) == UNKNOWN for key in dock.view.texts())
    record = session.train(1)[0]
    backward = record.backward_for(1)
    assert grad_shown(dock, "w0") == "−4.2" == format_number(backward.grad_weights[0, 0])
    assert data_shown(dock, "p0") == "0.3" and data_shown(dock, "x0") == "3"
    assert grad_shown(dock, "z") == format_number(backward.delta[0, 0])  # δ = −1.4
    assert grad_shown(dock, "a") == format_number(backward.grad_a[0, 0])
    assert "∂(w·a)/∂w = a = 3" in dock.view.edge_labels()
    assert "A batch of one" in dock.text() and "step 1" in dock.text()


def test_backward_phase_fills_the_layers_gradients_in_turn(graph_dock, xor):
    session, canvas, dock = graph_dock(xor)
    canvas.select(("weight", 1, 1, 0))  # into neuron 2 of the hidden layer
    assert dock.target == (1, 1, 0)
    records = []
    while not any(isinstance(r, BackwardRecord) for r in records):
        records.append(session.next_phase())  # forward 1, 2, the loss, backward 2
    forward = records[0]
    row = dock.sample_row()
    assert data_shown(dock, "z") == format_number(forward.z[row, 1])
    assert data_shown(dock, "a") == format_number(forward.a[row, 1])
    # the backward pass is at the output layer: this layer's gradients are unknown
    assert {grad_shown(dock, key) for key in dock.view.texts()} == {UNKNOWN}
    assert "not reached this layer" in dock.text()
    backward = session.next_phase()
    assert isinstance(backward, BackwardRecord) and backward.layer == 1
    assert grad_shown(dock, "z") == format_number(backward.delta[row, 1])
    assert grad_shown(dock, "a") == format_number(backward.grad_a[row, 1])
    assert dock.graph.node("w0").grad == pytest.approx(
        backward.delta[row, 1] * forward.inputs[row, 0])
    # a batch of four: the record's sum under the weight
    assert f"Σ = {format_number(backward.grad_weights[1, 0])}" in dock.text()
    assert "not reached" not in dock.text()


def test_follows_the_selection(graph_dock, xor):
    session, canvas, dock = graph_dock(xor)
    assert HINT_TEXT in dock.text() and dock.graph is None
    record = session.train(1)[0]
    canvas.select(("neuron", 2, 0))
    assert dock.graph.layer == 2 and "Neuron 1 of layer 2" in dock.text()
    assert data_shown(dock, "a") == format_number(record.forward[1].a[dock.sample_row(), 0])
    canvas.select(("bias", 1, 1))
    assert dock.target == (1, 1, None) and "b⁽¹⁾[2]" in dock.text()
    canvas.select(("weight", 2, 0, 1))
    assert [t.input for t in dock.graph.terms if t.weight.selected] == [1]
    canvas.select(("neuron", 0, 1))  # an input computes nothing
    assert dock.graph is None and HINT_TEXT in dock.text()


def test_names_follow_the_lecture_numbering(graph_dock, xor):
    session, canvas, dock = graph_dock(xor)
    session.train(1)
    canvas.select(("weight", 2, 0, 1))
    assert "z⁽²⁾[1]" in dock.text() and "a⁽¹⁾[2]" in dock.text()
    session.set_numbering(Numbering(1))
    assert "z⁽³⁾[1]" in dock.text() and "a⁽²⁾[2]" in dock.text()
    assert "w⁽²⁾[1,2]" in dock.text()  # W keeps its number
    assert "Neuron 1 of layer 3" in dock.text()


def test_view_menu_opens_the_dock_on_the_selection(window):
    window.canvas.select(("neuron", 1, 0))
    dock = window.docks["comp_graph"]
    assert dock.isHidden()
    window.action("comp_graph").trigger()
    assert not dock.isHidden() and dock.graph.layer == 1
