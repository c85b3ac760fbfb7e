"""View ▸ Presentation (F5): the window as a projector shows it.

Full screen, larger text, a high-contrast palette, and only the network canvas and the
Math dock (plus the transport bar with its phase indicator).  G shows a plot below
the canvas, in turn the gradient profile, the gradients per layer, the loss, the
decision boundary, then none again (the plots' text grows with the rest).
The transport keys (→ ← Page Down/Up, Space, Enter) are window shortcuts and keep
working; the canvas takes the keyboard focus so that no text field swallows them.
A clicker's blank-screen keys blank the screen, B or . black and W white; any key
brings the network back (and does nothing else: no phase is stepped unseen).
Esc (or F5 again) leaves and puts back exactly what was there: dock and toolbar
layout (saveState/restoreState), geometry, window state, text size, palette, focus.
"""

from __future__ import annotations

from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (QApplication, QCheckBox, QDockWidget, QLineEdit, QSlider,
                               QToolBar, QToolButton, QWidget)

from . import theme

#: text size in presentation: the window's own times this (within the window's limits)
TEXT_FACTOR = 1.6
#: the Math dock's share of the width in presentation
MATH_SHARE = 0.36
#: with a plot below the canvas: the plot's share of the height and the Math dock's
#: of the width (below, not beside: a deep network is wide, and its canvas keeps the
#: whole width left of the Math dock)
PLOT_SHARE = 0.42
MATH_SHARE_WITH_PLOT = 0.3
#: the plots G shows in turn (dock objectNames; None: no plot)
PLOT_CYCLE = (None, "profile_plot_dock", "gradients_plot_dock", "loss_plot_dock",
              "decision_plot_dock", "activation_curve_plot_dock")
#: shown in a plot's place when asked for (View ▸ Focus on layer, Ctrl+L), not by G
LAYER_FOCUS = "layer_focus_dock"
#: saveState/restoreState version of the layout kept while presenting (ours only)
STATE_VERSION = 0x5E5

# High contrast: black on white, a dark blue selection (7:1 and more for text; see
# the palette for the one lighter tone, disabled text).
_HIGH_CONTRAST = {
    QPalette.ColorRole.Window: theme.HIGH_CONTRAST_PAPER,
    QPalette.ColorRole.WindowText: theme.HIGH_CONTRAST_INK,
    QPalette.ColorRole.Base: theme.HIGH_CONTRAST_PAPER,
    QPalette.ColorRole.AlternateBase: theme.HIGH_CONTRAST_ALTERNATE,
    QPalette.ColorRole.Text: theme.HIGH_CONTRAST_INK,
    QPalette.ColorRole.Button: theme.HIGH_CONTRAST_PAPER,
    QPalette.ColorRole.ButtonText: theme.HIGH_CONTRAST_INK,
    QPalette.ColorRole.BrightText: theme.HIGH_CONTRAST_PAPER,
    QPalette.ColorRole.Highlight: theme.HIGH_CONTRAST_SELECTION,
    QPalette.ColorRole.HighlightedText: theme.HIGH_CONTRAST_PAPER,
    QPalette.ColorRole.ToolTipBase: theme.HIGH_CONTRAST_PAPER,
    QPalette.ColorRole.ToolTipText: theme.HIGH_CONTRAST_INK,
    QPalette.ColorRole.PlaceholderText: theme.HIGH_CONTRAST_SOFT_INK,
    QPalette.ColorRole.Mid: theme.HIGH_CONTRAST_SOFT_INK,
    QPalette.ColorRole.Dark: theme.HIGH_CONTRAST_INK,
    QPalette.ColorRole.Shadow: theme.HIGH_CONTRAST_INK,
    QPalette.ColorRole.Light: theme.HIGH_CONTRAST_PAPER,
    QPalette.ColorRole.Midlight: theme.HIGH_CONTRAST_MIDLIGHT,
}


def high_contrast_palette(base: QPalette) -> QPalette:
    palette = QPalette(base)
    for role, colour in _HIGH_CONTRAST.items():
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, role, QColor(colour))
    # disabled controls stay readable on a projector, just lighter
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText,
                     QColor(theme.HIGH_CONTRAST_DISABLED))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText,
                     QColor(theme.HIGH_CONTRAST_DISABLED))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text,
                     QColor(theme.HIGH_CONTRAST_DISABLED))
    return palette


class BlankScreen(QWidget):
    """Covers the whole window in one colour (a clicker's "blank screen").  It holds
    the keyboard while shown: the next key only takes it away, so a key pressed in the
    dark never steps a phase nobody saw."""

    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("blank_screen")
        self.setAccessibleName("Blank screen")
        self.setAutoFillBackground(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._back_to: QWidget | None = None
        self.hide()

    @property
    def colour(self) -> str:
        return self.palette().color(QPalette.ColorRole.Window).name()

    def cover(self, colour: str) -> None:
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(colour))
        self.setPalette(palette)
        self.setGeometry(self.parentWidget().rect())
        if not self.isVisible():
            focus = QApplication.focusWidget()
            self._back_to = focus if focus is not self else None
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def uncover(self) -> None:
        if not self.isVisible():
            return
        self.hide()
        back = self._back_to
        self._back_to = None
        if back is not None and shiboken6.isValid(back) and back.isVisible():
            back.setFocus(Qt.FocusReason.OtherFocusReason)

    def event(self, event) -> bool:
        # every key is this widget's while it is shown (no window shortcut fires) …
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        # … and only brings the network back
        if not event.isAutoRepeat():
            self.uncover()
        event.accept()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.uncover()
        event.accept()


@dataclass
class _Saved:
    """What presentation mode changes, as it was before."""

    geometry: QByteArray
    #: the window's rectangle (restoreGeometry alone fits it into the screen)
    rect: QRect
    state: QByteArray
    window_state: Qt.WindowState
    text_scale: float
    menu_bar: bool
    status_bar: bool
    palette: QPalette
    focus: QWidget | None
    #: the kept toolbars' widgets and their fonts (a style sheet keeps them from
    #: following the application font, so presentation sets each one)
    toolbar_fonts: list
    #: toolbar entries hidden while presenting (typed settings), to show again
    hidden_entries: list


class PresentationMode(QObject):
    """Presentation mode of ``window`` (a MainWindow with ``canvas`` and ``text_scale``).

    ``math_dock()`` returns the dock that stays beside the canvas (made on first use);
    ``set_text_scale(scale)`` applies a text size to the whole window (fonts, canvas,
    docks); ``kept_toolbars()`` lists the toolbars that stay (the transport: its phase
    indicator and step counter); ``load_docks()`` makes every lazily made dock, so that
    the layout saved on entering holds them all."""

    #: True on entering, False on leaving
    toggled = Signal(bool)

    def __init__(self, window, math_dock, set_text_scale, kept_toolbars, load_docks,
                 plot_docks=lambda: [], kept_entries=lambda: [], parent=None):
        """``plot_docks()`` lists the docks that may stand beside the canvas: the plots G
        shows and the Layer focus dock.  ``kept_entries()`` lists the kept toolbars'
        typed entries that are for the class, not for preparing (the guess of predict,
        then reveal): they stay as their owner shows or hides them."""
        super().__init__(parent or window)
        self.window = window
        self._math_dock = math_dock
        self.set_text_scale = set_text_scale
        self.kept_toolbars = kept_toolbars
        self.kept_entries = kept_entries
        self._load_docks = load_docks
        self._plot_docks = plot_docks
        self._saved: _Saved | None = None
        #: the plot shown beside the canvas (a dock objectName, PLOT_CYCLE), kept for
        #: the next time the window presents
        self.plot_name: str | None = None
        self.blank_screen = BlankScreen(window)
        # closing the window while presenting: leave first, so the window remembers its
        # ordinary layout and not the presentation
        window.installEventFilter(self)
        window.session.structure_changed.connect(self._on_structure_changed)

    @property
    def math_dock(self) -> QDockWidget:
        return self._math_dock()

    @property
    def active(self) -> bool:
        return self._saved is not None

    def toggle(self) -> None:
        if self.active:
            self.leave()
        else:
            self.enter()

    def enter(self) -> None:
        if self.active:
            return
        window = self.window
        self._load_docks()  # every dock exists before the layout is saved
        self._saved = _Saved(
            geometry=window.saveGeometry(), rect=window.geometry(),
            state=window.saveState(STATE_VERSION),
            window_state=window.windowState(), text_scale=float(window.text_scale),
            menu_bar=window.menuBar().isVisibleTo(window),
            status_bar=window.statusBar().isVisibleTo(window),
            palette=QPalette(QApplication.palette()), focus=QApplication.focusWidget(),
            toolbar_fonts=[(widget, QFont(widget.font())) for bar in self.kept_toolbars()
                           for widget in (bar, *bar.findChildren(QWidget))],
            hidden_entries=[])
        QApplication.setPalette(high_contrast_palette(self._saved.palette))
        before = QApplication.font().pointSizeF()
        self.set_text_scale(self._saved.text_scale * TEXT_FACTOR)
        # widgets under a style sheet do not inherit fonts: each grows by itself
        growth = QApplication.font().pointSizeF() / before if before > 0 else 1.0
        for widget, font in self._saved.toolbar_fonts:
            larger = QFont(font)
            if font.pointSizeF() > 0:
                larger.setPointSizeF(font.pointSizeF() * growth)
            widget.setFont(larger)
        self._strip()
        # the Math dock keeps the whole height on the right; a plot goes below the canvas
        self._corners = [(corner, window.corner(corner)) for corner in
                         (Qt.Corner.BottomLeftCorner, Qt.Corner.BottomRightCorner)]
        window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        window.showFullScreen()
        self._size_math_dock()
        window.canvas.setFocus(Qt.FocusReason.OtherFocusReason)
        # the full-screen geometry arrives with the next events; fit the network then
        QTimer.singleShot(0, self, self._after_resize)
        self.toggled.emit(True)

    def _strip(self) -> None:
        """Only the canvas, the Math dock and the kept toolbars stay."""
        window = self.window
        for dock in window.findChildren(QDockWidget):
            if dock is not self.math_dock and dock.parent() is window:
                dock.hide()
        kept = self.kept_toolbars()
        for bar in window.findChildren(QToolBar):
            if bar.parent() is window:
                bar.setVisible(bar in kept)
        entries = self.kept_entries()
        for bar in kept:
            # typed settings (stop after n steps, target loss) are for preparing a
            # scenario; with large text they would push the step counter off the bar
            for action in bar.actions():
                widget = bar.widgetForAction(action)
                if action in entries:
                    continue
                # the speed and the stop conditions too: set before presenting, they
                # leave the room at 1280×720 to the step counter
                if action.isVisible() and widget is not None and (
                        widget.findChildren(QSlider)
                        or widget.objectName() == "stop_conditions_button"
                        or not isinstance(widget, QToolButton)
                        and (widget.findChildren(QLineEdit)
                             or widget.findChildren(QCheckBox))):
                    action.setVisible(False)
                    self._saved.hidden_entries.append(action)
        math = self.math_dock
        if math.isFloating():
            math.setFloating(False)
        if window.dockWidgetArea(math) != Qt.DockWidgetArea.RightDockWidgetArea:
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, math)
        math.show()
        math.raise_()
        self._place_plot()
        window.menuBar().hide()
        window.statusBar().hide()

    def _size_math_dock(self) -> None:
        window = self.window
        plot = self.plot_dock
        if plot is None:
            window.resizeDocks([self.math_dock], [int(window.width() * MATH_SHARE)],
                               Qt.Orientation.Horizontal)
        else:
            window.resizeDocks([self.math_dock], [int(window.width() * MATH_SHARE_WITH_PLOT)],
                               Qt.Orientation.Horizontal)
            window.resizeDocks([plot], [int(window.height() * PLOT_SHARE)],
                               Qt.Orientation.Vertical)

    # -- a plot beside the canvas -------------------------------------------------------

    @property
    def plot_dock(self) -> QDockWidget | None:
        """The dock of the plot shown beside the canvas (None: no plot)."""
        if self.plot_name is None:
            return None
        return next((dock for dock in self._plot_docks()
                     if dock.objectName() == self.plot_name), None)

    def next_plot(self) -> None:
        """G: the next plot of PLOT_CYCLE beside the canvas (after the last, none)."""
        if not self.active:
            return
        index = PLOT_CYCLE.index(self.plot_name) if self.plot_name in PLOT_CYCLE else 0
        self.show_plot(PLOT_CYCLE[(index + 1) % len(PLOT_CYCLE)])

    def show_plot(self, name: str | None) -> None:
        """Show the plot dock ``name`` (an objectName of PLOT_CYCLE, or LAYER_FOCUS)
        beside the canvas, or none; the layout before presenting comes back on leaving
        all the same."""
        old = self.plot_dock
        self.plot_name = name
        if not self.active:
            return
        if old is not None and old is not self.plot_dock:
            old.hide()
        self._place_plot()
        self._size_math_dock()

    def _place_plot(self) -> None:
        """The chosen plot below the canvas (the Math dock keeps the right side)."""
        dock = self.plot_dock
        if dock is None:
            return
        window = self.window
        if dock.isFloating():
            dock.setFloating(False)
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        if window.dockWidgetArea(dock) != bottom or window.tabifiedDockWidgets(dock):
            window.removeDockWidget(dock)  # out of its tab group
            window.addDockWidget(bottom, dock)
        dock.show()
        dock.raise_()

    # -- a clicker's blank screen ---------------------------------------------------------

    def blank_black(self) -> None:
        """B or . while presenting: a black screen (again: the network is back)."""
        self._blank(theme.HIGH_CONTRAST_INK)

    def blank_white(self) -> None:
        """W while presenting: a white screen (again: the network is back)."""
        self._blank(theme.HIGH_CONTRAST_PAPER)

    def _blank(self, colour: str) -> None:
        if not self.active:
            return
        self.blank_screen.cover(colour)

    def _after_resize(self) -> None:
        if not self.active:
            return
        self._size_math_dock()
        self.window.canvas.zoom_fit()

    def leave(self) -> None:
        saved, self._saved = self._saved, None
        if saved is None:
            return
        window = self.window
        self.blank_screen.uncover()
        QApplication.setPalette(saved.palette)
        self.set_text_scale(saved.text_scale)
        # what was kept on entering may have been deleted while presenting (a closed
        # Gradient check dialog held the focus, a rebuilt toolbar entry): a dead object
        # raises here, and raised from the close event's filter it ends the process
        for widget, font in saved.toolbar_fonts:
            if shiboken6.isValid(widget):
                widget.setFont(font)
        for action in saved.hidden_entries:
            if shiboken6.isValid(action):
                action.setVisible(True)
        # the window state first (leaving full screen), then the exact geometry and
        # layout it had
        window.setWindowState(saved.window_state)
        if not saved.window_state & (Qt.WindowState.WindowFullScreen
                                     | Qt.WindowState.WindowMaximized):
            window.showNormal()
        window.restoreGeometry(saved.geometry)
        if not saved.window_state & (Qt.WindowState.WindowFullScreen
                                     | Qt.WindowState.WindowMaximized):
            window.setGeometry(saved.rect)
        for corner, area in getattr(self, "_corners", ()):
            window.setCorner(corner, area)
        self._refresh_dock_sizes()
        window.restoreState(saved.state, STATE_VERSION)
        # the dock sizes are proportions of the window's size at the time: once the
        # window has really left full screen (posted resize events), once more
        QTimer.singleShot(0, self, lambda: self._restore_state_again(saved.state))
        window.menuBar().setVisible(saved.menu_bar)
        window.statusBar().setVisible(saved.status_bar)
        focus = saved.focus
        if focus is not None and shiboken6.isValid(focus) and focus.isVisible():
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self.toggled.emit(False)

    def _restore_state_again(self, state: QByteArray) -> None:
        if self.active:
            return
        self._refresh_dock_sizes()
        self.window.restoreState(state, STATE_VERSION)

    def _refresh_dock_sizes(self) -> None:
        # the docks' contents have their ordinary text size again: a dock's layout
        # keeps the minimum size of the large text until told that its content changed
        for dock in self.window.findChildren(QDockWidget):
            if dock.widget() is not None:
                dock.widget().updateGeometry()
        # and the layouts inside them (a plot's row of controls) settle now, before the
        # saved sizes are applied, not after
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest.value)

    # -- events ------------------------------------------------------------------------

    def _on_structure_changed(self) -> None:
        # opening another scenario arranges its plots: keep the presentation clean
        if self.active:
            QTimer.singleShot(0, self, self._restrip)

    def _restrip(self) -> None:
        if self.active:
            self._strip()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if watched is self.window and event.type() == QEvent.Type.Close and self.active:
            self.leave()
        if watched is self.window and event.type() == QEvent.Type.Resize \
                and self.blank_screen.isVisible():
            self.blank_screen.setGeometry(self.window.rect())
        return False
