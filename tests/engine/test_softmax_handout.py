"""A softmax output's δ: with cross-entropy the handout writes the fused δ = ŷ − y (the
product ∂J/∂ŷ ⊙ f′(z) does not hold for softmax, whose f′ is a matrix)."""

import numpy as np

from bpsim.network import Network
from bpsim.notation.handout import explain
from bpsim.scenario import DataSpec, Scenario
from bpsim.training import TrainingSettings


def softmax_scenario(loss: str) -> Scenario:
    net = Network([2, 3, 2], ["tanh", "softmax"],
                  [np.array([[0.5, -0.4], [0.3, 0.8], [-0.6, 0.2]]),
                   np.array([[0.7, -0.5, 0.4], [-0.3, 0.6, 0.9]])], [np.zeros(3), np.zeros(2)])
    return Scenario(net, TrainingSettings(loss, 0.5), DataSpec.from_samples([([0, 1], [0, 1])]))


def output_rule(md: str) -> str:
    line = next(l for l in md.splitlines() if "At the output" in l)
    return line.split("At the output", 1)[1].split("; below it", 1)[0]


def test_softmax_with_cross_entropy_writes_the_fused_output_delta():
    rule = output_rule(explain(softmax_scenario("cross_entropy")))
    assert r"\delta^{(L)} = \hat{y} - y" in rule
    assert "f'" not in rule and r"\odot" not in rule


def test_softmax_with_mse_goes_through_the_jacobian_not_f_prime():
    rule = output_rule(explain(softmax_scenario("mse")))
    assert "softmax" in rule and r"\frac{\partial J}{\partial \hat{y}}" in rule
    assert "f'" not in rule and r"\odot" not in rule


def test_sigmoid_with_mse_keeps_the_product_with_f_prime():
    scenario = softmax_scenario("mse")
    net = scenario.network
    scenario.network = Network(net.layers, ["tanh", "sigmoid"], net.weights, net.biases)
    rule = output_rule(explain(scenario))
    assert r"\odot f'\left(z^{(L)}\right)" in rule
