"""The decision boundary over the input plane (2 inputs) or the fitted curve (1 input),
from the engine's own predictions."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox

from bpsim import features
from bpsim.network import Network
from bpsim.notation.numbers import format_number
from bpsim.notation.scripts import layer_superscript, subscript
from bpsim.notation.symbols import neuron_words, shown_index

from .. import theme
from .panel import PlotPanel
from .style import BLUE, INK, LIGHT_BLUE, LIGHT_ORANGE, LINE_WIDTH, ORANGE, style_plot

#: the largest magnitude handed to the plot: samples may be as large as any finite
#: float, but a range with margins around ±1e308 overflows to ±inf (and its span to NaN)
DRAWABLE = 1e300


def drawable(values: np.ndarray) -> np.ndarray:
    """``values`` within ±DRAWABLE (NaN stays NaN: the plot leaves it out)."""
    return np.clip(values, -DRAWABLE, DRAWABLE)

def contour_segments(xs: np.ndarray, ys: np.ndarray, values: np.ndarray,
                     level: float) -> tuple[np.ndarray, np.ndarray]:
    """Where ``values`` (rows along ys, columns along xs) crosses ``level``, as line
    segments: (x, y) arrays holding the two ends of each segment in turn (for
    ``connect="pairs"``).  Marching squares, all cells at once, with linear
    interpolation along each cell edge; a saddle cell is split by its centre value."""
    v = np.asarray(values, dtype=float) - level
    above = v > 0
    finite = np.isfinite(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        # crossing on the edge (i, j)–(i, j+1): t = v₀ / (v₀ − v₁) of the way along
        h_cross = (above[:, :-1] != above[:, 1:]) & finite[:, :-1] & finite[:, 1:]
        h_t = v[:, :-1] / (v[:, :-1] - v[:, 1:])
        v_cross = (above[:-1, :] != above[1:, :]) & finite[:-1, :] & finite[1:, :]
        v_t = v[:-1, :] / (v[:-1, :] - v[1:, :])
    h_x = xs[:-1] + h_t * np.diff(xs)            # (ny, nx−1)
    h_y = np.broadcast_to(ys[:, None], h_x.shape)
    v_y = ys[:-1, None] + v_t * np.diff(ys)[:, None]  # (ny−1, nx)
    v_x = np.broadcast_to(xs[None, :], v_y.shape)
    # each cell's four edges: bottom, top, left, right
    px = np.stack([h_x[:-1], h_x[1:], v_x[:, :-1], v_x[:, 1:]], axis=-1).reshape(-1, 4)
    py = np.stack([h_y[:-1], h_y[1:], v_y[:, :-1], v_y[:, 1:]], axis=-1).reshape(-1, 4)
    crossed = np.stack([h_cross[:-1], h_cross[1:], v_cross[:, :-1], v_cross[:, 1:]],
                       axis=-1).reshape(-1, 4)
    count = crossed.sum(axis=1)
    pairs = []
    two = np.flatnonzero(count == 2)
    if two.size:
        order = np.argsort(~crossed[two], axis=1, kind="stable")[:, :2]
        pairs.append((two, order[:, 0], order[:, 1]))
    four = np.flatnonzero(count == 4)
    if four.size:
        centre = (v[:-1, :-1] + v[1:, :-1] + v[:-1, 1:] + v[1:, 1:]).ravel()[four] / 4
        corner = v[:-1, :-1].ravel()[four]
        # the centre on the bottom-left corner's side: cut that corner off, and the
        # top-right one; otherwise cut off the other two corners
        same = (centre > 0) == (corner > 0)
        first = np.where(same, 0, 0), np.where(same, 2, 3)
        second = np.where(same, 1, 1), np.where(same, 3, 2)
        pairs.append((four, *first))
        pairs.append((four, *second))
    if not pairs:
        return np.zeros(0), np.zeros(0)
    cells = np.concatenate([p[0] for p in pairs])
    a = np.concatenate([p[1] for p in pairs])
    b = np.concatenate([p[2] for p in pairs])
    x = np.empty(2 * len(cells))
    y = np.empty(2 * len(cells))
    x[0::2], x[1::2] = px[cells, a], px[cells, b]
    y[0::2], y[1::2] = py[cells, a], py[cells, b]
    return x, y


class DecisionPanel(PlotPanel):
    title = "Decision boundary / fit"
    object_name = "decision_plot"
    help_text = ("Two inputs: the network's output ŷ over the input plane (blue near 1, "
                 "orange near 0, black line ŷ = 0.5) with the samples on top. One input: "
                 "the fitted curve over the samples. Held-out test samples are hollow.")

    GRID = 64
    CURVE_POINTS = 240
    #: the surface costs a forward pass of GRID² points: at most 10 times a second
    min_interval_ms = 100

    def __init__(self, controller, parent=None):
        super().__init__(controller, parent)
        # as the playground's "Show test data": held-out samples drawn hollow, or not
        self.test_box = QCheckBox("Show test data")
        self.test_box.setObjectName("decision_show_test_data")
        self.test_box.setAccessibleName("Decision plot: show the held-out test samples")
        self.test_box.setToolTip("Draw the held-out test samples (hollow); training never "
                                 "uses them")
        self.test_box.setChecked(True)
        self.test_box.toggled.connect(self.set_test_shown)
        self.controls.addWidget(self.test_box)
        self.add_readout()
        style_plot(self.plot, "x₁", "x₂")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        # opaque (an image with alpha costs a blend per pixel at every repaint), the
        # strong ends softened so the samples stand out on top
        colours = [theme.SURFACE_NEGATIVE, LIGHT_ORANGE, theme.SURFACE_UNDECIDED, LIGHT_BLUE,
                   theme.SURFACE_POSITIVE]
        self.image.setLookupTable(pg.ColorMap(np.linspace(0, 1, 5), colours).getLookupTable(
            nPts=256, alpha=False))
        self.plot.addItem(self.image)
        self.boundary = pg.PlotDataItem(pen=pg.mkPen(INK, width=LINE_WIDTH), connect="pairs")
        self.boundary.setZValue(5)
        self.plot.addItem(self.boundary)
        self.fit = pg.PlotDataItem(pen=pg.mkPen(BLUE, width=LINE_WIDTH), name="ŷ")
        self.plot.addItem(self.fit)
        # one scatter item per colour: a brush per point would redraw every symbol
        self.points = {colour: pg.ScatterPlotItem(size=13, pen=pg.mkPen(INK, width=1.2),
                                                  brush=pg.mkBrush(colour))
                       for colour in (ORANGE, BLUE, theme.UNCLASSED)}
        # the held-out test samples: the same colours, hollow (outline only)
        self.test_points = {colour: pg.ScatterPlotItem(size=13, pen=pg.mkPen(colour, width=3),
                                                       brush=pg.mkBrush(None))
                            for colour in self.points}
        for item in (*self.points.values(), *self.test_points.values()):
            item.setZValue(10)
            self.plot.addItem(item)
        self.message = pg.TextItem(color=INK, anchor=(0.5, 0.5))
        self.plot.addItem(self.message)
        self.grid_x = self.grid_y = self.output = np.zeros(0)
        self._bounds_key = None
        self._points_of = None  # the dataset the points show
        #: View ▸ Neuron maps on: a selected neuron's output is the background
        self._neuron_maps = False
        self._selected_neuron: tuple[int, int] | None = None
        #: (layer, j) of the neuron whose output the background shows; None: ŷ
        self.neuron_shown: tuple[int, int] | None = None

    def set_neuron_maps(self, shown: bool) -> None:
        if bool(shown) == self._neuron_maps:
            return
        self._neuron_maps = bool(shown)
        self._bounds_key = None
        self._on_updated()

    def show_selection(self, selection) -> None:
        """The canvas's selection: a neuron's map is shown while neuron maps are on."""
        neuron = tuple(selection[1:]) if selection and selection[0] == "neuron" else None
        if neuron != self._selected_neuron:
            self._selected_neuron = neuron
            self._bounds_key = None
            self._on_updated()

    def set_test_shown(self, shown: bool) -> None:
        """Show or hide the held-out test samples (the "Show test data" box)."""
        if self.test_box.isChecked() != bool(shown):
            self.test_box.setChecked(bool(shown))  # comes back here through toggled
            return
        for item in self.test_points.values():
            item.setVisible(bool(shown))

    def sample_points(self) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) positions of the samples drawn, all colours together (the test
        samples too while they are shown)."""
        items = [*self.points.values()]
        if self.test_box.isChecked():
            items += self.test_points.values()
        return self._positions(items)

    def test_sample_points(self) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) positions of the hollow test samples drawn (none while hidden)."""
        return self._positions([item for item in self.test_points.values()
                                if item.isVisible()])

    @staticmethod
    def _positions(items) -> tuple[np.ndarray, np.ndarray]:
        xs, ys = [np.zeros(0)], [np.zeros(0)]
        for item in items:
            x, y = item.getData()
            xs.append(np.asarray(x, dtype=float))
            ys.append(np.asarray(y, dtype=float))
        return np.concatenate(xs), np.concatenate(ys)

    def _bounds(self, x: np.ndarray) -> tuple[float, float]:
        """The samples' extent with a margin, finite whatever the samples are."""
        values = drawable(x[np.isfinite(x)])
        if not values.size:
            return -1.0, 1.0
        low, high = float(values.min()), float(values.max())
        margin = 0.1 * (high - low) if high > low else max(1.0, 0.1 * abs(low))
        return low - margin, high + margin

    def update_plot(self) -> None:
        network = self.controller.network_at_cursor()
        dataset = self.session.dataset
        # the samples' own points: with input features (x₁², sin x₂ …) the network
        # has more inputs than the plane has axes
        n_in = dataset.plane.shape[1] if dataset.points is not None else network.layers[0]
        if dataset is not self._points_of:
            self._show_points(dataset, n_in)
        if n_in == 2:
            self._plane(network, dataset.plane)
        elif n_in == 1:
            self._curve(network, dataset.x)
        else:
            self.image.hide()
            self.boundary.setData([], [])
            self.fit.setData([], [])
            self.message.setText(f"The decision plot needs 1 or 2 inputs (this network has {n_in})")
            self.message.setPos(0.5, 0.5)
            self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            self.set_readout("")

    def _show_points(self, dataset, n_in: int) -> None:
        """The samples, coloured by class (blue 1, orange 0); set when the data changes."""
        self._points_of = dataset
        self._bounds_key = None
        x, y = dataset.plane, dataset.y
        for item in (*self.points.values(), *self.test_points.values()):
            item.setData([], [])
        x, y = drawable(x), drawable(y)
        # the engine's split of the samples (DataSpec.split): test samples are hollow
        held_out = np.zeros(len(x), dtype=bool)
        test = self.session.data.split()[1]
        if len(test) and len(test) < len(x):
            held_out[test] = True

        def show(colour, chosen, px, py):
            self.points[colour].setData(px[chosen & ~held_out], py[chosen & ~held_out])
            self.test_points[colour].setData(px[chosen & held_out], py[chosen & held_out])

        every = np.ones(len(x), dtype=bool)
        if n_in == 1:
            show(ORANGE, every, x[:, 0], y[:, 0])
            return
        if n_in != 2:
            return
        classes = self._classes(y)
        if classes is None:
            show(theme.UNCLASSED, every, x[:, 0], x[:, 1])
            return
        for colour, chosen in ((ORANGE, classes < 1), (BLUE, classes >= 1)):
            show(colour, chosen, x[:, 0], x[:, 1])

    @staticmethod
    def _classes(y: np.ndarray) -> np.ndarray | None:
        """Class of each sample when the targets are classes (0/1 or one-hot)."""
        if y.shape[1] > 1:
            return np.argmax(y, axis=1)
        column = y[:, 0]
        if np.all((column == 0) | (column == 1)):
            return column.astype(int)
        return None

    def _plane(self, network: Network, x: np.ndarray) -> None:
        self.message.setText("")
        self.fit.setData([], [])
        (x_low, x_high), (y_low, y_high) = self._bounds(x[:, 0]), self._bounds(x[:, 1])
        self.grid_x = np.linspace(x_low, x_high, self.GRID)
        self.grid_y = np.linspace(y_low, y_high, self.GRID)
        neuron = self._neuron_to_show(network)
        self.neuron_shown = neuron
        if neuron is not None:
            self._neuron_plane(network, x, neuron)
            return
        gx, gy = np.meshgrid(self.grid_x, self.grid_y)
        prediction = network.predict(
            self.session.data.network_inputs(np.c_[gx.ravel(), gy.ravel()]))
        n_out = prediction.shape[1]
        # one output: ŷ; two (softmax): the probability of class 1; more: the class
        if n_out == 1:
            out = prediction[:, 0]
        elif n_out == 2:
            out = prediction[:, 1]
        else:
            out = np.argmax(prediction, axis=1) / (n_out - 1)
        self.output = out.reshape(self.GRID, self.GRID)
        levels = (0.0, 1.0)
        finite = self.output[np.isfinite(self.output)]
        if finite.size and (finite.min() < -1e-9 or finite.max() > 1 + 1e-9):
            levels = (float(finite.min()), float(finite.max()) or 1.0)
        self.image.setImage(self.output, levels=levels, autoLevels=False)
        dx = (x_high - x_low) / (self.GRID - 1)
        dy = (y_high - y_low) / (self.GRID - 1)
        self.image.setRect(x_low - dx / 2, y_low - dy / 2, dx * self.GRID, dy * self.GRID)
        self.image.show()
        if n_out <= 2:
            self.boundary.setData(*contour_segments(self.grid_x, self.grid_y, self.output, 0.5))
        else:
            self.boundary.setData([], [])
        key = (x_low, x_high, y_low, y_high)
        if key != self._bounds_key:
            self._bounds_key = key
            self.plot.setRange(xRange=(x_low, x_high), yRange=(y_low, y_high), padding=0)
            self.set_axis_label("bottom", "x₁")
            self.set_axis_label("left", "x₂")
            self.set_readout("blue: ŷ near 1   orange: ŷ near 0   black line: ŷ = 0.5"
                             + self._test_words())

    def _neuron_to_show(self, network: Network) -> tuple[int, int] | None:
        neuron = self._selected_neuron if self._neuron_maps else None
        if neuron is None:
            return None
        layer, j = neuron
        return neuron if layer < len(network.layers) and j < network.layers[layer] else None

    def _neuron_plane(self, network: Network, x: np.ndarray, neuron) -> None:
        """The background: the selected neuron's output a⁽ˡ⁾ⱼ over the plane, from the
        engine's forward pass of the grid (:func:`bpsim.features.neuron_maps`)."""
        layer, j = neuron
        maps = features.neuron_maps(network, self.session.data.features, x, self.GRID)
        self.grid_x, self.grid_y = maps.grid_x, maps.grid_y
        self.output = maps.of(layer, j)
        if layer >= 1 and network.activations[layer - 1] in ("sigmoid", "softmax"):
            levels = (0.0, 1.0)
        else:
            bound = float(np.nanmax(np.abs(self.output))) if layer == 0 else 1.0
            levels = (-(bound or 1.0), bound or 1.0)
        self.image.setImage(self.output, levels=levels, autoLevels=False)
        (x_low, x_high), (y_low, y_high) = (self.grid_x[[0, -1]], self.grid_y[[0, -1]])
        dx = (x_high - x_low) / (self.GRID - 1)
        dy = (y_high - y_low) / (self.GRID - 1)
        self.image.setRect(x_low - dx / 2, y_low - dy / 2, dx * self.GRID, dy * self.GRID)
        self.image.show()
        self.boundary.setData([], [])
        key = (float(x_low), float(x_high), float(y_low), float(y_high), neuron)
        if key != self._bounds_key:
            self._bounds_key = key
            self.plot.setRange(xRange=(x_low, x_high), yRange=(y_low, y_high), padding=0)
            self.set_axis_label("bottom", "x₁")
            self.set_axis_label("left", "x₂")
            self.set_readout(self.neuron_caption(network, layer, j))

    def neuron_caption(self, network: Network, layer: int, j: int) -> str:
        """Which neuron's output the background shows."""
        numbering = self.session.scenario.numbering
        low, high = self.image.levels if self.image.levels is not None else (0, 1)
        return (f"background: a{layer_superscript(numbering.layer(layer))}"
                f"{subscript(shown_index(j))}, the output of "
                f"{neuron_words(layer, j, numbering)} (blue near {format_number(high)}, "
                f"orange near {format_number(low)})")

    def _curve(self, network: Network, x: np.ndarray) -> None:
        self.message.setText("")
        self.image.hide()
        self.boundary.setData([], [])
        low, high = self._bounds(x[:, 0])
        self.grid_x = np.linspace(low, high, self.CURVE_POINTS)
        self.grid_y = np.zeros(0)
        self.output = network.predict(self.grid_x[:, None])[:, 0]
        self.fit.setData(self.grid_x, drawable(self.output))
        key = (low, high)
        if key != self._bounds_key:
            self._bounds_key = key
            self.plot.enableAutoRange()
            self.set_axis_label("bottom", "x")
            self.set_axis_label("left", "y and ŷ")
            self.set_readout("orange: samples (x, y)   blue: the network's ŷ(x)"
                             + self._test_words())

    def _test_words(self) -> str:
        held_out = any(len(item.getData()[0]) for item in self.test_points.values())
        return "   hollow: held-out test samples" if held_out else ""

    def data(self):
        if self.grid_y.size:
            gx, gy = np.meshgrid(self.grid_x, self.grid_y)
            return ["x1", "x2", "prediction"], [gx.ravel(), gy.ravel(), self.output.ravel()]
        return ["x", "prediction"], [self.grid_x, self.output]
