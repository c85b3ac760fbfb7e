"""The decision plot: the engine's predictions over the input plane, or the fitted curve."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from bpsim.ui import commands


def test_decision_plot_shows_the_engines_predictions(plots):
    session, panels = plots("xor")
    commands.train(session, 20)
    panels.paint()
    decision = panels["decision"]
    gx, gy = np.meshgrid(decision.grid_x, decision.grid_y)
    expected = session.network.predict(np.c_[gx.ravel(), gy.ravel()])[:, 0]
    np.testing.assert_array_equal(decision.output.ravel(), expected)
    points_x, points_y = decision.sample_points()
    assert sorted(zip(points_x, points_y)) == sorted(map(tuple, session.dataset.x))

    session, panels = plots("sine")
    commands.train(session, 5)
    panels.paint()
    decision = panels["decision"]
    fit_x, fit_y = decision.fit.xData, decision.fit.yData
    np.testing.assert_array_equal(fit_y, session.network.predict(fit_x[:, None])[:, 0])


def test_held_out_samples_are_hollow_and_the_box_hides_them(plots, qtbot):
    session, panels = plots("overfit")
    commands.train(session, 5)
    panels.paint()
    decision = panels["decision"]
    test = session.data.split()[1]
    assert 0 < len(test) < len(session.dataset)
    assert decision.test_box.isChecked()
    test_x, test_y = decision.test_sample_points()
    # exactly the engine's test samples, drawn hollow; the others filled
    assert sorted(zip(test_x, test_y)) == sorted(
        zip(session.dataset.x[test, 0], session.dataset.y[test, 0]))
    hollow = [item for item in decision.test_points.values() if len(item.getData()[0])]
    assert hollow and all(item.opts["brush"].style() == Qt.BrushStyle.NoBrush
                          for item in hollow)
    filled_x, _ = decision._positions(decision.points.values())
    assert len(filled_x) == len(session.dataset) - len(test)
    assert "hollow: held-out test samples" in decision.readout.text()

    qtbot.mouseClick(decision.test_box, Qt.MouseButton.LeftButton)
    assert not decision.test_box.isChecked()
    assert len(decision.test_sample_points()[0]) == 0
    assert not any(item.isVisible() for item in decision.test_points.values())
    assert len(decision.sample_points()[0]) == len(session.dataset) - len(test)


def test_without_a_split_no_sample_is_hollow(plots):
    session, panels = plots("xor")
    panels.paint()
    assert len(panels["decision"].test_sample_points()[0]) == 0
