"""Under a dark system palette the window stays readable: bpsim applies its own light
palette everywhere (the canvas and the plots are drawn on white anyway), so no text
ends up light on a light toolbar or dark on a dark dock.  Measured on the pixels the
user sees, with the WCAG contrast ratio."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QToolBar, QToolButton

#: WCAG AA for normal text
READABLE = 4.5


def _luminance(colour: QColor) -> float:
    """Relative luminance Y of an sRGB colour (0 black … 1 white)."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
              for c in (colour.redF(), colour.greenF(), colour.blueF())]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: QColor, other: QColor) -> float:
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_contrast(widget, inset: int = 3) -> tuple[float, QColor, QColor]:
    """(contrast, text colour, background) of a widget as drawn: the background is its
    commonest pixel, the text the pixel farthest from it (its borders left out)."""
    image = widget.grab().toImage()
    pixels = Counter(image.pixel(x, y) for x in range(inset, image.width() - inset)
                     for y in range(inset, image.height() - inset))
    background = QColor.fromRgb(pixels.most_common(1)[0][0])
    text = max((QColor.fromRgb(p) for p in pixels), key=lambda c: _contrast(c, background))
    return _contrast(text, background), text, background


def dark_palette() -> QPalette:
    """A dark desktop's palette (Fusion's dark colours)."""
    palette = QPalette()
    role = QPalette.ColorRole
    for name, colour in ((role.Window, "#353535"), (role.WindowText, "#f0f0f0"),
                         (role.Base, "#252525"), (role.AlternateBase, "#353535"),
                         (role.Text, "#f0f0f0"), (role.Button, "#353535"),
                         (role.ButtonText, "#f0f0f0"), (role.Highlight, "#2a82da"),
                         (role.HighlightedText, "#000000"), (role.ToolTipBase, "#252525"),
                         (role.ToolTipText, "#f0f0f0"), (role.Light, "#505050"),
                         (role.Mid, "#404040"), (role.Dark, "#202020")):
        palette.setColor(name, QColor(colour))
    return palette


@pytest.fixture
def dark_desktop():
    """bpsim starting on a desktop with a dark colour scheme."""
    app = QApplication.instance()
    saved = QPalette(app.palette())
    app.setPalette(dark_palette())
    app.setProperty("bpsim_configured", False)  # starts as on a fresh launch
    yield
    app.setPalette(saved)


def _grab_targets(window):
    toolbar = window.findChild(QToolBar, "toolbar")
    checked = [button for button in toolbar.findChildren(QToolButton)
               if button.isChecked() and button.isVisible()]
    assert checked, "the lecture example has Show weights checked"
    training = window.docks["training"]
    return {"status bar": window.statusBar(), "checked toolbar button": checked[0],
            "toolbar": window.transport, "training dock": training,
            "layers dock": window.docks["layers"], "canvas": window.canvas}


def test_a_dark_system_palette_leaves_every_text_readable(dark_desktop, open_window):
    window = open_window()
    window.resize(1280, 720)
    window.load_deferred_docks()
    QApplication.processEvents()
    window.statusBar().showMessage("Trained 10 steps")
    QApplication.processEvents()
    unreadable = []
    for name, widget in _grab_targets(window).items():
        contrast, text, background = text_contrast(widget)
        if contrast < READABLE:
            unreadable.append(f"{name}: {text.name()} on {background.name()} = "
                              f"{contrast:.1f}:1")
    assert not unreadable, unreadable


def test_the_measure_finds_light_text_on_a_light_button(qtbot):
    # else the test above passes on any window
    button = QToolButton()
    button.setText("Show weights")
    button.setStyleSheet("QToolButton { background: #dbe9f6; color: #f0f0f0; }")
    qtbot.addWidget(button)
    button.resize(140, 30)
    assert text_contrast(button)[0] < READABLE
