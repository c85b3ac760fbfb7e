"""The window as a desktop application: its desktop file name, its icons, a file it
cannot open shown in a message box, screenshots at a scale factor of 2."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox

from bpsim import desktop
from bpsim.ui import app, icons


def test_the_application_names_its_desktop_file(qapp):
    assert app.application().desktopFileName() == desktop.APP_ID


def test_the_shipped_icon_pngs_are_drawn_from_the_svg(qapp):
    for size in desktop.ICON_SIZES:
        shipped = QImage(str(icons.svg_path().with_name(f"bpsim-{size}.png")))
        drawn = icons.render(size).convertToFormat(shipped.format())
        assert shipped.size().toTuple() == (size, size)
        a = np.frombuffer(shipped.constBits(), np.uint8).astype(int)
        b = np.frombuffer(drawn.constBits(), np.uint8).astype(int)
        assert np.abs(a - b).mean() < 2, size


def test_a_file_that_cannot_be_loaded_is_shown_in_a_message_box(malformed_scenario,
                                                                 monkeypatch, capsys):
    path, loader_message = malformed_scenario
    shown = []
    monkeypatch.setattr(app, "dialogs_visible", lambda: True)
    monkeypatch.setattr(QMessageBox, "critical",
                        lambda parent, title, text: shown.append(text))
    assert app.main([str(path)]) == 1
    assert shown == [loader_message]
    assert capsys.readouterr().err == f"bpsim: {loader_message}\n"


def test_no_message_box_where_no_one_sees_it():
    assert not app.dialogs_visible({"QT_QPA_PLATFORM": "offscreen"})
    assert not app.dialogs_visible({})
    assert app.dialogs_visible({"DISPLAY": ":0"})


def test_a_screenshot_at_scale_factor_2_has_no_size_warning(tmp_path):
    out = tmp_path / "scaled.png"
    code = ("import sys; from bpsim.ui.app import main; "
            f"sys.exit(main(['--screenshot', {str(out)!r}, '--size', '1000x700']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, QT_QPA_PLATFORM="offscreen",
                                                QT_SCALE_FACTOR="2"))
    assert done.returncode == 0, done.stderr
    assert "needs at least" not in done.stderr
    assert QImage(str(out)).size().toTuple() == (2000, 1400)
