"""One number format everywhere a person reads a number: after steps on deep-sigmoid
(tiny gradients) with the loss on a log axis, no text shown writes an exponent as
"e-05"/"e+04" or a zero as "−0"."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from bpsim.ui import commands
from bpsim.ui.plots.style import Axis

#: "1e-05", "2.5E+04": Python's exponent form
EXPONENT = re.compile(r"\d[eE][+\-−]?\d")
#: "-0", "−0", "−0.0" as a whole number (not "−0.5")
MINUS_ZERO = re.compile(r"(?<![\w.])[-−]0(\.0*)?(?![\d.])")


def bad_numbers(text: str) -> list[str]:
    return EXPONENT.findall(text) + [m.group(0) for m in MINUS_ZERO.finditer(text)]


def test_the_patterns_catch_what_they_should():
    assert bad_numbers("1e-05") and bad_numbers("−0") and bad_numbers("x = -0.00")
    assert not bad_numbers("1×10⁻⁵ · −0.5 · 10 · layer 1e")


def axis_strings(axis: Axis) -> list[str]:
    low, high = axis.range
    size = max(axis.width() if axis.orientation in ("top", "bottom") else axis.height(), 200)
    out = []
    for spacing, values in axis.tickValues(low, high, size):
        out += axis.tickStrings(values, axis.autoSIPrefixScale * axis.scale, spacing)
    return out


def test_every_shown_text_uses_the_one_number_format(open_window, qtbot):
    window = open_window("deep-sigmoid")
    window.load_deferred_docks()
    loss = window.findChild(QWidget, "loss_plot_dock").widget()
    loss.set_log(True)
    commands.train(window.session, 40)
    window.animator.next_phase()
    window.animator.next_phase()
    for dock in window.plot_docks:
        dock.show()
    window.plot_docks[0].widget().controller.flush()
    QApplication.processEvents()

    texts = []
    for widget in window.findChildren(QWidget):
        if isinstance(widget, (QLabel, QAbstractButton)):
            texts.append(widget.text())
        texts.append(widget.toolTip())
    texts.append(window.statusBar().currentMessage())
    texts.append(window.phase_drawing.banner_text)
    checked_axes = 0
    for dock in window.plot_docks:
        plot = dock.widget().plot
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            texts += axis_strings(axis)
            checked_axes += 1
    assert loss.plot.getAxis("left").logMode
    canvas = window.canvas
    net = window.session.network
    for l in range(1, len(net.layers)):
        for j in range(net.layers[l]):
            texts.append(canvas.describe(("neuron", l, j)))
            texts.append(canvas.describe(("bias", l, j)))
            texts += [canvas.describe(("weight", l, j, i)) for i in range(net.layers[l - 1])]
    assert checked_axes >= 8
    bad = {text: bad_numbers(text) for text in texts if text and bad_numbers(text)}
    assert not bad


@pytest.mark.parametrize("spacing, values, expected", [
    (1e-5, [-1e-5, 0.0, 1e-5, 2e-5], ["−1×10⁻⁵", "0", "1×10⁻⁵", "2×10⁻⁵"]),
    (0.1, [-0.1, -1e-17, 0.30000000000000004], ["−0.1", "0", "0.3"]),
    (5000.0, [0.0, 5000.0, 10000.0, 15000.0], ["0", "5×10³", "1×10⁴", "1.5×10⁴"]),
])
def test_linear_ticks_in_the_one_number_format(qtbot, spacing, values, expected):
    axis = Axis("left")
    assert axis.tickStrings(values, 1.0, spacing) == expected
