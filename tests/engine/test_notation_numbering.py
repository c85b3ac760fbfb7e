"""One notation, the lecture's: indices from 1 wherever a person reads them, layers
numbered from the input as layer 0 (bpsim) or 1 (the lecture), and the lecture's
punchline formulas with numbers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bpsim import cli, io
from bpsim.notation import punchline
from bpsim.notation.chain_rule import weight_gradient
from bpsim.notation.expr import Sym
from bpsim.notation.formulas import neuron_forward
from bpsim.notation.handout import explain, training_step
from bpsim.notation.render import equation_text, to_latex, to_text
from bpsim.notation.symbols import Notation, Numbering, shown_index
from bpsim.scenario import ScenarioError


def test_shown_index_counts_from_one():
    assert [shown_index(i) for i in range(3)] == [1, 2, 3]


@pytest.mark.parametrize("input_layer", [0, 1])
def test_symbols_count_neurons_from_one_and_layers_as_chosen(input_layer):
    n = Notation([2, 3, 3, 1], Numbering(input_layer))
    # the array's input 0 is x₁; neuron 2 of the engine's layer 1 is a₃ of layer 1 or 2
    assert to_text(n.a(0, 0)) == "x₁"
    assert to_text(n.a(1, 2)) == f"a⁽{'¹²'[input_layer]}⁾₃"
    assert to_text(n.z(2, 0)) == f"z⁽{'²³'[input_layer]}⁾₁"
    assert to_text(n.delta(2, 1)) == f"δ⁽{'²³'[input_layer]}⁾₂"
    # W⁽ˡ⁾ keeps its number: the first matrix is W⁽¹⁾ in both numberings
    assert to_text(n.weight(1, 2, 1)) == "W⁽¹⁾₃,₂"
    assert to_text(n.bias(3, 0)) == "b⁽³⁾₁"
    # letters (Σ over k) are kept
    assert to_text(n.weight(2, "k", 0)) == "W⁽²⁾ₖ,₁"


def _with_numbering(scenario, input_layer):
    scenario.numbering = Numbering(input_layer)
    return scenario


@pytest.mark.parametrize("input_layer", [0, 1])
def test_math_formulas_follow_the_numbering(input_layer):
    scenario = _with_numbering(io.load_builtin("xor"), input_layer)
    _, step = training_step(scenario)
    grad = weight_gradient(step, scenario.network, 2, 0, 1, scenario.numbering)
    assert to_text(grad.equations()[0].lhs) == "∂J/∂W⁽²⁾₁,₂"
    assert f"a⁽{'¹²'[input_layer]}⁾₂" in equation_text(grad.equations()[0])
    forward = neuron_forward(step, scenario.network, 1, 1, numbering=scenario.numbering)
    assert equation_text(forward.z_equation()).startswith(f"z⁽{'¹²'[input_layer]}⁾₂ = ")


@pytest.mark.parametrize("input_layer", [0, 1])
def test_handout_headings_follow_the_numbering(input_layer):
    scenario = _with_numbering(io.load_builtin("xor"), input_layer)
    md = explain(scenario)
    assert f"### Layer {1 + input_layer} (" in md
    assert f"### Layer {0 + input_layer} (" not in md
    # the first input is x₁ (LaTeX x_{1}); no x₀ anywhere
    assert "x_{1}" in md and "x_{0}" not in md


def test_notation_round_trips_and_is_written_only_when_not_the_default():
    scenario = io.load_builtin("lecture-punchline")
    assert scenario.numbering == Numbering(1)
    again = io.loads(io.dumps(scenario))
    assert again.numbering == Numbering(1)
    assert json.loads(io.dumps(again))["notation"] == {"input_layer": 1}
    plain = io.load_builtin("lecture-example")
    assert plain.numbering == Numbering(0)
    assert "notation" not in json.loads(io.dumps(plain))


@pytest.mark.parametrize("value", [2, -1, True, "1", 1.0, None, [1]])
def test_an_invalid_input_layer_is_refused_with_its_place(value):
    data = io.to_dict(io.load_builtin("lecture-example"))
    data["notation"] = {"input_layer": value}
    with pytest.raises(ScenarioError, match=r"^notation\.input_layer: expected 0 .* or 1"):
        io.from_dict(data)


def test_an_unknown_notation_key_is_refused():
    data = io.to_dict(io.load_builtin("lecture-example"))
    data["notation"] = {"input": 1}
    with pytest.raises(ScenarioError, match="unknown key"):
        io.from_dict(data)


# -- the punchline -----------------------------------------------------------------------


def _loss(scenario, weights):
    """J = −[y log ŷ + (1 − y) log(1 − ŷ)] of a chain of sigmoids, written out here."""
    ds = scenario.dataset()
    a = ds.x
    for w, b in zip(weights, scenario.network.biases):
        a = 1 / (1 + np.exp(-(a @ w.T + b)))
    y = ds.y
    return float(np.mean(-(y * np.log(a) + (1 - y) * np.log(1 - a))))


def _finite_difference(scenario, layer, h=1e-6):
    def shifted(by):
        weights = [np.array(w, dtype=float) for w in scenario.network.weights]
        weights[layer - 1][0, 0] += by
        return _loss(scenario, weights)
    return (shifted(h) - shifted(-h)) / (2 * h)


def _product(expr) -> float:
    """The value of a row of numbers "(a − b) · c · d" as written."""
    value, items = 1.0, list(expr.items)
    first = items.pop(0)
    value = first.body.items[0].value - first.body.items[2].value
    for item in items:
        if hasattr(item, "value"):
            value *= item.value
        elif hasattr(item, "body"):  # (−1.5)
            value *= item.body.value
    return value


LECTURE = {3: "(ŷ − y) · a⁽³⁾",
           2: "(ŷ − y) · W⁽³⁾ · σ′(z⁽³⁾) · a⁽²⁾",
           1: "(ŷ − y) · W⁽³⁾ · σ′(z⁽³⁾) · W⁽²⁾ · σ′(z⁽²⁾) · X"}


def test_punchline_formulas_are_the_lectures_with_the_engines_numbers():
    scenario = io.load_builtin("lecture-punchline")
    assert scenario.network.layers == [1, 1, 1, 1]
    assert scenario.network.activations == ["sigmoid"] * 3
    _, step = training_step(scenario)
    equations = punchline.equations(step, scenario.numbering)
    assert [to_text(eq.lhs) for eq in equations] == ["∂J/∂W⁽³⁾", "∂J/∂W⁽²⁾", "∂J/∂W⁽¹⁾"]
    for eq, layer in zip(equations, (3, 2, 1)):
        symbols, numbers, result = eq.steps
        assert to_text(symbols) == LECTURE[layer]
        engine = float(step.backward_for(layer).grad_weights[0, 0])
        assert result.value == engine
        # the product of the numbers written is the gradient, and so is J's slope
        assert _product(numbers) == pytest.approx(engine, rel=1e-12)
        assert engine == pytest.approx(_finite_difference(scenario, layer), rel=1e-6)


def test_punchline_derivative_rule_is_written_with_its_numbers():
    scenario = io.load_builtin("lecture-punchline")
    _, step = training_step(scenario)
    rules = punchline.derivative_rules(step, scenario.numbering)
    assert [to_text(r.lhs) for r in rules] == ["σ′(z⁽³⁾)", "σ′(z⁽²⁾)"]
    for rule, layer in zip(rules, (2, 1)):
        a = step.forward[layer - 1].a[0, 0]
        assert to_text(rule.steps[0]) == f"σ({to_text(rule.lhs.arg)})(1 − σ({to_text(rule.lhs.arg)}))"
        assert rule.steps[-1].value == pytest.approx(a * (1 - a))


def test_punchline_applies_only_to_a_chain_with_output_delta_yhat_minus_y():
    _, step = training_step(io.load_builtin("lecture-example"))  # identity output, mse
    assert punchline.equations(step) == []
    _, step = training_step(io.load_builtin("xor"))
    assert punchline.equations(step) == []


def test_bpsim_explain_prints_the_three_punchline_formulas(capsys):
    assert cli.main(["explain", "lecture-punchline"]) == 0
    out = capsys.readouterr().out
    scenario = io.load_builtin("lecture-punchline")
    _, step = training_step(scenario)
    for eq in punchline.equations(step, scenario.numbering):
        symbols, numbers, result = (to_latex(part) for part in eq.steps)
        assert f"{to_latex(eq.lhs)} &= {symbols} \\\\\n&= {numbers} \\\\\n&= {result}" in out
    assert r"\frac{\partial J}{\partial W^{(1)}} &= \left(\hat{y} - y\right) \cdot W^{(3)}" in out


def test_lecture_example_keeps_its_numbers():
    scenario = io.load_builtin("lecture-example")
    record = scenario.trainer().step()
    assert record.loss.loss == pytest.approx(0.49)
    assert record.backward_for(1).grad_weights[0, 0] == pytest.approx(-4.2)
    assert record.update.weights_after[0][0, 0] == pytest.approx(4.3)
