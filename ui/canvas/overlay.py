"""What the animation draws over the network: pulses travelling along one layer's
edges, small value tags beside neurons (z, δ), a warning frame around a layer, and a
banner strip above the drawing for the phase's formula.

The scene items are painted by two items only (pulses under the neurons, tags and
frame above them), so a frame of animation is a few numpy operations and one repaint.
The canvas rebuilds its scene when the architecture changes; the overlay puts its
items back into the new scene by itself.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
import shiboken6
from PySide6.QtWidgets import QFrame, QGraphicsItem, QLabel, QVBoxLayout

from .. import theme
from . import style
from .items import LabelItem

#: pulses drawn at most (a big layer shows an even sample of its edges)
MAX_PULSES = 400
PULSE_MIN_RADIUS = 5.0
PULSE_MAX_RADIUS = 11.0
TAG_FONT_PX = 14.0
ALARM = QColor(theme.DIVERGENCE)


def _area(rect: QRectF) -> float:
    return rect.width() * rect.height() if not rect.isEmpty() else 0.0


class _PulsesItem(QGraphicsItem):
    """Dots on edges, coloured by the sign of what they carry, sized by its magnitude."""

    def __init__(self):
        super().__init__()
        self.points = np.zeros((0, 2))
        self.signs = np.zeros(0, dtype=int)
        self.radii = np.zeros(0)
        self._bounds = QRectF()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(2.5)  # over the edges and their labels, under the neurons

    def set_pulses(self, points, signs, radii) -> None:
        self.points = np.asarray(points, dtype=float).reshape(-1, 2)
        self.signs = np.asarray(signs, dtype=int)
        self.radii = np.asarray(radii, dtype=float)
        bounds = QRectF()
        if len(self.points):
            m = PULSE_MAX_RADIUS + 3
            (x0, y0), (x1, y1) = self.points.min(axis=0), self.points.max(axis=0)
            bounds = QRectF(x0 - m, y0 - m, x1 - x0 + 2 * m, y1 - y0 + 2 * m)
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = bounds
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setPen(QPen(QColor(theme.PAPER), 2.0))
        for sign in (-1, 0, 1):
            chosen = self.signs == sign
            if not chosen.any():
                continue
            painter.setBrush(style.SIGN_COLOURS[sign + 1])
            for (x, y), r in zip(self.points[chosen], self.radii[chosen]):
                painter.drawEllipse(QPointF(x, y), r, r)


class _TagsItem(QGraphicsItem):
    """Small boxed texts (``z = 0.3``, ``δ = −1.4``) and an optional warning frame."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[QPointF, str, QColor]] = []
        self.alarm: tuple[QRectF, str] | None = None
        self._font = QFont()
        self._metrics = QFontMetricsF(self._font)
        self._boxes: list[QRectF] = []
        self._bounds = QRectF()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(6)  # over everything the canvas draws

    def set_font(self, font: QFont) -> None:
        self._font = QFont(font)
        self._metrics = QFontMetricsF(self._font)
        self._relayout()

    def set_content(self, tags, alarm) -> None:
        self.tags = list(tags)
        self.alarm = alarm
        self._relayout()
        self.update()

    def _relayout(self) -> None:
        metrics = self._metrics
        self._boxes = []
        bounds = QRectF()
        for point, text, _ in self.tags:
            width = metrics.horizontalAdvance(text) + 10
            height = metrics.height() + 4
            box = QRectF(point.x() - width / 2, point.y() - height / 2, width, height)
            self._boxes.append(box)
            bounds = bounds.united(box)
        if self.alarm is not None:
            rect, text = self.alarm
            width = metrics.horizontalAdvance(text) + 14
            label = QRectF(rect.center().x() - width / 2,
                           rect.top() - metrics.height() - 10, width, metrics.height() + 6)
            bounds = bounds.united(rect.adjusted(-6, -6, 6, 6)).united(label)
        bounds = bounds.adjusted(-3, -3, 3, 3)
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = bounds

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setFont(self._font)
        metrics = self._metrics
        if self.alarm is not None:
            rect, text = self.alarm
            painter.setPen(QPen(ALARM, 5.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect, 18, 18)
            width = metrics.horizontalAdvance(text) + 14
            label = QRectF(rect.center().x() - width / 2,
                           rect.top() - metrics.height() - 10, width, metrics.height() + 6)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(ALARM)
            painter.drawRoundedRect(label, 5, 5)
            painter.setPen(QColor(theme.PAPER))
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, text)
        for box, (_, text, colour) in zip(self._boxes, self.tags):
            painter.setPen(QPen(colour, 2.0))
            painter.setBrush(style.LABEL_BACKGROUND)
            painter.drawRoundedRect(box, 5, 5)
            painter.setPen(style.INK)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class Banner(QFrame):
    """A strip across the top of the canvas: the phase indicator (large) over the
    phase's formula with its numbers.  The drawing is fitted into the space below,
    so the strip never covers the network."""

    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.setObjectName("animation_banner")
        self.setAccessibleName("What the training step is doing")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.headline = QLabel()
        self.headline.setObjectName("phase_indicator")
        self.headline.setAccessibleName("Phase indicator")
        self.detail = QLabel()
        self.detail.setObjectName("phase_formula")
        self.detail.setAccessibleName("Formula of the phase")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 4)
        layout.setSpacing(2)
        for label in (self.headline, self.detail):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            layout.addWidget(label)
        self._alarm = None
        #: each line's whole text (the label may show it cut short with "…")
        self._texts = {self.headline: "", self.detail: ""}
        self._sizes = (18.0, 14.0)
        self._set_alarm(False)
        canvas.installEventFilter(self)
        self.show()

    def _set_alarm(self, alarm: bool) -> None:
        if alarm == self._alarm:
            return
        self._alarm = alarm
        if alarm:
            self.setStyleSheet("#animation_banner { background:"
                               f" {theme.DIVERGENCE_BACKGROUND};"
                               f" border-bottom: 3px solid {theme.DIVERGENCE}; }}"
                               f" QLabel {{ color: {theme.DIVERGENCE_TEXT};"
                               " background: transparent; }")
        else:
            self.setStyleSheet(f"#animation_banner {{ background: {theme.BANNER_BACKGROUND};"
                               f" border-bottom: 1px solid {theme.BANNER_BORDER}; }}"
                               f" QLabel {{ color: {theme.INK}; background: transparent; }}")

    def set_message(self, headline: str, detail: str, alarm: bool = False) -> None:
        self._set_alarm(alarm)
        changed = False
        for label, text in ((self.headline, headline), (self.detail, detail)):
            if self._texts[label] != text:
                self._texts[label] = text
                label.setText(text)
                label.setToolTip(text)
                label.setAccessibleDescription(text)
                changed = True
        if changed:
            self._fit()

    def _fit(self) -> None:
        """A line too long for the canvas's width is written smaller (down to 65 %);
        still too long, it ends in "…" (the tooltip holds all of it)."""
        room = self.width() - 28
        if room <= 0:
            return
        for label, size in ((self.headline, self._sizes[0]), (self.detail, self._sizes[1])):
            text = self._texts[label]
            font = QFont(label.font())
            scale = 1.0
            while scale > 0.65:
                font.setPointSizeF(size * scale)
                if QFontMetricsF(font).horizontalAdvance(text) <= room:
                    break
                scale -= 0.05
            if font.pointSizeF() != label.font().pointSizeF():
                label.setFont(font)
            shown = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, room)
            if label.text() != shown:
                label.setText(shown)

    @property
    def plain_text(self) -> str:
        """Both lines in full, also when the canvas shows them cut short."""
        return f"{self._texts[self.headline]}\n{self._texts[self.detail]}"

    @property
    def alarm(self) -> bool:
        return bool(self._alarm)

    def set_scale(self, scale: float) -> None:
        font = QFont(self.canvas.font())
        size = max(11.0, 14.0 * scale)
        font.setPointSizeF(size)
        self.detail.setFont(font)
        font.setPointSizeF(size * 1.3)
        font.setBold(True)
        self.headline.setFont(font)
        self._sizes = (size * 1.3, size)
        self._place()
        self._fit()

    def strip_height(self) -> int:
        # fixed (from the full-size fonts): the drawing below does not move as the
        # texts change
        font = QFont(self.detail.font())
        font.setPointSizeF(self._sizes[1])
        detail = QFontMetricsF(font).lineSpacing()
        font.setPointSizeF(self._sizes[0])
        font.setBold(True)
        return math.ceil(QFontMetricsF(font).lineSpacing() + detail + 12)

    def _place(self) -> None:
        height = self.strip_height()
        self.canvas.setViewportMargins(0, height, 0, 0)
        self.setGeometry(0, 0, self.canvas.width(), height)
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.canvas and event.type() in (QEvent.Type.Resize,
                                                       QEvent.Type.Show):
            self.setGeometry(0, 0, self.canvas.width(), self.strip_height())
            self._fit()
        return False


class Overlay:
    """The animation's drawing on ``canvas`` (a NetworkCanvas): pulses, tags, frame."""

    def __init__(self, canvas):
        self.canvas = canvas
        self._pulses: _PulsesItem | None = None
        self._tags: _TagsItem | None = None
        self._font_scale = None
        self._tags_key = None

    def _items(self) -> tuple[_PulsesItem, _TagsItem]:
        scene = self.canvas.scene()
        for name, kind in (("_pulses", _PulsesItem), ("_tags", _TagsItem)):
            item = getattr(self, name)
            # scene.clear() on a rebuild deletes our items with the canvas's own
            if item is None or not shiboken6.isValid(item) or item.scene() is not scene:
                item = kind()
                scene.addItem(item)
                setattr(self, name, item)
                self._font_scale = None
                self._tags_key = None
        if self._font_scale != self.canvas.font_scale:
            self._font_scale = self.canvas.font_scale
            font = QFont(self.canvas.font())
            font.setPixelSize(max(6, round(TAG_FONT_PX * self._font_scale)))
            font.setWeight(QFont.Weight.DemiBold)
            self._tags.set_font(font)
            self._tags_key = None
        return self._pulses, self._tags

    # -- geometry read from the canvas ------------------------------------------------

    def centres(self, layer: int) -> np.ndarray:
        """(n_l, 2) scene positions of layer ``layer``'s neurons."""
        n = self.canvas.session.network.layers[layer]
        points = [self.canvas.neuron_item(layer, j).scenePos() for j in range(n)]
        return np.array([[p.x(), p.y()] for p in points]).reshape(-1, 2)

    @property
    def radius(self) -> float:
        return self.canvas.neuron_item(0, 0).radius

    # -- what to draw -----------------------------------------------------------------

    def show_pulses(self, layer: int, fraction: float, strengths: np.ndarray,
                    backward: bool = False) -> None:
        """One dot on each edge of W⁽ˡ⁾, ``fraction`` of the way from layer l−1 to l
        (from l to l−1 when ``backward``); ``strengths`` (n_l, n_{l-1}) give each dot's
        colour (sign) and size (magnitude relative to the largest)."""
        pulses, _ = self._items()
        source, target = self.centres(layer - 1), self.centres(layer)
        values = np.nan_to_num(np.asarray(strengths, dtype=float), nan=0.0,
                               posinf=1.0, neginf=-1.0)
        n_out, n_in = values.shape
        # edge (j, i) in row-major order: source i of layer l−1, target j of layer l
        a = np.tile(source, (n_out, 1))
        b = np.repeat(target, n_in, axis=0)
        if backward:
            a, b = b, a
        points = a + fraction * (b - a)
        flat = values.ravel()
        if len(flat) > MAX_PULSES:
            keep = np.linspace(0, len(flat) - 1, MAX_PULSES).astype(int)
            points, flat = points[keep], flat[keep]
        largest = np.abs(flat).max() if len(flat) else 0.0
        relative = np.abs(flat) / largest if largest > 0 else np.zeros_like(flat)
        # √ so that small contributions still show as visible dots
        radii = (PULSE_MIN_RADIUS + (PULSE_MAX_RADIUS - PULSE_MIN_RADIUS)
                 * np.sqrt(relative)) * self.canvas.font_scale ** 0.5
        pulses.set_pulses(points, np.sign(flat).astype(int), radii)

    def hide_pulses(self) -> None:
        if self._pulses is not None and shiboken6.isValid(self._pulses):
            self._pulses.set_pulses(np.zeros((0, 2)), np.zeros(0, int), np.zeros(0))

    def show_tags(self, tags, alarm_layer: int | None = None, alarm_text: str = "") -> None:
        """``tags``: (layer, j, text, colour) each, drawn next to neuron j of the layer
        where it covers none of the canvas's texts; ``alarm_layer``: a red frame around
        that layer's column with ``alarm_text`` on it."""
        _, item = self._items()
        key = (tuple((l, j, text, str(colour)) for l, j, text, colour in tags),
               alarm_layer, alarm_text, self.canvas.font_scale,
               id(self.canvas.neuron_item(0, 0)))
        if key == self._tags_key:
            return
        self._tags_key = key
        placed = self._place_tags(item, tags)
        alarm = None
        if alarm_layer is not None:
            r = self.radius
            tag_height = QFontMetricsF(item._font).height()
            centres = self.centres(alarm_layer)
            pad = r + 16
            rect = QRectF(centres[:, 0].min() - pad, centres[:, 1].min() - pad - tag_height,
                          2 * pad, centres[:, 1].max() - centres[:, 1].min() + 2 * pad
                          + tag_height * 2)
            alarm = (rect, alarm_text)
        item.set_content(placed, alarm)

    def _obstacles(self) -> list[QRectF]:
        """Scene rectangles of the canvas's texts: labels, and the value written in
        each neuron (a tag may cover a circle's rim, never its number)."""
        rects = []
        for other in self.canvas.scene().items():
            if not isinstance(other, LabelItem):
                continue
            # a weight label hidden for now (a gradient not yet computed) will show
            # later in the phase: keep its place free too
            key = getattr(other, "key", None)
            pending = (key is not None and key[0] == "weight"
                       and self.canvas.show_weights)
            if other.isVisible() or pending:
                rects.append(other.sceneBoundingRect())
        r = self.radius
        for layer in range(len(self.canvas.session.network.layers)):
            for x, y in self.centres(layer):
                rects.append(QRectF(x - 0.86 * r, y - 0.4 * r, 1.72 * r, 0.8 * r))
        return rects

    def _place_tags(self, item: "_TagsItem", tags) -> list:
        if not tags:
            return []
        r = self.radius
        metrics = item._metrics
        height = metrics.height() + 4
        obstacles = self._obstacles()
        placed, taken = [], []
        centres: dict[int, np.ndarray] = {}
        for layer, j, text, colour in tags:
            if layer not in centres:
                centres[layer] = self.centres(layer)
            x, y = centres[layer][j]
            width = metrics.horizontalAdvance(text) + 10
            # above, the upper corners, the sides, the lower corners: the first spot
            # that covers nothing wins, else the one that covers least
            offsets = ((0, -r + 5 - height / 2),  # over the rim, clear of the value
                       (-0.7 * r - width / 2, -0.95 * r - height / 2),
                       (0.7 * r + width / 2, -0.95 * r - height / 2),
                       (-r - 6 - width / 2, 0), (r + 6 + width / 2, 0),
                       (-0.7 * r - width / 2, 0.95 * r + height / 2),
                       (0.7 * r + width / 2, 0.95 * r + height / 2))
            best, best_cost = None, None
            for dx, dy in offsets:
                box = QRectF(x + dx - width / 2 - 2, y + dy - height / 2 - 2,
                             width + 4, height + 4)
                cost = sum(_area(box.intersected(o)) for o in obstacles) + sum(
                    _area(box.intersected(o)) for o in taken)
                if best_cost is None or cost < best_cost:
                    best, best_cost = (dx, dy, box), cost
                if cost == 0:
                    break
            dx, dy, box = best
            taken.append(box)
            placed.append((QPointF(x + dx, y + dy), text, QColor(colour)))
        return placed

    def clear(self) -> None:
        self.hide_pulses()
        if self._tags is not None and shiboken6.isValid(self._tags) and (
                self._tags.tags or self._tags.alarm):
            self._tags.set_content([], None)
        self._tags_key = None

    # -- read-back for tests ----------------------------------------------------------

    @property
    def tag_texts(self) -> list[str]:
        if self._tags is None or not shiboken6.isValid(self._tags):
            return []
        return [text for _, text, _ in self._tags.tags]

    @property
    def pulse_count(self) -> int:
        if self._pulses is None or not shiboken6.isValid(self._pulses):
            return 0
        return len(self._pulses.points)

    @property
    def alarm_text(self) -> str | None:
        if self._tags is None or not shiboken6.isValid(self._tags) or not self._tags.alarm:
            return None
        return self._tags.alarm[1]

