"""The loss-landscape view: the lecture example's J(w) with its steps as arrows, xor's
plane through two weights with the path projected, following the canvas selection and
the history timeline.  Every J drawn is the engine's loss at that point."""

from __future__ import annotations

import numpy as np
import pytest

from bpsim.io import load_builtin
from bpsim.ui.plots.landscape import LandscapeDialog
from bpsim.ui.session import Session


def engine_loss(session, weights, biases, values):
    network = session.network.copy()
    network.set_parameters(weights, biases)
    for (layer, j, i), number in values.items():
        network.set_weight(layer, j, i, number)
    data = session.dataset
    return network.loss(data.x, data.y, session.training.loss)


@pytest.fixture
def lecture(qtbot):
    session = Session(load_builtin("lecture-example"))
    session.train(3)
    dialog = LandscapeDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    return session, dialog


def test_the_lecture_example_overshoots_on_one_picture(lecture):
    session, dialog = lecture
    assert dialog.weights == ((1, 0, 0), None)  # one weight: the curve
    # the path: 0.1 → 4.3 → −67.1 → 1146.7, each point drawn on the curve J(w)
    xs, ys = dialog.path_line.getData()
    np.testing.assert_allclose(xs, [0.1, 4.3, -67.1, 1146.7])
    np.testing.assert_allclose(ys[:2], [0.49, 141.61])
    recorded = [s.loss for s in session.history.snapshots]
    np.testing.assert_allclose(ys[:3], recorded, rtol=1e-12)
    assert len(dialog.arrows) == 3
    # the curve spans every point of the run and is the engine's loss where sampled
    cx, cy = dialog.curve.getData()
    assert cx[0] < -67.1 and cx[-1] > 1146.7
    weights, biases = session.network.weights, session.network.biases
    for k in (0, 123, 400):
        assert cy[k] == engine_loss(session, weights, biases, {(1, 0, 0): cx[k]})
    assert "J = 1.183×10⁷" in dialog.readout.text()


def test_the_view_follows_the_timeline(lecture, qtbot):
    session, dialog = lecture
    dialog.show_step(0)  # after step 1: w = 4.3
    qtbot.waitUntil(lambda: len(dialog.path) == 2, timeout=5_000)
    xs, ys = dialog.path_line.getData()
    np.testing.assert_allclose(xs, [0.1, 4.3])
    assert len(dialog.arrows) == 1
    assert "after step 1" in dialog.readout.text() and "J = 141.6" in dialog.readout.text()
    dialog.show_step(None)
    qtbot.waitUntil(lambda: len(dialog.path) == 4, timeout=5_000)


def test_xor_plane_is_the_engines_loss_with_the_path_projected(qtbot):
    session = Session(load_builtin("xor"))
    session.train(20)
    dialog = LandscapeDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    first, second = dialog.weights
    assert (first, second) == ((1, 0, 0), (1, 0, 1))  # the first two weights by default
    grid = dialog.values
    assert grid.shape == (len(dialog.axis_a), len(dialog.axis_b))
    weights, biases = session.network.weights, session.network.biases
    for p, q in ((0, 0), (7, 31), (40, 40), (20, 3)):
        assert grid[p, q] == engine_loss(session, weights, biases,
                                         {first: dialog.axis_a[p], second: dialog.axis_b[q]})
    xs, ys = dialog.path_line.getData()
    assert len(xs) == 21  # the start and the 20 steps
    snapshots = session.history.snapshots
    assert (xs[-1], ys[-1]) == (snapshots[-1].weights[0][0, 0], snapshots[-1].weights[0][0, 1])
    assert dialog.image.isVisible() and dialog.isolines

    # a weight picked on the canvas becomes the first; the second is another one
    dialog.show_selection(("weight", 2, 0, 1))
    dialog.set_weights((1, 0, 0), (2, 0, 1))
    dialog.show_selection(("weight", 2, 0, 1))
    assert dialog.weights[0] == (2, 0, 1) and dialog.weights[1] not in (None, (2, 0, 1))
    dialog.redraw()
    a, b = dialog.weights
    assert dialog.values[5, 9] == engine_loss(session, weights, biases,
                                              {a: dialog.axis_a[5], b: dialog.axis_b[9]})
    # the curve of one weight, in any network
    dialog.set_weights((2, 0, 0))
    assert dialog.axis_b is None and not dialog.image.isVisible()


def test_tools_menu_opens_it_and_it_follows_the_window(window, qtbot):
    window.session.train(2)
    window.action("landscape").trigger()
    dialog = window.findChild(LandscapeDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: len(dialog.path) == 3, timeout=5_000)
    window.timeline.scrub_to_step(0)
    qtbot.waitUntil(lambda: len(dialog.path) == 2, timeout=5_000)
    window.action("landscape").trigger()
    assert [d for d in window.findChildren(LandscapeDialog) if d.isVisible()] == [dialog]
    dialog.close()
