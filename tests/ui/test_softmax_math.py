"""The Math dock for a softmax output with cross-entropy writes the output's δ fused,
(ŷ − y)/B, never ∂J/∂ŷ · f′(z) (which does not hold for softmax)."""

import numpy as np

from bpsim.network import Network
from bpsim.notation.numbers import format_number
from bpsim.scenario import DataSpec, Scenario
from bpsim.training import TrainingSettings
from bpsim.ui.canvas import NetworkCanvas
from bpsim.ui.docks.math import MathDock
from bpsim.ui.session import Session


def test_math_dock_writes_the_fused_softmax_delta(qtbot):
    net = Network([2, 3, 2], ["tanh", "softmax"],
                  [np.array([[0.5, -0.4], [0.3, 0.8], [-0.6, 0.2]]),
                   np.array([[0.7, -0.5, 0.4], [-0.3, 0.6, 0.9]])], [np.zeros(3), np.zeros(2)])
    session = Session(Scenario(net, TrainingSettings("cross_entropy", 0.5),
                               DataSpec.from_samples([([0, 1], [0, 1]), ([1, 0], [1, 0])])))
    canvas = NetworkCanvas(session)
    dock = MathDock(session, canvas)
    qtbot.addWidget(canvas)
    qtbot.addWidget(dock)
    record = session.train(1)[0]
    dock.show_selection(("weight", 2, 0, 1))
    text = " ".join(dock.text().split())
    assert "ŷ1 − y1" in text
    assert "∂J ∂ŷ" not in text and "softmax′" not in text and "f′" not in text
    # the number written for the fused factor is the engine's δ of this sample
    row = 0
    assert format_number(record.backward_for(2).delta[row, 0]) in text
