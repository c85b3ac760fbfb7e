"""How each layer's activations spread over the batch, with the units where f′(z) is
flat (saturated, or switched off) and the dead ones, as the engine's diagnostics
find them."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont

from bpsim import activations as act
from bpsim.diagnostics import dead_units, flat_fraction, flat_mask

from .panel import LayerPanel, stable_range
from .style import BLUE, INK, ORANGE, style_plot

class ActivationsPanel(LayerPanel):
    title = "Activations per layer"
    object_name = "activations_plot"
    help_text = ("How each layer's activations a⁽ˡ⁾ are spread over the batch of the last "
                 "step: a histogram per layer. Orange: values where the slope f′(z) is "
                 "under 10 % of its peak (sigmoid near 0 or 1, ReLU at 0), so little "
                 "gradient flows back. A ReLU unit that is 0 for the whole batch is dead.")

    BINS = 30
    #: histograms of every layer: at most 15 times a second
    min_interval_ms = 66

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        self.add_readout()
        style_plot(self.plot, "layer (input side → output)", "activation a")
        self.plot.setMouseEnabled(x=False, y=False)
        self.bars = pg.BarGraphItem(x0=[], y0=[], width=[], height=[])
        self.flat_bars = pg.BarGraphItem(x0=[], y0=[], width=[], height=[])
        self.flat_bars.setZValue(2)
        self.plot.addItem(self.bars)
        self.plot.addItem(self.flat_bars)
        self.labels: list[pg.TextItem] = []
        self.stats: list[dict] = []
        self._y_range = None
        self.session.notation_changed.connect(self._on_updated)

    def _on_rebuilt(self) -> None:
        self._y_range = None
        super()._on_rebuilt()

    def forward_records(self):
        """(forward records, what they describe): the last step's batch, or, before any
        step (or at the timeline's cursor), the engine's forward pass over the data."""
        record = self.controller.last_record
        if record is not None and self.controller.cursor is None:
            return list(record.forward), f"batch of step {record.step + 1:,}"
        x = self.session.dataset.x[:512]
        network = self.controller.network_at_cursor()
        return network.forward(x), f"{len(x)} samples"

    @staticmethod
    def value_range(records) -> tuple[float, float]:
        """Where the histograms are drawn: all layers' values but the extreme 0.5 %
        at each end (a few huge ReLU outputs would squash everything else)."""
        values = np.concatenate([r.a[np.isfinite(r.a)] for r in records])
        if not values.size:
            return 0.0, 1.0
        low, high = (float(v) for v in np.percentile(values, [0.5, 99.5]))
        if high - low < 1e-9:
            low, high = low - 0.5, high + 0.5
        return low, high

    def update_plot(self) -> None:
        records, source = self.forward_records()
        count = len(records)
        # the columns are neuron layers: numbered as the scenario numbers them
        self._axis.set_count(count, self.session.scenario.numbering.input_layer)
        low, high = self.value_range(records)
        edges = np.linspace(low, high, self.BINS + 1)
        # a count of equal bins and their range, not the edges: numpy then finds each
        # value's bin by arithmetic instead of sorting the values (a batch of 10,000
        # samples of 128 neurons is over a million per layer); the same edges and counts
        bins = {"bins": self.BINS, "range": (low, high)}
        boxes, flat_boxes = [], []
        self.stats = []
        for layer, record in enumerate(records, start=1):
            a = record.a
            finite = np.isfinite(a)
            clipped = np.clip(a[finite], low, high)  # outliers into the end bins
            counts, _ = np.histogram(clipped, **bins)
            scale = 0.8 / max(1, counts.max())
            mask = flat_mask(record)
            flat_counts = np.zeros_like(counts)
            if mask is not None:
                flat_counts, _ = np.histogram(np.clip(a[finite & mask], low, high), **bins)
            self.stats.append({
                "layer": layer, "activation": record.activation,
                "min": float(np.min(a[finite])) if finite.any() else math.nan,
                "median": float(np.median(a[finite])) if finite.any() else math.nan,
                "max": float(np.max(a[finite])) if finite.any() else math.nan,
                "flat": math.nan if mask is None else flat_fraction(record),
                "dead": dead_units(record),
                "units": a.shape[1]})
            for shown, target in ((counts, boxes), (flat_counts, flat_boxes)):
                for b in np.flatnonzero(shown):
                    width = scale * shown[b]
                    target.append((layer - width / 2, edges[b], width, edges[b + 1] - edges[b]))
        for item, chosen, colour in ((self.bars, boxes, BLUE), (self.flat_bars, flat_boxes, ORANGE)):
            x0, y0, width, height = (list(c) for c in zip(*chosen)) if chosen else ([],) * 4
            item.setOpts(x0=x0, y0=y0, width=width, height=height, brush=pg.mkBrush(colour),
                         pen=pg.mkPen(None))
        span = high - low
        lines = 3 if any(stat["dead"] is not None for stat in self.stats) else 2
        # room above the histograms for the labels; the range changes only now and then
        self._y_range = stable_range(self._y_range, low - 0.02 * span,
                                     high + 0.11 * lines * span, log=False)
        self._place_labels(self._y_range[1])
        self.plot.setXRange(0.4, count + 0.6, padding=0)
        self.plot.setYRange(*self._y_range, padding=0)
        self.set_readout(f"{source}   orange: f′(z) < 10 % of its peak "
                             "(saturated, or ReLU off)")

    def _place_labels(self, y: float) -> None:
        while len(self.labels) < len(self.stats):
            label = pg.TextItem(color=INK, anchor=(0.5, 0.0))  # hangs from the top
            font = QFont()
            font.setPointSize(11)
            label.setFont(font)
            self.plot.addItem(label)
            self.labels.append(label)
        for label in self.labels[len(self.stats):]:
            self._set_label_text(label, "")
        for label, stat in zip(self.labels, self.stats):
            text = act.get(stat["activation"]).label
            if stat["dead"] is not None:
                text += f"\n{stat['dead']}/{stat['units']} dead\n{stat['flat']:.0%} off"
            elif not math.isnan(stat["flat"]):
                text += f"\n{stat['flat']:.0%} sat."
            self._set_label_text(label, text)
            label.setPos(stat["layer"], y)

    @staticmethod
    def _set_label_text(label: pg.TextItem, text: str) -> None:
        # setText lays the text out again (costly): only when it changes
        if getattr(label, "shown_text", None) != text:
            label.shown_text = text
            label.setText(text)

    def data(self):
        header = ["layer", "activation", "min", "median", "max", "flat_slope_fraction",
                  "dead_units"]
        stats = self.stats
        shown = self.session.scenario.numbering.layer
        return header, [[shown(s["layer"]) for s in stats], [s["activation"] for s in stats],
                        [s["min"] for s in stats], [s["median"] for s in stats],
                        [s["max"] for s in stats], [s["flat"] for s in stats],
                        ["" if s["dead"] is None else s["dead"] for s in stats]]
