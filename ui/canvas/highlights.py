"""What the window draws over the network canvas (items kept apart from the canvas's own):

- :class:`PathHighlight`: the selected weight's path to the loss (its edges with a halo,
  the neurons on it ringed, everything else dimmed), as the Math dock names it;
- :class:`GradcheckOverlay`: the canvas coloured by a gradient check's relative errors
  (each edge a weight, each bias box framed), with a legend in place of the weights'.

Neither shows in an exported image (``scene.render``): that shows the network itself.
"""

from __future__ import annotations

import numpy as np
import shiboken6
from PySide6.QtCore import QEvent, QLineF, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QLabel

from .. import theme
from . import style

#: how much the rest of the drawing fades behind a highlighted path (0 = not at all)
DIM_STRENGTH = 0.72
#: the halo around the path's edges and neurons (the canvas's selection yellow)
PATH_HALO = QColor(style.SELECTION)
#: relative-error classes of the gradient-check overlay: (upper bound, colour, words).
#: Blue = agrees, orange = wrong (the palette's two ends), light tones between; the
#: third bound is bpsim.gradcheck.TOLERANCE (a test checks they agree).
ERROR_CLASSES = (
    (1e-9, QColor(theme.GRADCHECK_AGREES), "≤ 1e−9"),
    (1e-7, QColor(theme.GRADCHECK_CLOSE), "≤ 1e−7"),
    (1e-5, QColor(theme.GRADCHECK_LOOSE), "≤ 1e−5"),
    (float("inf"), QColor(theme.GRADCHECK_WRONG), "above: wrong"),
)
KINK_COLOUR = QColor(theme.GRADCHECK_KINK)
OVERLAY_EDGE_WIDTH = 6.0


def _sign_colour(colour: QColor) -> QColor:
    """The full-strength palette colour of a (possibly pale) edge colour."""
    if colour.hsvSaturationF() < 0.12:
        return QColor(style.ZERO)
    hue = colour.hsvHue()
    return QColor(style.POSITIVE if 150 <= hue <= 270 else style.NEGATIVE)


def error_class(error: float, kink: bool = False) -> int:
    """Index into ERROR_CLASSES of a relative error (-1: left out at a ReLU kink)."""
    if kink:
        return -1
    for k, (bound, _, _) in enumerate(ERROR_CLASSES):
        if error <= bound:
            return k
    return len(ERROR_CLASSES) - 1


class _OverlayItem(QGraphicsItem):
    """Drawn above the canvas's edges and under its neurons and labels (z between the
    two): it can fade edges by drawing over them in translucent white, then draws
    lines and rings of its own."""

    #: wide enough to cover the widest edge the canvas draws
    FADE_WIDTH = style.MAX_WIDTH + 3

    def __init__(self, z: float):
        super().__init__()
        self.setZValue(z)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.faded: list[QLineF] = []
        self._bounds = QRectF()
        self._fade_pen = QPen(QColor(255, 255, 255, round(255 * DIM_STRENGTH)),
                              self.FADE_WIDTH)
        self._fade_pen.setCapStyle(Qt.PenCapStyle.FlatCap)

    def set_bounds(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._bounds = QRectF(rect).adjusted(-20, -20, 20, 20)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt override)
        return self._bounds

    def paint_faded(self, painter: QPainter) -> None:
        if self.faded:
            painter.setPen(self._fade_pen)
            painter.drawLines(self.faded)


class _PathItem(_OverlayItem):
    """The path of the selected weight: the other edges faded, its edges with a yellow
    halo in their own colour (read at paint time: the animation recolours edges), the
    neurons on it ringed."""

    def __init__(self, canvas):
        super().__init__(0.6)
        self.canvas = canvas
        self.edges: list[tuple[int, QLineF]] = []
        self.rings: list[tuple[QPointF, float]] = []

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if widget is None:
            return  # an export (scene.render): the image shows the network, not the cursor
        self.paint_faded(painter)
        edges_item = self.canvas.edges
        pens = []
        for index, _line in self.edges:
            pen = edges_item.pen_of(index) if index < edges_item.edge_count else QPen()
            width = max(pen.widthF(), 3.5)
            pens.append(QPen(_sign_colour(pen.color()), width))
        for (_index, line), pen in zip(self.edges, pens):
            halo = QPen(PATH_HALO, pen.widthF() + 12)
            halo.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(halo)
            painter.drawLine(line)
        for (_index, line), pen in zip(self.edges, pens):
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            painter.drawLine(line)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for centre, radius in self.rings:
            painter.setPen(QPen(PATH_HALO, 8))
            painter.drawEllipse(centre, radius + 4.5, radius + 4.5)


class _ErrorItem(_OverlayItem):
    """Every edge in the colour of its relative error; each bias box framed in it."""

    def __init__(self):
        super().__init__(0.6)
        self.groups: list[tuple[QPen, list[QLineF]]] = []
        self.boxes: list[tuple[QPen, QRectF]] = []

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if widget is None:
            return  # an export (scene.render) shows the network's weights
        self.paint_faded(painter)
        for pen, lines in self.groups:
            painter.setPen(pen)
            painter.drawLines(lines)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for pen, box in self.boxes:
            painter.setPen(pen)
            painter.drawRoundedRect(box, 6, 6)


def _edge_index(layers, layer: int, j: int, i: int) -> int:
    """Position of W⁽ˡ⁾[j, i] among all edges (row-major W⁽¹⁾, W⁽²⁾, …), as the
    canvas numbers them."""
    offset = sum(layers[m] * layers[m - 1] for m in range(1, layer))
    return offset + j * layers[layer - 1] + i


class _CanvasDrawing:
    """One overlay item kept in the canvas's scene (the canvas clears its scene when
    the architecture changes; the item is made again when needed)."""

    def __init__(self, canvas, factory):
        self.canvas = canvas
        self._factory = factory
        self.item = None

    def ensure(self):
        item = self.item
        scene = self.canvas.scene()
        if item is None or not shiboken6.isValid(item) or item.scene() is not scene:
            item = self._factory()
            scene.addItem(item)
            self.item = item
        return item

    def remove(self) -> None:
        item, self.item = self.item, None
        if item is not None and shiboken6.isValid(item) and item.scene() is not None:
            item.scene().removeItem(item)

    @property
    def shown(self) -> bool:
        item = self.item
        return item is not None and shiboken6.isValid(item) and item.scene() is not None \
            and item.isVisible()

    def all_edges(self) -> list[tuple[tuple[int, int, int], QLineF]]:
        """Every edge of the canvas as ((l, j, i), centre-to-centre line)."""
        canvas = self.canvas
        layers = canvas.session.network.layers
        return [((l, j, i), QLineF(canvas.edge_point(l, j, i, 0.0),
                                   canvas.edge_point(l, j, i, 1.0)))
                for l in range(1, len(layers))
                for j in range(layers[l]) for i in range(layers[l - 1])]


def _bounds(lines, extra=()) -> QRectF:
    rect = QRectF()
    for line in lines:
        rect = rect.united(QRectF(line.p1(), line.p2()).normalized())
    for other in extra:
        rect = rect.united(other)
    return rect


class PathHighlight:
    """``show(edges, neurons)``: the path's edges (l, j, i) and neurons (l, j) stand out;
    ``show(None)`` clears."""

    def __init__(self, canvas):
        self.canvas = canvas
        self._drawing = _CanvasDrawing(canvas, lambda: _PathItem(canvas))
        self.edges: list[tuple[int, int, int]] = []
        self.neurons: list[tuple[int, int]] = []

    @property
    def shown(self) -> bool:
        return self._drawing.shown

    def show(self, edges, neurons=()) -> None:
        self.edges = [tuple(e) for e in edges] if edges else []
        self.neurons = [tuple(n) for n in neurons] if edges is not None else []
        if edges is None:
            self._drawing.remove()
            return
        self.redraw()

    def redraw(self) -> None:
        """Again from the canvas's current geometry (after a rebuild or a font change)."""
        if not self.edges and not self.neurons:
            self._drawing.remove()
            return
        canvas = self.canvas
        layers = canvas.session.network.layers
        on_path = set(self.edges)
        try:
            every = self._drawing.all_edges()
            lines = [(_edge_index(layers, *key), line) for key, line in every
                     if key in on_path]
            rings = []
            for l, j in self.neurons:
                neuron = canvas.neuron_item(l, j)
                rings.append((neuron.pos(), float(neuron.radius)))
        except (IndexError, KeyError):
            self._drawing.remove()  # the path belongs to a network that has changed
            return
        if len(lines) != len(on_path):
            self._drawing.remove()
            return
        item = self._drawing.ensure()
        item.edges, item.rings = lines, rings
        item.faded = [line for key, line in every if key not in on_path]
        item.set_bounds(_bounds([line for _, line in every],
                                [QRectF(c.x() - r - 10, c.y() - r - 10, 2 * r + 20, 2 * r + 20)
                                 for c, r in rings]))


class GradcheckOverlay(QObject):
    """The canvas coloured by a gradient check's relative errors, with a legend."""

    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas
        self._drawing = _CanvasDrawing(canvas, _ErrorItem)
        self.result = None  # a bpsim.gradcheck.GradCheckResult
        self.legend = QLabel(canvas)
        self.legend.setObjectName("gradcheck_legend")
        self.legend.setAccessibleName("Gradient check legend")
        self.legend.setToolTip("Relative error |backprop − central difference| / "
                               "(|backprop| + |central difference|) of each weight (edge) "
                               "and bias (box)")
        self.legend.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.legend.setStyleSheet(
            "QLabel { background: rgba(255,255,255,235); border: 1px solid"
            f" {theme.FRAME}; border-radius: 4px; padding: 4px 8px; color: {theme.INK}; }}")
        self.legend.hide()
        self._font_scale = 1.0
        canvas.installEventFilter(self)

    @property
    def shown(self) -> bool:
        return self.result is not None and self._drawing.shown

    def legend_text(self) -> str:
        return self.legend.text() if self.legend.isVisible() else ""

    def show(self, result) -> None:
        """Colour the canvas by ``result`` (a bpsim.gradcheck.GradCheckResult)."""
        canvas = self.canvas
        layers = canvas.session.network.layers
        if len(result.layers) != len(layers) - 1 or any(
                check.analytic_weights.shape != (layers[check.layer], layers[check.layer - 1])
                for check in result.layers):
            self.clear()  # a check of another architecture
            return
        self.result = result
        groups: dict[int, list[QLineF]] = {}
        boxes = []
        for check in result.layers:
            l = check.layer
            for (j, i) in np.ndindex(check.error_weights.shape):
                k = error_class(float(check.error_weights[j, i]),
                                bool(check.kink_weights[j, i]))
                groups.setdefault(k, []).append(
                    QLineF(canvas.edge_point(l, j, i, 0.0), canvas.edge_point(l, j, i, 1.0)))
            for j in range(len(check.error_biases)):
                k = error_class(float(check.error_biases[j]), bool(check.kink_biases[j]))
                label = canvas.bias_item(l, j)
                box = label.box_rect().translated(label.pos()).adjusted(-4, -4, 4, 4)
                boxes.append((self._pen(k, 4.0), box))
        item = self._drawing.ensure()
        # the worst class last, on top; the weights' own colours faded underneath
        item.groups = [(self._pen(k, OVERLAY_EDGE_WIDTH), groups[k]) for k in sorted(groups)]
        item.boxes = boxes
        item.faded = [line for lines in groups.values() for line in lines]
        item.set_bounds(_bounds(item.faded, [box for _, box in boxes]))
        self._write_legend()

    @staticmethod
    def _pen(k: int, width: float) -> QPen:
        colour = KINK_COLOUR if k < 0 else ERROR_CLASSES[k][1]
        pen = QPen(colour, width * (1.5 if k == len(ERROR_CLASSES) - 1 else 1.0))
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        if k < 0:
            pen.setStyle(Qt.PenStyle.DashLine)
        return pen

    def _write_legend(self) -> None:
        from ..dialogs.gradcheck import format_error, parameter_name

        result = self.result
        worst = result.worst
        swatch = "<span style='color:{};font-weight:bold'>━━</span>&nbsp;{}"
        entries = [swatch.format(colour.name(), words) for _, colour, words in ERROR_CLASSES]
        if result.kinks:
            entries.append(swatch.format(KINK_COLOUR.name(), "ReLU kink, left out"))
        where = parameter_name(worst.kind, worst.layer, worst.index)
        self.legend.setText(
            "<b>Gradient check</b>: relative error of backprop vs. central difference<br>"
            + " &nbsp; ".join(entries)
            + f"<br>largest {format_error(result.max_error)} ({where}, layer {worst.layer})")
        self.legend.show()
        self._place_legend()
        self.legend.raise_()

    def set_font_scale(self, scale: float) -> None:
        self._font_scale = scale
        font = QFont(self.canvas.font())
        font.setPointSizeF(max(9.0, 11.0 * scale))
        self.legend.setFont(font)
        self._place_legend()

    def _place_legend(self) -> None:
        # where the canvas's weight legend is: while the check is shown, the edge
        # colours mean relative errors, not weights
        self.legend.adjustSize()
        viewport = self.canvas.viewport().geometry()
        margin = 8
        self.legend.move(viewport.left() + margin,
                         viewport.bottom() - self.legend.height() - margin)
        if self.legend.isVisible():
            self.canvas.set_legend_shown(False)

    def clear(self) -> None:
        self.result = None
        self._drawing.remove()
        if self.legend.isVisible():
            self.legend.hide()
            self.canvas.set_legend_shown(True)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Resize and self.legend.isVisible():
            self._place_legend()
        return False
