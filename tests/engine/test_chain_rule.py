"""The chain rule as written out for the classroom must add up to the engine's gradient."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpsim.activations import HIDDEN_ACTIVATIONS
from bpsim.activations import get as get_activation
from bpsim.losses import LOSSES
from bpsim.network import Network
from bpsim.notation.chain_rule import (DERIVATIVE, INPUT, LOSS_GRADIENT, MAX_PATHS,
                                      OUTPUT_DELTA, SOFTMAX_JACOBIAN, ParameterGradient,
                                      bias_gradient, weight_gradient)
from bpsim.notation.expr import row
from bpsim.notation.formulas import loss_formula, neuron_forward
from bpsim.notation.numbers import format_number
from bpsim.notation.render import equation_latex, equation_text, to_latex, to_mathml, to_text
from bpsim.training import Trainer, TrainingSettings

OUTPUT_ACTIVATIONS = (*HIDDEN_ACTIVATIONS, "softmax")


@pytest.fixture
def lecture_step(lecture_example):
    """x = 3, w = 0.1, y = 1, identity, (ŷ − y)², η = 1, bias not trained: the network
    after its one step, and the step's record."""
    return lecture_example.network, lecture_example.trainer().step()


def random_step(seed, layers, hidden, output, loss, batch):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, 0.9, (n, m)) for m, n in zip(layers[:-1], layers[1:])]
    biases = [rng.normal(0.0, 0.5, n) for n in layers[1:]]
    activations = [*(hidden for _ in layers[2:]), output]
    net = Network(layers, activations, weights, biases, leaky_slope=0.1)
    x = rng.normal(0.0, 1.0, (batch, layers[0]))
    n_out = layers[-1]
    if loss == "cross_entropy":
        y = np.eye(n_out)[rng.integers(0, n_out, batch)]
    else:
        y = rng.uniform(0.05, 0.95, (batch, n_out))
    step = Trainer(net, x, y, TrainingSettings(loss, 0.5)).step()
    return net, step


def parameters(layers):
    for l in range(1, len(layers)):
        for j in range(layers[l]):
            yield ("bias", l, j)
            for i in range(layers[l - 1]):
                yield ("weight", l, j, i)


def close(a, b):
    return a == pytest.approx(b, rel=1e-9, abs=1e-12)


# -- the lecture example -------------------------------------------------------------------


def test_lecture_weight_reads_like_the_lecture(lecture_step):
    net, step = lecture_step
    grad = weight_gradient(step, net, 1, 0, 0)
    chain, update = [equation_text(eq) for eq in grad.equations()]
    assert chain.startswith("∂J/∂w = ∂J/∂ŷ · ∂ŷ/∂z · ∂z/∂w = 2(ŷ − y) · x")
    assert "2(0.3 − 1) · 3" in chain and "2(−0.7) · 3" in chain
    assert chain.endswith("= −4.2")
    assert update == "w_new = w − η · ∂J/∂w = 0.1 − 1 × (−4.2) = 4.3"
    assert grad.path_count == 1 and grad.single_path
    assert grad.gradient == pytest.approx(-4.2) == grad.engine_gradient


def test_lecture_forward_and_loss_with_numbers(lecture_step):
    net, step = lecture_step
    z, a, delta = [equation_text(eq) for eq in neuron_forward(step, net, 1, 0).equations()]
    assert z == "z = w · x + b = 0.1 · 3 + 0 = 0.3"
    assert a == "ŷ = z = 0.3"
    assert delta.endswith("= −1.4")
    (loss,) = loss_formula(step).equations()
    assert equation_text(loss) == "J = (ŷ − y)² = (0.3 − 1)² = 0.49"


def test_lecture_latex_and_mathml(lecture_step):
    net, step = lecture_step
    chain, update = weight_gradient(step, net, 1, 0, 0).equations()
    latex = equation_latex(chain)
    assert r"2\left(0.3 - 1\right) \cdot 3" in latex and latex.endswith("-4.2")
    assert equation_latex(update).endswith(r"0.1 - 1 \times \left(-4.2\right) = 4.3")
    math_ml = to_mathml(chain.steps[0])
    root = ET.fromstring(math_ml)
    assert root.tag == "math" and len(root.findall(".//mfrac")) == 3


def test_bias_not_trained_stays(lecture_step):
    net, step = lecture_step
    grad = bias_gradient(step, net, 1, 0)
    assert grad.gradient == pytest.approx(-1.4)
    update = grad.equations()[-1]
    assert equation_text(update) == "b_new = b = 0"
    assert "not trained" in update.note


# -- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("value, text", [
    (0.48999999999999994, "0.49"), (-4.200000000000001, "−4.2"), (4.300000000000001, "4.3"),
    (0.0, "0"), (-0.0, "0"), (-1e-17, "−1×10⁻¹⁷"), (3e-10, "3×10⁻¹⁰"),
    (123456.0, "1.235×10⁵"), (math.nan, "NaN"), (-math.inf, "−∞"), (2.0, "2"),
])
def test_format_number(value, text):
    assert format_number(value) == text


def test_precision_is_a_setting():
    assert format_number(1 / 3, digits=2) == "0.33"
    assert to_text(row(1 / 3, "+", -2 / 3), digits=3) == "0.333 + (−0.667)"


# -- every weight of random networks -------------------------------------------------------


network_shapes = st.lists(st.integers(1, 3), min_size=2, max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), layers=network_shapes,
       hidden=st.sampled_from(HIDDEN_ACTIVATIONS), output=st.sampled_from(OUTPUT_ACTIVATIONS),
       loss=st.sampled_from(sorted(LOSSES)), batch=st.integers(1, 3))
def test_paths_and_delta_form_equal_the_engine_gradient(seed, layers, hidden, output, loss,
                                                        batch):
    if output == "softmax" and layers[-1] == 1:
        layers = [*layers[:-1], 2]  # softmax over one output is constant
    net, step = random_step(seed, layers, hidden, output, loss, batch)
    for parameter in parameters(layers):
        grad = ParameterGradient(step, net, parameter)
        assert close(grad.gradient, grad.engine_gradient), parameter       # δ form
        assert close(grad.path_sum(), grad.engine_gradient), parameter     # Σ over paths
        paths = grad.paths(sample=batch - 1, limit=None)
        assert len(paths) == grad.path_count
        for path in paths[:3]:
            # the written factors multiply to the path's numeric value
            assert close(path.value, grad.path_value(path.nodes, batch - 1))
            kinds = [f.kind for f in path.factors]
            assert kinds[-1] == INPUT and kinds[0] in (LOSS_GRADIENT, OUTPUT_DELTA)
        # the δ of the parameter's layer, recomputed by the lecture's recursion
        delta = grad.deltas[grad.layer]
        engine_delta = step.backward_for(grad.layer).delta
        np.testing.assert_allclose(delta, engine_delta, rtol=1e-9, atol=1e-12)
        for eq in grad.equations():
            for part in (eq.lhs, *eq.steps):
                ET.fromstring(to_mathml(part))  # well-formed MathML
                assert to_text(part) and to_latex(part)


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_each_activation_is_written_with_its_own_symbols(name):
    # f and f′ in the formulas are the ones the activation declares
    net, step = random_step(3, [1, 1, 1], name, "identity", "mse", 1)
    activation = get_activation(name)
    _z, a, _delta = neuron_forward(step, net, 1, 0).equations()
    if name != "identity":  # a = z needs no f
        assert to_text(a.steps[0]).startswith(f"{activation.symbol}(z")
    path = weight_gradient(step, net, 1, 0, 0).paths(limit=1)[0]
    (f_prime,) = [f for f in path.factors if f.kind == DERIVATIVE and f.layer == 1]
    assert to_text(f_prime.symbol) == f"{activation.derivative_symbol}(z⁽¹⁾)"


@pytest.mark.parametrize("loss, output", [("bce", "sigmoid"), ("cross_entropy", "softmax")])
def test_fused_output_delta_is_yhat_minus_y_over_batch(loss, output):
    net, step = random_step(3, [2, 3, 2], "tanh", output, loss, batch=4)
    grad = weight_gradient(step, net, 2, 1, 0)
    (first,) = [f for f in grad.paths()[0].factors if f.kind == OUTPUT_DELTA]
    scale = 4 * (2 if loss == "bce" else 1)
    yhat, y = step.loss.prediction[0, 1], step.loss.target[0, 1]
    assert first.value == pytest.approx((yhat - y) / scale)
    # the array's output 1 is the second output: ŷ₂ as a person counts
    assert to_text(first.formula) == f"(ŷ₂ − y₂)/{scale}"


def test_softmax_with_squared_error_goes_through_the_jacobian():
    net, step = random_step(5, [2, 3], "tanh", "softmax", "mse", batch=2)
    grad = weight_gradient(step, net, 1, 0, 1)
    assert grad.path_count == 3  # z₀ reaches the loss through each of the 3 outputs
    kinds = {f.kind for p in grad.paths() for f in p.factors}
    assert SOFTMAX_JACOBIAN in kinds
    assert close(grad.path_sum(), grad.engine_gradient)


def test_many_paths_are_listed_up_to_the_limit_and_counted():
    net, step = random_step(7, [1, 1, 10, 10, 1], "sigmoid", "identity", "mse", batch=1)
    grad = weight_gradient(step, net, 1, 0, 0)
    assert grad.path_count == 100
    assert len(grad.paths()) == MAX_PATHS
    assert close(grad.path_sum(), grad.engine_gradient)
    # the δ form is what the display uses here: δ⁽¹⁾₁ = (Σₖ W⁽²⁾ₖ,₁ δ⁽²⁾ₖ) · σ′(z⁽¹⁾₁)
    delta_form, neuron_delta, _update = grad.equations()
    assert to_text(delta_form.steps[0]) == "δ⁽¹⁾₁ · x₁"
    assert to_text(neuron_delta.steps[0]).startswith("(Σₖ W⁽²⁾ₖ,₁δ⁽²⁾ₖ) · σ′(z⁽¹⁾₁)")


def test_path_edges_follow_the_network():
    net, step = random_step(1, [2, 3, 2], "sigmoid", "sigmoid", "mse", batch=1)
    grad = weight_gradient(step, net, 1, 2, 0)
    assert grad.path_count == 2
    first, second = grad.paths()
    assert first.edges == [(1, 2, 0), (2, 0, 2)]
    assert second.edges == [(1, 2, 0), (2, 1, 2)]
    assert second.neurons == [(0, 0), (1, 2), (2, 1)]


def test_batch_gradient_is_the_sum_over_samples():
    net, step = random_step(2, [2, 2, 1], "relu", "identity", "mse", batch=3)
    grad = weight_gradient(step, net, 2, 0, 1)
    assert len(grad.contributions) == 3
    assert close(sum(grad.contributions), grad.engine_gradient)
    delta_form = [eq for eq in grad.equations() if eq.note.startswith("sum over")]
    assert delta_form and to_text(delta_form[0].steps[0]) == "Σ_batch δ⁽²⁾₁ · a⁽¹⁾₂"


def test_loss_of_a_batch_is_the_mean():
    net, step = random_step(4, [2, 2], "tanh", "sigmoid", "bce", batch=2)
    sample, mean = loss_formula(step).equations()
    assert equation_text(sample).startswith("L₁ = −1/2 Σₖ [yₖ log(ŷₖ) + (1 − yₖ) log(1 − ŷₖ)]")
    assert float(to_text(mean.steps[-1])) == pytest.approx(step.loss.loss, rel=1e-3)


@pytest.mark.parametrize("hidden, rule", [("sigmoid", "σ(z⁽¹⁾₂)(1 − σ(z⁽¹⁾₂))"),
                                          ("tanh", "1 − (tanh(z⁽¹⁾₂))²")])
def test_each_activation_derivative_is_written_by_its_rule_with_the_engines_number(
        hidden, rule):
    """The tours promise σ′(z) = σ(z)(1 − σ(z)) with numbers: each f′ of the product is
    written by its rule, then in a, then with the numbers, ending in the engine's f′."""
    net, step = random_step(4, [2, 3, 1], hidden, "sigmoid", "bce", 1)
    grad = weight_gradient(step, net, 1, 1, 0)
    rules = grad.derivative_rules()
    assert len(rules) == 1  # the hidden neuron's (the output's σ′ is fused with bce)
    hidden_rule = next(r for r in rules if "z⁽¹⁾₂" in to_text(r.lhs))
    text = equation_text(hidden_rule)
    assert rule.replace("²", "") in text.replace("²", "")
    a = step.forward[0].a[0, 1]
    assert format_number(a) in text
    assert hidden_rule.result.value == pytest.approx(step.forward[0].derivative[0, 1],
                                                     rel=1e-12)
    assert hidden_rule in grad.equations()  # the Math dock and the handout write it


def test_identity_and_relu_need_no_rule_beyond_their_formula(lecture_step):
    net, step = lecture_step
    assert weight_gradient(step, net, 1, 0, 0).derivative_rules() == []
