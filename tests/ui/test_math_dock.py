"""The Math dock follows the canvas selection and writes the chain rule with numbers."""

from __future__ import annotations

import numpy as np
import pytest

from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario
from bpsim.training import TrainingSettings
from bpsim.ui.canvas import NetworkCanvas
from bpsim.ui.commands import SetNetworkCommand, SetWeightCommand, train
from bpsim.ui.docks.math import MathDock, worked_example
from bpsim.ui.session import Session


def wide() -> Scenario:
    rng = np.random.default_rng(4)
    layers = [2, 3, 2]
    weights = [rng.normal(0, 0.8, (n, m)) for m, n in zip(layers[:-1], layers[1:])]
    biases = [rng.normal(0, 0.3, n) for n in layers[1:]]
    return Scenario(Network(layers, ["sigmoid", "sigmoid"], weights, biases),
                    TrainingSettings("mse", 0.5),
                    DataSpec.from_samples([([0.5, -1.0], [1.0, 0.0]), ([1.5, 0.2], [0.0, 1.0])]))


@pytest.fixture
def lecture_dock(qtbot, lecture_example):
    session = Session(lecture_example)
    canvas = NetworkCanvas(session)
    dock = MathDock(session, canvas)
    qtbot.addWidget(canvas)
    qtbot.addWidget(dock)
    return session, canvas, dock


def test_lecture_weight_before_and_after_a_step(lecture_dock):
    session, canvas, dock = lecture_dock
    canvas.select(("weight", 1, 0, 0))
    text = dock.text()
    # before any step: a preview computed on a copy, labelled as such
    assert "Preview of the next step" in text
    assert "2(0.3 − 1) · 3" in text and "−4.2" in text and "✓ engine: −4.2" in text
    assert "0.1 − 1 × (−4.2)" in text and "4.3" in text
    assert float(session.network.weights[0][0, 0]) == 0.1  # the preview changed nothing
    train(session, 1)
    text = dock.text()
    assert "Last step" in text
    assert "2(0.3 − 1) · 3" in text and "✓ engine: −4.2" in text
    assert "0.1 − 1 × (−4.2)" in text and "4.3" in text


def test_an_edit_after_the_step_shows_a_new_preview(lecture_dock):
    session, canvas, dock = lecture_dock
    canvas.select(("weight", 1, 0, 0))
    train(session, 1)
    session.undo_stack.push(SetWeightCommand(session, 1, 0, 0, 0.2))
    text = dock.text()
    assert "Preview of the next step" in text
    # ŷ = 0.2·3 = 0.6: ∂J/∂w = 2(0.6 − 1)·3 = −2.4, w_new = 0.2 + 2.4 = 2.6
    assert "2(0.6 − 1) · 3" in text and "−2.4" in text and "2.6" in text
    session.undo_stack.undo()  # back to the weights the step produced
    assert "Last step" in dock.text()


def test_neuron_and_loss_with_numbers(lecture_dock):
    session, canvas, dock = lecture_dock
    canvas.select(("neuron", 1, 0))
    text = dock.text()
    assert "0.1 · 3 + 0" in text and "0.3" in text
    canvas.select(None)
    text = dock.text()
    assert "(0.3 − 1)" in text and "0.49" in text


def test_formulas_are_projector_sized(lecture_dock):
    _, _, dock = lecture_dock
    assert dock.browser.document().defaultFont().pointSizeF() >= 14
    dock.set_font_scale(1.5)
    assert dock.browser.document().defaultFont().pointSizeF() >= 21


def test_several_paths_delta_form_and_one_path_expanded(qtbot):
    session = Session(wide())
    dock = MathDock(session)
    qtbot.addWidget(dock)
    dock.show_selection(("weight", 1, 2, 1))
    grad = dock.gradient
    assert grad.path_count == 2
    text = dock.text()
    assert "2 paths lead from" in text and "Σ" in text and "⊙" in text  # the δ form
    assert "✓ engine:" in text and "✗" not in text
    assert grad.path_sum() == pytest.approx(grad.engine_gradient, rel=1e-9)
    assert dock.path_combo.isVisibleTo(dock) and dock.path_combo.count() == 2

    with qtbot.waitSignal(dock.path_changed) as chosen:
        dock.path_combo.setCurrentIndex(1)
    path = chosen.args[0]
    assert path.edges == [(1, 2, 1), (2, 1, 2)]
    product = np.prod([f.value for f in dock.path_factors()])
    assert product == pytest.approx(grad.path_value(path.nodes, 0))
    assert "Path 2 of 2" in dock.text()
    # both paths of both samples add up to the engine's gradient
    paths = [p.value for b in range(grad.batch) for p in grad.paths(b)]
    assert sum(paths) == pytest.approx(grad.engine_gradient, rel=1e-9)


def test_a_single_path_hides_the_path_list(qtbot):
    session = Session(wide())
    dock = MathDock(session)
    qtbot.addWidget(dock)
    dock.show_selection(("weight", 2, 0, 1))
    assert dock.gradient.single_path
    assert not dock.path_combo.isVisibleTo(dock)
    assert dock.path_factors() is not None  # the one path, for the canvas


def test_selection_that_no_longer_exists_falls_back_to_the_loss(lecture_dock):
    session, canvas, dock = lecture_dock
    dock.show_selection(("weight", 1, 0, 0))
    smaller = Network([1, 2, 1], ["tanh", "identity"], [[[0.5], [0.1]], [[0.3, 0.2]]],
                      [[0.0, 0.0], [0.0]])
    session.undo_stack.push(SetNetworkCommand(session, smaller, "Add a layer"))
    dock.show_selection(("weight", 3, 0, 0))
    assert dock.selection is None
    assert "The loss" in dock.text()


def test_worked_example_of_the_shown_step(lecture_dock):
    session, _, _ = lecture_dock
    before = worked_example(session, "md")  # the preview: w = 0.1
    assert r"&= 0.1 - 1 \times \left(-4.2\right) \\" in before
    train(session, 1)
    assert worked_example(session, "md") == before  # the same step, now taken
    assert float(session.network.weights[0][0, 0]) == pytest.approx(4.3)
    train(session, 1)  # w = 4.3: ŷ = 12.9, ∂J/∂w = 2(12.9 − 1)·3 = 71.4
    assert r"2\left(12.9 - 1\right) \cdot 3" in worked_example(session, "md")


def test_a_shown_dock_follows_training_by_itself(lecture_dock, qtbot):
    session, canvas, dock = lecture_dock
    dock.show()
    qtbot.waitExposed(dock)
    canvas.select(("weight", 1, 0, 0))
    train(session, 1)
    # refreshes are coalesced on a timer: read the widgets, not text() (which forces one)
    qtbot.waitUntil(lambda: "Last step" in dock.source.text())
    assert "✓ engine: −4.2" in dock.browser.toPlainText()
