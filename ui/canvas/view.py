"""NetworkCanvas: the QGraphicsView that draws the session's network (see the package
docstring in ``ui/canvas/__init__.py`` for the public hooks)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (QColor, QFont, QFontMetricsF, QImage, QPainter, QPen,
                           QTransform)
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QLabel, QMenu, QToolTip

from bpsim.activations import get as get_activation
from bpsim.notation.features import input_labels
from bpsim.notation.numbers import format_exact, format_number
from bpsim.notation.scripts import layer_superscript, subscript
from bpsim.notation.symbols import bias_name, neuron_words, shown_index, weight_name
from bpsim.scenario import DataSpec

from .. import commands, theme
from . import layout as geo
from . import style
from .editor import InPlaceEditor
from .maps import NeuronMaps
from .items import (BackdropItem, BandItem, EdgesItem, ItemBatch, LabelItem, NeuronItem,
                    text_widths)

#: edge labels are drawn only up to this many edges (beyond, they cannot be read)
MAX_LABELLED_EDGES = 60
#: a layer's title may take this share of the distance between two layers
HEADING_ROOM = 0.92
#: "fit to window" never magnifies more than this (a 1-1 network would fill a wall)
MAX_FIT_SCALE = 2.0
MIN_SCALE, MAX_SCALE = 0.03, 12.0
#: above this many edges, edges are drawn without antialiasing while values change
#: and redrawn smooth once they have rested for SETTLE_MS (keeps animation fluid)
FAST_EDGE_LIMIT = 200
SETTLE_MS = 250
#: how close (in screen pixels) a click must be to an edge to pick it
EDGE_PICK_PIXELS = 6.0

# x₁ … xₙ and y₁ … yₘ count from 1, as the Data dock's columns do; neuron indices
# (w[l][j,i], "neuron 0 of layer 1") count from 0, as the engine and the Inspector do

LEGEND_TEXT = {
    "weight": ("blue = positive weight, orange = negative; thickness = |w|"),
    "gradient": ("blue = positive gradient ∂J/∂w, orange = negative; "
                 "thickness = log |∂J/∂w|"),
}


def _shown(i: int) -> int:
    """The index people read for the array index ``i``: neurons count from 1."""
    return i + 1


def normalize_selection(selection):
    """A selection as the canvas emits it: None or a tuple (kind, ints...)."""
    if selection is None:
        return None
    kind, *indices = selection
    sizes = {"weight": 3, "bias": 2, "neuron": 2}
    if kind not in sizes or len(indices) != sizes[kind]:
        raise ValueError(f"not a canvas selection: {selection!r}")
    return (kind, *(int(i) for i in indices))


class NetworkCanvas(QGraphicsView):
    """The network drawn from the session: items built on ``structure_changed``,
    restyled on ``parameters_changed`` / ``sample_changed`` / ``data_changed``."""

    #: None or ("weight", l, j, i) / ("bias", l, j) / ("neuron", l, j)
    selection_changed = Signal(object)
    #: the user asked to see layer l (1..L) in vector form (context menu, double-click
    #: on its title)
    layer_focus_requested = Signal(int)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self._scene = QGraphicsScene(self)
        # Few items that change text every frame: a spatial index costs more than it saves.
        self._scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(self._scene)
        self.setBackgroundBrush(QColor(theme.PAPER))
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumSize(200, 150)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setObjectName("network_canvas")
        self.setAccessibleName("Network canvas")
        self.setAccessibleDescription(
            "The network: click a connection, neuron or bias to select it, double-click "
            "to edit its value; wheel zooms, drag pans")

        self._font_scale = 1.0
        self._show_weights = True
        self._selection = None
        self._user_zoomed = False
        self._edge_override: np.ndarray | None = None
        self._edge_mode = "weight"
        self._neuron_override = None
        self._output_override = None
        #: animation: biases shown instead of the current ones, and edge-label texts
        #: by edge index ("" hides a label); None = automatic
        self._bias_override = None
        #: predict, then reveal: (layer, j) of the bias whose label reads "b = ?"
        self._hidden_bias: tuple[int, int] | None = None
        self._edge_label_override: dict[int, str] | None = None
        self._highlighted_layer: int | None = None
        self._editor: InPlaceEditor | None = None
        self._editor_anchor = QPointF()
        self._layout: geo.Layout | None = None
        self._notice = QLabel(self.viewport())
        self._notice.setObjectName("canvas_notice")
        self._notice.setWordWrap(False)
        self._notice.hide()
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.setInterval(5000)
        self._notice_timer.timeout.connect(self._notice.hide)
        # the selected number, legibly, while the canvas is too small to draw it
        self._detail = QLabel(self.viewport())
        self._detail.setObjectName("canvas_detail")
        self._detail.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._detail.setStyleSheet(
            f"QLabel {{ color: {theme.INK}; background: {theme.NOTICE_BACKGROUND}; border: "
            f"1px solid {theme.SELECTION_RING}; border-radius: 4px; padding: 2px 6px; }}")
        self._detail.hide()
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(SETTLE_MS)
        self._settle_timer.timeout.connect(self._on_settled)

        self._legend = QLabel(self)
        self._legend.setObjectName("canvas_legend")
        self._legend.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._legend.setAccessibleName("Canvas legend")
        self._legend.setStyleSheet(
            "QLabel { background: rgba(255,255,255,215); border: 1px solid"
            f" {theme.LABEL_BORDER}; border-radius: 4px; padding: 3px 7px;"
            f" color: {theme.INK}; }}")
        self._update_legend()

        session.structure_changed.connect(self._on_structure_changed)
        session.parameters_changed.connect(self._on_parameters_changed)
        session.sample_changed.connect(self._on_sample_changed)
        session.data_changed.connect(self._on_data_changed)
        #: View ▸ Neuron maps: each neuron's output over the input plane
        self.neuron_maps = NeuronMaps(self, session)
        self._rebuild()

    # =========================================================================
    # building (structure_changed only)
    # =========================================================================

    def _rebuild(self) -> None:
        self._close_editor()
        self._scene.clear()
        self._layout = None
        network = self.session.network
        layers = network.layers
        self.neuron_maps.attach(self._scene, layers)
        self._layers = list(layers)
        self._activations = list(network.activations)
        depth = len(layers) - 1
        # index of W⁽ˡ⁾[j, i] among all edges: offset[l] + j * n_{l-1} + i
        sizes = [layers[l] * layers[l - 1] for l in range(1, depth + 1)]
        self._edge_offsets = [0, 0] + list(np.cumsum(sizes))
        self._edge_layers = np.concatenate(
            [np.full(n, l + 1) for l, n in enumerate(sizes)]) if sizes else np.zeros(0, int)

        self._bands = [BandItem(QRectF()) for _ in layers]
        for band in self._bands:
            band.setZValue(-10)
            band.setVisible(False)
            self._scene.addItem(band)

        self.edges = EdgesItem()
        self._scene.addItem(self.edges)
        self._backdrop = BackdropItem()
        self._backdrop.setZValue(1)
        self._scene.addItem(self._backdrop)

        self._neurons: list[list[NeuronItem]] = []
        for l, n in enumerate(layers):
            fill = style.INPUT_FILL if l == 0 else style.NEURON_FILL
            column = []
            for j in range(n):
                item = NeuronItem(("neuron", l, j), geo.NEURON_RADIUS, self._font("value"), fill)
                item.edit_kind = "input" if l == 0 else "neuron_bias"
                column.append(item)
            self._neurons.append(column)
        # Neurons and biases are painted by one batch item each (see ItemBatch).
        self._neuron_batch = ItemBatch()
        self._neuron_batch.setZValue(3)
        self._scene.addItem(self._neuron_batch)
        self._bias_batch = ItemBatch()
        self._bias_batch.setZValue(4)
        self._scene.addItem(self._bias_batch)

        # Biases: one label under each non-input neuron; _bias_labels[l - 1][j].
        self._bias_labels: list[list[LabelItem]] = []
        # Big networks: fixed-size bias boxes drawn all at once by the backdrop (speed);
        # small ones: a snug rounded box per label (looks).
        big = sum(sizes) > FAST_EDGE_LIMIT
        for l in range(1, depth + 1):
            column = []
            for j in range(layers[l]):
                item = LabelItem(("bias", l, j), self._font("label"), boxed=True,
                                 sample="b = −0.0000" if big else "", backdrop_box=big)
                item.edit_kind = "bias"
                column.append(item)
            self._bias_labels.append(column)

        self._edge_labels: dict[int, LabelItem] = {}
        if sum(sizes) <= MAX_LABELLED_EDGES:
            for l in range(1, depth + 1):
                for j in range(layers[l]):
                    for i in range(layers[l - 1]):
                        item = LabelItem(("weight", l, j, i), self._font("label"),
                                         boxed=True)
                        item.edit_kind = "weight"
                        item.setZValue(2)
                        item.setVisible(self._show_weights)
                        self._scene.addItem(item)
                        self._edge_labels[self._edge_index(l, j, i)] = item

        self._headings = []
        for l in range(depth + 1):
            item = LabelItem(None, self._font("heading"), colour=style.MUTED_INK)
            item.set_text(self._heading_text(l))
            self._scene.addItem(item)
            self._headings.append(item)

        # x captions left of the inputs, ŷ / y right of the outputs.
        self._input_captions = []
        for j in range(layers[0]):
            item = LabelItem(("neuron", 0, j), self._font("side"), anchor="right",
                             colour=style.MUTED_INK)
            item.edit_kind = "input"
            self._scene.addItem(item)
            self._input_captions.append(item)
        self._caption_inputs()
        self._output_labels = []
        for j in range(layers[-1]):
            item = LabelItem(("neuron", depth, j), self._font("side"), anchor="left")
            item.edit_kind = "target"
            item.setZValue(4)
            self._scene.addItem(item)
            self._output_labels.append(item)

        self._apply_layout()
        self._restyle()
        # Keep the selection if it still exists in the new network.
        if self._selection is not None and self._valid(self._selection):
            self._set_highlight(self._selection, True)
        elif self._selection is not None:
            self._selection = None
            self.selection_changed.emit(None)
        self._user_zoomed = False
        self.zoom_fit()

    def _caption_inputs(self) -> None:
        """x₁, x₂ … or the input features the data give them (x₁², sin x₂ …)."""
        labels = input_labels(self.session.data.features, len(self._input_captions))
        for item, text in zip(self._input_captions, labels):
            item.set_text(text)

    def input_caption(self, j: int) -> str:
        return self._input_captions[j].text()

    def _heading_text(self, l: int) -> str:
        depth = len(self._layers) - 1
        if l == 0:
            return "Input"
        name = get_activation(self._activations[l - 1]).prose_label
        if l == depth:
            return f"Output · {name}"
        return f"Hidden {l} · {name}"

    def _font(self, role: str) -> QFont:
        px = {"value": geo.VALUE_FONT_PX, "label": geo.LABEL_FONT_PX,
              "heading": geo.HEADING_FONT_PX, "side": geo.SIDE_FONT_PX}[role]
        if role in ("heading", "side") and self._layout is not None:
            px *= self._layout.side_text_boost
        font = QFont(self.font())
        font.setPixelSize(max(4, round(px * self._font_scale)))
        if role == "value":
            font.setWeight(QFont.Weight.DemiBold)
        elif role == "heading":
            font.setWeight(QFont.Weight.Bold)
        return font

    def _apply_layout(self) -> None:
        """Positions and fonts of every item (on rebuild and on font-size change)."""
        layout = geo.compute_layout(self._layers, self._font_scale)
        self._layout = layout  # before the fonts: side texts depend on it
        r = layout.radius
        value_font, label_font = self._font("value"), self._font("label")
        side_font, heading_font = self._font("side"), self._font("heading")
        label_height = QFontMetricsF(label_font).height()
        for l, column in enumerate(self._neurons):
            for j, item in enumerate(column):
                item.set_geometry(r, value_font)
                item.setPos(*layout.centre(l, j))
        obstacles = []
        for l, column in enumerate(self._neurons):
            for j in range(len(column)):
                x, y = layout.centre(l, j)
                obstacles.append((x - r - 4, y - r - 4, x + r + 4, y + r + 4))
        for l, column in enumerate(self._bias_labels, start=1):
            for j, item in enumerate(column):
                item.set_font(label_font)
                x, y = layout.centre(l, j)
                item.setPos(x, y + r + 6 + label_height / 2)
                rect = item.text_rect()
                width = max(rect.width(), QFontMetricsF(label_font).horizontalAdvance("b = −0.0000"))
                obstacles.append((x - width / 2 - 6, y + r, x + width / 2 + 6,
                                  y + r + 10 + label_height))
        heading_widths = text_widths(heading_font)
        heading_height = QFontMetricsF(heading_font).height()
        for l, item in enumerate(self._headings):
            item.set_font(heading_font)
            # "Hidden 1 · sigmoid" wider than its column would run into the next
            # layer's title: then the layer's name over its activation, on two lines
            # growing upwards (the neurons stay where they are)
            one_line = self._heading_text(l)
            fits = heading_widths(one_line) <= HEADING_ROOM * layout.spacing_x or l == 0
            item.set_text(one_line if fits else one_line.replace(" · ", "\n"))
            lift = 0.0 if fits else heading_height / 2
            item.setPos(l * layout.spacing_x, layout.heading_y - lift)
        for j, item in enumerate(self._input_captions):
            item.set_font(side_font)
            x, y = layout.centre(0, j)
            item.setPos(x - r - 10, y)
        for j, item in enumerate(self._output_labels):
            item.set_font(side_font)
            x, y = layout.centre(len(self._layers) - 1, j)
            item.setPos(x + r + 14, y)

        self._update_backdrop()
        self.neuron_maps.place()
        self._neuron_batch.set_members([item for column in self._neurons for item in column])
        self._bias_batch.set_members([item for column in self._bias_labels for item in column])
        segments = layout.segments()
        self.edges.set_geometry(segments, self._edge_layers, trim=r)
        if self._edge_labels:
            metrics = QFontMetricsF(label_font)
            # Placement is computed for the widest likely text, so labels stay put
            # when the values change.
            size = (metrics.horizontalAdvance("−0.0000") + 2 * LabelItem.PAD_X,
                    metrics.height() + 2 * LabelItem.PAD_Y)
            indices = sorted(self._edge_labels)
            fractions = geo.place_edge_labels(segments[indices], self._edge_layers[indices],
                                              size, obstacles)
            for k, t in zip(indices, fractions):
                x0, y0, x1, y1 = segments[k]
                item = self._edge_labels[k]
                item.set_font(label_font)
                item.setPos(x0 + t * (x1 - x0), y0 + t * (y1 - y0))

        top = min(item.sceneBoundingRect().top() for item in self._headings) \
            if self._headings else layout.heading_y - heading_font.pixelSize()
        for l, band in enumerate(self._bands):
            xs = layout.centres[l][:, 0]
            ys = layout.centres[l][:, 1]
            band.set_rect(QRectF(xs.min() - r - 22, top,
                                 2 * r + 44, ys.max() + r + 12 + label_height * 1.4 - top))
        bounds = self._content_rect()
        margin = max(bounds.width(), bounds.height()) * 0.5
        self._scene.setSceneRect(bounds.adjusted(-margin, -margin, margin, margin))

    def _update_backdrop(self) -> None:
        layout = self._layout
        centres, fills = [], []
        for l, column in enumerate(self._neurons):
            for j, item in enumerate(column):
                centres.append(layout.centre(l, j))
                fills.append(item.fill)
        boxes = [item.box_rect().translated(item.pos())
                 for column in self._bias_labels for item in column if item.backdrop_box]
        self._backdrop.set_contents(centres, fills, layout.radius, boxes)

    # =========================================================================
    # restyling (parameters_changed, sample_changed, data_changed; per frame)
    # =========================================================================

    def _items_current(self) -> bool:
        """Whether the items were built for the session's architecture: between a new
        network and structure_changed (while the edit is told, e.g. a step abandoned
        first) they are not, and restyling waits for the rebuild."""
        return self._layers == self.session.network.layers

    def _restyle(self) -> None:
        self._restyle_edges()
        self._restyle_biases()
        self._restyle_neurons()

    def _edge_values(self) -> np.ndarray:
        if self._edge_override is not None:
            return self._edge_override
        weights = self.session.network.weights
        return np.concatenate([w.ravel() for w in weights]) if weights else np.zeros(0)

    def _restyle_edges(self) -> None:
        values = self._edge_values()
        if len(values) != self.edges.edge_count:
            return  # an override for another architecture; ignore until rebuilt
        if self.edges.edge_count > FAST_EDGE_LIMIT:
            self.edges.fast = True
            self._settle_timer.start()
        self.edges.set_values(values, self._edge_mode)
        if self._edge_labels and self._show_weights:
            texts = self._edge_label_override or {}
            for k, item in self._edge_labels.items():
                text = texts.get(k)
                item.set_text(format_number(values[k]) if text is None else text)
                item.setVisible(text != "")

    def _restyle_biases(self) -> None:
        override = self._bias_override
        per_layer = override if override is not None else self.session.network.biases
        if not self._items_current() or \
                [len(b) for b in per_layer] != [len(column) for column in self._bias_labels]:
            return  # labels of another architecture (an edit is being told); rebuilt soon
        hidden = self._hidden_bias if override is not None else None
        for l, (column, biases) in enumerate(zip(self._bias_labels, per_layer), start=1):
            for j, item in enumerate(column):
                value = "?" if hidden == (l, j) else format_number(biases[j])
                item.set_text("b = " + value)
        self._bias_batch.update()
        self._show_detail()

    def _forward_activations(self):
        """a⁽⁰⁾ … a⁽ᴸ⁾ of the current sample from the engine, or None if the data do
        not fit the network (e.g. mid-way through an edit)."""
        try:
            records = self.session.forward_sample()
            x, y = self.session.sample()
        except (ValueError, IndexError):
            return None, None
        return [x[0]] + [r.a[0] for r in records], y[0]

    def _restyle_neurons(self) -> None:
        if not self._items_current():
            return
        activations, target = self._forward_activations()
        override = self._neuron_override
        for l, column in enumerate(self._neurons):
            texts = override[l] if override is not None and l < len(override) else None
            for j, item in enumerate(column):
                if texts is not None:
                    value = texts[j]
                    item.set_text(value if isinstance(value, str) else format_number(value))
                elif activations is None or j >= len(activations[l]):
                    item.set_text("?")
                else:
                    item.set_text(format_number(activations[l][j]))
        n_out = len(self._output_labels)
        for j, item in enumerate(self._output_labels):
            if self._output_override is not None:
                item.set_text(self._output_override[j])
                continue
            suffix = "" if n_out == 1 else subscript(j + 1)
            if activations is None:
                item.set_text(f"ŷ{suffix} = ?\ny{suffix} = ?")
                continue
            y_hat = format_number(activations[-1][j])
            y = format_number(target[j]) if target is not None and j < len(target) else "?"
            item.set_text(f"ŷ{suffix} = {y_hat}\ny{suffix} = {y}")
        # long numbers take a smaller font: which are readable depends on the texts
        self._apply_level_of_detail()
        if not self._user_zoomed and self._output_labels:
            # a prediction grown long (−5.846×10⁴) reaches past the view's edge: fit again
            shown = self.mapToScene(self.viewport().rect()).boundingRect()
            if any(not shown.contains(item.sceneBoundingRect())
                   for item in self._output_labels if item.isVisible()):
                self.zoom_fit()

    def _on_settled(self) -> None:
        self.edges.fast = False
        self.edges.update()

    # -- session signals -----------------------------------------------------------

    def _on_structure_changed(self) -> None:
        self._edge_override = None
        self._neuron_override = None
        self._output_override = None
        self._bias_override = None
        self._edge_label_override = None
        self._highlighted_layer = None
        self._edge_mode = "weight"
        self._update_legend()
        self._rebuild()

    def _on_parameters_changed(self) -> None:
        self._restyle()

    def _on_sample_changed(self, _index: int) -> None:
        self._restyle_neurons()

    def _on_data_changed(self) -> None:
        if len(self._input_captions) == self.session.network.layers[0]:
            self._caption_inputs()
        self._restyle_neurons()

    # =========================================================================
    # public hooks (animation, menus)
    # =========================================================================

    def set_show_weights(self, show: bool) -> None:
        """Weight labels on the edges (View ▸ Show weights); only small networks have them."""
        self._show_weights = bool(show)
        for item in self._edge_labels.values():
            item.setVisible(self._show_weights)
        if self._show_weights:
            self._restyle_edges()

    @property
    def show_weights(self) -> bool:
        return self._show_weights

    @property
    def has_weight_labels(self) -> bool:
        return bool(self._edge_labels)

    def set_edge_values(self, values_per_layer=None, mode: str = "weight") -> None:
        """Colour, width and labels of the edges from ``values_per_layer`` (one array
        of shape (n_l, n_{l-1}) per layer l = 1..L, like ``network.weights``) instead
        of the current weights.  ``mode`` "weight": width ∝ |value|; "gradient": width
        ∝ log |value| over 4 decades so small gradients stay visible.  None goes back
        to the current weights."""
        if mode not in ("weight", "gradient"):
            raise ValueError(f"unknown edge mode {mode!r}")
        if values_per_layer is None:
            self._edge_override = None
            mode = "weight"
        else:
            self._edge_override = np.concatenate(
                [np.asarray(v, dtype=float).ravel() for v in values_per_layer])
        if mode != self._edge_mode:
            self._edge_mode = mode
            self._update_legend()
        self._restyle_edges()

    def set_neuron_texts(self, texts_per_layer=None) -> None:
        """Text inside the neurons: one entry per layer 0..L, each None (automatic: the
        forward pass of the current sample) or a sequence of numbers (formatted like
        the canvas) or strings (shown as given, "" for blank).  None: all automatic."""
        self._neuron_override = None if texts_per_layer is None else list(texts_per_layer)
        self._restyle_neurons()

    def set_output_texts(self, texts=None) -> None:
        """Text right of each output neuron (default "ŷ = …\\ny = …"); None: automatic."""
        self._output_override = None if texts is None else [str(t) for t in texts]
        self._restyle_neurons()

    def set_bias_values(self, values_per_layer=None, hidden=None) -> None:
        """Bias labels from ``values_per_layer`` (one array per layer 1..L, like
        ``network.biases``) instead of the current biases, e.g. the biases a replayed
        step used; None: the current biases.  ``hidden``: (layer, j) of a bias whose
        label reads "b = ?" (its value is the number to predict)."""
        self._bias_override = (None if values_per_layer is None
                               else [np.asarray(b, dtype=float) for b in values_per_layer])
        self._hidden_bias = None if values_per_layer is None else hidden
        self._restyle_biases()

    def set_edge_label_texts(self, texts_per_layer=None) -> None:
        """Edge-label texts: per layer 1..L None (the value shown) or an (n_l, n_{l-1})
        nested sequence of strings ("" hides the label, e.g. a gradient not computed
        yet).  None: all automatic.  Applied at the next ``set_edge_values``."""
        if texts_per_layer is None:
            self._edge_label_override = None
            return
        texts = {}
        for l, layer_texts in enumerate(texts_per_layer, start=1):
            if layer_texts is None:
                continue
            for j, row in enumerate(layer_texts):
                for i, text in enumerate(row):
                    index = self._edge_index(l, j, i)
                    if index in self._edge_labels:
                        texts[index] = str(text)
        self._edge_label_override = texts

    def highlight_layer(self, layer: int | None, dim_other_edges: bool = True) -> None:
        """A pale band behind layer ``layer`` (0..L) and, for l ≥ 1, its incoming edges
        W⁽ˡ⁾ in full colour with the other edges dimmed.  None clears."""
        self._highlighted_layer = layer
        for l, band in enumerate(self._bands):
            band.setVisible(l == layer)
        dim = layer if (dim_other_edges and layer is not None and layer >= 1) else None
        self.edges.set_dimmed_except(dim)

    def clear_overrides(self) -> None:
        """Back to the automatic display: current weights, forward pass, no highlight."""
        self._edge_override = None
        self._neuron_override = None
        self._output_override = None
        self._bias_override = None
        self._edge_label_override = None
        self._edge_mode = "weight"
        self._update_legend()
        self.highlight_layer(None)
        self._restyle()

    def set_font_scale(self, scale: float) -> None:
        """All canvas text × ``scale`` (View ▸ Larger/Smaller text); neurons grow with it."""
        scale = float(min(3.0, max(0.5, scale)))
        if scale == self._font_scale:
            return
        self._font_scale = scale
        self._close_editor()
        self._apply_layout()
        self._restyle()
        self._update_legend()
        if not self._user_zoomed:
            self.zoom_fit()

    @property
    def font_scale(self) -> float:
        return self._font_scale

    # -- what is shown (for tests, accessibility and other views) --------------------

    def neuron_text(self, layer: int, j: int) -> str:
        return self._neurons[layer][j].text()

    def bias_text(self, layer: int, j: int) -> str:
        return self._bias_labels[layer - 1][j].text()

    def edge_label_text(self, layer: int, j: int, i: int) -> str | None:
        item = self._edge_labels.get(self._edge_index(layer, j, i))
        return item.text() if item is not None and item.isVisible() else None

    def output_text(self, j: int) -> str:
        return self._output_labels[j].text()

    def neuron_item(self, layer: int, j: int) -> NeuronItem:
        return self._neurons[layer][j]

    def bias_item(self, layer: int, j: int) -> LabelItem:
        return self._bias_labels[layer - 1][j]

    def edge_label_item(self, layer: int, j: int, i: int) -> LabelItem | None:
        return self._edge_labels.get(self._edge_index(layer, j, i))

    def edge_midpoint(self, layer: int, j: int, i: int) -> QPointF:
        """Scene point halfway along the edge W⁽ˡ⁾[j, i]."""
        x0, y0, x1, y1 = self.edges.segment(self._edge_index(layer, j, i))
        return QPointF((x0 + x1) / 2, (y0 + y1) / 2)

    def edge_point(self, layer: int, j: int, i: int, t: float) -> QPointF:
        x0, y0, x1, y1 = self.edges.segment(self._edge_index(layer, j, i))
        return QPointF(x0 + t * (x1 - x0), y0 + t * (y1 - y0))

    @property
    def editor(self) -> InPlaceEditor | None:
        """The in-place editor while one is open."""
        return self._editor

    # =========================================================================
    # selection
    # =========================================================================

    def _edge_index(self, layer: int, j: int, i: int) -> int:
        return int(self._edge_offsets[layer] + j * self._layers[layer - 1] + i)

    def _edge_key(self, index: int) -> tuple:
        layer = int(self._edge_layers[index])
        rest = index - self._edge_offsets[layer]
        j, i = divmod(rest, self._layers[layer - 1])
        return ("weight", layer, int(j), int(i))

    def _valid(self, selection) -> bool:
        kind, layer, *rest = selection
        layers = self._layers
        if kind == "neuron":
            return 0 <= layer < len(layers) and 0 <= rest[0] < layers[layer]
        if not 1 <= layer < len(layers) or not 0 <= rest[0] < layers[layer]:
            return False
        return kind == "bias" or 0 <= rest[1] < layers[layer - 1]

    @property
    def selection(self):
        return self._selection

    def select(self, selection) -> None:
        """Select ("weight", l, j, i), ("bias", l, j), ("neuron", l, j) or None."""
        selection = normalize_selection(selection)
        if selection is not None and not self._valid(selection):
            raise ValueError(f"{selection!r} is not in this network")
        if selection == self._selection:
            return
        self._set_highlight(self._selection, False)
        self._selection = selection
        self._set_highlight(selection, True)
        self._show_detail()
        self.selection_changed.emit(selection)

    def _set_highlight(self, selection, on: bool) -> None:
        if selection is None:
            return
        kind, layer, j, *rest = selection
        if kind == "weight":
            index = self._edge_index(layer, j, rest[0])
            self.edges.set_selected(index if on else None)
            label = self._edge_labels.get(index)
            if label is not None:
                label.set_selected(on)
        elif kind == "bias":
            self._bias_labels[layer - 1][j].set_selected(on)
            self._bias_batch.update()
        else:
            self._neurons[layer][j].set_selected(on)
            self._neuron_batch.update()

    # =========================================================================
    # mouse: pick, select, edit, zoom
    # =========================================================================

    def _pick(self, view_pos):
        """(selection key, item or edge index, edit kind) under a viewport position."""
        scene_pos = self.mapToScene(view_pos)
        # Batched items by geometry, topmost first: bias labels, then neurons.
        for column in self._bias_labels:
            for item in column:
                if item.isVisible() and item.sceneBoundingRect().contains(scene_pos):
                    return item.key, item, item.edit_kind
        x, y = scene_pos.x(), scene_pos.y()
        for l, column in enumerate(self._neurons):
            cx, _ = self._layout.centre(l, 0)
            if abs(x - cx) > self._layout.radius:
                continue
            for j, item in enumerate(column):
                cx, cy = self._layout.centre(l, j)
                if (x - cx) ** 2 + (y - cy) ** 2 <= self._layout.radius ** 2:
                    return item.key, item, item.edit_kind
        for item in self.items(view_pos):
            key = getattr(item, "key", None)
            if key is not None and item.isVisible():
                return key, item, getattr(item, "edit_kind", None)
        tolerance = EDGE_PICK_PIXELS / max(self.transform().m11(), 1e-6)
        index = self.edges.edge_at(scene_pos, tolerance)
        if index is not None:
            return self._edge_key(index), index, "weight"
        return None, None, None

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            key, _, _ = self._pick(event.position().toPoint())
            if key is not None:
                self.select(key)
                event.accept()
                return
            self.select(None)
        super().mousePressEvent(event)  # empty space: ScrollHandDrag pans

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() == Qt.MouseButton.NoButton:
            # A pointing hand over what can be clicked, the open hand (pan) elsewhere.
            key, _, _ = self._pick(event.position().toPoint())
            cursor = (Qt.CursorShape.PointingHandCursor if key is not None
                      else Qt.CursorShape.OpenHandCursor)
            if self.viewport().cursor().shape() != cursor:
                self.viewport().setCursor(cursor)
        super().mouseMoveEvent(event)

    def _heading_at(self, view_pos) -> int | None:
        """The layer (1..L) whose title is under a viewport position."""
        scene_pos = self.mapToScene(view_pos)
        for l, item in enumerate(self._headings):
            if l >= 1 and item.sceneBoundingRect().contains(scene_pos):
                return l
        return None

    def _layer_near(self, view_pos) -> int:
        """The layer (1..L) whose column is nearest to a viewport position."""
        x = self.mapToScene(view_pos).x()
        columns = [abs(self._layout.centre(l, 0)[0] - x) for l in range(1, len(self._layers))]
        return 1 + int(np.argmin(columns)) if columns else 1

    def focus_action_text(self, layer: int) -> str:
        """The context menu's entry for the engine's layer ``layer``, numbered as the
        scenario numbers layers (the lecture's: one higher)."""
        shown = self.session.scenario.numbering.layer(layer)
        return f"Focus on layer {shown}: its vectors and matrices"

    def contextMenuEvent(self, event) -> None:  # noqa: N802 (Qt override)
        if len(self._layers) < 2 or self._layout is None:
            return super().contextMenuEvent(event)
        layer = self._layer_near(event.pos())
        menu = QMenu(self)
        action = menu.addAction(self.focus_action_text(layer))
        action.setObjectName("focus_layer_here")
        action.triggered.connect(lambda: self.layer_focus_requested.emit(layer))
        menu.addAction("Fit to window", self.zoom_fit)
        menu.exec(event.globalPos())

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mouseDoubleClickEvent(event)
        heading = self._heading_at(event.position().toPoint())
        if heading is not None:
            event.accept()
            self.layer_focus_requested.emit(heading)
            return
        key, target, edit_kind = self._pick(event.position().toPoint())
        if key is None:
            return super().mouseDoubleClickEvent(event)
        self.select(key)
        event.accept()
        if edit_kind == "weight":
            self.edit_weight(*key[1:])
        elif edit_kind == "bias":
            self.edit_bias(*key[1:])
        elif edit_kind == "input":
            self.edit_input(key[2])
        elif edit_kind == "target":
            self.edit_target(key[2])
        elif edit_kind == "neuron_bias":
            self.edit_bias(*key[1:])

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self._zoom(1.2 ** steps, QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        event.accept()

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key == Qt.Key.Key_Minus:
            self.zoom_out()
        elif key == Qt.Key.Key_Escape:
            self.select(None)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2) and self._selection:
            kind, layer, j, *rest = self._selection
            if kind == "weight":
                self.edit_weight(layer, j, rest[0])
            elif kind == "bias" or (kind == "neuron" and layer > 0):
                self.edit_bias(layer, j)
            else:
                self.edit_input(j)
        else:
            super().keyPressEvent(event)

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def tooltip_at(self, view_pos) -> str:
        """The hover text at a viewport position: what is there, and its number when
        the canvas is too small to draw it ("" over empty space)."""
        key, _, edit_kind = self._pick(view_pos)
        if key is None:
            return ""
        text = self.describe(key, edit_kind)
        if not self.number_shown(key):
            text += "\n" + self.number_words(key)
        return text

    def describe(self, key, edit_kind=None) -> str:
        """A sentence about a selectable thing, for tooltips."""
        net = self.session.network
        kind, layer, j, *rest = key
        numbering = self.session.scenario.numbering
        if kind == "weight":
            i = rest[0]
            w = net.weights[layer - 1][j, i]
            source = (f"input {shown_index(i)} (x{subscript(shown_index(i))})" if layer == 1
                      else neuron_words(layer - 1, i, numbering))
            return (f"{weight_name(layer, j, i)} = {format_number(w)}: from {source} to "
                    f"{neuron_words(layer, j, numbering)}. Double-click to edit.")
        if kind == "bias" or edit_kind == "neuron_bias":
            b = net.biases[layer - 1][j]
            return (f"{neuron_words(layer, j, numbering).capitalize()}: bias "
                    f"{bias_name(layer, j)} = {format_number(b)}. Double-click to edit the bias.")
        if edit_kind == "target":
            return (f"Output {shown_index(j)}: prediction ŷ and target y. Double-click to "
                    "edit the target y.")
        if layer == 0:
            return (f"Input {shown_index(j)}: x{subscript(shown_index(j))} of the current "
                    "sample. Double-click to edit it.")
        return (f"{neuron_words(layer, j, numbering).capitalize()}: its activation "
                f"a{layer_superscript(numbering.layer(layer))}[{shown_index(j)}].")

    # -- level of detail: numbers too small to read are not drawn ------------------------

    def _number_items(self):
        """(key, item, font pixel size as drawn) of every number on the canvas."""
        for column in self._neurons:
            for item in column:
                yield item.key, item, item.text_font.pixelSize()
        for column in self._bias_labels:
            for item in column:
                yield item.key, item, item.font.pixelSize()
        for item in self._edge_labels.values():
            yield item.key, item, item.font.pixelSize()
        for item in self._output_labels:
            yield ("output", *item.key[1:]), item, item.font.pixelSize()

    def _apply_level_of_detail(self) -> None:
        """Draw a number only where it is readable at the current zoom and text size
        (style.LEGIBLE_TEXT_PX); the selection's number is then shown beside it."""
        if not hasattr(self, "_neurons"):
            return
        scale = self.transform().m11()
        for _, item, pixels in self._number_items():
            item.text_shown = style.legible(pixels, scale, self._font_scale)
        biases = [item for column in self._bias_labels for item in column]
        self._backdrop.boxes_shown = all(item.text_shown for item in biases)
        for batch in (self._neuron_batch, self._bias_batch, self._backdrop):
            batch.update()
        for item in (*self._edge_labels.values(), *self._output_labels):
            item.update()
        self._show_detail()

    def _number_item(self, key):
        kind, layer, j, *rest = key
        if kind == "weight":
            return self._edge_labels.get(self._edge_index(layer, j, rest[0]))
        if kind == "bias":
            return self._bias_labels[layer - 1][j]
        return self._neurons[layer][j]

    def number_shown(self, key) -> bool:
        """Whether the number of a selectable thing is drawn on the canvas (large enough
        to read; a weight of a big network has no label at all)."""
        item = self._number_item(key)
        return item is not None and item.text_shown and item.isVisible()

    def number_words(self, key) -> str:
        """The number of a selectable thing in words, as the canvas would draw it:
        "a⁽²⁾₃ = 0.4821", "b⁽¹⁾₂ = −0.1", "w⁽²⁾₁,₄ = 0.31"."""
        kind, layer, j, *rest = key
        s = layer_superscript(layer)
        if kind == "weight":
            i = rest[0]
            value = self._edge_values()[self._edge_index(layer, j, i)]
            name = "∂J/∂w" if self._edge_mode == "gradient" else "w"
            return f"{name}{s}{subscript(f'{_shown(j)},{_shown(i)}')} = {format_number(value)}"
        if kind == "bias":
            return f"b{s}{subscript(_shown(j))} = " + \
                self._bias_labels[layer - 1][j].text().removeprefix("b = ")
        text = self._neurons[layer][j].text()
        # a carries the neuron layer's number (one higher in the lecture's numbering)
        a_s = layer_superscript(self.session.scenario.numbering.layer(layer))
        symbol = f"x{subscript(_shown(j))}" if layer == 0 else f"a{a_s}{subscript(_shown(j))}"
        return f"{symbol} = {text}" if text else symbol
        
    @property
    def detail_text(self) -> str:
        """The selection's number shown beside it ("" when the canvas draws it)."""
        return self._detail.text() if self._detail.isVisible() else ""

    def drawn_numbers(self) -> list[tuple[tuple, str, float]]:
        """(key, text, font size in pixels on screen) of every number the canvas draws."""
        scale = self.transform().m11()
        return [(key, item.text(), pixels * scale) for key, item, pixels in self._number_items()
                if item.text_shown and item.isVisible() and item.text()]

    def _show_detail(self) -> None:
        key = self._selection
        if key is None or not hasattr(self, "_neurons") or not self._valid(key) \
                or self.number_shown(key):
            self._detail.hide()
            return
        font = QFont(self.font())
        font.setPixelSize(round(geo.LABEL_FONT_PX * max(1.0, self._font_scale)))
        self._detail.setFont(font)
        self._detail.setText(self.number_words(key))
        self._detail.adjustSize()
        self._detail.show()
        self._place_detail()

    def _place_detail(self) -> None:
        key = self._selection
        # called from Qt (scrollContentsBy) also while the scene is being rebuilt: only
        # a selection the laid-out network has is placed (an error raised here, inside
        # a Qt override, ends the process)
        if not self._detail.isVisible() or key is None or self._layout is None \
                or not hasattr(self, "_neurons") or not self._valid(key):
            self._detail.hide()
            return
        kind, layer, j, *rest = key
        if kind == "weight":
            anchor = self.edge_midpoint(layer, j, rest[0])
        elif kind == "bias":
            anchor = self._bias_labels[layer - 1][j].scenePos()
        else:
            anchor = self._neurons[layer][j].scenePos()
        point = self.mapFromScene(anchor)
        gap = max(6, round(self._layout.radius * self.transform().m11())) + 4
        viewport = self.viewport().rect()
        x = min(point.x() + gap, viewport.width() - self._detail.width() - 4)
        y = min(max(4, point.y() - self._detail.height() // 2),
                viewport.height() - self._detail.height() - 4)
        self._detail.move(max(4, x), y)
        self._detail.raise_()

    # -- zoom ------------------------------------------------------------------------

    def _content_rect(self) -> QRectF:
        """The drawing's own items (not bands or animation overlays), with a margin."""
        items = [self.edges, self._backdrop, *self._headings, *self._input_captions,
                 *self._output_labels, *self._edge_labels.values()]
        items += [item for column in self._neurons for item in column]
        items += [item for column in self._bias_labels for item in column]
        rect = QRectF()
        for item in items:
            if item.isVisible():
                rect = rect.united(item.sceneBoundingRect())
        return rect.adjusted(-16, -16, 16, 16)

    def zoom_fit(self) -> None:
        """Fit the whole network in the view (and follow resizes until the user zooms)."""
        rect = self._content_rect()
        viewport = self.viewport().rect()
        if rect.isEmpty() or viewport.width() < 2:
            return
        # Fit into the part of the window above the legend, so it never covers neurons.
        legend = self._legend.height() + 8 if self._legend.isVisible() else 0
        width, height = viewport.width() - 4, viewport.height() - 4 - legend
        scale = min(width / rect.width(), max(height, 10) / rect.height(), MAX_FIT_SCALE)
        self.setTransform(QTransform.fromScale(scale, scale))
        centre = rect.center()
        self.centerOn(centre.x(), centre.y() + legend / 2 / scale)
        self._user_zoomed = False
        self._apply_level_of_detail()
        self._position_editor()

    def zoom_in(self) -> None:
        self._zoom(1.25, QGraphicsView.ViewportAnchor.AnchorViewCenter)

    def zoom_out(self) -> None:
        self._zoom(1 / 1.25, QGraphicsView.ViewportAnchor.AnchorViewCenter)

    def _zoom(self, factor: float, anchor) -> None:
        current = self.transform().m11()
        factor = min(MAX_SCALE / current, max(MIN_SCALE / current, factor))
        previous = self.transformationAnchor()
        self.setTransformationAnchor(anchor)
        self.scale(factor, factor)
        self.setTransformationAnchor(previous)
        self._user_zoomed = True
        self._apply_level_of_detail()
        self._position_editor()

    @property
    def user_zoomed(self) -> bool:
        return self._user_zoomed

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self._user_zoomed:
            self.zoom_fit()
        self._place_legend()
        self._position_editor()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._user_zoomed:
            self.zoom_fit()
        self._place_legend()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self._position_editor()
        self._place_detail()

    # -- legend ------------------------------------------------------------------------

    def _update_legend(self) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(9.0, 11.0 * self._font_scale))
        self._legend.setFont(font)
        if self._edge_mode == "gradient":
            what, thickness = "gradient ∂J/∂w", "thickness = log |∂J/∂w|"
        else:
            what, thickness = "weight", "thickness = |w|"
        bar = "<span style='color:{};font-weight:bold'>━━</span>"
        # wrapped on a narrow canvas: the line breaks before "thickness", never inside
        # "|w|" or between a colour and its word
        thickness = thickness.replace(" ", "&nbsp;")
        what = what.replace(" ", "&nbsp;")
        self._legend.setText(
            f"{bar.format(style.POSITIVE.name())}&nbsp;blue&nbsp;=&nbsp;positive&nbsp;{what}, "
            f"{bar.format(style.NEGATIVE.name())}&nbsp;orange&nbsp;=&nbsp;negative; {thickness}")
        self._legend.setToolTip(LEGEND_TEXT[self._edge_mode])
        self._legend.adjustSize()
        self._place_legend()

    def _place_legend(self) -> None:
        margin = 8
        viewport = self.viewport().geometry()
        legend = self._legend
        legend.setWordWrap(False)
        legend.adjustSize()
        room = viewport.width() - 2 * margin
        if legend.width() > room > 0:
            # a narrow canvas (1280×720 with the docks open): the legend on two lines
            legend.setWordWrap(True)
            legend.resize(room, legend.heightForWidth(room))
        self._legend.move(viewport.left() + margin,
                          viewport.bottom() - self._legend.height() - margin)
        self._legend.raise_()

    @property
    def legend_text(self) -> str:
        return LEGEND_TEXT[self._edge_mode]

    def set_legend_shown(self, shown: bool) -> None:
        """Show or hide the edge-colour legend: hidden while an overlay (the gradient
        check) gives the edge colours another meaning."""
        self._legend.setVisible(shown)

    # =========================================================================
    # in-place editing
    # =========================================================================

    def _open_editor(self, anchor: QPointF, text: str, what: str, apply) -> InPlaceEditor:
        self._close_editor()
        font = QFont(self.font())
        # As large as the labels look on screen, within readable bounds.
        on_screen = geo.LABEL_FONT_PX * self._font_scale * self.transform().m11()
        font.setPixelSize(round(min(40.0, max(16.0, on_screen))))
        editor = InPlaceEditor(self.viewport(), text, what, font)
        editor.setFixedWidth(int(QFontMetricsF(font).horizontalAdvance("−0.000000") + 30))
        self._editor = editor
        self._editor_anchor = QPointF(anchor)

        def on_committed(value: float) -> None:
            self._close_editor()
            apply(value)

        editor.committed.connect(on_committed)
        editor.cancelled.connect(self._close_editor)
        editor.refused.connect(self.session.message.emit)
        editor.refused.connect(self._show_refusal)
        editor.textEdited.connect(lambda _text: self._notice.hide())
        self._position_editor()
        editor.show()
        editor.setFocus(Qt.FocusReason.OtherFocusReason)
        return editor

    def _position_editor(self) -> None:
        if self._editor is None:
            return
        point = self.mapFromScene(self._editor_anchor)
        size = self._editor.sizeHint()
        self._editor.move(point.x() - self._editor.width() // 2, point.y() - size.height() // 2)
        if self._notice.isVisible():
            self._place_notice()

    def _show_refusal(self, reason: str) -> None:
        self.show_notice(reason, error=True)

    def show_notice(self, text: str, error: bool = False) -> None:
        """A short message on the canvas: under the open editor, else at the top
        (it goes away after a few seconds, or when the user types)."""
        colour, background = ((theme.ERROR, theme.ERROR_BACKGROUND) if error else
                              (theme.INK, theme.NOTICE_BACKGROUND))
        self._notice.setStyleSheet(
            f"QLabel {{ color: {colour}; background: {background}; border: 1px solid "
            f"{colour}; border-radius: 4px; padding: 4px 8px; }}")
        font = QFont(self.font())
        font.setPointSizeF(max(11.0, 11.0 * self._font_scale))
        self._notice.setFont(font)
        self._notice.setText(text)
        self._notice.adjustSize()
        self._place_notice()
        self._notice.show()
        self._notice.raise_()
        self._notice_timer.start()

    @property
    def notice_text(self) -> str:
        """The message shown on the canvas ("" when none)."""
        return self._notice.text() if self._notice.isVisible() else ""

    def _place_notice(self) -> None:
        viewport = self.viewport().rect()
        width = self._notice.width()
        if self._editor is not None:
            x = self._editor.x() + self._editor.width() // 2 - width // 2
            y = self._editor.y() + self._editor.height() + 4
        else:
            x, y = viewport.width() // 2 - width // 2, 8
        x = max(4, min(x, viewport.width() - width - 4))
        self._notice.move(x, y)

    def _close_editor(self) -> None:
        editor, self._editor = self._editor, None
        if editor is None:
            return
        editor.close_editor(cancelled=False)
        editor.hide()
        editor.deleteLater()
        if self._notice.isVisible() and self._notice_timer.isActive():
            self._notice.hide()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def edit_weight(self, layer: int, j: int, i: int) -> InPlaceEditor:
        """Type W⁽ˡ⁾[j, i] in place; Enter pushes a SetWeightCommand."""
        index = self._edge_index(layer, j, i)
        label = self._edge_labels.get(index)
        anchor = label.scenePos() if label is not None and label.isVisible() \
            else self.edge_midpoint(layer, j, i)
        value = self.session.network.weights[layer - 1][j, i]
        return self._open_editor(
            anchor, format_exact(value), weight_name(layer, j, i),
            lambda v: self.session.undo_stack.push(
                commands.SetWeightCommand(self.session, layer, j, i, v)))

    def edit_bias(self, layer: int, j: int) -> InPlaceEditor:
        """Type b⁽ˡ⁾[j] in place; Enter pushes a SetBiasCommand."""
        label = self._bias_labels[layer - 1][j]
        value = self.session.network.biases[layer - 1][j]
        return self._open_editor(
            label.scenePos(), format_exact(value), bias_name(layer, j),
            lambda v: self.session.undo_stack.push(
                commands.SetBiasCommand(self.session, layer, j, v)))

    def _literal_samples(self, what: str):
        data = self.session.data
        if data.samples is None:
            message = (f"Generated data is not editable ({data.generator}): change the "
                       f"generator in the Data dock to get other {what}.")
            self.session.message.emit(message)
            self.show_notice(message)
            return None
        return [list(map(list, sample)) for sample in data.samples]

    def edit_input(self, j: int) -> InPlaceEditor | None:
        """Type input x_j of the current sample; Enter pushes a SetDataCommand.
        Only literal samples can be edited (generated data: a message)."""
        samples = self._literal_samples("inputs")
        if samples is None:
            return None
        index = self.session.current_sample
        value = samples[index][0][j]

        def apply(v: float) -> None:
            new = [list(map(list, s)) for s in samples]
            new[index][0][j] = v
            self.session.undo_stack.push(commands.SetDataCommand(
                self.session, DataSpec.from_samples(new, self.session.data.features,
                                                   self.session.data.test_fraction,
                                                   self.session.data.seed),
                f"Set sample {index + 1} x{subscript(j + 1)} = {format_exact(v)}"))

        return self._open_editor(self._neurons[0][j].scenePos(), format_exact(value),
                                 f"x{subscript(j + 1)} of sample {index + 1}", apply)

    def edit_target(self, j: int) -> InPlaceEditor | None:
        """Type target y_j of the current sample (literal samples with one target per
        output neuron; class labels are edited in the Data dock)."""
        samples = self._literal_samples("targets")
        if samples is None:
            return None
        index = self.session.current_sample
        if len(samples[index][1]) != self._layers[-1]:
            self.session.message.emit(
                "The targets are class labels: edit them in the Data dock.")
            return None
        value = samples[index][1][j]

        def apply(v: float) -> None:
            new = [list(map(list, s)) for s in samples]
            new[index][1][j] = v
            self.session.undo_stack.push(commands.SetDataCommand(
                self.session, DataSpec.from_samples(new, self.session.data.features,
                                                   self.session.data.test_fraction,
                                                   self.session.data.seed),
                f"Set sample {index + 1} y{subscript(j + 1)} = {format_exact(v)}"))

        item = self._output_labels[j]
        anchor = item.scenePos() + QPointF(item.text_rect().width() / 2, 0)
        return self._open_editor(anchor, format_exact(value),
                                 f"y{subscript(j + 1)} of sample {index + 1}",
                                 apply)

    # =========================================================================
    # export
    # =========================================================================

    def _render_export(self, painter: QPainter, source: QRectF, size: QSize,
                       legend_height: float) -> None:
        painter.setRenderHints(QPainter.RenderHint.Antialiasing
                               | QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(QRectF(0, 0, size.width(), size.height()), QColor(theme.PAPER))
        scale = size.width() / source.width()
        target = QRectF(0, 0, size.width(), source.height() * scale)
        selection, fast = self._selection, self.edges.fast
        self._set_highlight(selection, False)  # exports show the network, not the cursor
        self.edges.fast = False
        BackdropItem.use_sprites = False
        try:
            self._scene.render(painter, target, source)
        finally:
            BackdropItem.use_sprites = True
            self._set_highlight(selection, True)
            self.edges.fast = fast
        # The legend under the drawing, in the same words as on screen.
        what = "weight" if self._edge_mode == "weight" else "gradient"
        parts = ((style.POSITIVE, f"blue = positive {what}, "),
                 (style.NEGATIVE, "orange = negative; "),
                 (None, "thickness = |w|" if what == "weight" else "thickness = log |∂J/∂w|"))
        font = self._font("side")
        pixels = font.pixelSize() * scale
        font.setPixelSize(max(6, round(pixels)))
        metrics = QFontMetricsF(font)
        # Shrink the legend to the drawing's width (a 1-1 network is narrow).
        swatch, gap = 26 * scale, 6 * scale
        width = sum(metrics.horizontalAdvance(words) + (swatch + gap if colour else 0)
                    for colour, words in parts)
        room = size.width() - 32 * scale
        if width > room:
            font.setPixelSize(max(6, int(pixels * room / width)))
            shrink = font.pixelSize() / pixels
            swatch, gap = swatch * shrink, gap * shrink
            metrics = QFontMetricsF(font)
        painter.setFont(font)
        y = target.bottom() + legend_height / 2
        x = 16 * scale
        for colour, words in parts:
            if colour is not None:
                painter.setPen(QPen(colour, max(2.0, swatch / 5)))
                painter.drawLine(QPointF(x, y), QPointF(x + swatch, y))
                x += swatch + gap
            painter.setPen(style.INK)
            painter.drawText(QPointF(x, y + metrics.ascent() / 2 - 1), words)
            x += metrics.horizontalAdvance(words)

    def _export_geometry(self, scale: float):
        source = self._content_rect()
        boost = self._layout.side_text_boost if self._layout is not None else 1.0
        legend_height = geo.SIDE_FONT_PX * boost * self._font_scale * 2.2
        size = QSize(max(1, round(source.width() * scale)),
                     max(1, round((source.height() + legend_height) * scale)))
        return source, legend_height * scale, size

    def export_png(self, path, scale: float = 2.0) -> bool:
        """The drawing as a PNG on white, cropped to the network, ×``scale`` pixels
        (at most 4000 pixels wide or high: big networks are drawn large)."""
        rect = self._content_rect()
        scale = min(scale, 4000.0 / max(rect.width(), rect.height(), 1.0))
        source, legend_height, size = self._export_geometry(scale)
        image = QImage(size, QImage.Format.Format_ARGB32)
        image.fill(QColor(theme.PAPER))
        painter = QPainter(image)
        try:
            self._render_export(painter, source, size, legend_height)
        finally:
            painter.end()
        return image.save(str(Path(path)), "PNG")

    def export_svg(self, path) -> bool:
        """The drawing as an SVG (vector; QtSvg's QSvgGenerator)."""
        from PySide6.QtSvg import QSvgGenerator  # only needed when exporting

        source, legend_height, size = self._export_geometry(1.0)
        generator = QSvgGenerator()
        generator.setFileName(str(Path(path)))
        generator.setSize(size)
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        generator.setTitle("bpsim network")
        generator.setDescription(self.legend_text)
        painter = QPainter()
        if not painter.begin(generator):
            return False
        try:
            self._render_export(painter, source, size, legend_height)
        finally:
            painter.end()
        return Path(path).exists() and Path(path).stat().st_size > 0
