"""The live plots and the Compare lab, driven as a teacher would."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from bpsim.history import mean_abs_gradients
from bpsim.io import load_preset
from bpsim.network import Network
from bpsim.ui import commands
import pyqtgraph as pg

from bpsim.ui.plots import REPAINT_MS, create_plot_docks, number
from bpsim.ui.session import Session


@pytest.fixture
def plots(qtbot):
    """Build the plot docks of a preset's session: plots("xor") → (session, panels)."""

    alive = []  # parentless docks live as long as their Python wrappers

    def build(preset: str):
        session = Session(load_preset(preset))
        docks = create_plot_docks(session)
        alive.extend(docks)
        panels = {}
        for dock in docks:
            qtbot.addWidget(dock)
            dock.resize(700, 450)
            dock.show()
            panels[dock.objectName().removesuffix("_plot_dock")] = dock.widget()
        return session, panels

    return build


def points(curve) -> int:
    """How many points a curve holds (pyqtgraph keeps None for no data)."""
    return 0 if curve.yData is None else len(curve.yData)


def painted(panels):
    """Repaint now instead of at the next 30 Hz tick."""
    next(iter(panels.values())).controller.flush()


def test_the_loss_curve_holds_every_step_with_the_engines_losses(plots):
    session, panels = plots("xor")
    records = commands.train(session, 30) + commands.train(session, 1) + commands.train(session, 9)
    painted(panels)
    curve = panels["loss"].curve
    np.testing.assert_array_equal(curve.xData, np.arange(1, 41))
    np.testing.assert_array_equal(curve.yData, [r.loss.loss for r in records])
    assert "step 40" in panels["loss"].readout.text()


def test_the_per_layer_curves_are_the_engines_gradient_norms(plots):
    session, panels = plots("spiral")
    records = commands.train(session, 25)
    painted(panels)
    gradients = panels["gradients"]
    assert [item.text for _, item in gradients.legend.items] == [
        "layer 1 (input side)", "layer 2", "layer 3 (output)"]
    for layer, curve in enumerate(gradients.curves, start=1):
        np.testing.assert_array_equal(
            curve.yData, [r.backward_for(layer).grad_norm for r in records])
    assert gradients.plot.getAxis("left").logMode  # log y by default

    gradients.set_measure("mean_abs")
    expected = np.array([mean_abs_gradients(r) for r in records])
    for layer, curve in enumerate(gradients.curves):
        np.testing.assert_allclose(curve.yData, expected[:, layer], rtol=1e-12)
    np.testing.assert_allclose(
        expected[-1, 0], np.abs(records[-1].backward_for(1).grad_weights).mean(), rtol=1e-12)


def test_deep_sigmoid_gradients_vanish_towards_the_input_and_deep_relu_ones_do_not(plots):
    session, panels = plots("deep-sigmoid")
    commands.train(session, 3)
    painted(panels)
    profile = panels["profile"].values
    assert profile[0] < profile[-1] / 100
    curves = panels["gradients"].curves
    assert curves[0].yData[-1] < curves[-1].yData[-1] / 100
    assert [item.text for _, item in panels["gradients"].legend.items] == [
        "layer 1 (input side)", "… layers 2 – 8", "layer 9 (output)"]
    # the sigmoid bound is drawn: output × 0.25 per sigmoid layer on the way back
    bound = panels["profile"].bound
    np.testing.assert_allclose(bound, profile[-1] * 0.25 ** np.arange(8, -1, -1))

    session, panels = plots("deep-relu")
    commands.train(session, 3)
    painted(panels)
    profile = panels["profile"].values
    assert profile[0] > profile[-1] / 100
    assert panels["profile"].bound.size == 0  # no sigmoid hidden layer, no bound


def test_csv_export_round_trips_the_numbers(plots, tmp_path):
    session, panels = plots("circles")
    records = commands.train(session, 12)
    loss_file, gradients_file = tmp_path / "loss.csv", tmp_path / "gradients.csv"
    panels["loss"].export_csv(loss_file)
    panels["gradients"].export_csv(gradients_file)

    assert loss_file.read_text().splitlines()[0] == "step,loss"
    table = np.loadtxt(loss_file, delimiter=",", skiprows=1)
    np.testing.assert_array_equal(table[:, 0], np.arange(12))
    np.testing.assert_array_equal(table[:, 1], [r.loss.loss for r in records])
    header = gradients_file.read_text().splitlines()[0].split(",")
    assert header == ["step", "norm_layer_1", "norm_layer_2", "mean_abs_layer_1",
                      "mean_abs_layer_2"]
    table = np.loadtxt(gradients_file, delimiter=",", skiprows=1)
    np.testing.assert_array_equal(table[:, 1:3], [r.grad_norms for r in records])


def test_png_export_of_every_plot(plots, tmp_path):
    session, panels = plots("spiral")
    commands.train(session, 5)
    for name, panel in panels.items():
        path = tmp_path / f"{name}.png"
        assert panel.export_png(path)
        image = QImage(str(path))
        assert image.width() > 300 and image.height() > 200
    menu = panels["loss"].context_menu()
    names = [action.objectName() for action in menu.actions()]
    assert "export_png" in names and "export_csv" in names


def test_decision_plot_shows_the_engines_predictions(plots):
    session, panels = plots("xor")
    commands.train(session, 20)
    painted(panels)
    decision = panels["decision"]
    gx, gy = np.meshgrid(decision.grid_x, decision.grid_y)
    expected = session.network.predict(np.c_[gx.ravel(), gy.ravel()])[:, 0]
    np.testing.assert_array_equal(decision.output.ravel(), expected)
    points_x, points_y = decision.sample_points()
    assert sorted(zip(points_x, points_y)) == sorted(map(tuple, session.dataset.x))

    session, panels = plots("sine")
    commands.train(session, 5)
    painted(panels)
    decision = panels["decision"]
    fit_x, fit_y = decision.fit.xData, decision.fit.yData
    np.testing.assert_array_equal(fit_y, session.network.predict(fit_x[:, None])[:, 0])


def test_activations_show_saturation_and_dead_units(plots):
    session, panels = plots("deep-relu")
    commands.train(session, 2)
    painted(panels)
    stats = panels["activations"].stats
    record = session.last_step
    assert len(stats) == 9
    for stat, forward in zip(stats, record.forward):
        if stat["activation"] == "relu":
            assert stat["dead"] == int(np.sum(np.all(forward.z <= 0, axis=0)))
    labels = [label.textItem.toPlainText() for label in panels["activations"].labels]
    assert labels[0].startswith("ReLU\n") and "dead" in labels[0]
    assert labels[-1].startswith("Sigmoid\n") and "sat." in labels[-1]


def test_activations_judge_leaky_relu_units_by_the_networks_slope(plots):
    # With α = 0.5 a leaky-ReLU unit at z < 0 still passes half the gradient back:
    # not "off" and not dead (f′(z) = α is 50 % of its peak, above the 10 % line).
    session, panels = plots("deep-relu")
    net = session.network
    leaky = Network(net.layers, ["leaky_relu"] * (net.depth - 1) + ["sigmoid"],
                    net.weights, net.biases, leaky_slope=0.5)
    session.undo_stack.push(commands.SetNetworkCommand(session, leaky, "Leaky ReLU"))
    commands.train(session, 2)
    painted(panels)
    stats = panels["activations"].stats
    record = session.last_step
    hidden = [(stat, forward) for stat, forward in zip(stats, record.forward)
              if forward.activation == "leaky_relu"]
    assert hidden and any(np.any(forward.z < 0) for _, forward in hidden)
    for stat, forward in hidden:
        assert stat["flat"] == 0.0 and stat["dead"] == 0
    labels = [label.textItem.toPlainText() for label in panels["activations"].labels]
    assert "0% off" in labels[0] and "0/" in labels[0]


def test_new_architecture_and_reset_clear_the_history(plots, qtbot):
    session, panels = plots("xor")
    controller = panels["loss"].controller
    commands.train(session, 10)
    net = session.network
    wider = Network([2, 3, 1], net.activations, [np.zeros((3, 2)), np.zeros((1, 3))],
                    [np.zeros(3), np.zeros(1)])
    session.undo_stack.push(commands.SetNetworkCommand(session, wider, "Add a neuron"))
    assert len(controller.history) == 0

    commands.train(session, 4)
    assert len(controller.history) == 4
    session.undo_stack.push(commands.ResetCommand(session))
    qtbot.waitUntil(lambda: len(controller.history) == 0)
    painted(panels)
    assert points(panels["loss"].curve) == 0


def test_undo_of_training_cuts_the_curves_back(plots, qtbot):
    session, panels = plots("xor")
    controller = panels["loss"].controller
    commands.train(session, 10)
    session.undo_stack.push(commands.SetTrainingCommand(
        session, replace(session.scenario.training, learning_rate=0.5), "Learning rate"))
    commands.train(session, 5)
    # a new learning rate restarts the engine's count; the curve goes on
    np.testing.assert_array_equal(controller.history.steps, np.arange(15))
    commands.train(session, 5)  # merges with the run before: one undo takes 10 steps
    painted(panels)
    assert points(panels["loss"].curve) == 20
    session.undo_stack.undo()
    assert controller.history.next_step == 10
    painted(panels)
    assert points(panels["loss"].curve) == 10


def test_cursor_line_follows_the_timeline(plots):
    session, panels = plots("xor")
    controller = panels["loss"].controller
    records = commands.train(session, 20)
    controller.set_cursor(4)
    painted(panels)
    for name in ("loss", "gradients"):
        line = panels[name].cursor_line
        assert line.isVisible() and line.value() == 5  # the 5th step, counted from 1
    snapshot = controller.history.snapshot_at(4)
    shown = controller.network_at_cursor()
    for mine, record_weights in zip(shown.weights, records[4].update.weights_after):
        np.testing.assert_array_equal(mine, record_weights)
    np.testing.assert_array_equal(panels["profile"].values, records[4].grad_norms)
    assert snapshot.step == 4
    controller.set_cursor(None)
    assert not panels["loss"].cursor_line.isVisible()


def test_repaints_are_throttled_to_30_per_second(plots, qtbot):
    session, panels = plots("xor")
    controller = panels["loss"].controller
    paints = []
    controller.updated.connect(lambda: paints.append(time.perf_counter()))
    started = time.perf_counter()
    for _ in range(60):
        session.train(1)
        qtbot.wait(1)
    qtbot.waitUntil(lambda: not controller._timer.isActive())
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert 1 <= len(paints) <= elapsed_ms / REPAINT_MS + 2
    assert np.all(np.diff(paints) * 1000 >= REPAINT_MS * 0.8)


def test_hidden_plots_wait_until_they_are_shown(plots):
    session, panels = plots("xor")
    loss = panels["loss"]
    loss.parentWidget().hide()
    commands.train(session, 7)
    painted(panels)
    assert points(loss.curve) == 0
    loss.parentWidget().show()
    assert points(loss.curve) == 7


# -- the Compare lab -------------------------------------------------------------------

@pytest.fixture
def lab(qtbot):
    from bpsim.ui.dialogs.compare import CompareDialog

    session = Session(load_preset("deep-relu"))
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


def test_hovering_the_loss_curve_reads_out_the_step_under_the_mouse(plots, qtbot):
    session, panels = plots("xor")
    records = commands.train(session, 50)
    painted(panels)
    loss = panels["loss"]
    view = loss.plot_widget

    def hover_step_10() -> bool:
        # the point of step 10 (x = 10 on the axis), where it is once laid out
        scene_point = loss.plot.vb.mapViewToScene(pg.Point(10, records[9].loss.loss))
        qtbot.mouseMove(view.viewport(), view.mapFromScene(scene_point))
        return "step 10 " in loss.readout.text()

    qtbot.waitUntil(hover_step_10)
    assert f"loss {number(records[9].loss.loss)}" in loss.readout.text()


def test_log_scale_toggle_keeps_the_numbers(plots):
    session, panels = plots("sine")
    records = commands.train(session, 20)
    loss = panels["loss"]
    loss.log_box.click()
    painted(panels)
    assert loss.plot.getAxis("left").logMode
    np.testing.assert_array_equal(loss.curve.yData, [r.loss.loss for r in records])


def test_closing_the_lab_while_it_runs_stops_the_run(lab, qtbot):
    session, dialog = lab
    dialog.steps_box.setValue(100_000)
    dialog.run()
    qtbot.waitUntil(lambda: dialog.progress_bar.value() > 0, timeout=20_000)
    dialog.reject()
    assert not dialog.running and not dialog.isVisible()
