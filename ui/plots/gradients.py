"""The gradient magnitude of each layer at every step: where it vanishes."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from bpsim.notation.numbers import format_number

from .. import theme
from .panel import HistoryPanel
from .style import INK, LINE_WIDTH, layer_colours, layer_legend, layer_name, style_plot

#: what the gradient plots can show: history attribute, axis label, legend word
MEASURES = {
    "norm": ("grad_norms", "‖∂J/∂W‖", "Frobenius norm ‖∂J/∂W⁽ˡ⁾‖ of each layer's weight gradient"),
    "mean_abs": ("mean_abs_grads", "mean |∂J/∂w|",
                 "mean of |∂J/∂w| over the weights of each layer"),
}


class GradientsPanel(HistoryPanel):
    title = "Gradient magnitude per layer"
    object_name = "gradients_plot"
    help_text = ("How large each layer's weight gradient is at every step. In a deep "
                 "sigmoid network the input-side layers sit orders of magnitude below "
                 "the output layer: the vanishing gradient.")

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        self.measure_box = QComboBox()
        self.measure_box.setObjectName("gradients_measure")
        self.measure_box.setAccessibleName("Gradient measure")
        self.measure_box.setToolTip("What to plot per layer")
        for key, (_, label, tip) in MEASURES.items():
            self.measure_box.addItem(label, key)
            self.measure_box.setItemData(self.measure_box.count() - 1, tip,
                                         Qt.ItemDataRole.ToolTipRole)
        self.measure_box.currentIndexChanged.connect(self._on_measure_changed)
        self.controls.addWidget(self.measure_box)
        self.controls.addWidget(self.make_log_box(
            "gradients_log_scale", "Gradient plot: logarithmic y axis",
            "Logarithmic y axis: orders of magnitude apart stay visible", True))
        self.add_readout()
        style_plot(self.plot, "step", "‖∂J/∂W‖")
        self.plot.setLogMode(y=True)
        self.legend = self.plot.addLegend(offset=(-10, 10), labelTextSize="11pt",
                                          labelTextColor=INK, brush=pg.mkBrush(255, 255, 255, 200),
                                          pen=pg.mkPen(theme.PLOT_LEGEND_BORDER))
        self.curves: list[pg.PlotDataItem] = []
        self._build_curves()
        self.plot.getViewBox().sigResized.connect(self._fit_legend)
        self.session.notation_changed.connect(self._on_notation_changed)

    @property
    def measure(self) -> str:
        return self.measure_box.currentData()

    def set_measure(self, key: str) -> None:
        self.measure_box.setCurrentIndex(self.measure_box.findData(key))

    def _on_measure_changed(self, _index) -> None:
        self._ranges = (self._ranges[0], None)
        self.refresh()

    def _build_curves(self) -> None:
        for curve in self.curves:
            self.plot.removeItem(curve)
        self.legend.clear()
        count = self.controller.history.n_layers
        colours = layer_colours(count)
        self.curves = [self.add_curve(colour) for colour in colours]
        # Deep networks: "layer 1 (input side) … layer L (output)"; the colours run
        # from dark (input side) to light green (output) in between.  With the lecture's
        # numbering the curves are named by their matrices, W⁽¹⁾ … W⁽ᴸ⁾.
        weights = self._by_matrix()
        shown = range(count) if count <= 4 else (0, None, count - 1)
        for index in shown:
            if index is None:
                self._middle = pg.PlotDataItem(pen=pg.mkPen(colours[count // 2],
                                                            width=LINE_WIDTH))
                middle = (f"… {layer_name(2, True)} – {layer_name(count - 1, True)}"
                          if weights else f"… layers 2 – {count - 1}")
                self.legend.addItem(self._middle, middle)
            else:
                self.legend.addItem(self.curves[index],
                                    layer_legend(index + 1, count, weights))
        # two entries a row: three or four rows are taller than the plot at 1280×720
        self.legend.setColumnCount(2)
        self._fit_legend()

    def _fit_legend(self) -> None:
        """A legend taller than most of a short plot (1280×720, larger text) would cover
        the curves and stick out: it hides, and the plot's tooltip names the curves."""
        names = [label.text for _, label in self.legend.items]
        self.plot.setToolTip("Curves: " + "; ".join(names) if names else "")
        view = self.plot.getViewBox()
        room = view.height() if view is not None else 0.0
        self.legend.setVisible(room <= 0 or self.legend.boundingRect().height() <= 0.8 * room)

    def set_font_scale(self, scale: float) -> None:
        super().set_font_scale(scale)
        self._fit_legend()

    def _by_matrix(self) -> bool:
        """Whether curves are named by their matrix W⁽ˡ⁾ (the lecture's numbering, where
        "layer l" would be the neurons W⁽ˡ⁾ leaves) rather than "layer l"."""
        return not self.session.scenario.numbering.is_default

    def _on_notation_changed(self) -> None:
        self._build_curves()
        self.update_plot()

    def _on_rebuilt(self) -> None:
        if len(self.curves) != self.controller.history.n_layers:
            self._build_curves()
        HistoryPanel._on_rebuilt(self)

    def values(self) -> np.ndarray:
        """The plotted measure, shape (rows, L)."""
        return getattr(self.controller.history, MEASURES[self.measure][0])

    def update_plot(self) -> None:
        history = self.controller.history
        if len(self.curves) != history.n_layers:
            self._build_curves()
        values = self.values()
        self.follow_data(values)
        x, shown = self.curve_data(values)
        for layer, curve in enumerate(self.curves):
            curve.setData(x, shown[:, layer].copy())
        self.set_axis_label("left", MEASURES[self.measure][1])
        self.show_readout()

    def show_readout(self) -> None:
        row = self.readout_row()
        if row is None:
            self.set_readout("no steps yet")
            return
        history = self.controller.history
        values = self.values()[row]
        last = len(values)
        weights = self._by_matrix()
        text = (f"step {int(history.steps[row]) + 1:,}   {layer_name(1, weights)}: "
                f"{format_number(values[0], 2)}")
        if last > 1:
            text += f"   {layer_name(last, weights)}: {format_number(values[-1], 2)}"
        self.set_readout(text)

    def data(self):
        history = self.controller.history
        count = history.n_layers
        header = ["step"] + [f"norm_layer_{l}" for l in range(1, count + 1)] + \
                 [f"mean_abs_layer_{l}" for l in range(1, count + 1)]
        columns = [history.steps] + [history.grad_norms[:, l] for l in range(count)] + \
                  [history.mean_abs_grads[:, l] for l in range(count)]
        return header, columns
