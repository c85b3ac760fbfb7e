"""The Compare lab: copies of the network that differ in one setting, trained in a
worker thread, their gradient profiles and loss curves overlaid.  Tools ▸ Compare
(Ctrl+K): one lab per window, and a run that fails ends as a failure."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from bpsim.io import load_builtin
from bpsim.ui.dialogs import compare as compare_dialog
from bpsim.ui.dialogs.compare import CompareDialog, open_compare_dialog
from bpsim.ui.session import Session


@pytest.fixture
def lab(qtbot):
    from bpsim.ui.dialogs.compare import CompareDialog

    session = Session(load_builtin("deep-relu"))
    dialog = CompareDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    return session, dialog


def test_compare_overlays_one_labelled_profile_per_variant(lab, qtbot):
    session, dialog = lab
    weights = [np.array(w) for w in session.network.weights]
    steps_before = session.trainer.steps_done
    dialog.set_setting("activation")
    dialog.set_variants(["sigmoid", "relu"])
    dialog.steps_box.setValue(15)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running and bool(dialog.results), timeout=20_000)

    assert list(dialog.profile_curves) == ["Sigmoid", "ReLU"]
    legend = [item.text for _, item in dialog.profile_legend.items]
    assert legend[0].startswith("Sigmoid") and legend[1].startswith("ReLU")
    sigmoid, relu = dialog.results
    np.testing.assert_array_equal(dialog.profile_curves["Sigmoid"].yData,
                                  sigmoid.initial_profile)
    assert sigmoid.initial_profile[0] < sigmoid.initial_profile[-1] / 100
    assert relu.initial_profile[0] > relu.initial_profile[-1] / 100
    assert len(dialog.loss_curves["ReLU"].yData) == 15
    assert dialog.progress_bar.value() == 30
    # the main network is untouched
    for mine, before in zip(session.network.weights, weights):
        np.testing.assert_array_equal(mine, before)
    assert session.network.activations == ["relu"] * 8 + ["sigmoid"]
    assert session.trainer.steps_done == steps_before and not session.modified

    dialog.profile_box.setCurrentIndex(dialog.profile_box.findData("final"))
    np.testing.assert_array_equal(dialog.profile_curves["ReLU"].yData, relu.final_profile)


def test_compare_initializers(lab, qtbot):
    session, dialog = lab
    dialog.set_setting("init")
    dialog.set_variants(["xavier_uniform", "he_normal"])
    dialog.steps_box.setValue(3)
    dialog.run()
    qtbot.waitUntil(lambda: not dialog.running and bool(dialog.results), timeout=20_000)
    assert list(dialog.profile_curves) == ["Xavier uniform", "He normal"]


def test_compare_can_be_cancelled(lab, qtbot):
    session, dialog = lab
    dialog.steps_box.setValue(100_000)
    dialog.run()
    assert dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.progress_bar.value() > 0, timeout=20_000)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running, timeout=20_000)
    assert "Cancelled" in dialog.status.text()
    assert dialog.results and dialog.results[-1].steps_done < 100_000
    assert dialog.run_button.isEnabled() and not dialog.cancel_button.isEnabled()


def test_closing_the_lab_while_it_runs_stops_the_run(lab, qtbot):
    session, dialog = lab
    dialog.steps_box.setValue(100_000)
    dialog.run()
    qtbot.waitUntil(lambda: dialog.progress_bar.value() > 0, timeout=20_000)
    dialog.reject()
    assert not dialog.running and not dialog.isVisible()


def test_ctrl_k_again_brings_the_open_lab_forward(qtbot):
    from bpsim.ui.app import build_window

    window = build_window("deep-sigmoid")
    qtbot.addWidget(window)
    window.show()
    window.action("compare").trigger()
    first = window.findChild(CompareDialog)
    first.steps_box.setValue(7)  # what the teacher set up stays
    window.action("compare").trigger()
    window.action("compare").trigger()
    shown = [d for d in window.findChildren(CompareDialog) if d.isVisible()]
    assert shown == [first] and first.steps_box.value() == 7
    first.close()


def test_a_closed_lab_is_opened_anew(qtbot):
    session = Session(load_builtin("xor"))
    parent = QWidget()
    qtbot.addWidget(parent)
    first = open_compare_dialog(session, parent)
    assert open_compare_dialog(session, parent) is first
    first.close()
    second = open_compare_dialog(session, parent)
    assert second is not first and second.isVisible()
    second.close()


@pytest.mark.parametrize("error", [RuntimeError("the copies ran away"),
                                   ZeroDivisionError("division by zero"),
                                   ValueError("the loss diverged")])
def test_a_run_that_raises_anything_ends_with_its_message(qtbot, monkeypatch, error):
    def failing_compare(*args, **kwargs):
        raise error

    monkeypatch.setattr(compare_dialog, "compare", failing_compare)
    dialog = CompareDialog(Session(load_builtin("deep-relu")))
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.worker.failed, timeout=10_000):
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert not dialog.running
    assert str(error) in dialog.status.text()
    if not isinstance(error, ValueError):
        assert type(error).__name__ in dialog.status.text()
    assert dialog.run_button.isEnabled() and not dialog.cancel_button.isEnabled()
    # and it can run again
    monkeypatch.undo()
    dialog.steps_box.setValue(2)
    dialog.run()
    qtbot.waitUntil(lambda: not dialog.running and bool(dialog.results), timeout=20_000)


def test_closing_the_lab_stops_its_worker_threads(qtbot):
    dialog = CompareDialog(Session(load_builtin("deep-relu")))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.steps_box.setValue(100_000)
    dialog.run()
    qtbot.waitUntil(lambda: dialog.progress_bar.value() > 0, timeout=20_000)
    dialog.close()
    assert not dialog.running and dialog.worker._threads == []


# -- the learning-rate lab ------------------------------------------------------------


@pytest.fixture
def lecture_lab(qtbot):
    session = Session(load_builtin("lecture-example"))
    dialog = CompareDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    return session, dialog


def test_three_typed_learning_rates_give_three_overlaid_loss_curves(lecture_lab, qtbot):
    """The lecture example at η = 1, 0.05, 0.001 side by side; η = 1 overshoots until
    the loss overflows and is drawn as diverged, the others train on."""
    session, dialog = lecture_lab
    dialog.set_setting("learning_rate")
    assert dialog.values_edit.isVisible() and not dialog.variant_list.isVisible()
    dialog.values_edit.clear()
    qtbot.keyClicks(dialog.values_edit, "1; 0.05; 0,001")
    dialog.steps_box.setValue(300)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.running and bool(dialog.results), timeout=20_000)

    assert list(dialog.loss_curves) == ["η = 1", "η = 0.05", "η = 0.001"]
    # step 1's loss is the engine's J at the shared starting weight w = 0.1
    data = session.dataset
    first = session.network.loss(data.x, data.y, session.training.loss)
    assert [r.losses[0] for r in dialog.results] == [first] * 3
    assert first == pytest.approx(0.49)
    assert dialog.loss_curves["η = 0.05"].yData[1] == dialog.results[1].losses[1]
    overshoot = dialog.results[0]
    assert overshoot.divergence is not None and overshoot.steps_done < 300
    legend = [item.text for _, item in dialog.loss_legend.items]
    assert "diverged" in legend[0] and "diverged" not in legend[1]
    assert "η = 1 diverged" in dialog.status.text()
    assert session.network.weights[0][0, 0] == 0.1 and session.training.learning_rate == 1.0


@pytest.mark.parametrize("setting, text, message", [
    ("learning_rate", "1, -0.5", "Learning rate η: must be greater than 0, got -0.5"),
    ("learning_rate", "1, fast", "“fast” is not a number"),
    ("momentum", "0.5, 1", "Momentum μ: must be at least 0 and below 1, got 1"),
    ("learning_rate", "", "Type one or more values"),
])
def test_refused_values_say_why_and_nothing_runs(lecture_lab, qtbot, setting, text, message):
    session, dialog = lecture_lab
    dialog.set_setting(setting)
    dialog.values_edit.clear()
    qtbot.keyClicks(dialog.values_edit, text)
    qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert not dialog.running and not dialog.results
    assert message in dialog.status.text()
    assert dialog.run_button.isEnabled()


def test_optimizers_side_by_side_and_momentum_only_where_it_acts(lecture_lab, qtbot):
    session, dialog = lecture_lab
    dialog.set_setting("optimizer")
    assert dialog.variant_list.isVisible() and not dialog.values_edit.isVisible()
    dialog.set_variants(["sgd", "nesterov", "rmsprop", "adam"])
    dialog.steps_box.setValue(5)
    dialog.run()
    qtbot.waitUntil(lambda: not dialog.running and bool(dialog.results), timeout=20_000)
    assert list(dialog.loss_curves) == ["SGD", "Nesterov", "RMSprop", "Adam"]

    from dataclasses import replace
    session.set_training(replace(session.training, optimizer="adam"))
    dialog.set_setting("momentum")
    dialog.run()
    assert not dialog.running and "SGD and Nesterov only" in dialog.status.text()
