"""Every action of the main window, declared once.

Each :class:`ActionSpec` names one QAction (its objectName, found by
``window.action(name)``, kept stable for tests and remembered layouts): the text, the
keys, the tooltip, the menu it sits in and the slot.  A slot is the dotted name of a
method on the window or on one of its parts (``"save"``, ``"canvas.zoom_fit"``),
looked up once when the window builds its actions, after its parts exist.  The menus
(:data:`MENUS`, in the order of this table, a separator between sections) and the
toolbars (:data:`TOOLBAR`, :data:`TRANSPORT`) are built from it.

Keys are window-wide (also with the menu bar hidden, in presentation mode); the window
gives plain keys to a text field that has the focus, so typing a number never steps
the animation.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QStyle


@dataclass(frozen=True)
class ActionSpec:
    """One action as the user meets it: menu entry, toolbar button, keys, tooltip."""

    #: objectName: ``window.action(name)``
    name: str
    #: the menu entry ("&" marks the mnemonic)
    text: str
    #: dotted name of the method on the window it calls; None: the action is made by
    #: its owner (undo and redo by the undo stack), the table gives the rest
    slot: str | None
    keys: tuple[str, ...] = ()
    #: what it does, in a sentence; its keys are added in brackets
    tip: str = ""
    #: the menu it sits in (a name in MENUS; "" for none: keys and toolbars only)
    menu: str = ""
    #: entries of one menu with different sections are parted by a separator
    section: int = 0
    checkable: bool = False
    checked: bool = False
    enabled: bool = True
    #: a QStyle.StandardPixmap name ("SP_MediaPlay"); "" for none
    icon: str = ""
    #: the text on a toolbar button, if not the menu text
    icon_text: str = ""


@dataclass(frozen=True)
class SubmenuSpec:
    """A menu inside a menu, filled by the window (``window.menus[name]``)."""

    name: str
    text: str
    tip: str
    menu: str
    section: int = 0


#: the menu bar, left to right: (name, title)
#: (each menu's "&" letter, its Alt key, differs from the others': Train has T, Tools O)
MENUS = (("file", "&File"), ("edit", "&Edit"), ("view", "&View"), ("train", "&Train"),
         ("tools", "T&ools"), ("help", "&Help"))

ACTIONS = (
    # -- File ------------------------------------------------------------------------------
    SubmenuSpec("new", "&New", "Start from one of the built-in scenarios", "file"),
    ActionSpec("open", "&Open…", "open", ("Ctrl+O",), "Open a scenario file", "file"),
    SubmenuSpec("open_recent", "Open &Recent", "Open a scenario file opened before", "file"),
    ActionSpec("import_data", "&Import data…", "import_data", (),
               "Read samples from a CSV file (a header row naming the columns): choose "
               "the input and target columns; the samples replace the current ones",
               "file"),
    ActionSpec("save", "&Save", "save", ("Ctrl+S",), "Save the scenario", "file", 1),
    ActionSpec("save_as", "Save &As…", "save_as", ("Ctrl+Shift+S",),
               "Save the scenario under a new name", "file", 1),
    ActionSpec("revert", "Re&vert", "revert", (),
               "Reload the scenario from its file, dropping unsaved changes", "file", 1),
    ActionSpec("export_image", "&Export image…", "export_image", (),
               "Save the drawn network as a PNG or SVG image", "file", 2),
    ActionSpec("export_worked_example", "Export &worked example…", "export_worked_example",
               (), "Write the step the Math dock shows as a handout: forward pass, loss, "
               "every chain-rule factor and the update, with the numbers (HTML or "
               "Markdown with LaTeX)", "file", 2),
    ActionSpec("export_slides", "Export s&lides…", "export_slides", (),
               "Write the step on screen as slides, one page per phase with the canvas "
               "and its banner (PDF or PNG files), or as an animated PNG of the step or "
               "of a training run", "file", 2),
    ActionSpec("export_plots", "Export &plots…", "export_plots", (),
               "Save every plot as a PNG picture and its numbers as CSV, into a folder",
               "file", 2),
    ActionSpec("export_samples", "Export samples as &CSV…", "export_samples", (),
               "Save the samples as a CSV file: a header row x1, …, y1, …, then one row "
               "per sample", "file", 2),
    ActionSpec("quit", "&Quit", "close", ("Ctrl+Q",), "Close bpsim", "file", 3),
    # -- Edit (the history dock's toggle follows, after a separator) ------------------------
    ActionSpec("undo", "&Undo", None, ("Ctrl+Z",), "Undo the last edit", "edit",
               icon_text="Undo"),
    ActionSpec("redo", "&Redo", None, ("Ctrl+Shift+Z", "Ctrl+Y"),
               "Redo the edit just undone", "edit", icon_text="Redo"),
    ActionSpec("paste_rows", "&Paste rows", "paste_rows", (),
               "Replace the samples with rows copied from a spreadsheet: the last "
               "columns are the targets, the others the inputs (Ctrl+V in the samples "
               "table)", "edit", 1),
    # -- View --------------------------------------------------------------------------------
    ActionSpec("show_weights", "Show &weights", "_on_show_weights", (),
               "Write each weight's value on its edge", "view", checkable=True,
               checked=True),
    ActionSpec("lecture_numbering", "&Number layers as the lecture (input = layer 1)",
               "_on_lecture_numbering", (),
               "Count the input as layer 1 (a⁽¹⁾ = X) and let W⁽ˡ⁾ leave layer l, as the "
               "lecture does; saved into the scenario file", "view", checkable=True),
    ActionSpec("neuron_maps", "Neuron &maps", "_on_neuron_maps", (),
               "Show each neuron's output over the input plane as a small map inside "
               "it (2-D points only); the selected neuron's map fills the decision plot",
               "view", checkable=True),
    ActionSpec("larger_text", "&Larger text", "larger_text", ("Ctrl++", "Ctrl+="),
               "Make all text larger, for projectors", "view", 1),
    ActionSpec("smaller_text", "&Smaller text", "smaller_text", ("Ctrl+-",),
               "Make all text smaller", "view", 1),
    ActionSpec("zoom_fit", "&Fit to window", "canvas.zoom_fit", ("Ctrl+0",),
               "Fit the whole network into the window", "view", 2),
    ActionSpec("zoom_in", "Zoom &in", "canvas.zoom_in", (),
               "Zoom into the network (also the mouse wheel)", "view", 2),
    ActionSpec("zoom_out", "Zoom &out", "canvas.zoom_out", (),
               "Zoom out of the network (also the mouse wheel)", "view", 2),
    ActionSpec("focus_layer", "Fo&cus on layer…", "focus_on_layer", ("Ctrl+L",),
               "One layer's forward and backward pass as vectors and matrices with the "
               "step's numbers (also a double-click on a layer's title)", "view", 2),
    ActionSpec("comp_graph", "Computational &graph", "show_comp_graph", (),
               "The selected neuron as an autograd library builds it: w·a, +, f with each "
               "value, its gradient and each edge's local derivative, from the step's "
               "records", "view", 2),
    ActionSpec("presentation", "&Presentation", "presentation.toggle", ("F5",),
               "Full screen for the projector: large text, high contrast, the "
               "network, the Math dock and a plot (G chooses it); Esc leaves", "view", 3, checkable=True),
    ActionSpec("activation_curve", "&Activation curve", "show_activation_curve", (),
               "Plot the selected neuron's activation f(z) and its derivative f′(z), with "
               "its z and the batch's z values", "view", 4),
    SubmenuSpec("docks", "&Docks", "Show or hide the docks and toolbars", "view", 4),
    # Esc belongs to the canvas (deselect) and to editors except while presenting
    ActionSpec("leave_presentation", "Leave presentation", "presentation.leave", ("Esc",),
               "Back to the window as it was", enabled=False),
    # a clicker's blank-screen keys: black (B or .) or white (W); any key shows the
    # slide again; only while presenting (elsewhere these keys do nothing)
    ActionSpec("blank_screen", "Blank screen", "presentation.blank_black", ("B", "."),
               "While presenting: a black screen; any key brings the network back",
               enabled=False),
    ActionSpec("white_screen", "White screen", "presentation.blank_white", ("W",),
               "While presenting: a white screen; any key brings the network back",
               enabled=False),
    ActionSpec("presentation_plot", "Next plot beside the canvas",
               "presentation.next_plot", ("G",),
               "While presenting: show a plot beside the network, in turn the gradient "
               "profile, the gradients per layer, the loss, the decision boundary, none",
               enabled=False),
    # -- Train: the transport ------------------------------------------------------------------
    ActionSpec("previous_phase", "Back", "previous_phase", ("Left", "PgUp"),
               "Show the previous phase again (changes nothing)", "train",
               icon="SP_MediaSeekBackward"),
    ActionSpec("next_phase", "Next", "next_phase", ("Right", "Space", "PgDown"),
               "Next phase: forward layer by layer, the loss, backward layer by layer, "
               "the update", "train", icon="SP_MediaSeekForward"),
    ActionSpec("forward_step", "&Forward step", "forward_step", ("F",),
               "Run the forward pass, one layer at a time", "train", 1),
    # not the plain B: a clicker's blank-screen key (B, W or .) must never step a phase
    ActionSpec("backward_step", "&Backward step", "backward_step", ("Shift+B",),
               "Run the backward pass, one layer at a time", "train", 1),
    ActionSpec("update_step", "&Update step", "update_step", ("U",),
               "Apply the gradient-descent update w ← w − η·∂J/∂w", "train", 1),
    ActionSpec("full_step", "Full &step", "full_step", ("Return", "Enter"),
               "One whole training step: forward, loss, backward, update", "train", 2,
               icon="SP_MediaSkipForward", icon_text="Step"),
    # text, icon and tooltip follow the animator (see MainWindow._on_playing)
    ActionSpec("play_pause", "&Play", "play_pause", ("P",),
               "Train continuously (at the speed chosen on the slider)", "train", 2,
               icon="SP_MediaPlay"),
    ActionSpec("reset", "&Reset", "reset", ("R",),
               "Back to the initial weights (the ones loaded or last re-initialized)",
               "train", 3, icon="SP_BrowserReload"),
    # a classroom mode; Ctrl+Shift+R, never a key a presenter's clicker sends (arrows,
    # Page Up/Down, Space, B, W, ., Esc, F5)
    ActionSpec("predict_reveal", "Pre&dict, then reveal", "animator.set_reveal_mode",
               ("Ctrl+Shift+R",),
               "Classroom mode: each phase first shows the number it computes as “?” "
               "(ŷ = ?, J = ?, ∂J/∂w = ?) so the class commits to a guess; the next → "
               "reveals it with its formula, the one after moves on", "train", 4,
               checkable=True),
    # -- Tools, Help -------------------------------------------------------------------------
    ActionSpec("gradient_check", "&Gradient check…", "open_gradient_check", ("Ctrl+G",),
               "Compare backprop's gradient of every weight and bias with the central "
               "difference, in a table and coloured on the canvas", "tools"),
    ActionSpec("compare", "&Compare…", "open_compare", ("Ctrl+K",),
               "The vanishing-gradient and learning-rate lab: train copies that differ in "
               "one setting (hidden activation, initializer, learning rate, momentum or "
               "optimizer) and overlay their gradient profiles and losses; this network "
               "is not touched", "tools"),
    ActionSpec("landscape", "Loss &landscape…", "open_landscape", ("Ctrl+Shift+K",),
               "J along one weight with the run's steps as arrows, or over a plane through "
               "two weights with the run's path; it follows the history timeline", "tools"),
    ActionSpec("tours", "&Tours", "show_tours", ("F1",),
               "Guided tours of the built-in scenarios: short steps that follow what you do",
               "help"),
    ActionSpec("shortcuts", "&Keyboard shortcuts", "show_shortcuts", (),
               "Every action's keys, in a table you can search", "help", 1),
    ActionSpec("about", "&About bpsim", "show_about", (),
               "bpsim's version and licence, and the versions of Python, Qt and numpy",
               "help", 1),
)

#: the main toolbar (None: a separator)
TOOLBAR = ("open", "save", None, "undo", "redo", None, "zoom_fit", "show_weights")
#: the transport bar's buttons
TRANSPORT = ("previous_phase", "next_phase", "full_step", "play_pause", "reset")


def describe(action: QAction, tip: str) -> None:
    """Tooltip and status tip: ``tip`` and the action's keys, "Save the scenario (Ctrl+S)"."""
    keys = " or ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                       for k in action.shortcuts())
    text = f"{tip} ({keys})" if keys else tip
    action.setToolTip(text)
    action.setStatusTip(text)


def standard_icon(widget, name: str):
    return widget.style().standardIcon(getattr(QStyle.StandardPixmap, name))


def create_actions(window, made: dict[str, QAction]) -> dict[str, QAction]:
    """Every action of ACTIONS, its slot on ``window`` connected; ``made`` holds the
    actions their owners make (undo, redo).  Each is added to the window, so its keys
    work while the menu bar is hidden."""
    actions = {}
    for spec in ACTIONS:
        if not isinstance(spec, ActionSpec):
            continue
        if spec.slot is None:
            action = made[spec.name]  # its owner keeps its text and whether it is enabled
        else:
            action = QAction(spec.text, window)
            action.setCheckable(spec.checkable)
            action.setChecked(spec.checked)
            action.setEnabled(spec.enabled)
            action.triggered.connect(attrgetter(spec.slot)(window))
        action.setObjectName(spec.name)
        if spec.icon_text:
            action.setIconText(spec.icon_text)
        if spec.icon:
            action.setIcon(standard_icon(window, spec.icon))
        action.setShortcuts([QKeySequence(k) for k in spec.keys])
        describe(action, spec.tip)
        window.addAction(action)
        actions[spec.name] = action
    return actions


def create_menus(bar: QMenuBar, actions: dict[str, QAction]) -> dict[str, QMenu]:
    """The menu bar's menus and their submenus (by name), filled from ACTIONS."""
    menus = {}
    for name, title in MENUS:
        menus[name] = bar.addMenu(title)
        menus[name].menuAction().setObjectName(name)
    sections: dict[str, int] = {}
    for spec in ACTIONS:
        if not spec.menu:
            continue
        menu = menus[spec.menu]
        if sections.setdefault(spec.menu, spec.section) != spec.section:
            menu.addSeparator()
            sections[spec.menu] = spec.section
        if isinstance(spec, SubmenuSpec):
            submenu = menu.addMenu(spec.text)
            submenu.menuAction().setObjectName(spec.name)
            submenu.menuAction().setToolTip(spec.tip)
            menus[spec.name] = submenu
        else:
            menu.addAction(actions[spec.name])
    return menus
