"""What the canvas shows for the animator's state: the phase record on screen and its
tween position t, drawn through the canvas's animation hooks.

Every number comes from the engine's records (ForwardRecord, LossRecord,
BackwardRecord, UpdateRecord, StepRecord) or, for the history timeline, from the
engine's forward pass with a snapshot's parameters.  Formulas are written out with
those numbers; nothing is recomputed here.

Per phase (layer l, t from 0 to 1):

* forward l: layers before l show their a; pulses run along W⁽ˡ⁾'s edges, then z and
  a = f(z) appear on layer l; later layers are blank;
* loss: ŷ next to y at the outputs, the loss with its formula in the banner;
* backward l: δ on layer l's neurons, pulses run back along W⁽ˡ⁾, then ∂J/∂w appears
  on its edges (edges coloured by gradient, log-scaled);
* update: every weight label moves from w to w − η·∂J/∂w, ending on the engine's value.

Predict, then reveal (the animator's ``hidden``): each phase first shows the one number
it computes for the focus (the selected neuron or weight, else the first) as "?", and
leaves out the intermediate that would give it away (z beside a, δ beside ∂J/∂w); the
banner writes its formula without the result.  Every other number is as revealed.  The
reveal shows the engine's value with the formula, and how far a typed guess was off.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from bpsim import losses
from bpsim.activations import get as get_activation
from bpsim.network import Network
from bpsim.notation.numbers import format_number
from bpsim.notation.scripts import subscript
from bpsim.notation.symbols import bias_name, shown_index
from bpsim.notation.symbols import weight_name as shown_weight_name
from bpsim.notation.update import update_text
from bpsim.trace import BackwardRecord, ForwardRecord, LossRecord, UpdateRecord

from .. import theme
from ..canvas.overlay import Banner, Overlay
from ..canvas.style import NEGATIVE, POSITIVE

#: the share of a phase's tween spent on pulses travelling; the values appear after it
TRAVEL = 0.7
DELTA_INK = theme.VALUE_INK
LOSS_INK = theme.LOSS_INK
# short enough for the banner of a 1280×720 projector with the docks beside the canvas
IDLE_HELP = ("→/Space: next phase · ←: back · Enter: whole step · P: play · R: reset")
#: presenting (F5): the clicker's keys and the presentation's own (as short)
PRESENTING_HELP = "→/PgDn: next · Enter: step · G: next plot · B/W: blank · Esc: leave"


def term(value) -> str:
    """A number inside a formula: negative ones in parentheses, (−1.4)."""
    text = format_number(value)
    return f"({text})" if text.startswith("−") else text


def weight_name(layer: int, j: int, i: int, single: bool) -> str:
    return "w" if single else shown_weight_name(layer, j, i)


# -- formulas with the numbers -------------------------------------------------------

def loss_formula(record: LossRecord, row: int) -> str:
    """The per-sample loss of batch row ``row`` written out, e.g. "(ŷ − y)² = (0.3 − 1)²
    = 0.49"; a compact form for many outputs."""
    y_hat, y = record.prediction[row], record.target[row]
    value = format_number(record.per_sample[row])
    n = len(y_hat)
    name = record.loss_name
    loss = losses.get(name)
    pairs = [f"({format_number(a)} − {term(b)})²" for a, b in zip(y_hat, y)]
    if name in ("mse", "sse", "half_sse"):
        if n == 1:
            prefix = {"half_sse": "½"}.get(name, "")
            return f"{loss.one_output_formula} = {prefix}{pairs[0]} = {value}"
        if n > 3:
            return f"{loss.formula} over {n} outputs = {value}"
        terms = " + ".join(pairs)
        numbers = {"mse": f"({terms}) / {n}", "sse": terms, "half_sse": f"½({terms})"}[name]
        return f"{loss.formula} = {numbers} = {value}"
    if name == "bce":
        if n == 1:
            a, b = y_hat[0], y[0]
            return (f"{loss.one_output_formula} = −[{term(b)}·log {term(a)} + "
                    f"(1 − {term(b)})·log(1 − {term(a)})] = {value}")
        return f"{loss.formula} over {n} outputs = {value}"
    if name == "cross_entropy":
        nonzero = [k for k in range(n) if y[k] != 0]
        if 0 < len(nonzero) <= 3:
            terms = " + ".join(f"{term(y[k])}·log {term(y_hat[k])}" for k in nonzero)
            return f"{loss.formula} = −({terms}) = {value}"
        return f"{loss.formula} = {value}"
    return f"loss = {value}"


def _sign_colour(value: float):
    return POSITIVE if value > 0 else NEGATIVE if value < 0 else DELTA_INK


def without_result(formula: str) -> str:
    """A formula with its last "= value" cut off: "(ŷ − y)² = (0.3 − 1)² = 0.49" →
    "(ŷ − y)² = (0.3 − 1)²"."""
    return formula.rsplit(" = ", 1)[0]


def guess_text(guess: float, value: float) -> str:
    """How close a guess was: "your guess 0.5, the value 0.49: off by 0.01"."""
    off = abs(guess - value)
    closeness = "spot on" if format_number(off) == format_number(0.0) else (
        f"off by {format_number(off)}")
    return f"your guess {format_number(guess)}, the value {format_number(value)}: {closeness}"


def batch_loss_text(record: LossRecord) -> str:
    """J of the batch, e.g. "J = 0.49" or "J = mean over 4 samples = 0.1234"."""
    batch = len(record.per_sample)
    if record.regularized:
        return penalized_loss_text(record)
    if batch == 1:
        return f"J = {format_number(record.loss)}"
    return f"J = mean over {batch} samples = {format_number(record.loss)}"


def penalized_loss_text(record: LossRecord) -> str:
    """J = data loss + λ·R with the record's numbers: "J = 0.42 + 0.01·3.7 = 0.457"."""
    return (f"J = {format_number(record.data_loss)} + "
            f"{format_number(record.regularization_rate)}·{format_number(record.penalty)} "
            f"= {format_number(record.loss)}")


class PhaseDrawing(QObject):
    """Draws the animator's state on the canvas; also the history timeline's snapshot."""

    #: the phase indicator's text changed
    indicator_changed = Signal(str)

    def __init__(self, animator, canvas, parent=None):
        super().__init__(parent if parent is not None else canvas)
        self.animator = animator
        self.canvas = canvas
        self.session = animator.session
        self.overlay = Overlay(canvas)
        self.banner = Banner(canvas)
        self.banner.set_scale(canvas.font_scale)
        #: the timeline's snapshot shown instead of the animation (None: the animation)
        self.snapshot = None
        #: the window presents (F5): the key hint names the presentation's keys
        self.presenting = False
        #: predict, then reveal: (name, the engine's value) of the number the shown
        #: phase computes for the focus; None at rest and before a step's first phase
        self.focus_number: tuple[str, float] | None = None
        self._overridden = False
        self._indicator = ""
        self._edge_key = None
        animator.frame.connect(self.present)
        canvas.selection_changed.connect(lambda _selection: self.present())
        session = self.session
        # The canvas restyles itself on these; the overrides must be drawn again after.
        for signal in (session.structure_changed, session.sample_changed,
                       session.data_changed, session.parameters_changed):
            signal.connect(self._on_canvas_restyled)
        self.present()

    # -- state read by the transport and by tests -------------------------------------

    @property
    def indicator_text(self) -> str:
        """The phase indicator: where we are (with the loss and its formula in the
        loss phase)."""
        return self._indicator

    @property
    def banner_text(self) -> str:
        return self.banner.plain_text

    def set_font_scale(self, scale: float) -> None:
        self.banner.set_scale(scale)
        self.present()

    def set_presenting(self, presenting: bool) -> None:
        """The window presents (F5) or not: the idle key hint changes with it."""
        if presenting != self.presenting:
            self.presenting = presenting
            self.present()

    # -- drawing ----------------------------------------------------------------------

    def _on_canvas_restyled(self, *_args) -> None:
        self._edge_key = None
        self.present()

    def show_snapshot(self, snapshot) -> None:
        """Show a history snapshot (None: back to the animation)."""
        self.snapshot = snapshot
        self._edge_key = None
        self.present()

    def present(self) -> None:
        self.focus_number = None
        if self.snapshot is not None:
            self._present_snapshot(self.snapshot)
            return
        animator = self.animator
        record = animator.current
        if not animator.records:
            self._present_rest()
            return
        try:
            self._present_phase(record, animator.t)
        except (IndexError, ValueError):
            # records of another architecture (a structure change is being handled)
            self._present_rest()

    def _apply(self, edges=None, mode="weight", labels=None, biases=None, neurons=None,
               outputs=None, highlight=None, dim=True, edge_key=None,
               hidden_bias=None) -> None:
        """All the canvas hooks at once; edges are restyled only when ``edge_key``
        differs from the last call's (the tween redraws 60 times a second)."""
        canvas = self.canvas
        self._overridden = True
        if edge_key is None or edge_key != self._edge_key:
            canvas.set_edge_label_texts(labels)
            canvas.set_edge_values(edges, mode)
            self._edge_key = edge_key
        canvas.set_bias_values(biases, hidden_bias)
        canvas.set_neuron_texts(neurons)
        canvas.set_output_texts(outputs)
        canvas.highlight_layer(highlight, dim_other_edges=dim)

    def _present_rest(self) -> None:
        self.overlay.clear()
        if self._overridden:
            self._overridden = False
            self._edge_key = None
            self.canvas.set_edge_label_texts(None)
            self.canvas.set_bias_values(None)
            self.canvas.clear_overrides()
        animator = self.animator
        if animator.playing and animator.phase_ms <= 0:
            last = self.session.last_step
            loss = f" · J = {format_number(last.loss.loss)}" if last is not None else ""
            self._show(f"{animator.phase_text()}{loss}",
                       "Whole steps, one after another; the drawing shows the latest "
                       "weights · P pauses")
            return
        stopped = animator.stop_reason
        keys = PRESENTING_HELP if self.presenting else IDLE_HELP
        self._show(animator.phase_text(), f"{stopped} {keys}".strip())

    def _show(self, headline: str, detail: str, alarm: bool = False) -> None:
        """The banner's two lines; the headline is the phase indicator."""
        self.banner.set_message(headline, detail, alarm)
        if headline != self._indicator:
            self._indicator = headline
            self.indicator_changed.emit(headline)

    # -- one phase --------------------------------------------------------------------

    def _step_parameters(self):
        """(weights, biases) the shown step used: before its update."""
        records = self.animator.records
        if self.animator.step_complete:
            update = records[-1]
            return update.weights_before, update.biases_before
        net = self.session.network
        return net.weights, net.biases

    def _forward_records(self) -> list[ForwardRecord]:
        return [r for r in self.animator.records if isinstance(r, ForwardRecord)]

    def _present_phase(self, record, t: float) -> None:
        animator = self.animator
        net = self.session.network
        depth = net.depth
        row = animator.shown_row
        forward = self._forward_records()
        # a⁽⁰⁾ … a⁽ᴸ⁾ of the shown row, as far as the forward pass has got
        activations = [forward[0].inputs[row]] + [f.a[row] for f in forward]
        weights, biases = self._step_parameters()
        step_key = id(animator.records[0])
        targets = self._targets(row)

        def neuron_texts(reached: int) -> list:
            return [activations[l] if l <= reached and l < len(activations)
                    else [""] * net.layers[l] for l in range(depth + 1)]

        def outputs(y_hat_known: bool, extra: str = "") -> list[str]:
            texts = []
            n_out = net.layers[-1]
            for k in range(n_out):
                s = "" if n_out == 1 else subscript(shown_index(k))
                y_hat = format_number(activations[-1][k]) if y_hat_known else "?"
                y = format_number(targets[k]) if targets is not None else "?"
                texts.append(f"ŷ{s} = {y_hat}\ny{s} = {y}" + (extra if k == 0 else ""))
            return texts

        tags, alarm_layer, alarm_text, pulses = [], None, "", None
        headline = animator.phase_text()
        alarm = False
        # predict, then reveal: the number this phase computes is still hidden
        hidden = animator.hidden and record is not None

        if record is None:  # before the step's first phase
            self._apply(weights, neurons=neuron_texts(0), biases=biases,
                        outputs=outputs(False), edge_key=("before", step_key))
            detail = "The inputs of the sample are in place: press → for the forward pass"

        elif isinstance(record, ForwardRecord):
            l = record.layer
            reached = t >= TRAVEL
            focus = self._focus_neuron(l)
            n_out = net.layers[-1]
            name = ("ŷ" + ("" if n_out == 1 else subscript(shown_index(focus)))
                    if l == depth else "a")
            self.focus_number = (name, float(record.a[row, focus]))
            neurons = neuron_texts(l if reached else l - 1)
            shown_outputs = outputs(reached and l == depth)
            if hidden:
                # the neuron's output is the number to predict: "?" in the neuron (and
                # beside an output neuron), its z left out until the reveal
                neurons[l] = ["?" if j == focus else value
                              for j, value in enumerate(neurons[l])]
                if l == depth:
                    shown_outputs[focus] = shown_outputs[focus].replace(
                        f"{name} = {format_number(record.a[row, focus])}", f"{name} = ?")
            self._apply(weights, neurons=neurons, biases=biases, outputs=shown_outputs,
                        highlight=l, edge_key=("forward", step_key))
            if not reached:
                # each dot carries w·a, what its edge adds to z
                contribution = weights[l - 1] * record.inputs[row][None, :]
                pulses = (l, t / TRAVEL, contribution, False)
            else:
                tags = [(l, j, f"z = {format_number(record.z[row, j])}", DELTA_INK)
                        for j in range(net.layers[l]) if not (hidden and j == focus)]
            detail = self._forward_detail(record, row, focus, weights, biases)
            if hidden:
                detail = self._forward_question(record, row, focus, name, weights, biases)

        elif isinstance(record, LossRecord):
            reached = t >= 0.5
            single = len(record.per_sample) == 1
            # the number to predict: the shown sample's loss (J itself for one sample;
            # a batch's J, the mean over its samples, stays shown)
            self.focus_number = ("J" if single else "loss", float(record.per_sample[row]))
            self._apply(weights, neurons=neuron_texts(depth), biases=biases,
                        outputs=outputs(True), highlight=depth, dim=False,
                        edge_key=("loss", step_key))
            if reached:
                # the shown sample's loss, next to its prediction
                loss_value = "?" if hidden else format_number(record.per_sample[row])
                tags = [(depth, 0, f"loss = {loss_value}", LOSS_INK)]
            step_words = f"step {animator.step_status()[0]}"
            comparison = ", ".join(
                f"ŷ = {format_number(a)} with y = {format_number(b)}"
                for a, b in list(zip(record.prediction[row], record.target[row]))[:3])
            formula = loss_formula(record, row)
            if hidden:
                formula = f"{without_result(formula)} = ?"
            if single:
                headline = f"Loss · J = {formula} · {step_words}"
                detail = f"The loss compares the prediction with the target: {comparison}"
            else:
                headline = f"Loss · {batch_loss_text(record)} · {step_words}"
                detail = f"{animator.sample_text()}: loss = {formula}"

        elif isinstance(record, BackwardRecord):
            l = record.layer
            reached = t >= TRAVEL
            backward = {r.layer: r for r in animator.records[:animator.index + 1]
                        if isinstance(r, BackwardRecord)}
            grads, labels = [], []
            _, fj, fi = focus = self._focus_weight(l)
            name = f"∂J/∂{weight_name(*focus, self._single_weight)}"
            self.focus_number = (name, float(record.grad_weights[fj, fi]))
            for m in range(1, depth + 1):
                shape = (net.layers[m], net.layers[m - 1])
                known = m in backward and (m > l or reached)
                grads.append(backward[m].grad_weights if known else np.zeros(shape))
                # gradients not computed yet: no label rather than a misleading 0
                labels.append(None if known else [[""] * shape[1]] * shape[0])
            if hidden and reached:
                # the gradient to predict: "?" on its edge, drawn as no gradient yet
                grads[l - 1] = grads[l - 1].copy()
                grads[l - 1][fj, fi] = 0.0
                labels[l - 1] = [["?" if (j, i) == (fj, fi) else format_number(g)
                                  for i, g in enumerate(row_grads)]
                                 for j, row_grads in enumerate(record.grad_weights)]
            self._apply(grads, mode="gradient", labels=labels, biases=biases,
                        neurons=neuron_texts(depth), outputs=outputs(True), highlight=l,
                        edge_key=("backward", step_key, l, reached, hidden, focus))
            for m, back in backward.items():
                # hidden: δ of the focus neuron would give its gradient away (δ·a)
                tags += [(m, j, f"δ = {format_number(back.delta[row, j])}", _sign_colour(d))
                         for j, d in enumerate(back.delta[row])
                         if not (hidden and (m, j) == (l, fj))]
            if not reached:
                pulses = (l, t / TRAVEL, record.grad_weights, True)
            detail = self._backward_detail(record, row)
            if hidden:
                detail = self._backward_question(record, row)

        else:  # UpdateRecord
            step = animator.step_record
            if not record.applied:
                shown_w, shown_b = record.weights_before, record.biases_before
            elif t >= 1.0:
                shown_w, shown_b = record.weights_after, record.biases_after
            else:
                # w + t·(w_new − w): each label slides from the old to the new value
                shown_w = [w0 + t * (w1 - w0) for w0, w1 in zip(record.weights_before,
                                                              record.weights_after)]
                shown_b = [b0 + t * (b1 - b0) for b0, b1 in zip(record.biases_before,
                                                              record.biases_after)]
            # in reveal mode the new prediction stays for the next forward pass to ask
            done = t >= 1.0 and record.applied and not animator.reveal_mode
            ul, uj, ui = self._focus_weight()
            focus_bias = self._focus_bias(record)
            hidden_bias = None
            if focus_bias is not None:
                # a bias selected: its new value is the number to predict
                bl, bj = focus_bias
                self.focus_number = (bias_name(bl, bj),
                                     float(record.biases_after[bl - 1][bj]))
                before = float(record.biases_before[bl - 1][bj])
            else:
                self.focus_number = (weight_name(ul, uj, ui, self._single_weight),
                                     float(record.weights_after[ul - 1][uj, ui]))
                before = float(record.weights_before[ul - 1][uj, ui])
            labels = None
            if hidden and t >= 1.0 and focus_bias is not None:
                hidden_bias = focus_bias  # "b = ?" on its label; the weights show theirs
            elif hidden and t >= 1.0:
                # the new value of the focus weight is the number to predict; the
                # others show theirs (their labels would otherwise follow the values)
                labels = [None] * depth
                labels[ul - 1] = [["?" if (j, i) == (uj, ui) else format_number(w)
                                   for i, w in enumerate(row_w)]
                                  for j, row_w in enumerate(shown_w[ul - 1])]
                shown_w = [w.copy() for w in shown_w]
                shown_w[ul - 1][uj, ui] = record.weights_before[ul - 1][uj, ui]
            # Once the update is done the neurons show the engine's forward pass with
            # the new weights (the canvas's own display); before, this step's pass.
            self._apply(shown_w, biases=shown_b, labels=labels,
                        neurons=None if done else neuron_texts(depth),
                        outputs=None if done else outputs(True),
                        edge_key=("update", step_key, t, hidden), hidden_bias=hidden_bias)
            detail = self._update_detail(record)
            if hidden:
                detail = self._update_question(detail, before)
            elif done:
                detail += self._new_prediction()
            if step is not None and step.diverged:
                alarm = True
                alarm_layer = self._divergence_layer(step.divergence)
                alarm_text = f"NaN/∞ here ({step.divergence})"
                headline = (f"The loss diverged at step {step.step + 1} "
                            f"({step.divergence}): try a smaller learning rate")
                detail = ("The update was not applied: the weights from before this "
                          "step are kept. Lower η in the Training dock, then press R or "
                          "go on.")

        self.overlay.show_tags(tags, alarm_layer, alarm_text)
        if pulses is None:
            self.overlay.hide_pulses()
        else:
            self.overlay.show_pulses(*pulses)
        if animator.reveal_mode and self.focus_number is not None:
            detail = self._with_guess(detail, hidden)
        self._show(headline, detail, alarm)

    def _targets(self, row: int):
        loss = next((r for r in self.animator.records if isinstance(r, LossRecord)), None)
        if loss is not None:
            return loss.target[row]
        sample = self.animator.shown_sample
        if sample is None:
            return None
        try:
            return self.session.dataset.y[sample]
        except IndexError:
            return None

    def _divergence_layer(self, where: str | None) -> int | None:
        """The layer to mark for StepRecord.divergence ("forward layer 3", "loss", …)."""
        if not where:
            return None
        parts = where.split()
        if parts[-1].isdigit():
            return int(parts[-1])
        return self.session.network.depth if where == "loss" else None

    # -- the focus of the formulas: the selection, else the first neuron/weight -------

    def _focus_neuron(self, layer: int) -> int:
        selection = self.canvas.selection
        if selection is not None and selection[0] in ("neuron", "bias", "weight") \
                and selection[1] == layer:
            return selection[2]
        return 0

    def _focus_weight(self, layer: int | None = None):
        """(l, j, i) of the weight the formulas are written for."""
        selection = self.canvas.selection
        if selection is not None and selection[0] == "weight" and (
                layer is None or selection[1] == layer):
            return selection[1:]
        if layer is None:
            return (1, 0, 0)
        if selection is not None and selection[0] in ("neuron", "bias") \
                and selection[1] == layer:
            return (layer, selection[2], 0)
        return (layer, 0, 0)

    @property
    def _single_weight(self) -> bool:
        return self.session.network.parameter_count <= 2 and sum(
            w.size for w in self.session.network.weights) == 1

    def _forward_detail(self, record: ForwardRecord, row: int, j: int, weights,
                        biases) -> str:
        l = record.layer
        w = weights[l - 1][j]
        a = record.inputs[row]
        b = biases[l - 1][j]
        z, out = record.z[row, j], record.a[row, j]
        f = get_activation(record.activation).symbol
        who = "" if len(record.z[row]) == 1 else f"neuron {shown_index(j)}: "
        if len(a) <= 3:
            products = " + ".join(f"{term(wi)}·{term(ai)}" for wi, ai in zip(w, a))
            z_text = f"z = Σ w·a + b = {products} + {term(b)} = {format_number(z)}"
        else:
            z_text = f"z = Σ w·a + b over {len(a)} inputs = {format_number(z)}"
        if record.activation == "softmax":
            a_text = f"a = softmax(z)[{shown_index(j)}] = {format_number(out)}"
        else:
            a_text = f"a = f(z) = {f}({format_number(z)}) = {format_number(out)}"
        return f"{who}{z_text}  ·  {a_text}"

    def _forward_question(self, record: ForwardRecord, row: int, j: int, name: str,
                          weights, biases) -> str:
        """The forward formula with its inputs and no result: "Predict: ŷ = f(z), z =
        Σ w·a + b = 0.1·3 + 0  ·  ŷ = ?"."""
        who = "" if len(record.z[row]) == 1 else f"neuron {shown_index(j)}: "
        z_text = self._forward_detail(record, row, j, weights, biases).split("  ·  ")[0]
        z_text = without_result(z_text.removeprefix(who))
        if record.activation == "softmax":
            rule = f"softmax(z)[{shown_index(j)}]"
        else:
            rule = f"{get_activation(record.activation).symbol}(z)"
        return f"{who}Predict: {name} = {rule}, {z_text}  ·  {name} = ?"

    def _backward_question(self, record: BackwardRecord, row: int) -> str:
        """The backward formulas without δ's value and without the gradient asked for."""
        parts = self._backward_detail(record, row).split("  ·  ")
        who_incoming, delta_text, grad_text = parts[0], parts[1], parts[2]
        grad_text = grad_text.split(" = ")[0] + " = " + grad_text.split(" = ")[1]
        return (f"Predict: {who_incoming}  ·  {without_result(delta_text)}  ·  "
                f"{grad_text} = ?")

    def _update_question(self, detail: str, before: float) -> str:
        """The update's rule with the focus weight's (or bias's) numbers and no
        result; ``before`` is its value before the update."""
        name, value = self.focus_number
        first = detail.split("  ·  ")[0]
        if " = " in first and first.endswith(format_number(value)):
            return f"Predict: {without_result(first)} = ?"
        # another rule: just the number asked for
        return f"Predict: {name} was {format_number(before)}  ·  now {name} = ?"

    def _focus_bias(self, record: UpdateRecord) -> tuple[int, int] | None:
        """(l, j) of the selected bias when the update changes it (else None: the
        update's question is about a weight)."""
        selection = self.canvas.selection
        if selection is None or selection[0] != "bias" or not record.train_biases:
            return None
        return selection[1], selection[2]

    def _with_guess(self, detail: str, hidden: bool) -> str:
        """The banner's detail in reveal mode: the key that reveals, or how close the
        typed guess was to the engine's value."""
        name, value = self.focus_number
        guess = self.animator.guess
        if hidden:
            asked = f"your guess {format_number(guess)} · " if guess is not None else ""
            return f"{detail}   ({asked}→ reveals {name})"
        if guess is None:
            return detail
        return f"{detail}  ·  {guess_text(guess, value)}"

    def _backward_detail(self, record: BackwardRecord, row: int) -> str:
        l, j, i = self._focus_weight(record.layer)
        depth = self.session.network.depth
        delta = record.delta[row, j]
        grad = record.grad_weights[j, i]
        who = "" if record.delta.shape[1] == 1 else f"neuron {shown_index(j)}: "
        output_activation = self.session.network.activations[-1]
        loss = next((r.loss_name for r in self.animator.records
                     if isinstance(r, LossRecord)), None)
        if l == depth and output_activation == "softmax":
            # softmax couples its outputs: δ is not ∂J/∂ŷ·f′(z) unit by unit
            incoming = f"∂J/∂ŷ = {format_number(record.grad_a[row, j])}"
            if loss == "cross_entropy":
                delta_text = self._fused_delta_text(row, j, delta)
            else:
                delta_text = (f"δⱼ = ŷⱼ·(∂J/∂ŷⱼ − Σₖ ŷₖ·∂J/∂ŷₖ) = {format_number(delta)}")
        elif l == depth:
            incoming = f"∂J/∂ŷ = {format_number(record.grad_a[row, j])}"
            delta_text = f"δ = ∂J/∂ŷ·f′(z) = {format_number(delta)}"
        else:
            incoming = f"∂J/∂a = Σₖ w·δₖ = {format_number(record.grad_a[row, j])}"
            delta_text = f"δ = ∂J/∂a·f′(z) = {format_number(delta)}"
        name = weight_name(l, j, i, self._single_weight)
        batch = record.delta.shape[0]
        forward = self._forward_records()
        if batch == 1 and len(forward) >= l:
            a_in = forward[l - 1].inputs[row, i]
            grad_text = f"∂J/∂{name} = δ·a = {term(delta)}·{term(a_in)} = {format_number(grad)}"
        else:
            grad_text = f"∂J/∂{name} = Σ δ·a ({batch} samples) = {format_number(grad)}"
        return f"{who}{incoming}  ·  {delta_text}  ·  {grad_text}"

    def _fused_delta_text(self, row: int, j: int, delta: float) -> str:
        """Softmax with cross-entropy: δ = ŷ − y, the two derivatives fused (divided by
        the batch size B for the batch mean)."""
        loss = next(r for r in self.animator.records if isinstance(r, LossRecord))
        y_hat, y = loss.prediction[row, j], loss.target[row, j]
        batch = len(loss.per_sample)
        difference = f"{format_number(y_hat)} − {term(y)}"
        if batch == 1:
            return f"δ = ŷ − y = {difference} = {format_number(delta)}"
        return (f"δ = ŷ − y over the batch mean: ({difference}) / {batch} = "
                f"{format_number(delta)}")

    def _update_detail(self, record: UpdateRecord) -> str:
        selection = self.canvas.selection
        single = self._single_weight
        if selection is not None and selection[0] == "bias":
            l, j = selection[1], selection[2]
            back = self._backward_of(l)
            before = record.biases_before[l - 1][j]
            name = bias_name(l, j)
            grad = back.grad_biases[j] if back is not None else None
            if not record.train_biases:
                return f"{name} stays {format_number(before)}: biases are not trained"
            kind, index = "bias", (j,)
        else:
            l, j, i = self._focus_weight()
            back = self._backward_of(l)
            name = weight_name(l, j, i, single)
            grad = back.grad_weights[j, i] if back is not None else None
            kind, index = "weight", (j, i)
        if grad is None:
            before = (record.weights_before if kind == "weight" else record.biases_before)
            after = (record.weights_after if kind == "weight" else record.biases_after)
            return (f"{name}: {format_number(before[l - 1][index])} → "
                    f"{format_number(after[l - 1][index])}")
        # the optimizer's rule with the engine's numbers (its state from the record)
        text, note = update_text(record, kind, l, index, grad, name)
        if note:  # the state's update, instead of "the same for all weights"
            return f"{text}  ·  {note}"
        count = sum(w.size for w in record.weights_before)
        rest = "" if single else f"  ·  the same for all {count} weights"
        return f"{text}{rest}"

    def _new_prediction(self) -> str:
        """ŷ of the shown sample with the updated weights (the engine's forward pass)."""
        try:
            records = self.session.forward_sample()
        except (ValueError, IndexError):
            return ""
        y_hat = records[-1].a[0]
        if len(y_hat) > 3:
            return ""
        values = ", ".join(format_number(v) for v in y_hat)
        return f"  ·  now ŷ = {values}"

    def _backward_of(self, layer: int):
        return next((r for r in self.animator.records
                     if isinstance(r, BackwardRecord) and r.layer == layer), None)

    # -- the history timeline ---------------------------------------------------------

    def _present_snapshot(self, snapshot) -> None:
        net = self.session.network
        self.overlay.clear()
        try:
            network = Network(net.layers, net.activations, snapshot.weights,
                              snapshot.biases, net.leaky_slope)
        except ValueError:
            self._present_rest()
            return
        x, y = self.session.sample()
        records = network.forward(x)  # the engine's forward pass with those weights
        neurons = [x[0]] + [r.a[0] for r in records]
        n_out = net.layers[-1]
        outputs = []
        for k in range(n_out):
            s = "" if n_out == 1 else subscript(shown_index(k))
            target = format_number(y[0][k]) if k < y.shape[1] else "?"
            outputs.append(f"ŷ{s} = {format_number(neurons[-1][k])}\ny{s} = {target}")
        self._apply(snapshot.weights, biases=snapshot.biases, neurons=neurons,
                    outputs=outputs, edge_key=("snapshot", snapshot.step))
        self._show(f"History · after step {snapshot.step + 1} "
                   f"(its J was {format_number(snapshot.loss)})"
                   f" · sample {self.session.current_sample + 1}",
                   "The network itself is unchanged · “Continue from here” trains on from "
                   "this state · “Now” goes back")
