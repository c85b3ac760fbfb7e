"""The Layer focus dock and the canvas's level of detail: readable big networks."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint

from bpsim.ui.canvas import NetworkCanvas
from bpsim.ui.canvas import style
from bpsim.ui.docks.layer_focus import EMPTY_TEXT, LayerFocusDock
from bpsim.ui.session import Session


def blocks(dock):
    """{symbol: numbers} of the blocks the dock draws."""
    return {p.block.symbol: p.block.values for p in dock.view.placed_blocks()}


@pytest.fixture
def focus(qtbot):
    def make(scenario):
        session = Session(scenario)
        dock = LayerFocusDock(session)
        qtbot.addWidget(dock)
        dock.resize(900, 700)
        dock.show()
        return session, dock
    return make


def test_empty_before_any_step_then_the_recorded_numbers(focus, xor):
    session, dock = focus(xor)
    assert EMPTY_TEXT in dock.text()
    assert not dock.view.placed_blocks()
    assert "z⁽¹⁾ = W⁽¹⁾ a⁽⁰⁾ + b⁽¹⁾" in dock.text()  # the formulas, in symbols
    record = session.train(1)[0]
    shown = blocks(dock)
    row = dock.sample_row()
    forward, backward = record.forward[0], record.backward_for(1)
    np.testing.assert_array_equal(shown["z⁽¹⁾"].ravel(), forward.z[row])
    np.testing.assert_array_equal(shown["a⁽¹⁾"].ravel(), forward.a[row])
    np.testing.assert_array_equal(shown["δ⁽¹⁾"].ravel(), backward.delta[row])
    np.testing.assert_array_equal(shown["∂J/∂W⁽¹⁾"], backward.grad_weights)
    np.testing.assert_array_equal(shown["W⁽¹⁾"], record.update.weights_before[0])
    np.testing.assert_array_equal(shown["W⁽²⁾ᵀ"], record.update.weights_before[1].T)
    assert "summed over the batch" in dock.text() and "Step 1" in dock.text()


def test_follows_the_sample_and_the_next_step(focus, xor):
    session, dock = focus(xor)
    session.train(1)
    session.set_current_sample(2)
    record = session.train(1)[0]
    row = list(record.sample_indices).index(2)
    assert dock.sample_row() == row
    np.testing.assert_array_equal(blocks(dock)["a⁽¹⁾"].ravel(), record.forward[0].a[row])
    assert "Step 2" in dock.text() and "sample 3" in dock.text()


def test_switching_layer_and_the_output_delta(focus, xor):
    session, dock = focus(xor)
    record = session.train(1)[0]
    dock.layer_combo.setCurrentIndex(1)  # layer 2, the output
    assert dock.layer == 2
    shown = blocks(dock)
    row = dock.sample_row()
    output = record.backward_for(2)
    np.testing.assert_array_equal(shown["δ⁽²⁾"].ravel(), output.delta[row])
    np.testing.assert_array_equal(shown["∂J/∂W⁽²⁾"], output.grad_weights)
    # xor's loss is not fused with its sigmoid: δ = ∂J/∂ŷ ⊙ σ′(z)
    np.testing.assert_array_equal(shown["∂J/∂ŷ"].ravel(), output.grad_a[row])
    np.testing.assert_array_equal(shown["σ′(z⁽²⁾)"].ravel(), record.forward[1].derivative[row])
    assert "W⁽³⁾ᵀ" not in shown


def test_fused_output_delta_is_y_hat_minus_y(focus, deep_sigmoid):
    session, dock = focus(deep_sigmoid)  # sigmoid output with bce: δ = (ŷ − y)/(B·n)
    record = session.train(1)[0]
    dock.set_layer(session.network.depth)
    shown = blocks(dock)
    row = dock.sample_row()
    assert "fused" in dock.text() and "= ( ŷ − y )/(B·n)" in dock.text()
    np.testing.assert_array_equal(shown["ŷ"].ravel(), record.loss.prediction[row])
    np.testing.assert_array_equal(shown["y"].ravel(), record.loss.target[row])
    np.testing.assert_array_equal(shown[f"δ⁽{_sup(session.network.depth)}⁾"].ravel(),
                                  record.backward[0].delta[row])


def _sup(n):
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def test_deep_sigmoid_hidden_layer_matches_the_record(focus, deep_sigmoid):
    session, dock = focus(deep_sigmoid)
    record = session.train(1)[0]
    dock.set_layer(3)
    shown, row = blocks(dock), dock.sample_row()
    np.testing.assert_array_equal(shown["z⁽³⁾"].ravel(), record.forward[2].z[row])
    np.testing.assert_array_equal(shown["δ⁽³⁾"].ravel(), record.backward_for(3).delta[row])
    np.testing.assert_array_equal(shown["δ⁽⁴⁾"].ravel(), record.backward_for(4).delta[row])
    np.testing.assert_array_equal(shown["∂J/∂W⁽³⁾"], record.backward_for(3).grad_weights)


def test_phase_by_phase_fills_in_as_the_step_goes(focus, xor):
    session, dock = focus(xor)
    session.next_phase()  # forward layer 1
    shown = blocks(dock)
    assert "z⁽¹⁾" in shown and "δ⁽¹⁾" not in shown
    assert "in progress" in dock.text() and "δ⁽¹⁾ = (W⁽²⁾ᵀ δ⁽²⁾) ⊙ σ′(z⁽¹⁾) …" in dock.text()
    while session.step_in_progress:
        session.next_phase()
    record = session.last_step
    row = dock.sample_row()
    np.testing.assert_array_equal(blocks(dock)["δ⁽¹⁾"].ravel(),
                                  record.backward_for(1).delta[row])
    assert "in progress" not in dock.text()
    session.reset_parameters()
    assert EMPTY_TEXT in dock.text()


def test_hover_a_cell_tells_its_number(focus, deep_sigmoid):
    session, dock = focus(deep_sigmoid)
    record = session.train(1)[0]
    dock.set_layer(2)
    placed = next(p for p in dock.view.placed_blocks() if p.block.symbol == "W⁽²⁾")
    corner = placed.rect.topLeft()
    point = corner + type(corner)(placed.cell.width() * 2.5, placed.cell.height() * 0.5)
    # row 1, column 3: w⁽²⁾₁,₃, counted from 1
    from bpsim.notation.numbers import format_number
    assert dock.view.entry_at(point) == \
        f"w⁽²⁾₁,₃ = {format_number(record.update.weights_before[1][0, 2])}"


# -- the canvas: level of detail -----------------------------------------------------------


def test_big_net_at_720p_hides_small_numbers_and_shows_them_on_hover_and_selection(
        qtbot, deep_sigmoid):
    session = Session(deep_sigmoid)
    canvas = NetworkCanvas(session)
    qtbot.addWidget(canvas)
    canvas.resize(640, 400)  # the canvas's share of a 1280×720 window
    canvas.show()
    qtbot.waitExposed(canvas)
    assert not canvas.number_shown(("neuron", 3, 2))
    assert canvas.drawn_numbers() == [] or all(
        size >= style.LEGIBLE_TEXT_PX for _, _, size in canvas.drawn_numbers())
    centre = canvas.mapFromScene(canvas.neuron_item(3, 2).scenePos())
    value = canvas.neuron_text(3, 2)
    assert f"a⁽³⁾₃ = {value}" in canvas.tooltip_at(centre)
    canvas.select(("neuron", 3, 2))
    assert canvas.detail_text == f"a⁽³⁾₃ = {value}"
    canvas.select(("weight", 2, 0, 1))
    assert canvas.detail_text.startswith("w⁽²⁾₁,₂ = ")
    canvas.select(None)
    assert canvas.detail_text == ""


def test_zooming_in_draws_the_numbers_again(qtbot, deep_sigmoid):
    session = Session(deep_sigmoid)
    canvas = NetworkCanvas(session)
    qtbot.addWidget(canvas)
    canvas.resize(640, 400)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.select(("neuron", 3, 2))
    for _ in range(12):
        canvas.zoom_in()
    assert canvas.number_shown(("neuron", 3, 2))
    assert canvas.detail_text == ""  # drawn on the canvas: no need to repeat it
    drawn = canvas.drawn_numbers()
    assert drawn and all(size >= style.LEGIBLE_TEXT_PX for _, _, size in drawn)


def test_small_net_draws_its_numbers(qtbot, lecture_example):
    session = Session(lecture_example)
    canvas = NetworkCanvas(session)
    qtbot.addWidget(canvas)
    canvas.resize(640, 400)
    canvas.show()
    qtbot.waitExposed(canvas)
    drawn = canvas.drawn_numbers()
    keys = {key for key, _, _ in drawn}
    assert ("neuron", 0, 0) in keys and ("weight", 1, 0, 0) in keys and ("bias", 1, 0) in keys
    assert all(size >= style.LEGIBLE_TEXT_PX for _, _, size in drawn)


def test_double_click_on_a_layer_title_asks_for_its_focus(qtbot, xor):
    session = Session(xor)
    canvas = NetworkCanvas(session)
    qtbot.addWidget(canvas)
    canvas.resize(800, 500)
    canvas.show()
    qtbot.waitExposed(canvas)
    heading = canvas._headings[2].sceneBoundingRect().center()
    point = canvas.mapFromScene(heading)
    with qtbot.waitSignal(canvas.layer_focus_requested) as signal:
        qtbot.mouseDClick(canvas.viewport(), __import__("PySide6.QtCore").QtCore.Qt.MouseButton.LeftButton,
                          pos=QPoint(point.x(), point.y()))
    assert signal.args == [2]


def test_window_action_shows_the_selected_layer(qtbot, xor):
    from bpsim.ui.main_window import MainWindow

    window = MainWindow(Session(xor), restore_layout=False)
    qtbot.addWidget(window)
    window.show()
    dock = window.docks["layer_focus"]
    assert dock.isHidden()
    window.canvas.select(("neuron", 2, 0))
    window.action("focus_layer").trigger()
    assert not dock.isHidden() and dock.layer == 2


def test_larger_text_asks_for_larger_numbers(qtbot, xor):
    """Presentation and View ▸ Larger text raise the text scale: the numbers still drawn
    are at least the legible size times that scale, so a projected canvas shows only
    what the back of the room can read."""
    session = Session(xor)
    canvas = NetworkCanvas(session)
    qtbot.addWidget(canvas)
    canvas.resize(640, 400)
    canvas.show()
    qtbot.waitExposed(canvas)
    before = {key for key, _, _ in canvas.drawn_numbers()}
    canvas.set_font_scale(2.0)
    canvas.zoom_fit()
    drawn = canvas.drawn_numbers()
    assert all(size >= 2.0 * style.LEGIBLE_TEXT_PX for _, _, size in drawn)
    assert {key for key, _, _ in drawn} < before  # some small ones went


def test_the_punchline_chain_shows_its_numbers_in_a_1280x720_canvas(qtbot):
    """X → σ → σ → σ: single neurons need no room for crossing edges, so the chain is
    drawn large enough that its values and weights are readable at 1280×720."""
    from bpsim.io import load_builtin

    session = Session(load_builtin("lecture-punchline"))
    canvas = NetworkCanvas(session)
    qtbot.addWidget(canvas)
    canvas.resize(590, 270)  # the canvas's share of a 1280×720 window
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.zoom_fit()
    for layer in range(4):
        assert canvas.number_shown(("neuron", layer, 0)), layer
    for layer in range(1, 4):
        assert canvas.number_shown(("weight", layer, 0, 0)), layer
