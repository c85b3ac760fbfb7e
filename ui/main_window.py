"""The main window: the network canvas in the middle, the docks around it, the menus,
files (new, open, save, revert, recent), undo and the remembered layout.

The window makes its parts here, in plain sight, and hands each what it needs:

- the canvas, the editing docks (Layers, Data, Inspector, Training, Undo history);
- the animation: the :class:`~bpsim.ui.playback.animator.Animator`, the
  :class:`~bpsim.ui.playback.phase_drawing.PhaseDrawing` that draws it on the canvas,
  the transport bar and the history timeline;
- the drawings over the canvas (:mod:`bpsim.ui.canvas.highlights`): the selected
  weight's path to the loss, and the gradient check's colours with their legend;
- presentation mode (View ▸ Presentation, F5; see :mod:`bpsim.ui.presentation_mode`);
- every action, menu and toolbar from the one table in :mod:`bpsim.ui.actions`.

Made after the first paint, so the first frame does not wait for their imports: the
Math dock (the chain rule of the canvas selection with numbers; its own dock under the
Training dock) and the Tours dock (Help ▸ Tours, F1; hidden until asked for), then
the plots.  ``window.math_dock`` and ``window.tour_dock`` make them earlier when
asked.  Tools ▸ Gradient check (its dialog, a double-clicked row selects that parameter
on the canvas, the canvas coloured until the dialog closes or the weights change),
Tools ▸ Compare and File ▸ Export worked example (the handout of the step the Math
dock shows: Markdown with LaTeX or self-contained HTML, by the file's suffix) are
imported when first used.

Dialogs go through small methods (``_ask_open_path``, ``_ask_save_path``,
``_ask_export_path``, ``_ask_worked_example_path``, ``_ask_save_changes``,
``_confirm_revert``, ``_warn``, ``_ask_recover``, ``_ask_discard_broken_copy``) so
tests replace them instead of driving native dialogs.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, QSignalBlocker, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QDockWidget, QFileDialog,
                               QFrame, QLabel, QLineEdit, QMainWindow, QMessageBox,
                               QPlainTextEdit, QScrollArea, QTextEdit, QToolBar, QUndoView)

from bpsim import data_import, io
from bpsim.notation.numbers import format_number
from bpsim.notation.symbols import Numbering
from bpsim.trace import BackwardRecord, ForwardRecord, UpdateRecord

from . import actions, commands, settings
from .canvas import NetworkCanvas
from .canvas.highlights import GradcheckOverlay, PathHighlight
from .docks import DataDock, InspectorDock, LayersDock, TrainingDock
from .docks.comp_graph import CompGraphDock
from .docks.layer_focus import LayerFocusDock
from .playback.animator import Animator
from .playback.phase_drawing import PhaseDrawing
from .playback.reveal_cover import RevealCover
from .playback.timeline import TimelineBar
from .playback.transport import TransportBar
from .presentation_mode import PresentationMode
from .recovery import Autosave
from .session import Session

# The Math dock (the chain rule, bpsim.explain), the gradient check, Compare, the
# tours and the plots (pyqtgraph) are imported when first used: after the window's
# first paint, not before it.

SCENARIO_FILTER = "bpsim scenarios (*.bpsim.json *.json)"
CSV_FILTER = "CSV files (*.csv *.tsv *.txt);;All files (*)"
IMAGE_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"
WORKED_EXAMPLE_FILTER = ("HTML, opens in any browser offline (*.html);;"
                         "Markdown with LaTeX math (*.md)")
#: saveState/restoreState version: bump when the dock set changes incompatibly
LAYOUT_VERSION = 2  # 2: the Math dock is its own dock, no longer a tab behind Training
DEFAULT_SIZE = (1600, 1000)
#: the application font before View ▸ Larger/Smaller text (points; projectors need ≥ 11)
BASE_POINT_SIZE = 12.0
#: the plots take this share of the window's height below the canvas
PLOTS_HEIGHT = 0.3
#: the width a plot needs to be read: more plots than fit side by side become tabs
PLOT_WIDTH = 520
PLOT_MIN_WIDTH = 300
#: the Math dock's minimum height (its formulas scroll below that)
MATH_MIN_HEIGHT = 60
#: the right column's height shared by the Inspector, Training and Math docks
MATH_COLUMN = (0.2, 0.3, 0.5)
#: the shares of the window's width of the left column (Layers, Data) and the right one
#: (Inspector, Training, Math)
SIDE_COLUMNS = (0.22, 0.28)
#: the Tours dock's share of the window's width when it first opens
TOURS_SHARE = 0.26
#: a window shorter than this (a 1280×720 projector) stacks fewer docks: Layers and Data
#: share one place as tabs, so do Inspector and Training, and the plots take less height,
#: so the canvas keeps room for its numbers
COMPACT_HEIGHT = 880
COMPACT_PLOTS_HEIGHT = 0.26
#: the right column of a compact window: the Inspector/Training tabs, then Math
COMPACT_MATH_COLUMN = (0.4, 0.6)


#: keys typed into these belong to them (see MainWindow.event)
TEXT_FIELDS = (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)
COMMAND_MODIFIERS = (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                     | Qt.KeyboardModifier.MetaModifier)


class _DockScrollArea(QScrollArea):
    """A dock's content scrolls up and down, never sideways: on a 1280×720 projector the
    docks together are taller than the screen, and the window must still fit it."""

    def __init__(self, content):
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(content)

    def _with_scroll_bar(self, size: QSize, height: int) -> QSize:
        return QSize(size.width() + self.verticalScrollBar().sizeHint().width(), height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        return self._with_scroll_bar(self.widget().minimumSizeHint(), 60)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = self.widget().sizeHint()
        return self._with_scroll_bar(hint, hint.height())


class MainWindow(QMainWindow):
    """The window ``bpsim`` opens on a :class:`~bpsim.ui.session.Session` (``window.session``).
    Every action has an objectName (see :meth:`action`)."""

    def __init__(self, session: Session, restore_layout: bool = True, parent=None):
        """``restore_layout=False`` starts from the default layout and remembers nothing
        (screenshots look the same on every machine)."""
        super().__init__(parent)
        self.session = session
        self.setObjectName("main_window")
        self._persist = restore_layout
        self._text_scale = settings.text_scale() if restore_layout else 1.0
        self._set_application_font(self._text_scale)  # before the widgets: cheaper
        self._deferred_loaded = False
        self.plot_docks: list[QDockWidget] = []
        self._math_dock = None  # made after the first paint (see math_dock)
        #: the Math dock took its default place (not a remembered one)
        self._math_placed_here = False
        self._tour_dock = None
        self._tours_placed = False
        #: the open Tools ▸ Gradient check dialog, and the last Compare dialog
        self.gradcheck_dialog = None
        self.compare_dialog = None
        #: the scenario the tour offers were last decided for
        self._offered_for = session.scenario

        self.canvas = NetworkCanvas(session)
        self.canvas.setObjectName("canvas")
        self.setCentralWidget(self.canvas)
        self._create_docks()
        session.file_state_changed.connect(self._on_file_state_changed)
        session.structure_changed.connect(self._on_file_state_changed)
        session.message.connect(self._on_message)
        for signal in (session.parameters_changed, session.structure_changed,
                       session.data_changed, session.training_changed,
                       session.sample_changed):
            signal.connect(self._update_status)

        # the animation: phases replayed from the engine's records, drawn on the canvas
        self.animator = Animator(session, self)
        self.animator.note.connect(session.message.emit)
        self.animator.playing_changed.connect(self._on_playing)
        self.animator.frame.connect(self._update_step_label)
        self.phase_drawing = PhaseDrawing(self.animator, self.canvas, self)
        # predict, then reveal: the views that would give a hidden number away wait
        self.reveal_cover = RevealCover(self.animator, self)
        for name in ("inspector", "layer_focus", "comp_graph"):
            self.reveal_cover.add(self.docks[name])
        self.reveal_cover.covered_changed.connect(self._update_status)
        # what the teaching tools draw over the canvas
        self.path_highlight = PathHighlight(self.canvas)
        self.gradcheck_overlay = GradcheckOverlay(self.canvas)
        self.canvas.selection_changed.connect(self._on_selection_changed)
        self.canvas.layer_focus_requested.connect(self.show_layer_focus)
        session.parameters_changed.connect(self._on_parameters_changed)
        session.structure_changed.connect(self._on_structure_changed)
        for signal in (session.data_changed, session.training_changed):
            signal.connect(self._on_check_inputs_changed)
        self.presentation = PresentationMode(
            self, math_dock=lambda: self.math_dock, set_text_scale=self._apply_text_scale,
            kept_toolbars=lambda: [self.transport], load_docks=self.load_deferred_docks,
            plot_docks=lambda: [*self.plot_docks, self.docks["layer_focus"]],
            # the class's guess is typed while presenting (shown in reveal mode only)
            kept_entries=lambda: [self.transport.guess_action])
        self.presentation.toggled.connect(self._on_presentation_toggled)
        #: the recovery copy of unsaved changes (see bpsim.ui.recovery); None when the
        #: window remembers nothing (screenshots)
        self.autosave = Autosave(session, parent=self) if restore_layout else None

        stack = session.undo_stack
        self._actions = actions.create_actions(self, {
            "undo": stack.createUndoAction(self, "&Undo"),
            "redo": stack.createRedoAction(self, "&Redo")})
        self._follow_undo_stack(stack)
        self.menus = actions.create_menus(self.menuBar(), self._actions)
        self.new_menu, self.recent_menu = self.menus["new"], self.menus["open_recent"]
        self.docks_menu = self.menus["docks"]
        self._fill_new_menu()
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.menus["edit"].addSeparator()
        self.menus["edit"].addAction(self.docks["history"].toggleViewAction())
        for dock in self.docks.values():
            self.docks_menu.addAction(dock.toggleViewAction())

        self.toolbar = self._new_toolbar("toolbar", "Toolbar", actions.TOOLBAR)
        self.docks_menu.addAction(self.toolbar.toggleViewAction())
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.transport = TransportBar(self.animator, self.phase_drawing,
                                      [self.action(name) for name in actions.TRANSPORT],
                                      self)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.transport)
        self.timeline = TimelineBar(self, self.animator, self.phase_drawing)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, self.timeline)
        for bar in (self.transport, self.timeline):
            bar.toggleViewAction().setObjectName(f"show_{bar.objectName()}")
            self.docks_menu.addAction(bar.toggleViewAction())
        self._create_status_bar()
        self._on_file_state_changed()
        self._update_status()

        self.resize(*DEFAULT_SIZE)
        # the canvas gets about half the width; the inspector says little until
        # something is selected, the training settings need room
        width = DEFAULT_SIZE[0]
        self.resizeDocks([self.docks["layers"], self.docks["inspector"]],
                         [int(width * 0.22), int(width * 0.25)], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["inspector"], self.docks["training"]], [35, 65],
                         Qt.Orientation.Vertical)
        if restore_layout:
            geometry, state = settings.window_layout()
            if geometry is not None:
                self.restoreGeometry(geometry)
            if state is not None:
                self.restoreState(state, LAYOUT_VERSION)
            show = settings.settings().value("show_weights", True)
            self.action("show_weights").setChecked(show not in (False, "false"))
        self.canvas.set_show_weights(self.action("show_weights").isChecked())
        if restore_layout:
            maps = settings.settings().value("neuron_maps", False)
            self.action("neuron_maps").setChecked(maps in (True, "true"))
        self.canvas.neuron_maps.set_shown(self.action("neuron_maps").isChecked())
        session.notation_changed.connect(self._sync_lecture_numbering)
        session.structure_changed.connect(self._sync_lecture_numbering)
        self._sync_lecture_numbering()
        self._apply_text_scale(self._text_scale)

    # -- building ---------------------------------------------------------------------

    def action(self, name: str):
        """The QAction whose objectName is ``name`` (see :mod:`bpsim.ui.actions`)."""
        return self._actions[name]

    def _add_dock(self, name: str, dock: QDockWidget, area, scroll: bool = True):
        if scroll:
            dock.setWidget(_DockScrollArea(dock.widget()))
        if not dock.objectName():
            dock.setObjectName(f"{name}_dock")
        self.addDockWidget(area, dock)
        return self._register_dock(name, dock)

    def _register_dock(self, name: str, dock: QDockWidget) -> QDockWidget:
        toggle = dock.toggleViewAction()
        toggle.setObjectName(f"show_{name}_dock")
        toggle.setToolTip(f"Show or hide the {dock.windowTitle()} dock")
        self.docks[name] = dock
        return dock

    def _create_docks(self) -> None:
        self.docks: dict[str, QDockWidget] = {}
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        # the plots below span the whole width; the editing docks sit beside the canvas
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.setCorner(Qt.Corner.BottomLeftCorner, bottom)
        self.setCorner(Qt.Corner.BottomRightCorner, bottom)
        session = self.session
        for name, dock, area in (("layers", LayersDock(session), left),
                                 ("data", DataDock(session), left),
                                 ("inspector", InspectorDock(session, self.canvas), right),
                                 ("training", TrainingDock(session), right)):
            self._add_dock(name, dock, area)
        history = QDockWidget("Undo history", self)
        view = QUndoView(self.session.undo_stack, history)
        view.setEmptyLabel("<opened>")
        view.setAccessibleName("Undo history")
        view.setToolTip("Every edit so far; click one to go back to it")
        history.setWidget(view)
        self._add_dock("history", history, right, scroll=False)
        history.hide()
        # a column of its own right of the others, the height of the canvas
        focus = LayerFocusDock(session, self)
        self.addDockWidget(right, focus, Qt.Orientation.Horizontal)
        self._register_dock("layer_focus", focus)
        focus.hide()  # until View ▸ Focus on layer…
        # the selected neuron as autograd sees it: a tab beside Layer focus
        graph = CompGraphDock(session, self.canvas, self)
        self.addDockWidget(right, graph, Qt.Orientation.Horizontal)
        self._register_dock("comp_graph", graph)
        graph.hide()  # until View ▸ Computational graph

    def _follow_undo_stack(self, stack) -> None:
        """Undo and redo are the stack's own actions (their menu text names the edit);
        the toolbar keeps their short texts and the tooltips name the edit.  The state
        comes with the stack's signals (the stack may be going away when they fire)."""
        self._undo_state = {"undo": [stack.canUndo(), stack.undoText()],
                            "redo": [stack.canRedo(), stack.redoText()]}
        stack.canUndoChanged.connect(self._on_can_undo)
        stack.undoTextChanged.connect(self._on_undo_text)
        stack.canRedoChanged.connect(self._on_can_redo)
        stack.redoTextChanged.connect(self._on_redo_text)
        self._show_undo_state("undo")
        self._show_undo_state("redo")

    def _on_can_undo(self, possible: bool) -> None:
        self._undo_state["undo"][0] = possible
        self._show_undo_state("undo")

    def _on_undo_text(self, text: str) -> None:
        self._undo_state["undo"][1] = text
        self._show_undo_state("undo")

    def _on_can_redo(self, possible: bool) -> None:
        self._undo_state["redo"][0] = possible
        self._show_undo_state("redo")

    def _on_redo_text(self, text: str) -> None:
        self._undo_state["redo"][1] = text
        self._show_undo_state("redo")

    def _show_undo_state(self, name: str) -> None:
        possible, what = self._undo_state[name]
        action = self.action(name)
        if not shiboken6.isValid(action):
            return  # the window went before the session whose stack still speaks
        actions.describe(action, f"{name.capitalize()} “{what}”" if possible
                         else f"Nothing to {name}")

    def _fill_new_menu(self) -> None:
        # the empty network first, apart from the scenarios that teach something
        names = io.builtin_scenario_names()
        if io.EMPTY_SCENARIO in names:
            names.remove(io.EMPTY_SCENARIO)
            names[:0] = [io.EMPTY_SCENARIO, None]
        for name in names:
            if name is None:
                self.new_menu.addSeparator()
                continue
            action = self.new_menu.addAction(name, lambda n=name: self.new_from_builtin(n))
            action.setObjectName(f"new_{name}")
            action.setToolTip(f"Start from the built-in scenario {name}")
        self.new_menu.aboutToShow.connect(self._show_builtin_titles)

    def _show_builtin_titles(self) -> None:
        """Menu entries say what each built-in scenario is (read when the menu first opens, not at
        start-up)."""
        self.new_menu.aboutToShow.disconnect(self._show_builtin_titles)
        for action in self.new_menu.actions():
            name = action.objectName().removeprefix("new_")
            try:
                title = io.load_builtin(name).title
            except io.ScenarioError:
                continue
            if title:
                action.setText(f"{title}  ({name})")

    def _new_toolbar(self, name: str, title: str, entries) -> QToolBar:
        """A toolbar of the named actions in order; None is a separator."""
        toolbar = QToolBar(title, self)
        toolbar.setObjectName(name)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.setMovable(False)
        for entry in entries:
            if entry is None:
                toolbar.addSeparator()
                continue
            action = self.action(entry)
            toolbar.addAction(action)
            toolbar.widgetForAction(action).setAccessibleName(
                action.text().replace("&", ""))
        self.addToolBar(toolbar)
        return toolbar

    def _create_status_bar(self) -> None:
        status = self.statusBar()
        self.loss_label = QLabel()
        self.loss_label.setObjectName("loss_label")
        self.loss_label.setToolTip(
            "The loss J with the weights as they are now (after the last update), on the "
            "sample shown and on all samples (with held-out test data: on the training "
            "samples and on the test samples); the loss plot shows each step's loss before "
            "its update")
        self.step_label = QLabel()
        self.step_label.setObjectName("step_label")
        self.step_label.setToolTip("The training step shown: next, in progress or done")
        for label in (self.loss_label, self.step_label):
            label.setAccessibleName(label.toolTip())
            status.addPermanentWidget(label)
        # Only these take the style sheet: one set on the whole application makes
        # every widget slower to create (about 0.1 s more before the first paint).
        style = (importlib.resources.files("bpsim.resources") / "style.qss").read_text("utf-8")
        for widget in (self.toolbar, self.transport, self.timeline, status):
            widget.setStyleSheet(style)

    def event(self, event) -> bool:
        # A shortcut's key goes first to the focused widget, then up to this window.
        # Plain keys typed into a text field belong to it: Enter confirms a typed
        # weight instead of running a training step, P and R are letters.
        if (event.type() == QEvent.Type.ShortcutOverride
                and isinstance(QApplication.focusWidget(), TEXT_FIELDS)
                and not event.modifiers() & COMMAND_MODIFIERS):
            event.accept()
            return True
        return super().event(event)

    # -- lazily loaded docks ---------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().paintEvent(event)
        if not self._deferred_loaded:
            # The main window paints first in each pass: this call runs once the whole
            # first frame is on screen (pyqtgraph takes longer to import than that frame).
            QTimer.singleShot(0, self, self.load_deferred_docks)  # not if closed first

    @property
    def math_dock(self):
        """The Math dock (a :class:`bpsim.ui.docks.math.MathDock`), made on first use."""
        if self._math_dock is None:
            self.create_math_and_tour_docks()
        return self._math_dock

    @property
    def tour_dock(self):
        """The Tours dock (a :class:`bpsim.ui.docks.tours.TourDock`), made on first use."""
        if self._tour_dock is None:
            self.create_math_and_tour_docks()
        return self._tour_dock

    def create_math_and_tour_docks(self) -> None:
        """Make the Math dock and the Tours dock and put them where the last window
        had them (saveState), else beside Training and Data.  Done once."""
        if self._math_dock is not None:
            return
        from .docks.math import MathDock
        from .docks.tours import TourDock

        dock = MathDock(self.session, self.canvas, self)
        self._math_dock = dock
        self.reveal_cover.add(dock)
        # the formulas are read-only: clicking them must not take the keyboard away from
        # the transport keys (→, Space), which a focused text field would swallow
        dock.browser.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        dock.path_combo.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        # it shares the column with Training: no taller a minimum than Training's, or
        # the window stops fitting small projector screens (the formulas scroll)
        dock.widget().setMinimumHeight(MATH_MIN_HEIGHT)
        dock.path_changed.connect(self._on_path_changed)
        panel = TourDock(self.session, self.canvas, animator=self.animator,
                         find_action=self.action, open_scenario=self.new_from_builtin,
                         presenting=lambda: self.presentation.active, parent=self)
        panel.reveal = self.reveal_tours
        self._tour_dock = panel
        self._place_math_and_tour_docks()
        self._follow_text_scale()
        if self.canvas.selection is not None:
            dock.show_selection(self.canvas.selection)

    def _place_math_and_tour_docks(self) -> None:
        math, panel = self._math_dock, self._tour_dock
        # where the last window had them, if it had them (as the plots do)
        if not (self._persist and self.restoreDockWidget(math)):
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, math)
            math.show()  # made after the window was shown: not shown by itself
            training = self.docks["training"]
            if not training.isFloating() and self.dockWidgetArea(training) == \
                    Qt.DockWidgetArea.RightDockWidgetArea:
                # its own dock under Training (never a tab behind it: a selection's
                # chain rule is in sight), with most of the column's height: the
                # lecture's derivation is five lines
                self.splitDockWidget(training, math, Qt.Orientation.Vertical)
                self._math_placed_here = True
                self._share_right_column()
        self._register_dock("math", math)
        self.docks_menu.addAction(math.toggleViewAction())

        if self._persist and self.restoreDockWidget(panel):
            self._tours_placed = True
        else:
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, panel)
            panel.hide()  # until Help ▸ Tours, or a built-in scenario with a tour opens
        self._register_dock("tours", panel)
        self.docks_menu.addAction(panel.toggleViewAction())
        # View ▸ Docks ▸ Tours places it as Help ▸ Tours does
        panel.toggleViewAction().triggered.connect(
            lambda checked: checked and self.reveal_tours())

    def _share_right_column(self) -> None:
        """Inspector, Training and Math share the right column's height (MATH_COLUMN);
        in a compact window the Inspector/Training tabs and Math (COMPACT_MATH_COLUMN)."""
        inspector, training = self.docks["inspector"], self.docks["training"]
        if inspector in self.tabifiedDockWidgets(training):
            docks, shares = [inspector, self._math_dock], COMPACT_MATH_COLUMN
        else:
            docks, shares = [inspector, training, self._math_dock], MATH_COLUMN
        column = sum(dock.height() for dock in docks)
        self.resizeDocks(docks, [int(column * share) for share in shares],
                         Qt.Orientation.Vertical)

    @property
    def compact(self) -> bool:
        """Whether the window is short (COMPACT_HEIGHT): fewer docks stacked."""
        return self.height() < COMPACT_HEIGHT

    def _stack_docks_as_tabs(self) -> None:
        """A short window: Layers and Data as tabs of one place, Inspector and Training
        too (the first of each in front), so the canvas between them is taller."""
        for first, second in (("layers", "data"), ("inspector", "training")):
            a, b = self.docks[first], self.docks[second]
            if a.isFloating() or b.isFloating() or a.isHidden() or b.isHidden() \
                    or self.dockWidgetArea(a) != self.dockWidgetArea(b):
                continue
            self.tabifyDockWidget(a, b)
            a.raise_()

    def load_deferred_docks(self) -> None:
        """Add the docks made after the first paint: the Math dock and the Tours dock,
        then the plots (imports pyqtgraph).  Done once."""
        if self._deferred_loaded:
            return
        self._deferred_loaded = True
        self.create_math_and_tour_docks()
        from . import plots  # pyqtgraph: longer to import than the whole first frame

        self.plot_docks = plots.create_plot_docks(self.session, parent=self)
        for dock in self.plot_docks:
            dock.widget().set_font_scale(self._text_scale)
        # the plots draw a cursor line at the step the timeline shows
        controller = plots.controller_for(self.session)
        self.timeline.step_shown.connect(controller.set_cursor)
        if self.timeline.snapshot is not None:
            controller.set_cursor(self.timeline.snapshot.step)
        # the activation curve draws the neuron selected on the canvas
        curve = self.findChild(QDockWidget, "activation_curve_plot_dock").widget()
        self.canvas.selection_changed.connect(curve.show_selection)
        curve.show_selection(self.canvas.selection)
        curve.set_font_scale(self._text_scale)
        # with neuron maps on, the selected neuron's map fills the decision plot
        decision = self.findChild(QDockWidget, "decision_plot_dock").widget()
        self.canvas.selection_changed.connect(decision.show_selection)
        decision.show_selection(self.canvas.selection)
        decision.set_neuron_maps(self.action("neuron_maps").isChecked())
        self.docks_menu.addSeparator()
        restored = False
        for dock in self.plot_docks:
            dock.hide()  # until arranged: side by side they are wider than any screen
            # a plot's row of readouts grows with the numbers it shows; the window must
            # still fit the screen, so a plot may be narrower than they ask
            dock.widget().setMinimumWidth(PLOT_MIN_WIDTH)
            name = dock.objectName().removesuffix("_dock")
            # where the last window had it, if it had it (saveState/restoreState)
            if self._persist and self.restoreDockWidget(dock):
                restored = True
                self._register_dock(name, dock)
            else:
                self._add_dock(name, dock, Qt.DockWidgetArea.BottomDockWidgetArea,
                               scroll=False)
            self.docks_menu.addAction(dock.toggleViewAction())
            self.reveal_cover.add(dock)
        if not restored:
            self.lay_out_for_size()
        elif self._math_placed_here:
            self._share_right_column()  # again, in the height the plots left

    def lay_out_for_size(self) -> None:
        """The first layout for the window's size: the plots below the canvas, fewer
        docks stacked in a short window, the columns beside the canvas as shares of the
        width (the Math dock's derivation needs room to stay on its lines).  Also for a
        window resized before it is shown (``--screenshot --size``)."""
        self.arrange_plots()
        if self.compact:
            self._stack_docks_as_tabs()
        self.resizeDocks([self.docks["layers"], self.docks["inspector"]],
                         [int(self.width() * share) for share in SIDE_COLUMNS],
                         Qt.Orientation.Horizontal)
        if self._math_placed_here:
            self._share_right_column()  # in the height the plots left

    def arrange_plots(self) -> None:
        """Show the plots that tell this scenario's story best below the canvas: side by
        side as many as the width gives PLOT_WIDTH each, the rest as tabs behind the
        last."""
        if not self.plot_docks:
            return
        from . import plots

        suggested = plots.suggested_plots(self.session.scenario)
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        width, height = self.width(), self.height()  # showing a dock may grow them
        side_by_side = max(1, width // PLOT_WIDTH)
        row, tabs = [], []
        for dock in self.plot_docks:
            dock.hide()
            self.removeDockWidget(dock)  # forget earlier tabs and splits
            self.addDockWidget(bottom, dock)
        for dock in self.plot_docks:
            if dock.objectName() not in suggested:
                continue
            dock.show()
            if len(row) == side_by_side:
                self.tabifyDockWidget(row[-1], dock)
                tabs.append(row[-1])
            else:
                row.append(dock)
        for dock in tabs:
            dock.raise_()  # the first of each tab group is the one shown
        if row:
            self.resizeDocks(row, [width // len(row)] * len(row),
                             Qt.Orientation.Horizontal)
            share = COMPACT_PLOTS_HEIGHT if self.compact else PLOTS_HEIGHT
            self.resizeDocks(row[:1], [int(height * share)], Qt.Orientation.Vertical)

    def show_activation_curve(self) -> None:
        """View ▸ Activation curve: the dock in front, as a tab beside the plots shown."""
        self.load_deferred_docks()
        dock = self.findChild(QDockWidget, "activation_curve_plot_dock")
        if dock.isHidden():
            shown = [d for d in self.plot_docks if d is not dock and not d.isHidden()
                     and not d.isFloating()]
            if shown:
                self.tabifyDockWidget(shown[-1], dock)
            dock.show()
        dock.raise_()

    # -- title and status bar -------------------------------------------------------

    def document_name(self) -> str:
        session = self.session
        if session.path is not None:
            return session.path.name
        return session.scenario.title or "Untitled"

    def _on_file_state_changed(self) -> None:
        self.setWindowTitle(f"{self.document_name()}[*] — bpsim")
        self.setWindowModified(self.session.modified)
        self.action("revert").setEnabled(self.session.path is not None)

    def _update_status(self, *_args) -> None:
        session = self.session
        sample_loss, total = session.loss_now()
        n = len(session.dataset)
        split = session.split_losses_now()
        if self.reveal_cover.covered:
            text = "Loss now: ? (until the reveal)"
        elif n == 1:
            text = f"Loss now: {format_number(sample_loss)}"
        elif split is not None:
            # held-out samples: the data loss on each set, where overfitting shows
            text = (f"Loss now: sample {session.current_sample + 1} = "
                    f"{format_number(sample_loss)} · train {format_number(split[0])} · "
                    f"test {format_number(split[1])}")
        else:
            text = (f"Loss now: sample {session.current_sample + 1} = "
                    f"{format_number(sample_loss)} · all {n} samples = "
                    f"{format_number(total)}")
        self.loss_label.setText(text)
        self._update_step_label()

    def _update_step_label(self) -> None:
        # the transport's counter and the banner's numbering (Animator.step_status)
        self.step_label.setText(self.animator.step_counter_text())

    def _on_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    # -- dialogs (replaced in tests) --------------------------------------------------

    def _start_folder(self) -> str:
        if self.session.path is not None:
            return str(self.session.path.parent)
        recent = settings.recent_files()
        return str(recent[0].parent) if recent else str(Path.home())

    def _ask_open_path(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, "Open scenario", self._start_folder(),
                                              SCENARIO_FILTER)
        return Path(name) if name else None

    def _ask_save_path(self) -> Path | None:
        suggestion = self.session.path or Path(self._start_folder()) / (
            (self.session.scenario.title or "scenario").lower().replace(" ", "-")
            + io.EXTENSION)
        name, _ = QFileDialog.getSaveFileName(self, "Save scenario as", str(suggestion),
                                              SCENARIO_FILTER)
        return Path(name) if name else None

    def _ask_export_path(self) -> Path | None:
        stem = (self.session.path.name.removesuffix(io.EXTENSION)
                if self.session.path else "network")
        name, chosen = QFileDialog.getSaveFileName(
            self, "Export image", str(Path(self._start_folder()) / f"{stem}.png"),
            IMAGE_FILTER)
        if not name:
            return None
        path = Path(name)
        if path.suffix.lower() not in (".png", ".svg"):
            path = path.with_name(path.name + (".svg" if "svg" in chosen else ".png"))
        return path

    def _ask_worked_example_path(self) -> Path | None:
        """Where to write the handout."""
        session = self.session
        stem = (session.path.name.removesuffix(io.EXTENSION) if session.path
                else (session.scenario.title or "worked-example").split(":")[0]
                .strip().lower().replace(" ", "-"))
        folder = session.path.parent if session.path else Path.home()
        name, chosen = QFileDialog.getSaveFileName(
            self, "Export worked example", str(folder / f"{stem}-step.html"),
            WORKED_EXAMPLE_FILTER)
        if not name:
            return None
        path = Path(name)
        if path.suffix.lower() not in (".html", ".htm", ".md", ".markdown"):
            path = path.with_name(path.name + (".md" if "*.md" in chosen else ".html"))
        return path

    def _ask_save_changes(self) -> QMessageBox.StandardButton:
        """Save, Discard or Cancel, for unsaved changes about to be lost."""
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        return QMessageBox.question(
            self, "Unsaved changes",
            f"“{self.document_name()}” has unsaved changes. Save them first?",
            buttons, QMessageBox.StandardButton.Save)

    def _confirm_revert(self) -> bool:
        answer = QMessageBox.question(
            self, "Revert",
            f"Reload “{self.document_name()}” from its file? Unsaved changes are lost.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def _warn(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    def _ask_recover(self, copy) -> str:
        """"restore", "discard", "show" (Show me where) or "later", for a recovery copy
        a bpsim that did not close cleanly left behind."""
        box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved changes",
                          f"bpsim did not close cleanly. It kept the unsaved changes to "
                          f"“{copy.name}” from {copy.when()}. Restore them?", parent=self)
        box.setInformativeText(f"The recovery copy: {copy.scenario_path}")
        answers = {box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole): "restore",
                   box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole): "discard",
                   box.addButton("Show me where", QMessageBox.ButtonRole.ActionRole): "show",
                   box.addButton("Not now", QMessageBox.ButtonRole.RejectRole): "later"}
        box.setDefaultButton(next(iter(answers)))
        box.exec()
        return answers.get(box.clickedButton(), "later")

    def _ask_discard_broken_copy(self, copy, reason: str) -> bool:
        """True to delete a recovery copy that cannot be opened (the loader's message)."""
        answer = QMessageBox.question(
            self, "Recovery copy cannot be opened",
            f"The recovery copy of “{copy.name}” cannot be opened:\n{reason}\n\n"
            f"Delete it? ({copy.scenario_path})",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Discard

    def _show_folder(self, folder: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self._warn("Recovery copy", f"The recovery copies are in {folder}")

    def offer_recovery(self, copy) -> str:
        """Ask about a recovery copy (a :class:`~bpsim.ui.recovery.RecoveryCopy`) and do
        what the user chose: "restore" (it is the caller's to open), "discard" (deleted)
        or "later" (kept for the next start).  A copy the loader refuses is offered for
        deleting, with the loader's message."""
        try:
            copy.load()
        except io.ScenarioError as error:
            if self._ask_discard_broken_copy(copy, error.report()):
                copy.discard()
                return "discard"
            copy.release()
            return "later"
        while True:
            answer = self._ask_recover(copy)
            if answer != "show":
                break
            self._show_folder(copy.scenario_path.parent)
        if answer == "discard":
            copy.discard()
        elif answer == "later":
            copy.release()
        return answer

    # -- files --------------------------------------------------------------------------

    def _changes_resolved(self) -> bool:
        """True when the current scenario may be replaced: nothing unsaved, or the user
        saved or discarded it."""
        if not self.session.modified:
            return True
        answer = self._ask_save_changes()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def open(self) -> bool:
        path = self._ask_open_path()
        return path is not None and self.open_path(path)

    def open_path(self, path) -> bool:
        """Open a scenario file.  A malformed file shows the loader's message and keeps
        the current scenario."""
        path = Path(path)
        try:
            scenario = io.load(path)
        except io.ScenarioError as error:
            self._warn("Cannot open the scenario", error.report())
            return False
        if not self._changes_resolved():
            return False
        self.session.replace_scenario(scenario, path)
        self.remember_recent(path)
        self.arrange_plots()
        self.canvas.zoom_fit()
        return True

    def new_from_builtin(self, name: str) -> bool:
        try:
            scenario = io.load_builtin(name)
        except io.ScenarioError as error:
            self._warn("Cannot open the built-in scenario", error.report())
            return False
        if not self._changes_resolved():
            return False
        if scenario.numbering.is_default and self._persist and settings.lecture_numbering():
            scenario.numbering = Numbering(1)  # the remembered default for new documents
        self.session.replace_scenario(scenario, None)
        self.arrange_plots()
        self.canvas.zoom_fit()
        return True

    def save(self) -> bool:
        if self.session.path is None:
            return self.save_as()
        return self._save_to(self.session.path)

    def save_as(self) -> bool:
        path = self._ask_save_path()
        if path is None:
            return False
        if not path.name.endswith(".json"):
            path = path.with_name(path.name + io.EXTENSION)
        return self._save_to(path)

    def _save_to(self, path: Path) -> bool:
        try:
            io.save(self.session.scenario, path)
        except (OSError, io.ScenarioError) as error:
            reason = error.report() if isinstance(error, io.ScenarioError) else (
                error.strerror or str(error))
            self._warn("Cannot save the scenario", f"{path}: {reason}")
            return False
        self.session.mark_saved(path)
        self.remember_recent(path)
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def revert(self) -> bool:
        path = self.session.path
        if path is None:
            return False
        if self.session.modified and not self._confirm_revert():
            return False
        try:
            scenario = io.load(path)
        except io.ScenarioError as error:
            self._warn("Cannot revert", error.report())
            return False
        self.session.replace_scenario(scenario, path)
        return True

    def restore_recovery(self, copy) -> bool:
        """Open a recovery copy (a :class:`~bpsim.ui.recovery.RecoveryCopy`) as the
        unsaved changes it holds: modified, and Save writes to the file it came from.
        A copy the loader refuses shows the loader's message."""
        try:
            scenario = copy.load()
        except io.ScenarioError as error:
            self._warn("Cannot restore the recovery copy", error.report())
            return False
        self.session.replace_scenario(scenario, copy.original_path)
        self.session.undo_stack.resetClean()  # unsaved until saved: no undo reaches "saved"
        if self.autosave is not None:
            self.autosave.write_now()  # this window's own copy takes over
        copy.discard()
        self.arrange_plots()
        self.canvas.zoom_fit()
        return True

    def export_image(self) -> bool:
        path = self._ask_export_path()
        if path is None:
            return False
        export = (self.canvas.export_svg if path.suffix.lower() == ".svg"
                  else self.canvas.export_png)
        if not export(path):
            self._warn("Cannot export the image", f"{path}: could not be written")
            return False
        self.statusBar().showMessage(f"Exported {path}", 5000)
        return True

    def export_worked_example(self) -> bool:
        """File ▸ Export worked example…: HTML (self-contained, renders offline) or
        Markdown with LaTeX, chosen by the file's suffix."""
        path = self._ask_worked_example_path()
        if path is None:
            return False
        path = Path(path)
        markdown = path.suffix.lower() in (".md", ".markdown")
        from .docks.math import worked_example

        try:
            text = worked_example(self.session, "md" if markdown else "html")
            path.write_text(text, encoding="utf-8")
        except (OSError, ValueError) as error:
            reason = (error.strerror if isinstance(error, OSError) else None) or str(error)
            self._warn("Cannot export the worked example", f"{path}: {reason}")
            return False
        self.statusBar().showMessage(f"Exported the worked example to {path}", 5000)
        return True

    def export_slides(self) -> list[Path]:
        """File ▸ Export slides…: see :mod:`bpsim.ui.export_slides`."""
        from .dialogs.slides import export_from_window

        return export_from_window(self)

    def export_plots(self) -> list[Path]:
        """File ▸ Export plots…: <plot>.png and <plot>.csv for every plot, in a folder."""
        if not self.plot_docks:
            self.load_deferred_docks()
        folder = self._ask_export_folder()
        if folder is None:
            return []
        written = []
        try:
            for dock in self.plot_docks:
                panel = dock.widget()
                stem = folder / dock.objectName().removesuffix("_plot_dock")
                panel.export_csv(stem.with_suffix(".csv"))
                if panel.export_png(stem.with_suffix(".png")):
                    written.append(stem.with_suffix(".png"))
                written.append(stem.with_suffix(".csv"))
        except OSError as error:
            self._warn("Cannot export the plots", f"{folder}: {error.strerror or error}")
            return written
        self.statusBar().showMessage(f"Exported {len(written)} files to {folder}", 5000)
        return written

    def _ask_export_folder(self) -> Path | None:
        name = QFileDialog.getExistingDirectory(self, "Export plots into folder",
                                                self._start_folder())
        return Path(name) if name else None

    # -- samples of one's own --------------------------------------------------------

    def import_data(self) -> bool:
        """File ▸ Import data…: a CSV file's chosen columns become the samples, as one
        undoable edit (the Data dock's :meth:`import_samples`)."""
        path = self._ask_import_path()
        if path is None:
            return False
        try:
            table = data_import.read_csv(path)
        except (OSError, data_import.DataImportError) as error:
            reason = (error.strerror or str(error)) if isinstance(error, OSError) \
                else str(error)
            self._warn("Cannot import the data", f"{path.name}: {reason}; nothing was "
                                                 "imported")
            return False
        from .dialogs.import_data import ImportDataDialog

        data_dock = self.docks["data"]
        targets = self.session.data.dataset().y.shape[1]  # as many as now, at first
        dialog = ImportDataDialog(table, path.name, targets, self)
        if dialog.exec() != ImportDataDialog.DialogCode.Accepted:
            return False
        inputs, targets = dialog.chosen()
        try:
            samples = table.samples(inputs, targets)
        except data_import.DataImportError as refusal:
            self._warn("Cannot import the data", f"{path.name}: {refusal}; nothing was "
                                                 "imported")
            return False
        why_not = data_dock.import_samples(samples, table.row_numbers,
                                           f"Import {len(samples):,} samples from "
                                           f"{path.name}")
        if why_not:
            self._warn("Cannot import the data", f"{path.name}: {why_not}; nothing was "
                                                 "imported")
            return False
        data_dock.show()
        data_dock.raise_()
        return True

    def paste_rows(self) -> bool:
        """Edit ▸ Paste rows: the clipboard's rows replace the samples (Data dock)."""
        data_dock = self.docks["data"]
        data_dock.show()
        data_dock.raise_()
        return not data_dock.paste_from_clipboard()

    def export_samples(self) -> bool:
        """File ▸ Export samples as CSV…"""
        path = self._ask_samples_export_path()
        if path is None:
            return False
        try:
            path.write_text(self.docks["data"].samples_csv(), encoding="utf-8")
        except OSError as error:
            self._warn("Cannot export the samples", f"{path}: {error.strerror or error}")
            return False
        self.statusBar().showMessage(f"Exported the samples to {path}", 5000)
        return True

    def _ask_import_path(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, "Import data", self._start_folder(),
                                              CSV_FILTER)
        return Path(name) if name else None

    def _ask_samples_export_path(self) -> Path | None:
        stem = (self.session.path.name.removesuffix(io.EXTENSION)
                if self.session.path else "samples")
        name, _ = QFileDialog.getSaveFileName(
            self, "Export samples", str(Path(self._start_folder()) / f"{stem}.csv"),
            CSV_FILTER)
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(".csv")

    # -- recent files ------------------------------------------------------------------

    def remember_recent(self, path: Path) -> None:
        if self._persist:
            settings.add_recent_file(path)

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        paths = settings.recent_files()
        for number, path in enumerate(paths, start=1):
            action = menu.addAction(f"&{number} {path.name}",
                                    lambda p=path: self.open_recent(p))
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
        if paths:
            menu.addSeparator()
            menu.addAction("Clear list", settings.clear_recent_files)
        else:
            menu.addAction("No recent files").setEnabled(False)

    def open_recent(self, path: Path) -> bool:
        if not Path(path).exists():
            settings.remove_recent_file(path)
            self._warn("File not found",
                       f"{path} no longer exists; it was removed from the recent files.")
            return False
        return self.open_path(path)

    # -- view ----------------------------------------------------------------------------

    def _on_lecture_numbering(self, checked: bool) -> None:
        """View ▸ Number layers as the lecture: an undoable edit of the document (saved
        into its file), and the default for new documents."""
        numbering = Numbering(1 if checked else 0)
        if numbering != self.session.scenario.numbering:
            self.session.undo_stack.push(commands.SetNumberingCommand(self.session, numbering))
        if self._persist:
            settings.set_lecture_numbering(checked)

    def _sync_lecture_numbering(self) -> None:
        action = self.action("lecture_numbering")
        with QSignalBlocker(action):
            action.setChecked(self.session.scenario.numbering.input_layer == 1)

    def _on_show_weights(self, checked: bool) -> None:
        self.canvas.set_show_weights(checked)
        if self._persist:
            settings.settings().setValue("show_weights", checked)

    def _on_neuron_maps(self, checked: bool) -> None:
        self.canvas.neuron_maps.set_shown(checked)
        decision = self.findChild(QDockWidget, "decision_plot_dock")
        if decision is not None:
            decision.widget().set_neuron_maps(checked)
        if self._persist:
            settings.settings().setValue("neuron_maps", checked)

    def larger_text(self) -> None:
        self._apply_text_scale(self._text_scale * settings.TEXT_SCALE_STEP)

    def smaller_text(self) -> None:
        self._apply_text_scale(self._text_scale / settings.TEXT_SCALE_STEP)

    @property
    def text_scale(self) -> float:
        return self._text_scale

    @staticmethod
    def _set_application_font(scale: float) -> None:
        font = QApplication.font()
        if font.pointSizeF() != BASE_POINT_SIZE * scale:  # a change restyles every widget
            font.setPointSizeF(BASE_POINT_SIZE * scale)
            QApplication.setFont(font)

    def _apply_text_scale(self, scale: float) -> None:
        """The application font, the canvas labels, the phase drawing, the Math dock and
        the Tours dock grow together (also presentation mode's larger text)."""
        self._text_scale = settings.clamp_text_scale(scale)
        self._set_application_font(self._text_scale)
        self.canvas.set_font_scale(self._text_scale)
        self.action("smaller_text").setEnabled(self._text_scale > settings.TEXT_SCALE_MIN)
        self.action("larger_text").setEnabled(self._text_scale < settings.TEXT_SCALE_MAX)
        if self._persist:
            settings.set_text_scale(self._text_scale)
        self.phase_drawing.set_font_scale(self._text_scale)
        self.transport.set_text_scale(self._text_scale)
        self._follow_text_scale()

    def _follow_text_scale(self) -> None:
        scale = self._text_scale
        if self._math_dock is not None:
            self._math_dock.set_font_scale(scale)
            self._tour_dock.set_font_scale(scale)
        for dock in self.plot_docks:
            dock.widget().set_font_scale(scale)
        if self.compare_dialog is not None and shiboken6.isValid(self.compare_dialog):
            self.compare_dialog.set_font_scale(scale)
        self.gradcheck_overlay.set_font_scale(scale)
        if self.plot_docks:
            self.findChild(QDockWidget, "activation_curve_plot_dock").widget() \
                .set_font_scale(scale)
        # the neurons grow with the text: the drawings follow their new places
        self.path_highlight.redraw()
        if self.gradcheck_overlay.result is not None:
            self.gradcheck_overlay.show(self.gradcheck_overlay.result)


    # -- the transport ---------------------------------------------------------------------

    def _by_hand(self) -> None:
        """Stepping by hand pauses play and leaves the history view."""
        self.timeline.to_now()
        if self.animator.playing:
            self.animator.pause()

    def previous_phase(self) -> None:
        self._by_hand()
        self.animator.previous_phase()

    def next_phase(self) -> None:
        self._by_hand()
        self.animator.next_phase()

    def forward_step(self) -> None:
        self._by_hand()
        self.animator.advance_to(ForwardRecord)

    def backward_step(self) -> None:
        self._by_hand()
        self.animator.advance_to(BackwardRecord)

    def update_step(self) -> None:
        self._by_hand()
        self.animator.advance_to(UpdateRecord)

    def full_step(self) -> None:
        self._by_hand()
        self.animator.full_step()

    def reset(self) -> None:
        self._by_hand()
        self.animator.reset()

    def play_pause(self) -> None:
        self.timeline.to_now()
        self.animator.toggle_play()

    def _on_playing(self, playing: bool) -> None:
        play = self.action("play_pause")
        play.setText("&Pause" if playing else "&Play")
        play.setIcon(actions.standard_icon(self, "SP_MediaPause" if playing
                                           else "SP_MediaPlay"))
        actions.describe(play, "Pause training" if playing
                         else "Train continuously (at the speed chosen on the slider)")

    # -- the Math dock and the selected weight's path --------------------------------------

    def _on_selection_changed(self, selection) -> None:
        """Something selected on the canvas: its chain rule comes forward if the Math
        dock is open (in front of any dock it was tabbed with, or its floating window)."""
        dock = self.math_dock
        if selection is not None and not dock.isHidden() and not self.presentation.active:
            dock.raise_()

    def focus_on_layer(self, *_checked) -> None:
        """View ▸ Focus on layer…: the Layer focus dock, on the selection's layer."""
        selection = self.canvas.selection
        dock = self.docks["layer_focus"]
        self.show_layer_focus(selection[1] if selection is not None else dock.layer)

    def show_layer_focus(self, layer: int) -> None:
        """The Layer focus dock on ``layer``, beside the canvas with room for its matrices
        (while presenting, in the place of the plot beside the canvas)."""
        dock = self.docks["layer_focus"]
        dock.set_layer(max(1, layer))
        if self.presentation.active:
            self.presentation.show_plot(dock.objectName())
            return
        if dock.isHidden():
            inspector, training = self.docks["inspector"], self.docks["training"]
            if self.compact and inspector in self.tabifiedDockWidgets(training):
                # a short window has no width for a column more: the view takes a tab
                # beside the Inspector and Training, and the right column widens
                self.tabifyDockWidget(training, dock)
                dock.show()
                self.resizeDocks([dock], [int(self.width() * 0.4)],
                                 Qt.Orientation.Horizontal)
            else:
                dock.show()
                self.resizeDocks([dock], [int(self.width() * 0.4)],
                                 Qt.Orientation.Horizontal)
        dock.raise_()

    def show_comp_graph(self, *_checked) -> None:
        """View ▸ Computational graph: the selected neuron's graph beside the canvas,
        with room for its boxes (a tab in front of Layer focus if that is open)."""
        dock = self.docks["comp_graph"]
        if dock.isHidden():
            focus = self.docks["layer_focus"]
            if not focus.isHidden() and not focus.isFloating():
                self.tabifyDockWidget(focus, dock)
            dock.show()
            if focus.isHidden():
                self.resizeDocks([dock], [int(self.width() * 0.4)], Qt.Orientation.Horizontal)
        dock.raise_()

    def _on_path_changed(self, path) -> None:
        if path is None:
            self.path_highlight.show(None)
        else:
            self.path_highlight.show(path.edges, path.neurons)

    def _on_structure_changed(self) -> None:
        self.gradcheck_overlay.clear()
        if self.session.scenario is not self._offered_for:
            # another scenario file or built-in scenario (not an architecture edit): its
            # tour, if it has one, is offered in the Tours dock
            self._offered_for = self.session.scenario
            self.tour_dock.scenario_opened()
        # the canvas has rebuilt its items: draw the path on the new ones (with the
        # window as context: a window closed meanwhile drops the call, never paints on
        # a deleted canvas)
        QTimer.singleShot(0, self, self._redraw_after_rebuild)

    def _redraw_after_rebuild(self) -> None:
        if self._math_dock is None:
            return
        path = (self._math_dock.selected_path() if self.canvas.selection is not None
                else None)
        self._on_path_changed(path)

    # -- Tools ▸ Gradient check, Tools ▸ Compare ----------------------------------------------

    def open_gradient_check(self, *_args, analytic=None):
        """Tools ▸ Gradient check…: the dialog (not modal) and the colours on the canvas.
        An open dialog comes forward and checks again.  Returns the dialog."""
        from .dialogs.gradcheck import open_gradcheck_dialog

        dialog = self.gradcheck_dialog
        reopened = dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible()
        dialog = open_gradcheck_dialog(self.session, self, analytic)
        if not reopened:
            dialog.parameter_selected.connect(self._select_parameter)
            # a large check finishes in the worker, later: the canvas is coloured then
            dialog.result_ready.connect(self.gradcheck_overlay.show)
            dialog.finished.connect(self._on_check_closed)
            dialog.destroyed.connect(self._on_check_closed)
            self.gradcheck_dialog = dialog
        self._show_check()
        return dialog

    def _select_parameter(self, parameter) -> None:
        if parameter is None:
            return
        self.canvas.select(tuple(parameter))
        self.raise_()

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

    def _on_check_inputs_changed(self) -> None:
        # the dialog checks again by itself (data, loss); its result_ready colours anew
        self.gradcheck_overlay.clear()

    def open_compare(self):
        """Tools ▸ Compare…: the lab, non-modal (pyqtgraph is loaded only now)."""
        from .dialogs.compare import open_compare_dialog

        self.compare_dialog = open_compare_dialog(self.session, self)
        self.compare_dialog.set_font_scale(self._text_scale)
        return self.compare_dialog

    def open_landscape(self):
        """Tools ▸ Loss landscape…: non-modal, following the canvas selection and the
        history timeline (pyqtgraph is loaded only now)."""
        from .plots.landscape import open_landscape_dialog

        dialog = open_landscape_dialog(self.session, self.canvas, self.timeline, self)
        dialog.set_font_scale(self._text_scale)
        return dialog

    # -- presentation ------------------------------------------------------------------------

    def _on_presentation_toggled(self, active: bool) -> None:
        for name in ("leave_presentation", "blank_screen", "white_screen",
                     "presentation_plot"):
            self.action(name).setEnabled(active)
        self.phase_drawing.set_presenting(active)
        presentation = self.action("presentation")
        if presentation.isChecked() != active:
            presentation.setChecked(active)

    # -- Help ▸ Keyboard shortcuts, About ---------------------------------------------------

    def show_shortcuts(self) -> None:
        from .dialogs.shortcuts import ShortcutsDialog

        ShortcutsDialog(self).exec()

    def show_about(self) -> None:
        from .dialogs.about import AboutDialog

        AboutDialog(self).exec()

    # -- Help ▸ Tours ----------------------------------------------------------------------

    def show_tours(self) -> None:
        """Help ▸ Tours: the dock, with the open scenario's tour offered."""
        self.presentation.leave()
        panel = self.tour_dock
        if not panel.runner.running and panel.offered is None:
            panel.offer_tour(panel.tour_of_open_scenario())
        self.reveal_tours()

    def reveal_tours(self) -> None:
        """Show the Tours dock in front: the first time as a tab beside the Data dock
        (tall enough for the steps), later wherever the user put it.  Not while the
        window presents (presentation mode shows no side panels)."""
        if self.presentation.active:
            return
        panel, data = self.tour_dock, self.docks["data"]
        placed = (self._tours_placed or panel.isFloating()
                  or bool(self.tabifiedDockWidgets(panel))
                  or self.dockWidgetArea(panel) != Qt.DockWidgetArea.LeftDockWidgetArea)
        self._tours_placed = True
        if not placed and not data.isHidden() and not data.isFloating():
            self.tabifyDockWidget(data, panel)
            panel.show()
            # tour text wants a little more width than the data table, and most of
            # the column's height (the Layers dock above scrolls)
            self.resizeDocks([panel], [int(self.width() * TOURS_SHARE)],
                             Qt.Orientation.Horizontal)
            layers = self.docks["layers"]
            if layers.isVisible() and not layers.isFloating() \
                    and self.dockWidgetArea(layers) == Qt.DockWidgetArea.LeftDockWidgetArea:
                column = layers.height() + panel.height()
                self.resizeDocks([layers, panel], [column // 4, column - column // 4],
                                 Qt.Orientation.Vertical)
        panel.show()
        panel.raise_()

    # -- closing -------------------------------------------------------------------------

    def closeEvent(self, event) -> None:
        if not self._changes_resolved():
            event.ignore()
            return
        if self._persist:
            settings.save_window_layout(self.saveGeometry(), self.saveState(LAYOUT_VERSION))
        if self.autosave is not None:
            self.autosave.close()  # a clean exit: nothing to recover
        event.accept()
