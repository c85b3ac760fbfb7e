"""The loss plot: the engine's losses, the readout under the mouse, the log scale."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from bpsim.notation.numbers import format_number
from bpsim.ui import commands


def test_the_loss_curve_holds_every_step_with_the_engines_losses(plots):
    session, panels = plots("xor")
    records = commands.train(session, 30) + commands.train(session, 1) + commands.train(session, 9)
    panels.paint()
    curve = panels["loss"].curve
    np.testing.assert_array_equal(curve.xData, np.arange(1, 41))
    np.testing.assert_array_equal(curve.yData, [r.loss.loss for r in records])
    assert "step 40" in panels["loss"].readout.text()


def test_hovering_the_loss_curve_reads_out_the_step_under_the_mouse(plots, qtbot):
    session, panels = plots("xor")
    records = commands.train(session, 50)
    panels.paint()
    loss = panels["loss"]
    view = loss.plot_widget

    def hover_step_10() -> bool:
        # the point of step 10 (x = 10 on the axis), where it is once laid out
        scene_point = loss.plot.vb.mapViewToScene(pg.Point(10, records[9].loss.loss))
        qtbot.mouseMove(view.viewport(), view.mapFromScene(scene_point))
        return "step 10 " in loss.readout.text()

    qtbot.waitUntil(hover_step_10)
    assert f"loss {format_number(records[9].loss.loss)}" in loss.readout.text()


def test_log_scale_toggle_keeps_the_numbers(plots):
    session, panels = plots("sine")
    records = commands.train(session, 20)
    loss = panels["loss"]
    loss.log_box.click()
    panels.paint()
    assert loss.plot.getAxis("left").logMode
    np.testing.assert_array_equal(loss.curve.yData, [r.loss.loss for r in records])


def test_a_test_curve_and_legend_only_with_held_out_samples(plots):
    session, panels = plots("overfit")
    records = commands.train(session, 30)
    panels.paint()
    loss = panels["loss"]
    assert loss.legend_names() == ["training loss J", "test loss"]
    assert loss.test_curve.isVisible()
    np.testing.assert_array_equal(loss.test_curve.yData, [r.test_loss for r in records])
    np.testing.assert_array_equal(loss.curve.yData, [r.loss.loss for r in records])
    assert f"test loss {format_number(records[-1].test_loss)}" in loss.readout.text()

    session, panels = plots("sine")
    commands.train(session, 30)
    panels.paint()
    loss = panels["loss"]
    assert loss.legend_names() == [] and not loss.test_curve.isVisible()
    assert loss.test_curve.yData is None or len(loss.test_curve.yData) == 0


def test_with_a_weight_penalty_the_data_loss_is_a_dashed_curve_below_j(plots):
    from dataclasses import replace

    from PySide6.QtCore import Qt

    session, panels = plots("sine")
    session.set_training(replace(session.training, regularization="l2",
                                 regularization_rate=0.05))
    records = commands.train(session, 20)
    panels.paint()
    loss = panels["loss"]
    assert loss.legend_names() == ["training loss J", "data loss (J − λ·R)"]
    assert loss.data_curve.opts["pen"].style() == Qt.PenStyle.DashLine
    np.testing.assert_array_equal(loss.data_curve.yData, [r.loss.data_loss for r in records])
    np.testing.assert_array_equal(loss.curve.yData, [r.loss.loss for r in records])
    assert np.all(loss.data_curve.yData < loss.curve.yData)
    header, columns = loss.data()
    assert header == ["step", "loss", "data_loss"]
