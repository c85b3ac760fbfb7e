"""A neuron's computational graph: its values and gradients are the step's records."""

import numpy as np
import pytest

from bpsim import io
from bpsim.compgraph import ELIDE_BEYOND, drawn_inputs, neuron_graph, neuron_graph_of_step
from bpsim.network import Network
from bpsim.notation.symbols import Numbering
from bpsim.training import Trainer, TrainingSettings


def test_lecture_example_shows_minus_4_2():
    scenario = io.load_builtin("lecture-example")
    step = scenario.trainer().step()
    graph = neuron_graph_of_step(step, 1, 0)
    assert graph.node("x0").value == 3.0 and graph.node("w0").value == pytest.approx(0.1)
    assert graph.node("p0").value == pytest.approx(0.3)
    assert graph.z.value == step.forward[0].z[0, 0] and graph.a.value == step.forward[0].a[0, 0]
    # batch of one: the chain product δ·a is the engine's ∂J/∂w
    assert graph.node("w0").grad == pytest.approx(-4.2)
    assert graph.node("w0").grad == pytest.approx(step.backward_for(1).grad_weights[0, 0])
    assert graph.node("w0").total == step.backward_for(1).grad_weights[0, 0]
    # ∂J/∂ŷ = 2(ŷ − y) = −1.4, identity: δ the same, and ∂J/∂x = δ·w
    assert graph.a.grad == pytest.approx(-1.4) and graph.z.grad == pytest.approx(-1.4)
    assert graph.node("x0").grad == pytest.approx(-1.4 * 0.1)
    assert graph.edge("z", "f").local_value == 1.0  # identity: f′ = 1
    assert graph.edge("w0", "times0").local_value == 3.0  # ∂(w·a)/∂w = a
    assert graph.edge("x0", "times0").local_value == pytest.approx(0.1)  # ∂(w·a)/∂a = w


def _random_step(layers, activations, batch, seed):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(n, m)) for m, n in zip(layers, layers[1:])]
    biases = [rng.normal(size=n) for n in layers[1:]]
    net = Network(layers, activations, weights, biases)
    x = rng.normal(size=(batch, layers[0]))
    y = rng.uniform(size=(batch, layers[-1]))
    return Trainer(net, x, y, TrainingSettings(loss="mse", learning_rate=0.1,
                                               batch_size=batch)).step()


@pytest.mark.parametrize("seed", range(4))
def test_values_and_gradients_are_the_records(seed):
    step = _random_step([3, 4, 2], ["tanh", "sigmoid"], 5, seed)
    for layer, neuron, row in ((1, 2, 3), (2, 1, 0)):
        graph = neuron_graph_of_step(step, layer, neuron, sample_row=row)
        forward, backward = step.forward[layer - 1], step.backward_for(layer)
        W = step.update.weights_before[layer - 1]
        b = step.update.biases_before[layer - 1]
        # z = Σ w·a + b and a = f(z), all as recorded
        products = [graph.node(f"p{i}").value for i in range(W.shape[1])]
        assert sum(products) + graph.bias.value == pytest.approx(forward.z[row, neuron])
        assert graph.bias.value == b[neuron]
        assert graph.z.value == forward.z[row, neuron]
        assert graph.a.value == forward.a[row, neuron]
        assert graph.edge("z", "f").local_value == forward.derivative[row, neuron]
        # the gradients: ∂J/∂a, δ, ∂J/∂(w·a) = δ, ∂J/∂w = δ·a for this sample
        delta = backward.delta[row, neuron]
        assert graph.a.grad == backward.grad_a[row, neuron]
        assert graph.z.grad == delta and graph.bias.grad == delta
        for i in range(W.shape[1]):
            assert graph.node(f"p{i}").grad == delta
            assert graph.node(f"w{i}").grad == pytest.approx(delta * forward.inputs[row, i])
            assert graph.node(f"x{i}").grad == pytest.approx(delta * W[neuron, i])
            # the batch's ∂J/∂w: the record's sum over the batch of δ·a
            assert graph.node(f"w{i}").total == backward.grad_weights[neuron, i]
            assert graph.node(f"w{i}").total == pytest.approx(
                sum(backward.delta[s, neuron] * forward.inputs[s, i] for s in range(5)))
        assert graph.bias.total == backward.grad_biases[neuron]
    # the hidden layer's inputs feed every neuron: the record sums their shares
    graph = neuron_graph_of_step(step, 2, 0, sample_row=1)
    assert graph.node("x3").total == step.backward_for(1).grad_a[1, 3]


def test_before_the_passes_reach_the_layer_numbers_are_unknown():
    step = _random_step([2, 2, 1], ["sigmoid", "sigmoid"], 1, 7)
    W, b = step.update.weights_before[0], step.update.biases_before[0]
    nothing = neuron_graph(1, 0, weights=W, biases=b)
    assert not nothing.forward_done and nothing.z.value is None
    assert nothing.node("w1").value == W[0, 1]  # the parameters are known
    assert all(n.grad is None for n in nothing.nodes)
    forward_only = neuron_graph(1, 0, weights=W, biases=b, forward=step.forward[0])
    assert forward_only.z.value == step.forward[0].z[0, 0]
    assert all(n.grad is None for n in forward_only.nodes)
    done = neuron_graph(1, 0, weights=W, biases=b, forward=step.forward[0],
                        backward=step.backward_for(1))
    assert all(n.grad is not None for n in done.nodes if n.kind == "value")
    # the order backpropagation computes them: ∂J/∂a, δ, the sum's terms, w and a
    assert [done.a.order, done.z.order, done.bias.order, done.node("w0").order] == [1, 2, 3, 4]


def test_names_follow_the_numbering():
    step = _random_step([2, 3, 1], ["relu", "identity"], 1, 3)
    own = neuron_graph_of_step(step, 2, 0)
    lecture = neuron_graph_of_step(step, 2, 0, numbering=Numbering(1))
    assert own.z.label == "z⁽²⁾[1]" and lecture.z.label == "z⁽³⁾[1]"
    assert own.node("x2").label == "a⁽¹⁾[3]" and lecture.node("x2").label == "a⁽²⁾[3]"
    # W keeps its number in both
    assert own.node("w2").label == lecture.node("w2").label == "w⁽²⁾[1,3]"


def test_wide_layers_elide_the_middle_but_keep_the_selected_weight():
    assert drawn_inputs(ELIDE_BEYOND) == list(range(ELIDE_BEYOND))
    shown = drawn_inputs(16)
    assert len(shown) == ELIDE_BEYOND and shown[0] == 0 and shown[-1] == 15
    assert 7 in drawn_inputs(16, selected=7)
    step = _random_step([16, 1], ["sigmoid"], 1, 0)
    graph = neuron_graph_of_step(step, 1, 0, selected_input=9)
    assert graph.elided == 16 - len(graph.terms) and graph.elided > 0
    assert any("not drawn" in note for note in graph.notes)
    assert [t.input for t in graph.terms if t.weight.selected] == [9]
