"""The lecture's punchline: each weight's gradient of a chain of one-neuron layers as
one product, with the numbers of a step.

In the lecture's numbering (input a⁽¹⁾ = X, W⁽ˡ⁾ leaves layer l) for X → σ → σ → σ
trained with binary cross-entropy::

    ∂J/∂W⁽³⁾ = (ŷ − y)·a⁽³⁾
    ∂J/∂W⁽²⁾ = (ŷ − y)·W⁽³⁾·σ′(z⁽³⁾)·a⁽²⁾
    ∂J/∂W⁽¹⁾ = (ŷ − y)·W⁽³⁾·σ′(z⁽³⁾)·W⁽²⁾·σ′(z⁽²⁾)·X

(ŷ − y) is the output's δ: the sigmoid's σ′ cancels the cross-entropy's 1/(ŷ(1 − ŷ)).
Every factor's number is taken from the step's records; the result is the engine's
gradient, which the product of the factors equals.
"""

from __future__ import annotations

from .. import activations as act
from .. import losses
from ..trace import StepRecord
from .expr import Call, Equation, Num, Paren, Sym, partial, row
from .symbols import Notation, Numbering


def applies(step: StepRecord) -> bool:
    """Whether ``step`` is of a chain of one-neuron layers on one sample whose output δ
    is ŷ − y (sigmoid with binary cross-entropy, or softmax with cross-entropy): then
    each gradient is one product, as the lecture writes it."""
    widths = [step.inputs.shape[1], *(f.a.shape[1] for f in step.forward)]
    if len(step.inputs) != 1 or any(n != 1 for n in widths):
        return False
    if any(f.activation == "softmax" for f in step.forward[:-1]):
        return False
    return losses.fused_output_delta(step.loss.loss_name, step.forward[-1].activation,
                                     step.loss.prediction, step.loss.target) is not None


def _derivative(step: StepRecord, notation: Notation, layer: int):
    """f′(z⁽ˡ⁾) as a symbol and its number from the forward record."""
    record = step.forward[layer - 1]
    symbol = act.get(record.activation).derivative_symbol
    return Call(symbol, notation.z(layer)), float(record.derivative[0, 0])


def _weight(notation: Notation, layer: int) -> Sym:
    """W⁽ˡ⁾, capital as the lecture writes it even for one weight."""
    return Sym("W", notation.numbering.weight_layer(layer))


def _input_symbol(notation: Notation) -> Sym:
    """X in the lecture's numbering (a⁽¹⁾ = X), x in bpsim's."""
    return Sym("X") if notation.numbering.input_layer == 1 else notation.a(0)


def equations(step: StepRecord, numbering: Numbering | None = None) -> list[Equation]:
    """∂J/∂W⁽ˡ⁾ for the last weight matrix first, each as lhs = symbols = numbers =
    the engine's gradient (empty unless :func:`applies`)."""
    if not applies(step):
        return []
    depth = len(step.forward)
    layers = [1] * (depth + 1)
    n = Notation(layers, numbering)
    yhat, y = float(step.loss.prediction[0, 0]), float(step.loss.target[0, 0])
    weights = step.update.weights_before
    out = []
    for layer in range(depth, 0, -1):
        symbols = [Paren(row(n.a(depth), "−", n.y()))]
        numbers = [Paren(row(Num(yhat), "−", Num(y)))]
        # back from the output: W⁽ᵐ⁾ then f′ of the layer it leaves, down to W⁽ˡ⁺¹⁾
        for m in range(depth, layer, -1):
            prime, value = _derivative(step, n, m - 1)
            symbols += ["·", _weight(n, m), "·", prime]
            numbers += ["·", Num(float(weights[m - 1][0, 0])), "·", Num(value)]
        source = layer - 1
        symbols += ["·", _input_symbol(n) if source == 0 else n.activation(source)]
        numbers += ["·", Num(float(step.inputs[0, 0] if source == 0
                                   else step.forward[source - 1].a[0, 0]))]
        gradient = float(step.backward_for(layer).grad_weights[0, 0])
        out.append(Equation(partial(Sym("J"), _weight(n, layer)),
                            (row(*symbols), row(*numbers), Num(gradient))))
    return out


def derivative_rules(step: StepRecord, numbering: Numbering | None = None) -> list[Equation]:
    """σ′(z) = σ(z)(1 − σ(z)) with the numbers of each hidden neuron the punchline uses:
    σ′(z⁽³⁾) = σ(z⁽³⁾)(1 − σ(z⁽³⁾)) = 0.62·(1 − 0.62) = 0.24."""
    if not applies(step):
        return []
    depth = len(step.forward)
    n = Notation([1] * (depth + 1), numbering)
    out = []
    for layer in range(depth - 1, 0, -1):
        record = step.forward[layer - 1]
        if record.activation != "sigmoid":
            continue
        z = n.z(layer)
        s, a = Call("σ", z), float(record.a[0, 0])
        out.append(Equation(Call("σ′", z), (
            row(s, Paren(row(Num(1), "−", s))),
            row(Num(a), "·", Paren(row(Num(1), "−", Num(a)))),
            Num(float(record.derivative[0, 0])))))
    return out
