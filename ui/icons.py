"""The application icon as PNG files in the usual hicolor sizes, drawn from its SVG.

``bpsim install-desktop`` runs without Qt, so it copies PNGs shipped beside the SVG
(``resources/icons/bpsim-<size>.png``); this module draws them (see
tests/ui/test_desktop_icons.py, which checks the shipped ones are up to date):

    python -c "from bpsim.ui.icons import write_pngs; write_pngs('resources/icons')"
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from bpsim.desktop import ICON_SIZES


def svg_path() -> Path:
    return Path(str(importlib.resources.files("bpsim.resources") / "icons" / "bpsim.svg"))


def render(size: int) -> QImage:
    """The icon drawn at ``size`` × ``size`` pixels on a transparent ground."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg_path())).render(painter)
    painter.end()
    return image


def write_pngs(folder) -> list[Path]:
    """bpsim-<size>.png for every size of ICON_SIZES, into ``folder``."""
    written = []
    for size in ICON_SIZES:
        path = Path(folder) / f"bpsim-{size}.png"
        if not render(size).save(str(path), "PNG"):
            raise OSError(f"{path}: cannot write")
        written.append(path)
    return written
