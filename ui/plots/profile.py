"""The gradient profile now: one bar per layer, input side left, with the first
step's bars and the sigmoid bound."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox

from bpsim.diagnostics import sigmoid_bound
from bpsim.notation.numbers import format_number

from .. import theme
from .gradients import MEASURES
from .panel import LayerPanel, stable_range
from .style import INK, LINE_WIDTH, layer_colours, style_plot

class ProfilePanel(LayerPanel):
    title = "Gradient profile now"
    object_name = "profile_plot"
    help_text = ("The gradient magnitude of each layer at the latest step (or the "
                 "timeline's step), input side left, on a log scale. The dashed line is "
                 "the sigmoid bound: each sigmoid layer multiplies the gradient by at "
                 "most 0.25 on its way back.")

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        self.measure_box = QComboBox()
        self.measure_box.setObjectName("profile_measure")
        self.measure_box.setAccessibleName("Gradient profile measure")
        self.measure_box.setToolTip("What the bars show per layer")
        for key, (_, label, _) in MEASURES.items():
            self.measure_box.addItem(label, key)
        self.measure_box.currentIndexChanged.connect(lambda _: self.refresh())
        self.bound_box = QCheckBox("Sigmoid bound")
        self.bound_box.setObjectName("profile_sigmoid_bound")
        self.bound_box.setAccessibleName("Show the sigmoid bound")
        self.bound_box.setToolTip("Output layer's magnitude × 0.25 per sigmoid layer "
                                  "between (weights ignored)")
        self.bound_box.setChecked(True)
        self.bound_box.toggled.connect(lambda _: self.refresh())
        self.controls.addWidget(self.measure_box)
        self.controls.addWidget(self.bound_box)
        self.add_readout()
        style_plot(self.plot, "layer (input side → output)", "‖∂J/∂W‖ (log)")
        self.plot.getAxis("left").setLogMode(False, True)
        self.plot.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.7)
        self.plot.addItem(self.bars)
        # the first recorded step as dashed outlines: how the profile started
        self.first_bars = pg.BarGraphItem(
            x=[], height=[], width=0.7, brush=pg.mkBrush(None), pen=pg.mkPen(INK, width=2))
        self.first_bars.setZValue(5)
        self.plot.addItem(self.first_bars)
        self.bound_curve = pg.PlotDataItem(
            pen=pg.mkPen(INK, width=LINE_WIDTH, style=Qt.PenStyle.DashLine),
            symbol="o", symbolSize=9, symbolBrush=pg.mkBrush(theme.PAPER),
            symbolPen=pg.mkPen(INK, width=2))
        self.plot.addItem(self.bound_curve)
        self.legend = self.plot.addLegend(offset=(10, 10), labelTextSize="11pt",
                                          labelTextColor=INK, brush=pg.mkBrush(255, 255, 255, 200),
                                          pen=pg.mkPen(theme.PLOT_LEGEND_BORDER))
        self._legend_state = None
        self._y_range = None
        self._bar_brushes: list = []
        self._bar_pens: list = []
        self.values = np.zeros(0)
        self.first_values = np.zeros(0)
        self.bound = np.zeros(0)
        self.step: int | None = None

    @property
    def measure(self) -> str:
        return self.measure_box.currentData()

    def set_measure(self, key: str) -> None:
        self.measure_box.setCurrentIndex(self.measure_box.findData(key))

    def _on_rebuilt(self) -> None:
        self._y_range = None
        super()._on_rebuilt()

    def current_values(self) -> tuple[int | None, np.ndarray, np.ndarray]:
        """(step, magnitudes per layer, those of the first recorded step) at the
        cursor, or at the latest step."""
        history = self.controller.history
        count = history.n_layers
        if not len(history):
            return None, np.zeros(count), np.zeros(0)
        row = len(history) - 1
        if self.controller.cursor is not None:
            row = history.row_at(self.controller.cursor)
            if row is None:
                return None, np.zeros(count), np.zeros(0)
        values = getattr(history, MEASURES[self.measure][0])
        first = np.array(values[0]) if row > 0 else np.zeros(0)
        return int(history.steps[row]), np.array(values[row]), first

    def update_plot(self) -> None:
        network = self.session.network
        count = network.depth
        self.step, values, first = self.current_values()
        self.values, self.first_values = values, first
        self._axis.set_count(count)
        shows_bound = (self.bound_box.isChecked() and "sigmoid" in network.activations[:-1]
                       and values.size and values[-1] > 0)
        self.bound = sigmoid_bound(network.activations, values[-1]) if shows_bound else np.zeros(0)
        shown = np.concatenate([values, first, self.bound])
        positive = shown[shown > 0]
        logs = np.log10(positive) if positive.size else np.zeros(1)
        # a decade below the smallest bar; a decade and a half above the tallest for
        # the legend; changed only when the bars leave it or shrink well inside it
        legend_room = 1.2 if (first.size or self.bound.size) else 0.3
        self._y_range = stable_range(self._y_range, logs.min() - 1, logs.max() + legend_room,
                                     log=True)
        floor = self._y_range[0]
        if len(self._bar_brushes) != count:
            self._bar_brushes = [pg.mkBrush(c) for c in layer_colours(count)]
            self._bar_pens = [pg.mkPen(INK, width=1)] * count
        layers = np.arange(1, count + 1)
        self.bars.setOpts(x=layers, height=self._heights(values, floor), y0=floor, width=0.7,
                          brushes=self._bar_brushes, pens=self._bar_pens)
        if first.size:
            self.first_bars.setOpts(x=layers, height=self._heights(first, floor), y0=floor,
                                    width=0.7)
        else:
            self.first_bars.setOpts(x=[], height=[], y0=floor, width=0.7)
        self.first_bars.setVisible(bool(first.size))
        if self.bound.size:
            self.bound_curve.setData(np.arange(1, count + 1), np.log10(self.bound))
            self.bound_curve.show()
        else:
            self.bound_curve.setData([], [])
            self.bound_curve.hide()
        self._update_legend(bool(first.size), bool(self.bound.size))
        self.plot.setXRange(0.4, count + 0.6, padding=0)
        self.plot.setYRange(*self._y_range, padding=0)
        self.set_axis_label("left", MEASURES[self.measure][1])
        self._show_readout()

    def _update_legend(self, first: bool, bound: bool) -> None:
        if self._legend_state == (first, bound):
            return
        self._legend_state = (first, bound)
        self.legend.clear()
        if first:
            self.legend.addItem(self.first_bars, "first step")
        if bound:
            self.legend.addItem(self.bound_curve, "sigmoid bound (× 0.25 a layer)")
        self.legend.setColumnCount(2)  # one row: the bars keep the height
        self.legend.setVisible(first or bound)

    @staticmethod
    def _heights(values: np.ndarray, floor: float) -> np.ndarray:
        """Bar heights on the log axis, from ``floor``; a zero gradient gets no bar."""
        safe = np.where(values > 0, values, 1.0)
        return np.where(values > 0, np.log10(safe) - floor, 0.0)

    def _show_readout(self) -> None:
        if self.step is None:
            self.set_readout("no steps yet")
            return
        values = self.values
        text = f"step {self.step + 1:,}"
        if len(values) > 1 and values[-1] > 0:
            text += f"   layer 1 / {len(values)} = {format_number(values[0] / values[-1], 2)}"
        self.set_readout(text)

    def data(self):
        count = len(self.values)
        bound = self.bound if self.bound.size else np.full(count, np.nan)
        first = self.first_values if self.first_values.size else np.full(count, np.nan)
        return (["layer", MEASURES[self.measure][0], "first_step", "sigmoid_bound"],
                [np.arange(1, count + 1), self.values, first, bound])
