"""Graphics items of the network canvas.  They only draw what they are told: the
canvas (view.py) decides texts and styles from the session's records."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGraphicsItem

from . import style


class TextWidths:
    """Width of a text in a font from a per-character advance table: numbers change
    every frame, and summing advances is much cheaper than measuring each string
    (the canvas fonts have no kerning between digits)."""

    def __init__(self, font: QFont):
        self.metrics = QFontMetricsF(font)
        self._advances: dict[str, float] = {}

    def __call__(self, text: str) -> float:
        try:
            return sum(map(self._advances.__getitem__, text))
        except KeyError:
            for ch in text:
                if ch not in self._advances:
                    self._advances[ch] = self.metrics.horizontalAdvance(ch)
            return sum(map(self._advances.__getitem__, text))


_WIDTHS: dict[str, TextWidths] = {}


def text_widths(font: QFont) -> TextWidths:
    key = font.key()
    widths = _WIDTHS.get(key)
    if widths is None:
        widths = _WIDTHS[key] = TextWidths(font)
    return widths


_OUTLINE = QPen(style.NEURON_OUTLINE, 2.2)
_SELECTED_OUTLINE = QPen(style.SELECTION_RING, 3.0)
_SELECTION_HALO = QPen(style.SELECTION, 10.0)
_LABEL_BORDER = QPen(style.LABEL_BORDER, 0)
_SELECTED_LABEL_BORDER = QPen(style.SELECTION_RING, 1.5)


class _FontStep:
    """One size of the neuron font, with what fitting a text needs."""

    def __init__(self, font: QFont):
        self.font = font
        self.widths = text_widths(font)
        metrics = QFontMetricsF(font)
        # Baseline so that the digits' box is centred: (ascent − descent) / 2.
        self.baseline = (metrics.ascent() - metrics.descent()) / 2


_FONT_STEPS: dict[str, list[_FontStep]] = {}


def font_steps(font: QFont) -> list[_FontStep]:
    """The font at 100 %, 90 %, … 40 % of its size (shared by all neurons)."""
    key = font.key()
    steps = _FONT_STEPS.get(key)
    if steps is None:
        steps = []
        for percent in range(100, 30, -10):
            smaller = QFont(font)
            smaller.setPixelSize(max(4, round(font.pixelSize() * percent / 100)))
            steps.append(_FontStep(smaller))
        _FONT_STEPS[key] = steps
    return steps


class NeuronItem(QGraphicsItem):
    """A neuron's value written large inside its circle (the circle is drawn by the
    BackdropItem); the item is what a click on the neuron finds."""

    def __init__(self, key: tuple, radius: float, font: QFont, fill: QColor):
        super().__init__()
        self.key = key
        self.fill = QColor(fill)
        self.selected = False
        #: False while the text would be too small to read (level of detail)
        self.text_shown = True
        self._text = ""
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.set_geometry(radius, font)

    @property
    def radius(self) -> float:
        return self._radius

    @property
    def font(self) -> QFont:
        """The font at full size (long numbers are drawn a step or two smaller)."""
        return self._steps[0].font

    @property
    def text_font(self) -> QFont:
        """The font the current text is drawn with."""
        return self._step.font

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self._fit_text()
        self.update()

    def set_geometry(self, radius: float, font: QFont) -> None:
        self.prepareGeometryChange()
        self._radius = radius
        r = radius + 7.0
        self._bounds = QRectF(-r, -r, 2 * r, 2 * r)
        self._circle = QRectF(-radius, -radius, 2 * radius, 2 * radius)
        self._halo = self._circle.adjusted(-2, -2, 2, 2)
        self._steps = font_steps(font)
        self._fit_text()

    def _fit_text(self) -> None:
        # Long numbers (−0.1234) take a smaller font to stay inside the circle.  Fonts
        # of a few fixed sizes, not a scaled painter: that would cost a painter
        # save/restore per neuron per frame.
        room = 1.72 * self._radius
        steps = self._steps
        width = steps[0].widths(self._text)
        step = steps[0]
        if width > room:
            # Advances scale with the font size: jump to the step that fits.
            k = min(len(steps) - 1, math.ceil(10 * (1 - room / width)))
            step = steps[k]
            width = step.widths(self._text)
        self._step = step
        self._text_origin = QPointF(-width / 2, step.baseline)

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        # The circle itself is drawn by the BackdropItem beneath; a selected neuron
        # gets its halo and dark ring here.
        if self.selected:
            painter.setPen(_SELECTION_HALO)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(self._halo)
            painter.setPen(_SELECTED_OUTLINE)
            painter.setBrush(self.fill)
            painter.drawEllipse(self._circle)
        if self.text_shown:
            painter.setPen(style.INK)
            painter.setFont(self._step.font)
            painter.drawText(self._text_origin, self._text)


class LabelItem(QGraphicsItem):
    """A line or a few lines of text anchored at its position: ``anchor`` is "center",
    "left" (text starts at the position) or "right" (text ends there).  With
    ``boxed`` it has a light background so it stays readable over edges; the box is at
    least as wide as ``sample`` so that it does not change size with every value (and
    with ``backdrop_box`` the BackdropItem draws it)."""

    PAD_X = 4.0
    PAD_Y = 1.5

    def __init__(self, key: tuple | None, font: QFont, anchor: str = "center",
                 boxed: bool = False, colour: QColor = style.INK, sample: str = "",
                 backdrop_box: bool = False):
        super().__init__()
        self.key = key
        #: the box is drawn by the BackdropItem (with all others, in one call)
        self.backdrop_box = backdrop_box
        self.overflows = False
        self.anchor = anchor
        self.boxed = boxed
        self.colour = QColor(colour)
        self.selected = False
        #: False while the text would be too small to read (level of detail)
        self.text_shown = True
        self.sample = sample
        self._font = QFont(font)
        self._metrics = QFontMetricsF(self._font)
        self._widths = text_widths(self._font)
        self._sample_width = self._widths(sample)
        self._text = ""
        self._lines: list[tuple[QPointF, str]] = []
        self._rect = QRectF()
        self._box = QRectF()
        self._bounds = QRectF()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self._relayout()
        self.update()

    def set_font(self, font: QFont) -> None:
        self._font = QFont(font)
        self._metrics = QFontMetricsF(self._font)
        self._widths = text_widths(self._font)
        self._sample_width = self._widths(self.sample)
        self._relayout()

    def _relayout(self) -> None:
        metrics = self._metrics
        line_height = metrics.height()
        anchor = self.anchor
        if "\n" not in self._text:  # the common case, once per label per frame
            width = self._widths(self._text)
            left = 0.0 if anchor == "left" else -width if anchor == "right" else -width / 2
            self._rect = QRectF(left, -line_height / 2, width, line_height)
            self._lines = [(QPointF(left, metrics.ascent() - line_height / 2), self._text)]
            height = line_height
        else:
            lines = self._text.split("\n")
            widths = [self._widths(line) for line in lines]
            width = max(widths)
            height = line_height * len(lines)
            left = 0.0 if anchor == "left" else -width if anchor == "right" else -width / 2
            self._rect = QRectF(left, -height / 2, width, height)
            self._lines = []
            for n, (line, w) in enumerate(zip(lines, widths)):
                x = left if anchor == "left" else left + width - w if anchor == "right" \
                    else -w / 2
                baseline = -height / 2 + n * line_height + metrics.ascent()
                self._lines.append((QPointF(x, baseline), line))
        # A backdrop box is drawn by the BackdropItem unless the text outgrows it.
        self.overflows = width > self._sample_width
        box_width = max(width, self._sample_width)
        if box_width == self._box.width() - 2 * self.PAD_X and \
                height == self._box.height() - 2 * self.PAD_Y:
            return
        box_left = 0.0 if anchor == "left" else -box_width if anchor == "right" \
            else -box_width / 2
        box = QRectF(box_left - self.PAD_X, -height / 2 - self.PAD_Y,
                     box_width + 2 * self.PAD_X, height + 2 * self.PAD_Y)
        self.prepareGeometryChange()
        self._box = box
        self._bounds = box.adjusted(-2, -2, 2, 2)

    def box_rect(self) -> QRectF:
        """The background box, in item coordinates."""
        return QRectF(self._box)

    def text_rect(self) -> QRectF:
        return QRectF(self._rect)

    @property
    def font(self) -> QFont:
        return QFont(self._font)

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if not self.text_shown and not self.selected:
            return  # too small to read: an empty box would only clutter
        if self.selected or (self.boxed and (not self.backdrop_box or self.overflows)):
            if self.selected:
                painter.setPen(_SELECTED_LABEL_BORDER)
                painter.setBrush(style.SELECTION)
            else:
                painter.setPen(_LABEL_BORDER)
                painter.setBrush(style.LABEL_BACKGROUND)
            if self.backdrop_box:
                # Big networks: a plain rectangle like the backdrop's (cheap, crisp).
                antialiased = painter.testRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
                painter.drawRect(self._box)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, antialiased)
            else:
                painter.drawRoundedRect(self._box, 4, 4)
        if not self.text_shown:
            return
        painter.setPen(self.colour)
        painter.setFont(self._font)
        for point, line in self._lines:
            painter.drawText(point, line)


class BackdropItem(QGraphicsItem):
    """What does not change between frames, drawn beneath the texts: every neuron's
    circle and the boxes behind the bias labels.

    On screen the circles are copies of one pre-drawn pixmap per fill colour, placed
    in device pixels (a pixmap copy is several times cheaper than an antialiased
    ellipse); exports (``use_sprites = False``) draw true vector circles.
    """

    #: False while exporting, so that SVG files get vector circles
    use_sprites = True

    def __init__(self):
        super().__init__()
        self._centres: list[QPointF] = []
        self._fills: list[QColor] = []
        self._radius = 0.0
        self._boxes: list[QRectF] = []
        self._bounds = QRectF()
        self._sprites: dict[tuple, QPixmap] = {}
        #: False while the bias texts are too small to read: their boxes go too
        self.boxes_shown = True
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_contents(self, centres, fills, radius: float, boxes) -> None:
        self.prepareGeometryChange()
        self._centres = [QPointF(x, y) for x, y in centres]
        self._fills = [QColor(f) for f in fills]
        self._radius = radius
        self._boxes = [QRectF(b) for b in boxes]
        self._sprites.clear()
        bounds = QRectF()
        r = radius + 3.0
        for c in self._centres:
            bounds = bounds.united(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r))
        for box in self._boxes:
            bounds = bounds.united(box.adjusted(-1, -1, 1, 1))
        self._bounds = bounds
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def sprite(self, fill: QColor, device_scale: float, pixel_ratio: float = 1.0) -> QPixmap:
        """One neuron's circle at ``device_scale`` (the view's zoom), drawn with
        ``pixel_ratio`` device pixels per logical pixel (2 at 200 % display scaling):
        a pixmap of logical size × pixel_ratio, so painting it copies pixels 1:1."""
        key = (fill.rgba(), round(device_scale * 1000), round(pixel_ratio * 1000))
        sprite = self._sprites.get(key)
        if sprite is None:
            pixels = device_scale * pixel_ratio
            extent = (self._radius + 3.0) * pixels
            size = max(2, math.ceil(2 * extent))
            sprite = QPixmap(size, size)
            sprite.fill(Qt.GlobalColor.transparent)
            painter = QPainter(sprite)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.translate(size / 2, size / 2)
            painter.scale(pixels, pixels)
            painter.setPen(_OUTLINE)
            painter.setBrush(fill)
            r = self._radius
            painter.drawEllipse(QRectF(-r, -r, 2 * r, 2 * r))
            painter.end()
            sprite.setDevicePixelRatio(pixel_ratio)
            self._sprites[key] = sprite
        return sprite

    def paint(self, painter: QPainter, option, widget=None) -> None:
        antialiased = painter.testRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if self.boxes_shown:
            painter.setPen(_LABEL_BORDER)
            painter.setBrush(style.LABEL_BACKGROUND)
            painter.drawRects(self._boxes)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, antialiased)
        transform = painter.worldTransform()
        if self.use_sprites and not transform.isRotating() and \
                abs(transform.m11() - transform.m22()) < 1e-9:
            painter.save()
            painter.resetTransform()
            scale = transform.m11()
            # the screen's (or image's) pixels per logical pixel: a new ratio, e.g. the
            # window moved to another screen, draws new sprites (the cache key has it)
            ratio = painter.device().devicePixelRatioF()
            for centre, fill in zip(self._centres, self._fills):
                sprite = self.sprite(fill, scale, ratio)
                half = sprite.width() / 2
                device = transform.map(centre)
                # top-left on a whole device pixel: the copy is not resampled
                painter.drawPixmap(QPointF(round(device.x() * ratio - half) / ratio,
                                           round(device.y() * ratio - half) / ratio), sprite)
            painter.restore()
            return
        painter.setPen(_OUTLINE)
        r = self._radius
        for centre, fill in zip(self._centres, self._fills):
            painter.setBrush(fill)
            painter.drawEllipse(centre, r, r)


class ItemBatch(QGraphicsItem):
    """Paints many neuron or label items that are not in the scene themselves.

    With a hundred neurons and biases, one item per text costs Qt a Python call for
    every bounding rect and every paint; one batch item costs one.  The members
    keep their positions, texts and selection state (and answer ``scenePos()``,
    ``sceneBoundingRect()`` as usual); the canvas picks them by geometry and calls
    ``update()`` on the batch after changing them.
    """

    def __init__(self):
        super().__init__()
        self._members: list[tuple[QGraphicsItem, float, float]] = []
        self._bounds = QRectF()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_members(self, members) -> None:
        """The items to paint (call again when their positions change)."""
        self.prepareGeometryChange()
        self._members = [(m, m.pos().x(), m.pos().y()) for m in members]
        bounds = QRectF()
        for member in members:
            bounds = bounds.united(member.sceneBoundingRect())
        # Room for a label whose text outgrows its box (e.g. "b = −1.235e−5").
        self._bounds = bounds.adjusted(-120, -10, 120, 10) if members else bounds

    def members(self) -> list[QGraphicsItem]:
        return [m for m, _, _ in self._members]

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        for member, x, y in self._members:
            if member.isVisible():
                painter.translate(x, y)
                member.paint(painter, option, widget)
                painter.translate(-x, -y)


class BandItem(QGraphicsItem):
    """A pale band behind one layer's column (``highlight_layer``)."""

    def __init__(self, rect: QRectF):
        super().__init__()
        self._rect = QRectF(rect)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_rect(self, rect: QRectF) -> None:
        self.prepareGeometryChange()
        self._rect = QRectF(rect)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.LAYER_BAND)
        painter.drawRoundedRect(self._rect, 18, 18)


class EdgesItem(QGraphicsItem):
    """Every connection of the network, painted by this one item.

    Edges are grouped into style buckets (sign × width step, × dimmed) and each
    bucket is drawn with a single ``drawLines`` call, thin ones first so the strong
    weights lie on top.  Hit-testing is by geometry: the distance from a point to
    every segment, computed with numpy.
    """

    def __init__(self):
        super().__init__()
        self._segments = np.zeros((0, 4))
        self._lines: list[QLineF] = []
        self._edge_layers = np.zeros(0, dtype=int)
        self._buckets = np.zeros(0, dtype=int)
        self._groups: list[tuple[QPen, list[QLineF]]] = []
        self._bounds = QRectF()
        self._selected: int | None = None
        self._dim_except_layer: int | None = None
        #: draw without antialiasing (several times faster for many edges); the canvas
        #: sets it while values change quickly and clears it once they rest
        self.fast = False
        self._pens = self._make_pens()
        self._fast_scale = None
        self._fast_pen_list: list[QPen] = []
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    @staticmethod
    def _make_pens() -> list[QPen]:
        pens = []
        for dimmed in (False, True):
            for bucket in range(style.BUCKET_COUNT):
                colour, width = style.bucket_pen_style(bucket, dimmed)
                pen = QPen(colour, width)
                pen.setCapStyle(Qt.PenCapStyle.FlatCap)
                pens.append(pen)
        return pens

    # -- geometry (on structure change / font change) ------------------------------

    def set_geometry(self, segments: np.ndarray, edge_layers: np.ndarray,
                     trim: float = 0.0) -> None:
        """Segments centre to centre; the drawn lines stop ``trim`` short of both
        ends (under the opaque neuron circles nothing would show)."""
        self.prepareGeometryChange()
        self._segments = np.asarray(segments, dtype=float)
        self._edge_layers = np.asarray(edge_layers, dtype=int)
        drawn = self._segments.copy()
        if trim > 0 and len(drawn):
            direction = drawn[:, 2:] - drawn[:, :2]
            length = np.hypot(direction[:, 0], direction[:, 1])[:, None]
            step = direction * np.minimum(trim / np.where(length > 0, length, 1), 0.45)
            drawn[:, :2] += step
            drawn[:, 2:] -= step
        self._lines = [QLineF(*s) for s in drawn.tolist()]
        if len(self._segments):
            xs = self._segments[:, [0, 2]]
            ys = self._segments[:, [1, 3]]
            m = style.MAX_WIDTH + 8
            self._bounds = QRectF(xs.min() - m, ys.min() - m, xs.max() - xs.min() + 2 * m,
                                  ys.max() - ys.min() + 2 * m)
        else:
            self._bounds = QRectF()
        if len(self._buckets) != len(self._segments):
            self._buckets = np.full(len(self._segments), style.WIDTH_STEPS, dtype=int)
        self._regroup()

    @property
    def edge_count(self) -> int:
        return len(self._segments)

    def segment(self, index: int) -> np.ndarray:
        return self._segments[index]

    # -- style (per update, cheap) -------------------------------------------------

    def set_values(self, values: np.ndarray, mode: str = "weight") -> None:
        """Colour and width of every edge from its value (weight or gradient), in the
        row-major order of W⁽¹⁾, W⁽²⁾, …"""
        self._buckets = style.edge_buckets(values, mode)
        self._regroup()
        self.update()

    def set_dimmed_except(self, layer: int | None) -> None:
        """Dim every edge not going into ``layer`` (None: nothing dimmed)."""
        if layer != self._dim_except_layer:
            self._dim_except_layer = layer
            self._regroup()
            self.update()

    def set_selected(self, index: int | None) -> None:
        if index != self._selected:
            self._selected = index
            self.update()

    def _fast_pens(self, scale: float) -> list[QPen]:
        """The pens with every width above one device pixel: Qt's raster engine
        draws aliased lines of width ≤ 1 px several times slower than wider ones."""
        if scale != self._fast_scale:
            minimum = 1.05 / max(scale, 1e-6)
            self._fast_scale = scale
            self._fast_pen_list = []
            for pen in self._pens:
                pen = QPen(pen)
                pen.setWidthF(max(pen.widthF(), minimum))
                self._fast_pen_list.append(pen)
        return self._fast_pen_list

    def pen_of(self, index: int) -> QPen:
        bucket = int(self._buckets[index])
        if self._dim_except_layer is not None and self._edge_layers[index] != self._dim_except_layer:
            bucket += style.BUCKET_COUNT
        return self._pens[bucket]

    def _regroup(self) -> None:
        buckets = self._buckets
        if len(buckets) != len(self._lines):
            self._groups = []
            return
        if self._dim_except_layer is not None:
            buckets = buckets + style.BUCKET_COUNT * (self._edge_layers != self._dim_except_layer)
        # Draw thin (weak) buckets first: order by width step, then by sign.
        step = buckets % style.WIDTH_STEPS
        dimmed = buckets >= style.BUCKET_COUNT
        order = np.lexsort((buckets, step, ~dimmed))
        sorted_buckets = buckets[order]
        cuts = np.flatnonzero(np.diff(sorted_buckets)) + 1
        lines = self._lines
        groups = []
        for chunk in np.split(order, cuts):
            if len(chunk):
                groups.append((int(buckets[chunk[0]]), [lines[k] for k in chunk]))
        self._groups = groups

    # -- hit testing ----------------------------------------------------------------

    def edge_at(self, point: QPointF, tolerance: float) -> int | None:
        """Index of the edge nearest to ``point`` (scene coordinates) if its distance,
        minus half the edge's drawn width, is within ``tolerance``."""
        if not len(self._segments):
            return None
        p = np.array([point.x(), point.y()])
        a = self._segments[:, :2]
        b = self._segments[:, 2:]
        ab = b - a
        length2 = np.einsum("ij,ij->i", ab, ab)
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.where(length2 > 0, length2, 1), 0, 1)
        nearest = a + t[:, None] * ab
        distance = np.hypot(*(nearest - p).T)
        widths = np.array([self._pens[int(k)].widthF() for k in self._buckets]) \
            if len(self._buckets) == len(distance) else np.zeros_like(distance)
        slack = distance - widths / 2
        best = int(np.argmin(slack))
        return best if slack[best] <= tolerance else None

    # -- painting -------------------------------------------------------------------

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        antialiased = painter.testRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, antialiased and not self.fast)
        if self._selected is not None and self._selected < len(self._lines):
            pen = self.pen_of(self._selected)
            halo = QPen(style.SELECTION, pen.widthF() + 12.0)
            halo.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(halo)
            painter.drawLine(self._lines[self._selected])
        pens = self._pens
        if self.fast:
            pens = self._fast_pens(painter.worldTransform().m11())
        for bucket, lines in self._groups:
            painter.setPen(pens[bucket])
            painter.drawLines(lines)
        if self._selected is not None and self._selected < len(self._lines):
            # The selected edge once more on top, in full colour, so it is never hidden.
            sign_index = int(self._buckets[self._selected]) // style.WIDTH_STEPS
            pen = QPen(style.SIGN_COLOURS[sign_index], self.pen_of(self._selected).widthF())
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            painter.setPen(pen)
            painter.drawLine(self._lines[self._selected])
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, antialiased)
