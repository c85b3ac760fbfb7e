"""The activations plot: saturated, switched-off and dead units, as the engine finds them."""

from __future__ import annotations

import numpy as np

from bpsim.network import Network
from bpsim.ui import commands


def test_activations_show_saturation_and_dead_units(plots):
    session, panels = plots("deep-relu")
    commands.train(session, 2)
    panels.paint()
    stats = panels["activations"].stats
    record = session.last_step
    assert len(stats) == 9
    for stat, forward in zip(stats, record.forward):
        if stat["activation"] == "relu":
            assert stat["dead"] == int(np.sum(np.all(forward.z <= 0, axis=0)))
    labels = [label.textItem.toPlainText() for label in panels["activations"].labels]
    assert labels[0].startswith("ReLU\n") and "dead" in labels[0]
    assert labels[-1].startswith("Sigmoid\n") and "sat." in labels[-1]


def test_activations_judge_leaky_relu_units_by_the_networks_slope(plots):
    # With α = 0.5 a leaky-ReLU unit at z < 0 still passes half the gradient back:
    # not "off" and not dead (f′(z) = α is 50 % of its peak, above the 10 % line).
    session, panels = plots("deep-relu")
    net = session.network
    leaky = Network(net.layers, ["leaky_relu"] * (net.depth - 1) + ["sigmoid"],
                    net.weights, net.biases, leaky_slope=0.5)
    session.undo_stack.push(commands.SetNetworkCommand(session, leaky, "Leaky ReLU"))
    commands.train(session, 2)
    panels.paint()
    stats = panels["activations"].stats
    record = session.last_step
    hidden = [(stat, forward) for stat, forward in zip(stats, record.forward)
              if forward.activation == "leaky_relu"]
    assert hidden and any(np.any(forward.z < 0) for _, forward in hidden)
    for stat, forward in hidden:
        assert stat["flat"] == 0.0 and stat["dead"] == 0
    labels = [label.textItem.toPlainText() for label in panels["activations"].labels]
    assert "0% off" in labels[0] and "0/" in labels[0]
