"""The main window: the network canvas in the middle, the docks around it, the menus,
files (new, open, save, revert, recent), undo and the remembered layout.

Dialogs go through small methods (``_ask_open_path``, ``_ask_save_path``,
``_ask_export_path``, ``_ask_save_changes``, ``_confirm_revert``, ``_warn``) so tests
replace them instead of driving native dialogs.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QDockWidget, QFileDialog,
                               QFrame, QLabel, QLineEdit, QMainWindow, QMessageBox,
                               QPlainTextEdit, QScrollArea, QTextEdit, QToolBar, QUndoView)

from bpsim import io

from . import commands, settings
from .canvas import NetworkCanvas
from .docks import DataDock, InspectorDock, LayersDock, TrainingDock
from .session import Session
from .teaching import install_teaching
from .playback.transport import install_animation

LESSON_FILTER = "bpsim lessons (*.bpsim.json *.json)"
IMAGE_FILTER = "PNG image (*.png);;SVG drawing (*.svg)"
#: saveState/restoreState version: bump when the dock set changes incompatibly
LAYOUT_VERSION = 1
DEFAULT_SIZE = (1600, 1000)
#: the application font before View ▸ Larger/Smaller text (points; projectors need ≥ 11)
BASE_POINT_SIZE = 12.0
#: the plots take this share of the window's height below the canvas
PLOTS_HEIGHT = 0.3
#: the width a plot needs to be read: more plots than fit side by side become tabs
PLOT_WIDTH = 520
PLOT_MIN_WIDTH = 300
PHASE_PLACEHOLDER = "phase stepping arrives with the animation"


def display_number(value: float) -> str:
    """4 significant digits with a real minus sign, as on the canvas: 0.49, −4.2."""
    return f"{value:.4g}".replace("-", "−").replace("inf", "∞")


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
        self._actions: dict[str, QAction] = {}

        self.canvas = NetworkCanvas(session)
        self.canvas.setObjectName("canvas")
        self.setCentralWidget(self.canvas)

        self._create_docks()
        self._create_file_actions()
        self._create_edit_actions()
        self._create_view_actions()
        self._create_train_actions()
        self._create_menus()
        self._create_toolbar()
        self._create_status_bar()
        install_animation(self)  # the transport bar, timeline and phase animation
        install_teaching(self)  # Math dock, gradient check, handout, presentation, lessons

        session.file_state_changed.connect(self._on_file_state_changed)
        session.structure_changed.connect(self._on_file_state_changed)
        session.message.connect(self._on_message)
        for signal in (session.parameters_changed, session.structure_changed,
                       session.data_changed, session.training_changed,
                       session.sample_changed):
            signal.connect(self._update_status)
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
        self._apply_text_scale(self._text_scale)

    # -- building ---------------------------------------------------------------------

    def action(self, name: str) -> QAction:
        """The QAction whose objectName is ``name``."""
        found = self._actions.get(name) or self.findChild(QAction, name)
        if found is None:
            raise KeyError(name)
        return found

    def _new_action(self, name: str, text: str, slot, shortcuts=(), tip: str = "",
                    checkable: bool = False) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        keys = [QKeySequence(k) for k in shortcuts]
        action.setShortcuts(keys)
        if keys:
            names = " or ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                                for k in keys)
            tip = f"{tip} ({names})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work while the menu bar is hidden, too
        self._actions[name] = action
        return action

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

    def _create_file_actions(self) -> None:
        self._new_action("open", "&Open…", self.open, ["Ctrl+O"],
                         "Open a lesson file")
        self._new_action("save", "&Save", self.save, ["Ctrl+S"],
                         "Save the lesson")
        self._new_action("save_as", "Save &As…", self.save_as, ["Ctrl+Shift+S"],
                         "Save the lesson under a new name")
        self._new_action("revert", "&Revert", self.revert, (),
                         "Reload the lesson from its file, dropping unsaved changes")
        self._new_action("export_image", "&Export image…", self.export_image, (),
                         "Save the drawn network as a PNG or SVG image")
        self._new_action("export_plots", "Export &plots…", self.export_plots, (),
                         "Save every plot as a PNG picture and its numbers as CSV, "
                         "into a folder")
        self._new_action("quit", "&Quit", self.close, ["Ctrl+Q"],
                         "Close bpsim")

    def _create_edit_actions(self) -> None:
        # Fixed texts keep the toolbar steady; the tooltip names the edit.  The state
        # comes with the stack's signals (the stack may be going away when they fire).
        stack = self.session.undo_stack
        self._new_action("undo", "&Undo", stack.undo, ["Ctrl+Z"], "Undo the last edit")
        self._new_action("redo", "&Redo", stack.redo, ["Ctrl+Shift+Z", "Ctrl+Y"],
                         "Redo the edit just undone")
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
        action.setEnabled(possible)
        keys = " or ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                           for k in action.shortcuts())
        tip = (f"{name.capitalize()} “{what}” ({keys})" if possible
               else f"Nothing to {name} ({keys})")
        action.setToolTip(tip)
        action.setStatusTip(tip)

    def _create_view_actions(self) -> None:
        self._new_action("show_weights", "Show &weights", self._on_show_weights, (),
                         "Write each weight's value on its edge", checkable=True)
        self.action("show_weights").setChecked(True)
        self._new_action("larger_text", "&Larger text", self.larger_text,
                         ["Ctrl++", "Ctrl+="], "Make all text larger, for projectors")
        self._new_action("smaller_text", "&Smaller text", self.smaller_text,
                         ["Ctrl+-"], "Make all text smaller")
        self._new_action("zoom_fit", "&Fit to window", lambda: self.canvas.zoom_fit(),
                         ["Ctrl+0"], "Fit the whole network into the window")
        self._new_action("zoom_in", "Zoom &in", lambda: self.canvas.zoom_in(), (),
                         "Zoom into the network (also the mouse wheel)")
        self._new_action("zoom_out", "Zoom &out", lambda: self.canvas.zoom_out(), (),
                         "Zoom out of the network (also the mouse wheel)")

    def _create_train_actions(self) -> None:
        """The transport.  The phase actions are placeholders until the animation
        takes them over: ``action.triggered.disconnect()`` then connect its own slots."""
        self.train_actions = {
            name: self._new_action(name, text, slot, keys, tip)
            for name, text, slot, keys, tip in (
                ("forward_step", "&Forward step", self._phase_placeholder, ["F"],
                 "Run the forward pass, one layer at a time"),
                ("backward_step", "&Backward step", self._phase_placeholder, ["B"],
                 "Run the backward pass, one layer at a time"),
                ("update_step", "&Update step", self._phase_placeholder, ["U"],
                 "Apply the gradient-descent update w ← w − η·∂J/∂w"),
                ("full_step", "Full &step", self.full_step, ["Return", "Enter"],
                 "One whole training step: forward, loss, backward, update"),
                ("play_pause", "&Play / Pause", self._phase_placeholder, ["P"],
                 "Train continuously, or pause"),
                ("reset", "&Reset", self.reset, ["R"],
                 "Back to the initial weights (the ones loaded or last re-initialized)"),
            )}

    def _create_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_menu = file_menu.addMenu("&New")
        self.new_menu.menuAction().setObjectName("new")
        self.new_menu.menuAction().setToolTip("Start from one of the built-in lessons")
        for name in io.preset_names():
            action = self.new_menu.addAction(name, lambda n=name: self.new_from_preset(n))
            action.setObjectName(f"new_{name}")
            action.setToolTip(f"Start a new lesson from the {name} preset")
        self.new_menu.aboutToShow.connect(self._show_preset_titles)
        file_menu.addAction(self.action("open"))
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.menuAction().setObjectName("open_recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        for name in ("save", "save_as", "revert"):
            file_menu.addAction(self.action(name))
        file_menu.addSeparator()
        file_menu.addAction(self.action("export_image"))
        file_menu.addAction(self.action("export_plots"))
        file_menu.addSeparator()
        file_menu.addAction(self.action("quit"))

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.action("undo"))
        edit_menu.addAction(self.action("redo"))
        edit_menu.addSeparator()
        edit_menu.addAction(self.docks["history"].toggleViewAction())

        view_menu = bar.addMenu("&View")
        self._add_actions(view_menu, ("show_weights", None, "larger_text", "smaller_text",
                                      None, "zoom_fit", "zoom_in", "zoom_out", None))
        self.docks_menu = view_menu.addMenu("&Docks")
        self.docks_menu.menuAction().setObjectName("docks")
        for dock in self.docks.values():
            self.docks_menu.addAction(dock.toggleViewAction())

        self._add_actions(bar.addMenu("&Train"),
                          ("forward_step", "backward_step", "update_step", None,
                           "full_step", "play_pause", None, "reset"))

    def _show_preset_titles(self) -> None:
        """Menu entries say what each preset is (read when the menu first opens, not at
        start-up)."""
        self.new_menu.aboutToShow.disconnect(self._show_preset_titles)
        for action in self.new_menu.actions():
            name = action.objectName().removeprefix("new_")
            try:
                title = io.load_preset(name).title
            except io.ScenarioError:
                continue
            if title:
                action.setText(f"{title}  ({name})")

    def _add_actions(self, menu_or_toolbar, names) -> None:
        """The named actions in order; None is a separator."""
        for name in names:
            if name is None:
                menu_or_toolbar.addSeparator()
            else:
                menu_or_toolbar.addAction(self.action(name))

    def _create_toolbar(self) -> None:
        """Two toolbars: files, undo and view; and the training step (the animation's
        transport bar may take the place of the second)."""
        self.toolbar = self._new_toolbar("toolbar", "Toolbar", (
            "open", "save", None, "undo", "redo", None, "zoom_fit", "show_weights"))
        self.train_toolbar = self._new_toolbar("train_toolbar", "Training step", (
            "forward_step", "backward_step", "update_step", "full_step", "play_pause",
            "reset"))

    def _new_toolbar(self, name: str, title: str, actions) -> QToolBar:
        toolbar = QToolBar(title, self)
        toolbar.setObjectName(name)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.setMovable(False)
        self._add_actions(toolbar, actions)
        for action in toolbar.actions():
            button = toolbar.widgetForAction(action)
            if button is not None and not action.isSeparator():
                button.setAccessibleName(action.text().replace("&", ""))
        self.addToolBar(toolbar)
        self.docks_menu.addAction(toolbar.toggleViewAction())
        return toolbar

    def _create_status_bar(self) -> None:
        status = self.statusBar()
        self.loss_label = QLabel()
        self.loss_label.setObjectName("loss_label")
        self.loss_label.setToolTip(
            "The loss J with the weights as they are now (after the last update), on the "
            "sample shown and on all samples; the loss plot shows each step's loss before "
            "its update")
        self.step_label = QLabel()
        self.step_label.setObjectName("step_label")
        self.step_label.setToolTip("Training steps taken since the initial weights")
        for label in (self.loss_label, self.step_label):
            label.setAccessibleName(label.toolTip())
            status.addPermanentWidget(label)
        # Only these take the style sheet: one set on the whole application makes
        # every widget slower to create (about 0.1 s more before the first paint).
        style = (importlib.resources.files("bpsim.resources") / "style.qss").read_text("utf-8")
        for widget in (self.toolbar, self.train_toolbar, status):
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

    def load_deferred_docks(self) -> None:
        """Add the plot docks (imports pyqtgraph); done once, after the first paint."""
        if self._deferred_loaded:
            return
        self._deferred_loaded = True
        from . import plots  # pyqtgraph: longer to import than the whole first frame

        self.plot_docks = plots.create_plot_docks(self.session, parent=self)
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
        if not restored:
            self.arrange_plots()

    def arrange_plots(self) -> None:
        """Show the plots that tell this lesson's story best below the canvas: side by
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
            self.resizeDocks(row[:1], [int(height * PLOTS_HEIGHT)],
                             Qt.Orientation.Vertical)

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
        network, loss_name = session.network, session.scenario.training.loss
        x, y = session.sample()
        sample_loss = network.loss(x, y, loss_name)
        n = len(session.dataset)
        if n == 1:
            text = f"Loss now: {display_number(sample_loss)}"
        else:
            total = network.loss(session.dataset.x, session.dataset.y, loss_name)
            text = (f"Loss now: sample {session.current_sample + 1} = "
                    f"{display_number(sample_loss)} · all {n} samples = "
                    f"{display_number(total)}")
        self.loss_label.setText(text)
        self.step_label.setText(f"Step {session.trainer.steps_done}")

    def _on_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    # -- dialogs (replaced in tests) --------------------------------------------------

    def _start_folder(self) -> str:
        if self.session.path is not None:
            return str(self.session.path.parent)
        recent = settings.recent_files()
        return str(recent[0].parent) if recent else str(Path.home())

    def _ask_open_path(self) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, "Open lesson", self._start_folder(),
                                              LESSON_FILTER)
        return Path(name) if name else None

    def _ask_save_path(self) -> Path | None:
        suggestion = self.session.path or Path(self._start_folder()) / (
            (self.session.scenario.title or "lesson").lower().replace(" ", "-")
            + io.EXTENSION)
        name, _ = QFileDialog.getSaveFileName(self, "Save lesson as", str(suggestion),
                                              LESSON_FILTER)
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
        """Open a lesson file.  A malformed file shows the loader's message and keeps
        the current scenario."""
        path = Path(path)
        try:
            scenario = io.load(path)
        except io.ScenarioError as error:
            self._warn("Cannot open the lesson", error.report())
            return False
        if not self._changes_resolved():
            return False
        self.session.replace_scenario(scenario, path)
        self.remember_recent(path)
        self.arrange_plots()
        self.canvas.zoom_fit()
        return True

    def new_from_preset(self, name: str) -> bool:
        try:
            scenario = io.load_preset(name)
        except io.ScenarioError as error:
            self._warn("Cannot open the preset", error.report())
            return False
        if not self._changes_resolved():
            return False
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
            self._warn("Cannot save the lesson", f"{path}: {reason}")
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

    def _on_show_weights(self, checked: bool) -> None:
        self.canvas.set_show_weights(checked)
        if self._persist:
            settings.settings().setValue("show_weights", checked)

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
        """The application font and the canvas labels grow together."""
        self._text_scale = settings.clamp_text_scale(scale)
        self._set_application_font(self._text_scale)
        self.canvas.set_font_scale(self._text_scale)
        self.action("smaller_text").setEnabled(self._text_scale > settings.TEXT_SCALE_MIN)
        self.action("larger_text").setEnabled(self._text_scale < settings.TEXT_SCALE_MAX)
        if self._persist:
            settings.set_text_scale(self._text_scale)

    # -- training ------------------------------------------------------------------------

    def full_step(self) -> None:
        commands.train(self.session, 1)

    def reset(self) -> None:
        session = self.session
        at_start = session.trainer.steps_done == 0 and all(
            np.array_equal(w, w0) for w, w0 in zip(
                session.network.weights + session.network.biases,
                session.initial_weights + session.initial_biases))
        if at_start:
            session.message.emit("Already at the initial weights.")
            return
        session.undo_stack.push(commands.ResetCommand(session))

    def _phase_placeholder(self) -> None:
        self.statusBar().showMessage(PHASE_PLACEHOLDER, 5000)

    # -- closing -------------------------------------------------------------------------

    def closeEvent(self, event) -> None:
        if not self._changes_resolved():
            event.ignore()
            return
        if self._persist:
            settings.save_window_layout(self.saveGeometry(), self.saveState(LAYOUT_VERSION))
        event.accept()
