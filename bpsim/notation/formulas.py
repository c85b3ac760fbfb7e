"""A neuron's forward computation and the loss, with the numbers of one step:
z⁽ˡ⁾_j = Σ_i W⁽ˡ⁾_{j,i} a⁽ˡ⁻¹⁾_i + b⁽ˡ⁾_j, a⁽ˡ⁾_j = f(z⁽ˡ⁾_j) (and the neuron's δ),
J = (ŷ − y)² = (0.3 − 1)² = 0.49."""

from __future__ import annotations

import numpy as np

from .. import activations as act
from ..trace import StepRecord
from .chain_rule import StepQuantities, neuron_delta_equation
from .expr import (MAX_TERMS, BigSum, Call, Equation, Expr, Frac, Num, Paren, Power, Sym,
                   count, product, row, total)
from .symbols import E


class NeuronForward:
    """z⁽ˡ⁾_j = Σ_i W⁽ˡ⁾_{j,i} a⁽ˡ⁻¹⁾_i + b⁽ˡ⁾_j and a⁽ˡ⁾_j = f(z⁽ˡ⁾_j), with numbers."""

    def __init__(self, step: StepRecord, network, layer: int, j: int, sample: int = 0,
                 numbering=None):
        self._pass = p = StepQuantities(step, network, numbering)
        self.layer, self.neuron, self.sample = layer, j, sample
        self.weights = np.asarray(p.weights[layer][j])
        self.inputs = np.asarray(p.a[layer - 1][sample])
        self.bias = float(p.biases[layer][j])
        self.z = float(p.z[layer][sample, j])
        self.a = float(p.a[layer][sample, j])
        self.activation = p.activation[layer]
        self.deltas = p.deltas()
        self.delta = float(self.deltas[layer][sample, j])

    def z_equation(self) -> Equation:
        p = self._pass
        n = p.notation
        layer, j = self.layer, self.neuron
        count = len(self.inputs)
        sym_terms = [product([n.weight(layer, j, i), n.a(layer - 1, i)]) for i in range(count)]
        num_terms = [product([Num(w), Num(x)]) for w, x in zip(self.weights, self.inputs)]
        steps = []
        if count > 1:
            steps.append(row(BigSum(Sym("i")), n.weight(layer, j, "i"), n.a(layer - 1, "i"), "+",
                             n.bias(layer, j)))
        if count <= MAX_TERMS:
            steps.append(row(total(sym_terms), "+", n.bias(layer, j)))
        steps.append(row(total(num_terms), "+", Num(self.bias)))
        steps.append(Num(self.z))
        return Equation(n.z(layer, j), tuple(steps))

    def a_equation(self) -> Equation:
        p = self._pass
        n = p.notation
        layer, j, b = self.layer, self.neuron, self.sample
        name = self.activation
        z = n.z(layer, j)
        zv = Num(self.z)
        f = act.get(name).symbol
        if name == "identity":
            steps = (z, Num(self.a))
        elif name == "sigmoid":
            steps = (Call("σ", z), Frac(Num(1), row(1, "+", Power(E, row("−", z)))),
                     Frac(Num(1), row(1, "+", Power(E, Num(-self.z)))), Num(self.a))
        elif name == "softmax":
            zs = p.z[layer][b]
            den_terms = [Power(E, Num(v)) for v in zs]
            steps = (Frac(Power(E, z), row(BigSum(Sym("k")), Power(E, n.z(layer, "k")))),
                     Frac(Power(E, zv), total(den_terms)), Num(self.a))
        else:
            steps = (Call(f, z), Call(f, zv), Num(self.a))
        return Equation(n.a(layer, j), steps)

    def delta_equation(self) -> Equation:
        return neuron_delta_equation(self._pass, self.deltas, self.layer, self.neuron,
                                     self.sample)

    def equations(self) -> list[Equation]:
        return [self.z_equation(), self.a_equation(), self.delta_equation()]


def neuron_forward(step: StepRecord, network, layer: int, j: int, sample: int = 0,
                   numbering=None) -> NeuronForward:
    return NeuronForward(step, network, layer, j, sample, numbering)


def _per_sample_loss(p: StepQuantities, b: int) -> tuple[Expr, Expr]:
    """L of one sample as a formula and with numbers: (ŷ − y)² and (0.3 − 1)²;
    1/n Σ_k (ŷ_k − y_k)² and 1/2((0.3 − 1)² + (0.2 − 0)²); −[y log ŷ + (1 − y) log(1 − ŷ)]."""
    n = p.notation
    L = p.depth
    n_out = p.layers[L]
    name = p.loss_name

    def squared(yh, y):
        return Power(Paren(row(yh, "−", y)), Num(2))

    def binary(yh, y, times=()):
        # y log ŷ + (1 − y) log(1 − ŷ); with numbers a "·" keeps 1·log(0.3) readable
        return Paren(row(y, *times, Call("log", yh), "+", Paren(row(1, "−", y)), *times,
                         Call("log", row(1, "−", yh))), "[", "]")

    def categorical(yh, y, times=()):
        return row(y, *times, Call("log", yh))

    term = {"mse": squared, "sse": squared, "half_sse": squared, "bce": binary,
            "cross_entropy": categorical}[name]
    times = () if name in ("mse", "sse", "half_sse") else ("·",)
    numbers = [term(Num(p.yhat[b, k]), Num(p.y[b, k]), *([times] if times else []))
               for k in range(n_out)]
    if n_out == 1:
        sym, num = term(n.a(L, 0), n.y(0)), numbers[0]
    else:
        sym = row(BigSum(Sym("k")), term(n.a(L, "k"), n.y("k")))
        num = Paren(total(numbers))
    mean_over_outputs = Frac(Num(1), count(n_out)) if n_out > 1 else None
    front = {"mse": [mean_over_outputs], "sse": [], "half_sse": [Frac(Num(1), Num(2))],
             "bce": ["−", mean_over_outputs], "cross_entropy": ["−"]}[name]
    front = [f for f in front if f is not None]
    if name == "sse" and n_out > 1:
        num = num.body  # no brackets needed around a plain sum
    return row(*front, sym), row(*front, num)


class LossFormula:
    """J with numbers: J = (ŷ − y)² = (0.3 − 1)² = 0.49 (a batch: the mean of the
    samples' losses)."""

    def __init__(self, step: StepRecord, network=None, numbering=None):
        self._pass = StepQuantities(step, network, numbering)
        self.loss = float(step.loss.loss)
        self.per_sample = np.asarray(step.loss.per_sample)

    def equations(self, sample: int = 0) -> list[Equation]:
        p = self._pass
        n = p.notation
        sym, num = _per_sample_loss(p, sample)
        J = n.loss()
        if p.batch == 1:
            return [Equation(J, (sym, num, Num(self.loss)))]
        number = p.sample_number(sample)
        sample_loss = Sym("L", index=(number,))
        B = p.batch
        mean = Equation(J, (row(Frac(Num(1), Sym("B")), BigSum(Sym("b")), Sym("L", index=("b",))),
                            row(Frac(Num(1), count(B)),
                                Paren(total([Num(v) for v in self.per_sample]))),
                            Num(self.loss)),
                        note=f"the mean over the {B} samples of the batch")
        one = Equation(sample_loss, (sym, num, Num(self.per_sample[sample])),
                       note=f"sample {number}, one of the {B} in the batch")
        return [one, mean]


def loss_formula(step: StepRecord, network=None, numbering=None) -> LossFormula:
    return LossFormula(step, network, numbering)
