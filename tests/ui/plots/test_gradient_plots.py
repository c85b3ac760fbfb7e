"""The gradient plots: each layer's magnitude at every step, and the profile now."""

from __future__ import annotations

import numpy as np

from bpsim.history import mean_abs_gradients
from bpsim.ui import commands


def test_the_per_layer_curves_are_the_engines_gradient_norms(plots):
    session, panels = plots("spiral")
    records = commands.train(session, 25)
    panels.paint()
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
    panels.paint()
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
    panels.paint()
    profile = panels["profile"].values
    assert profile[0] > profile[-1] / 100
    assert panels["profile"].bound.size == 0  # no sigmoid hidden layer, no bound


def test_log_axes_label_powers_of_ten_as_the_window_writes_numbers():
    from bpsim.ui.plots.style import power_of_ten

    # small exponents as plain numbers, the others as 10ⁿ with a real minus sign
    assert [power_of_ten(k) for k in (-4, -2, 0, 2, 3)] == ["10⁻⁴", "0.01", "1", "100", "10³"]


def test_a_legend_taller_than_a_short_plot_hides_and_the_tooltip_names_the_curves(
        plots, qtbot):
    """At 1280×720 with larger text the gradient plot is a strip; its legend would cover
    the curves and stick out of the plot."""
    _, panels = plots("deep-sigmoid")
    panel = panels["gradients"]
    dock = panel.parentWidget()
    assert panel.legend.isVisible()
    assert "layer 9 (output)" in panel.plot.toolTip()
    dock.resize(700, 150)
    qtbot.waitUntil(lambda: not panel.legend.isVisible())
    assert panel.legend.boundingRect().height() > 0.8 * panel.plot.getViewBox().height()
    dock.resize(700, 450)
    qtbot.waitUntil(panel.legend.isVisible)

def test_a_long_history_shows_the_peaks_of_every_step_as_it_grows_and_thins(plots):
    # Past a few points per pixel the curves show each column's largest and smallest
    # value; those are kept between repaints, so check them against all the rows
    # while the history grows, is thinned, and is cut back.
    from bpsim.ui.plots.panel import peak_columns

    session, panels = plots("spiral")
    gradients = panels["gradients"]
    history = session.history
    rng = np.random.default_rng(3)
    depth = history.n_layers

    def check() -> None:
        panels.paint()
        x = history.steps + 1.0
        columns = max(60, int(gradients.plot.vb.width()) // 2)
        assert len(x) > 4 * columns  # the peaks, not every step
        expected_x, expected = peak_columns(x, history.grad_norms, *gradients._ranges[0],
                                            columns)
        for layer, curve in enumerate(gradients.curves):
            np.testing.assert_array_equal(curve.xData, expected_x)
            np.testing.assert_array_equal(curve.yData, expected[:, layer])

    step = 0
    for rows in (3000, 1, 7, 500, 12000, 3, 9000):  # the history thins past 16,384 rows
        for _ in range(rows):
            norms = rng.random(depth) * 10.0 ** rng.integers(-4, 2, depth)
            history.append_values(step, float(rng.random()), norms, norms / 4)
            step += 1
        check()
    assert history.stride > 1  # thinned on the way
    history.truncate(int(history.steps[len(history) // 2]))  # cut back: fewer rows
    session.history_changed.emit()
    for _ in range(4000):
        norms = rng.random(depth)
        history.append_values(step, 0.5, norms, norms / 4)
        step += 1
    check()
