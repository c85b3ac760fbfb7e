"""The chain rule written out as the lecture writes it, with the numbers of one step.

From a :class:`~bpsim.trace.StepRecord` this module builds, for a selected parameter,

* the δ form:  ∂J/∂W⁽ˡ⁾[j,i] = Σ_batch δ⁽ˡ⁾_j · a⁽ˡ⁻¹⁾_i, with
  δ⁽ᴸ⁾ = ∂J/∂ŷ ⊙ f′(z⁽ᴸ⁾) and δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ f′(z⁽ˡ⁾)
  (for sigmoid+bce and softmax+cross_entropy δ⁽ᴸ⁾ = (ŷ − y)/B, ·1/n for bce);
* the path expansion: every path from the weight to the loss, a product of local
  derivatives (∂J/∂ŷ, f′(z), W, a), each evaluated; the paths sum to the gradient;
* a neuron's forward computation z = Σ wᵢaᵢ + b, a = f(z), and the loss with numbers;
* the update w_new = w − η·∂J/∂w.

Everything is structured data: formulas are small expression trees (:class:`Sym`,
:class:`Num`, :class:`Row`, :class:`Frac`, …) that :func:`to_text`, :func:`to_latex`,
:func:`to_html` (Qt rich text: sub/sup) and :func:`to_mathml` render.  Numbers are
kept as floats until rendering, which formats them with one precision setting.

The values come from the step record (z, a, ∂J/∂ŷ, the weights used by the step) and
the engine's activation derivatives; the sums and products written here are computed
here, so that a test can hold them against the engine's gradient.
"""

from __future__ import annotations

import html
import itertools
import math
from dataclasses import dataclass, replace
from typing import Iterator, Union

import numpy as np

from . import activations as act
from . import losses
from .trace import StepRecord

#: Significant digits of every displayed number unless a renderer is told otherwise.
DIGITS = 4
#: At most this many paths are listed; :attr:`ParameterGradient.path_count` says how many exist.
MAX_PATHS = 64
#: Sums with more terms are written with their first terms and "…".
MAX_TERMS = 6
MINUS = "\u2212"

# ---------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------


def _number_parts(value: float, digits: int) -> tuple[bool, str, int | None]:
    """(negative, mantissa, power of ten or None) of ``value`` rounded to ``digits``."""
    text = f"{abs(value):.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return value < 0, mantissa, int(exponent)
    return value < 0, text, None


def format_number(value: float, digits: int = DIGITS) -> str:
    """``value`` to ``digits`` significant digits with a real minus sign:
    0.48999999999999994 → "0.49", −4.200000000000001 → "−4.2", 3e−10 → "3×10⁻¹⁰"."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return ("" if value > 0 else MINUS) + "∞"
    if value == 0 or float(f"{value:.{digits}g}") == 0:
        return "0"  # never "−0"
    negative, mantissa, exponent = _number_parts(value, digits)
    text = mantissa if exponent is None else f"{mantissa}×10{_superscript(str(exponent))}"
    return (MINUS if negative else "") + text


# ---------------------------------------------------------------------------------------
# Expressions: just enough structure to write the lecture's formulas four ways
# ---------------------------------------------------------------------------------------


class Expr:
    """A piece of a formula."""


@dataclass(frozen=True)
class Sym(Expr):
    """A named quantity: W⁽²⁾₁,₀, δ⁽¹⁾ₖ, ŷ, x₀.  ``layer`` is the superscript (l),
    ``index`` the subscript, ``tag`` a word after the subscript (w_new)."""

    name: str
    layer: Union[int, str, None] = None
    index: tuple = ()
    tag: str = ""
    transpose: bool = False


@dataclass(frozen=True)
class Num(Expr):
    value: float


@dataclass(frozen=True)
class Op(Expr):
    """An operator or relation: = + − · × ⊙ ∂ …"""

    text: str


@dataclass(frozen=True)
class Text(Expr):
    """Upright words inside a formula ("if", "sample 1")."""

    text: str


@dataclass(frozen=True)
class Row(Expr):
    items: tuple


@dataclass(frozen=True)
class Frac(Expr):
    num: Expr
    den: Expr


@dataclass(frozen=True)
class Paren(Expr):
    body: Expr
    open: str = "("
    close: str = ")"


@dataclass(frozen=True)
class Call(Expr):
    """A function applied to an argument: σ(z), σ′(z⁽¹⁾₀), log ŷ."""

    func: str
    arg: Expr


@dataclass(frozen=True)
class Power(Expr):
    base: Expr
    exponent: Expr


@dataclass(frozen=True)
class BigSum(Expr):
    """Σ with what it runs over written under it."""

    under: Expr | None = None


@dataclass(frozen=True)
class Vector(Expr):
    """A row of values [a, b, c] (long vectors are cut with "…")."""

    items: tuple


@dataclass(frozen=True)
class Matrix(Expr):
    rows: tuple


def row(*items) -> Row:
    """A Row from convenient items: numbers become Num, strings become Op."""
    return Row(tuple(_expr(item) for item in items))


def _expr(item) -> Expr:
    if isinstance(item, Expr):
        return item
    if isinstance(item, str):
        return Op(item)
    return Num(float(item))


def partial(top: Expr, bottom: Expr) -> Frac:
    """∂top/∂bottom."""
    return Frac(Row((Op("∂"), top)), Row((Op("∂"), bottom)))


def product(items, op: str = "·") -> Expr:
    """items joined by a multiplication sign (a single item stays itself)."""
    items = [_expr(i) for i in items]
    if not items:
        return Num(1.0)
    if len(items) == 1:
        return items[0]
    out = [items[0]]
    for item in items[1:]:
        out += [Op(op), item]
    return Row(tuple(out))


def total(items, op: str = "+", limit: int = MAX_TERMS) -> Expr:
    """items joined by +, cut to the first ``limit − 1`` terms and … when longer."""
    items = [_expr(i) for i in items]
    if len(items) > limit:
        items = items[:limit - 1] + [Text("…")]
    return product(items, op)


def _parenthesize_leading_negative(e: Row) -> Row:
    """… + (−0.83) · 0: a product that starts with a negative number, after an operator."""
    if not e.items:
        return e
    first = e.items[0]
    if isinstance(first, Num) and first.value < 0:
        first = Paren(first)
    elif isinstance(first, Row):
        first = _parenthesize_leading_negative(first)
    return Row((first, *e.items[1:]))


#: A minus sign in front of a term (−y/ŷ) rather than between two terms.
UNARY_MINUS = "\u2212\u200b"


def _prepare(items) -> list:
    """A negative number after an operator is written in parentheses: 2·(−0.7),
    0.1 − 1×(−4.2); after "=" or at the start it is not.  A minus that starts a row
    or follows another operator is a sign, written without spaces."""
    out = []
    for k, item in enumerate(items):
        previous = items[k - 1] if k > 0 else None
        after_operator = k > 0 and not (isinstance(previous, Op)
                                        and previous.text in ("=", "≈", "←"))
        if isinstance(item, Num) and item.value < 0 and after_operator:
            item = Paren(item)
        elif isinstance(item, Row) and after_operator:
            item = _parenthesize_leading_negative(item)
        elif (isinstance(item, Op) and item.text == "−"
              and (previous is None or isinstance(previous, Op) and previous.text != "∂")):
            item = Op(UNARY_MINUS)
        out.append(item)
    return out


@dataclass(frozen=True)
class Equation:
    """lhs = steps[0] = steps[1] = …  (each step one line when displayed)."""

    lhs: Expr
    steps: tuple
    #: a short remark in words ("identity: f′ = 1", "sample 1 of 4")
    note: str = ""

    @property
    def result(self) -> Expr:
        return self.steps[-1]


# -- plain text -----------------------------------------------------------------------

_SUPERSCRIPTS = dict(zip("0123456789+-−()lLTnikmj=", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁽⁾ˡᴸᵀⁿⁱᵏᵐʲ⁼"))
_SUBSCRIPTS = dict(zip("0123456789+-−(),ijkmnlbe", "₀₁₂₃₄₅₆₇₈₉₊₋₋₍₎,ᵢⱼₖₘₙₗ♭ₑ"))
_SUBSCRIPTS.pop("b")  # no subscript b in Unicode


def _superscript(text: str) -> str:
    if all(c in _SUPERSCRIPTS for c in text):
        return "".join(_SUPERSCRIPTS[c] for c in text)
    return f"^({text})"


def _subscript(text: str) -> str:
    if all(c in _SUBSCRIPTS for c in text):
        return "".join(_SUBSCRIPTS[c] for c in text)
    return f"_{text}" if len(text) == 1 or text.isalnum() else f"_({text})"


def _index_text(sym: Sym) -> str:
    parts = [str(i) for i in sym.index]
    if sym.tag:
        parts.append(sym.tag)
    return ",".join(parts)


def _layer_text(layer) -> str:
    return str(layer).replace("-", MINUS)


def _unwrap(e: Expr) -> Expr:
    """A fraction bar groups by itself: (ŷ − y)/B is written ŷ − y over B."""
    return e.body if isinstance(e, Paren) and e.open == "(" else e


def _is_compound(e: Expr) -> bool:
    """Whether ``e`` needs parentheses as a numerator, a base, or a slash fraction part."""
    if isinstance(e, Row):
        return any(isinstance(i, Op) and i.text != "∂" for i in e.items)
    return isinstance(e, Frac) or (isinstance(e, Num) and e.value < 0)


def to_text(e: Expr, digits: int = DIGITS) -> str:
    """Plain Unicode text: W⁽²⁾₁,₀, ∂J/∂ŷ, (0.3 − 1)² = 0.49."""
    t = lambda x: to_text(x, digits)  # noqa: E731
    if isinstance(e, Num):
        return format_number(e.value, digits)
    if isinstance(e, Sym):
        out = e.name
        if e.layer is not None:
            out += _superscript(f"({_layer_text(e.layer)})")
        if e.transpose:
            out += "ᵀ"
        index = ",".join(str(i) for i in e.index)
        if index:
            out += _subscript(index)
        if e.tag:
            out += f" ({e.tag})" if index else f"_{e.tag}"
        return out
    if isinstance(e, Op):
        if e.text == UNARY_MINUS:
            return MINUS
        return e.text if e.text == "∂" else f" {e.text} "
    if isinstance(e, Text):
        return e.text if e.text == "…" else f" {e.text} "
    if isinstance(e, Row):
        out = ""
        for item in _prepare(e.items):
            piece = t(item)
            # "1/2 Σₖ", "y log ŷ": a sum or a function after a symbol gets a space
            if (out and not out.endswith((" ", "(", "[")) and isinstance(item, (Call, BigSum, Row))
                    and piece.lstrip()[:1] not in ("", "(", "[")):
                out += " "
            out += piece
        return out.replace("  ", " ").strip()
    if isinstance(e, Frac):
        num, den = t(e.num), t(e.den)
        if _is_compound(e.num):
            num = f"({num})"
        if _is_compound(e.den) or isinstance(e.den, Row) and len(e.den.items) > 2:
            den = f"({den})"
        return f"{num}/{den}"
    if isinstance(e, Paren):
        return f"{e.open}{t(e.body)}{e.close}"
    if isinstance(e, Call):
        arg = t(e.arg)
        return f"{e.func}({arg})"
    if isinstance(e, Power):
        base = t(e.base)
        if _is_compound(e.base) or isinstance(e.base, (Frac, Call)):
            base = f"({base})"
        exponent = t(e.exponent)
        sup = _superscript(exponent.replace(" ", ""))
        return base + sup
    if isinstance(e, BigSum):
        return " Σ" + (_subscript(t(e.under).replace(" ", "")) if e.under is not None else "") + " "
    if isinstance(e, Vector):
        return "[" + ", ".join(t(i) for i in e.items) + "]"
    if isinstance(e, Matrix):
        return "[" + "; ".join(", ".join(t(i) for i in r) for r in e.rows) + "]"
    raise TypeError(f"not an expression: {e!r}")


def equation_text(eq: Equation, digits: int = DIGITS) -> str:
    return " = ".join([to_text(eq.lhs, digits).strip(),
                       *(to_text(s, digits).strip() for s in eq.steps)])


# -- LaTeX --------------------------------------------------------------------------------

_LATEX_NAMES = {"δ": r"\delta", "ŷ": r"\hat{y}", "η": r"\eta", "σ": r"\sigma", "α": r"\alpha",
                "μ": r"\mu", "Σ": r"\Sigma", "∂": r"\partial "}
_LATEX_OPS = {UNARY_MINUS: "-", "·": r"\cdot", "×": r"\times", "−": "-", "⊙": r"\odot",
              "←": r"\leftarrow",
              "≤": r"\le", "≥": r"\ge", "∂": r"\partial ", "≈": r"\approx", "…": r"\ldots",
              "→": r"\to", "∈": r"\in"}
_LATEX_FUNCS = {"σ": r"\sigma", "σ′": r"\sigma'", "tanh": r"\tanh", "tanh′": r"\tanh'",
                "log": r"\log", "ReLU": r"\operatorname{ReLU}", "ReLU′": r"\operatorname{ReLU}'",
                "LReLU": r"\operatorname{LReLU}", "LReLU′": r"\operatorname{LReLU}'",
                "f": "f", "f′": "f'", "max": r"\max", "softmax": r"\operatorname{softmax}",
                "exp": r"\exp"}


def _latex_name(name: str) -> str:
    if name in _LATEX_NAMES:
        return _LATEX_NAMES[name]
    if len(name) > 1:
        return r"\mathrm{" + name + "}"
    return name


def _latex_number(value: float, digits: int) -> str:
    if math.isnan(value):
        return r"\mathrm{NaN}"
    if math.isinf(value):
        return r"\infty" if value > 0 else r"-\infty"
    if value == 0 or float(f"{value:.{digits}g}") == 0:
        return "0"
    negative, mantissa, exponent = _number_parts(value, digits)
    text = mantissa if exponent is None else rf"{mantissa}\times 10^{{{exponent}}}"
    return ("-" if negative else "") + text


def to_latex(e: Expr, digits: int = DIGITS) -> str:
    """LaTeX math (without the surrounding $): W^{(2)}_{1,0}, \\frac{\\partial J}{…}."""
    t = lambda x: to_latex(x, digits)  # noqa: E731
    if isinstance(e, Num):
        return _latex_number(e.value, digits)
    if isinstance(e, Sym):
        out = _latex_name(e.name)
        sup = []
        if e.layer is not None:
            sup.append(f"({str(e.layer).replace(MINUS, '-')})")
        if e.transpose:
            sup.append(r"\top")
        if sup:
            out += "^{" + "".join(sup) + "}"
        parts = [str(i) for i in e.index] + ([r"\text{" + e.tag + "}"] if e.tag else [])
        if parts:
            out += "_{" + ",".join(parts) + "}"
        return out
    if isinstance(e, Op):
        return f" {_LATEX_OPS.get(e.text, e.text)} "
    if isinstance(e, Text):
        return r"\ldots" if e.text == "…" else r"\ \text{" + e.text + r"}\ "
    if isinstance(e, Row):
        return "".join(t(i) for i in _prepare(e.items)).replace("  ", " ").strip()
    if isinstance(e, Frac):
        return r"\frac{" + t(_unwrap(e.num)) + "}{" + t(_unwrap(e.den)) + "}"
    if isinstance(e, Paren):
        opening = {"(": r"\left(", "[": r"\left[", "{": r"\left\{", "|": r"\left|"}[e.open]
        closing = {")": r"\right)", "]": r"\right]", "}": r"\right\}", "|": r"\right|"}[e.close]
        return opening + t(e.body) + closing
    if isinstance(e, Call):
        func = _LATEX_FUNCS.get(e.func, r"\operatorname{" + e.func + "}")
        return func + r"\left(" + t(e.arg) + r"\right)"
    if isinstance(e, Power):
        base = t(e.base)
        if _is_compound(e.base) or isinstance(e.base, (Frac, Call)):
            base = r"\left(" + base + r"\right)"
        return "{" + base + "}^{" + t(e.exponent) + "}"
    if isinstance(e, BigSum):
        if isinstance(e.under, Text):
            return r"\sum_{\text{" + e.under.text + "}} "
        return r"\sum" + ("_{" + t(e.under) + "}" if e.under is not None else "") + " "
    if isinstance(e, Vector):
        return r"\begin{bmatrix}" + " & ".join(t(i) for i in e.items) + r"\end{bmatrix}"
    if isinstance(e, Matrix):
        body = r" \\ ".join(" & ".join(t(i) for i in r) for r in e.rows)
        return r"\begin{bmatrix}" + body + r"\end{bmatrix}"
    raise TypeError(f"not an expression: {e!r}")


def equation_latex(eq: Equation, digits: int = DIGITS) -> str:
    return " = ".join([to_latex(eq.lhs, digits), *(to_latex(s, digits) for s in eq.steps)])


# -- HTML with sub/sup (Qt rich text) -----------------------------------------------------


def to_html(e: Expr, digits: int = DIGITS) -> str:
    """HTML with <sub>/<sup> and italic symbols, as Qt's rich text shows it; fractions
    inline as a/b (:func:`html_cells` stacks the top-level ones)."""
    t = lambda x: to_html(x, digits)  # noqa: E731
    if isinstance(e, Num):
        text = format_number(e.value, digits)
        if "×10" not in text:
            return html.escape(text)
        negative, mantissa, exponent = _number_parts(e.value, digits)
        power = str(exponent).replace("-", MINUS)
        return f"{MINUS if negative else ''}{mantissa}×10<sup>{power}</sup>"
    if isinstance(e, Sym):
        name = html.escape(e.name)
        out = f"<i>{name}</i>" if len(e.name) == 1 else name
        sup = ""
        if e.layer is not None:
            sup += f"({html.escape(_layer_text(e.layer))})"
        if e.transpose:
            sup += "T"
        if sup:
            out += f"<sup>{sup}</sup>"
        index = _index_text(e)
        if index:
            out += f"<sub>{html.escape(index)}</sub>"
        return out
    if isinstance(e, Op):
        if e.text == "∂":
            return "∂"
        if e.text == UNARY_MINUS:
            return MINUS
        return f" {html.escape(e.text)} "
    if isinstance(e, Text):
        return "…" if e.text == "…" else f" {html.escape(e.text)} "
    if isinstance(e, Row):
        return "".join(t(i) for i in _prepare(e.items)).replace("  ", " ").strip()
    if isinstance(e, Frac):
        num, den = t(e.num), t(e.den)
        if _is_compound(e.num):
            num = f"({num})"
        if _is_compound(e.den) or isinstance(e.den, Row) and len(e.den.items) > 2:
            den = f"({den})"
        return f"{num}/{den}"
    if isinstance(e, Paren):
        return f"{html.escape(e.open)}{t(e.body)}{html.escape(e.close)}"
    if isinstance(e, Call):
        return f"{html.escape(e.func)}({t(e.arg)})"
    if isinstance(e, Power):
        base = t(e.base)
        if _is_compound(e.base) or isinstance(e.base, (Frac, Call)):
            base = f"({base})"
        return f"{base}<sup>{t(e.exponent)}</sup>"
    if isinstance(e, BigSum):
        if isinstance(e.under, Text):
            return f"Σ<sub>{html.escape(e.under.text)}</sub> "
        return "Σ" + (f"<sub>{t(e.under)}</sub>" if e.under is not None else "") + " "
    if isinstance(e, Vector):
        return "[" + ", ".join(t(i) for i in e.items) + "]"
    if isinstance(e, Matrix):
        return "[" + "; ".join(", ".join(t(i) for i in r) for r in e.rows) + "]"
    raise TypeError(f"not an expression: {e!r}")


def _flatten(e: Row) -> list:
    """The items of a row with nested rows spliced in (not those inside parentheses)."""
    out = []
    for item in e.items:
        out += _flatten(item) if isinstance(item, Row) else [item]
    return out


def stacked_fraction_html(num: str, den: str) -> str:
    """A fraction as a small two-row table: Qt's rich text has no inline fractions."""
    return ("<table cellspacing='0' cellpadding='0' style='margin:0'>"
            "<tr><td align='center' nowrap style='border-bottom:1px solid; padding:0 2px; "
            f"white-space:nowrap'>{num}</td></tr>"
            "<tr><td align='center' nowrap style='padding:0 2px; white-space:nowrap'>"
            f"{den}</td></tr></table>")


def html_cells(e: Expr, digits: int = DIGITS) -> list[str]:
    """The top-level pieces of ``e`` as HTML table cells' contents: fractions stacked,
    everything between them inline.  Put each piece in a <td> of one row."""
    items = _prepare(_flatten(e)) if isinstance(e, Row) else [e]
    cells: list[str] = []
    inline = ""
    for item in items:
        if isinstance(item, Frac):
            if inline.strip():
                cells.append(inline.strip())
            inline = ""
            cells.append(stacked_fraction_html(to_html(_unwrap(item.num), digits),
                                               to_html(_unwrap(item.den), digits)))
        else:
            inline += to_html(item, digits)
    if inline.strip() or not cells:
        cells.append(inline.replace("  ", " ").strip())
    return cells


# -- MathML ------------------------------------------------------------------------------


def _mml_number(value: float, digits: int) -> str:
    if math.isnan(value):
        return "<mi>NaN</mi>"
    if math.isinf(value):
        return "<mi>∞</mi>" if value > 0 else "<mrow><mo>−</mo><mi>∞</mi></mrow>"
    if value == 0 or float(f"{value:.{digits}g}") == 0:
        return "<mn>0</mn>"
    negative, mantissa, exponent = _number_parts(value, digits)
    body = f"<mn>{mantissa}</mn>"
    if exponent is not None:
        power = f"<mn>{abs(exponent)}</mn>" if exponent >= 0 else \
            f"<mrow><mo>−</mo><mn>{-exponent}</mn></mrow>"
        body += f"<mo>×</mo><msup><mn>10</mn>{power}</msup>"
    if negative:
        return f"<mrow><mo>−</mo>{body}</mrow>"
    return f"<mrow>{body}</mrow>" if exponent is not None else body


def _mml_index(part) -> str:
    text = html.escape(str(part))
    return f"<mn>{text}</mn>" if text.isdigit() else f"<mi>{text}</mi>"


def _mml(e: Expr, digits: int) -> str:
    m = lambda x: _mml(x, digits)  # noqa: E731
    if isinstance(e, Num):
        return _mml_number(e.value, digits)
    if isinstance(e, Sym):
        base = f"<mi>{html.escape(e.name)}</mi>"
        sup = ""
        if e.layer is not None:
            sup = f"<mo>(</mo>{_mml_index(e.layer)}<mo>)</mo>" if not isinstance(e.layer, str) \
                else f"<mo>(</mo><mi>{html.escape(e.layer)}</mi><mo>)</mo>"
        if e.transpose:
            sup += "<mi>T</mi>"
        parts = [_mml_index(i) for i in e.index] + \
            ([f"<mtext>{html.escape(e.tag)}</mtext>"] if e.tag else [])
        sub = "<mo>,</mo>".join(parts)
        if sup and sub:
            return f"<msubsup>{base}<mrow>{sub}</mrow><mrow>{sup}</mrow></msubsup>"
        if sup:
            return f"<msup>{base}<mrow>{sup}</mrow></msup>"
        if sub:
            return f"<msub>{base}<mrow>{sub}</mrow></msub>"
        return base
    if isinstance(e, Op):
        if e.text == "∂":  # as TeX's \partial comes out: an upright identifier, no spacing
            return '<mi mathvariant="normal">∂</mi>'
        return f"<mo>{html.escape(e.text.replace(UNARY_MINUS, MINUS))}</mo>"
    if isinstance(e, Text):
        if e.text == "…":
            return "<mo>…</mo>"
        return f"<mtext>\u00a0{html.escape(e.text)}\u00a0</mtext>"
    if isinstance(e, Row):
        return "<mrow>" + "".join(m(i) for i in _prepare(e.items)) + "</mrow>"
    if isinstance(e, Frac):
        return f"<mfrac>{m(_unwrap(e.num))}{m(_unwrap(e.den))}</mfrac>"
    if isinstance(e, Paren):
        return (f"<mrow><mo>{html.escape(e.open)}</mo>{m(e.body)}"
                f"<mo>{html.escape(e.close)}</mo></mrow>")
    if isinstance(e, Call):
        name = e.func.rstrip("′")
        func = f"<mi>{html.escape(name)}</mi>"
        if e.func.endswith("′"):
            # the prime glyph is raised already: on the baseline, not in a superscript
            func = f'<mrow>{func}<mo lspace="0" rspace="0">′</mo></mrow>'
        return f"<mrow>{func}<mo>(</mo>{m(e.arg)}<mo>)</mo></mrow>"
    if isinstance(e, Power):
        base = m(e.base)
        if _is_compound(e.base) or isinstance(e.base, (Frac, Call)):
            base = f"<mrow><mo>(</mo>{base}<mo>)</mo></mrow>"
        return f"<msup>{base}{m(e.exponent)}</msup>"
    if isinstance(e, BigSum):
        if e.under is None:
            return "<mo>∑</mo>"
        return f"<munder><mo>∑</mo>{m(e.under)}</munder>"
    if isinstance(e, Vector):
        inner = "<mo>,</mo>".join(m(i) for i in e.items)
        return f"<mrow><mo>[</mo>{inner}<mo>]</mo></mrow>"
    if isinstance(e, Matrix):
        body = "".join("<mtr>" + "".join(f"<mtd>{m(i)}</mtd>" for i in r) + "</mtr>"
                       for r in e.rows)
        return f"<mrow><mo>[</mo><mtable>{body}</mtable><mo>]</mo></mrow>"
    raise TypeError(f"not an expression: {e!r}")


def to_mathml(e: Expr, digits: int = DIGITS, display: bool = False) -> str:
    """A <math> element (MathML Core, rendered natively by current browsers), with
    the plain-text form as its alttext."""
    alt = html.escape(to_text(e, digits), quote=True)
    mode = ' display="block"' if display else ""
    return f'<math{mode} alttext="{alt}">{_mml(e, digits)}</math>'


# ---------------------------------------------------------------------------------------
# Notation: how the lecture names the quantities of this network
# ---------------------------------------------------------------------------------------

#: How f′ is written for each activation.
PRIME_NAMES = {"identity": "f′", "sigmoid": "σ′", "tanh": "tanh′", "relu": "ReLU′",
               "leaky_relu": "LReLU′", "softmax": "softmax′"}
#: How f is written for each activation.
FUNCTION_NAMES = {"identity": "f", "sigmoid": "σ", "tanh": "tanh", "relu": "ReLU",
                  "leaky_relu": "LReLU", "softmax": "softmax"}


class Notation:
    """Symbols for one network.  The one-weight lecture network is written w, x, z, ŷ, y
    (no indices, no layer numbers); wider networks carry neuron subscripts (counted
    from 0, as everywhere in bpsim) and deeper ones layer superscripts (l)."""

    def __init__(self, layers):
        self.layers = list(layers)
        self.depth = len(self.layers) - 1
        self.indexed = any(n > 1 for n in self.layers)
        self.layered = self.depth > 1

    def _sym(self, name, layer, index=(), tag=""):
        return Sym(name, layer if self.layered else None,
                   tuple(index) if self.indexed else (), tag)

    def weight(self, layer, j, i, tag="") -> Sym:
        return self._sym("W" if self.indexed else "w", layer, (j, i), tag)

    def weight_matrix(self, layer, transpose=False) -> Sym:
        return Sym("W" if self.indexed else "w", layer if self.layered else None,
                   transpose=transpose and self.indexed)

    def bias(self, layer, j, tag="") -> Sym:
        return self._sym("b", layer, (j,), tag)

    def z(self, layer, j=None) -> Sym:
        return self._sym("z", layer, () if j is None else (j,))

    def a(self, layer, j=None) -> Sym:
        """a⁽ˡ⁾_j, written x_j for the inputs and ŷ_j for the outputs."""
        index = () if j is None else (j,)
        if layer == 0:
            return self._sym("x", None, index)
        if layer == self.depth:
            return self._sym("ŷ", None, index)
        return self._sym("a", layer, index)

    def y(self, k=None) -> Sym:
        return self._sym("y", None, () if k is None else (k,))

    def delta(self, layer, j=None) -> Sym:
        return self._sym("δ", layer, () if j is None else (j,))

    def loss(self) -> Sym:
        return Sym("J")


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


class _Pass:
    """The quantities of one step that the formulas use, taken from its record."""

    def __init__(self, step: StepRecord, network=None):
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
        self.notation = Notation(self.layers)
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
        formula = Frac(diff_sym, _count(scale)) if scale != 1 else diff_sym
        numbers = Frac(diff_num, _count(scale)) if scale != 1 else diff_num
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
        symbol = Call(PRIME_NAMES[name], n.z(layer, kz))
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


def _count(value: int) -> Num:
    return Num(float(value))


def _loss_gradient_formula(p: _Pass, b: int, k: int) -> tuple[Expr, Expr, Expr | None]:
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
        front = Frac(Num(coefficient), _count(denominator))
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


def _derivative_formula(p: _Pass, name: str, b: int, layer: int, k: int) -> tuple[Expr, Expr]:
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

    def __init__(self, step: StepRecord, network, parameter: tuple):
        self.step = step
        self.parameter = tuple(parameter)
        self.kind = parameter[0]
        self.layer = int(parameter[1])
        self.neuron = int(parameter[2])
        self.input = int(parameter[3]) if self.kind == "weight" else None
        self._pass = p = _Pass(step, network)
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

    def delta_form(self, sample: int = 0) -> Equation:
        """∂J/∂w = Σ_batch δ⁽ˡ⁾_j · a⁽ˡ⁻¹⁾_i = (numbers) = result.  The sum runs over the
        whole batch, so ``sample`` only keeps the signature of the other equations."""
        n = self.notation
        p = self._pass
        d = n.delta(self.layer, self.neuron)
        a = n.a(self.layer - 1, self.input) if self.kind == "weight" else None
        term = product([d, a]) if a is not None else d
        deltas = self.deltas[self.layer][:, self.neuron]
        if self.kind == "weight":
            inputs = p.a[self.layer - 1][:, self.input]
            terms = [product([Num(dv), Num(av)]) for dv, av in zip(deltas, inputs)]
        else:
            terms = [Num(dv) for dv in deltas]
        if self.batch == 1:
            return Equation(self.derivative_symbol, (term, terms[0], Num(self.gradient)))
        symbolic = row(BigSum(Text("batch")), term)
        steps = [symbolic, total(terms)]
        if self.batch > MAX_TERMS:
            steps.append(total([Num(c) for c in self.contributions]))
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

    def update_equation(self) -> Equation:
        return update_equation(self.step, self.notation, self.parameter, self.engine_gradient)

    def equations(self, sample: int = 0) -> list[Equation]:
        """What a blackboard would show: the product along the path for a single path,
        else the δ form and δ of the neuron; then the update."""
        if self.single_path:
            out = [self.chain_equation(sample)]
            if self.batch > 1:
                out.append(self.delta_form(sample))
        else:
            out = [self.delta_form(sample), self.neuron_delta(sample)]
        out.append(self.update_equation())
        return out


def weight_gradient(step: StepRecord, network, layer: int, j: int, i: int) -> ParameterGradient:
    """∂J/∂W⁽ˡ⁾[j, i] of ``step`` written out (``network`` gives the leaky slope)."""
    return ParameterGradient(step, network, ("weight", layer, j, i))


def bias_gradient(step: StepRecord, network, layer: int, j: int) -> ParameterGradient:
    return ParameterGradient(step, network, ("bias", layer, j))


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


def delta_step(p: _Pass, deltas, layer: int, sample: int = 0) -> DeltaStep:
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
        steps = (Frac(Paren(diff), _count(scale)) if scale != 1 else diff,
                 Frac(Paren(diff_v), _count(scale)) if scale != 1 else diff_v)
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
    f_prime = Call(PRIME_NAMES[name], n.z(layer))
    times = "⊙" if p.layers[layer] > 1 else "·"  # elementwise product of two vectors
    steps = (row(incoming_sym, times, f_prime),
             row(_cut(incoming), times, _cut(p.derivative[layer][b])),
             _cut(values))
    return DeltaStep(layer, values, Equation(lhs, steps))


def neuron_delta_equation(p: _Pass, deltas, layer: int, j: int, sample: int = 0) -> Equation:
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


# ---------------------------------------------------------------------------------------
# Forward computation of a neuron, the loss, the update
# ---------------------------------------------------------------------------------------


#: Euler's number, as the base of a power
E = Sym("e")


class NeuronForward:
    """z⁽ˡ⁾_j = Σ_i W⁽ˡ⁾_{j,i} a⁽ˡ⁻¹⁾_i + b⁽ˡ⁾_j and a⁽ˡ⁾_j = f(z⁽ˡ⁾_j), with numbers."""

    def __init__(self, step: StepRecord, network, layer: int, j: int, sample: int = 0):
        self._pass = p = _Pass(step, network)
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
        f = FUNCTION_NAMES[name]
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


def neuron_forward(step: StepRecord, network, layer: int, j: int, sample: int = 0) -> NeuronForward:
    return NeuronForward(step, network, layer, j, sample)


def _per_sample_loss(p: _Pass, b: int) -> tuple[Expr, Expr]:
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
    mean_over_outputs = Frac(Num(1), _count(n_out)) if n_out > 1 else None
    front = {"mse": [mean_over_outputs], "sse": [], "half_sse": [Frac(Num(1), Num(2))],
             "bce": ["−", mean_over_outputs], "cross_entropy": ["−"]}[name]
    front = [f for f in front if f is not None]
    if name == "sse" and n_out > 1:
        num = num.body  # no brackets needed around a plain sum
    return row(*front, sym), row(*front, num)


class LossFormula:
    """J with numbers: J = (ŷ − y)² = (0.3 − 1)² = 0.49 (a batch: the mean of the
    samples' losses)."""

    def __init__(self, step: StepRecord, network=None):
        self._pass = _Pass(step, network)
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
                            row(Frac(Num(1), _count(B)),
                                Paren(total([Num(v) for v in self.per_sample]))),
                            Num(self.loss)),
                        note=f"the mean over the {B} samples of the batch")
        one = Equation(sample_loss, (sym, num, Num(self.per_sample[sample])),
                       note=f"sample {number}, one of the {B} in the batch")
        return [one, mean]


def loss_formula(step: StepRecord, network=None) -> LossFormula:
    return LossFormula(step, network)


def update_equation(step: StepRecord, notation: Notation, parameter: tuple,
                    gradient: float) -> Equation:
    """w_new = w − η·∂J/∂w = 0.1 − 1 × (−4.2) = 4.3 (with momentum: w + v)."""
    update = step.update
    kind, layer = parameter[0], parameter[1]
    index = tuple(parameter[2:])
    if kind == "weight":
        before = float(update.weights_before[layer - 1][index])
        after = float(update.weights_after[layer - 1][index])
        sym = notation.weight(layer, *index)
        new = notation.weight(layer, *index, tag="new")
    else:
        before = float(update.biases_before[layer - 1][index])
        after = float(update.biases_after[layer - 1][index])
        sym = notation.bias(layer, *index)
        new = notation.bias(layer, *index, tag="new")
    eta = Sym("η")
    grad = partial(notation.loss(), sym)
    if kind == "bias" and not update.train_biases:
        return Equation(new, (sym, Num(before)), note="biases are not trained: b stays")
    if not update.applied:
        return Equation(new, (sym, Num(before)),
                        note="the step diverged: the update was not applied")
    if update.momentum:
        v = after - before
        return Equation(new, (row(sym, "+", Sym("v")), row(Num(before), "+", Num(v)), Num(after)),
                        note=f"momentum: v = μ·v_previous − η·∂J/∂w with μ = "
                             f"{format_number(update.momentum)}")
    return Equation(new, (row(sym, "−", eta, "·", grad),
                          row(Num(before), "−", Num(update.learning_rate), "×", Num(gradient)),
                          Num(after)))


__all__ = [
    "DIGITS", "MAX_PATHS", "format_number", "Expr", "Sym", "Num", "Op", "Text", "Row", "Frac",
    "Paren", "Call", "Power", "BigSum", "Vector", "Matrix", "Equation", "row", "partial",
    "product", "total", "route_neurons", "to_text", "to_latex", "to_html", "to_mathml",
    "html_cells",
    "equation_text", "equation_latex", "Notation", "Factor", "Path", "ParameterGradient",
    "DeltaStep", "weight_gradient", "bias_gradient", "NeuronForward", "neuron_forward",
    "LossFormula", "loss_formula", "update_equation", "delta_step",
]
