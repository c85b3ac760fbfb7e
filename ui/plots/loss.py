"""The loss J of every step."""

from __future__ import annotations

import math

import pyqtgraph as pg

from bpsim.notation.numbers import format_number

from .panel import HistoryPanel
from .style import BLUE, INK, style_plot

class LossPanel(HistoryPanel):
    title = "Loss"
    object_name = "loss_plot"
    help_text = "The training loss J of every step (the batch's mean loss)"

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        self.controls.addWidget(self.make_log_box(
            "loss_log_scale", "Loss plot: logarithmic y axis",
            "Show the loss on a logarithmic axis (small losses stay visible)", False))
        self.add_readout()
        style_plot(self.plot, "step", "loss J")
        self.curve = self.add_curve(BLUE)
        self.marker = pg.ScatterPlotItem(size=12, pen=pg.mkPen(INK, width=1.5),
                                         brush=pg.mkBrush(BLUE))
        self.marker.setZValue(10)
        self.plot.addItem(self.marker)

    def update_plot(self) -> None:
        history = self.controller.history
        losses = history.losses
        self.follow_data(losses)
        x, shown = self.curve_data(losses[:, None])
        self.curve.setData(x, shown[:, 0].copy())
        loss_name = self.session.training.loss
        self.set_axis_label("left", f"loss J ({loss_name})")
        self.show_readout()

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
        self.set_readout(f"step {step + 1:,}   loss {format_number(loss)}")

    def data(self):
        history = self.controller.history
        return ["step", "loss"], [history.steps, history.losses]
