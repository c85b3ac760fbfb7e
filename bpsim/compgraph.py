"""One neuron's computational graph, as an autograd library builds it (micrograd's
``draw_dot``): a value node for each number, an op node for each operation, and on
each edge the local derivative the chain rule multiplies by.

For neuron j of layer l and one sample::

    w⁽ˡ⁾[j,i] ─┐
               (×)── w·a ─┐
    a⁽ˡ⁻¹⁾[i] ─┘           (+)── z ──(f)── a
    b⁽ˡ⁾[j] ───────────────┘

Each value node holds its value and its gradient ∂J/∂node for that sample; the
backward pass fills the gradients from the right to the left:

1. ∂J/∂a, from the layer above (the record's ``grad_a``);
2. ∂J/∂z = δ = ∂J/∂a · f′(z) (the record's ``delta``);
3. ∂J/∂(w·a) = δ · ∂z/∂(w·a) = δ · 1, and ∂J/∂b = δ · 1;
4. ∂J/∂w = ∂J/∂(w·a) · a, and ∂J/∂a⁽ˡ⁻¹⁾ = ∂J/∂(w·a) · w (this neuron's share: an
   input feeds every neuron of the layer, and autograd adds the shares: the record of
   layer l − 1 holds their sum).

The values and gradients are the engine's records (ForwardRecord z, a, f′(z);
BackwardRecord δ, ∂J/∂a, ∂J/∂W); only the products w·a and the chain products of step 4
are multiplied here, from recorded numbers.  A number a phase has not recorded yet is
None (shown as "?").  The batch's ∂J/∂w is the record's: the sum over the batch of the
samples' δ·a (δ carries the 1/B of the batch mean).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import losses
from .activations import get as get_activation
from .notation.scripts import layer_superscript
from .notation.symbols import Numbering, bias_name, shown_index, weight_name
from .trace import BackwardRecord, ForwardRecord, LossRecord, StepRecord

#: more inputs than this: only the first and last HEAD_TAIL are drawn (and the
#: selected weight's), the middle is elided with "…"
ELIDE_BEYOND = 8
HEAD_TAIL = 4

#: the order in which backpropagation computes the gradients of a neuron's graph
ORDER_OUTPUT, ORDER_DELTA, ORDER_SUM_TERMS, ORDER_LEAVES = 1, 2, 3, 4


@dataclass(frozen=True)
class Node:
    """A value (micrograd's "label | data | grad" record) or an operation (a circle)."""

    #: unique within the graph: "w2", "x2" (input 2), "p2" (w·a), "times2", "b",
    #: "plus", "z", "f", "a"
    key: str
    #: "value" or "op"
    kind: str
    #: a value's name (w⁽¹⁾[1,2], a⁽⁰⁾[2], w·a, z⁽¹⁾[1]); an op's sign ("×", "+", "σ")
    label: str
    #: the value for the sample shown; None before the forward pass records it
    value: float | None = None
    #: ∂J/∂(this value) for the sample shown; None before the backward pass reaches
    #: the layer (and always for an op)
    grad: float | None = None
    #: when backpropagation computes ``grad``: 1 first … 4 last (0 for an op)
    order: int = 0
    #: the batch's gradient from the record (∂J/∂w, ∂J/∂b summed over the batch; for
    #: an input, ∂J/∂a summed over every neuron it feeds), None where not recorded
    total: float | None = None
    #: whether this is the selected weight (or its input, its product)
    selected: bool = False


@dataclass(frozen=True)
class Edge:
    """From ``source`` into ``target``, labelled with ∂target-op-result/∂source."""

    source: str
    target: str
    #: the local derivative in symbols, "∂(w·a)/∂w = a"; "" for an op's result
    local: str = ""
    #: its number (None before the forward pass records it)
    local_value: float | None = None


@dataclass(frozen=True)
class Term:
    """One input's product w·a: the nodes drawn for input ``input``."""

    input: int
    weight: Node
    activation: Node
    times: Node
    product: Node


@dataclass(frozen=True)
class NeuronGraph:
    """The graph of neuron ``neuron`` (0-based) of the engine's layer ``layer``."""

    layer: int
    neuron: int
    #: the products drawn, in input order (see :attr:`elided`)
    terms: tuple[Term, ...]
    #: inputs not drawn (their terms are in the sum all the same)
    elided: int
    bias: Node
    plus: Node
    z: Node
    f: Node
    a: Node
    edges: tuple[Edge, ...]
    #: the number of inputs n⁽ˡ⁻¹⁾ and the batch size B (0 before the forward pass)
    fan_in: int
    batch: int
    #: whether the forward pass (the backward pass) has reached this layer
    forward_done: bool
    backward_done: bool
    #: sentences the view shows under the graph (softmax, a fused output δ, elision)
    notes: tuple[str, ...] = ()

    @property
    def nodes(self) -> tuple[Node, ...]:
        out = []
        for term in self.terms:
            out += [term.weight, term.activation, term.times, term.product]
        return (*out, self.bias, self.plus, self.z, self.f, self.a)

    def node(self, key: str) -> Node:
        for node in self.nodes:
            if node.key == key:
                return node
        raise KeyError(key)

    def edge(self, source: str, target: str) -> Edge:
        for edge in self.edges:
            if edge.source == source and edge.target == target:
                return edge
        raise KeyError((source, target))


def drawn_inputs(fan_in: int, selected: int | None = None) -> list[int]:
    """The inputs drawn: all up to ELIDE_BEYOND; beyond, the first and last HEAD_TAIL
    and the selected one."""
    if fan_in <= ELIDE_BEYOND:
        return list(range(fan_in))
    shown = set(range(HEAD_TAIL)) | set(range(fan_in - HEAD_TAIL, fan_in))
    if selected is not None and 0 <= selected < fan_in:
        shown.add(selected)
    return sorted(shown)


def _at(array, *index) -> float | None:
    return None if array is None else float(np.asarray(array)[index])


def neuron_graph(layer: int, neuron: int, *, weights, biases,
                 forward: ForwardRecord | None = None,
                 backward: BackwardRecord | None = None,
                 inputs_backward: BackwardRecord | None = None,
                 loss: LossRecord | None = None, loss_name: str = "",
                 depth: int | None = None, sample_row: int = 0,
                 selected_input: int | None = None,
                 numbering: Numbering | None = None,
                 activation: str | None = None) -> NeuronGraph:
    """The graph of the engine's neuron ``neuron`` of layer ``layer`` (1..L) for the
    batch row ``sample_row``, from the records a step has so far: ``weights`` and
    ``biases`` are W⁽ˡ⁾ and b⁽ˡ⁾ the step uses, ``forward`` and ``backward`` the
    records of layer l (None before the pass reaches it), ``inputs_backward`` the
    backward record of layer l − 1 (the whole ∂J/∂a⁽ˡ⁻¹⁾, when recorded).
    ``selected_input`` marks one weight's chain."""
    numbering = numbering or Numbering()
    weights = np.asarray(weights, dtype=float)
    j, l, b = int(neuron), int(layer), int(sample_row)
    fan_in = weights.shape[1]
    name = activation or (forward.activation if forward is not None else "identity")
    f = get_activation(name)
    below = layer_superscript(numbering.layer(l - 1))
    here = layer_superscript(numbering.layer(l))
    j_shown = shown_index(j)

    # -- values (forward records; W and b are the step's parameters)
    x = forward.inputs[b] if forward is not None else None
    z = _at(forward.z, b, j) if forward is not None else None
    a = _at(forward.a, b, j) if forward is not None else None
    derivative = _at(forward.derivative, b, j) if forward is not None else None
    bias = float(np.asarray(biases, dtype=float)[j])
    # -- gradients (backward records)
    delta = _at(backward.delta, b, j) if backward is not None else None
    grad_a = _at(backward.grad_a, b, j) if backward is not None else None

    terms, edges = [], []
    for i in drawn_inputs(fan_in, selected_input):
        w = float(weights[j, i])
        a_in = None if x is None else float(x[i])
        selected = selected_input == i
        weight_node = Node(
            f"w{i}", "value", weight_name(l, j, i), w,
            # ∂J/∂w = ∂J/∂(w·a) · ∂(w·a)/∂w = δ · a (this sample's term)
            None if delta is None or a_in is None else delta * a_in, ORDER_LEAVES,
            None if backward is None else float(backward.grad_weights[j, i]), selected)
        input_node = Node(
            f"x{i}", "value", f"a{below}[{shown_index(i)}]", a_in,
            # ∂J/∂a⁽ˡ⁻¹⁾ᵢ through this neuron = δ · w
            None if delta is None else delta * w, ORDER_LEAVES,
            None if inputs_backward is None else float(inputs_backward.grad_a[b, i]),
            selected)
        times = Node(f"times{i}", "op", "×", selected=selected)
        product = Node(f"p{i}", "value", "w·a", None if a_in is None else w * a_in,
                       delta, ORDER_SUM_TERMS, selected=selected)  # ∂z/∂(w·a) = 1
        terms.append(Term(i, weight_node, input_node, times, product))
        edges += [Edge(weight_node.key, times.key, "∂(w·a)/∂w = a", a_in),
                  Edge(input_node.key, times.key, "∂(w·a)/∂a = w", w),
                  Edge(times.key, product.key),
                  Edge(product.key, "plus", "∂z/∂(w·a) = 1", 1.0)]
    bias_node = Node("b", "value", bias_name(l, j), bias, delta, ORDER_SUM_TERMS,
                     None if backward is None else float(backward.grad_biases[j]))
    plus = Node("plus", "op", "+")
    z_node = Node("z", "value", f"z{here}[{j_shown}]", z, delta, ORDER_DELTA)
    f_node = Node("f", "op", f.symbol)
    a_node = Node("a", "value", f"a{here}[{j_shown}]", a, grad_a, ORDER_OUTPUT)
    edges += [Edge("b", "plus", "∂z/∂b = 1", 1.0), Edge("plus", "z"),
              Edge("z", "f", f"∂a/∂z = {f.symbol}′(z)", derivative), Edge("f", "a")]

    notes = []
    if fan_in > len(terms):
        notes.append(f"{fan_in - len(terms)} of the {fan_in} inputs are not drawn (…): "
                     "their products w·a are in the sum z all the same.")
    if name == "softmax":
        notes.append("Softmax couples the layer's neurons: δ = Jᵀ·∂J/∂a with the whole "
                     "Jacobian diag(a) − a aᵀ; the edge shows its diagonal ∂aⱼ/∂zⱼ.")
    elif (depth is not None and l == depth and loss is not None and loss_name
          and losses.fused_output_delta(loss_name, name, loss.prediction[:1],
                                        loss.target[:1]) is not None):
        notes.append(f"{f.prose_label} with {loss_name}: the engine computes δ fused, from "
                     "ŷ − y: the same number as ∂J/∂a · f′(z), written short.")
    batch = 0 if forward is None else len(forward.inputs)
    return NeuronGraph(l, j, tuple(terms), fan_in - len(terms), bias_node, plus, z_node,
                       f_node, a_node, tuple(edges), fan_in, batch, forward is not None,
                       backward is not None, tuple(notes))


def neuron_graph_of_step(step: StepRecord, layer: int, neuron: int, sample_row: int = 0,
                         selected_input: int | None = None,
                         numbering: Numbering | None = None) -> NeuronGraph:
    """The graph of a whole step's records (every phase done)."""
    depth = len(step.forward)
    return neuron_graph(
        layer, neuron, weights=step.update.weights_before[layer - 1],
        biases=step.update.biases_before[layer - 1], forward=step.forward[layer - 1],
        backward=step.backward_for(layer),
        inputs_backward=step.backward_for(layer - 1) if layer > 1 else None,
        loss=step.loss, loss_name=step.loss.loss_name, depth=depth,
        sample_row=sample_row, selected_input=selected_input, numbering=numbering)
