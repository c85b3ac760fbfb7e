"""The palette: every colour of the window lives in ui/theme.py, and the colours that
carry a meaning (the sign of a weight, a gradient, a δ) stay told apart."""

from __future__ import annotations

import colorsys
import re
from pathlib import Path

import pytest
from PySide6.QtGui import QColor

import bpsim.ui
from bpsim.ui import theme
from bpsim.ui.canvas.highlights import _sign_colour

UI_FOLDER = Path(bpsim.ui.__file__).parent
#: #rgb, #rgba, #rrggbb, #rrggbbaa; not an HTML entity (&#8722;) nor an object name
#: in a style sheet (#animation_banner)
HEX_COLOUR = re.compile(r"(?<![&\w])#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3,4})\b")
#: QColor("white"): a colour by name is a colour all the same
NAMED_COLOUR = re.compile(r"""QColor\(\s*["'][A-Za-z]+["']\s*\)""")


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    return tuple(int(hex_colour[k:k + 2], 16) / 255 for k in (1, 3, 5))


def _luminance(hex_colour: str) -> float:
    """Relative luminance Y of an sRGB colour (0 black … 1 white)."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
              for c in _rgb(hex_colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _lightness(hex_colour: str) -> float:
    """CIE L* (0 black … 100 white): the lightness a person sees, whatever hue."""
    y = _luminance(hex_colour)
    f = y ** (1 / 3) if y > (6 / 29) ** 3 else y / (3 * (6 / 29) ** 2) + 4 / 29
    return 116 * f - 16


def _contrast(one: str, other: str) -> float:
    """WCAG contrast ratio, 1 (none) … 21 (black on white)."""
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _hue_degrees(hex_colour: str) -> float:
    return 360 * colorsys.rgb_to_hsv(*_rgb(hex_colour))[0]


def _colour_literals(text: str) -> list[str]:
    return HEX_COLOUR.findall(text) + NAMED_COLOUR.findall(text)


def test_the_pattern_finds_the_colours_it_must_refuse():
    # else the test below passes on any tree
    assert _colour_literals(Path(theme.__file__).read_text("utf-8"))
    assert _colour_literals("""pen = QColor("white"); css = 'color:#fff; x: #12345678'""") \
        == ["#fff", "#12345678", 'QColor("white")']
    assert not _colour_literals("#animation_banner { } &#8722; # 1e-9 #add_button")


def test_no_colour_outside_the_palette():
    offenders = []
    for path in sorted(UI_FOLDER.rglob("*.py")):
        if path == Path(theme.__file__):
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            for found in _colour_literals(line):
                offenders.append(f"{path.relative_to(UI_FOLDER)}:{number}: {found}")
    assert offenders == [], "colours belong in ui/theme.py"


def test_the_sign_pair_is_told_apart_without_colour_vision():
    # A lightness step survives every kind of colour blindness and a grey-scale print;
    # the hues sit on opposite sides of the colour wheel for everyone else.
    assert abs(_lightness(theme.POSITIVE) - _lightness(theme.NEGATIVE)) >= 10
    hue_gap = abs(_hue_degrees(theme.POSITIVE) - _hue_degrees(theme.NEGATIVE)) % 360
    assert min(hue_gap, 360 - hue_gap) >= 120
    # both stand out on the white canvas, and zero stands out from both: grey, no hue
    for colour in (theme.POSITIVE, theme.NEGATIVE):
        assert _lightness(theme.PAPER) - _lightness(colour) >= 30
        assert QColor(colour).hsvSaturationF() >= 0.5
    assert QColor(theme.ZERO).hsvSaturationF() == 0


@pytest.mark.parametrize("tone, sign", [
    (theme.POSITIVE, theme.POSITIVE), (theme.LIGHT_POSITIVE, theme.POSITIVE),
    (theme.NEGATIVE, theme.NEGATIVE), (theme.LIGHT_NEGATIVE, theme.NEGATIVE),
    (theme.ZERO, theme.ZERO)])
def test_a_pale_tone_keeps_the_sign_of_its_end(tone, sign):
    # the gradient-check overlay reads the sign of an edge back from its colour
    assert _sign_colour(QColor(tone)).name() == sign


def test_every_compare_variant_has_its_own_colour():
    assert len({colour.lower() for colour in theme.VARIANTS}) == len(theme.VARIANTS)


def test_presentation_text_reads_on_a_projector():
    # WCAG AAA: 7:1 for text; a projector in a lit room loses much of the rest
    for ink, paper in ((theme.HIGH_CONTRAST_INK, theme.HIGH_CONTRAST_PAPER),
                       (theme.HIGH_CONTRAST_SOFT_INK, theme.HIGH_CONTRAST_PAPER),
                       (theme.HIGH_CONTRAST_PAPER, theme.HIGH_CONTRAST_SELECTION)):
        assert _contrast(ink, paper) >= 7
