"""Guard against the PySide6 6.12 / Python 3.11 bug that drops a reference to None on
every call of a void Qt method.  A drawing loop makes thousands of such calls a second,
so None's count soon reaches zero and the interpreter crashes.  pyproject.toml keeps
Python 3.11 below PySide6 6.12 for this; these tests fail if that pin is lost or a
version the pin allows brings the bug back.

Under Python 3.12 and later None is immortal and its count never moves, so the
refcount test passes trivially there; it still runs.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import PySide6
from packaging.requirements import Requirement
from packaging.version import Version
from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage, QPainter

CALLS = 1000
#: a few references may come and go for unrelated reasons; the bug loses one per call
TOLERANCE = 10


def test_void_qt_calls_keep_the_reference_to_none(qapp):
    image = QImage(64, 64, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        before = sys.getrefcount(None)
        for k in range(CALLS):
            painter.drawLine(0, k % 64, 63, 63 - k % 64)
            painter.drawPoint(QPoint(k % 64, 5))
        after = sys.getrefcount(None)
    finally:
        painter.end()
    assert after >= before - TOLERANCE, (
        f"{before - after} references to None lost over {2 * CALLS} void Qt calls")


def _pyside6_pins() -> list[Requirement]:
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    with open(pyproject, "rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    return [Requirement(text) for text in dependencies
            if Requirement(text).name == "PySide6-Essentials"]


def _allowed(version: str, python: str) -> bool:
    """Whether pyproject.toml lets ``python`` install PySide6 ``version``."""
    environment = {"python_version": python, "python_full_version": f"{python}.0"}
    return any(pin.specifier.contains(version) for pin in _pyside6_pins()
               if pin.marker is None or pin.marker.evaluate(environment))


def test_the_pin_keeps_python_3_11_off_pyside6_6_12():
    assert not _allowed("6.12.0", "3.11")
    # the versions that pass the whole suite stay allowed
    assert _allowed("6.10.3", "3.11") and _allowed("6.11.3", "3.11")
    assert _allowed("6.12.0", "3.12") and _allowed("6.12.0", "3.13")


def test_the_installed_pyside6_is_one_the_pin_allows():
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert _allowed(PySide6.__version__, python), (PySide6.__version__, python)
    if sys.version_info < (3, 12):
        assert Version(PySide6.__version__) < Version("6.12")
