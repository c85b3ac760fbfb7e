"""The network canvas, driven as a teacher would: click, double-click, type, undo."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario
from bpsim.training import TrainingSettings
from bpsim.ui import commands, theme
from bpsim.ui.canvas import NetworkCanvas
from bpsim.ui.session import Session


def make_canvas(qtbot, scenario):
    session = Session(scenario)
    canvas = NetworkCanvas(session)
    qtbot.addWidget(canvas)
    canvas.resize(900, 560)
    canvas.show()
    qtbot.waitExposed(canvas)
    return session, canvas


@pytest.fixture
def lecture(qtbot, lecture_example):
    return make_canvas(qtbot, lecture_example)


def view_point(canvas, scene_point: QPointF) -> QPoint:
    return canvas.mapFromScene(scene_point)


def click(canvas, scene_point: QPointF) -> None:
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, view_point(canvas, scene_point))


def double_click(canvas, scene_point: QPointF) -> None:
    QTest.mouseDClick(canvas.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier, view_point(canvas, scene_point))


def type_into_editor(qtbot, canvas, text: str) -> None:
    editor = canvas.editor
    assert editor is not None and editor.isVisible()
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)  # the old value goes, as when typing over it
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


# -- what is shown ---------------------------------------------------------------------


def test_lecture_example_shows_forward_pass_weight_and_target(lecture):
    session, canvas = lecture
    assert canvas.neuron_text(0, 0) == "3"
    assert canvas.neuron_text(1, 0) == "0.3"
    assert canvas.edge_label_text(1, 0, 0) == "0.1"
    assert canvas.bias_text(1, 0) == "b = 0"
    assert canvas.output_text(0) == "ŷ = 0.3\ny = 1"


def test_after_one_training_step_the_edge_shows_the_new_weight(lecture):
    session, canvas = lecture
    commands.train(session, 1)
    assert canvas.edge_label_text(1, 0, 0) == "4.3"
    assert canvas.neuron_text(1, 0) == "12.9"  # ŷ = 4.3 · 3
    session.undo_stack.undo()
    assert canvas.edge_label_text(1, 0, 0) == "0.1"


def test_negative_values_use_a_real_minus_sign(lecture):
    session, canvas = lecture
    session.undo_stack.push(commands.SetWeightCommand(session, 1, 0, 0, -4.2))
    assert canvas.edge_label_text(1, 0, 0) == "−4.2"
    assert canvas.neuron_text(1, 0) == "−12.6"


def test_large_and_tiny_values_read_as_the_lecture_writes_them(lecture, qtbot):
    # one format everywhere: a power of ten as ×10ⁿ, never "1.235e4", never "−0"
    session, canvas = lecture
    session.undo_stack.push(commands.SetWeightCommand(session, 1, 0, 0, 12345.6))
    assert canvas.edge_label_text(1, 0, 0) == "1.235×10⁴"
    session.undo_stack.push(commands.SetWeightCommand(session, 1, 0, 0, -1e-12))
    assert canvas.edge_label_text(1, 0, 0) == "−1×10⁻¹²"
    # the editor opens with every digit, in the form it reads back
    double_click(canvas, canvas.edge_midpoint(1, 0, 0))
    assert canvas.editor.text() == "−1×10⁻¹²"
    canvas.editor.setText("2,5×10⁻³")  # as pasted (QTest types Latin-1 keys only)
    qtbot.keyClick(canvas.editor, Qt.Key.Key_Return)
    assert session.network.weights[0][0, 0] == 0.0025


def test_layer_headings_name_the_activation(qtbot, xor):
    _, canvas = make_canvas(qtbot, xor)
    assert [h.text() for h in canvas._headings] == [
        "Input", "Hidden 1 · sigmoid", "Output · sigmoid"]


def test_weight_labels_can_be_hidden(lecture):
    _, canvas = lecture
    canvas.set_show_weights(False)
    assert canvas.edge_label_text(1, 0, 0) is None
    canvas.set_show_weights(True)
    assert canvas.edge_label_text(1, 0, 0) == "0.1"


def test_xor_weight_labels_do_not_overlap_each_other_or_the_biases(qtbot, xor):
    _, canvas = make_canvas(qtbot, xor)
    rects = [canvas.edge_label_item(l, j, i).sceneBoundingRect()
             for l, (n_out, n_in) in ((1, (2, 2)), (2, (1, 2)))
             for j in range(n_out) for i in range(n_in)]
    rects += [canvas.bias_item(l, j).sceneBoundingRect() for l, n in ((1, 2), (2, 1))
              for j in range(n)]
    for a in range(len(rects)):
        for b in range(a + 1, len(rects)):
            assert not rects[a].intersects(rects[b]), (a, b)


def test_large_networks_have_no_weight_labels_but_every_edge(qtbot):
    layers = [4, 16, 16, 2]
    weights = [np.full((m, n), 0.1) for n, m in zip(layers[:-1], layers[1:])]
    biases = [np.zeros(m) for m in layers[1:]]
    scenario = Scenario(Network(layers, ["relu", "relu", "identity"], weights, biases),
                        TrainingSettings(), DataSpec.from_samples([([1, 2, 3, 4], [0, 1])]))
    _, canvas = make_canvas(qtbot, scenario)
    assert not canvas.has_weight_labels
    assert canvas.edges.edge_count == 4 * 16 + 16 * 16 + 16 * 2


# -- selecting ---------------------------------------------------------------------------


def test_clicking_an_edge_selects_its_weight(lecture, qtbot):
    session, canvas = lecture
    canvas.set_show_weights(False)  # the click must hit the line itself, not a label
    with qtbot.waitSignal(canvas.selection_changed) as signal:
        click(canvas, canvas.edge_midpoint(1, 0, 0))
    assert signal.args == [("weight", 1, 0, 0)]
    assert canvas.selection == ("weight", 1, 0, 0)


def test_clicking_a_crossing_edge_away_from_labels_picks_the_right_one(qtbot, xor):
    _, canvas = make_canvas(qtbot, xor)
    click(canvas, canvas.edge_point(1, 1, 0, 0.8))  # x₀ → hidden neuron 1
    assert canvas.selection == ("weight", 1, 1, 0)
    click(canvas, canvas.edge_point(1, 0, 1, 0.8))  # x₁ → hidden neuron 0
    assert canvas.selection == ("weight", 1, 0, 1)


def test_clicking_neuron_bias_and_empty_space(lecture, qtbot):
    _, canvas = lecture
    click(canvas, canvas.neuron_item(1, 0).scenePos())
    assert canvas.selection == ("neuron", 1, 0)
    assert canvas.neuron_item(1, 0).selected
    click(canvas, canvas.bias_item(1, 0).scenePos())
    assert canvas.selection == ("bias", 1, 0)
    assert canvas.bias_item(1, 0).selected and not canvas.neuron_item(1, 0).selected
    with qtbot.waitSignal(canvas.selection_changed) as signal:
        click(canvas, canvas.neuron_item(1, 0).scenePos() + QPointF(0, -200))
    assert signal.args == [None]


def test_select_programmatically_highlights(lecture, qtbot):
    _, canvas = lecture
    with qtbot.waitSignal(canvas.selection_changed) as signal:
        canvas.select(("weight", 1, 0, 0))
    assert signal.args == [("weight", 1, 0, 0)]
    assert canvas.edge_label_item(1, 0, 0).selected
    canvas.select(None)
    assert not canvas.edge_label_item(1, 0, 0).selected
    with pytest.raises(ValueError):
        canvas.select(("weight", 1, 3, 0))


# -- editing in place --------------------------------------------------------------------


def test_double_click_edge_and_type_sets_weight_undoably(lecture, qtbot):
    session, canvas = lecture
    double_click(canvas, canvas.edge_midpoint(1, 0, 0))
    type_into_editor(qtbot, canvas, "0.5")
    assert session.network.weights[0][0, 0] == 0.5
    assert session.undo_stack.undoText() == "Set w⁽¹⁾[1,1] = 0.5"
    assert canvas.edge_label_text(1, 0, 0) == "0.5"
    assert canvas.neuron_text(1, 0) == "1.5"
    assert canvas.editor is None
    session.undo_stack.undo()
    assert session.network.weights[0][0, 0] == 0.1
    assert canvas.edge_label_text(1, 0, 0) == "0.1"


@pytest.mark.parametrize("text", ["abc", "nan", "inf", ""])
def test_invalid_text_is_refused_with_a_message(lecture, qtbot, text):
    session, canvas = lecture
    double_click(canvas, canvas.edge_midpoint(1, 0, 0))
    editor = canvas.editor
    with qtbot.waitSignal(session.message) as signal:
        type_into_editor(qtbot, canvas, text)
    assert signal.args[0]  # a readable reason
    assert session.network.weights[0][0, 0] == 0.1
    assert session.undo_stack.count() == 0
    assert canvas.editor is editor and editor.isVisible()  # still open to correct
    assert theme.ERROR in editor.styleSheet()  # red border
    assert canvas.notice_text == signal.args[0]  # the reason, shown under the editor
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert canvas.editor is None
    assert canvas.notice_text == ""
    assert canvas.edge_label_text(1, 0, 0) == "0.1"


def test_typed_numbers_accept_the_displayed_minus_and_a_decimal_comma():
    # the canvas editor reads what is typed with the one parser
    from bpsim.notation.numbers import parse_number
    assert parse_number("−0.25") == -0.25
    assert parse_number(" 0,5 ") == 0.5
    assert parse_number("1e-3") == 0.001
    assert parse_number("1.235×10⁴") == 12350.0  # what the canvas shows reads back
    for bad in ("abc", "nan", "inf", "-inf", "", "  "):
        with pytest.raises(ValueError):
            parse_number(bad)


def test_escape_cancels_an_edit(lecture, qtbot):
    session, canvas = lecture
    double_click(canvas, canvas.edge_midpoint(1, 0, 0))
    qtbot.keyClicks(canvas.editor, "7")
    qtbot.keyClick(canvas.editor, Qt.Key.Key_Escape)
    assert session.network.weights[0][0, 0] == 0.1
    assert session.undo_stack.count() == 0


def test_double_click_bias_edits_it_undoably(lecture, qtbot):
    session, canvas = lecture
    double_click(canvas, canvas.bias_item(1, 0).scenePos())
    type_into_editor(qtbot, canvas, "-0.25")
    assert session.network.biases[0][0] == -0.25
    assert canvas.bias_text(1, 0) == "b = −0.25"
    assert canvas.neuron_text(1, 0) == "0.05"
    session.undo_stack.undo()
    assert canvas.bias_text(1, 0) == "b = 0"


def test_keyboard_edits_the_selection(lecture, qtbot):
    session, canvas = lecture
    canvas.select(("bias", 1, 0))
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_F2)
    type_into_editor(qtbot, canvas, "0.2")
    assert session.network.biases[0][0] == 0.2
    assert session.undo_stack.undoText() == "Set b⁽¹⁾[1] = 0.2"
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.selection is None


def test_double_click_input_neuron_edits_the_sample(lecture, qtbot):
    session, canvas = lecture
    double_click(canvas, canvas.neuron_item(0, 0).scenePos())
    type_into_editor(qtbot, canvas, "2")
    assert session.scenario.data.samples == (((2.0,), (1.0,)),)
    assert canvas.neuron_text(0, 0) == "2"
    assert canvas.neuron_text(1, 0) == "0.2"
    session.undo_stack.undo()
    assert canvas.neuron_text(0, 0) == "3"


def test_generated_data_is_not_editable_on_the_canvas(qtbot, xor):
    scenario = xor
    scenario.data = DataSpec(generator="xor", n=8, noise=0.0, seed=1)
    session, canvas = make_canvas(qtbot, scenario)
    with qtbot.waitSignal(session.message) as signal:
        double_click(canvas, canvas.neuron_item(0, 0).scenePos())
    assert "not editable" in signal.args[0]
    assert "not editable" in canvas.notice_text
    assert canvas.editor is None


# -- items are built once per architecture -------------------------------------------------


def test_parameter_changes_restyle_without_rebuilding(lecture):
    session, canvas = lecture
    items = (canvas.edges, canvas.neuron_item(1, 0), canvas.bias_item(1, 0),
             canvas.edge_label_item(1, 0, 0))
    scene_items = set(canvas.scene().items())
    session.undo_stack.push(commands.SetWeightCommand(session, 1, 0, 0, 2.0))
    session.undo_stack.push(commands.SetBiasCommand(session, 1, 0, 1.0))
    commands.train(session, 2)
    assert (canvas.edges, canvas.neuron_item(1, 0), canvas.bias_item(1, 0),
            canvas.edge_label_item(1, 0, 0)) == items
    assert set(canvas.scene().items()) == scene_items


def test_architecture_change_rebuilds(lecture):
    session, canvas = lecture
    old_edges = canvas.edges
    network = Network([1, 2, 1], ["tanh", "identity"], [[[0.1], [0.2]], [[0.3, 0.4]]],
                      [[0.0, 0.0], [0.0]])
    session.undo_stack.push(commands.SetNetworkCommand(session, network, "Add hidden layer"))
    assert canvas.edges is not old_edges
    assert canvas.edges.edge_count == 4
    assert [h.text() for h in canvas._headings] == ["Input", "Hidden 1 · tanh",
                                                     "Output · identity"]
    assert canvas.edge_label_text(2, 0, 1) == "0.4"
    session.undo_stack.undo()
    assert canvas.edges.edge_count == 1


def test_selection_survives_rebuild_only_if_it_still_exists(lecture, qtbot):
    session, canvas = lecture
    canvas.select(("weight", 1, 0, 0))
    sigmoid = Network([1, 1], ["sigmoid"], [[[0.1]]], [[0.0]])
    session.undo_stack.push(commands.SetNetworkCommand(session, sigmoid, "Sigmoid"))
    assert canvas.selection == ("weight", 1, 0, 0)
    assert canvas.edge_label_item(1, 0, 0).selected  # highlighted on the new items

    bigger = Network([1, 2, 1], ["tanh", "identity"], [[[0.1], [0.2]], [[0.3, 0.4]]],
                     [[0.0, 0.0], [0.0]])
    session.undo_stack.push(commands.SetNetworkCommand(session, bigger, "Bigger"))
    canvas.select(("neuron", 1, 1))
    with qtbot.waitSignal(canvas.selection_changed) as signal:
        session.undo_stack.undo()  # back to [1, 1]: hidden neuron 1 is gone
    assert signal.args == [None]
    assert canvas.selection is None


# -- hooks for the animation -----------------------------------------------------------------


def test_gradient_mode_and_overrides_are_restyles(lecture):
    session, canvas = lecture
    items = set(canvas.scene().items())
    canvas.set_edge_values([np.array([[-4.2]])], mode="gradient")
    assert canvas.edge_label_text(1, 0, 0) == "−4.2"
    assert "gradient" in canvas.legend_text
    canvas.set_neuron_texts([None, [""]])
    assert canvas.neuron_text(0, 0) == "3" and canvas.neuron_text(1, 0) == ""
    canvas.highlight_layer(1)
    assert set(canvas.scene().items()) == items
    canvas.clear_overrides()
    assert canvas.edge_label_text(1, 0, 0) == "0.1"
    assert canvas.neuron_text(1, 0) == "0.3"
    assert "weight" in canvas.legend_text


# -- view --------------------------------------------------------------------------------------


def test_wheel_zoom_then_fit(lecture, qtbot):
    _, canvas = lecture
    fitted = canvas.transform().m11()
    canvas.zoom_in()
    assert canvas.transform().m11() == pytest.approx(fitted * 1.25)
    assert canvas.user_zoomed
    canvas.resize(700, 500)  # the user's zoom is kept on resize
    assert canvas.transform().m11() == pytest.approx(fitted * 1.25)
    canvas.zoom_fit()
    assert not canvas.user_zoomed
    assert canvas.transform().m11() <= fitted + 1e-9


def test_larger_text_scales_canvas_text(lecture):
    _, canvas = lecture
    before = canvas.neuron_item(1, 0).font.pixelSize()
    item = canvas.neuron_item(1, 0)
    canvas.set_font_scale(1.5)
    assert canvas.neuron_item(1, 0) is item
    assert item.font.pixelSize() == round(before * 1.5)
    assert canvas.neuron_text(1, 0) == "0.3"


def test_export_png_and_svg(lecture, tmp_path):
    _, canvas = lecture
    png, svg = tmp_path / "net.png", tmp_path / "net.svg"
    assert canvas.export_png(png)
    assert canvas.export_svg(svg)
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 100
    assert image.pixelColor(1, 1).name() == "#ffffff"  # white background
    text = svg.read_text()
    assert "<svg" in text and "0.3" in text


# -- sharp at any display scaling -----------------------------------------------------------


def render_viewport(canvas, pixel_ratio: float, sprites: bool = True) -> np.ndarray:
    """The canvas drawn into an image of ``pixel_ratio`` device pixels per logical pixel
    (2 = a screen at 200 %), as RGBA rows; ``sprites=False`` draws true vector circles."""
    from PySide6.QtCore import QRect, QRectF
    from PySide6.QtGui import QColor, QPainter

    from bpsim.ui.canvas.items import BackdropItem

    width, height = canvas.viewport().width(), canvas.viewport().height()
    image = QImage(round(width * pixel_ratio), round(height * pixel_ratio),
                   QImage.Format.Format_RGBA8888)
    image.setDevicePixelRatio(pixel_ratio)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    BackdropItem.use_sprites = sprites
    try:
        canvas.render(painter, QRectF(0, 0, width, height), QRect(0, 0, width, height))
    finally:
        BackdropItem.use_sprites = True
        painter.end()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, :4 * image.width()].reshape(image.height(), image.width(), 4).astype(int)


def test_neuron_sprites_have_the_device_pixels_of_the_screen(qtbot, xor):
    from PySide6.QtGui import QColor

    from bpsim.ui.canvas.items import BackdropItem

    _, canvas = make_canvas(qtbot, xor)
    (backdrop,) = [item for item in canvas.scene().items() if isinstance(item, BackdropItem)]
    zoom = canvas.transform().m11()
    at_100 = backdrop.sprite(QColor("#88aadd"), zoom, 1.0)
    at_200 = backdrop.sprite(QColor("#88aadd"), zoom, 2.0)
    assert at_200.devicePixelRatio() == 2.0 and at_100.devicePixelRatio() == 1.0
    assert abs(at_200.width() - 2 * at_100.width()) <= 1
    # the same logical size on screen
    assert at_200.deviceIndependentSize().width() == pytest.approx(at_100.width(), abs=0.5)


def test_neurons_at_200_percent_are_as_sharp_as_true_circles(qtbot, xor):
    """A sprite drawn for 100 % and enlarged to 200 % is blurry: its circles differ from
    true vector circles in many more pixels than at 100 %."""
    _, canvas = make_canvas(qtbot, xor)

    def pixels_off(pixel_ratio: float) -> int:
        difference = np.abs(render_viewport(canvas, pixel_ratio)
                            - render_viewport(canvas, pixel_ratio, sprites=False))
        return int((difference.max(axis=2) > 64).sum())

    at_100 = pixels_off(1.0)
    assert at_100 > 0  # sprites sit on whole pixels: some edge pixels always differ
    assert pixels_off(2.0) <= 4 * at_100  # 4 × the pixels, no more off per pixel
