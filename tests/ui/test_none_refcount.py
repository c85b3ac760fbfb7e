"""Guard against the PySide6 6.12 / Python 3.11 bug that drops a reference to None on
every call of a void Qt method.  A drawing loop makes thousands of such calls a second,
so None's count soon reaches zero and the interpreter crashes.  The project pins
PySide6 6.10 for this (and for pyqtgraph's SVG export); these tests fail if the pin is
lost or a future version brings the bug back.

Under Python 3.12 and later None is immortal and its count never moves, so the
refcount test passes trivially there; it still runs.
"""

from __future__ import annotations

import sys

import PySide6
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


def test_pyside6_is_the_pinned_6_10():
    assert PySide6.__version__.startswith("6.10."), PySide6.__version__
