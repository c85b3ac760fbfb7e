"""Autosave and crash recovery: unsaved changes survive a crash, and the next start
offers them back.  The window tests replace the dialogs; the last test kills a real
bpsim with SIGKILL and starts it again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from bpsim import io
from bpsim.ui import app, commands, recovery
from bpsim.ui.session import Session


def _copies(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{io.EXTENSION}")) if folder.exists() else []


def _edit_weight(session, layer, j, i, value):
    session.undo_stack.push(commands.SetWeightCommand(session, layer, j, i, value))


def test_recovery_folder_is_the_users_data_folder(tmp_path, monkeypatch, window):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert recovery.recovery_folder().is_relative_to(tmp_path / "data")


def test_a_burst_of_edits_is_written_once_after_the_delay(qtbot, xor, tmp_path):
    session = Session(xor)
    autosave = recovery.Autosave(session, tmp_path, delay_ms=300)
    written = []
    autosave.written.connect(written.append)
    for value in (0.5, 0.75, 1.25):  # a slider dragged: one edit per tick
        _edit_weight(session, 1, 0, 0, value)
    assert _copies(tmp_path) == []  # not on every tick
    with qtbot.waitSignal(autosave.written, timeout=3000):
        pass
    qtbot.wait(400)  # no second write without a further edit
    assert written == [autosave.path]
    copy = io.load(autosave.path)
    assert copy.network.weights[0][0, 0] == 1.25
    assert np.array_equal(copy.network.weights[1], session.network.weights[1])
    autosave.close()


def test_no_copy_without_unsaved_changes_and_undo_to_saved_removes_it(qtbot, xor, tmp_path):
    session = Session(xor)
    autosave = recovery.Autosave(session, tmp_path, delay_ms=100)
    session.sample_changed.emit(0)
    assert not autosave.write_now()  # nothing unsaved: nothing to recover
    _edit_weight(session, 1, 0, 0, 3.0)
    qtbot.waitUntil(lambda: autosave.path.exists(), timeout=3000)
    session.undo_stack.undo()  # back to the saved state
    assert not autosave.path.exists() and not autosave.info_path.exists()


def test_saving_removes_the_copy_and_it_is_never_beside_the_file(window, tmp_path,
                                                                  monkeypatch):
    target = tmp_path / "lesson" / "net.bpsim.json"
    target.parent.mkdir()
    _edit_weight(window.session, 1, 0, 0, 2.5)
    assert window.autosave.write_now()
    copy = window.autosave.path
    assert copy.exists() and copy.parent == recovery.recovery_folder()
    monkeypatch.setattr(window, "_ask_save_path", lambda: target)
    assert window.save()
    assert not copy.exists() and not window.autosave.info_path.exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["net.bpsim.json"]
    _edit_weight(window.session, 1, 0, 0, 4.0)  # edits after the save: a copy again
    assert window.autosave.write_now()
    assert json.loads(window.autosave.info_path.read_text())["original_path"] == str(target)


def test_a_clean_exit_removes_the_copy(window, monkeypatch):
    _edit_weight(window.session, 1, 0, 0, 2.5)
    assert window.autosave.write_now()
    copy = window.autosave.path
    monkeypatch.setattr(window, "_ask_save_changes",
                        lambda: QMessageBox.StandardButton.Discard)
    assert window.close()
    assert not copy.exists()
    assert recovery.orphaned_copies() == []


def test_a_running_bpsims_copy_is_not_offered(window):
    _edit_weight(window.session, 1, 0, 0, 2.5)
    assert window.autosave.write_now()
    assert recovery.orphaned_copies() == []  # this process is alive and holds its lock


def _left_behind(folder: Path, scenario, original: Path | None, stem="999999-1") -> Path:
    """A copy as a bpsim that was killed leaves it: the files, no live lock."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}{io.EXTENSION}"
    io.save(scenario, path)
    (folder / f"{stem}.info.json").write_text(json.dumps(
        {"original_path": None if original is None else str(original),
         "title": scenario.title, "saved_at": time.time()}))
    return path


def test_restore_opens_the_copy_unsaved_and_save_writes_to_the_original(
        window, xor, tmp_path, monkeypatch):
    original = tmp_path / "mine.bpsim.json"
    io.save(xor, original)
    xor.network.set_weight(1, 0, 1, -7.5)
    copy_path = _left_behind(recovery.recovery_folder(), xor, original)
    asked = []
    monkeypatch.setattr(window, "_ask_recover",
                        lambda copy: asked.append(copy.name) or "restore")
    assert app.offer_recovery(window) == []
    assert asked == ["mine.bpsim.json"]
    session = window.session
    assert session.network.weights[0][0, 1] == -7.5
    assert session.modified and session.path == original
    assert window.isWindowModified()
    assert not copy_path.exists()  # the window's own copy took over
    assert window.autosave.path.exists()
    monkeypatch.setattr(window, "_ask_save_path", lambda: pytest.fail("asked where"))
    assert window.save()
    assert io.load(original).network.weights[0][0, 1] == -7.5
    assert not window.autosave.path.exists()


def test_discard_deletes_the_copy(window, xor, monkeypatch):
    folder = recovery.recovery_folder()
    copy_path = _left_behind(folder, xor, None)
    before = window.session.scenario
    monkeypatch.setattr(window, "_ask_recover", lambda copy: "discard")
    app.offer_recovery(window)
    assert window.session.scenario is before
    assert list(folder.iterdir()) == [] and not copy_path.exists()


def test_show_me_where_then_later_keeps_it_for_the_next_start(window, xor, monkeypatch):
    copy_path = _left_behind(recovery.recovery_folder(), xor, None)
    answers, shown = ["show", "later"], []
    monkeypatch.setattr(window, "_ask_recover", lambda copy: answers.pop(0))
    monkeypatch.setattr(window, "_show_folder", shown.append)
    app.offer_recovery(window)
    assert shown == [copy_path.parent] and answers == []
    assert copy_path.exists()
    assert [c.scenario_path for c in recovery.orphaned_copies()] == [copy_path]


def test_a_corrupt_copy_is_offered_for_discarding_with_the_loaders_message(
        window, xor, monkeypatch):
    copy_path = _left_behind(recovery.recovery_folder(), xor, None)
    copy_path.write_text('{"format": "bpsim", "version": 1, "network": ', "utf-8")
    reasons = []
    monkeypatch.setattr(window, "_ask_recover", lambda copy: pytest.fail("offered"))
    monkeypatch.setattr(window, "_ask_discard_broken_copy",
                        lambda copy, reason: reasons.append(reason) or True)
    with pytest.raises(io.ScenarioError) as error:
        io.load(copy_path)
    before = window.session.scenario
    assert app.offer_recovery(window) == []
    assert reasons == [error.value.report()]
    assert window.session.scenario is before
    assert not copy_path.exists()


# -- a real bpsim, killed -----------------------------------------------------------------

FIRST_RUN = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from bpsim.ui import app, commands
from bpsim.ui.main_window import MainWindow

def edit():
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    session = window.session
    session.undo_stack.push(commands.SetWeightCommand(session, 1, 0, 1, -2.5))
    session.undo_stack.push(commands.SetWeightCommand(session, 2, 0, 0, 3.75))

app.application()
QTimer.singleShot(0, edit)
sys.exit(app.main(sys.argv[1:]))
"""

SECOND_RUN = """
import json, os, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from bpsim.ui import app
from bpsim.ui.main_window import MainWindow

def answer():
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()]
    if not boxes:
        QTimer.singleShot(50, answer)
        return
    box = boxes[0]
    print(json.dumps({"offer": box.text()}), flush=True)
    next(b for b in box.buttons() if b.text() == "Restore").click()
    QTimer.singleShot(0, report)

def report():
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    session = window.session
    if not session.modified:  # not restored yet
        QTimer.singleShot(50, report)
        return
    print(json.dumps({"weights": [w.tolist() for w in session.network.weights],
                      "path": str(session.path), "modified": session.modified,
                      "title": window.windowTitle()}), flush=True)
    os._exit(0)  # seen all there is to see (quit() is ignored outside the event loop)

app.application()
QTimer.singleShot(0, answer)
sys.exit(app.main(sys.argv[1:]))
"""


def test_killed_bpsim_offers_its_edits_at_the_next_start(tmp_path, xor):
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen",
                       XDG_DATA_HOME=str(tmp_path / "data"),
                       XDG_CONFIG_HOME=str(tmp_path / "config"))
    original = tmp_path / "lesson.bpsim.json"
    io.save(xor, original)
    folder = tmp_path / "data" / "bpsim" / "bpsim" / "recovery"

    bpsim = subprocess.Popen([sys.executable, "-c", FIRST_RUN, str(original)],
                             env=environment, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not list(folder.glob("*.info.json")):
            assert bpsim.poll() is None, bpsim.communicate()
            assert time.monotonic() < deadline, "no recovery copy after 60 s"
            time.sleep(0.1)
    finally:
        bpsim.send_signal(signal.SIGKILL)
        bpsim.wait()
    assert bpsim.returncode == -signal.SIGKILL
    # nothing written beside the user's file, and the file itself untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config", "data",
                                                          "lesson.bpsim.json"]
    assert io.load(original).network.weights[0][0, 1] == xor.network.weights[0][0, 1]

    again = subprocess.run([sys.executable, "-c", SECOND_RUN], env=environment,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    offer, state = (json.loads(line) for line in again.stdout.splitlines()[-2:])
    assert "lesson.bpsim.json" in offer["offer"]
    expected = [np.array(w) for w in xor.network.weights]
    expected[0][0, 1], expected[1][0, 0] = -2.5, 3.75
    assert all(np.array_equal(np.array(got), want)
               for got, want in zip(state["weights"], expected, strict=True))
    assert state["modified"] and state["path"] == str(original)
    assert state["title"].startswith("lesson.bpsim.json")
