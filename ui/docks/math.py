"""The Math dock: the chain rule of the canvas selection, with the numbers in it.

Select a weight: ∂J/∂w as the lecture writes it, the product of local derivatives
first symbolically and then with numbers, next to the engine's gradient
("= −4.2 ✓ engine: −4.2").  Where the weight reaches the loss through several paths,
the δ form (δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ f′(z⁽ˡ⁾)) and one path picked from a list.
Select a neuron: z = Σ wᵢaᵢ + b and a = f(z) with numbers, and its δ.  Nothing
selected: the loss with numbers.

The numbers come from a step record: the session's last step while the weights are
still those it produced, otherwise a preview of the next step computed by the
engine on a copy of the scenario (the session's network is never touched).  All
formulas are built by :mod:`bpsim.notation`; this dock only lays them out.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QComboBox, QDockWidget, QHBoxLayout, QLabel, QTextBrowser,
                               QVBoxLayout, QWidget)

from bpsim.notation.chain_rule import ParameterGradient, Path, route_neurons
from bpsim.notation.expr import Equation, Expr, Num
from bpsim.notation.formulas import loss_formula, neuron_forward
from bpsim.notation.handout import explain
from bpsim.notation.numbers import DIGITS, format_number
from bpsim.notation.render import html_cells, to_html, to_text
from bpsim.notation import punchline
from bpsim.notation.symbols import Notation, shown_index
from bpsim.trace import StepRecord

from .. import theme
from ..widgets import WrappedLabel

if TYPE_CHECKING:
    from ..canvas import NetworkCanvas
    from ..session import Session

#: Point size of the formulas at font scale 1: readable from the back of a classroom.
BASE_POINT_SIZE = 15.0
CHECK_COLOUR = theme.AGREES
MISMATCH_COLOUR = theme.ERROR
MUTED_COLOUR = theme.MUTED
#: Paths are added up one by one up to this many (beyond, the δ form gives the sum).
PATH_SUM_LIMIT = 2000
#: Refreshes while training are at least this far apart (ms).
REFRESH_MS = 100
HINT = "Click a weight, a neuron or a bias on the canvas to see its chain rule with numbers."


# ---------------------------------------------------------------------------------------
# Layout of formulas in Qt's rich text (sub/sup; fractions as small tables)
# ---------------------------------------------------------------------------------------


def expr_html(e: Expr, digits: int) -> str:
    """``e`` as rich text; when it has fractions at its top level they are stacked, in
    a one-row table that lines the pieces up on their middles."""
    cells = html_cells(e, digits)
    if len(cells) == 1 and "<table" not in cells[0]:
        return cells[0]
    # a fraction cell never wraps; the text between fractions may
    tds = "".join(f"<td valign='middle' nowrap style='padding:0 2px; white-space:nowrap'>{c}</td>"
                  if "<table" in c else f"<td valign='middle' style='padding:0 2px'>{c}</td>"
                  for c in cells)
    return f"<table cellspacing='0' cellpadding='0'><tr>{tds}</tr></table>"


def equation_html(eq: Equation, digits: int, after_result: str = "") -> str:
    """lhs = step₁ / = step₂ / … one step per row, the = signs in one column."""
    rows = []
    for k, step in enumerate(eq.steps):
        lhs = expr_html(eq.lhs, digits) if k == 0 else ""
        extra = after_result if k == len(eq.steps) - 1 else ""
        weight = " style='font-weight:bold'" if k == len(eq.steps) - 1 and len(eq.steps) > 1 \
            else ""
        shown = expr_html(step, digits)
        if extra:
            # inline after the result: a narrow dock moves the whole check to the next line
            shown = f"<b>{shown}</b> {extra}"
            weight = ""
        rows.append(f"<tr><td align='right' valign='middle' nowrap>{lhs}</td>"
                    f"<td valign='middle' style='padding:0 6px'>=</td>"
                    f"<td valign='middle'{weight}>{shown}</td></tr>")
    out = "<table cellspacing='0' cellpadding='2'>" + "".join(rows) + "</table>"
    if eq.note:
        out += f"<p style='color:{MUTED_COLOUR}; margin-top:0'><i>{html.escape(eq.note)}</i></p>"
    return out


def check_html(shown: float, engine: float, digits: int) -> str:
    """"✓ engine: −4.2" when the written result and the engine agree."""
    agree = np.isclose(shown, engine, rtol=1e-9, atol=1e-12)
    mark, colour = ("✓", CHECK_COLOUR) if agree else ("✗", MISMATCH_COLOUR)
    return (f"&nbsp;<span style='color:{colour}'>{mark}&nbsp;engine:&nbsp;"
            f"{html.escape(format_number(engine, digits))}</span>")


def _data_gradient(grad: ParameterGradient) -> float:
    """The engine's ∂J/∂w without the weight penalty's λ·∂R/∂w: what the chain rule
    through the network adds up (the whole ∂J/∂w without a penalty)."""
    if not grad.penalized:
        return grad.engine_gradient
    back = grad.step.backward_for(grad.layer)
    return float(back.data_grad_weights[grad.neuron, grad.input])


def _heading(text: str) -> str:
    return f"<h3 style='margin-bottom:2px'>{text}</h3>"


def _para(text: str, muted: bool = False) -> str:
    style = f" style='color:{MUTED_COLOUR}'" if muted else ""
    return f"<p{style}>{text}</p>"


def _math_inline(e: Expr, digits: int) -> str:
    return to_html(e, digits)


# ---------------------------------------------------------------------------------------
# Which step the numbers come from
# ---------------------------------------------------------------------------------------


def worked_example(session, format: str = "html") -> str:
    """File ▸ Export worked example: the handout of the step the Math dock shows
    (:func:`bpsim.notation.handout.explain`, Markdown with LaTeX or self-contained HTML)."""
    step, _ = session.current_step()
    return explain(session.scenario, format, step=step)


# ---------------------------------------------------------------------------------------
# The dock
# ---------------------------------------------------------------------------------------


class MathDock(QDockWidget):
    """Follows the canvas selection (None, ("weight", l, j, i), ("bias", l, j),
    ("neuron", l, j)) and writes its chain rule with the numbers of a step."""

    #: the path chosen in the path list, as a :class:`bpsim.notation.chain_rule.Path` (or None):
    #: what the canvas can highlight
    path_changed = Signal(object)

    def __init__(self, session: Session, canvas: NetworkCanvas | None = None, parent=None):
        """``canvas``: the selection it follows (None: only :meth:`show_selection`)."""
        super().__init__("Math", parent)
        self.setObjectName("math_dock")
        self.setAccessibleName("Math")
        self.session = session
        self.canvas = canvas
        self.selection = None
        self.digits = DIGITS
        self._font_scale = 1.0
        self._preview: StepRecord | None = None
        #: whether the numbers shown are those of a step in progress
        self._shown_in_progress = False
        self._gradient: ParameterGradient | None = None
        self._path: Path | None = None
        #: the paths listed (as nodes), with the parameter and step they belong to
        self._routes: list[tuple] = []
        self._routes_key = None
        self._path_key = None
        #: something changed while the dock was hidden or a refresh is pending
        self._dirty = False
        # Training emits parameters_changed many times a second: refresh at most about
        # ten times a second, and not at all while the dock is hidden.
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        self.source = WrappedLabel()  # never fewer lines than its text: a squeezed dock
        self.source.setAccessibleName("Which step the numbers come from")
        self.source.setToolTip("The numbers are those of the last training step while the "
                               "weights are still the ones it produced; otherwise a preview "
                               "of the next step (nothing changes until you take it).")
        self.browser = QTextBrowser()
        self.browser.setAccessibleName("Chain rule with numbers")
        self.browser.setToolTip("The selected weight's gradient by the chain rule, first in "
                                "symbols, then with the numbers of the step. Ctrl+wheel zooms.")
        self.browser.setOpenLinks(False)
        self.browser.document().setDocumentMargin(8)
        path_row = QHBoxLayout()
        self.path_label = QLabel("Path:")
        self.path_combo = QComboBox()
        self.path_combo.setAccessibleName("Path to expand")
        self.path_combo.setToolTip("Pick one of the paths from the weight to the loss to see "
                                   "its product of local derivatives")
        self.path_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.path_combo.setMinimumContentsLength(12)
        self.path_label.setBuddy(self.path_combo)
        self.path_combo.currentIndexChanged.connect(self._on_path_chosen)
        path_row.addWidget(self.path_label)
        path_row.addWidget(self.path_combo, 1)
        layout.addWidget(self.source)
        layout.addLayout(path_row)
        layout.addWidget(self.browser, 1)
        self.setWidget(body)
        self.set_font_scale(1.0)

        session.structure_changed.connect(self._on_structure_changed)
        session.parameters_changed.connect(self._on_model_changed)
        session.training_changed.connect(self._on_model_changed)
        session.data_changed.connect(self._on_model_changed)
        session.steps_recorded.connect(self._on_model_changed)
        session.notation_changed.connect(self._on_model_changed)
        session.step_abandoned.connect(self._on_model_changed)
        session.phase_recorded.connect(self._on_phase_recorded)
        session.sample_changed.connect(self._on_sample_changed)
        if canvas is not None:
            canvas.selection_changed.connect(self.show_selection)
        self.visibilityChanged.connect(self._on_visibility_changed)
        self._refresh()

    # -- public -------------------------------------------------------------------------

    def show_selection(self, selection) -> None:
        """Write the chain rule of ``selection`` (a canvas selection tuple or None)."""
        self.selection = tuple(selection) if selection is not None else None
        if not self._selection_exists():
            self.selection = None
        self._refresh()

    def set_font_scale(self, scale: float) -> None:
        """Formulas at ``scale`` × the projector size (View ▸ Larger/Smaller text)."""
        self._font_scale = float(scale)
        font = QFont(self.browser.font())
        font.setPointSizeF(BASE_POINT_SIZE * self._font_scale)
        self.browser.document().setDefaultFont(font)
        label_font = QFont(self.source.font())
        label_font.setPointSizeF(max(11.0, 0.75 * BASE_POINT_SIZE * self._font_scale))
        for widget in (self.source, self.path_label, self.path_combo):
            widget.setFont(label_font)

    def set_digits(self, digits: int) -> None:
        """Significant digits of every number shown."""
        self.digits = int(digits)
        self._refresh()

    def text(self) -> str:
        """What the dock shows, as plain text (for tests and screen readers)."""
        self._ensure_fresh()
        return self.source.text() + "\n" + self.browser.toPlainText()

    def path_factors(self) -> tuple | None:
        """The factors of the path chosen in the list (None when no weight or bias is
        selected): each has ``kind``, ``symbol``, ``value``."""
        self._ensure_fresh()
        return self._path.factors if self._path is not None else None

    def selected_path(self) -> Path | None:
        """The chosen path; its ``edges`` are the weights the canvas can highlight."""
        self._ensure_fresh()
        return self._path

    @property
    def gradient(self) -> ParameterGradient | None:
        """The chain rule object of the selected weight or bias."""
        self._ensure_fresh()
        return self._gradient

    def step_record(self) -> tuple[StepRecord, bool]:
        """(the step the numbers come from, whether it is a preview of the next step)."""
        if self.session.last_step_is_current() and not self.session.step_in_progress:
            # during a step the numbers are that step's, as the banner and counter say
            return self.session.last_step, False
        if self._preview is None:
            self._preview = self.session.preview_step()
        return self._preview, True

    def _sample_position(self, step: StepRecord) -> tuple[int, str]:
        """Position in the batch of the canvas's current sample (or the first sample)."""
        indices = list(np.asarray(step.sample_indices).astype(int))
        batch = len(indices)
        if batch == 1:
            return 0, ""
        current = self.session.current_sample
        if current in indices:
            b = indices.index(current)
            return b, f"sample {current + 1} (the canvas's sample), one of the {batch} in the batch"
        return 0, (f"sample {indices[0] + 1}, the first of the {batch} in the batch "
                   f"(the canvas's sample {current + 1} is not in this batch)")

    # -- session events --------------------------------------------------------------

    def _on_structure_changed(self) -> None:
        self._preview = None
        if not self._selection_exists():
            self.selection = None
        self._schedule()

    def _on_model_changed(self, *_args) -> None:
        if self.session.step_in_progress and self._preview is not None:
            return  # the step being shown phase by phase is the preview already computed
        self._preview = None
        self._schedule()

    def _on_phase_recorded(self, _record) -> None:
        # a step has begun (or ended): "Preview of the next step" becomes "in progress"
        if self.session.step_in_progress != self._shown_in_progress:
            self._schedule()

    def _on_sample_changed(self, _index: int) -> None:
        self._schedule()

    def _on_visibility_changed(self, visible: bool) -> None:
        if visible and self._dirty:
            self._refresh()

    def _schedule(self) -> None:
        """Refresh soon if the dock is visible, else when it is shown."""
        self._dirty = True
        if self.isVisible() and not self._timer.isActive():
            self._timer.start()

    def _ensure_fresh(self) -> None:
        if self._dirty:
            self._refresh()

    def _selection_exists(self) -> bool:
        s = self.selection
        if s is None:
            return True
        layers = self.session.network.layers
        try:
            kind, layer = s[0], int(s[1])
            if kind == "neuron":
                return 0 <= layer < len(layers) and 0 <= s[2] < layers[layer]
            if not 1 <= layer < len(layers) or not 0 <= s[2] < layers[layer]:
                return False
            return kind == "bias" or (kind == "weight" and 0 <= s[3] < layers[layer - 1])
        except (IndexError, TypeError, ValueError):
            return False

    # -- writing ------------------------------------------------------------------------

    def _say_source(self, headline: str, meaning: str) -> None:
        """Which step the numbers are: a short headline (it fits a narrow dock at any
        text size), what that means in its tooltip."""
        self.source.setText(headline)
        self.source.setToolTip(f"{headline}: {meaning}.")

    def _refresh(self) -> None:
        self._timer.stop()
        self._dirty = False
        step, preview = self.step_record()
        net = self.session.network
        self._shown_in_progress = preview and self.session.step_in_progress
        if self._shown_in_progress:
            # the step shown phase by phase is the one previewed: name it as the
            # banner and the step counter do
            self._say_source(f"<b>Step {self.session.steps_done + 1}, in progress</b>",
                             "the numbers of the step shown phase by phase (the weights "
                             "change at its update)")
        elif preview:
            self._say_source("<b>Preview of the next step</b>",
                             "what one training step would compute now (no weight changes "
                             "until you take it)")
        else:
            self._say_source(f"<b>Last step</b> (step {step.step + 1})",
                             "the numbers that produced the weights on the canvas")
        sample, sample_words = self._sample_position(step)
        parts = []
        if step.diverged:
            parts.append(_para(f"<span style='color:{MISMATCH_COLOUR}'>This step diverged "
                               f"({html.escape(step.divergence)}): its numbers are not finite "
                               "and the update was not applied.</span>"))
        s = self.selection
        self._gradient = None
        if s is None:
            parts.append(self._loss_html(step, net, sample))
            parts.append(self._punchline_html(step))
            parts.append(_para(HINT, muted=True))
        elif s[0] == "neuron":
            parts.append(self._neuron_html(step, net, s[1], s[2], sample))
        else:
            self._gradient = ParameterGradient(step, net, s, self.session.scenario.numbering)
        self._fill_paths(sample)
        if self._gradient is not None:
            parts.append(self._parameter_html(self._gradient, sample, preview))
            if s[0] == "weight":
                parts.append(self._punchline_html(step))
        if sample_words and s is not None:
            parts.insert(0, _para(f"Numbers of {html.escape(sample_words)}.", muted=True))
        self._scroll_keep("".join(parts))

    def _scroll_keep(self, body: str) -> None:
        bar = self.browser.verticalScrollBar()
        position = bar.value()
        self.browser.setHtml(f"<html><body>{body}</body></html>")
        bar.setValue(position)

    def _fill_paths(self, sample: int) -> None:
        """The path list of a parameter with several paths (hidden otherwise) and the
        chosen path, written out for ``sample``.  The list is listed by nodes only and
        rebuilt only when the parameter or the architecture changes."""
        grad = self._gradient
        routes = grad.routes() if grad is not None else []
        key = (grad.parameter, tuple(self.session.network.layers)) if grad is not None else None
        listed = len(routes) > 1
        if key != self._routes_key:
            self._routes_key, self._routes = key, routes
            with QSignalBlocker(self.path_combo):
                self.path_combo.clear()
                if listed:
                    for k, nodes in enumerate(routes):
                        self.path_combo.addItem(f"{k + 1}: {self._route_words(grad, nodes)}")
                    self.path_combo.setCurrentIndex(0)
        self.path_label.setVisible(listed)
        self.path_combo.setVisible(listed)
        if listed and grad.path_count > len(routes):
            self.path_label.setText(f"Path (first {len(routes)} of {grad.path_count}):")
        else:
            self.path_label.setText("Path:")
        if not routes:
            self._set_path(None, None)
            return
        index = max(self.path_combo.currentIndex(), 0) if listed else 0
        nodes = routes[index]
        self._set_path(grad.path(nodes, sample), (grad.parameter, nodes, sample))

    @staticmethod
    def _route_words(grad: ParameterGradient, nodes: tuple) -> str:
        n = grad.notation
        return " → ".join(to_text(n.a(layer, j))
                          for layer, j in route_neurons(grad.parameter, nodes))

    def _set_path(self, path, key) -> None:
        self._path = path
        if key != self._path_key:
            self._path_key = key
            self.path_changed.emit(path)

    def _on_path_chosen(self, index: int) -> None:
        if 0 <= index < len(self._routes):
            self._refresh()

    # -- the pieces -------------------------------------------------------------------

    def _loss_html(self, step, net, sample) -> str:
        formula = loss_formula(step, net, self.session.scenario.numbering)
        out = _heading("The loss")
        for eq in formula.equations(sample):
            out += equation_html(eq, self.digits)
        return out

    def _punchline_html(self, step) -> str:
        """The lecture's punchline for a chain of one-neuron layers with δ = ŷ − y:
        each weight's gradient as one product, then σ′(z) = σ(z)(1 − σ(z)) with numbers."""
        numbering = self.session.scenario.numbering
        formulas = punchline.equations(step, numbering)
        if not formulas:
            return ""
        out = _heading("The punchline: each gradient as one product")
        out += "".join(equation_html(eq, self.digits) for eq in formulas)
        out += "".join(equation_html(eq, self.digits)
                       for eq in punchline.derivative_rules(step, numbering))
        return out

    def _neuron_html(self, step, net, layer, j, sample) -> str:
        numbering = self.session.scenario.numbering
        n = Notation(net.layers, numbering)
        if layer == 0:
            x = float(step.inputs[sample, j])
            return (_heading(f"Input {html.escape(to_text(n.a(0, j)))}")
                    + equation_html(Equation(n.a(0, j), (Num(x),),
                                                note="an input of the sample: nothing to compute"),
                                    self.digits))
        neuron = neuron_forward(step, net, layer, j, sample, numbering)
        where = "output" if layer == net.depth else "hidden"
        out = _heading(f"Neuron {shown_index(j)} of layer {numbering.layer(layer)} "
                       f"({where}): forward")
        out += equation_html(neuron.z_equation(), self.digits)
        out += equation_html(neuron.a_equation(), self.digits)
        out += _heading("Backward: its δ = ∂J/∂z")
        engine = float(step.backward_for(layer).delta[sample, j])
        out += equation_html(neuron.delta_equation(), self.digits,
                             check_html(neuron.delta, engine, self.digits))
        return out

    def _parameter_html(self, grad: ParameterGradient, sample: int, preview: bool) -> str:
        d = self.digits
        kind = "Weight" if grad.kind == "weight" else "Bias"
        out = _heading(f"{kind} {_math_inline(grad.symbol, d)}: the chain rule")
        check = check_html(grad.gradient, _data_gradient(grad), d)
        if grad.single_path:
            chain = grad.chain_equation(sample)
            rules = "".join(equation_html(rule, d) for rule in grad.derivative_rules(sample))
            if grad.batch == 1:
                out += equation_html(chain, d, check) + rules
            else:
                out += equation_html(chain, d) + rules
                out += equation_html(grad.delta_form(sample), d, check)
        else:
            out += _para(f"{grad.path_count} paths lead from {_math_inline(grad.symbol, d)} to "
                         "the loss, so the chain rule adds them up; δ collects them layer by "
                         "layer:")
            out += equation_html(grad.delta_form(sample), d, check)
            out += equation_html(grad.neuron_delta(sample), d)
            if self._path is not None:
                out += self._path_html(grad, self._path)
        if grad.penalized:  # ∂J/∂w = ∂L/∂w + λ·w: the weight penalty's term
            out += equation_html(grad.penalty_equation(), d)
        out += _heading("Update" + (" (if the step is taken)" if preview else ""))
        out += equation_html(grad.update_equation(), d)
        steps = grad.delta_steps(sample)[:-1]  # the layers after the weight's, output first
        if steps and not grad.single_path:
            out += _heading("The δ of the layers after it")
            for delta in reversed(steps):
                out += equation_html(delta.equation, d)
        return out

    def _path_html(self, grad: ParameterGradient, path: Path) -> str:
        if grad.single_path:
            return ""
        d = self.digits
        number = self.path_combo.currentIndex() + 1
        out = _heading(f"Path {number} of {grad.path_count}, factor by factor")
        out += equation_html(path.equation(number), d)
        total = grad.path_sum() if grad.path_count <= PATH_SUM_LIMIT else grad.gradient
        added = grad.path_count <= PATH_SUM_LIMIT
        out += _para(f"Sum of the products of all {grad.path_count} paths"
                     + (" over the batch" if grad.batch > 1 else "")
                     + ("" if added else " (added up layer by layer as δ)") + ": "
                     + html.escape(format_number(total, d))
                     + check_html(total, _data_gradient(grad), d))
        return out
