"""Tools ▸ Gradient check: backprop's gradient of every weight and bias against the
central difference (J(θ + ε) − J(θ − ε)) / 2ε, in a sortable table, with a summary
line "largest relative error 3e-10 (layer 2)".

The numbers come from :func:`bpsim.gradcheck.check_scenario` on a copy of the
session's scenario (which it does not change).  ``analytic`` replaces the gradients
under test, e.g. to show what a backprop bug looks like.

A check bigger than :data:`INLINE_WORK` runs in a :class:`bpsim.ui.worker.Worker`,
with a progress bar and Cancel; the lecture-sized ones (a few milliseconds) are done
at once, so the table is there the moment the dialog opens, without a progress bar
flashing.  What a teacher expects after an edit:

- the weights changed (a training step, an edited weight, undo): the table stays,
  marked out of date, until Run again (F5).  The check is a snapshot to discuss;
  re-checking on every training step would take a core from training and drawing
  and reorder the table under the pointer;
- the network's shape, the data or the loss changed: the old table is of another
  problem, so the check runs again by itself (in the worker when it is big).
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut, QStandardItem, \
    QStandardItemModel
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView,
                               QLabel, QProgressBar, QPushButton, QTableView, QVBoxLayout)

from bpsim import gradcheck
from bpsim.notation.numbers import format_number
from bpsim.notation.scripts import layer_superscript, subscript
from bpsim.notation.symbols import shown_index

from .. import theme
from ..worker import Worker

#: the value a numeric column sorts by
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: the parameter of a row: ("weight", l, j, i) or ("bias", l, j)
PARAMETER_ROLE = Qt.ItemDataRole.UserRole + 2
#: rows above the tolerance get this background (orange, the palette's "negative")
FAILED_BACKGROUND = QColor(theme.GRADCHECK_FAILED_ROW)
KINK_INK = QColor(theme.GRADCHECK_KINK_TEXT)

COLUMNS = ("parameter", "layer", "backprop ∂J/∂θ", "central difference",
           "relative error", "")
ERROR_COLUMN = 4

#: significant digits of a relative error: its size is what matters
ERROR_DIGITS = 2
#: checks with at most this much work (bpsim.gradcheck.batched_work, about 3 ns each
#: on one core) are done at once on the GUI thread; bigger ones in the worker
INLINE_WORK = 1_000_000
#: the gradient check's verdict, in the words of the tables and the summary
TOLERANCE_TEXT = format_number(gradcheck.TOLERANCE)
PARAMETERS_CHANGED = "The parameters changed since this check: press Run again (F5)."
CHECKING_AGAIN = "The network, data or loss changed: checking again…"


def format_error(error: float) -> str:
    """A relative error for reading: 3×10⁻¹⁰, 1.2×10⁻⁷, 0."""
    return format_number(error, ERROR_DIGITS)


def parameter_name(kind: str, layer: int, index: tuple) -> str:
    """W⁽²⁾₁,₂ or b⁽¹⁾₃, as the Math dock writes them (the engine's 0-based ``index``
    shown from 1; a weight's layer number is the same in both numberings)."""
    name = "W" if kind == "weight" else "b"
    shown = ",".join(str(shown_index(i)) for i in index)
    return f"{name}{layer_superscript(layer)}{subscript(shown)}"


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
    #: a check of the current parameters is shown: its GradCheckResult (the window
    #: colours the canvas by it)
    result_ready = Signal(object)

    def __init__(self, session, parent=None, analytic=None, epsilon: float = 1e-6):
        super().__init__(parent)
        self.setObjectName("gradcheck_dialog")
        self.setWindowTitle("Gradient check")
        self.setAccessibleName("Gradient check")
        self.session = session
        self.analytic = analytic
        self.epsilon = epsilon
        #: the check shown; None until the first one is done, and while the network,
        #: data or loss changed and the check runs again
        self.result: gradcheck.GradCheckResult | None = None
        #: the parameter arrays (read-only, replaced by every edit) of the check shown
        #: and of the check running
        self._shown_parameters: list = []
        self._running_parameters: list = []

        self.explanation = QLabel(
            "Backpropagation's gradient of every weight and bias next to the central "
            "difference (J(θ + ε) − J(θ − ε)) / 2ε on the whole dataset. Relative errors "
            f"below {TOLERANCE_TEXT} mean backprop is right.")
        self.explanation.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setObjectName("gradcheck_summary")
        self.summary.setAccessibleName("Gradient check summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.summary.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.summary.setFont(font)
        self.stale = QLabel(PARAMETERS_CHANGED)
        self.stale.setVisible(False)
        self.stale.setAccessibleName("Check out of date")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("gradcheck_progress")
        self.progress_bar.setAccessibleName("Gradient check progress")
        self.progress_bar.setToolTip("Parameters checked so far")
        self.progress_bar.setFormat("%v of %m parameters")
        self.progress_bar.setVisible(False)

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
        self.cancel_button = QPushButton("&Cancel check")
        self.cancel_button.setObjectName("gradcheck_cancel")
        self.cancel_button.setAccessibleName("Cancel the gradient check")
        self.cancel_button.setToolTip("Stop the check that is running (the table keeps "
                                      "the last check)")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.run_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        self.worker = Worker(self)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_checked)
        self.worker.failed.connect(self._on_failed)

        layout = QVBoxLayout(self)
        layout.addWidget(self.explanation)
        layout.addWidget(self.summary)
        layout.addWidget(self.stale)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(820, 520)

        session.parameters_changed.connect(self._on_parameters_changed)
        for signal in (session.structure_changed, session.data_changed,
                       session.training_changed):
            signal.connect(self._on_problem_changed)
        self.run()

    # -- checking ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """A check is running in the worker."""
        return self.worker.running

    @property
    def is_stale(self) -> bool:
        """The table shows a check of other parameters than the network's now."""
        return not self.stale.isHidden()

    def run(self) -> None:
        """Check the session's current parameters: at once when the check is small,
        else in the worker (the table is filled when it is done)."""
        scenario = self.session.scenario.copy()  # the worker reads a copy: edits go on
        parameters = _parameters(self.session.network)
        samples = len(scenario.dataset().x)
        self.worker.discard()  # a check of older parameters is of no more use
        if gradcheck.batched_work(scenario.network.layers, samples) <= INLINE_WORK:
            self._show_idle()
            self._show(gradcheck.check_scenario(scenario, self.epsilon, self.analytic),
                       parameters)
            return
        self._running_parameters = parameters
        epsilon, analytic = self.epsilon, self.analytic

        def check(progress, cancelled):
            try:
                return gradcheck.check_scenario(scenario, epsilon, analytic, progress,
                                                cancelled)
            except gradcheck.CheckCancelled:
                return None

        self.result = None  # the table still shows the last check, marked out of date
        if not self._shown_parameters:
            self.summary.setText(f"Checking {scenario.network.parameter_count:,} parameters "
                                 f"on {samples:,} samples…")
        self.progress_bar.setRange(0, scenario.network.parameter_count)
        self.progress_bar.setValue(0)
        self.progress_bar.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.worker.start(check)

    def cancel(self) -> None:
        """Stop the running check; the table keeps the last one, marked out of date."""
        if self.running:
            self.worker.discard()
            self._show_idle()
            self.stale.setText("Cancelled: the table shows the last check that finished. "
                               "Press Run again (F5) to check.")
            self.stale.setVisible(True)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setValue(done)

    def _on_checked(self, result) -> None:
        self._show_idle()
        if result is not None:
            self._show(result, self._running_parameters)

    def _on_failed(self, message: str) -> None:
        self._show_idle()
        self.stale.setText(f"The check failed: {message}")
        self.stale.setVisible(True)

    def _show_idle(self) -> None:
        self.progress_bar.setVisible(False)
        self.cancel_button.setEnabled(False)

    def _show(self, result: gradcheck.GradCheckResult, parameters: list) -> None:
        self.result = result
        self._shown_parameters = parameters
        current = _same_arrays(parameters, _parameters(self.session.network))
        self.stale.setText(PARAMETERS_CHANGED)
        self.stale.setVisible(not current)
        self._fill()
        if current:
            self.result_ready.emit(result)

    def _on_parameters_changed(self) -> None:
        if self._shown_parameters and not _same_arrays(self._shown_parameters,
                                                       _parameters(self.session.network)):
            self.stale.setText(PARAMETERS_CHANGED)
            self.stale.setVisible(True)

    def _on_problem_changed(self) -> None:
        # another network shape, data or loss: the table is of another problem
        self.stale.setText(CHECKING_AGAIN)
        self.stale.setVisible(True)
        self.run()

    def done(self, result: int) -> None:
        # closing while a check runs: stop it first (the thread must not outlive us)
        self.worker.stop()
        self._show_idle()
        super().done(result)

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
            note = f"✗ above {TOLERANCE_TEXT}" if failed else "✓"
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
        verdict = (f"<span style='color:{theme.AGREES}'>"
                   f"✓ backprop agrees (below {TOLERANCE_TEXT})</span>" if passed else
                   f"<span style='color:{theme.GRADCHECK_FAILED_TEXT}'>"
                   f"✗ above {TOLERANCE_TEXT}: check {html.escape(where)}</span>")
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


def _parameters(network) -> list:
    """The network's parameter arrays (each edit replaces the arrays it changes)."""
    return [*network.weights, *network.biases]


def _same_arrays(checked: list, now: list) -> bool:
    return len(checked) == len(now) and all(a is b for a, b in zip(checked, now))


def open_gradcheck_dialog(session, parent=None, analytic=None) -> GradientCheckDialog:
    """Tools ▸ Gradient check (Ctrl+G): run the check and show the dialog (not modal,
    so the canvas stays usable).  When ``parent`` already shows the dialog, that one
    checks again and comes forward.  Returns the dialog."""
    dialog = None
    if parent is not None:
        dialog = next((child for child in parent.findChildren(GradientCheckDialog)
                       if child.isVisible()), None)
    if dialog is None:
        dialog = GradientCheckDialog(session, parent, analytic)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    else:
        dialog.run()
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
