"""Neuron maps on the canvas (View ▸ Neuron maps): each neuron's output over the input
plane, as a small heatmap inside its circle, as TensorFlow Playground draws them.

The numbers are the engine's: :func:`bpsim.features.neuron_maps` runs the grid through
the network in one forward pass; this module only colours them.  Updates follow the
session's signals, at most :data:`MAX_RATE` times a second (playing trains many steps
per frame; the maps need not be newer than the screen).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QElapsedTimer, QObject, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath
from PySide6.QtWidgets import QGraphicsItem

from bpsim import features

from .. import theme

#: grid points along each axis of the plane
GRID = 24
#: updates per second at most
MAX_RATE = 30
#: activations whose outputs lie in [0, 1]; the others are coloured over [−1, 1]
UNIT_RANGE = ("sigmoid", "softmax")


def colour_table(colours=theme.NEURON_MAP_COLOURS, n: int = 256) -> np.ndarray:
    """(n, 4) uint8 rows B, G, R, A (QImage's ARGB32 byte order on little-endian
    machines) running through ``colours`` evenly."""
    rgb = np.array([QColor(c).getRgb()[:3] for c in colours], dtype=float)
    stops = np.linspace(0.0, 1.0, len(colours))
    t = np.linspace(0.0, 1.0, n)
    table = np.empty((n, 4), dtype=np.uint8)
    for k in range(3):
        table[:, 2 - k] = np.round(np.interp(t, stops, rgb[:, k]))
    table[:, 3] = 255
    return table


_TABLE = colour_table()


def output_range(network, layer: int) -> tuple[float, float]:
    """The outputs a layer's colours span: [0, 1] for sigmoid and softmax, [−1, 1] for
    the others (ReLU beyond 1 saturates)."""
    if layer >= 1 and network.activations[layer - 1] in UNIT_RANGE:
        return 0.0, 1.0
    return -1.0, 1.0


def scaled(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Values mapped onto 0..1 over [low, high] (NaN to the middle)."""
    t = (np.nan_to_num(values, nan=(low + high) / 2) - low) / (high - low)
    return np.clip(t, 0.0, 1.0)


def map_image(t: np.ndarray) -> QImage:
    """A QImage of one map, t in 0..1 of shape (rows along x₂, columns along x₁); the
    image's top row is the plane's highest x₂."""
    index = np.round(t[::-1] * (len(_TABLE) - 1)).astype(np.intp)
    pixels = np.ascontiguousarray(_TABLE[index])
    h, w = t.shape
    image = QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_ARGB32)
    return image.copy()  # own the pixels: the numpy buffer goes away


def layer_images(network, maps: features.NeuronMaps) -> list[list[QImage]]:
    """One image per neuron, layer by layer.  The inputs (features of any size) are
    coloured over ±their largest magnitude."""
    images = []
    for layer, values in enumerate(maps.maps):
        row = []
        for j in range(values.shape[0]):
            if layer == 0:
                bound = float(np.nanmax(np.abs(values[j]))) or 1.0
                low, high = -bound, bound
            else:
                low, high = output_range(network, layer)
            row.append(map_image(scaled(values[j], low, high)))
        images.append(row)
    return images


class NeuronMapsItem(QGraphicsItem):
    """Paints every neuron's map inside its circle (one item for all of them)."""

    def __init__(self, canvas):
        super().__init__()
        self._canvas = canvas
        self._images: list[list[QImage]] = []
        self._bounds = QRectF()
        self.setZValue(3.5)  # over the neurons' fill, under the bias labels
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_images(self, images) -> None:
        self._images = images
        self.place()

    def place(self) -> None:
        """Take the neurons' current positions (after a layout change)."""
        self.prepareGeometryChange()
        bounds = QRectF()
        for layer, row in enumerate(self._images):
            for j in range(len(row)):
                bounds = bounds.united(self._canvas.neuron_item(layer, j).sceneBoundingRect())
        self._bounds = bounds
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for layer, row in enumerate(self._images):
            for j, image in enumerate(row):
                item = self._canvas.neuron_item(layer, j)
                centre, r = item.pos(), item.radius * 0.88  # inside the outline
                disc = QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r)
                path = QPainterPath()
                path.addEllipse(disc)
                painter.save()
                painter.setClipPath(path)
                painter.drawImage(disc, image)
                painter.restore()


class NeuronMaps(QObject):
    """Keeps the canvas's maps up to date while shown (``set_shown``)."""

    def __init__(self, canvas, session):
        super().__init__(canvas)
        self.canvas, self.session = canvas, session
        self.shown = False
        self.item: NeuronMapsItem | None = None
        self._built_for: tuple = ()  # the layer sizes of the canvas's items
        self.maps: features.NeuronMaps | None = None
        self.updates = 0  # maps computed so far (for the benchmark)
        self._since = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh)
        # a new structure arrives through attach (the canvas's new items)
        session.parameters_changed.connect(self.schedule)
        session.data_changed.connect(self.schedule)

    def available(self) -> bool:
        """Maps exist for 2-D points only (whatever the input features)."""
        return self.session.dataset.plane.shape[1] == 2

    def attach(self, scene, layers) -> None:
        """A new scene whose neurons (``layers`` sizes) the canvas is about to make:
        the maps follow once they exist."""
        self.item = NeuronMapsItem(self.canvas)
        self.item.setVisible(self.shown)
        scene.addItem(self.item)
        self._built_for = tuple(int(n) for n in layers)
        if self.shown:
            self._timer.start(0)

    def place(self) -> None:
        if self.item is not None:
            self.item.place()

    def set_shown(self, shown: bool) -> None:
        self.shown = bool(shown)
        if self.item is not None:
            self.item.setVisible(self.shown)
        self.schedule()

    def schedule(self) -> None:
        """Refresh now, or once 1/MAX_RATE s has passed since the last refresh."""
        if not self.shown or self._timer.isActive():
            return
        interval = 1000 // MAX_RATE
        if not self._since.isValid() or self._since.elapsed() >= interval:
            self.refresh()
        else:
            self._timer.start(interval - self._since.elapsed())

    def refresh(self) -> None:
        if not self.shown or self.item is None:
            return
        self._since.start()
        if not self.available():
            self.maps = None
            self.item.set_images([])
            return
        network = self.session.network
        if tuple(network.layers) != self._built_for:
            return  # the canvas rebuilds first, then attach() asks again
        self.maps = features.neuron_maps(network, self.session.data.features,
                                         self.session.dataset.plane, GRID)
        self.item.set_images(layer_images(network, self.maps))
        self.updates += 1
