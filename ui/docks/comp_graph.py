"""The Computational graph dock: the selected neuron as an autograd library sees it.

micrograd's picture of one neuron (View ▸ Computational graph): a box for each value
("name | data | grad"), a circle for each operation (×, +, f), and on each edge the
local derivative the chain rule multiplies by.  The graph is
:func:`bpsim.compgraph.neuron_graph` of the engine's records: the step recorded last,
or the phases of the step being taken one by one, so a gradient shows "?" until the
backward pass reaches the layer.  A selected weight shows the neuron it feeds, its own
chain marked; a bias shows its neuron.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QDockWidget, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from bpsim.compgraph import NeuronGraph, Node, neuron_graph
from bpsim.notation.numbers import format_number
from bpsim.notation.symbols import neuron_words, shown_index

from .. import theme
from ..widgets import WrappedLabel
from .layer_focus import StepNumbers, peek_next_batch

if TYPE_CHECKING:
    from ..canvas import NetworkCanvas
    from ..session import Session

#: the graph's text is this much larger than the window's (it follows View ▸ Larger
#: text through the application font): read from the back of a room
TEXT_FACTOR = 1.15
#: a graph wider than the dock is drawn smaller down to this scale, then scrolls
MIN_SCALE = 0.7
UNKNOWN = "?"
#: backpropagation's order, written on each gradient
ORDER_MARKS = {1: "①", 2: "②", 3: "③", 4: "④"}
HINT_TEXT = ("Select a neuron, a weight or a bias on the canvas (not an input) to see its "
             "computational graph.")


def value_text(value: float | None) -> str:
    return UNKNOWN if value is None else format_number(value)


def node_texts(node: Node) -> tuple[str, str]:
    """("data 0.3", "① grad −1.4") of a value node, as drawn."""
    mark = ORDER_MARKS.get(node.order, "")
    return f"data {value_text(node.value)}", f"{mark} grad {value_text(node.grad)}".strip()


def total_text(node: Node, batch: int) -> str:
    """The line under a weight, a bias or an input: the batch's gradient (the record's)."""
    if node.total is None:
        return ""
    if node.key.startswith("x"):
        return f"all neurons: Σ = {format_number(node.total)}"
    return f"batch: Σ = {format_number(node.total)}" if batch > 1 else ""


@dataclass
class _Box:
    node: Node
    rect: QRectF
    #: the widths: the whole box (the name's row), the data and the grad cells below
    cells: tuple[float, float, float]
    under: str = ""


class GraphView(QWidget):
    """Paints a :class:`NeuronGraph`: boxes left to right, w and a → × → w·a → + → z →
    f → a, the edges' local derivatives written beside them."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Computational graph of the neuron")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.graph: NeuronGraph | None = None
        self._boxes: dict[str, _Box] = {}
        self._circles: dict[str, tuple[QPointF, float, Node]] = {}
        self._gaps: list[tuple[QPointF, str]] = []
        self._size = QSize(200, 100)
        self._natural = QSize(200, 100)
        self._width_budget = 600
        self.scale = 1.0

    def set_width_budget(self, width: int) -> None:
        if width != self._width_budget:
            self._width_budget = max(120, width)
            self._fit()

    def _fit(self) -> None:
        natural = self._natural
        self.scale = max(MIN_SCALE, min(1.0, self._width_budget / max(1, natural.width())))
        self._size = QSize(round(natural.width() * self.scale),
                           round(natural.height() * self.scale))
        self.setMinimumSize(self._size)
        self.updateGeometry()
        self.update()

    def set_graph(self, graph: NeuronGraph | None) -> None:
        self.graph = graph
        self._relayout()

    # -- what is drawn (tests, screen readers) ------------------------------------------

    def texts(self) -> dict[str, tuple[str, str]]:
        """{node key: (data text, grad text)} of the value boxes drawn."""
        return {key: node_texts(box.node) for key, box in self._boxes.items()}

    def edge_labels(self) -> list[str]:
        return [self._edge_text(e) for e in self.graph.edges if e.local] if self.graph else []

    def plain_text(self) -> str:
        if self.graph is None:
            return ""
        lines = [f"{box.node.label} | {' | '.join(node_texts(box.node))}"
                 + (f" ({box.under})" if box.under else "") for box in self._boxes.values()]
        return "\n".join(lines + self.edge_labels()
                         + [text for _point, text in self._gaps])

    # -- layout ---------------------------------------------------------------------------

    def _fonts(self) -> tuple[QFont, QFont]:
        base = QFont(self.font())
        size = base.pointSizeF() if base.pointSizeF() > 0 else 12.0
        big = QFont(base)
        big.setPointSizeF(size * TEXT_FACTOR)
        small = QFont(base)
        small.setPointSizeF(max(8.0, size * 0.95))
        return big, small

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._relayout()

    @staticmethod
    def _edge_text(edge) -> str:
        if edge.local_value is None or edge.local.endswith("= 1"):
            return edge.local
        return f"{edge.local} = {format_number(edge.local_value)}"

    def _relayout(self) -> None:
        self._boxes, self._circles, self._gaps = {}, {}, []
        graph = self.graph
        if graph is None:
            self._size = QSize(200, 60)
            self.setMinimumSize(self._size)
            self.update()
            return
        big, small = self._fonts()
        metrics, small_metrics = QFontMetricsF(big), QFontMetricsF(small)
        pad = metrics.height() * 0.3
        box_h = 2 * (metrics.height() + pad)
        under_h = small_metrics.height()
        radius = metrics.height() * 0.75
        margin = 12.0

        def cells(node):
            """(name, data, grad) widths: the name spans the box, data and grad below"""
            data, grad = node_texts(node)
            return tuple(metrics.horizontalAdvance(t) + 2 * pad
                         for t in (node.label, data, grad))

        def column_cells(nodes):
            widths = [cells(n) for n in nodes]
            data, grad = (max(w[k] for w in widths) for k in (1, 2))
            name = max(w[0] for w in widths)
            if name > data + grad:  # a long name: the data cell takes the rest
                data = name - grad
            return data + grad, data, grad

        def width(c):
            return c[0]

        edge_w = {e.source: small_metrics.horizontalAdvance(self._edge_text(e))
                  for e in graph.edges if e.local}
        leaves = [n for t in graph.terms for n in (t.weight, t.activation)]
        leaf_cells = column_cells(leaves)
        # the bias joins the sum directly: it sits under the products
        product_cells = column_cells([t.product for t in graph.terms] + [graph.bias])
        z_cells, a_cells = column_cells([graph.z]), column_cells([graph.a])
        gap_leaf = max([edge_w.get(n.key, 0) for n in leaves] + [40]) + 2 * pad + radius
        gap_product = max([edge_w.get(t.product.key, 0) for t in graph.terms]
                          + [edge_w.get("b", 0), 40]) \
            + 2 * pad + radius
        gap_short = 2.5 * radius
        gap_f = max(edge_w.get("z", 0) + 2 * pad, gap_short)

        x_leaf = margin
        x_times = x_leaf + width(leaf_cells) + gap_leaf
        x_product = x_times + radius + gap_short
        x_plus = x_product + width(product_cells) + gap_product
        x_z = x_plus + radius + gap_short
        x_f = x_z + width(z_cells) + gap_f + radius
        x_a = x_f + radius + gap_short

        y = margin + under_h  # room for the first edge label above
        row = box_h + under_h + pad
        product_centres = []
        previous = None
        for term in graph.terms:
            if previous is not None and term.input != previous + 1:
                skipped = term.input - previous - 1
                self._gaps.append((QPointF(x_leaf, y + metrics.ascent()),
                                   f"… {skipped} more input{'s' if skipped > 1 else ''} "
                                   f"({shown_index(previous + 1)}–{shown_index(term.input - 1)})"))
                y += metrics.height() + pad
            previous = term.input
            for k, node in enumerate((term.weight, term.activation)):
                self._boxes[node.key] = _Box(node, QRectF(x_leaf, y + k * row, width(leaf_cells),
                                                          box_h), leaf_cells,
                                             total_text(node, graph.batch))
            centre = y + row / 2 + box_h / 2
            self._circles[term.times.key] = (QPointF(x_times, centre), radius, term.times)
            self._boxes[term.product.key] = _Box(
                term.product, QRectF(x_product, centre - box_h / 2, width(product_cells), box_h),
                product_cells)
            product_centres.append(centre)
            y += 2 * row + pad
        bias_top = max(y - row, product_centres[-1] + box_h / 2 + under_h + pad) \
            if product_centres else y
        self._boxes["b"] = _Box(graph.bias, QRectF(x_product, bias_top, width(product_cells),
                                                   box_h),
                                product_cells, total_text(graph.bias, graph.batch))
        bottom = max(y, bias_top + row)
        product_centres.append(bias_top + box_h / 2)
        middle = (min(product_centres) + max(product_centres)) / 2
        self._circles["plus"] = (QPointF(x_plus, middle), radius, graph.plus)
        self._boxes["z"] = _Box(graph.z, QRectF(x_z, middle - box_h / 2, width(z_cells), box_h),
                                z_cells)
        self._circles["f"] = (QPointF(x_f, middle), radius, graph.f)
        self._boxes["a"] = _Box(graph.a, QRectF(x_a, middle - box_h / 2, width(a_cells), box_h),
                                a_cells)
        self._natural = QSize(round(x_a + width(a_cells) + margin), round(bottom + margin))
        self._fit()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self._size

    # -- painting --------------------------------------------------------------------

    def _anchor(self, key: str, incoming: bool) -> QPointF:
        if key in self._circles:
            centre, radius, _node = self._circles[key]
            return QPointF(centre.x() + (-radius if incoming else radius), centre.y())
        rect = self._boxes[key].rect
        return QPointF(rect.left() if incoming else rect.right(), rect.center().y())

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(theme.PAPER))
        graph = self.graph
        if graph is None:
            painter.end()
            return
        painter.scale(self.scale, self.scale)
        big, small = self._fonts()
        small_metrics = QFontMetricsF(small)
        ink, muted = QColor(theme.INK), QColor(theme.MUTED)
        # -- edges, each with its local derivative beside its source
        painter.setFont(small)
        for edge in graph.edges:
            start = self._anchor(edge.source, incoming=False)
            end = self._anchor(edge.target, incoming=True)
            selected = self._selected(edge.source) and (self._selected(edge.target)
                                                        or edge.target == "plus")
            painter.setPen(QPen(QColor(theme.SELECTION_RING) if selected else muted,
                                2.5 if selected else 1.3))
            path = QPainterPath(start)
            dx = (end.x() - start.x()) / 2
            path.cubicTo(QPointF(start.x() + dx, start.y()), QPointF(end.x() - dx, end.y()), end)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
            self._arrow(painter, end)
            if edge.local:
                text = self._edge_text(edge)
                # the label on the side the curve leaves free: below a rising edge
                below = end.y() < start.y() - 1
                y = start.y() + (small_metrics.ascent() + 2 if below
                                 else -small_metrics.descent() - 3)
                painter.setPen(ink)
                painter.drawText(QPointF(start.x() + 6, y), text)
        # -- ops: circles
        painter.setFont(big)
        for centre, radius, node in self._circles.values():
            painter.setPen(QPen(ink, 1.5))
            painter.setBrush(QColor(theme.INPUT_FILL))
            painter.drawEllipse(centre, radius, radius)
            label = node.label
            font = QFont(big)
            metrics = QFontMetricsF(font)
            while metrics.horizontalAdvance(label) > 1.7 * radius and font.pointSizeF() > 6:
                font.setPointSizeF(font.pointSizeF() * 0.85)
                metrics = QFontMetricsF(font)
            painter.setFont(font)
            painter.drawText(QRectF(centre.x() - radius, centre.y() - radius, 2 * radius,
                                    2 * radius), Qt.AlignmentFlag.AlignCenter, label)
            painter.setFont(big)
        # -- values: name | data | grad
        for box in self._boxes.values():
            node, rect = box.node, box.rect
            data, grad = node_texts(node)
            half = rect.height() / 2
            _whole, data_w, grad_w = box.cells
            for k, (text, cell) in enumerate((
                    (node.label, QRectF(rect.left(), rect.top(), rect.width(), half)),
                    (data, QRectF(rect.left(), rect.top() + half, data_w, half)),
                    (grad, QRectF(rect.left() + data_w, rect.top() + half, grad_w, half)))):
                if k == 2:
                    fill = (QColor(theme.NOTICE_BACKGROUND) if node.grad is None else
                            QColor(theme.LIGHT_POSITIVE if node.grad > 0 else
                                   theme.LIGHT_NEGATIVE if node.grad < 0 else theme.PAPER))
                else:
                    fill = QColor(theme.LABEL_BACKGROUND)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(fill)
                painter.drawRect(cell)
                painter.setPen(QPen(QColor(theme.FRAME), 1))
                if k:
                    painter.drawLine(cell.topLeft(), cell.topRight())
                if k == 2:
                    painter.drawLine(cell.topLeft(), cell.bottomLeft())
                painter.setPen(ink)
                painter.setFont(big)
                painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, text)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor(theme.SELECTION) if node.selected else ink,
                                4 if node.selected else 1.5))
            painter.drawRect(rect)
            if box.under:
                painter.setFont(small)
                painter.setPen(muted)
                painter.drawText(QPointF(rect.right() - small_metrics.horizontalAdvance(box.under),
                                         rect.bottom() + small_metrics.ascent() + 1), box.under)
        painter.setFont(big)
        painter.setPen(muted)
        for point, text in self._gaps:
            painter.drawText(point, text)
        painter.end()

    def _selected(self, key: str) -> bool:
        if key in self._boxes:
            return self._boxes[key].node.selected
        return key in self._circles and self._circles[key][2].selected

    @staticmethod
    def _arrow(painter: QPainter, tip: QPointF) -> None:
        size = 6.0
        path = QPainterPath(tip)
        path.lineTo(tip.x() - size, tip.y() - size / 2)
        path.lineTo(tip.x() - size, tip.y() + size / 2)
        path.closeSubpath()
        painter.fillPath(path, painter.pen().color())


class CompGraphDock(QDockWidget):
    """The selected neuron's computational graph with the numbers of the step the
    session recorded last (or of the step being taken, as far as it went)."""

    def __init__(self, session: Session, canvas: NetworkCanvas | None = None, parent=None):
        super().__init__("Computational graph", parent)
        self.setObjectName("comp_graph_dock")
        self.setAccessibleName("Computational graph")
        self.session = session
        #: (engine layer 1..L, neuron, selected input or None); None: nothing to show
        self._target: tuple[int, int, int | None] | None = None
        self._numbers: StepNumbers | None = None
        self._next_batch: np.ndarray | None = None

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        self.source = WrappedLabel()
        self.source.setAccessibleName("Which neuron, step and sample the graph shows")
        self.view = GraphView()
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.view)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.notes = WrappedLabel()
        self.notes.setAccessibleName("Notes on the graph")
        layout.addWidget(self.source)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.notes)
        self.setWidget(body)

        session.structure_changed.connect(self._on_structure_changed)
        session.steps_recorded.connect(self._on_steps_recorded)
        session.phase_recorded.connect(self._on_phase_recorded)
        session.step_abandoned.connect(self._from_last_step)
        session.history_changed.connect(self._from_last_step)
        session.parameters_changed.connect(self._refresh)
        session.sample_changed.connect(self._refresh)
        session.notation_changed.connect(self._refresh)
        if canvas is not None:
            canvas.selection_changed.connect(self.show_selection)
        self._from_last_step()
        if canvas is not None and canvas.selection is not None:
            self.show_selection(canvas.selection)

    # -- public ----------------------------------------------------------------------

    @property
    def graph(self) -> NeuronGraph | None:
        return self.view.graph

    @property
    def target(self) -> tuple[int, int, int | None] | None:
        return self._target

    def show_selection(self, selection) -> None:
        """Show the neuron of a canvas selection: ("neuron", l, j); ("weight", l, j, i)
        and ("bias", l, j) show neuron j of layer l.  An input neuron has no graph;
        None (a click on the background) keeps the neuron shown."""
        if selection is None:
            return
        kind, layer, j, *rest = selection
        if layer < 1:
            self._target = None
        else:
            self._target = (int(layer), int(j), int(rest[0]) if kind == "weight" else None)
        self._refresh()

    def text(self) -> str:
        """What the dock shows, as plain text (tests, screen readers)."""
        return "\n".join(t for t in (self.source.text(), self.view.plain_text(),
                                     self.notes.text()) if t)

    def sample_row(self) -> int:
        """The batch row shown: the canvas's sample if it is in the batch, else the first."""
        numbers = self._numbers
        return 0 if numbers is None else numbers.row_of(self.session.current_sample)

    # -- following the session ---------------------------------------------------------

    def _target_exists(self) -> bool:
        """Whether the neuron shown is still in the network (an edit may take it away
        before the structure's signal comes)."""
        if self._target is None:
            return False
        layer, j, i = self._target
        layers = self.session.network.layers
        return 1 <= layer < len(layers) and j < layers[layer] and \
            (i is None or i < layers[layer - 1])

    def _on_structure_changed(self) -> None:
        if not self._target_exists():
            self._target = None
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
        session = self.session
        net = session.network
        if not session.step_in_progress:
            self._next_batch = peek_next_batch(session)
        numbers = self._numbers
        if numbers is not None and numbers.forward and \
                numbers.forward[min(numbers.forward)].inputs.shape[1] != net.layers[0]:
            numbers = self._numbers = None  # a record of another architecture
        if not self._target_exists():
            self.view.set_graph(None)
            self.source.setText(HINT_TEXT)
            self.notes.setText("")
            self.notes.setVisible(False)
            return
        layer, j, i = self._target
        row = self.sample_row()
        if numbers is not None and (len(numbers.weights) < layer or np.shape(
                numbers.weights[layer - 1]) != np.shape(net.weights[layer - 1])):
            numbers = None  # a record of another architecture
        if numbers is not None:
            weights, biases = numbers.weights[layer - 1], numbers.biases[layer - 1]
        else:
            weights, biases = net.weights[layer - 1], net.biases[layer - 1]
        get = (lambda table, key: table.get(key)) if numbers is not None else \
            (lambda table, key: None)
        graph = neuron_graph(
            layer, j, weights=weights, biases=biases,
            forward=get(numbers.forward, layer) if numbers else None,
            backward=get(numbers.backward, layer) if numbers else None,
            inputs_backward=get(numbers.backward, layer - 1) if numbers else None,
            loss=numbers.loss if numbers else None, loss_name=session.training.loss,
            depth=net.depth, sample_row=row, selected_input=i,
            numbering=session.scenario.numbering, activation=net.activations[layer - 1])
        self.view.set_width_budget(self.scroll.viewport().width())
        self.view.set_graph(graph)
        self.source.setText(self._source_words(graph, numbers, row))
        self.notes.setText(" ".join((*self._reading(graph), *graph.notes)))
        self.notes.setVisible(True)

    @staticmethod
    def _reading(graph: NeuronGraph) -> list[str]:
        """How to read the boxes: which gradient, in which order, summed how."""
        words = ["grad is ∂J/∂(the value) for this sample; ①–④ the order backpropagation "
                 "computes them; each edge carries its local derivative."]
        if graph.batch > 1:
            words.append("∂J/∂w of the batch (Σ under each weight and the bias) is the "
                         "record's sum over the batch of the samples' δ·a (the 1/B of the "
                         "mean is in δ).")
        elif graph.batch == 1:
            words.append("A batch of one: the grad of each weight, δ·a, is the engine's ∂J/∂w.")
        return words

    def _source_words(self, graph: NeuronGraph, numbers: StepNumbers | None, row: int) -> str:
        numbering = self.session.scenario.numbering
        words = f"<b>{neuron_words(graph.layer, graph.neuron, numbering).capitalize()}</b>"
        if numbers is None:
            return (words + ": no step yet. Take a step (Enter) or go phase by phase (→): "
                    "the forward pass fills the data, the backward pass the grads.")
        words += f", step {numbers.step + 1}"
        batch = graph.batch
        if numbers.sample_indices is not None and batch and row < len(numbers.sample_indices):
            words += f", sample {int(numbers.sample_indices[row]) + 1}"
        if batch > 1:
            words += f" (row {shown_index(row)} of the batch of {batch})"
        words += "."
        if not numbers.complete:
            if not graph.forward_done:
                words += " The forward pass has not reached this layer yet."
            elif not graph.backward_done:
                words += (" The backward pass has not reached this layer yet: "
                          "its gradients are ?.")
        if numbers.complete and not self.session.last_step_is_current():
            words += " The weights have changed since that step."
        return words
