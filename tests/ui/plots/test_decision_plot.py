"""The decision plot: the engine's predictions over the input plane, or the fitted curve."""

from __future__ import annotations

import numpy as np

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
