"""The plot docks of a preset's session, shown as the window shows them."""

from __future__ import annotations

import pytest

from bpsim.io import load_builtin
from bpsim.ui.plots import create_plot_docks
from bpsim.ui.session import Session


class Panels(dict):
    """The plot panels by name ("loss", "gradients", "profile", "activations",
    "decision")."""

    def paint(self) -> None:
        """Repaint now instead of at the next 30 Hz tick."""
        next(iter(self.values())).controller.flush()


@pytest.fixture
def plots(qtbot):
    """Build the plot docks of a preset's session: plots("xor") → (session, panels)."""

    alive = []  # parentless docks live as long as their Python wrappers

    def build(preset: str):
        session = Session(load_builtin(preset))
        docks = create_plot_docks(session)
        alive.extend(docks)
        panels = Panels()
        for dock in docks:
            qtbot.addWidget(dock)
            dock.resize(700, 450)
            dock.show()
            panels[dock.objectName().removesuffix("_plot_dock")] = dock.widget()
        return session, panels

    return build
