"""The loss banner and the chain rule show the weight penalty with the engine's numbers."""

from dataclasses import replace

from bpsim import io
from bpsim.notation import chain_rule
from bpsim.notation.numbers import format_number
from bpsim.notation.render import equation_text
from bpsim.ui.playback.phase_drawing import batch_loss_text


def _step(kind):
    scenario = io.load_builtin("lecture-example")
    scenario.training = replace(scenario.training, regularization=kind,
                                regularization_rate=0.01)
    network = scenario.network.copy()
    return network, scenario.trainer().step()


def test_loss_banner_writes_data_loss_plus_lambda_times_r():
    _, step = _step("l2")
    loss = step.loss
    assert batch_loss_text(loss) == (f"J = {format_number(loss.data_loss)} + 0.01·"
                                     f"{format_number(loss.penalty)} = "
                                     f"{format_number(loss.loss)}")
    assert format_number(loss.data_loss) == "0.49" and loss.penalty == 0.5 * 0.1 ** 2


def test_chain_rule_of_a_weight_ends_in_lambda_w_with_the_engine_value():
    network, step = _step("l2")
    texts = [equation_text(e) for e in
             chain_rule.weight_gradient(step, network, 1, 0, 0).equations()]
    penalty = next(t for t in texts if "λ · w" in t)
    gradient = step.backward_for(1).grad_weights[0, 0]
    assert penalty.endswith(f"= {format_number(gradient)}")
    assert "0.01 · 0.1" in penalty


def test_l1_chain_rule_shows_sign():
    network, step = _step("l1")
    texts = [equation_text(e) for e in
             chain_rule.weight_gradient(step, network, 1, 0, 0).equations()]
    assert any("sign" in t and "0.01 · 1" in t for t in texts)


def test_without_a_penalty_nothing_changes():
    network, step = _step("none")
    assert batch_loss_text(step.loss) == "J = 0.49"
    texts = [equation_text(e) for e in
             chain_rule.weight_gradient(step, network, 1, 0, 0).equations()]
    assert not any("λ" in t for t in texts)
