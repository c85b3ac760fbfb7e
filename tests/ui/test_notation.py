"""One notation: every index a person reads counts from 1, and the layers are numbered
as the scenario (or View ▸ Number layers as the lecture) says, in every view."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bpsim import io
from bpsim.network import Network
from bpsim.notation.symbols import Numbering
from bpsim.scenario import DataSpec, Scenario
from bpsim.training import TrainingSettings
from bpsim.ui import commands
from bpsim.ui.canvas import NetworkCanvas
from bpsim.ui.dialogs.gradcheck import parameter_name
from bpsim.ui.docks import InspectorDock
from bpsim.ui.docks.math import MathDock
from bpsim.ui.playback.animator import Animator
from bpsim.ui.session import Session

NUMBERINGS = [0, 1]


def wide(input_layer: int = 0) -> Scenario:
    """2 inputs, 3 hidden, 2 outputs, two samples."""
    rng = np.random.default_rng(4)
    layers = [2, 3, 2]
    weights = [rng.normal(0, 0.8, (n, m)) for m, n in zip(layers[:-1], layers[1:])]
    biases = [rng.normal(0, 0.3, n) for n in layers[1:]]
    return Scenario(Network(layers, ["sigmoid", "sigmoid"], weights, biases),
                    TrainingSettings("mse", 0.5),
                    DataSpec.from_samples([([0.5, -1.0], [1.0, 0.0]),
                                           ([1.5, 0.2], [0.0, 1.0])]),
                    numbering=Numbering(input_layer))


@pytest.fixture
def views(qtbot):
    def make(input_layer):
        session = Session(wide(input_layer))
        canvas = NetworkCanvas(session)
        math = MathDock(session, canvas)
        inspector = InspectorDock(session, canvas)
        for widget in (canvas, math, inspector):
            qtbot.addWidget(widget)
        return session, canvas, math, inspector
    return make


@pytest.mark.parametrize("input_layer", NUMBERINGS)
def test_canvas_tooltips_count_from_one(views, input_layer):
    session, canvas, _, _ = views(input_layer)
    hidden = 1 + input_layer
    assert canvas.describe(("neuron", 0, 1)).startswith("Input 2: x₂")
    assert canvas.describe(("neuron", 1, 0)).startswith(f"Neuron 1 of layer {hidden}")
    weight = canvas.describe(("weight", 2, 1, 2))
    assert weight.startswith("w⁽²⁾[2,3] = ")
    assert f"from neuron 3 of layer {hidden} to neuron 2 of layer {hidden + 1}" in weight
    assert "bias b⁽¹⁾[3]" in canvas.describe(("bias", 1, 2))


@pytest.mark.parametrize("input_layer", NUMBERINGS)
def test_inspector_titles_count_from_one(views, input_layer):
    session, canvas, _, inspector = views(input_layer)
    canvas.select(("neuron", 1, 0))
    assert inspector.neuron_title.text() == f"Neuron 1 of layer {1 + input_layer}"
    assert "sample 1 of 2" in inspector.neuron_where.text()
    canvas.select(("weight", 2, 1, 0))
    assert inspector.parameter_title.text() == "w⁽²⁾[2,1]"
    assert f"neuron 1 of layer {1 + input_layer} (hidden)" in inspector.parameter_where.text()


@pytest.mark.parametrize("input_layer", NUMBERINGS)
def test_math_dock_counts_from_one_and_follows_the_numbering(views, input_layer):
    session, canvas, math, _ = views(input_layer)
    canvas.select(("neuron", 1, 2))
    # the dock's plain text drops the raised and lowered marks: z⁽²⁾₃ reads z(2)3
    text = math.text()
    assert f"Neuron 3 of layer {1 + input_layer}" in text
    assert f"z({1 + input_layer})3" in text
    assert "x1" in text and "x0" not in text
    canvas.select(("weight", 2, 0, 1))
    text = math.text()
    assert "W(2)1,2" in text and f"a({1 + input_layer})2" in text


def test_math_dock_follows_a_change_of_numbering(views):
    session, canvas, math, inspector = views(0)
    canvas.select(("neuron", 1, 0))
    assert "Neuron 1 of layer 1" in math.text()
    session.undo_stack.push(commands.SetNumberingCommand(session, Numbering(1)))
    math._ensure_fresh()
    assert "Neuron 1 of layer 2" in math.text()
    assert inspector.neuron_title.text() == "Neuron 1 of layer 2"
    assert session.undo_stack.undoText() == "Number layers as the lecture"
    session.undo_stack.undo()
    assert session.scenario.numbering == Numbering(0)


@pytest.mark.parametrize("input_layer", NUMBERINGS)
def test_banner_names_layers_in_the_numbering(qtbot, input_layer):
    session = Session(wide(input_layer))
    animator = Animator(session)
    animator.set_phase_ms(0)
    animator.next_phase()
    assert animator.phase_name() == f"Forward · layer {1 + input_layer} of {2 + input_layer}"


def test_gradient_check_rows_count_from_one():
    assert parameter_name("weight", 2, (0, 1)) == "W⁽²⁾₁,₂"
    assert parameter_name("bias", 1, (2,)) == "b⁽¹⁾₃"


def test_undo_texts_count_from_one(qtbot):
    session = Session(wide())
    session.undo_stack.push(commands.SetWeightCommand(session, 2, 1, 0, 0.5))
    assert session.undo_stack.undoText() == "Set w⁽²⁾[2,1] = 0.5"
    session.undo_stack.push(commands.SetBiasCommand(session, 1, 2, -1.0))
    assert session.undo_stack.undoText() == "Set b⁽¹⁾[3] = −1"


def test_output_labels_keep_their_meaning_through_a_step(window, tmp_path):
    path = tmp_path / "wide.bpsim.json"
    io.save(wide(), path)
    assert window.open_path(path)
    canvas, animator = window.canvas, window.animator
    animator.set_phase_ms(0)
    before = [canvas.output_text(k).split(" =")[0] for k in range(2)]
    assert before == ["ŷ₁", "ŷ₂"]
    for _ in range(4):
        animator.next_phase()
        assert [canvas.output_text(k).split(" =")[0] for k in range(2)] == before


def test_view_action_numbers_layers_as_the_lecture_and_is_saved(window, tmp_path):
    action = window.action("lecture_numbering")
    assert not action.isChecked()
    action.trigger()
    assert window.session.scenario.numbering == Numbering(1)
    assert window.session.modified
    path = tmp_path / "saved.bpsim.json"
    io.save(window.session.scenario, path)
    assert json.loads(path.read_text())["notation"] == {"input_layer": 1}
    window.session.undo_stack.undo()
    assert not action.isChecked()


def test_the_punchline_scenario_opens_numbered_as_the_lecture(window):
    assert window.new_from_builtin("lecture-punchline")
    assert window.action("lecture_numbering").isChecked()
    window.canvas.select(("weight", 3, 0, 0))
    text = window.math_dock.text()
    # plain text of the dock: ∂J over ∂W(3) on lines of their own, then each step
    for layer, formula in ((3, "(ŷ − y) · a(3)"),
                           (2, "(ŷ − y) · W(3) · σ′(z(3)) · a(2)"),
                           (1, "(ŷ − y) · W(3) · σ′(z(3)) · W(2) · σ′(z(2)) · X")):
        assert f"∂W({layer})\n\n\n=\n{formula}\n" in text


def test_the_choice_is_remembered_for_new_documents(window):
    window.action("lecture_numbering").trigger()
    window.session.undo_stack.setClean()  # nothing to ask about when opening another
    assert window.new_from_builtin("xor")
    assert window.session.scenario.numbering == Numbering(1)
    assert window.action("lecture_numbering").isChecked()
    assert not window.session.modified  # a new document, numbered as remembered
    window.action("lecture_numbering").trigger()  # off again: remembered too
    window.session.undo_stack.setClean()
    assert window.new_from_builtin("xor")
    assert window.session.scenario.numbering == Numbering(0)
