"""What every plot shares: the history behind the curves (cut back on undo, cleared on
reset), the timeline's cursor, plots that wait while hidden, export."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtGui import QImage

from bpsim.network import Network
from bpsim.ui import commands


def points(curve) -> int:
    """How many points a curve holds (pyqtgraph keeps None for no data)."""
    return 0 if curve.yData is None else len(curve.yData)


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
    panels.paint()
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
    panels.paint()
    assert points(panels["loss"].curve) == 20
    session.undo_stack.undo()
    assert controller.history.next_step == 10
    panels.paint()
    assert points(panels["loss"].curve) == 10


def test_cursor_line_follows_the_timeline(plots):
    session, panels = plots("xor")
    controller = panels["loss"].controller
    records = commands.train(session, 20)
    controller.set_cursor(4)
    panels.paint()
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


def test_hidden_plots_wait_until_they_are_shown(plots):
    session, panels = plots("xor")
    loss = panels["loss"]
    loss.parentWidget().hide()
    commands.train(session, 7)
    panels.paint()
    assert points(loss.curve) == 0
    loss.parentWidget().show()
    assert points(loss.curve) == 7


def test_csv_cells_with_commas_and_quotes_read_back_as_written(tmp_path):
    import csv

    from bpsim.ui.plots.panel import save_csv

    path = tmp_path / "labels.csv"
    save_csv(path, ["step", 'layer "1", hidden'], [[1, 2], ['a, b', 0.1 + 0.2]])
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows == [["step", 'layer "1", hidden'], ["1", "a, b"], ["2", repr(0.1 + 0.2)]]
