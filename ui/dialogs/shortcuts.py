"""Help ▸ Keyboard shortcuts: every action's keys, from the action table."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox,
                               QHeaderView, QLineEdit, QTableWidget, QTableWidgetItem,
                               QVBoxLayout)

from .. import actions

COLUMNS = ("Action", "Keys", "Menu")


def _plain(text: str) -> str:
    """A menu text as read: no mnemonic marks ("&&" is a real "&"), no ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")


def shortcut_rows() -> list[tuple[str, str, str]]:
    """(action, keys, menu) for every action of the table that has keys, in its order."""
    menus = {name: _plain(title) for name, title in actions.MENUS}
    rows = []
    for spec in actions.ACTIONS:
        if not isinstance(spec, actions.ActionSpec) or not spec.keys:
            continue
        keys = " or ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
                           for k in spec.keys)
        rows.append((_plain(spec.text), keys, menus.get(spec.menu, "")))
    return rows


class ShortcutsDialog(QDialog):
    """A table of the shortcuts, filtered by what is typed in the search field."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("shortcuts")
        self.setWindowTitle("Keyboard shortcuts")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search actions and keys")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        rows = shortcut_rows()
        self.table = QTableWidget(len(rows), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, cells in enumerate(rows):
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 480)

    def visible_rows(self) -> list[tuple[str, ...]]:
        """The rows the table shows now, as text."""
        return [tuple(self.table.item(row, c).text() for c in range(len(COLUMNS)))
                for row in range(self.table.rowCount()) if not self.table.isRowHidden(row)]

    def _filter(self, text: str) -> None:
        words = text.casefold().split()
        for row in range(self.table.rowCount()):
            cells = " ".join(self.table.item(row, c).text()
                             for c in range(len(COLUMNS))).casefold()
            self.table.setRowHidden(row, not all(word in cells for word in words))
