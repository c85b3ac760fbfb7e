"""Tools ▸ Gradient check: backprop against central differences, worst entry first."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget

from bpsim.initializers import InitSpec, initialize
from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario
from bpsim.training import TrainingSettings
from bpsim.ui.commands import SetWeightCommand
from bpsim.ui.dialogs import gradcheck as gradcheck_dialog
from bpsim.ui.dialogs.gradcheck import ERROR_COLUMN, GradientCheckDialog, open_gradcheck_dialog
from bpsim.ui.session import Session


def scenario() -> Scenario:
    rng = np.random.default_rng(11)
    layers = [2, 3, 2]
    weights = [rng.normal(0, 0.8, (n, m)) for m, n in zip(layers[:-1], layers[1:])]
    biases = [rng.normal(0, 0.3, n) for n in layers[1:]]
    return Scenario(Network(layers, ["tanh", "sigmoid"], weights, biases),
                    TrainingSettings("bce", 0.5),
                    DataSpec.from_samples([([0.5, -1.0], [1.0, 0.0]), ([1.5, 0.2], [0.0, 1.0]),
                                           ([-0.3, 0.8], [1.0, 1.0])]))


def perturbed(layer, j, i, factor=1.01):
    """Backprop's gradients with one weight's entry deliberately wrong."""

    def analytic(network, x, y, loss):
        _, grad_weights, grad_biases = network.gradients(x, y, loss)
        grad_weights = [np.array(g) for g in grad_weights]
        grad_weights[layer - 1][j, i] *= factor
        return grad_weights, grad_biases

    return analytic


def errors(dialog):
    return [dialog.proxy.index(r, ERROR_COLUMN).data(Qt.ItemDataRole.UserRole + 1)
            for r in range(dialog.proxy.rowCount())]


def test_correct_network_passes(qtbot):
    session = Session(scenario())
    dialog = open_gradcheck_dialog(session)
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    assert dialog.proxy.rowCount() == session.network.parameter_count
    assert max(errors(dialog)) < 1e-6
    summary = dialog.summary_text()
    assert summary.startswith("largest relative error ") and "✓ backprop agrees" in summary


def test_a_wrong_gradient_is_pointed_at(qtbot):
    session = Session(scenario())
    dialog = GradientCheckDialog(session, analytic=perturbed(2, 1, 2))
    qtbot.addWidget(dialog)
    assert dialog.parameter_at(0) == ("weight", 2, 1, 2)   # worst first
    assert errors(dialog)[0] > 1e-3 and errors(dialog)[1] < 1e-6
    summary = dialog.summary_text()
    assert "(layer 2, W⁽²⁾₂,₃)" in summary and "✗ above 1×10⁻⁵: check W⁽²⁾₂,₃" in summary


def test_columns_sort_by_value(qtbot):
    session = Session(scenario())
    dialog = GradientCheckDialog(session, analytic=perturbed(1, 0, 1, factor=-1.0))
    qtbot.addWidget(dialog)
    dialog.show()
    header = dialog.table.horizontalHeader()
    x = header.sectionViewportPosition(ERROR_COLUMN) + header.sectionSize(ERROR_COLUMN) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    values = errors(dialog)
    assert values == sorted(values) or values == sorted(values, reverse=True)
    last = dialog.proxy.rowCount() - 1
    worst_row = 0 if values[0] > values[-1] else last
    assert dialog.parameter_at(worst_row) == ("weight", 1, 0, 1)


def test_edits_mark_the_check_stale_until_run_again(qtbot):
    session = Session(scenario())
    dialog = GradientCheckDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    before = dialog.result
    session.undo_stack.push(SetWeightCommand(session, 1, 0, 0, 2.5))
    assert dialog.stale.isVisible()
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert not dialog.stale.isVisible()
    assert dialog.result is not before
    assert dialog.result.layers[0].analytic_weights[0, 0] != pytest.approx(
        before.layers[0].analytic_weights[0, 0])


def test_double_click_selects_the_parameter(qtbot):
    session = Session(scenario())
    dialog = GradientCheckDialog(session, analytic=perturbed(2, 0, 0))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    rect = dialog.table.visualRect(dialog.proxy.index(0, 0))
    viewport = dialog.table.viewport()
    with qtbot.waitSignal(dialog.parameter_selected, timeout=1000) as selected:
        # a double click is a press, a release and a double-click event, as from a mouse
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert selected.args == [("weight", 2, 0, 0)]


# -- big checks run in the worker ----------------------------------------------------------


def big_scenario(layers=(2, 64, 64, 64, 1)) -> Scenario:
    """The net that froze the window for 8 s when checked on the GUI thread."""
    init = InitSpec("xavier_uniform", seed=0)
    weights, biases = initialize(list(layers), init)
    activations = ["tanh"] * (len(layers) - 2) + ["sigmoid"]
    return Scenario(Network(list(layers), activations, weights, biases),
                    TrainingSettings("bce", 0.3), DataSpec(generator="circles", n=200,
                                                           noise=0.1, seed=1), init)


@pytest.fixture
def in_the_worker(monkeypatch):
    """Every check goes to the worker, however small."""
    monkeypatch.setattr(gradcheck_dialog, "INLINE_WORK", -1)


def test_a_big_check_leaves_the_window_free_and_can_be_cancelled(qtbot):
    session = Session(big_scenario())
    dialog = open_gradcheck_dialog(session)
    qtbot.addWidget(dialog)
    # the dialog is open and the check is still running: the GUI thread did not wait
    assert dialog.isVisible() and dialog.running and dialog.result is None
    assert dialog.progress_bar.isVisible() and dialog.cancel_button.isEnabled()
    assert "Checking 8,577 parameters on 200 samples" in dialog.summary_text()
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.running and not dialog.progress_bar.isVisible()
    assert "Cancelled" in dialog.stale.text() and dialog.is_stale
    assert not dialog.cancel_button.isEnabled() and dialog.run_button.isEnabled()
    dialog.close()
    assert dialog.worker._threads == []  # no thread outlives the dialog


def test_a_check_in_the_worker_shows_progress_then_the_table(qtbot, in_the_worker):
    session = Session(scenario())
    dialog = GradientCheckDialog(session, analytic=perturbed(2, 1, 2))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.running and dialog.progress_bar.isVisible()
    assert dialog.progress_bar.maximum() == session.network.parameter_count
    with qtbot.waitSignal(dialog.result_ready, timeout=10_000) as ready:
        pass
    assert ready.args == [dialog.result]
    assert not dialog.running and not dialog.progress_bar.isVisible()
    assert dialog.proxy.rowCount() == session.network.parameter_count
    assert dialog.parameter_at(0) == ("weight", 2, 1, 2)
    assert not dialog.is_stale


def test_edits_while_open_never_check_on_the_gui_thread(qtbot, in_the_worker):
    session = Session(scenario())
    dialog = GradientCheckDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    checked = dialog.result

    # a weight edited: marked out of date, not checked again until asked
    session.undo_stack.push(SetWeightCommand(session, 1, 0, 0, 2.5))
    assert dialog.is_stale and not dialog.running and dialog.result is checked

    # the loss changed: checked again, in the worker, the old table marked meanwhile
    session.set_training(TrainingSettings("mse", 0.5))
    assert dialog.running and dialog.is_stale and dialog.result is None
    with qtbot.waitSignal(dialog.result_ready, timeout=10_000):
        pass
    assert not dialog.is_stale
    assert dialog.result.loss == pytest.approx(session.network.loss(
        *_data(session), "mse"))


def _data(session):
    dataset = session.scenario.dataset()
    return dataset.x, dataset.y


def test_a_check_that_raises_says_so_and_stops_running(qtbot, in_the_worker):
    def broken(network, x, y, loss):
        raise RuntimeError("backprop exploded")

    session = Session(scenario())
    dialog = GradientCheckDialog(session, analytic=broken)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.running, timeout=10_000)
    assert dialog.stale.text() == "The check failed: RuntimeError: backprop exploded"
    assert dialog.is_stale and not dialog.progress_bar.isVisible()
    assert dialog.run_button.isEnabled() and not dialog.cancel_button.isEnabled()


def test_opening_it_again_brings_the_open_dialog_forward(qtbot):
    session = Session(scenario())
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = open_gradcheck_dialog(session, parent)
    session.undo_stack.push(SetWeightCommand(session, 1, 0, 0, 2.5))
    assert dialog.is_stale
    assert open_gradcheck_dialog(session, parent) is dialog
    assert not dialog.is_stale  # and it checked the new weights
    assert len(parent.findChildren(GradientCheckDialog)) == 1
    dialog.close()
