"""The worked example of one training step, written out as a handout.

``explain(scenario)`` takes one step on the next batch of a *copy* of the scenario and
writes it in the lecture's form: the network and its numbers, the forward pass layer
by layer, the loss, the backward pass with each chain-rule factor, the update
w_new = w − η·∂J/∂w, all with numbers.  Markdown carries LaTeX math ($…$); HTML is
one self-contained file with MathML (rendered natively by current browsers, no
script or font from the network) and a plain-text fallback for each formula.

Small layers are written weight by weight; big ones as matrices, so that a 16-neuron
layer stays a page and not a book.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from .. import losses, regularization, settings_spec
from ..activations import get as get_activation
from ..losses import get as get_loss
from ..network import Network
from ..scenario import Scenario
from ..trace import StepRecord
from ..training import OPTIMIZER_SETTINGS, OPTIMIZERS
from .chain_rule import (DERIVATIVE, INPUT, LOSS_GRADIENT, OUTPUT_DELTA, SOFTMAX_JACOBIAN,
                         WEIGHT, ParameterGradient, bias_gradient, weight_gradient)
from .expr import (BigSum, Call, Equation, Expr, Matrix, Num, Op, Paren, Row, Sym, Text,
                   Vector, partial, product, row, total)
from .formulas import loss_formula, neuron_forward
from . import punchline
from .numbers import DIGITS, format_number
from .render import to_latex, to_mathml, to_text
from .symbols import Notation
from .update import update_equation

#: Layers with at most this many weights are written weight by weight.
SMALL_LAYER = 12
#: Rows and columns of a matrix, and rows of a table, written before "…".
MAX_ROWS = 8

FORMATS = ("md", "html")
#: Networks with more weights get a summary per layer instead of per parameter.
SUMMARY_PARAMETERS = 24
#: Sums over more paths than this are taken from the δ form instead.
PATH_SUM_LIMIT = 2000
#: The summary checks the chain-rule sums of at most this many weights against backprop.
CHECKED_WEIGHTS = 64
#: ... and at most about this many multiply-adds for them (a few tenths of a second)
CHECK_WORK = 100_000_000


# ---------------------------------------------------------------------------------------
# A small document model, rendered to Markdown or HTML
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    """A paragraph: strings are prose, expressions are inline math."""

    parts: tuple


@dataclass(frozen=True)
class Eq:
    equation: Equation


@dataclass(frozen=True)
class Table:
    header: tuple
    rows: tuple
    caption: str = ""


def _para(*parts) -> Para:
    return Para(tuple(parts))


# ---------------------------------------------------------------------------------------
# The step
# ---------------------------------------------------------------------------------------


def training_step(scenario: Scenario, trainer_state: dict | None = None
                  ) -> tuple[Scenario, StepRecord]:
    """One training step on the next batch of a copy of ``scenario`` (which is not
    changed).  ``trainer_state`` (from :meth:`Trainer.state`) continues a run: the
    batch order and momentum of a session.  Returns (the copy, after the step; the record)."""
    copy = scenario.copy()
    trainer = copy.trainer()
    if trainer_state is not None:
        trainer.restore(trainer_state)
    return copy, trainer.step()


def explain(scenario: Scenario, format: str = "md", *, step: StepRecord | None = None,
            digits: int = DIGITS, trainer_state: dict | None = None) -> str:
    """The worked example of one training step as Markdown (``"md"``) or HTML.

    Without ``step``, one step is taken on the next batch of a copy of ``scenario``;
    a given ``step`` (e.g. the window's last step) must belong to its network."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    if step is None:
        _, step = training_step(scenario, trainer_state)
    blocks = _document(scenario, step)
    title = "Worked example: one training step"
    if scenario.title:
        title += f" of “{scenario.title}”"
    if format == "md":
        return _markdown(title, blocks, digits)
    return _html(title, blocks, digits)


# ---------------------------------------------------------------------------------------
# What the document says
# ---------------------------------------------------------------------------------------


def _vector(values, limit: int = MAX_ROWS) -> Expr:
    values = list(np.ravel(values))
    if len(values) == 1:
        return Num(values[0])
    items = [Num(v) for v in values]
    if len(items) > limit:
        items = items[:limit - 1] + [Text("…")]
    return Vector(tuple(items))


def _matrix(array, limit: int = MAX_ROWS) -> Expr:
    array = np.atleast_2d(array)
    if array.size == 1:
        return Num(array[0, 0])
    rows = []
    for r in array[:limit]:
        items = [Num(v) for v in r[:limit]]
        if len(r) > limit:
            items[-1] = Text("…")
        rows.append(tuple(items))
    if len(array) > limit:
        rows[-1] = tuple(Text("…") for _ in rows[-1])
    return Matrix(tuple(rows))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class _Writer:
    def __init__(self, scenario: Scenario, step: StepRecord):
        self.scenario = scenario
        self.step = step
        self.settings = scenario.training
        net = scenario.network
        self.layers = [step.inputs.shape[1], *(f.a.shape[1] for f in step.forward)]
        self.depth = len(step.forward)
        self.network = Network(self.layers, [f.activation for f in step.forward],
                               step.update.weights_before, step.update.biases_before,
                               net.leaky_slope)
        self.notation = Notation(self.layers, scenario.numbering)
        self.batch = len(step.inputs)
        #: the dataset's number (from 1) of the batch's first sample, written out in full
        self.first_sample = int(step.sample_indices[0]) + 1
        self.blocks: list = []

    def add(self, *blocks) -> None:
        self.blocks.extend(blocks)

    def small(self, layer: int) -> bool:
        return self.layers[layer] * self.layers[layer - 1] <= SMALL_LAYER

    # -- the network and its numbers ----------------------------------------------------

    def network_section(self) -> None:
        n, s = self.notation, self.settings
        loss = get_loss(s.loss)
        self.add(Heading(2, "The network and its numbers"))
        if self.scenario.description:
            self.add(_para(self.scenario.description))
        sizes = " → ".join(str(k) for k in self.layers)
        self.add(_para(
            f"Layers {sizes} (inputs first). Loss: {loss.label.lower()}, written J. "
            "Learning rate ", row(Sym("η"), "=", Num(s.learning_rate)),
            f"{', momentum ' if s.momentum else ''}",
            *( [row(Sym("μ"), "=", Num(s.momentum))] if s.momentum else []),
            ". Biases are " + ("trained." if s.train_biases else "not trained (they stay)."),
            f" This step uses a batch of {_plural(self.batch, 'sample')}."))
        rows = []
        for l in range(1, self.depth + 1):
            activation = get_activation(self.network.activations[l - 1])
            rows.append((str(n.numbering.layer(l)), str(self.layers[l]), activation.label,
                         row(n.weight_matrix(l), "=", _matrix(self.network.weights[l - 1])),
                         row(n.bias(l), "=",
                                _vector(self.network.biases[l - 1]))))
        self.add(Table(("layer", "neurons", "activation", "weights", "biases"), tuple(rows)))
        x, y = self.step.inputs, self.step.loss.target
        rows = [(str(int(k) + 1), _vector(x[b]), _vector(y[b]))
                for b, k in enumerate(self.step.sample_indices[:MAX_ROWS])]
        caption = "" if self.batch <= MAX_ROWS else \
            f"the first {MAX_ROWS} of the {self.batch} samples of the batch"
        self.add(Table(("sample", "input x", "target y"), tuple(rows), caption))

    # -- forward ------------------------------------------------------------------------

    def forward_section(self) -> None:
        n = self.notation
        self.add(Heading(2, "Forward pass"))
        if self.batch > 1:
            self.add(_para(f"Written out for sample {self.first_sample}, the first of the batch; "
                           "the others go the same way (their outputs are in the table at the "
                           "end of this pass)."))
        for l in range(1, self.depth + 1):
            record = self.step.forward[l - 1]
            activation = get_activation(record.activation)
            self.add(Heading(3, f"Layer {n.numbering.layer(l)} ({activation.label.lower()})"))
            if self.layers[l] <= 4 and self.small(l):
                for j in range(self.layers[l]):
                    neuron = neuron_forward(self.step, self.network, l, j,
                                            numbering=self.scenario.numbering)
                    self.add(Eq(neuron.z_equation()), Eq(neuron.a_equation()))
            else:
                f = activation.symbol
                self.add(Eq(Equation(n.z(l), (
                    row(n.weight_matrix(l), n.a(l - 1), "+", n.bias(l)),
                    _vector(record.z[0])))))
                self.add(Eq(Equation(n.a(l), (Call(f, n.z(l)), _vector(record.a[0])))))
        if self.batch > 1:
            yhat = self.step.loss.prediction
            rows = [(str(int(k) + 1), _vector(yhat[b]), _vector(self.step.loss.target[b]))
                    for b, k in enumerate(self.step.sample_indices[:MAX_ROWS])]
            self.add(Table(("sample", "prediction ŷ", "target y"), tuple(rows)))

    # -- loss ---------------------------------------------------------------------------

    def loss_section(self) -> None:
        loss = get_loss(self.settings.loss)
        self.add(Heading(2, "Loss"))
        self.add(_para(f"{loss.label}: how far the prediction ŷ is from the target y."))
        for eq in loss_formula(self.step, self.network, self.scenario.numbering).equations():
            self.add(Eq(eq))
        record = self.step.loss
        if record.regularized:
            self.add(*self._penalty_blocks(record))

    def _penalty_blocks(self, record) -> list:
        """J = data loss + λ·R with the record's numbers (R before the update)."""
        formula = regularization.FORMULAS[record.regularization]
        name = "L2" if record.regularization == "l2" else "L1"
        lam, penalty = Sym("λ"), Sym("R")
        return [
            _para(f"With {name} regularization J also holds a weight penalty, {formula} "
                  "over the weights (not the biases); the loss above is the data loss."),
            Eq(Equation(Sym("J"), (
                total([Text("data loss"), product([lam, penalty])]),
                total([Num(record.data_loss),
                       product([Num(record.regularization_rate), Num(record.penalty)])]),
                Num(record.loss)))),
        ]

    # -- the lecture's punchline -------------------------------------------------------

    def punchline_section(self) -> None:
        """A chain of one-neuron layers with output δ = ŷ − y: each weight's gradient
        as one product, as the lecture's punchline slide writes it."""
        formulas = punchline.equations(self.step, self.scenario.numbering)
        if not formulas:
            return
        self.add(Heading(2, "The punchline"))
        self.add(_para("Each gradient is one product of numbers already computed: the "
                       "output's error ŷ − y, then a weight and an activation slope for "
                       "each layer on the way back, then the input the weight multiplies."))
        self.add(*(Eq(eq) for eq in formulas))
        rules = punchline.derivative_rules(self.step, self.scenario.numbering)
        if rules:
            self.add(_para("Recall that σ′(z) = σ(z)(1 − σ(z)):"))
            self.add(*(Eq(eq) for eq in rules))

    # -- backward -----------------------------------------------------------------------

    def backward_section(self) -> None:
        n = self.notation
        L = self.depth
        self.add(Heading(2, "Backward pass"))
        single = all(k == 1 for k in self.layers[1:-1])
        if self.notation.layered or self.notation.indexed:
            l = Sym("δ", "l")
            # bpsim's numbering: W⁽ˡ⁾ enters layer l; the lecture's: W⁽ˡ⁾ leaves layer l
            lecture = n.numbering.input_layer == 1
            above, below = ("l", "l+1") if lecture else ("l+1", "l")
            output_activation = self.step.forward[-1].activation
            fused = losses.fused_output_delta(
                self.step.loss.loss_name, output_activation, self.step.loss.prediction[:1],
                self.step.loss.target[:1]) is not None
            if fused:
                # sigmoid + bce, softmax + cross-entropy: ∂J/∂ŷ and f′ cancel to ŷ − y
                # (for softmax ∂J/∂ŷ ⊙ f′(z) would not even hold: its f′ is a matrix)
                output_delta = row(Sym("δ", "L"), "=", Sym("ŷ"), "−", Sym("y"))
            elif output_activation == "softmax":
                output_delta = row(Sym("δ", "L"), "=", Sym("J", None, (), "softmax"),
                                   partial(Sym("J"), Sym("ŷ")))
            else:
                output_delta = row(Sym("δ", "L"), "=", partial(Sym("J"), Sym("ŷ")), "⊙",
                                   Call("f′", Sym("z", "L")))
            self.add(_para(
                "The chain rule, layer by layer. ", row(l, "=", partial(Sym("J"),
                                                                        Sym("z", "l"))),
                " says how much J changes with a neuron's total input. At the output ",
                output_delta,
                "; below it ",
                row(l, "=", Paren(row(Sym("W", above, transpose=True),
                                               Sym("δ", "l+1"))),
                       "⊙", Call("f′", Sym("z", "l"))),
                "; and each weight's gradient is ",
                row(partial(Sym("J"), Sym("W", "l", ("j", "i"))), "=",
                       BigSum(Text("batch")), Sym("δ", below if lecture else "l", ("j",)),
                       Sym("a", "l" if lecture else "l−1", ("i",))), "."))
            if fused:
                self.add(_para("With this output activation and loss the output δ simplifies "
                               "to (ŷ − y) divided by the batch size"
                               + (" and the number of outputs" if self.settings.loss == "bce"
                                  else "") + "."))
        if self.batch > 1:
            self.add(_para(f"δ is written for sample {self.first_sample}; the gradients add up "
                           f"the {self.batch} samples of the batch."))
        if not self.settings.train_biases:
            self.add(_para("Biases are not trained here, so only the weights' gradients "
                           "are needed."))
        # δ⁽ᴸ⁾ … δ⁽¹⁾, output first
        deltas = weight_gradient(self.step, self.network, 1, 0, 0,
                                 self.scenario.numbering).delta_steps()
        for l in range(L, 0, -1):
            self.add(Heading(3, f"Layer {n.numbering.layer(l)}"))
            first = weight_gradient(self.step, self.network, l, 0, 0, self.scenario.numbering)
            if n.layered or n.indexed:
                self.add(Eq(deltas[L - l].equation))
            if self.small(l):
                for j in range(self.layers[l]):
                    for i in range(self.layers[l - 1]):
                        grad = weight_gradient(self.step, self.network, l, j, i,
                                               self.scenario.numbering)
                        self.add(*self._gradient_blocks(grad))
                    if self.settings.train_biases:
                        grad = bias_gradient(self.step, self.network, l, j, self.scenario.numbering)
                        self.add(*self._gradient_blocks(grad))
            else:
                back = self.step.backward_for(l)
                data_part = row(BigSum(Text("batch")), n.delta(l, transpose=True), n.a(l - 1))
                if self.step.loss.regularized:
                    # the weight penalty's term, elementwise: + λ·W or + λ·sign(W)
                    weights = n.weight_matrix(l)
                    term = (weights if self.step.loss.regularization == "l2"
                            else Call("sign", weights))
                    data_part = total([data_part, product([Sym("λ"), term])])
                self.add(Eq(Equation(partial(Sym("J"), n.weight_matrix(l)), (
                    data_part, _matrix(back.grad_weights)))))
                if self.settings.train_biases:
                    self.add(Eq(Equation(partial(Sym("J"), n.bias(l)), (
                        row(BigSum(Text("batch")), n.delta(l)),
                        _vector(back.grad_biases)))))
            if l == 1 or (single and l == L):
                self.factor_table(first)

    def _gradient_blocks(self, grad: ParameterGradient) -> list:
        """The product along the path for a single path; for a batch the chain is written
        for the first sample of a layer's first weight only, then the sums over the batch."""
        first = grad.parameter[2:] == (0, 0)
        if grad.single_path and (grad.batch == 1 or first):
            blocks = [Eq(grad.chain_equation())]
            blocks += [Eq(rule) for rule in grad.derivative_rules()]
            if grad.batch > 1:
                blocks.append(Eq(grad.delta_form()))
        else:
            blocks = [Eq(grad.delta_form())]
        if grad.penalized:  # ∂J/∂w = ∂L/∂w + λ·w (l2) or + λ·sign(w) (l1)
            blocks.append(Eq(grad.penalty_equation()))
        return blocks

    def factor_table(self, grad: ParameterGradient) -> None:
        """Each factor of one chain-rule product, what it is, and its number."""
        path = grad.paths(limit=1)[0]
        if grad.single_path:
            self.add(_para("Each factor of the chain rule for ", grad.symbol, ":"))
        else:
            self.add(_para(f"One of the {grad.path_count} paths from ", grad.symbol,
                           " to the loss, factor by factor (the products of all paths add up to ",
                           grad.derivative_symbol, "):"))
        rows = []
        for f in path.factors:
            # symbol = formula = formula with numbers, each written once
            forms = []
            for form in (f.symbol, f.formula, f.numbers):
                if form != f.leibniz and form not in forms and not (
                        isinstance(form, Num) and form.value == f.value):
                    forms.append(form)
            written = Row(tuple(x for k, form in enumerate(forms)
                                   for x in ((Op("="),) if k else ()) + (form,))) \
                if forms else ""
            rows.append((f.leibniz, written, Num(f.value), _MEANING[f.kind]))
        rows.append(("product", "", Num(path.value), "this path's share of the gradient"
                     if not grad.single_path else "the gradient"))
        self.add(Table(("factor", "written", "value", "meaning"), tuple(rows)))
        if not grad.single_path:
            # Adding up every path is what the δ recursion saves; beyond a few thousand
            # products the δ form gives the same sum (the tests hold them equal).
            cheap = grad.path_count <= PATH_SUM_LIMIT
            total = grad.path_sum() if cheap else grad.gradient
            self.add(_para(f"Sum over all {grad.path_count} paths"
                           + (" and the samples of the batch" if grad.batch > 1 else "")
                           + ("" if cheap else " (added up layer by layer as δ)") + ": ",
                           row(grad.derivative_symbol, "=", Num(total)), "."))

    # -- update -------------------------------------------------------------------------

    def update_section(self) -> None:
        n = self.notation
        s = self.settings
        update = self.step.update
        self.add(Heading(2, "Update"))
        w = n.weight_matrix(1) if not n.indexed else Sym("w")
        self.add(_para("Gradient descent moves every parameter against its gradient: ",
                       row(Sym("w", tag="new"), "=", w, "−", Sym("η"), "·",
                              partial(Sym("J"), w)),
                       " with ", row(Sym("η"), "=", Num(s.learning_rate)),
                       "." if not s.momentum or s.optimizer in ("rmsprop", "adam") else
                       "; with momentum the step v = μ·v_previous − η·∂J/∂w is added instead."))
        if s.optimizer != "sgd":
            # the optimizer's own rule, with the settings it uses (as torch.optim)
            used = ", ".join(f"{settings_spec.get(key).symbol} = "
                             f"{format_number(getattr(s, key))}"
                             for key in OPTIMIZER_SETTINGS[s.optimizer])
            self.add(_para(f"The optimizer is {_OPTIMIZER_NAMES[s.optimizer]}, for every "
                           f"parameter w with g = ∂J/∂w: {OPTIMIZERS[s.optimizer]} "
                           f"({used})."))
        if not s.train_biases:
            self.add(_para("Biases are not trained: they keep their values."))
        if not update.applied:
            self.add(_para("The numbers became infinite or NaN in this step (it diverged), so "
                           "the update was not applied: try a smaller learning rate."))
        for l in range(1, self.depth + 1):
            back = self.step.backward_for(l)
            if self.small(l):
                for j in range(self.layers[l]):
                    for i in range(self.layers[l - 1]):
                        self.add(Eq(update_equation(self.step, n, ("weight", l, j, i),
                                                       float(back.grad_weights[j, i]))))
                    if s.train_biases:
                        self.add(Eq(update_equation(self.step, n, ("bias", l, j),
                                                       float(back.grad_biases[j]))))
            else:
                W, b = n.weight_matrix(l), Sym("b", l)
                step_w = row(Sym("η"), partial(Sym("J"), W))
                step_b = row(Sym("η"), partial(Sym("J"), b))
                self.add(Eq(Equation(Sym("W", l, tag="new"), (
                    *_matrix_rule(s, W, step_w),
                    _matrix(update.weights_after[l - 1])))))
                if s.train_biases:
                    self.add(Eq(Equation(Sym("b", l, tag="new"), (
                        *_matrix_rule(s, b, step_b),
                        _vector(update.biases_after[l - 1])))))
        if update.applied:
            after = Network(self.layers, self.network.activations, update.weights_after,
                            update.biases_after, self.network.leaky_slope)
            loss_after = after.loss(self.step.inputs, self.step.loss.target, s.loss)
            self.add(_para("The loss on the same batch after the update: ",
                           row(Sym("J"), "=", Num(loss_after)), " (before: ",
                           Num(self.step.loss.loss), ")."))

    # -- summary ------------------------------------------------------------------------

    def summary_section(self) -> None:
        n = self.notation
        update = self.step.update
        self.add(Heading(2, "Summary"))
        weights = [(l, j, i) for l in range(1, self.depth + 1)
                   for j in range(self.layers[l]) for i in range(self.layers[l - 1])]
        count = len(weights)
        # Each chain-rule sum costs about a backward pass (batch × weights multiply-
        # adds): a big network or batch gets a few of them, spread evenly over every
        # layer, not one per weight.
        limit = max(1, min(CHECKED_WEIGHTS, CHECK_WORK // max(1, self.batch * count)))
        checked = weights if count <= limit else \
            [weights[k] for k in np.linspace(0, count - 1, limit).astype(int)]
        worst = 0.0
        for l, j, i in checked:
            grad = weight_gradient(self.step, self.network, l, j, i,
                                               self.scenario.numbering)
            engine = grad.engine_gradient
            if grad.penalized:  # the chain rule adds up the data loss's part of ∂J/∂w
                engine = float(self.step.backward_for(l).data_grad_weights[j, i])
            worst = max(worst, abs(grad.gradient - engine))
        if count <= SUMMARY_PARAMETERS:
            rows = []
            for l in range(1, self.depth + 1):
                back = self.step.backward_for(l)
                for j in range(self.layers[l]):
                    for i in range(self.layers[l - 1]):
                        rows.append((n.weight(l, j, i),
                                     format_number(update.weights_before[l - 1][j, i]),
                                     format_number(back.grad_weights[j, i]),
                                     format_number(update.weights_after[l - 1][j, i])))
                    if self.settings.train_biases:
                        rows.append((n.bias(l, j),
                                     format_number(update.biases_before[l - 1][j]),
                                     format_number(back.grad_biases[j]),
                                     format_number(update.biases_after[l - 1][j])))
            self.add(Table(("parameter", "before", "gradient", "after"), tuple(rows)))
        else:
            # per layer: how big the gradients are, input side first (vanishing gradients
            # show up here as a column of shrinking numbers)
            rows = []
            for l in range(1, self.depth + 1):
                back = self.step.backward_for(l)
                change = np.abs(update.weights_after[l - 1] - update.weights_before[l - 1])
                rows.append((str(l), str(back.grad_weights.size),
                             format_number(back.grad_norm),
                             format_number(np.abs(back.grad_weights).max()),
                             format_number(change.max())))
            self.add(Table(("layer", "weights", "‖∂J/∂W‖", "largest |∂J/∂w|",
                            "largest change of a weight"), tuple(rows)))
        self.add(_para(f"Loss of this batch: {format_number(self.step.loss.loss)}. "
                       "The chain-rule sums above agree with the simulator's backpropagation "
                       + (f"for {'all ' if count > 1 else ''}{_plural(count, 'weight')} "
                          if len(checked) == count else
                          f"for the {_plural(len(checked), 'weight')} checked, spread "
                          f"over every layer, of {count:,} ")
                       + "(largest difference "
                       f"{format_number(worst, 2)})."))


_MEANING = {
    LOSS_GRADIENT: "how the loss changes with the prediction",
    OUTPUT_DELTA: "how the loss changes with the output's total input",
    DERIVATIVE: "slope of the activation at z",
    SOFTMAX_JACOBIAN: "how one softmax output changes with another's input",
    WEIGHT: "how z of the next layer changes with this activation",
    INPUT: "how z changes with the weight: the input it multiplies",
}


def _document(scenario: Scenario, step: StepRecord) -> list:
    writer = _Writer(scenario, step)
    writer.network_section()
    writer.forward_section()
    writer.loss_section()
    writer.backward_section()
    writer.punchline_section()
    writer.update_section()
    writer.summary_section()
    return writer.blocks


# ---------------------------------------------------------------------------------------
# Markdown with LaTeX
# ---------------------------------------------------------------------------------------


def _md_cell(part, digits: int) -> str:
    if isinstance(part, Expr):
        return "$" + to_latex(part, digits) + "$"
    return str(part).replace("|", "\\|")


def _md_equation(eq: Equation, digits: int) -> str:
    lhs = to_latex(eq.lhs, digits)
    steps = [to_latex(s, digits) for s in eq.steps]
    if len(steps) >= 3:
        body = [f"{lhs} &= {steps[0]}"] + [f"&= {s}" for s in steps[1:]]
        text = "$$\n\\begin{aligned}\n" + " \\\\\n".join(body) + "\n\\end{aligned}\n$$"
    else:
        text = "$$" + " = ".join([lhs, *steps]) + "$$"
    if eq.note:
        text += f"\n\n*{eq.note}*"
    return text


def _markdown(title: str, blocks, digits: int) -> str:
    out = [f"# {title}"]
    for block in blocks:
        if isinstance(block, Heading):
            out.append("#" * block.level + " " + block.text)
        elif isinstance(block, Para):
            out.append("".join(_md_cell(p, digits) if isinstance(p, Expr) else p
                               for p in block.parts))
        elif isinstance(block, Eq):
            out.append(_md_equation(block.equation, digits))
        elif isinstance(block, Table):
            lines = ["| " + " | ".join(block.header) + " |",
                     "|" + "---|" * len(block.header)]
            lines += ["| " + " | ".join(_md_cell(c, digits) for c in r) + " |"
                      for r in block.rows]
            if block.caption:
                lines.append(f"\n*{block.caption}*")
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# HTML with MathML, self-contained
# ---------------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light; }
body { font: 18px/1.5 "Source Serif Pro", Georgia, "DejaVu Serif", serif; color: #1a1a1a;
       max-width: 62em; margin: 2em auto; padding: 0 1.5em; }
h1 { font-size: 1.7em; border-bottom: 2px solid #2166ac; padding-bottom: .2em; }
h2 { font-size: 1.35em; color: #2166ac; margin-top: 1.8em; }
h3 { font-size: 1.1em; margin-bottom: .3em; }
math { font-size: 1.12em; }
table.eq { border-collapse: collapse; margin: .5em 0 .5em 1.5em; }
table.eq td { padding: .15em .3em; vertical-align: middle; }
table.eq td.lhs { text-align: right; }
table.eq td.rel { text-align: center; }
p.note { margin: 0 0 .8em 2em; font-style: italic; color: #444; }
table.data { border-collapse: collapse; margin: .6em 0 1em; }
table.data th, table.data td { border: 1px solid #bbb; padding: .25em .6em; text-align: left;
                               vertical-align: middle; }
table.data th { background: #eef3f8; }
caption { caption-side: bottom; font-style: italic; color: #444; padding-top: .3em; }
.plain { display: none; font-family: "DejaVu Sans Mono", monospace; }
html.no-mathml .plain { display: inline; }
html.no-mathml math { display: none; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; } }
"""

# Browsers without MathML show each formula's plain-text form instead.  The probe is
# the usual one: an <mspace> of known size has that size only where MathML is laid out.
_SCRIPT = """
document.addEventListener("DOMContentLoaded", function () {
  var probe = document.createElement("div");
  probe.style.position = "absolute"; probe.style.visibility = "hidden";
  probe.innerHTML = "<math><mspace height='23px' width='77px'></mspace></math>";
  document.body.appendChild(probe);
  var box = probe.firstChild.firstChild.getBoundingClientRect();
  document.body.removeChild(probe);
  if (Math.abs(box.height - 23) > 1 || Math.abs(box.width - 77) > 1) {
    document.documentElement.className += " no-mathml";
  }
});
"""


def _html_math(e: Expr, digits: int) -> str:
    plain = html.escape(to_text(e, digits))
    return f'{to_mathml(e, digits)}<span class="plain">{plain}</span>'


def _html_part(part, digits: int) -> str:
    if isinstance(part, Expr):
        return _html_math(part, digits)
    return html.escape(str(part))


def _html_equation(eq: Equation, digits: int) -> str:
    rows = []
    for k, step in enumerate(eq.steps):
        lhs = _html_math(eq.lhs, digits) if k == 0 else ""
        rows.append(f'<tr><td class="lhs">{lhs}</td><td class="rel">=</td>'
                    f"<td>{_html_math(step, digits)}</td></tr>")
    out = '<table class="eq">' + "".join(rows) + "</table>"
    if eq.note:
        out += f'\n<p class="note">{html.escape(eq.note)}</p>'
    return out


def _html(title: str, blocks, digits: int) -> str:
    body = [f"<h1>{html.escape(title)}</h1>"]
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            body.append("<p>" + "".join(_html_part(p, digits) for p in block.parts) + "</p>")
        elif isinstance(block, Eq):
            body.append(_html_equation(block.equation, digits))
        elif isinstance(block, Table):
            caption = f"<caption>{html.escape(block.caption)}</caption>" if block.caption else ""
            head = "".join(f"<th>{html.escape(h)}</th>" for h in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{_html_part(c, digits)}</td>" for c in r)
                           + "</tr>" for r in block.rows)
            body.append(f'<table class="data">{caption}<thead><tr>{head}</tr></thead>'
                        f"<tbody>{rows}</tbody></table>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n"
            f"<script>{_SCRIPT}</script>\n</head>\n<body>\n" + "\n".join(body)
            + "\n</body>\n</html>\n")


_OPTIMIZER_NAMES = {"sgd": "SGD", "nesterov": "SGD with Nesterov momentum",
                    "rmsprop": "RMSprop", "adam": "Adam"}


def _matrix_rule(s, parameter, step) -> tuple:
    """The update of a whole matrix in symbols (none for RMSprop and Adam, whose rule
    the paragraph above gives elementwise)."""
    if s.optimizer in ("rmsprop", "adam"):
        return ()
    if s.momentum and s.optimizer == "nesterov":
        return (row(parameter, "+", Sym("μ"), "·", Sym("v"), "−", step),)
    if s.momentum:
        return (row(parameter, "+", Sym("v")),)
    return (row(parameter, "−", step),)
