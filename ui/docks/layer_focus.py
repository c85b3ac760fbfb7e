"""The Layer focus dock: one layer's forward and backward pass in vector form.

Pick a layer (the list at the top, the canvas's context menu, a double-click on a
layer's title, View ▸ Focus on layer…) and see, as small matrices with the numbers
of the step::

    z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾          a⁽ˡ⁾ = f(z⁽ˡ⁾)
    δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ f′(z⁽ˡ⁾)   ∂J/∂W⁽ˡ⁾ = δ⁽ˡ⁾ a⁽ˡ⁻¹⁾ᵀ

Every number is read from the engine's records of the step (the session's last
step, or the phases of the step being taken one by one): nothing is recomputed
here.  z, a and δ are those of one sample (the canvas's, if it is in the batch);
∂J/∂W is the record's, summed over the batch, and the dock says so.  A matrix too
wide for its numbers is drawn as coloured cells (blue positive, orange negative,
stronger = larger); hovering a cell tells its number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import (QComboBox, QDockWidget, QHBoxLayout, QScrollArea,
                               QSizePolicy, QToolTip, QVBoxLayout, QWidget)

from bpsim import losses
from bpsim.activations import get as get_activation
from bpsim.notation.numbers import format_number
from bpsim.notation.scripts import layer_superscript, subscript
from bpsim.notation.symbols import Numbering, shown_index
from bpsim.trace import BackwardRecord, ForwardRecord, LossRecord, StepRecord

from .. import theme
from ..widgets import WrappedLabel
from .common import narrow_combo

if TYPE_CHECKING:
    from ..session import Session

#: the matrices' text is this much larger than the window's text: read from the back
#: of a room (it follows View ▸ Larger/Smaller text through the application font)
TEXT_FACTOR = 1.3
#: a matrix whose numbers would not fit the dock's width is drawn as coloured cells
#: of at least this many pixels (hover one for its number)
MIN_CELL_PX = 12
EMPTY_TEXT = ("No step yet: take a step (Enter) or go through one phase by phase (→) "
              "to see this layer's numbers.")


# ---------------------------------------------------------------------------------------
# What the dock shows: the records of one step, as far as they go
# ---------------------------------------------------------------------------------------


@dataclass
class StepNumbers:
    """The engine's records of one step: complete, or the phases recorded so far."""

    forward: dict[int, ForwardRecord] = field(default_factory=dict)
    loss: LossRecord | None = None
    backward: dict[int, BackwardRecord] = field(default_factory=dict)
    #: W⁽ˡ⁾ and b⁽ˡ⁾ the step used (index l − 1): the update record's "before"
    weights: tuple = ()
    biases: tuple = ()
    #: 0-based number of the step, and whether it is complete
    step: int = 0
    complete: bool = False
    sample_indices: np.ndarray | None = None

    @classmethod
    def of_step(cls, record: StepRecord) -> StepNumbers:
        return cls(forward={f.layer: f for f in record.forward}, loss=record.loss,
                   backward={b.layer: b for b in record.backward},
                   weights=tuple(record.update.weights_before),
                   biases=tuple(record.update.biases_before), step=record.step,
                   complete=True, sample_indices=np.asarray(record.sample_indices))

    @property
    def batch(self) -> int:
        first = self.forward.get(1)
        return 0 if first is None else len(first.inputs)

    @classmethod
    def following(cls, numbers: StepNumbers | None, record, session,
                  next_batch: np.ndarray | None) -> tuple[StepNumbers | None, bool]:
        """(the numbers after one phase's ``record``, whether the views redraw).  A
        step's first forward phase begins new numbers: its parameters are the network's
        until its update, which ends the step and brings its whole record (so an update
        record waits for that)."""
        if isinstance(record, ForwardRecord) and record.layer == 1:
            net = session.network
            numbers = cls(weights=tuple(net.weights), biases=tuple(net.biases),
                          step=session.steps_done, sample_indices=next_batch)
        if numbers is None or numbers.complete:
            return numbers, False
        if isinstance(record, ForwardRecord):
            numbers.forward[record.layer] = record
        elif isinstance(record, LossRecord):
            numbers.loss = record
        elif isinstance(record, BackwardRecord):
            numbers.backward[record.layer] = record
        else:
            return numbers, False
        return numbers, True

    def row_of(self, sample: int) -> int:
        """The batch row of ``sample`` (the first row if it is not in the batch)."""
        if self.sample_indices is None:
            return 0
        # the batch peeked before the step may be another than the one recorded (its
        # size edited since): the record's rows decide
        rows = next((r.z.shape[0] for r in self.forward.values() if r is not None), None)
        if rows is not None and len(self.sample_indices) != rows:
            self.sample_indices = None  # unknown: no sample number is named
            return 0
        found = np.flatnonzero(self.sample_indices == sample)
        return int(found[0]) if len(found) else 0


def peek_next_batch(session) -> np.ndarray | None:
    """The sample indices the next step will draw (None when the data cannot say)."""
    try:
        return np.asarray(session.next_batch_indices())
    except (ValueError, IndexError):
        return None


@dataclass
class Block:
    """One matrix or vector of an equation: its symbol, its numbers (rows × columns)
    and the symbols of its entries for the hover text."""

    symbol: str
    values: np.ndarray
    #: entry (r, c) → its name, e.g. W⁽²⁾₃,₁
    entry: object = None


def _column(values) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(-1, 1)


def _row(values) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(1, -1)


def _vector_entry(symbol: str):
    return lambda r, c: f"{symbol}{subscript(shown_index(r))}"


def _matrix_entry(symbol: str, transposed: bool = False):
    def name(r, c):
        j, i = (c, r) if transposed else (r, c)
        return f"{symbol}{subscript(f'{shown_index(j)},{shown_index(i)}')}"
    return name


def equations(numbers: StepNumbers | None, layer: int, depth: int, sample: int,
              activation: str, loss_name: str,
              numbering: Numbering | None = None) -> list[tuple[str, list]]:
    """The dock's lines for the engine's layer ``layer``: (title, tokens), a token being
    a text or a :class:`Block`.  Lines whose phase has not been recorded yet are written
    in symbols only, ending in "…".  a, z and δ carry the layer's number in
    ``numbering`` (one higher with the lecture's); W and b keep theirs, so with the
    lecture's numbering the lines read z⁽ˡ⁺¹⁾ = W⁽ˡ⁾a⁽ˡ⁾ + b⁽ˡ⁾."""
    numbering = numbering or Numbering()
    l = layer

    def s(engine_layer):
        """superscript of a, z, δ of the engine's layer"""
        return layer_superscript(numbering.layer(engine_layer))

    def ws(engine_layer):
        """superscript of W, b of the engine's layer"""
        return layer_superscript(numbering.weight_layer(engine_layer))

    f = get_activation(activation)
    fs = f.symbol
    lines = []
    forward = numbers.forward.get(l) if numbers is not None else None
    backward = numbers.backward.get(l) if numbers is not None else None
    b = sample
    # -- forward: z = W a + b, a = f(z)
    z_words = [f"z{s(l)} = W{ws(l)} a{s(l - 1)} + b{ws(l)}"]
    if forward is not None and len(numbers.weights) >= l:
        z_words = [Block(f"z{s(l)}", _column(forward.z[b]), _vector_entry(f"z{s(l)}")), "=",
                   Block(f"W{ws(l)}", np.asarray(numbers.weights[l - 1]),
                         _matrix_entry(f"w{ws(l)}")),
                   Block(f"a{s(l - 1)}", _column(forward.inputs[b]),
                         _vector_entry(f"a{s(l - 1)}")), "+",
                   Block(f"b{ws(l)}", _column(numbers.biases[l - 1]),
                         _vector_entry(f"b{ws(l)}"))]
    elif numbers is not None:
        z_words[0] += " …"
    lines.append(("Forward: total input", z_words))
    a_words = [f"a{s(l)} = {fs}(z{s(l)})"]
    if forward is not None:
        a_words = [Block(f"a{s(l)}", _column(forward.a[b]), _vector_entry(f"a{s(l)}")),
                   "=", f"{fs}(", Block(f"z{s(l)}", _column(forward.z[b]),
                                         _vector_entry(f"z{s(l)}")), ")"]
    elif numbers is not None:
        a_words[0] += " …"
    lines.append((f"Forward: output, f = {f.prose_label}", a_words))
    # -- backward: δ
    output = l == depth
    softmax = activation == "softmax"
    loss = numbers.loss if numbers is not None else None
    # sigmoid + bce and softmax + cross-entropy: the engine records the fused δ⁽ᴸ⁾
    # = (ŷ − y)/B (·1/n for bce); asked of the loss module, not written twice
    fused = output and loss is not None and losses.fused_output_delta(
        loss_name, activation, loss.prediction[:1], loss.target[:1]) is not None
    if output and fused:
        per = "/(B·n)" if loss_name == "bce" else "/B"
        title = f"Backward: δ of the output ({f.prose_label} with {loss_name}: fused)"
        symbols = f"δ{s(l)} = (ŷ − y){per}"
    elif output:
        rule = "Jₛₒ𝒻ₜₘₐₓ ∂J/∂ŷ" if softmax else f"∂J/∂ŷ ⊙ {fs}′(z{s(l)})"
        title = "Backward: δ of the output"
        symbols = f"δ{s(l)} = {rule}"
    else:
        inner = f"W{ws(l + 1)}ᵀ δ{s(l + 1)}"
        rule = f"Jₛₒ𝒻ₜₘₐₓ ({inner})" if softmax else f"({inner}) ⊙ {fs}′(z{s(l)})"
        title = "Backward: δ, the error of the layer"
        symbols = f"δ{s(l)} = {rule}"
    delta_words = [symbols]
    if backward is not None and forward is not None:
        delta = Block(f"δ{s(l)}", _column(backward.delta[b]), _vector_entry(f"δ{s(l)}"))
        grad_a_name = "∂J/∂ŷ" if output else f"W{ws(l + 1)}ᵀδ{s(l + 1)}"
        grad_a = Block(grad_a_name, _column(backward.grad_a[b]),
                       _vector_entry("∂J/∂ŷ" if output else f"(W{ws(l + 1)}ᵀδ{s(l + 1)})"))
        if output and fused:
            delta_words = [delta, "= (", Block("ŷ", _column(loss.prediction[b]),
                                                _vector_entry("ŷ")), "−",
                           Block("y", _column(loss.target[b]), _vector_entry("y")),
                           f"){per}"]
        elif softmax:
            delta_words = [delta, "= Jₛₒ𝒻ₜₘₐₓ", grad_a]
        else:
            derivative = Block(f"{fs}′(z{s(l)})", _column(forward.derivative[b]),
                               _vector_entry(f"{fs}′(z{s(l)})"))
            if output:
                delta_words = [delta, "=", grad_a, "⊙", derivative]
            else:
                after = numbers.backward.get(l + 1)
                delta_words = [delta, "=", grad_a, "⊙", derivative]
                if after is not None and len(numbers.weights) > l:
                    # W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾ written out: the engine's ∂J/∂a⁽ˡ⁾ is their product
                    delta_words = [delta, "= (",
                                   Block(f"W{ws(l + 1)}ᵀ", np.asarray(numbers.weights[l]).T,
                                         _matrix_entry(f"w{ws(l + 1)}", transposed=True)),
                                   Block(f"δ{s(l + 1)}", _column(after.delta[b]),
                                         _vector_entry(f"δ{s(l + 1)}")),
                                   ") ⊙", derivative]
    elif numbers is not None:
        delta_words[0] += " …"
    lines.append((title, delta_words))
    # -- the gradient of the weights
    batch = numbers.batch if numbers is not None else 0
    summed = "Σ over the batch of " if batch > 1 else ""
    grad_words = [f"∂J/∂W{ws(l)} = {summed}δ{s(l)} a{s(l - 1)}ᵀ"]
    if backward is not None and forward is not None:
        grad = Block(f"∂J/∂W{ws(l)}", np.asarray(backward.grad_weights),
                     _matrix_entry(f"∂J/∂w{ws(l)}"))
        delta = Block(f"δ{s(l)}", _column(backward.delta[b]), _vector_entry(f"δ{s(l)}"))
        inputs_t = Block(f"a{s(l - 1)}ᵀ", _row(forward.inputs[b]),
                         lambda r, c: f"a{s(l - 1)}{subscript(shown_index(c))}")
        if batch > 1:
            grad_words = [grad, "= Σ over the batch", delta, inputs_t]
        else:
            grad_words = [grad, "=", delta, inputs_t]
    elif numbers is not None:
        grad_words[0] += " …"
    lines.append(("Gradient of the weights", grad_words))
    return lines


# ---------------------------------------------------------------------------------------
# Drawing the lines: brackets, cells, numbers
# ---------------------------------------------------------------------------------------


def cell_colour(value: float, largest: float, strength: float) -> QColor:
    """Blue for positive, orange for negative, mixed with the paper: stronger for a
    larger |value| (relative to the largest of its matrix)."""
    if not np.isfinite(value):
        return QColor(theme.ERROR)
    base = QColor(theme.POSITIVE if value > 0 else theme.NEGATIVE if value < 0 else theme.ZERO)
    paper = QColor(theme.PAPER)
    t = strength * (abs(value) / largest if largest > 0 else 0.0)
    return QColor.fromRgbF(*(t * c + (1 - t) * p for c, p in
                             zip(base.getRgbF()[:3], paper.getRgbF()[:3])))


@dataclass
class _Placed:
    """A block laid out: where it is and how its cells are drawn."""

    block: Block
    rect: QRectF
    cell: QSize
    numbers: bool
    texts: list


class EquationsView(QWidget):
    """Paints the lines of :func:`equations`: each a title, then its tokens left to
    right, matrices in brackets with their symbols above them."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setAccessibleName("Layer equations with numbers")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self._lines: list[tuple[str, list]] = []
        self._placed: list[_Placed] = []
        self._texts: list[tuple[QPointF, str, QFont, QColor]] = []
        self._size = QSize(200, 100)
        self._width_budget = 400
        self.digits = None

    # -- content ---------------------------------------------------------------------

    def set_lines(self, lines) -> None:
        self._lines = lines
        self._relayout()

    def set_width_budget(self, width: int) -> None:
        if width != self._width_budget:
            self._width_budget = max(120, width)
            self._relayout()

    def placed_blocks(self) -> list[_Placed]:
        """The blocks as drawn (for tests: their numbers, whether written)."""
        return list(self._placed)

    def plain_text(self) -> str:
        """Each line's title, then its tokens (a matrix by its symbol)."""
        return "\n".join(f"{title}\n" + " ".join(t.symbol if isinstance(t, Block) else t
                                                  for t in tokens)
                         for title, tokens in self._lines)

    def _fonts(self) -> tuple[QFont, QFont, QFont]:
        base = QFont(self.font())
        size = base.pointSizeF() if base.pointSizeF() > 0 else 12.0
        big = QFont(base)
        big.setPointSizeF(size * TEXT_FACTOR)
        title = QFont(base)
        title.setBold(True)
        small = QFont(base)
        small.setPointSizeF(max(9.0, size * 0.95))
        return big, title, small

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._relayout()

    # -- layout ---------------------------------------------------------------------

    def _relayout(self) -> None:
        big, title_font, small = self._fonts()
        metrics = QFontMetricsF(big)
        title_metrics = QFontMetricsF(title_font)
        small_metrics = QFontMetricsF(small)
        line_height = metrics.height()
        pad = round(line_height * 0.25)
        margin = 10.0
        self._placed, self._texts = [], []
        y = margin
        widest = 0.0
        for title, tokens in self._lines:
            self._texts.append((QPointF(margin, y + title_metrics.ascent()), title,
                                title_font, QColor(theme.MUTED)))
            y += title_metrics.height() + pad
            # number mode per block, then decide: the whole line should fit the budget
            sizes = []
            formatted = []
            for token in tokens:
                if isinstance(token, Block):
                    texts = [[format_number(float(v)) for v in row] for row in token.values]
                    formatted.append(texts)
                    cell_w = max((metrics.horizontalAdvance(t) for row in texts for t in row),
                                 default=0) + 2 * pad
                    sizes.append(QSize(round(max(cell_w, line_height)), round(line_height)))
                else:
                    formatted.append(None)
                    sizes.append(None)
            def line_width(number_mode):
                total = 0.0
                for token, cell, on in zip(tokens, sizes, number_mode):
                    if isinstance(token, Block):
                        cols = token.values.shape[1]
                        w = cols * (cell.width() if on else max(MIN_CELL_PX, line_height * 0.7))
                        w = max(w, small_metrics.horizontalAdvance(token.symbol))
                        total += w + 2 * pad + 8
                    else:
                        total += metrics.horizontalAdvance(token) + 2 * pad
                return total + 2 * margin
            number_mode = [isinstance(t, Block) for t in tokens]
            # widest matrices first give up their numbers until the line fits
            order = sorted((k for k, t in enumerate(tokens) if isinstance(t, Block)),
                           key=lambda k: -tokens[k].values.size)
            for k in order:
                if line_width(number_mode) <= self._width_budget:
                    break
                if tokens[k].values.shape[1] > 1:  # vectors keep their numbers
                    number_mode[k] = False
            # the line's height: its tallest block (symbol above, cells below)
            heights = []
            for token, cell, on in zip(tokens, sizes, number_mode):
                if isinstance(token, Block):
                    rows = token.values.shape[0]
                    ch = cell.height() if on else max(MIN_CELL_PX, line_height * 0.7)
                    heights.append(rows * ch)
            body = max(heights, default=line_height)
            symbol_height = small_metrics.height()
            top = y + symbol_height
            middle = top + body / 2
            x = margin
            for token, cell, on, texts in zip(tokens, sizes, number_mode, formatted):
                if isinstance(token, Block):
                    rows, cols = token.values.shape
                    cw = cell.width() if on else max(MIN_CELL_PX, round(line_height * 0.7))
                    ch = cell.height() if on else cw
                    w, h = cols * cw, rows * ch
                    label_w = small_metrics.horizontalAdvance(token.symbol)
                    left = x + pad + max(0.0, (label_w - w) / 2)
                    rect = QRectF(left, middle - h / 2, w, h)
                    self._placed.append(_Placed(token, rect, QSize(cw, ch), on, texts))
                    self._texts.append((QPointF(rect.center().x() - label_w / 2,
                                                rect.top() - small_metrics.descent() - 2),
                                        token.symbol, small, QColor(theme.MUTED)))
                    x = max(rect.right(), x + pad + label_w) + pad + 8
                else:
                    self._texts.append((QPointF(x + pad, middle + (metrics.ascent()
                                                                   - metrics.descent()) / 2),
                                        token, big, QColor(theme.INK)))
                    x += metrics.horizontalAdvance(token) + 2 * pad
            widest = max(widest, x + margin)
            y = top + body + 2 * pad + line_height * 0.4
        self._size = QSize(round(widest), round(y + margin))
        self.setMinimumSize(self._size)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self._size

    # -- painting ---------------------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(theme.PAPER))
        big = self._fonts()[0]
        for placed in self._placed:
            values = placed.block.values
            finite = np.abs(values[np.isfinite(values)])
            largest = float(finite.max()) if finite.size else 0.0
            cw, ch = placed.cell.width(), placed.cell.height()
            rect = placed.rect
            strength = 0.45 if placed.numbers else 0.95
            painter.setPen(Qt.PenStyle.NoPen)
            for r, row in enumerate(values):
                for c, value in enumerate(row):
                    cell = QRectF(rect.left() + c * cw, rect.top() + r * ch, cw, ch)
                    painter.setBrush(cell_colour(float(value), largest, strength))
                    painter.drawRect(cell.adjusted(0.5, 0.5, -0.5, -0.5))
            if placed.numbers:
                painter.setFont(big)
                painter.setPen(QColor(theme.INK))
                for r, row in enumerate(placed.texts):
                    for c, text in enumerate(row):
                        cell = QRectF(rect.left() + c * cw, rect.top() + r * ch, cw, ch)
                        painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, text)
            # brackets
            painter.setPen(QPen(QColor(theme.INK), 2))
            arm = min(8.0, cw / 3)
            for side, sign in ((rect.left() - 3, 1), (rect.right() + 3, -1)):
                painter.drawLine(QPointF(side, rect.top()), QPointF(side, rect.bottom()))
                painter.drawLine(QPointF(side, rect.top()), QPointF(side + sign * arm, rect.top()))
                painter.drawLine(QPointF(side, rect.bottom()),
                                 QPointF(side + sign * arm, rect.bottom()))
        for point, text, font, colour in self._texts:
            painter.setFont(font)
            painter.setPen(colour)
            painter.drawText(point, text)
        painter.end()

    # -- hover: the number of a cell -------------------------------------------------

    def entry_at(self, point: QPointF) -> str | None:
        """"W⁽²⁾₃,₁ = 0.123" for the cell under ``point`` (widget coordinates)."""
        for placed in self._placed:
            if placed.rect.contains(point):
                c = int((point.x() - placed.rect.left()) // placed.cell.width())
                r = int((point.y() - placed.rect.top()) // placed.cell.height())
                rows, cols = placed.block.values.shape
                if 0 <= r < rows and 0 <= c < cols:
                    name = placed.block.entry(r, c) if placed.block.entry else placed.block.symbol
                    return f"{name} = {format_number(float(placed.block.values[r, c]))}"
        return None

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt override)
        text = self.entry_at(event.position())
        if text:
            QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QToolTip.hideText()
        super().mouseMoveEvent(event)


# ---------------------------------------------------------------------------------------
# The dock
# ---------------------------------------------------------------------------------------


class LayerFocusDock(QDockWidget):
    """One layer's z, a, δ and ∂J/∂W in vector form, with the numbers of the step the
    session recorded last (or of the step being taken, as far as it went)."""

    #: the layer shown changed (1..L)
    layer_changed = Signal(int)

    def __init__(self, session: Session, parent=None):
        super().__init__("Layer focus", parent)
        self.setObjectName("layer_focus_dock")
        self.setAccessibleName("Layer focus")
        self.session = session
        self._layer = 1
        self._numbers: StepNumbers | None = None
        #: the batch the next step will draw, peeked while no step is in progress (a
        #: step's first phase has drawn it already, and its records do not name it)
        self._next_batch: np.ndarray | None = None

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        row = QHBoxLayout()
        # the entries say "Layer 2 · …" themselves: no label beside them to squeeze
        self.layer_combo = narrow_combo(QComboBox(), 22)
        self.layer_combo.setAccessibleName("Layer to focus on")
        self.layer_combo.setToolTip("The layer whose forward and backward pass is shown")
        self.layer_combo.currentIndexChanged.connect(self._on_layer_chosen)
        row.addWidget(self.layer_combo, 1)
        self.source = WrappedLabel()  # never fewer lines than its text
        self.source.setAccessibleName("Which step and sample the numbers come from")
        self.view = EquationsView()
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.view)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout.addLayout(row)
        layout.addWidget(self.source)
        layout.addWidget(self.scroll, 1)
        self.setWidget(body)

        session.structure_changed.connect(self._on_structure_changed)
        session.steps_recorded.connect(self._on_steps_recorded)
        session.phase_recorded.connect(self._on_phase_recorded)
        session.step_abandoned.connect(self._from_last_step)
        session.history_changed.connect(self._from_last_step)
        session.parameters_changed.connect(self._refresh)
        session.sample_changed.connect(self._refresh)
        session.notation_changed.connect(self._on_structure_changed)
        self._fill_layers()
        self._from_last_step()

    # -- public ----------------------------------------------------------------------

    @property
    def layer(self) -> int:
        return self._layer

    def set_layer(self, layer: int) -> None:
        """Show layer ``layer`` (1..L; the input layer has nothing to compute)."""
        depth = self.session.network.depth
        layer = int(min(max(layer, 1), depth))
        self.layer_combo.setCurrentIndex(layer - 1)  # tells _on_layer_chosen
        if layer != self._layer:
            self._on_layer_chosen(layer - 1)

    @property
    def numbers(self) -> StepNumbers | None:
        """The records shown (None before any step)."""
        return self._numbers

    def sample_row(self) -> int:
        """The row of the batch shown: the canvas's sample if it is in the batch, else
        the first."""
        numbers = self._numbers
        return 0 if numbers is None else numbers.row_of(self.session.current_sample)

    def text(self) -> str:
        """What the dock shows, as plain text (tests, screen readers)."""
        return self.source.text() + "\n" + self.view.plain_text()

    # -- following the session ---------------------------------------------------------

    def _fill_layers(self) -> None:
        net = self.session.network
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for l in range(1, net.depth + 1):
            kind = "output" if l == net.depth else "hidden"
            name = get_activation(net.activations[l - 1]).prose_label
            shown = self.session.scenario.numbering.layer(l)
            self.layer_combo.addItem(f"Layer {shown} · {net.layers[l]} × {name}")
            self.layer_combo.setItemData(l - 1, f"Layer {shown}: {kind}, {net.layers[l]} "
                                         f"neurons, {name}", Qt.ItemDataRole.ToolTipRole)
        self._layer = min(max(self._layer, 1), net.depth)
        self.layer_combo.setCurrentIndex(self._layer - 1)
        self.layer_combo.blockSignals(False)

    def _on_layer_chosen(self, index: int) -> None:
        if index < 0:
            return
        self._layer = index + 1
        self._refresh()
        self.layer_changed.emit(self._layer)

    def _on_structure_changed(self) -> None:
        self._fill_layers()
        self._from_last_step()

    def _from_last_step(self, *_args) -> None:
        last = self.session.last_step
        self._numbers = StepNumbers.of_step(last) if last is not None else None
        self._refresh()

    def _on_steps_recorded(self, records) -> None:
        if records:
            self._numbers = StepNumbers.of_step(records[-1])
            self._refresh()

    def _on_phase_recorded(self, record) -> None:
        self._numbers, changed = StepNumbers.following(self._numbers, record, self.session,
                                                       self._next_batch)
        if changed:
            self._refresh()

    # -- writing ------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self.view.set_width_budget(self.scroll.viewport().width())

    def _refresh(self, *_args) -> None:
        net = self.session.network
        if not self.session.step_in_progress:
            self._next_batch = peek_next_batch(self.session)
        if self._layer > net.depth:
            return
        numbers = self._numbers
        if numbers is not None and numbers.forward and \
                numbers.forward[min(numbers.forward)].inputs.shape[1] != net.layers[0]:
            numbers = self._numbers = None  # a record of another architecture
        row = self.sample_row()
        self.source.setText(self._source_words(numbers, row))
        self.view.set_width_budget(self.scroll.viewport().width())
        self.view.set_lines(equations(numbers, self._layer, net.depth, row,
                                      net.activations[self._layer - 1], self.session.training.loss,
                                      self.session.scenario.numbering))

    def _source_words(self, numbers: StepNumbers | None, row: int) -> str:
        if numbers is None:
            return EMPTY_TEXT
        words = f"<b>Step {numbers.step + 1}</b>"
        if not numbers.complete:
            words += " (in progress: the phases taken so far)"
        batch = numbers.batch
        if numbers.sample_indices is not None and batch:
            sample = int(numbers.sample_indices[row]) + 1
            if batch == 1:
                words += f", sample {sample}."
            else:
                words += (f", sample {sample} (row {shown_index(row)} of the batch of {batch}): "
                          "z, a and δ are this sample's; ∂J/∂W is summed over the batch.")
        elif batch > 1:
            words += (f", row {shown_index(row)} of the batch of {batch}: z, a and δ are this "
                      "sample's; ∂J/∂W is summed over the batch.")
        if numbers.complete and not self.session.last_step_is_current():
            words += " The weights have changed since that step."
        return words
