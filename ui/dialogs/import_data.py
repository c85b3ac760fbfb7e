"""File ▸ Import data: which columns of a CSV file are the inputs x and which the
targets y, with the first rows shown as they were read.

The dialog only chooses; the Data dock reads the numbers and puts them into the
scenario (:func:`bpsim.data_import.imported_scenario`), so a refusal names the row
and column whichever way the samples came.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGridLayout, QLabel,
                               QListWidget, QListWidgetItem, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from bpsim.data_import import Table

#: rows shown in the preview
PREVIEW_ROWS = 8


class ImportDataDialog(QDialog):
    """Two checkable lists of the table's columns: inputs and targets.  At first the
    last ``targets`` columns are the targets and the others the inputs."""

    def __init__(self, table: Table, source: str, targets: int = 1, parent=None):
        super().__init__(parent)
        self.setObjectName("import_data")
        self.setWindowTitle("Import data")
        self.table = table
        targets = min(max(1, targets), len(table.names) - 1) if len(table.names) > 1 else 0
        first_target = len(table.names) - targets
        self.inputs = self._column_list("Input columns (x)", range(first_target))
        self.targets = self._column_list("Target columns (y)",
                                         range(first_target, len(table.names)))
        summary = QLabel(f"{source}: {len(table):,} row{'s' if len(table) != 1 else ''}, "
                         f"{len(table.names)} column{'s' if len(table.names) != 1 else ''}. "
                         "The samples replace the current ones; the input and output "
                         "layers take as many neurons as there are columns of each.")
        summary.setWordWrap(True)
        self.preview = self._preview()
        self.message = QLabel()
        self.message.setObjectName("import_message")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lists = QGridLayout()
        lists.addWidget(QLabel("Inputs x"), 0, 0)
        lists.addWidget(QLabel("Targets y"), 0, 1)
        lists.addWidget(self.inputs, 1, 0)
        lists.addWidget(self.targets, 1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addLayout(lists)
        layout.addWidget(QLabel("The first rows, as read:"))
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        for widget in (self.inputs, self.targets):
            widget.itemChanged.connect(self._on_choice_changed)
        self._on_choice_changed()

    def _column_list(self, name: str, checked) -> QListWidget:
        widget = QListWidget()
        widget.setAccessibleName(name)
        widget.setToolTip(f"{name}: tick the columns, in the order of the file")
        checked = set(checked)
        for k, column in enumerate(self.table.names):
            item = QListWidgetItem(column)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if k in checked
                               else Qt.CheckState.Unchecked)
            widget.addItem(item)
        return widget

    def _preview(self) -> QTableWidget:
        rows = self.table.rows[:PREVIEW_ROWS]
        preview = QTableWidget(len(rows), len(self.table.names))
        preview.setAccessibleName("The first rows of the file")
        preview.setHorizontalHeaderLabels(list(self.table.names))
        preview.setVerticalHeaderLabels([str(n) for n in self.table.row_numbers[:len(rows)]])
        preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, cells in enumerate(rows):
            for c, cell in enumerate(cells):
                preview.setItem(r, c, QTableWidgetItem(cell))
        return preview

    @staticmethod
    def _checked(widget: QListWidget) -> list[str]:
        return [widget.item(k).text() for k in range(widget.count())
                if widget.item(k).checkState() == Qt.CheckState.Checked]

    def chosen(self) -> tuple[list[str], list[str]]:
        """(input column names, target column names), in the file's order."""
        return self._checked(self.inputs), self._checked(self.targets)

    def set_chosen(self, inputs, targets) -> None:
        """Tick exactly these columns (as a person would, one click each)."""
        for widget, names in ((self.inputs, inputs), (self.targets, targets)):
            for k in range(widget.count()):
                item = widget.item(k)
                item.setCheckState(Qt.CheckState.Checked if item.text() in names
                                   else Qt.CheckState.Unchecked)

    def _on_choice_changed(self, _item=None) -> None:
        inputs, targets = self.chosen()
        both = [name for name in inputs if name in targets]
        if not inputs or not targets:
            problem = "Tick at least one input column and one target column."
        elif both:
            problem = f"Column “{both[0]}” cannot be both an input and a target."
        else:
            problem = ""
        self.message.setText(problem or f"{len(inputs)} input"
                             f"{'s' if len(inputs) != 1 else ''}, {len(targets)} target"
                             f"{'s' if len(targets) != 1 else ''}.")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)
