"""Input features in the Data dock and on the canvas; neuron maps on the canvas and in
the decision plot (View ▸ Neuron maps)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from bpsim import features, io
from bpsim.ui.canvas import NetworkCanvas
from bpsim.ui.docks.data import DataDock
from bpsim.ui.session import Session


def spiral_session():
    return Session(io.load_builtin("spiral"))


def test_toggling_a_feature_is_one_undo_step_and_keeps_the_weights(qtbot, tmp_path):
    session = spiral_session()
    dock = DataDock(session)
    canvas = NetworkCanvas(session)
    qtbot.addWidget(dock)
    qtbot.addWidget(canvas)
    before = session.network.copy()
    assert dock.features_row.isVisibleTo(dock)
    qtbot.mouseClick(dock.feature_boxes["x1^2"], Qt.MouseButton.LeftButton)
    net = session.network
    assert session.data.features == ("x1", "x2", "x1^2")
    assert net.layers[0] == 3
    assert np.array_equal(net.weights[0][:, :2], before.weights[0])
    assert all(np.array_equal(a, b) for a, b in zip(net.weights[1:], before.weights[1:]))
    assert all(np.array_equal(a, b) for a, b in zip(net.biases, before.biases))
    # the trainer gets x₁², the canvas names it
    raw = session.data.dataset().x
    assert np.array_equal(session.dataset.x[:, 2], raw[:, 0] ** 2)
    assert [canvas.input_caption(j) for j in range(3)] == ["x₁", "x₂", "x₁²"]
    # the file keeps it
    path = tmp_path / "f.bpsim.json"
    io.save(session.scenario, path)
    assert io.load(path).data.features == ("x1", "x2", "x1^2")
    # one undo step puts the network and the data back
    assert session.undo_stack.count() == 1
    session.undo_stack.undo()
    assert session.data.features == ("x1", "x2")
    assert session.network.layers == before.layers
    assert np.array_equal(session.network.weights[0], before.weights[0])
    assert not dock.feature_boxes["x1^2"].isChecked()
    assert [canvas.input_caption(j) for j in range(2)] == ["x₁", "x₂"]


def test_the_last_feature_cannot_be_dropped_and_1d_data_have_none(qtbot):
    session = spiral_session()
    dock = DataDock(session)
    qtbot.addWidget(dock)
    dock.feature_boxes["x1"].click()
    assert session.data.features == ("x2",)
    dock.feature_boxes["x2"].click()
    assert session.data.features == ("x2",) and dock.feature_boxes["x2"].isChecked()
    sine = Session(io.load_builtin("sine"))
    dock = DataDock(sine)
    qtbot.addWidget(dock)
    assert not dock.features_row.isVisibleTo(dock)


def test_neuron_maps_are_the_engines_activations_on_the_grid(qtbot):
    session = spiral_session()
    canvas = NetworkCanvas(session)
    qtbot.addWidget(canvas)
    maps = canvas.neuron_maps
    maps.set_shown(True)
    maps.refresh()
    expected = features.neuron_maps(session.network, session.data.features,
                                    session.dataset.plane, 24)
    for got, want in zip(maps.maps.maps, expected.maps):
        np.testing.assert_array_equal(got, want)
    # one image per neuron, live: a training step changes them
    images = maps.item._images
    assert [len(row) for row in images] == list(session.network.layers)
    first = images[2][0].copy()
    session.train(5)
    maps.refresh()
    assert maps.item._images[2][0] != first


def test_the_maps_are_off_by_default_and_remembered(open_window):
    window = open_window()
    action = window.action("neuron_maps")
    assert action.isCheckable() and not action.isChecked()
    assert not window.canvas.neuron_maps.shown
    window.new_from_builtin("spiral")
    action.trigger()
    assert window.canvas.neuron_maps.shown
    again = open_window()
    assert again.action("neuron_maps").isChecked()


def test_the_decision_plot_shows_the_selected_neurons_map(open_window, qtbot):
    window = open_window()
    window.new_from_builtin("spiral")
    window.load_deferred_docks()
    dock = window.findChild(QDockWidget, "decision_plot_dock")
    dock.show()
    decision = dock.widget()
    window.action("neuron_maps").trigger()
    window.canvas.select(("neuron", 1, 3))
    decision.refresh()
    session = window.session
    expected = features.neuron_maps(session.network, session.data.features,
                                    session.dataset.plane, decision.GRID)
    assert decision.neuron_shown == (1, 3)
    np.testing.assert_array_equal(decision.output, expected.of(1, 3))
    assert "a⁽¹⁾₄" in decision._readout_text and "neuron 4 of layer 1" in decision._readout_text
    window.canvas.select(None)
    decision.refresh()
    assert decision.neuron_shown is None
    assert "ŷ" in decision._readout_text
