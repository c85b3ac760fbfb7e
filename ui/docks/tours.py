"""Help ▸ Tours: the guided tour of the open built-in scenario, in a side dock that
follows what the user does (:class:`bpsim.ui.playback.tour_runner.TourRunner`).

Opening a built-in scenario that has a tour offers it here, never in a dialog; a
chooser starts any tour (opening its scenario first).  The tour files and their
conditions are :mod:`bpsim.tour`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QDockWidget, QFrame,
                               QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy,
                               QVBoxLayout, QWidget)

from bpsim import io
from bpsim.tour import Tour, bundled_tours, tour_for

from .. import theme
from ..playback.tour_runner import TourRunner

# Colours of the dock (the palette's blue for "now", green for done).
NOW_COLOUR = theme.TOUR_NOW
DONE_COLOUR = theme.TOUR_DONE
MUTED_COLOUR = theme.MUTED
OFFER_BACKGROUND = theme.TOUR_OFFER_BACKGROUND
#: tour text relative to the application font
TEXT_SCALE = 1.15
#: the dock's minimum height (it shares a tab group with the Data dock)
MIN_HEIGHT = 120

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_KEY = re.compile(r"`(.+?)`")


def tour_html(text: str) -> str:
    """Tour text as rich text: everything escaped, then **bold** and `key` caps."""
    out = html.escape(text, quote=False)
    out = _BOLD.sub(r"<b>\1</b>", out)
    out = _KEY.sub(f"<span style='background:{theme.KEY_CAP_BACKGROUND};"
                   f" border:1px solid {theme.KEY_CAP_BORDER};"
                   r" font-weight:bold'>&nbsp;\1&nbsp;</span>", out)
    return out.replace("\n", "<br>")


def _wrapped(name: str, rich: bool = True) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


class TourDock(QDockWidget):
    """The Tours dock: the tour offered for the open built-in scenario, the steps with
    the current one large, Back / Next, and a chooser for every tour.

    ``session``, ``canvas``, ``animator`` and ``find_action`` go to the runner (see
    :class:`TourRunner`).  ``open_scenario(id) -> bool`` opens a built-in scenario (the
    window's File ▸ New; it asks about unsaved changes; False if the user kept the open
    document).  ``presenting() -> bool`` is True while the window presents (no offers
    then).  ``tours`` defaults to the bundled ones."""

    def __init__(self, session, canvas, animator=None,
                 find_action: Callable[[str], object] | None = None,
                 open_scenario: Callable[[str], bool] | None = None,
                 presenting: Callable[[], bool] | None = None,
                 tours: dict[str, Tour] | None = None, parent=None):
        super().__init__("Tours", parent)
        self.setObjectName("tours_dock")
        self.setAccessibleName("Tours")
        self.session = session
        self.open_scenario = open_scenario
        self.presenting = presenting
        self.tours = bundled_tours() if tours is None else tours
        self.runner = TourRunner(session, canvas, animator, find_action, self)
        #: the tour offered for the open scenario (None: nothing to offer)
        self.offered: Tour | None = None
        #: brings the dock forward (the window places it); replaceable
        self.reveal = self._reveal
        self._font_scale = 1.0

        body = QWidget()
        body.setObjectName("tour_body")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)

        # Choosing a tour (while none runs).
        self.chooser_row = QWidget()
        chooser = QHBoxLayout(self.chooser_row)
        chooser.setContentsMargins(0, 0, 0, 0)
        self.chooser = QComboBox()
        self.chooser.setAccessibleName("Tour")
        self.chooser.setToolTip("Every tour, one per built-in scenario; Start opens its "
                                "scenario from the beginning and starts the tour")
        self.chooser.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.chooser.setMinimumContentsLength(10)
        for scenario_id, tour in self.tours.items():
            self.chooser.addItem(tour.title, scenario_id)
        self.start_button = self._button("&Start", "Start the tour chosen on the left",
                                         self._on_start_chosen)
        chooser.addWidget(self.chooser, 1)
        chooser.addWidget(self.start_button)
        layout.addWidget(self.chooser_row)

        # The offer: a hint, not a dialog; it goes away when taken or declined.
        self.offer = QFrame()
        self.offer.setObjectName("tour_offer")
        self.offer.setStyleSheet(f"QFrame#tour_offer {{ background: {OFFER_BACKGROUND};"
                                 f" border: 1px solid {theme.TOUR_OFFER_BORDER};"
                                 " border-radius: 6px; }")
        offer_layout = QVBoxLayout(self.offer)
        self.offer_label = _wrapped("Tour offered")
        offer_buttons = QHBoxLayout()
        self.offer_start = self._button("Start the tour", "Follow this scenario's guided "
                                        "tour step by step", self._on_start_offered)
        self.offer_dismiss = self._button("Not now", "Hide this hint (Help ▸ Tours "
                                          "brings the tour back)", self.dismiss_offer)
        offer_buttons.addWidget(self.offer_start)
        offer_buttons.addWidget(self.offer_dismiss)
        offer_buttons.addStretch(1)
        offer_layout.addWidget(self.offer_label)
        offer_layout.addLayout(offer_buttons)

        # The tour: title, progress, the steps done, the step now (large), what it
        # waits for.  They scroll when the dock is short.
        self.title = _wrapped("Tour title", rich=False)
        self.progress_label = _wrapped("Tour progress")
        self.done_label = _wrapped("Steps done")
        self.step_frame = QFrame()
        self.step_frame.setObjectName("tour_step")
        self.step_frame.setStyleSheet(
            f"QFrame#tour_step {{ border: 2px solid {NOW_COLOUR}; border-radius: 8px;"
            f" background: {theme.TOUR_STEP_BACKGROUND}; }}")
        step_layout = QVBoxLayout(self.step_frame)
        step_layout.setContentsMargins(10, 8, 10, 8)
        step_layout.setSpacing(6)
        self.step_title = _wrapped("Step title", rich=False)
        self.step_text = _wrapped("What to do now")
        self.step_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.waiting = _wrapped("What the tour waits for", rich=False)
        step_layout.addWidget(self.step_title)
        step_layout.addWidget(self.step_text)
        step_layout.addWidget(self.waiting)
        self.next_label = _wrapped("Coming next")

        scroll_content = QWidget()
        scroll_layout = QVBoxLayout(scroll_content)
        scroll_layout.setContentsMargins(0, 0, 0, 0)
        scroll_layout.setSpacing(6)
        for widget in (self.offer, self.title, self.progress_label, self.done_label,
                       self.step_frame, self.next_label):
            scroll_layout.addWidget(widget)
        scroll_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(scroll_content)
        self.scroll.setMinimumHeight(40)  # a small screen: the steps scroll
        layout.addWidget(self.scroll, 1)

        self.buttons_row = QWidget()
        buttons = QHBoxLayout(self.buttons_row)
        buttons.setContentsMargins(0, 0, 0, 0)
        self.back_button = self._button("◀ &Back", "The previous step of the tour",
                                        self.runner.back)
        self.next_button = self._button("&Next ▶", "The next step of the tour (it also "
                                        "moves on by itself when you do what it says)",
                                        self.runner.next)
        self.stop_button = self._button("Stop", "Leave the tour (the chooser comes back)",
                                        self.runner.stop)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.stop_button)
        layout.addWidget(self.buttons_row)

        self.offer_check = QCheckBox("Offer tours when a built-in scenario opens")
        self.offer_check.setChecked(True)
        self.offer_check.setAccessibleName("Offer tours")
        self.offer_check.setToolTip("When a built-in scenario with a tour is opened, show "
                                    "this dock with a hint to start it")
        self.offer_check.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        layout.addWidget(self.offer_check)
        # as short as the Data dock it shares a tab with may be: the steps scroll
        body.setMinimumHeight(MIN_HEIGHT)
        self.setWidget(body)

        self.runner.changed.connect(self._show)
        self.runner.progress.connect(self._show_waiting)
        self.set_font_scale(1.0)
        self.offered = self.tour_of_open_scenario()
        self._show()

    def _button(self, text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAccessibleName(text.replace("&", "").strip("◀▶ "))
        # reached with Tab, but a click leaves the keyboard to the transport (Space, →)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.clicked.connect(slot)
        return button

    # -- public -------------------------------------------------------------------------

    def set_font_scale(self, scale: float) -> None:
        """Tour text × ``scale`` (View ▸ Larger/Smaller text)."""
        self._font_scale = float(scale)
        # the application font already follows the text size: sizes are relative to it
        base = QFont(QApplication.font())
        size = base.pointSizeF() if base.pointSizeF() > 0 else 12.0
        text = QFont(base)
        text.setPointSizeF(size * TEXT_SCALE)
        heading = QFont(text)
        heading.setBold(True)
        title = QFont(base)
        title.setPointSizeF(size * 1.3)
        title.setBold(True)
        small = QFont(base)
        small.setPointSizeF(max(10.0, size * 0.95))
        self.title.setFont(title)
        self.step_title.setFont(heading)
        self.step_text.setFont(text)
        for label in (self.progress_label, self.done_label, self.waiting, self.next_label):
            label.setFont(small)

    def tour_of_open_scenario(self) -> Tour | None:
        """The tour of the built-in scenario the session shows (a saved copy of it
        included), or None."""
        return tour_for(io.builtin_id(self.session.scenario), self.tours)

    def offer_tour(self, tour: Tour | None) -> None:
        """Show (or with None, hide) the hint to start ``tour``."""
        self.offered = tour
        self._show()

    def dismiss_offer(self) -> None:
        self.offered = None
        self._show()
        if not self.runner.running:
            self.hide()

    def start(self, tour: Tour) -> bool:
        """Start ``tour`` from its first step, on its scenario as the built-in file has
        it (opened again unless the window shows it untouched).  False if the user kept
        the current document (the open asked about unsaved changes)."""
        session = self.session
        fresh = (io.builtin_id(session.scenario) == tour.scenario
                 and not session.modified and session.steps_done == 0)
        if not fresh:
            if self.open_scenario is None or not self.open_scenario(tour.scenario):
                return False
        self.offered = None
        self.runner.start(tour)
        self.reveal()
        return True

    def text(self) -> str:
        """What the dock says, as plain text (for tests and screen readers)."""
        parts = [self.offer_label.text()] if self.offer.isVisibleTo(self) else []
        parts += [self.title.text(), self.progress_label.text(), self.step_title.text(),
                  self.step_text.text(), self.waiting.text()]
        return _plain("\n".join(p for p in parts if p))

    # -- reacting ---------------------------------------------------------------------------

    def scenario_opened(self) -> None:
        """The window opened another file or built-in scenario: a tour running for the
        previous one stops, the new one's tour (if any) is offered, and the dock comes
        forward with the offer (unless offers are turned off or the window presents)."""
        tour = self.tour_of_open_scenario()
        if self.runner.running and tour is not self.runner.tour:
            self.runner.stop()
        if tour is not None and not self.runner.running:
            self.offered = tour
            self._show()
            if self.offer_check.isChecked() and self.offers_allowed():
                self.reveal()
        else:
            self.offered = None
            self._show()

    def offers_allowed(self) -> bool:
        """False while the window presents (presentation mode shows no side docks)."""
        return not (self.presenting is not None and self.presenting())

    def _reveal(self) -> None:
        self.show()
        self.raise_()

    def _on_start_offered(self) -> None:
        if self.offered is not None:
            self.start(self.offered)

    def _on_start_chosen(self) -> None:
        scenario_id = self.chooser.currentData()
        if scenario_id in self.tours:
            self.start(self.tours[scenario_id])

    # -- drawing --------------------------------------------------------------------------

    def _show(self) -> None:
        runner = self.runner
        tour = runner.tour
        offered = self.offered if not runner.running else None
        self.offer.setVisible(offered is not None)
        if offered is not None:
            self.offer_label.setText(
                f"<b>This scenario comes with a tour:</b> “{html.escape(offered.title)}”, "
                f"{len(offered.steps)} short steps. {tour_html(offered.summary)}")
        # the chooser shows the tour running, else the one offered
        shown_tour = tour if tour is not None else offered
        if shown_tour is not None:
            index = self.chooser.findData(shown_tour.scenario)
            if index >= 0:
                with QSignalBlocker(self.chooser):
                    self.chooser.setCurrentIndex(index)
        running = tour is not None
        for widget in (self.title, self.progress_label, self.step_frame, self.buttons_row):
            widget.setVisible(running)
        self.chooser_row.setVisible(not running)
        self.offer_check.setVisible(not running)
        self.back_button.setEnabled(running and runner.index > 0)
        self.next_button.setEnabled(running and not runner.finished)
        self.stop_button.setEnabled(running)
        if not running:
            self.done_label.setVisible(False)
            self.next_label.setVisible(offered is None)
            self.next_label.setText(
                "Choose a tour above and press <b>Start</b>: it opens its scenario and "
                "guides you through it, moving on by itself when you do what it says.")
            return
        total = len(tour.steps)
        self.title.setText(tour.title)
        shown = min(runner.index, total)
        dots = "".join(f"<span style='color:{DONE_COLOUR}'>●</span>" if k < shown else
                       f"<span style='color:{NOW_COLOUR}'>◉</span>" if k == shown else
                       f"<span style='color:{theme.TOUR_AHEAD}'>○</span>" for k in range(total))
        where = f"Step {shown + 1} of {total}" if not runner.finished else "Finished"
        self.progress_label.setText(f"{dots}&nbsp;&nbsp;{where}")
        # the steps already done, small and green: what the class has seen so far
        done = tour.steps[max(0, shown - 1):shown]
        self.done_label.setVisible(bool(done))
        self.done_label.setText("<br>".join(
            f"<span style='color:{DONE_COLOUR}'>✓</span> "
            f"<span style='color:{MUTED_COLOUR}'>{html.escape(s.title or _first_words(s.text))}"
            "</span>" for s in done))
        if runner.finished:
            self.step_title.setText("✓ Tour complete")
            self.step_text.setText("Well done. Press <b>Back</b> to look at a step again, or "
                                   "choose another tour above.")
            self.waiting.setText("")
            self.next_label.setVisible(False)
        else:
            step = runner.step
            self.step_title.setText(step.title or f"Step {shown + 1}")
            self.step_text.setText(tour_html(step.text))
            self._show_waiting()
            following = tour.steps[shown + 1] if shown + 1 < total else None
            self.next_label.setVisible(following is not None)
            if following is not None:
                self.next_label.setText(
                    f"<span style='color:{MUTED_COLOUR}'>Next: "
                    f"{html.escape(following.title or _first_words(following.text))}</span>")
        self.scroll.ensureWidgetVisible(self.step_frame)

    def _show_waiting(self) -> None:
        kind = self.runner.condition.kind
        mark = "▶ " if kind != "next" else ""
        self.waiting.setText(mark + self.runner.waiting_text())
        self.waiting.setStyleSheet(f"color: {NOW_COLOUR if kind != 'next' else MUTED_COLOUR};")


def _first_words(text: str, count: int = 8) -> str:
    words = re.sub(r"[`*]", "", text).split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def _plain(rich: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", rich)
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\xa0", " ")
    return re.sub(r" {2,}", " ", text)
