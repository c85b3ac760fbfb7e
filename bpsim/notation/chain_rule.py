"""The chain rule written out as the lecture writes it, with the numbers of one step.

From a :class:`~bpsim.trace.StepRecord` this module builds, for a selected parameter,

* the δ form:  ∂J/∂W⁽ˡ⁾[j,i] = Σ_batch δ⁽ˡ⁾_j · a⁽ˡ⁻¹⁾_i, with
  δ⁽ᴸ⁾ = ∂J/∂ŷ ⊙ f′(z⁽ᴸ⁾) and δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ f′(z⁽ˡ⁾)
  (for sigmoid+bce and softmax+cross_entropy δ⁽ᴸ⁾ = (ŷ − y)/B, ·1/n for bce);
* the path expansion: every path from the weight to the loss, a product of local
  derivatives (∂J/∂ŷ, f′(z), W, a), each evaluated; the paths sum to the gradient;
* then the update (:mod:`.update`).

The values come from the step record (z, a, ∂J/∂ŷ, the weights used by the step) and
the engine's activation derivatives; the sums and products written here are computed
here, so that a test can hold them against the engine's gradient.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Iterator

import numpy as np

from .. import activations as act
from .. import losses
from ..trace import StepRecord
from .expr import (MAX_TERMS, BigSum, Call, Equation, Expr, Frac, Num, Paren, Power, Sym,
                   Text, Vector, count, partial, product, row, total)
from .symbols import Notation
from .update import update_equation

#: At most this many paths are listed; :attr:`ParameterGradient.path_count` says how many exist.
MAX_PATHS = 64


# ---------------------------------------------------------------------------------------
# Factors and paths
# ---------------------------------------------------------------------------------------

#: ∂J/∂ŷ_k, from the loss
LOSS_GRADIENT = "loss_gradient"
#: δ⁽ᴸ⁾_k as one factor, for sigmoid+bce and softmax+cross_entropy: (ŷ − y)/B
OUTPUT_DELTA = "output_delta"
#: f′(z⁽ˡ⁾_k) of an elementwise activation
DERIVATIVE = "activation_derivative"
#: ∂a_k/∂z_m of a softmax layer: a_k(1[k = m] − a_m)
SOFTMAX_JACOBIAN = "softmax_jacobian"
#: W⁽ˡ⁾[k, j] = ∂z⁽ˡ⁾_k/∂a⁽ˡ⁻¹⁾_j
WEIGHT = "weight"
#: a⁽ˡ⁻¹⁾_i = ∂z⁽ˡ⁾_j/∂W⁽ˡ⁾[j, i] (1 for a bias)
INPUT = "input"


@dataclass(frozen=True)
class Factor:
    """One local derivative of a chain-rule product, evaluated for one sample."""

    kind: str
    #: how the product writes it: ∂J/∂ŷ₀, σ′(z⁽¹⁾₁), W⁽²⁾₀,₁, a⁽⁰⁾₀
    symbol: Expr
    value: float
    #: the same factor as a partial derivative: ∂z⁽²⁾₀/∂a⁽¹⁾₁
    leibniz: Expr
    #: what it is in terms of the pass's quantities: 2(ŷ − y), ŷ(1 − ŷ)
    formula: Expr
    #: the formula with this sample's numbers: 2(0.3 − 1), 0.6(1 − 0.6)
    numbers: Expr
    #: identity's f′ = 1 and a bias's ∂z/∂b = 1: left out of the written product
    trivial: bool = False
    layer: int = 0
    index: tuple = ()
    #: the numbers one step further: 2(−0.7) for 2(0.3 − 1); None when that is the value
    reduced: Expr | None = None


def route_neurons(parameter: tuple, nodes: tuple) -> list[tuple[int, int]]:
    """(l, j) of every neuron on the path ``nodes`` from ``parameter`` to the loss."""
    layer = parameter[1]
    out = [(layer - 1, parameter[3])] if parameter[0] == "weight" else []
    for k, (jz, ja) in enumerate(nodes):
        out.append((layer + k, jz))
        if ja != jz:  # through a softmax: from z_m to a different output a_k
            out.append((layer + k, ja))
    return out


@dataclass(frozen=True)
class Path:
    """One path from a parameter to the loss, for one sample of the batch."""

    #: (neuron of z, neuron of a) in layers l … L along the path (equal unless softmax)
    nodes: tuple
    #: the local derivatives, the loss end first (as ∂J/∂ŷ · ∂ŷ/∂z · … · ∂z/∂w)
    factors: tuple
    #: the parameter: ("weight", l, j, i) or ("bias", l, j)
    parameter: tuple
    #: position of the sample in the batch
    sample: int = 0

    @property
    def value(self) -> float:
        value = 1.0
        for f in self.factors:
            value *= f.value
        return value

    @property
    def first_layer(self) -> int:
        return self.parameter[1]

    @property
    def edges(self) -> list[tuple[int, int, int]]:
        """(l, j, i) of every weight on the path, input side first, the selected one included
        when it is a weight: what the canvas highlights."""
        layer = self.first_layer
        out = [tuple(self.parameter[1:])] if self.parameter[0] == "weight" else []
        for m in range(layer + 1, layer + len(self.nodes)):
            # W⁽ᵐ⁾[z neuron of layer m, a neuron of layer m − 1]
            out.append((m, self.nodes[m - layer][0], self.nodes[m - 1 - layer][1]))
        return out

    @property
    def neurons(self) -> list[tuple[int, int]]:
        """(l, j) of every neuron on the path (the weight's input neuron first)."""
        return route_neurons(self.parameter, self.nodes)

    def equation(self, number: int | None = None) -> Equation:
        """path = ∂J/∂ŷ · f′ · W · … = the symbols = the numbers = the product."""
        shown = [f for f in self.factors if not f.trivial] or list(self.factors[-1:])
        lhs = Text(f"path {number}" if number is not None else "path")
        return Equation(lhs, (
            product([f.leibniz for f in self.factors]),
            product([f.symbol for f in shown]),
            product([Num(f.value) for f in shown]),
            Num(self.value),
        ))


# ---------------------------------------------------------------------------------------
# The step, read for display
# ---------------------------------------------------------------------------------------


class StepQuantities:
    """The quantities of one step that the formulas use, taken from its record, and
    the δ recursion computed as the lecture writes it."""

    def __init__(self, step: StepRecord, network=None, numbering=None):
        self.step = step
        self.depth = len(step.forward)
        self.weights = [None, *step.update.weights_before]
        self.biases = [None, *step.update.biases_before]
        self.z = [None, *(f.z for f in step.forward)]
        self.a = [step.inputs, *(f.a for f in step.forward)]
        self.activation = [None, *(f.activation for f in step.forward)]
        self.layers = [step.inputs.shape[1], *(f.a.shape[1] for f in step.forward)]
        self.slope = network.leaky_slope if network is not None else act.DEFAULT_LEAKY_SLOPE
        self.loss_name = step.loss.loss_name
        self.y = step.loss.target
        self.yhat = step.loss.prediction
        self.grad_output = step.loss.grad_output
        self.batch = len(step.inputs)
        self.notation = Notation(self.layers, numbering)
        self._jacobians = {}
        self.fused_delta = losses.fused_output_delta(
            self.loss_name, self.activation[-1], self.yhat, self.y)
        # f′(z⁽ˡ⁾) of elementwise layers, from the engine's derivatives
        self.derivative = [None] + [
            None if self.softmax(l) else
            act.derivative(self.activation[l], self.z[l], self.a[l], self.slope)
            for l in range(1, self.depth + 1)]

    @property
    def fused(self) -> bool:
        return self.fused_delta is not None

    def sample_number(self, b: int) -> int:
        """The dataset's number (from 1) of the batch's sample b."""
        return int(self.step.sample_indices[b]) + 1

    def softmax(self, layer: int) -> bool:
        return self.activation[layer] == "softmax"

    def through_jacobian(self, layer: int) -> bool:
        """Whether a path through this layer picks an output a_k apart from its z_m
        (softmax couples the neurons; the fused output ends the path at z)."""
        return self.softmax(layer) and not (layer == self.depth and self.fused)

    # -- the δ recursion, computed here as written -------------------------------------

    def deltas(self) -> list:
        """δ⁽ˡ⁾ for l = 1 … L (index 0 unused), shape (B, n_l), by the lecture's formulas."""
        L = self.depth
        out = [None] * (L + 1)
        if self.fused:
            out[L] = np.asarray(self.fused_delta)  # (ŷ − y)/B (·1/n for bce)
        else:
            out[L] = self._through_activation(L, self.grad_output)  # ∂J/∂ŷ ⊙ f′(z⁽ᴸ⁾)
        for l in range(L - 1, 0, -1):
            back = out[l + 1] @ self.weights[l + 1]                  # W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾
            out[l] = self._through_activation(l, back)               # ⊙ f′(z⁽ˡ⁾)
        return out

    def _through_activation(self, layer, grad_a):
        if self.softmax(layer):
            # ∂J/∂z_m = Σ_k ∂J/∂a_k · a_k(1[k = m] − a_m)
            return np.einsum("bk,bkm->bm", grad_a, self.jacobian(layer))
        return grad_a * self.derivative[layer]

    def jacobian(self, layer):
        """∂a_k/∂z_m = a_k(1[k = m] − a_m), shape (B, n, n)."""
        if layer not in self._jacobians:
            a = self.a[layer]
            self._jacobians[layer] = a[:, :, None] * (np.eye(a.shape[1])[None] - a[:, None, :])
        return self._jacobians[layer]

    def local_derivatives(self, layer: int, kz: int, ka: int) -> np.ndarray:
        """∂a⁽ˡ⁾_ka/∂z⁽ˡ⁾_kz of every sample of the batch, shape (B,)."""
        if self.softmax(layer):
            return self.jacobian(layer)[:, ka, kz]
        return self.derivative[layer][:, kz]

    def local_derivative(self, b: int, layer: int, kz: int, ka: int) -> float:
        """∂a⁽ˡ⁾_ka/∂z⁽ˡ⁾_kz of sample b as a number."""
        return float(self.local_derivatives(layer, kz, ka)[b])

    # -- factors -----------------------------------------------------------------------

    def loss_gradient_factor(self, b: int, k: int) -> Factor:
        n = self.notation
        formula, numbers, reduced = _loss_gradient_formula(self, b, k)
        return Factor(LOSS_GRADIENT, partial(n.loss(), n.a(self.depth, k)),
                      float(self.grad_output[b, k]), partial(n.loss(), n.a(self.depth, k)),
                      formula, numbers, layer=self.depth, index=(k,), reduced=reduced)

    def output_delta_factor(self, b: int, k: int) -> Factor:
        n = self.notation
        L = self.depth
        scale = self.batch * (self.layers[L] if self.loss_name == "bce" else 1)
        diff_sym = Paren(row(n.a(L, k), "−", n.y(k)))
        diff_num = Paren(row(Num(self.yhat[b, k]), "−", Num(self.y[b, k])))
        formula = Frac(diff_sym, count(scale)) if scale != 1 else diff_sym
        numbers = Frac(diff_num, count(scale)) if scale != 1 else diff_num
        return Factor(OUTPUT_DELTA, n.delta(L, k), float(self.fused_delta[b, k]),
                      partial(n.loss(), n.z(L, k)), formula, numbers, layer=L, index=(k,))

    def derivative_factor(self, b: int, layer: int, kz: int, ka: int) -> Factor:
        """∂a⁽ˡ⁾_ka/∂z⁽ˡ⁾_kz: f′(z) for elementwise layers, the softmax Jacobian otherwise."""
        n = self.notation
        name = self.activation[layer]
        leibniz = partial(n.a(layer, ka), n.z(layer, kz))
        if self.softmax(layer):
            a_k, a_m = n.a(layer, ka), n.a(layer, kz)
            av_k, av_m = Num(self.a[layer][b, ka]), Num(self.a[layer][b, kz])
            if ka == kz:
                formula = row(a_k, Paren(row(1, "−", a_k)))
                numbers = row(av_k, Paren(row(1, "−", av_k)))
            else:
                formula = row("−", a_k, "·", a_m)
                numbers = row("−", av_k, "·", av_m)
            value = self.local_derivative(b, layer, kz, ka)
            return Factor(SOFTMAX_JACOBIAN, leibniz, value, leibniz, formula, numbers,
                          layer=layer, index=(ka, kz))
        symbol = Call(act.get(name).derivative_symbol, n.z(layer, kz))
        value = float(self.derivative[layer][b, kz])
        formula, numbers = _derivative_formula(self, name, b, layer, kz)
        return Factor(DERIVATIVE, symbol, value, leibniz, formula, numbers,
                      trivial=(name == "identity"), layer=layer, index=(kz,))

    def weight_factor(self, layer: int, k: int, j: int) -> Factor:
        n = self.notation
        w = n.weight(layer, k, j)
        value = float(self.weights[layer][k, j])
        return Factor(WEIGHT, w, value, partial(n.z(layer, k), n.a(layer - 1, j)), w,
                      Num(value), layer=layer, index=(k, j))

    def input_factor(self, b: int, parameter: tuple) -> Factor:
        n = self.notation
        if parameter[0] == "bias":
            _, layer, j = parameter
            return Factor(INPUT, Num(1.0), 1.0, partial(n.z(layer, j), n.bias(layer, j)),
                          Num(1.0), Num(1.0), trivial=True, layer=layer - 1)
        _, layer, j, i = parameter
        a = n.a(layer - 1, i)
        value = float(self.a[layer - 1][b, i])
        return Factor(INPUT, a, value, partial(n.z(layer, j), n.weight(layer, j, i)), a,
                      Num(value), layer=layer - 1, index=(i,))

    def output_factors(self, b: int, kz: int, ka: int) -> list[Factor]:
        if self.fused:
            return [self.output_delta_factor(b, kz)]
        return [self.loss_gradient_factor(b, ka),
                self.derivative_factor(b, self.depth, kz, ka)]


def _loss_gradient_formula(p: StepQuantities, b: int, k: int) -> tuple[Expr, Expr, Expr | None]:
    """∂J/∂ŷ_k of one sample as a formula, with numbers, and (for the squared errors)
    with the difference worked out: 2(ŷ − y), 2(0.3 − 1), 2(−0.7).  The batch mean's 1/B
    and the mean over outputs' 1/n are included, as in the engine."""
    n = p.notation
    L = p.depth
    n_out = p.layers[L]
    yh, y = n.a(L, k), n.y(k)
    yh_v, y_v = Num(p.yhat[b, k]), Num(p.y[b, k])
    B = p.batch
    name = p.loss_name

    def scaled(coefficient: float, denominator: int, *forms: Expr):
        # coefficient/denominator · (…): "2(ŷ − y)" when the denominator is 1
        if denominator == 1:
            if coefficient == 1:
                return forms
            return tuple(row(coefficient, f) for f in forms)
        front = Frac(Num(coefficient), count(denominator))
        return tuple(row(front, f) for f in forms)

    diff = Paren(row(yh, "−", y))
    diff_v = Paren(row(yh_v, "−", y_v))
    worked = Paren(Num(p.yhat[b, k] - p.y[b, k]))
    if name == "mse":
        return scaled(2.0, B * n_out, diff, diff_v, worked)
    if name == "sse":
        return scaled(2.0, B, diff, diff_v, worked)
    if name == "half_sse":
        sym, num, reduced = scaled(1.0, B, diff, diff_v, worked)
        return sym, num, reduced if B != 1 else None
    if name == "bce":
        sym = Frac(row(yh, "−", y), row(yh, Paren(row(1, "−", yh))))
        num = Frac(row(yh_v, "−", y_v), row(yh_v, Paren(row(1, "−", yh_v))))
        return (*scaled(1.0, B * n_out, sym, num), None)
    if name == "cross_entropy":
        sym = Frac(row("−", y), yh)
        num = Frac(row("−", y_v), yh_v)
        return (*scaled(1.0, B, sym, num), None)
    raise KeyError(name)


def _derivative_rule(name: str, z: Expr) -> Expr | None:
    """f′(z) by the function itself, as the lecture writes it: σ(z)(1 − σ(z)),
    1 − tanh²(z); None where the formula in z is the rule already (ReLU)."""
    if name == "sigmoid":
        return row(Call("σ", z), Paren(row(1, "−", Call("σ", z))))
    if name == "tanh":
        return row(1, "−", Power(Call("tanh", z), Num(2)))
    return None


def _derivative_formula(p: StepQuantities, name: str, b: int, layer: int,
                        k: int) -> tuple[Expr, Expr]:
    """f′(z) of one neuron as a formula of z or a, and with numbers."""
    n = p.notation
    a, z = n.a(layer, k), n.z(layer, k)
    av, zv = Num(p.a[layer][b, k]), Num(p.z[layer][b, k])
    if name == "identity":
        return Num(1.0), Num(1.0)
    if name == "sigmoid":  # σ′(z) = σ(z)(1 − σ(z))
        return row(a, Paren(row(1, "−", a))), row(av, Paren(row(1, "−", av)))
    if name == "tanh":  # tanh′(z) = 1 − tanh²(z)
        return row(1, "−", Power(a, Num(2))), row(1, "−", Power(av, Num(2)))
    if name in ("relu", "leaky_relu"):
        low = Num(0.0) if name == "relu" else Num(p.slope)
        positive = p.z[layer][b, k] > 0
        formula = row(Num(1.0), Text("if"), z, ">", 0, Text("else"), low)
        numbers = row(Num(1.0) if positive else low, Text("since"), z, "=", zv,
                      ">" if positive else "≤", 0)
        return formula, numbers
    raise KeyError(name)


# ---------------------------------------------------------------------------------------
# Gradients of one parameter
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeltaStep:
    """How δ⁽ˡ⁾ of one layer follows from the layer after it (or from the loss at L)."""

    layer: int
    #: δ⁽ˡ⁾ of every neuron of the layer, for the displayed sample
    values: np.ndarray
    equation: Equation


class ParameterGradient:
    """∂J/∂W⁽ˡ⁾[j, i] (or ∂J/∂b⁽ˡ⁾[j]) of one step, in the δ form and as a sum over paths.

    ``gradient`` is Σ_batch δ⁽ˡ⁾_j · a⁽ˡ⁻¹⁾_i with the δs computed here by the lecture's
    recursion; ``engine_gradient`` is the engine's number from the backward record;
    :meth:`path_sum` adds up every path's product.  All three agree.
    """

    def __init__(self, step: StepRecord, network, parameter: tuple, numbering=None):
        self.step = step
        self.parameter = tuple(parameter)
        self.kind = parameter[0]
        self.layer = int(parameter[1])
        self.neuron = int(parameter[2])
        self.input = int(parameter[3]) if self.kind == "weight" else None
        self._pass = p = StepQuantities(step, network, numbering)
        if not 1 <= self.layer <= p.depth:
            raise IndexError(f"layer {self.layer} is not in 1..{p.depth}")
        self.notation = p.notation
        self.batch = p.batch
        self.deltas = p.deltas()
        delta = self.deltas[self.layer][:, self.neuron]
        if self.kind == "weight":
            inputs = p.a[self.layer - 1][:, self.input]
        else:
            inputs = np.ones(p.batch)
        #: δ⁽ˡ⁾_j · a⁽ˡ⁻¹⁾_i of each sample of the batch
        self.contributions = delta * inputs
        self.gradient = float(np.sum(self.contributions))
        back = step.backward_for(self.layer)
        self.engine_gradient = float(back.grad_weights[self.neuron, self.input]
                                     if self.kind == "weight" else back.grad_biases[self.neuron])
        self.value = float(p.weights[self.layer][self.neuron, self.input] if self.kind == "weight"
                           else p.biases[self.layer][self.neuron])

    # -- symbols --------------------------------------------------------------------------

    @property
    def symbol(self) -> Sym:
        n = self.notation
        if self.kind == "weight":
            return n.weight(self.layer, self.neuron, self.input)
        return n.bias(self.layer, self.neuron)

    @property
    def derivative_symbol(self) -> Frac:
        """∂J/∂W⁽ˡ⁾_{j,i}."""
        return partial(self.notation.loss(), self.symbol)

    # -- paths ----------------------------------------------------------------------------

    @property
    def path_count(self) -> int:
        """How many paths lead from the parameter to the loss (per sample)."""
        p = self._pass
        count = 1
        for m in range(self.layer, p.depth + 1):
            if m > self.layer:
                count *= p.layers[m]
            if p.through_jacobian(m):
                count *= p.layers[m]
        return count

    @property
    def single_path(self) -> bool:
        return self.path_count == 1

    def _path_nodes(self) -> Iterator[tuple]:
        p = self._pass
        choices = []
        for m in range(self.layer, p.depth + 1):
            zs = [self.neuron] if m == self.layer else range(p.layers[m])
            if p.through_jacobian(m):
                choices.append([(kz, ka) for kz in zs for ka in range(p.layers[m])])
            else:
                choices.append([(kz, kz) for kz in zs])
        return itertools.product(*choices)

    def routes(self, limit: int | None = MAX_PATHS) -> list[tuple]:
        """The first ``limit`` paths as their nodes only, (neuron of z, neuron of a) per
        layer: cheap enough to list thousands; :meth:`path` writes one out."""
        nodes = self._path_nodes()
        return list(nodes if limit is None else itertools.islice(nodes, limit))

    def path(self, nodes: tuple, sample: int = 0) -> Path:
        """The path through ``nodes`` (from :meth:`routes`), factor by factor, for one
        sample of the batch."""
        return self._path(tuple(nodes), sample)

    def _path(self, nodes: tuple, b: int) -> Path:
        p = self._pass
        L = p.depth
        kz, ka = nodes[-1]
        factors = p.output_factors(b, kz, ka)
        for m in range(L, self.layer, -1):
            kz_m = nodes[m - self.layer][0]
            kz_prev, ka_prev = nodes[m - 1 - self.layer]
            factors.append(p.weight_factor(m, kz_m, ka_prev))
            factors.append(p.derivative_factor(b, m - 1, kz_prev, ka_prev))
        factors.append(p.input_factor(b, self.parameter))
        return Path(tuple(nodes), tuple(factors), self.parameter, b)

    def paths(self, sample: int = 0, limit: int | None = MAX_PATHS) -> list[Path]:
        """The first ``limit`` paths (all when None) for one sample of the batch."""
        return [self._path(n, sample) for n in self.routes(limit)]

    def path_values(self, nodes: tuple) -> np.ndarray:
        """The product of the local derivatives along one path for every sample of the
        batch, shape (B,), from the numbers alone (what :meth:`paths` writes out, without
        building the formulas)."""
        p = self._pass
        L = p.depth
        kz, ka = nodes[-1]
        if p.fused:
            value = np.array(p.fused_delta[:, kz])                    # δ⁽ᴸ⁾ = (ŷ − y)/B
        else:
            value = p.grad_output[:, ka] * p.local_derivatives(L, kz, ka)   # ∂J/∂ŷ · f′
        for m in range(L, self.layer, -1):
            kz_m = nodes[m - self.layer][0]
            kz_prev, ka_prev = nodes[m - 1 - self.layer]
            # · W⁽ᵐ⁾ · f′(z⁽ᵐ⁻¹⁾)
            value = value * p.weights[m][kz_m, ka_prev] * p.local_derivatives(m - 1, kz_prev,
                                                                             ka_prev)
        if self.kind == "weight":
            value = value * p.a[self.layer - 1][:, self.input]      # · a⁽ˡ⁻¹⁾_i
        return value

    def path_value(self, nodes: tuple, b: int) -> float:
        """The product along one path for sample ``b`` of the batch."""
        return float(self.path_values(nodes)[b])

    def path_sum(self) -> float:
        """Σ over the batch of Σ over every path of the product of its factors."""
        return float(sum(self.path_values(nodes).sum() for nodes in self._path_nodes()))

    # -- equations ------------------------------------------------------------------------

    def chain_equation(self, sample: int = 0) -> Equation:
        """For a single path: ∂J/∂w = ∂J/∂ŷ · ∂ŷ/∂z · ∂z/∂w = 2(ŷ − y) · x
        = 2(0.3 − 1) · 3 = −1.4 · 3 = −4.2 (this sample's term of the batch sum)."""
        path = self.paths(sample, limit=1)[0]
        shown = [f for f in path.factors if not f.trivial] or list(path.factors[-1:])
        written = [f.formula if f.kind in (LOSS_GRADIENT, OUTPUT_DELTA) else f.symbol
                   for f in shown]
        substituted = [f.numbers if f.kind in (LOSS_GRADIENT, OUTPUT_DELTA) else Num(f.value)
                       for f in shown]
        reduced = [f.reduced if f.reduced is not None else Num(f.value) for f in shown]
        steps = [product([f.leibniz for f in path.factors]), product(written),
                 product(substituted)]
        if len(shown) > 1 or any(f.reduced is not None for f in shown):
            steps.append(product(reduced))
        steps.append(Num(path.value))
        note = "" if self.batch == 1 else (
            f"sample {self._pass.sample_number(sample)}'s share; the batch's samples add up below")
        return Equation(self.derivative_symbol, tuple(steps), note)

    def derivative_rules(self, sample: int = 0) -> list[Equation]:
        """Each activation derivative of the product by its rule, with this sample's
        numbers: σ′(z⁽¹⁾₁) = σ(z⁽¹⁾₁)(1 − σ(z⁽¹⁾₁)) = a⁽¹⁾₁(1 − a⁽¹⁾₁) = 0.65·(1 − 0.65)
        = 0.23 (the value is the engine's f′(z))."""
        if not self.single_path:
            return []
        out = []
        for f in self.paths(sample, limit=1)[0].factors:
            if f.kind != DERIVATIVE or f.trivial:
                continue
            rule = _derivative_rule(self._pass.activation[f.layer], f.symbol.arg)
            steps = ([rule] if rule is not None else []) + [f.formula, f.numbers,
                                                            Num(f.value)]
            out.append(Equation(f.symbol, tuple(steps)))
        return out

    def delta_form(self, sample: int = 0) -> Equation:
        """∂J/∂w = Σ_batch δ⁽ˡ⁾_j · a⁽ˡ⁻¹⁾_i = (numbers) = result.  The sum runs over the
        whole batch, so ``sample`` only keeps the signature of the other equations."""
        n = self.notation
        p = self._pass
        d = n.delta(self.layer, self.neuron)
        a = n.a(self.layer - 1, self.input) if self.kind == "weight" else None
        term = product([d, a]) if a is not None else d
        # total() shows MAX_TERMS terms at most: build no more than it needs to cut
        # (a batch of 100,000 samples would otherwise build 100,000 products)
        shown = MAX_TERMS + 1
        deltas = self.deltas[self.layer][:shown, self.neuron]
        if self.kind == "weight":
            inputs = p.a[self.layer - 1][:shown, self.input]
            terms = [product([Num(dv), Num(av)]) for dv, av in zip(deltas, inputs)]
        else:
            terms = [Num(dv) for dv in deltas]
        if self.batch == 1:
            return Equation(self.derivative_symbol, (term, terms[0], Num(self.gradient)))
        symbolic = row(BigSum(Text("batch")), term)
        steps = [symbolic, total(terms)]
        if self.batch > MAX_TERMS:
            steps.append(total([Num(c) for c in self.contributions[:shown]]))
        steps.append(Num(self.gradient))
        return Equation(self.derivative_symbol, tuple(steps),
                        note=f"sum over the {self.batch} samples of the batch")

    def delta_steps(self, sample: int = 0) -> list[DeltaStep]:
        """The δ recursion from the output layer down to the parameter's layer."""
        return [delta_step(self._pass, self.deltas, m, sample)
                for m in range(self._pass.depth, self.layer - 1, -1)]

    def neuron_delta(self, sample: int = 0) -> Equation:
        """δ⁽ˡ⁾_j of the parameter's neuron written out with numbers."""
        return neuron_delta_equation(self._pass, self.deltas, self.layer, self.neuron, sample)

    @property
    def penalized(self) -> bool:
        """Whether ∂J/∂w holds a weight penalty's term λ·∂R/∂w (weights only)."""
        return self.kind == "weight" and self.step.loss.regularized

    def penalty_equation(self) -> Equation:
        """∂J/∂w = ∂L/∂w + λ·w (l2) or + λ·sign(w) (l1) = (numbers) = result, every
        number from the engine's backward record."""
        loss = self.step.loss
        back = self.step.backward_for(self.layer)
        data_part = float(back.data_grad_weights[self.neuron, self.input])
        lam = Sym("λ")
        if loss.regularization == "l2":
            term, factor = product([lam, self.symbol]), self.value
        else:
            term = product([lam, row(Text("sign"), Text("("), self.symbol, Text(")"))])
            factor = float(np.sign(self.value))
        data = Sym("∂L/∂w", tag="data")
        steps = (total([data, term]),
                 total([Num(data_part), product([Num(loss.regularization_rate),
                                                 Num(factor)])]),
                 Num(self.engine_gradient))
        return Equation(self.derivative_symbol, steps,
                        note="the data loss's part (above) plus the weight penalty's")

    def update_equation(self) -> Equation:
        return update_equation(self.step, self.notation, self.parameter, self.engine_gradient)

    def equations(self, sample: int = 0) -> list[Equation]:
        """What a blackboard would show: the product along the path for a single path,
        else the δ form and δ of the neuron; then the update."""
        if self.single_path:
            out = [self.chain_equation(sample)]
            out.extend(self.derivative_rules(sample))
            if self.batch > 1:
                out.append(self.delta_form(sample))
        else:
            out = [self.delta_form(sample), self.neuron_delta(sample)]
        if self.penalized:  # the weight penalty's term, after the data loss's part
            out.append(self.penalty_equation())
        out.append(self.update_equation())
        return out


def weight_gradient(step: StepRecord, network, layer: int, j: int, i: int,
                    numbering=None) -> ParameterGradient:
    """∂J/∂W⁽ˡ⁾[j, i] of ``step`` written out (``network`` gives the leaky slope;
    ``numbering`` how the layers are numbered on screen)."""
    return ParameterGradient(step, network, ("weight", layer, j, i), numbering)


def bias_gradient(step: StepRecord, network, layer: int, j: int,
                  numbering=None) -> ParameterGradient:
    return ParameterGradient(step, network, ("bias", layer, j), numbering)


# ---------------------------------------------------------------------------------------
# δ of a neuron and of a layer
# ---------------------------------------------------------------------------------------


def _cut(values, limit: int = 8) -> Expr:
    """The values of a layer as a vector (a single number for a one-neuron layer)."""
    if len(values) == 1:
        return Num(values[0])
    values = [Num(v) for v in values]
    if len(values) > limit:
        values = values[:limit - 1] + [Text("…")]
    return Vector(tuple(values))


def delta_step(p: StepQuantities, deltas, layer: int, sample: int = 0) -> DeltaStep:
    """δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ f′(z⁽ˡ⁾) = [..] ⊙ [..] = [..] for one sample
    (δ⁽ᴸ⁾ = ∂J/∂ŷ ⊙ f′(z⁽ᴸ⁾), or (ŷ − y)/B for the fused pairs)."""
    n = p.notation
    b = sample
    L = p.depth
    values = deltas[layer][b]
    lhs = n.delta(layer)
    if layer == L and p.fused:
        scale = p.batch * (p.layers[L] if p.loss_name == "bce" else 1)
        diff = row(n.a(L), "−", n.y())
        diff_v = row(_cut(p.yhat[b]), "−", _cut(p.y[b]))
        steps = (Frac(Paren(diff), count(scale)) if scale != 1 else diff,
                 Frac(Paren(diff_v), count(scale)) if scale != 1 else diff_v)
        return DeltaStep(layer, values, Equation(lhs, (*steps, _cut(values))))
    if layer == L:
        incoming_sym = partial(n.loss(), n.a(L))
        incoming = p.grad_output[b]
    else:
        incoming_sym = Paren(row(n.weight_matrix(layer + 1, transpose=True), n.delta(layer + 1)))
        incoming = deltas[layer + 1][b] @ p.weights[layer + 1]
    if p.softmax(layer):
        # the softmax Jacobian (diag(a) − a aᵀ) is symmetric, so Jᵀ g = J g
        a = n.a(layer)
        jac = Paren(row(Call("diag", a), "−", a, replace(a, transpose=True)))
        return DeltaStep(layer, values, Equation(lhs, (row(jac, incoming_sym), _cut(values)),
                                                 note="softmax couples the neurons of the layer"))
    name = p.activation[layer]
    f_prime = Call(act.get(name).derivative_symbol, n.z(layer))
    times = "⊙" if p.layers[layer] > 1 else "·"  # elementwise product of two vectors
    steps = (row(incoming_sym, times, f_prime),
             row(_cut(incoming), times, _cut(p.derivative[layer][b])),
             _cut(values))
    return DeltaStep(layer, values, Equation(lhs, steps))


def neuron_delta_equation(p: StepQuantities, deltas, layer: int, j: int,
                          sample: int = 0) -> Equation:
    """δ⁽ˡ⁾_j = (Σ_k W⁽ˡ⁺¹⁾_{k,j} δ⁽ˡ⁺¹⁾_k) · f′(z⁽ˡ⁾_j) with numbers (one sample)."""
    n = p.notation
    b = sample
    L = p.depth
    lhs = n.delta(layer, j)
    value = Num(deltas[layer][b, j])
    if layer == L:
        if p.fused:
            f = p.output_delta_factor(b, j)
            return Equation(lhs, (f.formula, f.numbers, value))
        g = p.loss_gradient_factor(b, j)
        if p.softmax(L):
            k = Sym("k") if p.notation.indexed else None
            sym = row(BigSum(k), partial(n.loss(), n.a(L, "k")), "·",
                      partial(n.a(L, "k"), n.z(L, j)))
            terms = [product([Num(p.grad_output[b, kk]), Num(p.jacobian(L)[b, kk, j])])
                     for kk in range(p.layers[L])]
            return Equation(lhs, (sym, total(terms), value))
        d = p.derivative_factor(b, L, j, j)
        return Equation(lhs, (row(g.symbol, "·", d.symbol), row(g.formula, "·", d.symbol),
                              row(g.numbers, "·", Num(d.value)), value))
    if p.softmax(layer):
        backprop = row(BigSum(Sym("k")), n.weight(layer + 1, "k", "m"), n.delta(layer + 1, "k"))
        sym = row(BigSum(Sym("m")), Paren(backprop), "·", partial(n.a(layer, "m"), n.z(layer, j)))
        return Equation(lhs, (sym, value))
    backprop = row(BigSum(Sym("k")), n.weight(layer + 1, "k", j), n.delta(layer + 1, "k"))
    terms = [product([Num(p.weights[layer + 1][kk, j]), Num(deltas[layer + 1][b, kk])])
             for kk in range(p.layers[layer + 1])]
    d = p.derivative_factor(b, layer, j, j)
    return Equation(lhs, (
        row(Paren(backprop), "·", d.symbol),
        row(Paren(total(terms)), "·", Num(d.value)),
        value,
    ))
