"""Fixtures for the window tests: remembered settings in a temporary folder, and no
modal dialog that would wait forever offscreen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory, monkeypatch):
    """Each test starts with nothing remembered (recent files, layout, text size)."""
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))  # for subprocesses
    # recovery copies (QStandardPaths reads it on each call) never in the user's folder
    monkeypatch.setenv("XDG_DATA_HOME", str(folder / "data"))
    return folder


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """A dialog a test did not replace fails the test instead of hanging it."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected modal dialog: {args[1:3]}")

    for name in ("question", "warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, refuse)
    monkeypatch.setattr(QMessageBox, "exec", refuse)
    for name in ("getOpenFileName", "getSaveFileName", "getExistingDirectory"):
        monkeypatch.setattr(QFileDialog, name, refuse)


def _discard_changes(main_window) -> None:
    # leaving a test is not the user closing the window: nothing to ask
    main_window.session.undo_stack.setClean()


@pytest.fixture
def open_window(qtbot):
    """``open_window(path=None)``: a window exactly as ``bpsim [path]`` opens it."""
    from bpsim.ui.app import build_window

    def open_(path=None):
        main_window = build_window(path)
        qtbot.addWidget(main_window, before_close_func=_discard_changes)
        qtbot.waitExposed(main_window)
        return main_window

    return open_


@pytest.fixture
def window(open_window):
    """The window as ``bpsim`` opens it: the lecture example."""
    return open_window()


@pytest.fixture
def messages(monkeypatch):
    """Message boxes shown, as (title, text); each answered with OK."""
    shown = []

    def capture(parent, title, text, *args, **kwargs):
        shown.append((title, text))
        return QMessageBox.StandardButton.Ok

    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, capture)
    return shown


@pytest.fixture
def malformed_scenario(tmp_path):
    """The lecture example with the weight typed as "abc", and the loader's message."""
    from bpsim import io

    text = io.builtin_path("lecture-example").read_text(encoding="utf-8")
    path = tmp_path / "broken.bpsim.json"
    path.write_text(text.replace("[[[0.1]]]", '[[["abc"]]]'), encoding="utf-8")
    with pytest.raises(io.ScenarioError) as error:
        io.load(path)
    assert "network.weights[0][0][0]" in str(error.value)
    return path, error.value.report()
