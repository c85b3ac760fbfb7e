"""The loss J of every step; beside it the test loss (held-out samples) and, with a
weight penalty, the data loss (J − λ·R)."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt

from bpsim import regularization
from bpsim.notation.numbers import format_number

from .. import theme
from .panel import HistoryPanel, PeakColumns
from .style import BLUE, INK, LINE_WIDTH, ORANGE, style_plot

#: the legend's names of the curves
TRAINING_NAME = "training loss J"
DATA_NAME = "data loss (J − λ·R)"
TEST_NAME = "test loss"


class LossPanel(HistoryPanel):
    title = "Loss"
    object_name = "loss_plot"
    help_text = ("The training loss J of every step (the batch's mean loss); with held-out "
                 "test samples also the test loss before the step's update, and with a "
                 "weight penalty the data loss J − λ·R (dashed)")

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        self.controls.addWidget(self.make_log_box(
            "loss_log_scale", "Loss plot: logarithmic y axis",
            "Show the loss on a logarithmic axis (small losses stay visible)", False))
        self.add_readout()
        style_plot(self.plot, "step", "loss J")
        self.curve = self.add_curve(BLUE)
        # the data loss in the training curve's colour, dashed: the same samples, J
        # without the penalty; the test loss in the other colour, solid
        self.data_curve = self.add_curve(BLUE)
        self.data_curve.setPen(pg.mkPen(BLUE, width=LINE_WIDTH, style=Qt.PenStyle.DashLine))
        self.test_curve = self.add_curve(ORANGE)
        self._data_peaks, self._test_peaks = PeakColumns(), PeakColumns()
        self.legend = self.plot.addLegend(offset=(-10, 10), labelTextSize="11pt",
                                          labelTextColor=INK,
                                          brush=pg.mkBrush(255, 255, 255, 200),
                                          pen=pg.mkPen(theme.PLOT_LEGEND_BORDER))
        #: which extra curves are shown: (data loss, test loss)
        self.shown = (False, False)
        self._show_curves(self.shown)
        self.marker = pg.ScatterPlotItem(size=12, pen=pg.mkPen(INK, width=1.5),
                                         brush=pg.mkBrush(BLUE))
        self.marker.setZValue(10)
        self.plot.addItem(self.marker)

    def _has_test_loss(self) -> bool:
        # the latest step's record had test samples (a split made later starts a
        # new history, see Session)
        history = self.controller.history
        return bool(len(history)) and math.isfinite(float(history.test_losses[-1]))

    def _regularized(self) -> bool:
        training = self.session.training
        if regularization.active(training.regularization, training.regularization_rate):
            return True
        history = self.controller.history
        return bool(len(history)) and bool(history.data_losses[-1] != history.losses[-1])

    def _show_curves(self, shown: tuple[bool, bool]) -> None:
        """The data loss and test loss curves on or off, and the legend naming the
        curves shown (none when there is only J)."""
        self.shown = shown
        data, test = shown
        self.data_curve.setVisible(data)
        self.test_curve.setVisible(test)
        self.legend.clear()
        if data or test:
            self.legend.addItem(self.curve, TRAINING_NAME)
            if data:
                self.legend.addItem(self.data_curve, DATA_NAME)
            if test:
                self.legend.addItem(self.test_curve, TEST_NAME)
        self.legend.setVisible(data or test)

    def legend_names(self) -> list[str]:
        """The names the legend shows (empty when it is hidden)."""
        if not self.legend.isVisible():
            return []
        return [label.text for _, label in self.legend.items]

    def update_plot(self) -> None:
        history = self.controller.history
        shown = (self._regularized(), self._has_test_loss())
        if shown != self.shown:
            self._show_curves(shown)
        losses = history.losses
        extra = []
        if shown[0]:
            extra.append(history.data_losses)
        if shown[1]:
            extra.append(history.test_losses)
        self.follow_data(losses, *extra)
        x, values = self.curve_data(losses[:, None])
        self.curve.setData(x, values[:, 0].copy())
        for on, curve, array, peaks in (
                (shown[0], self.data_curve, history.data_losses, self._data_peaks),
                (shown[1], self.test_curve, history.test_losses, self._test_peaks)):
            if on:
                x, values = self.curve_data(array[:, None], peaks)
                curve.setData(x, values[:, 0].copy())
            else:
                curve.setData([], [])
        loss_name = self.session.training.loss
        self.set_axis_label("left", f"loss J ({loss_name})")
        self.show_readout()

    def _on_rebuilt(self) -> None:
        self._data_peaks.clear()
        self._test_peaks.clear()
        super()._on_rebuilt()

    def show_readout(self) -> None:
        row = self.readout_row()
        if row is None:
            self.marker.setData([], [])
            self.set_readout("no steps yet")
            return
        history = self.controller.history
        step, loss = int(history.steps[row]), float(history.losses[row])
        y = loss
        if self.log_box.isChecked():
            y = math.log10(loss) if loss > 0 else math.nan
        self.marker.setData([step + 1], [y] if math.isfinite(y) else [])
        text = f"step {step + 1:,}   loss {format_number(loss)}"
        if self.shown[0]:
            text += f"   data loss {format_number(float(history.data_losses[row]))}"
        if self.shown[1]:
            text += f"   test loss {format_number(float(history.test_losses[row]))}"
        self.set_readout(text)

    def data(self):
        history = self.controller.history
        header, columns = ["step", "loss"], [history.steps, history.losses]
        if self.shown[0]:
            header.append("data_loss")
            columns.append(history.data_losses)
        if self.shown[1]:
            header.append("test_loss")
            columns.append(history.test_losses)
        return header, columns
