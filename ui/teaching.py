"""The teaching tools in the main window: ``install_teaching(window)``.

- the Math dock (right, View ▸ Docks ▸ Math): the chain rule of the canvas selection
  with numbers; its font follows View ▸ Larger/Smaller text;
- the selected weight's path to the loss highlighted on the canvas (its edges with a
  halo and the neurons on it ringed, everything else dimmed);
- Tools ▸ Gradient check…: the dialog, double-click a row to select that parameter on
  the canvas, and the canvas coloured by each parameter's relative error (with a
  legend) until the dialog closes or the weights change;
- File ▸ Export worked example…: the handout of the step the Math dock shows
  (Markdown with LaTeX or self-contained HTML, by the file's suffix);
- View ▸ Presentation (F5, Esc leaves): see :mod:`bpsim.ui.presentation_mode`;
- Help ▸ Lessons (F1): the guided lessons panel, see :mod:`bpsim.ui.lessons`.

File dialogs go through ``ask_worked_example_path`` and messages through the window's
``_warn``, so tests replace them.  Sets ``window.teaching`` (this object) and
``window.math_dock``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shiboken6
from PySide6.QtCore import QEvent, QLineF, QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QDockWidget, QFileDialog, QGraphicsItem, QLabel, QMenu

from .canvas import style
from .presentation_mode import PresentationMode

# The Math dock (bpsim.chain_rule, bpsim.explain), the gradient check and the lessons
# are imported when first used: after the window's first paint, not before it.

WORKED_EXAMPLE_FILTER = ("HTML, opens in any browser offline (*.html);;"
                         "Markdown with LaTeX math (*.md)")
#: how much the rest of the drawing fades behind a highlighted path (0 = not at all)
DIM_STRENGTH = 0.72
#: the path's halo (the canvas's selection yellow) and ring around its neurons
PATH_HALO = QColor(style.SELECTION)
PATH_RING = QColor("#111111")
#: relative-error classes of the gradient-check overlay: (upper bound, colour, words).
#: Blue = agrees, orange = wrong (the palette's two ends), light tones between; the
#: third bound is bpsim.gradcheck.TOLERANCE (a test checks they agree).
ERROR_CLASSES = (
    (1e-9, QColor("#2166ac"), "≤ 1e−9"),
    (1e-7, QColor("#92c5de"), "≤ 1e−7"),
    (1e-5, QColor("#fdb863"), "≤ 1e−5"),
    (float("inf"), QColor("#e66101"), "above: wrong"),
)
KINK_COLOUR = QColor("#9a9a9a")
OVERLAY_EDGE_WIDTH = 6.0
#: the Math dock's minimum height (its formulas scroll below that)
MATH_MIN_HEIGHT = 60
#: the Lessons panel's share of the window's width when it first opens
LESSONS_SHARE = 0.26


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


# ---------------------------------------------------------------------------------------
# What the teaching tools draw on the canvas
# ---------------------------------------------------------------------------------------


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
    ``show(None)`` clears.  Used when the canvas has no ``highlight_path`` of its own."""

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
            "QLabel { background: rgba(255,255,255,235); border: 1px solid #8c959f;"
            " border-radius: 4px; padding: 4px 8px; color: #000000; }")
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
        from .dialogs.gradcheck import format_error, parameter_name

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

    def _weight_legend(self) -> QLabel | None:
        return self.canvas.findChild(QLabel, "canvas_legend")

    def _place_legend(self) -> None:
        # where the canvas's weight legend is: while the check is shown, the edge
        # colours mean relative errors, not weights
        self.legend.adjustSize()
        viewport = self.canvas.viewport().geometry()
        margin = 8
        self.legend.move(viewport.left() + margin,
                         viewport.bottom() - self.legend.height() - margin)
        weights = self._weight_legend()
        if weights is not None and self.legend.isVisible():
            weights.hide()

    def clear(self) -> None:
        self.result = None
        self._drawing.remove()
        if self.legend.isVisible():
            self.legend.hide()
            weights = self._weight_legend()
            if weights is not None:
                weights.show()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Resize and self.legend.isVisible():
            self._place_legend()
        return False


# ---------------------------------------------------------------------------------------
# The window's teaching tools
# ---------------------------------------------------------------------------------------


def install_teaching(window) -> "TeachingTools":
    """The teaching tools in ``window`` (a MainWindow, with its canvas, docks, menus and,
    if installed first, the animation).  Returns them; also ``window.teaching``.

    The menus and keys are there at once; the Math and Lessons docks are made right
    after the window's first paint (the Math dock starts behind the Training tab and
    the Lessons panel hidden, so the first frame does not wait for them), or earlier
    when something asks for them (``tools.math_dock``, ``tools.lesson_panel``)."""
    tools = TeachingTools(window)
    window.teaching = tools
    return tools


class TeachingTools(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = session = window.session
        self.canvas = canvas = window.canvas
        self.gradcheck_dialog = None
        self._math_dock = None
        self._lesson_panel = None
        self._lessons_placed = False
        #: the scenario the lesson offers were last decided for
        self._scenario = session.scenario

        self.path_highlight = PathHighlight(canvas)
        self.gradcheck_overlay = GradcheckOverlay(canvas)
        canvas.selection_changed.connect(self._on_selection_changed)
        session.parameters_changed.connect(self._on_parameters_changed)
        session.structure_changed.connect(self._on_structure_changed)
        for signal in (session.data_changed, session.training_changed):
            signal.connect(self._on_check_inputs_changed)

        self._create_actions()
        self._create_menus()
        self.presentation = PresentationMode(window, lambda: self.math_dock, self.set_text_scale)
        self.presentation.toggled.connect(self._on_presentation_toggled)
        for name in ("larger_text", "smaller_text"):
            self._window_action(name, lambda a: a.triggered.connect(self._follow_text_scale))
        self.gradcheck_overlay.set_font_scale(self._text_scale())
        window.installEventFilter(self)

    # -- the docks, made after the first paint ---------------------------------------------

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if watched is self.window and event.type() == QEvent.Type.Paint \
                and self._math_dock is None:
            # runs once the first frame is on screen (before the plots load)
            QTimer.singleShot(0, self, self.create_docks)
        return False

    @property
    def math_dock(self):
        """The Math dock (a :class:`bpsim.ui.docks.math.MathDock`), made on first use."""
        if self._math_dock is None:
            self.create_docks()
        return self._math_dock

    @property
    def lesson_panel(self):
        """The Lessons panel (a :class:`bpsim.ui.lessons.LessonPanel`), made on first use."""
        if self._lesson_panel is None:
            self.create_docks()
        return self._lesson_panel

    def create_docks(self) -> None:
        """Make the Math dock and the Lessons panel and put them where the last window
        had them (saveState), else beside Training and Data.  Done once."""
        if self._math_dock is not None:
            return
        from .lessons import LessonPanel
        from .docks.math import MathDock

        window, session, canvas = self.window, self.session, self.canvas
        self.window.removeEventFilter(self)
        dock = MathDock(session, canvas, window)
        self._math_dock = dock
        window.math_dock = dock
        # the formulas are read-only: clicking them must not take the keyboard away from
        # the transport keys (→, Space), which a focused text field would swallow
        dock.browser.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        dock.path_combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        # it shares a tab group with Training: no taller a minimum than Training's, or
        # the window stops fitting small projector screens (the formulas scroll)
        dock.widget().setMinimumHeight(MATH_MIN_HEIGHT)
        dock.path_changed.connect(self._on_path_changed)
        panel = LessonPanel(window, open_preset=self._open_preset)
        panel.reveal = self.reveal_lessons
        self._lesson_panel = panel
        self._place_docks()
        self._follow_text_scale()
        if canvas.selection is not None:
            dock.show_selection(canvas.selection)

    # -- building -------------------------------------------------------------------------

    def _window_action(self, name: str, use=None):
        try:
            action = self.window.action(name)
        except KeyError:
            return None
        if use is not None:
            use(action)
        return action

    def _register_dock(self, name: str, dock: QDockWidget) -> None:
        """As the window registers its own: View ▸ Docks, ``window.docks[name]``."""
        toggle = dock.toggleViewAction()
        toggle.setObjectName(f"show_{name}_dock")
        toggle.setToolTip(f"Show or hide the {dock.windowTitle()} dock")
        docks = getattr(self.window, "docks", None)
        if isinstance(docks, dict):
            docks[name] = dock
        menu = getattr(self.window, "docks_menu", None)
        if menu is not None:
            menu.addAction(toggle)

    def _place_docks(self) -> None:
        window = self.window
        right = Qt.DockWidgetArea.RightDockWidgetArea
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        docks = getattr(window, "docks", {})
        math, panel = self._math_dock, self._lesson_panel
        persist = getattr(window, "_persist", False)
        # where the last window had them, if it had them (as the plots do)
        if not (persist and window.restoreDockWidget(math)):
            window.addDockWidget(right, math)
            math.show()  # made after the window was shown: not shown by itself
            training = docks.get("training")
            if training is not None and not training.isFloating():
                # under the Inspector, sharing the Training dock's room (a tab each):
                # the formulas need height, which three stacked docks would not leave
                window.tabifyDockWidget(training, math)
                training.raise_()  # the settings first; a selection brings Math forward
        self._register_dock("math", math)

        if persist and window.restoreDockWidget(panel):
            self._lessons_placed = True
        else:
            window.addDockWidget(left, panel)
            panel.hide()  # until Help ▸ Lessons, or a preset with a lesson opens
        self._register_dock("lessons", panel)
        # View ▸ Docks ▸ Lessons places it as Help ▸ Lessons does
        panel.toggleViewAction().triggered.connect(
            lambda checked: checked and self.reveal_lessons())

    def _new_action(self, name: str, text: str, slot, shortcuts=(), tip: str = "",
                    checkable: bool = False) -> QAction:
        # the window's own maker: named, tooltip with its keys, keys work with the
        # menu bar hidden (presentation), found by window.action(name)
        return self.window._new_action(name, text, slot, shortcuts, tip, checkable)

    def _create_actions(self) -> None:
        self._new_action("export_worked_example", "Export &worked example…",
                         self.export_worked_example, (),
                         "Write the step the Math dock shows as a handout: forward pass, "
                         "loss, every chain-rule factor and the update, with the numbers "
                         "(HTML or Markdown with LaTeX)")
        self._new_action("gradient_check", "&Gradient check…",
                         lambda: self.open_gradient_check(), ["Ctrl+G"],
                         "Compare backprop's gradient of every weight and bias with the "
                         "central difference, in a table and coloured on the canvas")
        self._new_action("compare", "&Compare…", self.open_compare, ["Ctrl+K"],
                         "The vanishing-gradient lab: train copies that differ in one "
                         "setting (hidden activation or initializer) and overlay their "
                         "gradient profiles and losses; this network is not touched")
        self._new_action("presentation", "&Presentation", self.toggle_presentation, ["F5"],
                         "Full screen for the projector: large text, high contrast, only "
                         "the network and the Math dock; Esc leaves", checkable=True)
        leave = self._new_action("leave_presentation", "Leave presentation",
                                 self.leave_presentation, ["Esc"],
                                 "Back to the window as it was")
        leave.setEnabled(False)  # Esc belongs to the canvas (deselect) and editors otherwise
        self._new_action("lessons", "&Lessons", self.show_lessons, ["F1"],
                         "Guided lessons for the presets: short steps that follow what "
                         "you do")

    def open_compare(self):
        """Tools ▸ Compare…: the lab, non-modal (pyqtgraph is loaded only now)."""
        from .dialogs.compare import open_compare_dialog

        self.compare_dialog = open_compare_dialog(self.window.session, self.window)
        return self.compare_dialog

    def _menu(self, title: str, name: str) -> QMenu:
        """The menu bar's menu called ``title`` (made, at the end, if missing)."""
        bar = self.window.menuBar()
        for menu in bar.findChildren(QMenu):
            if menu.menuAction() in bar.actions() and \
                    menu.title().replace("&", "") == title.replace("&", ""):
                return menu
        menu = bar.addMenu(title)
        menu.menuAction().setObjectName(name)
        return menu

    def _create_menus(self) -> None:
        window = self.window
        action = window.action
        file_menu = self._menu("&File", "file")
        # after Export image, where a handout belongs
        entries = file_menu.actions()
        after = next((k for k, a in enumerate(entries) if a.objectName() == "export_image"),
                     None)
        if after is not None and after + 1 < len(entries):
            file_menu.insertAction(entries[after + 1], action("export_worked_example"))
        else:
            file_menu.addAction(action("export_worked_example"))
        view_menu = self._menu("&View", "view")
        docks_menu = getattr(window, "docks_menu", None)
        before = docks_menu.menuAction() if docks_menu is not None else None
        if before is not None and before in view_menu.actions():
            view_menu.insertAction(before, action("presentation"))
            view_menu.insertSeparator(before)
        else:
            view_menu.addAction(action("presentation"))
        tools_menu = self._menu("&Tools", "tools")
        tools_menu.addAction(action("gradient_check"))
        tools_menu.addAction(action("compare"))
        self._menu("&Help", "help").addAction(action("lessons"))

    # -- text size ----------------------------------------------------------------------------

    def _text_scale(self) -> float:
        return float(getattr(self.window, "text_scale", 1.0))

    def _follow_text_scale(self, *_args) -> None:
        scale = self._text_scale()
        if self._math_dock is not None:
            self._math_dock.set_font_scale(scale)
            self._lesson_panel.set_font_scale(scale)
        self.gradcheck_overlay.set_font_scale(scale)
        # the neurons grow with the text: the drawings follow their new places
        self.path_highlight.redraw()
        if self.gradcheck_overlay.result is not None:
            self.gradcheck_overlay.show(self.gradcheck_overlay.result)

    def set_text_scale(self, scale: float) -> None:
        """The whole window's text size, as View ▸ Larger/Smaller text sets it."""
        window = self.window
        window._apply_text_scale(scale)
        applied = float(window.text_scale)
        phase_drawing = getattr(window, "phase_drawing", None)
        if phase_drawing is not None and hasattr(phase_drawing, "set_font_scale"):
            phase_drawing.set_font_scale(applied)
        transport = getattr(window, "transport", None)
        if transport is not None and hasattr(transport, "set_text_scale"):
            transport.set_text_scale(applied)
        self._follow_text_scale()

    def _on_selection_changed(self, selection) -> None:
        """Something selected on the canvas: its chain rule comes forward if the Math
        dock is open but behind another tab."""
        dock = self.math_dock
        # a dock behind another tab is open (not hidden) but shows nothing
        if selection is not None and not dock.isHidden() and not dock.isFloating() \
                and dock.visibleRegion().isEmpty() and not self.presenting:
            dock.raise_()

    # -- the path of the selected weight ------------------------------------------------------

    def _on_path_changed(self, path) -> None:
        if callable(getattr(self.canvas, "highlight_path", None)):
            return  # the canvas draws it itself (the Math dock calls it)
        if path is None:
            self.path_highlight.show(None)
        else:
            self.path_highlight.show(path.edges, path.neurons)

    # -- gradient check ------------------------------------------------------------------------

    def open_gradient_check(self, analytic=None):
        """Tools ▸ Gradient check…: the dialog (not modal) and the colours on the canvas.
        Returns the dialog."""
        dialog = self.gradcheck_dialog
        if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
            dialog.run()
            dialog.raise_()
            dialog.activateWindow()
        else:
            from .dialogs.gradcheck import open_gradcheck_dialog

            dialog = open_gradcheck_dialog(self.session, self.window, analytic)
            dialog.parameter_selected.connect(self._select_parameter)
            dialog.run_button.clicked.connect(self._show_check)
            dialog.finished.connect(self._on_check_closed)
            dialog.destroyed.connect(self._on_check_closed)
            self.gradcheck_dialog = dialog
        self._show_check()
        return dialog

    def _select_parameter(self, parameter) -> None:
        if parameter is None:
            return
        self.canvas.select(tuple(parameter))
        self.window.raise_()

    def _show_check(self, *_args) -> None:
        dialog = self.gradcheck_dialog
        if dialog is not None and shiboken6.isValid(dialog) and dialog.result is not None:
            self.gradcheck_overlay.show(dialog.result)

    def _on_check_closed(self, *_args) -> None:
        self.gradcheck_dialog = None
        self.gradcheck_overlay.clear()

    def _on_parameters_changed(self) -> None:
        # the colours described the weights as they were
        self.gradcheck_overlay.clear()

    def _on_structure_changed(self) -> None:
        self.gradcheck_overlay.clear()
        if self.session.scenario is not self._scenario:
            # another lesson file or preset (not an architecture edit): its lesson, if
            # it has one, is offered in the Lessons panel
            self._scenario = self.session.scenario
            self.lesson_panel.scenario_opened()
        # the canvas has rebuilt its items: draw the path on the new ones
        QTimer.singleShot(0, self._redraw_after_rebuild)

    def _on_check_inputs_changed(self) -> None:
        # the dialog checks again by itself (data, loss): show its new result
        self.gradcheck_overlay.clear()
        QTimer.singleShot(0, self._show_fresh_check)

    def _show_fresh_check(self) -> None:
        dialog = self.gradcheck_dialog
        if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible() \
                and not dialog.stale.isVisible():
            self._show_check()

    def _redraw_after_rebuild(self) -> None:
        self._show_fresh_check()
        if callable(getattr(self.canvas, "highlight_path", None)):
            return
        if self._math_dock is None:
            return
        path = (self._math_dock.selected_path() if self.canvas.selection is not None
                else None)
        self._on_path_changed(path)

    # -- worked example --------------------------------------------------------------------------

    def ask_worked_example_path(self) -> Path | None:
        """Where to write the handout (a file dialog; tests replace this)."""
        session = self.session
        stem = (session.path.name.removesuffix(".bpsim.json") if session.path
                else (session.scenario.title or "worked-example").split(":")[0]
                .strip().lower().replace(" ", "-"))
        folder = session.path.parent if session.path else Path.home()
        name, chosen = QFileDialog.getSaveFileName(
            self.window, "Export worked example", str(folder / f"{stem}-step.html"),
            WORKED_EXAMPLE_FILTER)
        if not name:
            return None
        path = Path(name)
        if path.suffix.lower() not in (".html", ".htm", ".md", ".markdown"):
            path = path.with_name(path.name + (".md" if "*.md" in chosen else ".html"))
        return path

    def export_worked_example(self, *_args) -> bool:
        """File ▸ Export worked example…: HTML (self-contained, renders offline) or
        Markdown with LaTeX, chosen by the file's suffix."""
        path = self.ask_worked_example_path()
        if path is None:
            return False
        path = Path(path)
        markdown = path.suffix.lower() in (".md", ".markdown")
        from .docks.math import worked_example

        try:
            text = worked_example(self.session, "md" if markdown else "html")
            path.write_text(text, encoding="utf-8")
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            warn = getattr(self.window, "_warn", None)
            if callable(warn):
                warn("Cannot export the worked example", f"{path}: {reason}")
            return False
        self.window.statusBar().showMessage(f"Exported the worked example to {path}", 5000)
        return True

    # -- presentation --------------------------------------------------------------------------

    @property
    def presenting(self) -> bool:
        return self.presentation.active

    def toggle_presentation(self, *_args) -> None:
        self.presentation.toggle()

    def leave_presentation(self, *_args) -> None:
        self.presentation.leave()

    def _on_presentation_toggled(self, active: bool) -> None:
        action = self.window.action
        action("leave_presentation").setEnabled(active)
        presentation = action("presentation")
        if presentation.isChecked() != active:
            presentation.setChecked(active)

    # -- lessons --------------------------------------------------------------------------------

    def show_lessons(self, *_args) -> None:
        """Help ▸ Lessons: the panel, with the open preset's lesson offered."""
        if self.presenting:
            self.presentation.leave()
        panel = self.lesson_panel
        if not panel.runner.running and panel.offered is None:
            from .lessons import lesson_for

            panel.offer_lesson(lesson_for(self.session.scenario, panel.lessons))
        self.reveal_lessons()

    def reveal_lessons(self) -> None:
        """Show the Lessons panel in front: the first time as a tab beside the Data dock
        (tall enough for the steps), later wherever the user put it."""
        panel, window = self.lesson_panel, self.window
        data = getattr(window, "docks", {}).get("data")
        placed = (self._lessons_placed or panel.isFloating()
                  or bool(window.tabifiedDockWidgets(panel))
                  or window.dockWidgetArea(panel) != Qt.DockWidgetArea.LeftDockWidgetArea)
        self._lessons_placed = True
        if not placed and data is not None and not data.isHidden() and not data.isFloating():
            window.tabifyDockWidget(data, panel)
            panel.show()
            # lesson text wants a little more width than the data table, and most of
            # the column's height (the Layers dock above scrolls)
            window.resizeDocks([panel], [int(window.width() * LESSONS_SHARE)],
                               Qt.Orientation.Horizontal)
            layers = getattr(window, "docks", {}).get("layers")
            if layers is not None and layers.isVisible() and not layers.isFloating() \
                    and window.dockWidgetArea(layers) == Qt.DockWidgetArea.LeftDockWidgetArea:
                column = layers.height() + panel.height()
                window.resizeDocks([layers, panel], [column // 4, column - column // 4],
                                   Qt.Orientation.Vertical)
        panel.show()
        panel.raise_()

    def _open_preset(self, name: str) -> bool:
        opener = getattr(self.window, "new_from_preset", None)
        return bool(opener(name)) if callable(opener) else False
