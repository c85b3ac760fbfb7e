"""The "Compare" lab: train copies of the current network that differ in one setting
(the hidden activation, the initializer, the learning rate, the momentum or the
optimizer) and overlay their per-layer gradient profiles and loss curves.  Learning
rates and momenta are typed as a list ("1, 0.05, 0.001"), each checked against the
settings table; a run that diverges is drawn up to where it did and named so.

The runs happen in a worker thread (:func:`bpsim.compare.compare` on a copy of the
scenario taken when Run is pressed, through :class:`bpsim.ui.worker.Worker`), with a
progress bar and Cancel; the session's network is never touched.  The window has one
lab: :func:`open_compare_dialog` brings the open one forward.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QFrame, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem,
                               QProgressBar, QPushButton, QScrollArea, QSpinBox, QSplitter,
                               QVBoxLayout, QWidget)

from bpsim import activations as act
from bpsim import settings_spec
from bpsim.compare import (ACTIVATION_VARIANTS, INIT_LABELS, NUMBER_SETTINGS,
                           OPTIMIZER_LABELS, compare, parse_values, variant_training)
from bpsim.initializers import SCHEMES
from bpsim.notation.numbers import format_number

from .. import theme
from ..plots.style import (INK, LINE_WIDTH, LayerAxis, new_plot_widget, set_plot_font_scale,
                           style_plot)
from ..worker import Worker

#: Okabe-Ito: told apart with every kind of colour blindness
VARIANT_COLOURS = theme.VARIANTS
SYMBOLS = ("o", "s", "t", "d", "star", "p", "h", "+")
SETTING_LABELS = {"activation": "Hidden-layer activation", "init": "Weight initializer",
                  **{name: settings_spec.get(name).title
                     for name in ("learning_rate", "momentum", "optimizer")}}
#: what the list of values starts with: the lecture's three learning rates (one
#: overshoots, one converges, one crawls) and three momenta
DEFAULT_VALUES = {"learning_rate": "1, 0.05, 0.001", "momentum": "0, 0.5, 0.9"}
DEFAULT_STEPS = 200
#: the dialog's size when the screen has room for it (else the screen's, less a margin)
PREFERRED_SIZE = (1400, 620)
#: the share of the screen's free area the dialog may take at most
SCREEN_SHARE = 0.94
#: the column of choices: its widest and narrowest (it scrolls up and down)
CONTROLS_WIDTH = 360
CONTROLS_MIN_WIDTH = 220
#: plot titles and legends (points, at text scale 1)
TITLE_POINT_SIZE = 15
LEGEND_POINT_SIZE = 13


class CompareDialog(QDialog):
    """Pick a setting, its variants and a number of steps; Run; read the overlay."""

    #: the runs finished (or were cancelled) and are drawn
    results_ready = Signal(object)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("compare_dialog")
        self.setWindowTitle("Compare — the vanishing-gradient and learning-rate lab")
        self.setAccessibleName("Compare variants of the network")
        self.results: list = []
        self.cancelled = False
        #: the window's text scale (View ▸ Larger text, presentation mode)
        self.font_scale = 1.0
        self._started = 0.0
        self.worker = Worker(self)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)

        # -- choices -----------------------------------------------------------------
        self.setting_box = QComboBox()
        self.setting_box.setObjectName("compare_setting")
        self.setting_box.setAccessibleName("Setting to compare")
        self.setting_box.setToolTip("The one setting that differs between the copies")
        for key, label in SETTING_LABELS.items():
            self.setting_box.addItem(label, key)
        self.setting_box.currentIndexChanged.connect(self._fill_variants)

        self.variant_list = QListWidget()
        self.variant_list.setObjectName("compare_variants")
        self.variant_list.setAccessibleName("Variants to train")
        self.variant_list.setToolTip("Tick the variants to train side by side")
        self.variant_list.setMaximumHeight(150)

        #: the typed values of a number setting (η, μ), kept per setting while open
        self.values_edit = QLineEdit()
        self.values_edit.setObjectName("compare_values")
        self.values_edit.setAccessibleName("Values to train")
        self.values_edit.setPlaceholderText("e.g. 1, 0.05, 0.001")
        self.values_edit.textEdited.connect(self._on_values_edited)
        self._typed = dict(DEFAULT_VALUES)

        self.steps_box = QSpinBox()
        self.steps_box.setObjectName("compare_steps")
        self.steps_box.setAccessibleName("Training steps per variant")
        self.steps_box.setToolTip("How many training steps each copy takes")
        self.steps_box.setRange(1, 100_000)
        self.steps_box.setValue(DEFAULT_STEPS)
        self.steps_box.setSingleStep(50)

        self.profile_box = QComboBox()
        self.profile_box.setObjectName("compare_profile_at")
        self.profile_box.setAccessibleName("Gradient profile at")
        self.profile_box.setToolTip("Which step's gradients the profile shows")
        self.profile_box.addItem("first step (initial weights)", "initial")
        self.profile_box.addItem("last step", "final")
        self.profile_box.currentIndexChanged.connect(lambda _: self._draw())

        self.log_loss_box = QCheckBox("Log scale loss")
        self.log_loss_box.setObjectName("compare_loss_log")
        self.log_loss_box.setAccessibleName("Loss plot: logarithmic y axis")
        self.log_loss_box.setToolTip("Show the loss curves on a logarithmic axis")
        self.log_loss_box.toggled.connect(self._on_log_loss)

        self.run_button = QPushButton("Run")
        self.run_button.setObjectName("compare_run")
        self.run_button.setAccessibleName("Run the comparison")
        self.run_button.setToolTip("Train a copy per variant (the network itself is not changed)")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("compare_cancel")
        self.cancel_button.setAccessibleName("Cancel the comparison")
        self.cancel_button.setToolTip("Stop training the copies (what is done is shown)")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("compare_progress")
        self.progress_bar.setAccessibleName("Comparison progress")
        self.progress_bar.setToolTip("Steps trained over all variants")
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(0)
        self.status = QLabel("Same initial weights and the same batches for every variant; "
                             "the network in the window is not changed.")
        self.status.setObjectName("compare_status")
        self.status.setAccessibleName("Comparison status")
        self.status.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Compare", self.setting_box)
        form.addRow("Variants", self.variant_list)
        form.addRow("Values", self.values_edit)
        self.form = form
        form.addRow("Steps", self.steps_box)
        form.addRow("Profile at", self.profile_box)
        form.addRow("", self.log_loss_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addLayout(buttons)
        left.addWidget(self.progress_bar)
        left.addWidget(self.status)
        left.addStretch(1)
        controls = QWidget()
        controls.setLayout(left)
        # the choices scroll when large text makes them taller than a small screen
        self.controls_area = QScrollArea()
        self.controls_area.setObjectName("compare_controls")
        self.controls_area.setWidgetResizable(True)
        self.controls_area.setFrameShape(QFrame.Shape.NoFrame)
        self.controls_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.controls_area.setWidget(controls)
        self.controls_area.setMaximumWidth(CONTROLS_WIDTH)
        self.controls_area.setMinimumWidth(CONTROLS_MIN_WIDTH)

        # -- plots ---------------------------------------------------------------------
        self._layer_axis = LayerAxis("bottom")
        self.profile_widget = new_plot_widget(self._layer_axis)
        self.profile_widget.setObjectName("compare_profile_plot")
        self.profile_widget.setAccessibleName("Gradient profile of each variant")
        self.profile_widget.setToolTip("‖∂J/∂W⁽ˡ⁾‖ per layer for each variant, log scale, "
                                       "input side left")
        self.profile_plot = self.profile_widget.getPlotItem()
        style_plot(self.profile_plot, "layer (input side → output)", "‖∂J/∂W‖")
        self.profile_plot.setLogMode(y=True)
        self.profile_plot.setTitle("Gradient profile", size=self._title_size(), color=INK)
        self.profile_legend = self.profile_plot.addLegend(
            offset=(-10, -10), labelTextSize=f"{LEGEND_POINT_SIZE}pt", labelTextColor=INK,
            brush=pg.mkBrush(255, 255, 255, 220), pen=pg.mkPen(theme.PLOT_LEGEND_BORDER))
        self.loss_widget = new_plot_widget()
        self.loss_widget.setObjectName("compare_loss_plot")
        self.loss_widget.setAccessibleName("Loss curve of each variant")
        self.loss_widget.setToolTip("The training loss of each variant at every step")
        self.loss_plot = self.loss_widget.getPlotItem()
        style_plot(self.loss_plot, "step", "loss J")
        self.loss_plot.setTitle("Loss", size=self._title_size(), color=INK)
        self.loss_legend = self.loss_plot.addLegend(
            offset=(-10, 10), labelTextSize=f"{LEGEND_POINT_SIZE}pt", labelTextColor=INK,
            brush=pg.mkBrush(255, 255, 255, 220), pen=pg.mkPen(theme.PLOT_LEGEND_BORDER))
        #: label → curve, for what is drawn
        self.profile_curves: dict[str, pg.PlotDataItem] = {}
        self.loss_curves: dict[str, pg.PlotDataItem] = {}

        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(self.profile_widget)
        plots.addWidget(self.loss_widget)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        outer = QHBoxLayout()
        outer.addWidget(self.controls_area)
        outer.addWidget(plots, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(outer, 1)
        layout.addWidget(close)
        self._fit_screen()
        self._fill_variants()

    def _fit_screen(self) -> None:
        """PREFERRED_SIZE, or less on a small screen (a 1280×720 projector): the plots
        take what is left, the choices scroll."""
        screen = self.screen() if self.parentWidget() is None \
            else self.parentWidget().screen()
        free = screen.availableGeometry() if screen is not None else None
        width, height = PREFERRED_SIZE
        if free is not None:
            width = min(width, int(free.width() * SCREEN_SHARE))
            height = min(height, int(free.height() * SCREEN_SHARE))
        self.resize(width, height)

    def _title_size(self) -> str:
        return f"{TITLE_POINT_SIZE * self.font_scale:.3g}pt"

    def set_font_scale(self, scale: float) -> None:
        """Plot titles, ticks, axis titles and legends at the window's text size (the
        controls follow the application font by themselves)."""
        self.font_scale = scale
        for plot, legend in ((self.profile_plot, self.profile_legend),
                             (self.loss_plot, self.loss_legend)):
            set_plot_font_scale(plot, scale)
            legend.setLabelTextSize(f"{LEGEND_POINT_SIZE * scale:.3g}pt")
            plot.setTitle(plot.titleLabel.text, size=self._title_size(), color=INK)

    # -- choices ---------------------------------------------------------------------------

    @property
    def setting(self) -> str:
        return self.setting_box.currentData()

    def _fill_variants(self) -> None:
        self.variant_list.clear()
        scenario = self.session.scenario
        typed = self.setting in NUMBER_SETTINGS
        self.form.setRowVisible(self.variant_list, not typed)
        self.form.setRowVisible(self.values_edit, typed)
        if typed:
            spec = settings_spec.get(self.setting)
            self.values_edit.setText(self._typed[self.setting])
            self.values_edit.setToolTip(
                f"Values of {settings_spec.phrase(self.setting)} to train side by side, "
                f"separated by commas, semicolons or spaces; each "
                f"{spec.describe_range()}")
            return
        if self.setting == "activation":
            options = [(name, act.get(name).label) for name in ACTIVATION_VARIANTS]
            ticked = {"sigmoid", "relu"}
        elif self.setting == "optimizer":
            options = list(OPTIMIZER_LABELS.items())
            own = scenario.training.optimizer
            ticked = {own, "adam" if own != "adam" else "sgd"}
        else:
            options = [(name, INIT_LABELS[name]) for name in SCHEMES]
            own = scenario.init.scheme
            ticked = {own, "he_normal" if own != "he_normal" else "xavier_uniform"}
        for key, label in options:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if key in ticked
                               else Qt.CheckState.Unchecked)
            self.variant_list.addItem(item)

    def set_setting(self, setting: str) -> None:
        self.setting_box.setCurrentIndex(self.setting_box.findData(setting))

    def _on_values_edited(self, text: str) -> None:
        self._typed[self.setting] = text

    def set_variants(self, keys) -> None:
        """Tick the variants ``keys``; for η and μ, type them into the list of values."""
        if self.setting in NUMBER_SETTINGS:
            self.values_edit.setText(", ".join(str(k) for k in keys))
            self._typed[self.setting] = self.values_edit.text()
            return
        keys = set(keys)
        for i in range(self.variant_list.count()):
            item = self.variant_list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole)
                               in keys else Qt.CheckState.Unchecked)

    def variants(self) -> list:
        """The variants to train: the ticked ones, or the typed numbers (ValueError
        saying which one is refused and why)."""
        if self.setting in NUMBER_SETTINGS:
            return parse_values(self.setting, self.values_edit.text())
        items = (self.variant_list.item(i) for i in range(self.variant_list.count()))
        return [item.data(Qt.ItemDataRole.UserRole) for item in items
                if item.checkState() == Qt.CheckState.Checked]

    # -- running ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.worker.running

    def run(self) -> None:
        """Start training the variants in a worker thread."""
        if self.running:
            return
        try:
            variants = self.variants()
            # the settings each variant trains with, checked before any thread starts
            for variant in variants:
                variant_training(self.session.scenario, self.setting, variant)
        except ValueError as refused:
            self.status.setText(f"{refused}.".replace("..", "."))
            self.values_edit.setFocus()
            return
        if not variants:
            self.status.setText("Tick at least one variant.")
            return
        network = self.session.network
        if self.setting == "activation" and network.depth < 2:
            self.status.setText("Comparing activations needs a hidden layer.")
            return
        steps = self.steps_box.value()
        # The worker trains a copy: the session's network stays as it is.
        scenario = self.session.scenario.copy()
        setting = self.setting
        self.cancelled = False
        self.progress_bar.setRange(0, steps * len(variants))
        self.progress_bar.setValue(0)
        self.status.setText(f"Training {len(variants)} copies for {steps:,} steps…")
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._started = time.perf_counter()
        self.worker.start(lambda progress, cancelled: compare(
            scenario, setting, variants, steps, progress=progress, cancelled=cancelled))

    def cancel(self) -> None:
        if self.running:
            self.cancelled = True
            self.worker.cancel()
            self.status.setText("Cancelling…")

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setValue(done)

    def _on_finished(self, results) -> None:
        seconds = time.perf_counter() - self._started
        self._show_idle()
        self.results = results
        if self.cancelled:
            self.status.setText("Cancelled: showing the steps done so far.")
        else:
            self.progress_bar.setValue(self.progress_bar.maximum())
            self.status.setText(f"{len(results)} variants × {self.steps_box.value():,} steps "
                                f"in {format_number(seconds, 2)} s. "
                                "The network in the window is unchanged.")
        diverged = [f"{r.label} diverged at {r.divergence}" for r in results if r.divergence]
        if diverged:
            self.status.setText(self.status.text() + "\n" + "; ".join(diverged) + ".")
        self._draw()
        self.results_ready.emit(results)

    def _on_failed(self, message: str) -> None:
        self._show_idle()
        self.status.setText(message)

    def _show_idle(self) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def done(self, result: int) -> None:
        # closing while a run is going: stop it first (the thread must not outlive us)
        self.worker.stop()
        self._show_idle()
        super().done(result)

    # -- drawing -------------------------------------------------------------------------

    def _on_log_loss(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)

    def _draw(self) -> None:
        for plot, curves, legend in ((self.profile_plot, self.profile_curves, self.profile_legend),
                                     (self.loss_plot, self.loss_curves, self.loss_legend)):
            for curve in curves.values():
                plot.removeItem(curve)
            curves.clear()
            legend.clear()
        if not self.results:
            return
        at = self.profile_box.currentData()
        depth = self.results[0].grad_norms.shape[1]
        self._layer_axis.set_count(depth)
        layers = np.arange(1, depth + 1)
        for k, result in enumerate(self.results):
            colour = VARIANT_COLOURS[k % len(VARIANT_COLOURS)]
            profile = result.initial_profile if at == "initial" else result.final_profile
            ratio = profile[0] / profile[-1] if profile[-1] > 0 else float("nan")
            label = f"{result.label}  (layer 1 / {depth}: {format_number(ratio, 2)})"
            curve = pg.PlotDataItem(
                layers, profile, pen=pg.mkPen(colour, width=LINE_WIDTH + 1),
                symbol=SYMBOLS[k % len(SYMBOLS)], symbolSize=13, symbolBrush=pg.mkBrush(colour),
                symbolPen=pg.mkPen(INK, width=1), name=label)
            self.profile_plot.addItem(curve)
            self.profile_curves[result.label] = curve
            # a diverged run ends in an overflow: drawn up to its last finite loss
            losses = np.where(np.isfinite(result.losses), result.losses, np.nan)
            name = result.label if result.divergence is None else \
                f"{result.label}  (diverged at step {result.steps_done})"
            loss = pg.PlotDataItem(np.arange(1, result.steps_done + 1), losses,
                                   pen=pg.mkPen(colour, width=LINE_WIDTH), name=name,
                                   connect="finite")
            self.loss_plot.addItem(loss)
            # after addItem: pyqtgraph clips to the view box it is in
            loss.setClipToView(True)
            loss.setDownsampling(auto=True, method="peak")
            self.loss_curves[result.label] = loss
        self.profile_plot.setXRange(0.4, depth + 0.6, padding=0)
        self.profile_plot.enableAutoRange(axis="y")
        self.loss_plot.enableAutoRange()
        where = "first step" if at == "initial" else "last step"
        self.profile_plot.setTitle(f"Gradient profile at the {where}", size=self._title_size(),
                                   color=INK)


def open_compare_dialog(session, parent=None) -> CompareDialog:
    """Tools ▸ Compare… (Ctrl+K): the lab (non-modal) for ``session``.  A window has
    one: when ``parent`` already shows a lab, that one comes forward (with its choices
    and results) instead of a second.  Returns the dialog."""
    dialog = _open_child(parent, CompareDialog)
    if dialog is None:
        dialog = CompareDialog(session, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def _open_child(parent, kind):
    """The dialog of type ``kind`` that ``parent`` shows, if any (a closed one waiting
    to be deleted does not count)."""
    if parent is None:
        return None
    return next((child for child in parent.findChildren(kind) if child.isVisible()), None)


def create_compare_action(session, parent) -> QAction:
    """The "Compare…" action (objectName ``compare``) that opens the lab."""
    action = QAction("Compare…", parent)
    action.setObjectName("compare")
    action.setToolTip("Train copies differing in one setting (activation, initializer, "
                      "learning rate, momentum, optimizer) and compare their gradient "
                      "profiles and losses")
    action.setStatusTip(action.toolTip())
    action.triggered.connect(lambda: open_compare_dialog(session, parent))
    return action
