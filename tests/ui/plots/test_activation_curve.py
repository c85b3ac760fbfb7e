"""The activation curve: one neuron's f(z) and f′(z) from the engine's functions, its z
and the batch's z values from the engine's forward records, following the steps."""

from __future__ import annotations

import numpy as np
import pytest

from bpsim import activations as act
from bpsim.initializers import InitSpec
from bpsim.io import load_builtin
from bpsim.network import Network
from bpsim.notation.numbers import format_number
from bpsim.scenario import DataSpec, Scenario
from bpsim.training import TrainingSettings
from bpsim.ui import commands
from bpsim.ui.plots import create_plot_docks
from bpsim.ui.session import Session


@pytest.fixture
def curve(qtbot):
    """``curve(session)`` → the activation curve panel of the session, shown."""
    alive = []

    def build(session):
        dock = next(d for d in create_plot_docks(session)
                    if d.objectName() == "activation_curve_plot_dock")
        alive.append(dock)
        qtbot.addWidget(dock)
        dock.resize(800, 500)
        dock.show()
        return dock.widget()

    return build


def xor_session(hidden: str, slope: float = act.DEFAULT_LEAKY_SLOPE) -> Session:
    """XOR with a 2-3-1 network of the given hidden activation (weights of both signs,
    so z takes both signs over the batch)."""
    scenario = load_builtin("xor")
    weights = [np.array([[0.9, -1.3], [-0.7, 1.1], [1.5, 0.4]]), np.array([[0.8, -0.6, 0.5]])]
    network = Network([2, 3, 1], [hidden, "sigmoid"], weights,
                      [np.array([0.1, -0.2, -0.9]), np.zeros(1)], leaky_slope=slope)
    session = Session(scenario)
    session.undo_stack.push(commands.SetNetworkCommand(session, network, hidden))
    return session


def softmax_session() -> Session:
    network = Network([2, 3, 2], ["tanh", "softmax"],
                      [np.array([[0.5, -0.4], [0.3, 0.8], [-0.6, 0.2]]),
                       np.array([[0.7, -0.5, 0.4], [-0.3, 0.6, 0.9]])],
                      [np.zeros(3), np.zeros(2)])
    samples = [([0, 0], [1, 0]), ([0, 1], [0, 1]), ([1, 0], [0, 1]), ([1, 1], [1, 0])]
    return Session(Scenario(network, TrainingSettings("cross_entropy", 0.5),
                            DataSpec.from_samples(samples), InitSpec("xavier_uniform", 1)))


def shown_row(session, record_indices) -> int:
    rows = np.flatnonzero(np.asarray(record_indices) == session.current_sample)
    return int(rows[0]) if len(rows) else 0


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu", "leaky_relu"])
def test_the_curves_are_the_engines_f_and_derivative_on_the_grid(curve, name):
    session = xor_session(name, slope=0.2)
    panel = curve(session)
    panel.show_selection(("neuron", 1, 2))
    z = panel.f_curve.xData
    assert z.min() < 0 < z.max() and 0.0 in z  # the kink at 0 is a grid point
    activation = act.get(name)
    values = activation.forward(z, 0.2)
    np.testing.assert_array_equal(panel.f_curve.yData, values)
    np.testing.assert_array_equal(panel.derivative_curve.yData,
                                  activation.derivative(z, values, 0.2))
    assert activation.label in panel.target_text


def test_softmax_draws_its_unit_against_its_own_z_and_says_f_prime_is_a_matrix(curve):
    session = softmax_session()
    commands.train(session, 1)
    panel = curve(session)
    panel.show_selection(("neuron", 2, 1))
    record = session.last_step.forward[1]
    row = shown_row(session, session.last_step.sample_indices)
    z = panel.f_curve.xData
    logits = np.tile(record.z[row], (len(z), 1))
    logits[:, 1] = z
    y_hat = act.softmax(logits)
    np.testing.assert_allclose(panel.f_curve.yData, y_hat[:, 1])
    np.testing.assert_allclose(panel.derivative_curve.yData,
                               act.softmax_derivative(logits, y_hat)[:, 1])
    assert any("matrix" in note for note in panel.notes)
    # the curve passes through the neuron's recorded ŷ at its recorded z
    assert np.interp(panel.z, z, panel.f_curve.yData) == pytest.approx(record.a[row, 1],
                                                                       abs=1e-3)


def test_identity_is_a_line_with_slope_one(curve):
    panel = curve(xor_session("identity"))
    panel.show_selection(("neuron", 1, 0))
    np.testing.assert_array_equal(panel.f_curve.yData, panel.f_curve.xData)
    assert set(panel.derivative_curve.yData) == {1.0}
    assert "f′(z) = 1 everywhere" in panel.notes


def test_the_marker_sits_at_the_selected_neurons_recorded_z_after_a_step(curve):
    session = xor_session("tanh")
    panel = curve(session)
    panel.show_selection(("neuron", 1, 1))
    session.set_current_sample(2)
    commands.train(session, 1)
    panel.controller.flush()
    record = session.last_step.forward[0]
    row = shown_row(session, session.last_step.sample_indices)
    assert panel.z_line.value() == record.z[row, 1]
    marker_x, marker_y = panel.markers.getData()
    np.testing.assert_array_equal(marker_x, [record.z[row, 1]] * 2)
    np.testing.assert_array_equal(marker_y, [record.a[row, 1], record.derivative[row, 1]])
    assert panel.z_label.textItem.toPlainText() == f"z⁽¹⁾₂ = {format_number(record.z[row, 1])}"


def test_the_rug_has_one_tick_per_sample_of_the_batch(curve):
    session = Session(load_builtin("spiral"))
    panel = curve(session)
    commands.train(session, 2)
    panel.controller.flush()
    layer = panel.layer
    record = session.last_step.forward[layer - 1]
    ticks_z, _ = panel.rug_item.getData()
    assert len(ticks_z) == len(session.last_step.sample_indices) > 1
    np.testing.assert_allclose(np.sort(ticks_z), np.sort(record.z[:, panel.neuron]))


def test_sigmoid_marks_its_derivatives_peak_a_quarter_at_zero(curve):
    panel = curve(xor_session("sigmoid"))
    panel.show_selection(("neuron", 1, 0))
    x, y = panel.feature_points.getData()
    assert list(zip(x, y)) == [(0.0, 0.25)]
    assert "peak σ′(0) = 0.25" in panel.notes
    assert panel.curve_labels == ("σ(z)", "σ′(z) = σ(z)(1 − σ(z))")
    assert "σ′(z) = σ(z)(1 − σ(z))" in panel.heading.text()


def test_tanh_shows_its_limits_plus_and_minus_one(curve):
    panel = curve(xor_session("tanh"))
    panel.show_selection(("neuron", 1, 0))
    limits = sorted(line.value() for line in panel.limit_lines if line.isVisible())
    assert limits == [-1.0, 1.0]
    assert "tanh(z) → 1" in panel.notes and "tanh(z) → −1" in panel.notes


def test_relu_marks_its_kink_and_leaky_relu_its_slope_alpha(curve):
    panel = curve(xor_session("relu"))
    panel.show_selection(("neuron", 1, 0))
    assert "kink at z = 0" in panel.notes
    assert list(zip(*panel.feature_points.getData())) == [(0.0, 0.0)]
    assert not any(line.isVisible() for line in panel.limit_lines)

    leaky = curve(xor_session("leaky_relu", slope=0.15))
    leaky.show_selection(("neuron", 1, 0))
    assert "slope α = 0.15" in leaky.notes
    assert [line.value() for line in leaky.limit_lines if line.isVisible()] == [0.15]


def test_selection_switches_the_curve_and_no_selection_says_which_layer(curve):
    session = xor_session("tanh")
    panel = curve(session)
    assert panel.activation == "tanh" and "last hidden layer" in panel.target_text
    panel.show_selection(("weight", 2, 0, 1))  # a weight into the output neuron
    assert (panel.layer, panel.neuron, panel.activation) == (2, 0, "sigmoid")
    assert "Sigmoid: neuron 1 of layer 2" == panel.target_text
    np.testing.assert_array_equal(panel.f_curve.yData, act.sigmoid(panel.f_curve.xData))
    panel.show_selection(("bias", 1, 2))
    assert (panel.layer, panel.neuron, panel.activation) == (1, 2, "tanh")
    panel.show_selection(("neuron", 0, 1))  # an input: no activation
    assert "an input has no activation" in panel.target_text

    single = curve(Session(load_builtin("lecture-example")))  # no hidden layer
    assert "output layer" in single.heading.text()


def test_stepping_phase_by_phase_moves_the_marker_when_the_forward_pass_reaches_the_layer(
        curve):
    session = xor_session("sigmoid")
    panel = curve(session)
    panel.show_selection(("neuron", 2, 0))
    commands.train(session, 1)
    panel.controller.flush()
    before = session.last_step.forward[1]
    row = shown_row(session, session.last_step.sample_indices)
    assert panel.z == before.z[row, 0]

    first = session.next_phase()  # forward, layer 1: the output neuron is not reached yet
    assert first.layer == 1
    assert panel.z == before.z[row, 0]
    second = session.next_phase()  # forward, layer 2
    assert second.layer == 2
    rows = np.flatnonzero(np.all(first.inputs == session.dataset.x[session.current_sample],
                                 axis=1))
    assert panel.z == second.z[rows[0], 0] != before.z[row, 0]
    np.testing.assert_array_equal(panel.rug_item.getData()[0], second.z[:, 0])
    while session.step_in_progress:
        session.next_phase()
    panel.controller.flush()
    assert panel.z == session.last_step.forward[1].z[row, 0]


def test_text_follows_the_window_text_scale(curve):
    panel = curve(xor_session("sigmoid"))
    size = panel.note_items[0].textItem.font().pointSizeF()
    panel.set_font_scale(2.0)
    assert panel.note_items[0].textItem.font().pointSizeF() == pytest.approx(2 * size)
    assert panel.plot.getAxis("bottom").style["tickFont"].pointSizeF() == pytest.approx(26)


def test_the_view_menu_shows_it_for_the_canvas_selection_at_the_windows_text_size(
        window, qtbot):
    from PySide6.QtWidgets import QDockWidget

    window.new_from_builtin("xor")
    window.action("activation_curve").trigger()
    dock = window.findChild(QDockWidget, "activation_curve_plot_dock")
    qtbot.waitUntil(dock.isVisible)
    panel = dock.widget()
    assert "last hidden layer" in panel.target_text
    window.canvas.select(("neuron", 2, 0))
    assert (panel.layer, panel.neuron) == (2, 0)
    assert panel.target_text == "Sigmoid: neuron 1 of layer 2"
    size = panel.z_label.textItem.font().pointSizeF()
    window.larger_text()
    assert panel.z_label.textItem.font().pointSizeF() > size
