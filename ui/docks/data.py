"""The Data dock: the samples (an editable table of x and y) or the generator that
makes them, and which sample the canvas shows.

Edits of any kind are one :class:`SetDataCommand` each.  Generated samples are shown
in the table too; editing one of them (or adding/removing a row) turns the data into
literal samples, which the command text says.

The generator's fields take their labels, tooltips and ranges from
:mod:`bpsim.settings_spec` (the table the file loader checks with), and an edit whose
samples would not suit the network or the loss is refused with
:meth:`Scenario.check`'s reason, so whatever the dock accepts can be saved and opened.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QButtonGroup, QCheckBox,
                               QComboBox, QDockWidget, QGridLayout, QHBoxLayout,
                               QHeaderView, QLabel, QPushButton, QRadioButton, QSizePolicy,
                               QStackedWidget, QTableView, QVBoxLayout, QWidget)

from bpsim import data_import, edits, settings_spec
from bpsim.features import DEFAULT_FEATURES, FEATURES, canonical
from bpsim.notation.features import feature_label
from bpsim.data import GENERATOR_SHAPES
from bpsim.notation.numbers import format_number, parse_number
from bpsim.notation.scripts import subscript
from bpsim.scenario import DataSpec, ScenarioError

from ..commands import SetDataCommand, SetNetworkAndDataCommand
from ..widgets import NumberField
from .common import form_layout, message_label, narrow_combo, plural, show_message

GENERATOR_TIPS = {
    "xor": "XOR of two inputs at the corners of the unit square (class 1 when they differ)",
    "and": "AND of two inputs at the corners of the unit square",
    "or": "OR of two inputs at the corners of the unit square",
    "circles": "class 1 inside radius 0.5, class 0 on a ring of radius 1",
    "spiral": "two interleaved spiral arms, one per class",
    "gaussian": "two Gaussian blobs at (−0.5, −0.5) and (0.5, 0.5)",
    "sine": "one input x in [−π, π], target y = sin(x) (regression)",
}


def column_names(inputs: int, outputs: int) -> list[str]:
    """x₁ … xₙ, y₁ … yₘ."""
    return ([f"x{subscript(k + 1)}" for k in range(inputs)]
            + [f"y{subscript(k + 1)}" for k in range(outputs)])


class SamplesModel(QAbstractTableModel):
    """The samples as a table model: text is made only for the rows on screen, so
    thousands of generated samples cost nothing until scrolled to.

    The model never changes itself: an edit is announced by ``edit_requested(row,
    column, text)``; the dock validates it and pushes a command, and the session's
    data_changed brings the new values back through :meth:`set_samples`."""

    edit_requested = Signal(int, int, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.x = self.y = np.zeros((0, 0))
        self.names: list[str] = []
        self.digits = 6
        self.current = -1

    def set_samples(self, x: np.ndarray, y: np.ndarray, digits: int) -> None:
        if x.shape == self.x.shape and y.shape == self.y.shape:
            # same table, new values (a cell edit, undo): no reset, which would close
            # the editor that is committing and lose the scroll position
            self.x, self.y, self.digits = x, y, digits
            if self.rowCount() and self.columnCount():
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(self.rowCount() - 1, self.columnCount() - 1))
            return
        self.beginResetModel()
        self.x, self.y, self.digits = x, y, digits
        self.names = column_names(x.shape[1], y.shape[1])
        self.endResetModel()

    def set_current(self, row: int) -> None:
        previous, self.current = self.current, row
        for changed in {previous, row}:
            if 0 <= changed < self.rowCount():
                self.headerDataChanged.emit(Qt.Orientation.Vertical, changed, changed)

    def value(self, row: int, column: int) -> float:
        inputs = self.x.shape[1]
        return float(self.x[row, column] if column < inputs else self.y[row, column - inputs])

    def text(self, row: int, column: int) -> str:
        return format_number(self.value(row, column), self.digits)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self.x)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt override)
        return 0 if parent.isValid() else len(self.names)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index):
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole:
            return False
        self.edit_requested.emit(index.row(), index.column(), str(value))
        return False  # the value arrives back through set_samples when accepted

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.names[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                name = self.names[section]
                return f"{name}: {'input' if name[0] == 'x' else 'target'} {section + 1}"
            return None
        current = section == self.current
        if role == Qt.ItemDataRole.DisplayRole:
            return f"▶ {section + 1}" if current else str(section + 1)
        if role == Qt.ItemDataRole.FontRole and current:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Sample {section + 1}" + (" (shown on the canvas)" if current else "")
        return None


class DataDock(QDockWidget):
    SAMPLES, GENERATOR = 0, 1

    def __init__(self, session, parent=None):
        super().__init__("Data", parent)
        self.setObjectName("data_dock")
        self.setAccessibleName("Data")
        self.session = session
        self._kind_shown = None  # is_generated of the data when the mode was last set

        self.samples_button = QRadioButton("Samples")
        self.samples_button.setAccessibleName("Edit samples")
        self.samples_button.setToolTip("Type the samples' inputs x and targets y in a table")
        self.generator_button = QRadioButton("Generator")
        self.generator_button.setAccessibleName("Use a generator")
        self.generator_button.setToolTip("Make samples with a toy-data generator")
        self.mode = QButtonGroup(self)
        self.mode.addButton(self.samples_button, self.SAMPLES)
        self.mode.addButton(self.generator_button, self.GENERATOR)
        self.mode.idClicked.connect(self._on_mode_clicked)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("What the data are")

        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_samples_page())
        self.pages.addWidget(self._build_generator_page())

        self.previous_button = QPushButton("◀")
        self.previous_button.setObjectName("previous_sample")
        self.previous_button.setAccessibleName("Previous sample")
        self.previous_button.setToolTip("Previous sample: show it on the canvas")
        self.previous_button.clicked.connect(self.previous_sample)
        self.next_button = QPushButton("▶")
        self.next_button.setObjectName("next_sample")
        self.next_button.setAccessibleName("Next sample")
        self.next_button.setToolTip("Next sample: show it on the canvas")
        self.next_button.clicked.connect(self.next_sample)
        self.current_label = QLabel()
        self.current_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.current_label.setAccessibleName("Current sample")
        self.message = message_label("Data message")
        self.features_row = self._build_features_row()
        self.test_fraction = NumberField.for_setting(settings_spec.get("test_fraction"))
        self.test_fraction.value_committed.connect(self._on_test_fraction)
        held_out = form_layout()
        held_out.addRow(self.test_fraction.setting.title, self.test_fraction)

        mode_row = QHBoxLayout()
        mode_row.addWidget(self.samples_button)
        mode_row.addWidget(self.generator_button)
        mode_row.addStretch(1)
        navigation = QHBoxLayout()
        navigation.addWidget(self.previous_button)
        navigation.addWidget(self.current_label, 1)
        navigation.addWidget(self.next_button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(mode_row)
        layout.addWidget(self.status)
        layout.addWidget(self.features_row)
        layout.addLayout(navigation)
        layout.addLayout(held_out)
        layout.addWidget(self.message)
        layout.addWidget(self.pages, 1)
        self.setWidget(body)

        session.data_changed.connect(self._on_data_changed)
        session.sample_changed.connect(self._on_sample_changed)
        session.structure_changed.connect(self._on_structure_changed)
        session.training_changed.connect(self._on_training_changed)
        self._on_data_changed()

    # -- pages ------------------------------------------------------------------------

    def _build_features_row(self) -> QWidget:
        """A check box per input feature of 2-D points (x₁, x₂, x₁², …, sin x₂)."""
        row = QWidget()
        row.setAccessibleName("Input features")
        # the caption over two rows of check boxes: the dock is narrow
        layout = QGridLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        caption = QLabel("Features:")
        caption.setToolTip("What the input layer gets from each sample's point (x₁, x₂): "
                           "one input neuron per checked feature")
        layout.addWidget(caption, 0, 0, 1, 4)
        self.feature_boxes: dict[str, QCheckBox] = {}
        for k, name in enumerate(FEATURES):
            box = QCheckBox(feature_label(name))
            box.setObjectName(f"feature_{name}")
            box.setAccessibleName(f"Feature {feature_label(name)}")
            box.setToolTip(f"Give the network {feature_label(name)} as an input "
                           "(Ctrl+Z undoes)")
            box.toggled.connect(lambda on, name=name: self.set_feature(name, on))
            layout.addWidget(box, 1 + k // 4, k % 4)
            self.feature_boxes[name] = box
        layout.setColumnStretch(4, 1)
        # the boxes never widen the dock: the canvas keeps its room
        row.setMinimumWidth(1)
        row.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        return row

    def _show_features(self) -> None:
        """The boxes for 2-D points only, checked as the data's features are."""
        self.features_row.setVisible(self.session.dataset.plane.shape[1] == 2)
        chosen = set(self.session.data.features)
        for name, box in self.feature_boxes.items():
            with QSignalBlocker(box):
                box.setChecked(name in chosen)

    def set_feature(self, name: str, on: bool) -> bool:
        """Give the input layer feature ``name`` (or take it away): one undoable edit;
        the first layer's other weights stay (:func:`bpsim.edits.with_features`)."""
        session = self.session
        old = tuple(session.data.features)
        chosen = set(old) | {name} if on else set(old) - {name}
        new = canonical(chosen)
        if not new or new == old:
            self._show_features()  # the last feature stays checked
            return False
        network = edits.with_features(session.network, old, new)
        data = replace(session.data, features=new)
        verb = "Use" if on else "Drop"
        session.undo_stack.push(SetNetworkAndDataCommand(
            session, network, data, f"{verb} input feature {feature_label(name)}"))
        return True

    def _build_samples_page(self) -> QWidget:
        page = QWidget()
        self.model = SamplesModel(self)
        self.model.edit_requested.connect(self._on_edit_requested)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setObjectName("samples_table")
        self.table.setAccessibleName("Samples")
        self.table.setToolTip("One row per sample: inputs x and targets y. Double-click a "
                              "cell to edit it; select a row to show that sample.")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # columns share the width, each wide enough for "−0.00876" (ResizeToContents
        # would measure thousands of rows at every selection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(
            self.table.fontMetrics().horizontalAdvance("−0.00876") + 8)
        self.table.selectionModel().selectionChanged.connect(self._on_row_selected)
        # Ctrl+V on the table only: elsewhere it pastes into text fields
        paste = QAction("Paste rows", self.table)
        paste.setShortcut(QKeySequence.StandardKey.Paste)
        paste.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        paste.triggered.connect(self.paste_from_clipboard)
        self.table.addAction(paste)
        self.add_sample_button = QPushButton("Add")
        self.add_sample_button.setObjectName("add_sample")
        self.add_sample_button.setAccessibleName("Add sample")
        self.add_sample_button.setToolTip(
            "Add sample: a copy of the current sample, at the end")
        self.add_sample_button.clicked.connect(self.add_sample)
        self.remove_sample_button = QPushButton("Remove")
        self.remove_sample_button.setObjectName("remove_sample")
        self.remove_sample_button.setAccessibleName("Remove sample")
        self.remove_sample_button.setToolTip("Remove sample: the current one")
        self.remove_sample_button.clicked.connect(self.remove_sample)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_sample_button)
        buttons.addWidget(self.remove_sample_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        return page

    def _build_generator_page(self) -> QWidget:
        page = QWidget()
        spec = settings_spec.get
        generator = spec("generator")
        self.generator = narrow_combo(QComboBox())
        self.generator.setAccessibleName(generator.title)
        self.generator.setToolTip(generator.help)
        for name in generator.choices:
            n_in, n_out = GENERATOR_SHAPES[name]
            self.generator.addItem(name, name)
            self.generator.setItemData(
                self.generator.count() - 1,
                f"{GENERATOR_TIPS.get(name, name)} ({plural(n_in, 'input')}, "
                f"{plural(n_out, 'output')})", Qt.ItemDataRole.ToolTipRole)
        self.generator.currentIndexChanged.connect(self._check_generator_fits)
        self.count = NumberField.for_setting(spec("sample_count"))
        self.noise = NumberField.for_setting(spec("noise"))
        self.seed = NumberField.for_setting(spec("data_seed"))
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("apply_generator")
        self.apply_button.setAccessibleName("Apply generator")
        self.apply_button.setToolTip("Replace the data with the generated samples "
                                     "(Ctrl+Z undoes)")
        self.apply_button.clicked.connect(self.apply_generator)
        self.generator_message = message_label("Generator message")
        form = form_layout(page)
        form.addRow(generator.title, self.generator)
        for field in (self.count, self.noise, self.seed):
            form.addRow(field.setting.title, field)
        form.addRow("", self.apply_button)
        form.addRow(self.generator_message)
        return page

    # -- session events ---------------------------------------------------------------

    def _on_data_changed(self) -> None:
        data = self.session.data
        self._raw = data.dataset()  # the samples as the file holds them (class labels)
        if self._kind_shown != data.is_generated:
            self._kind_shown = data.is_generated
            self._show_mode(self.GENERATOR if data.is_generated else self.SAMPLES)
        if data.is_generated:
            with QSignalBlocker(self.generator):
                self.generator.setCurrentIndex(self.generator.findData(data.generator))
            self.count.set_value(data.n)
            self.noise.set_value(data.noise)
            self.seed.set_value(data.seed)
        self.test_fraction.set_value(data.test_fraction)
        self._fill_table()
        self._show_features()
        self._update_status()
        self._check_generator_fits()
        self._on_sample_changed(self.session.current_sample)

    def _on_structure_changed(self) -> None:
        self._check_generator_fits()

    def _on_training_changed(self) -> None:
        self._check_generator_fits()  # the loss decides whether class labels fit

    def _on_sample_changed(self, index: int) -> None:
        count = len(self.session.dataset)
        self.current_label.setText(f"Sample {index + 1} of {count}")
        self.model.set_current(index)
        if self.model.rowCount() > index:
            with QSignalBlocker(self.table.selectionModel()):
                self.table.selectRow(index)
            self.table.viewport().update()
            self.table.scrollTo(self.model.index(index, 0))
        self.remove_sample_button.setEnabled(count > 1)
        self.previous_button.setEnabled(count > 1)
        self.next_button.setEnabled(count > 1)

    # -- showing ----------------------------------------------------------------------

    def _show_mode(self, mode: int) -> None:
        self.mode.button(mode).setChecked(True)
        self.pages.setCurrentIndex(mode)

    def _update_status(self) -> None:
        data = self.session.data
        x, y = self._raw.x, self._raw.y
        shape = (f"{plural(len(x), 'sample')}, {plural(x.shape[1], 'input')}, "
                 f"{plural(y.shape[1], 'target')}")
        if data.is_generated:
            self.status.setText(
                f"{shape}, made by “{data.generator}” (noise {format_number(data.noise)}, "
                f"seed {data.seed}). Editing them in the table turns them into samples.")
        else:
            self.status.setText(f"{shape}, typed in.")

    @property
    def _digits(self) -> int:
        # typed samples are shown as typed; generated ones (noisy) to 3 digits, so that
        # a narrow dock still shows whole numbers
        return 3 if self.session.data.is_generated else 6

    def _fill_table(self) -> None:
        self.model.set_samples(self._raw.x, self._raw.y, self._digits)
        self.model.set_current(self.session.current_sample)

    # -- editing samples --------------------------------------------------------------

    def _samples(self) -> list[tuple[tuple, tuple]]:
        return [(tuple(map(float, x)), tuple(map(float, y)))
                for x, y in zip(self._raw.x, self._raw.y)]

    def _push_samples(self, samples, text: str) -> bool:
        held_out = self.session.data  # the test split and the features stay as they were
        data = DataSpec.from_samples(samples, held_out.features, held_out.test_fraction,
                                     held_out.seed)
        try:
            replace(self.session.scenario, data=data).check()
        except ScenarioError as refusal:
            show_message(self.message, f"{text}: refused, {refusal.problem}.")
            return False
        if self.session.data.is_generated:
            text += " (data become typed-in samples)"
        show_message(self.message, "")
        self.session.undo_stack.push(SetDataCommand(self.session, data, text))
        return True

    def import_samples(self, samples, row_numbers, text: str) -> str:
        """Replace the samples with ``samples`` as one undoable edit, the input and
        output layers resized to fit (see :func:`bpsim.data_import.imported_scenario`).
        Returns "" when done, else why nothing was imported (a row and column)."""
        session = self.session
        try:
            scenario, changes = data_import.imported_scenario(
                session.scenario, samples, row_numbers)
        except (data_import.DataImportError, ScenarioError) as refusal:
            reason = refusal.problem if isinstance(refusal, ScenarioError) else str(refusal)
            show_message(self.message, f"{text}: refused, {reason}; nothing was imported.")
            return reason
        if changes:
            text += f" ({changes})"
        show_message(self.message, "")
        if scenario.network.layers != session.network.layers:
            command = SetNetworkAndDataCommand(session, scenario.network, scenario.data,
                                               text)
        else:
            command = SetDataCommand(session, scenario.data, text)
        with session.batch():
            session.undo_stack.push(command)
            session.set_current_sample(0)
        return ""

    def paste_rows(self, text: str) -> str:
        """Rows copied from a spreadsheet replace the samples: the last columns are the
        targets (as many as the samples have now), the others the inputs.  A first row
        of names is a header.  Returns "" when done, else why not."""
        try:
            table = data_import.parse_pasted(text)
            targets = self._raw.y.shape[1]
            if len(table.names) <= targets:
                raise data_import.DataImportError(
                    f"{plural(len(table.names), 'column')}: expected the inputs, then "
                    f"{plural(targets, 'target column')}")
            names = list(table.names)
            samples = table.samples(names[:-targets], names[-targets:])
        except data_import.DataImportError as refusal:
            show_message(self.message, f"Paste rows: refused, {refusal}; nothing was "
                                       "pasted.")
            return str(refusal)
        return self.import_samples(samples, table.row_numbers,
                                   f"Paste {plural(len(samples), 'sample')}")

    def paste_from_clipboard(self) -> str:
        return self.paste_rows(QApplication.clipboard().text())

    def samples_csv(self) -> str:
        """The samples as the file holds them (class labels as labels), as CSV."""
        return data_import.samples_csv(self._raw.x, self._raw.y)

    def _on_edit_requested(self, row: int, column: int, text: str) -> None:
        old = self.model.value(row, column)
        if text == self.model.text(row, column):
            return  # the shown (maybe rounded) value itself: nothing was typed
        try:
            value = parse_number(text)
        except ValueError as refusal:
            show_message(self.message, f"Sample {row + 1}, {self.model.names[column]}: "
                                       f"{refusal}; kept {self.model.text(row, column)}")
            return
        if value == old:
            return
        samples = self._samples()
        x, y = map(list, samples[row])
        inputs = len(x)
        if column < inputs:
            x[column] = value
        else:
            y[column - inputs] = value
        samples[row] = (tuple(x), tuple(y))
        name = self.model.names[column]
        self._push_samples(samples, f"Set sample {row + 1} {name} = {format_number(value)}")

    def _on_row_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.session.set_current_sample(rows[0].row())

    def add_sample(self) -> None:
        samples = self._samples()
        samples.append(samples[self.session.current_sample])
        with self.session.batch():  # one sample_changed: the new sample's
            if self._push_samples(samples, f"Add sample {len(samples)}"):
                self.session.set_current_sample(len(samples) - 1)

    def remove_sample(self) -> None:
        samples = self._samples()
        if len(samples) <= 1:
            show_message(self.message, "The data need at least one sample.")
            return
        index = self.session.current_sample
        del samples[index]
        self._push_samples(samples, f"Remove sample {index + 1}")

    def next_sample(self) -> None:
        count = len(self.session.dataset)
        self.session.set_current_sample((self.session.current_sample + 1) % count)

    def previous_sample(self) -> None:
        count = len(self.session.dataset)
        self.session.set_current_sample((self.session.current_sample - 1) % count)

    # -- the generator ----------------------------------------------------------------

    def _on_mode_clicked(self, mode: int) -> None:
        self.pages.setCurrentIndex(mode)
        if mode == self.GENERATOR and self.generator_fits(self.generator.currentData()):
            # offer a generator that suits the network, if there is one
            for index in range(self.generator.count()):
                if not self.generator_fits(self.generator.itemData(index)):
                    with QSignalBlocker(self.generator):
                        self.generator.setCurrentIndex(index)
                    break
        self._check_generator_fits()

    def generator_fits(self, name: str) -> str:
        """"" when the generator's samples suit the network and the loss, else why not
        (:meth:`Scenario.check` decides)."""
        scenario = self.session.scenario
        try:
            replace(scenario, data=DataSpec(generator=name, n=1,
                                            features=self._features_for(name))).check()
            return ""
        except ScenarioError as refusal:
            problem = refusal.problem
        net = scenario.network
        n_in, n_out = GENERATOR_SHAPES[name]
        class_indices = scenario.training.loss == "cross_entropy"  # fit any width
        if net.layers[0] == n_in and (n_out == net.layers[-1] or class_indices):
            return f"“{name}” does not suit the loss: {problem}."
        return (f"“{name}” makes samples with {plural(n_in, 'input')} and "
                f"{plural(n_out, 'target')}, but the network has "
                f"{plural(net.layers[0], 'input')} and {plural(net.layers[-1], 'output')}. "
                "Change the sizes in the Layers dock first.")

    def _features_for(self, generator: str) -> tuple:
        """The features kept when switching to ``generator`` (2-D points only)."""
        if GENERATOR_SHAPES[generator][0] == 2:
            return tuple(self.session.data.features)
        return DEFAULT_FEATURES

    def _on_test_fraction(self, value: float) -> None:
        data = replace(self.session.data, test_fraction=value)
        if data != self.session.data:
            self.session.undo_stack.push(SetDataCommand(
                self.session, data, f"Hold out {format_number(value)} of the samples "
                                    "for testing"))

    def _check_generator_fits(self) -> None:
        why_not = self.generator_fits(self.generator.currentData())
        show_message(self.generator_message,
                     why_not if self.pages.currentIndex() == self.GENERATOR else "")
        self.apply_button.setEnabled(not why_not)

    def apply_generator(self) -> bool:
        name = self.generator.currentData()
        why_not = self.generator_fits(name)
        if why_not:
            show_message(self.generator_message, why_not)
            return False
        # a typed value not yet committed (no Enter) still counts; a refused one stops
        for field in (self.count, self.noise, self.seed):
            field.commit()
            if field.message_text():
                return False
        data = DataSpec(generator=name, n=int(self.count.value()),
                        noise=self.noise.value(), seed=int(self.seed.value()),
                        features=self._features_for(name),
                        test_fraction=self.session.data.test_fraction)
        if data == self.session.data:
            return False
        self.session.undo_stack.push(SetDataCommand(
            self.session, data, f"Generate {data.n} samples with “{name}”"))
        return True
