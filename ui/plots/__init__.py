"""Live plots of training, each in its own dock (pyqtgraph is imported only here).

- Loss vs step (:mod:`.loss`)
- Gradient magnitude per layer vs step, ‖∂J/∂W⁽ˡ⁾‖ or mean |∂J/∂w|
  (:mod:`.gradients`)
- Gradient profile now: one bar per layer, input side left, with the sigmoid bound
  (:mod:`.profile`)
- Activations per layer over the batch of the last step, with saturation / dead units
  (:mod:`.activations`)
- Decision boundary (2 inputs) or fitted curve (1 input) (:mod:`.decision`)
- One neuron's activation f(z) and f′(z), with its z and the batch's z values
  (:mod:`.activation_curve`; the window passes it the canvas selection)

The session records every full step in its :class:`~bpsim.history.History` (bounded
memory; cut back on undo, cleared on reset or a new network).  One
:class:`~.controller.PlotsController` per session tells the plots to repaint, at most
30 times a second; hidden plots wait until they are shown.  Curves are created once
and fed with ``setData``; every number drawn comes from the engine's records or from
the engine itself (``network.predict``, ``network.forward``, :mod:`bpsim.diagnostics`).
The panels share :mod:`.panel` (controls, readout, pacing, export) and :mod:`.style`.

The window calls :func:`create_plot_docks` and :func:`suggested_plots`, and connects
the timeline's ``step_shown`` to ``controller_for(session).set_cursor``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDockWidget

from .activation_curve import ActivationCurvePanel
from .activations import ActivationsPanel
from .controller import PlotsController, controller_for
from .decision import DecisionPanel
from .gradients import GradientsPanel
from .loss import LossPanel
from .profile import ProfilePanel

if TYPE_CHECKING:  # the history comes from the session (or a Compare run)
    from bpsim.history import History

__all__ = ["PANELS", "PlotsController", "controller_for", "create_plot_docks",
           "suggested_plots"]

PANELS = (LossPanel, GradientsPanel, ProfilePanel, ActivationsPanel, DecisionPanel,
          ActivationCurvePanel)


def suggested_plots(scenario) -> list[str]:
    """objectNames of the plot docks that tell this scenario's story best: the gradient
    plots for deep networks (the vanishing-gradient presets), the decision plot for
    one or two inputs, the loss always."""
    names = ["loss_plot_dock"]
    if scenario.network.depth >= 4:
        names += ["gradients_plot_dock", "profile_plot_dock", "activations_plot_dock"]
    if scenario.network.layers[0] <= 2:
        names.append("decision_plot_dock")
    return names


def create_plot_docks(session, history: History | None = None,
                      parent=None) -> list[QDockWidget]:
    """One dock per plot, objectNames ``loss_plot_dock``, ``gradients_plot_dock``,
    ``profile_plot_dock``, ``activations_plot_dock``, ``decision_plot_dock``,
    ``activation_curve_plot_dock``.  Every
    dock's ``controller`` attribute (and ``widget().controller``) is the session's
    :class:`PlotsController`; ``widget()`` has ``export_png(path)`` / ``export_csv(path)``."""
    controller = controller_for(session, history)
    docks = []
    for panel_class in PANELS:
        panel = panel_class(controller)
        dock = QDockWidget(panel.title, parent)
        dock.setObjectName(f"{panel.object_name}_dock")
        dock.setAccessibleName(f"{panel.title} plot")
        dock.setToolTip(panel.help_text)
        dock.setWidget(panel)
        dock.controller = controller
        docks.append(dock)
    return docks
