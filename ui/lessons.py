"""Former names of the Tours dock, for the window code that still imports them.
The dock is :class:`bpsim.ui.docks.tours.TourDock`, the tour format :mod:`bpsim.tour`."""

from __future__ import annotations

from bpsim import io
from bpsim.tour import tour_for

from .docks.tours import TourDock


class LessonPanel(TourDock):
    """The Tours dock built from the window's parts."""

    def __init__(self, window, open_preset=None):
        super().__init__(window.session, window.canvas, animator=window.animator,
                         find_action=window.action, open_scenario=open_preset,
                         presenting=lambda: window.teaching.presenting)

    @property
    def lessons(self):
        return self.tours

    def offer_lesson(self, tour) -> None:
        self.offer_tour(tour)


def lesson_for(scenario, lessons=None):
    """The tour of the built-in scenario ``scenario`` was opened from, or None."""
    return tour_for(io.builtin_id(scenario), lessons)
