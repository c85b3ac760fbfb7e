"""Help ▸ About and Help ▸ Keyboard shortcuts, and the menus' Alt keys."""

from __future__ import annotations

import platform
import re

import numpy as np
from PySide6.QtCore import qVersion
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QMenu

from bpsim.ui import actions
from bpsim.ui.dialogs.about import AboutDialog
from bpsim.ui.dialogs.shortcuts import ShortcutsDialog


def _mnemonic(text: str) -> str | None:
    """The letter after a single "&" ("&&" is a real ampersand), lower case."""
    match = re.search(r"(?<!&)&([^&])", text.replace("&&", ""))
    return match.group(1).lower() if match else None


def _clashes(menu_actions) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for action in menu_actions:
        if action.isSeparator() or not action.isVisible():
            continue
        letter = _mnemonic(action.text())
        if letter is not None:
            seen.setdefault(letter, []).append(action.text())
    return {letter: texts for letter, texts in seen.items() if len(texts) > 1}


def test_no_two_entries_of_a_menu_share_an_alt_key(window):
    bar = window.menuBar()
    assert _clashes(bar.actions()) == {}
    menus = [action.menu() for action in bar.actions()]
    while menus:
        menu = menus.pop()
        menu.aboutToShow.emit()  # menus filled on opening (New, Open Recent)
        assert _clashes(menu.actions()) == {}, menu.title()
        menus.extend(a.menu() for a in menu.actions() if isinstance(a.menu(), QMenu))
    # the clash the menu bar had: Train and Tools on Alt+T
    titles = {_mnemonic(a.text()): a.text() for a in bar.actions()}
    assert titles["t"] == "&Train" and titles["o"] == "T&ools"


def test_the_mnemonic_check_finds_a_clash():
    class Entry:
        def __init__(self, text):
            self._text = text

        def text(self):
            return self._text

        def isSeparator(self):
            return False

        def isVisible(self):
            return True

    assert _clashes([Entry("&Train"), Entry("&Tools"), Entry("Fish && &Chips")]) == {
        "t": ["&Train", "&Tools"]}


def _opened(window, monkeypatch, name: str) -> QDialog:
    shown = []
    monkeypatch.setattr(QDialog, "exec", lambda dialog: shown.append(dialog) or 0)
    window.action(name).trigger()
    assert len(shown) == 1
    return shown[0]


def test_about_names_version_licence_and_what_bpsim_runs_on(window, monkeypatch):
    dialog = _opened(window, monkeypatch, "about")
    assert isinstance(dialog, AboutDialog)
    text = dialog.text.text()
    from importlib.metadata import version
    for expected in (version("bpsim"), "MIT", platform.python_version(), qVersion(),
                     np.__version__):
        assert expected in text
    assert window.action("about") in window.menus["help"].actions()


def test_shortcuts_lists_every_key_of_the_action_table_and_filters(window, monkeypatch,
                                                                    qtbot):
    dialog = _opened(window, monkeypatch, "shortcuts")
    assert isinstance(dialog, ShortcutsDialog)
    qtbot.addWidget(dialog)
    shown = dialog.visible_rows()
    # every key of every action, as the action itself has them
    for spec in actions.ACTIONS:
        if isinstance(spec, actions.ActionSpec) and spec.keys:
            for key in window.action(spec.name).shortcuts():
                text = key.toString(QKeySequence.SequenceFormat.NativeText)
                assert any(text in keys.split(" or ") for _, keys, _ in shown), spec.name
    assert ("Save", "Ctrl+S", "File") in shown
    assert ("Gradient check", "Ctrl+G", "Tools") in shown

    dialog.show()
    qtbot.keyClicks(dialog.search, "fit")
    assert [row[0] for row in dialog.visible_rows()] == ["Fit to window"]
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "ctrl+shift+s")
    assert [row[0] for row in dialog.visible_rows()] == ["Save As"]
    dialog.search.clear()
    assert len(dialog.visible_rows()) == len(shown)
