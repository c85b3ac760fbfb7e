"""Tools ▸ Gradient check: backprop's gradient of every weight and bias against the
central difference (J(θ + ε) − J(θ − ε)) / 2ε, in a sortable table, with a summary
line "largest relative error 3e-10 (layer 2)".

The numbers come from :func:`bpsim.gradcheck.check_scenario` on the session's
scenario (which it does not change).  ``analytic`` replaces the gradients under test,
e.g. to show what a backprop bug looks like.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut, QStandardItem, \
    QStandardItemModel
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView,
                               QLabel, QPushButton, QTableView, QVBoxLayout)

from bpsim import gradcheck
from bpsim.notation.numbers import format_number

#: the value a numeric column sorts by
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: the parameter of a row: ("weight", l, j, i) or ("bias", l, j)
PARAMETER_ROLE = Qt.ItemDataRole.UserRole + 2
#: rows above the tolerance get this background (orange, the palette's "negative")
FAILED_BACKGROUND = QColor("#fdd0a2")
KINK_INK = QColor("#666666")

COLUMNS = ("parameter", "layer", "backprop ∂J/∂θ", "central difference",
           "relative error", "")
ERROR_COLUMN = 4

_SUB = str.maketrans("0123456789,", "₀₁₂₃₄₅₆₇₈₉,")
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


def format_error(error: float) -> str:
    """A relative error in the engineer's notation: 3e-10, 1.2e-07, 0."""
    return "0" if error == 0 else f"{error:.2g}"


def parameter_name(kind: str, layer: int, index: tuple) -> str:
    """W⁽²⁾₀,₁ or b⁽¹⁾₂, as the Math dock writes them."""
    name = "W" if kind == "weight" else "b"
    return f"{name}{f'({layer})'.translate(_SUP)}{','.join(map(str, index)).translate(_SUB)}"


class _Item(QStandardItem):
    def __init__(self, text: str, sort_value=None, tooltip: str = ""):
        super().__init__(text)
        self.setEditable(False)
        self.setData(text if sort_value is None else sort_value, SORT_ROLE)
        if tooltip:
            self.setToolTip(tooltip)
        numeric = sort_value is not None and not isinstance(sort_value, str)
        self.setTextAlignment(Qt.AlignmentFlag.AlignVCenter
                              | (Qt.AlignmentFlag.AlignRight if numeric
                                 else Qt.AlignmentFlag.AlignLeft))


class GradientCheckDialog(QDialog):
    """The gradient check of the session's scenario, one row per weight and bias."""

    #: a row was double-clicked: its parameter, ("weight", l, j, i) or ("bias", l, j),
    #: for the window to select on the canvas
    parameter_selected = Signal(object)

    def __init__(self, session, parent=None, analytic=None, epsilon: float = 1e-6):
        super().__init__(parent)
        self.setObjectName("gradcheck_dialog")
        self.setWindowTitle("Gradient check")
        self.setAccessibleName("Gradient check")
        self.session = session
        self.analytic = analytic
        self.epsilon = epsilon
        self.result: gradcheck.GradCheckResult | None = None

        self.explanation = QLabel(
            "Backpropagation's gradient of every weight and bias next to the central "
            "difference (J(θ + ε) − J(θ − ε)) / 2ε on the whole dataset. Relative errors "
            f"below {gradcheck.TOLERANCE:g} mean backprop is right.")
        self.explanation.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setObjectName("gradcheck_summary")
        self.summary.setAccessibleName("Gradient check summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.summary.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.summary.setFont(font)
        self.stale = QLabel("The parameters changed since this check: press Run again.")
        self.stale.setVisible(False)
        self.stale.setAccessibleName("Check out of date")

        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setObjectName("gradcheck_table")
        self.table.setAccessibleName("Gradients per parameter")
        self.table.setToolTip("Click a column header to sort; double-click a row to select "
                              "the parameter on the canvas")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._on_double_clicked)

        self.run_button = QPushButton("&Run again")
        self.run_button.setAccessibleName("Run the gradient check again")
        self.run_button.setToolTip("Check the current weights again (F5)")
        self.run_button.clicked.connect(self.run)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.run)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.run_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addWidget(self.summary)
        layout.addWidget(self.stale)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(820, 520)

        session.parameters_changed.connect(self._on_parameters_changed)
        session.structure_changed.connect(self.run)
        session.data_changed.connect(self.run)
        session.training_changed.connect(self.run)
        self.run()

    # -- checking ---------------------------------------------------------------------------

    def run(self) -> None:
        """Check the session's current parameters and fill the table."""
        self.result = gradcheck.check_scenario(self.session.scenario, self.epsilon,
                                               self.analytic)
        self.stale.setVisible(False)
        self._fill()

    def _on_parameters_changed(self) -> None:
        self.stale.setVisible(True)

    def _fill(self) -> None:
        result = self.result
        self.table.setSortingEnabled(False)
        self.model.removeRows(0, self.model.rowCount())
        tolerance = gradcheck.TOLERANCE
        for check in result.layers:
            entries = [("weight", idx, check.analytic_weights, check.numerical_weights,
                        check.error_weights, check.kink_weights)
                       for idx in _indices(check.analytic_weights.shape)]
            entries += [("bias", idx, check.analytic_biases, check.numerical_biases,
                         check.error_biases, check.kink_biases)
                        for idx in _indices(check.analytic_biases.shape)]
            for kind, idx, analytic, numerical, errors, kinks in entries:
                self.model.appendRow(self._row(kind, check.layer, idx, float(analytic[idx]),
                                               float(numerical[idx]), float(errors[idx]),
                                               bool(kinks[idx]), tolerance))
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(ERROR_COLUMN, Qt.SortOrder.DescendingOrder)
        self._write_summary()
        self.table.scrollToTop()  # the worst entry first (not selected: keep its colour)

    def _row(self, kind, layer, idx, analytic, numerical, error, kink, tolerance):
        parameter = (kind, layer, *idx)
        name = parameter_name(kind, layer, idx)
        failed = error > tolerance
        if kink:
            note = "ReLU kink: ±ε crossed z = 0, left out"
        else:
            note = "✗ above " + f"{tolerance:g}" if failed else "✓"
        # the name column sorts by layer, then weights before biases, then index
        key = f"{layer:04d}{0 if kind == 'weight' else 1}" + "".join(f"{k:05d}" for k in idx)
        items = [_Item(name, key,
                       "W⁽ˡ⁾ⱼ,ᵢ joins neuron i of layer l−1 to neuron j of layer l"
                       if kind == "weight" else "bias of neuron j of layer l"),
                 _Item(str(layer), layer),
                 _Item(format_number(analytic, 6), analytic),
                 _Item(format_number(numerical, 6), numerical),
                 _Item(format_error(error), error),
                 _Item(note)]
        items[0].setData(parameter, PARAMETER_ROLE)
        for item in items:
            if failed:
                item.setBackground(QBrush(FAILED_BACKGROUND))
            if kink:
                item.setForeground(QBrush(KINK_INK))
        return items

    def _write_summary(self) -> None:
        result = self.result
        worst = result.worst
        tolerance = gradcheck.TOLERANCE
        passed = result.passed(tolerance)
        where = parameter_name(worst.kind, worst.layer, worst.index)
        verdict = (f"<span style='color:#1b7837'>✓ backprop agrees (below {tolerance:g})</span>"
                   if passed else
                   f"<span style='color:#b35806'>✗ above {tolerance:g}: check {where}</span>")
        text = (f"largest relative error <b>{format_error(result.max_error)}</b> "
                f"(layer {worst.layer}, {html.escape(where)}) &nbsp; {verdict}")
        if result.kinks:
            text += (f"<br><small>{result.kinks} entries left out: ±ε moved a ReLU across "
                     "its kink at 0</small>")
        self.summary.setText(text)

    # -- rows ---------------------------------------------------------------------------

    def parameter_at(self, row: int) -> tuple:
        """The parameter shown in table row ``row`` (after sorting)."""
        return self.proxy.index(row, 0).data(PARAMETER_ROLE)

    def summary_text(self) -> str:
        """The summary line as plain text."""
        from PySide6.QtGui import QTextDocument

        document = QTextDocument()
        document.setHtml(self.summary.text())
        return document.toPlainText()

    def _on_double_clicked(self, index) -> None:
        self.parameter_selected.emit(self.proxy.index(index.row(), 0).data(PARAMETER_ROLE))


def _indices(shape) -> list[tuple]:
    return list(np.ndindex(shape))


def open_gradcheck_dialog(session, parent=None, analytic=None) -> GradientCheckDialog:
    """Tools ▸ Gradient check: run the check and show the dialog (not modal, so the
    canvas stays usable).  Returns the dialog."""
    dialog = GradientCheckDialog(session, parent, analytic)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    dialog.show()
    return dialog
