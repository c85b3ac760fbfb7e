"""Four ways to write an expression tree (:mod:`.expr`).

* :func:`to_text`: plain Unicode, W⁽²⁾₁,₀ and ∂J/∂ŷ (status bars, tooltips, tests);
* :func:`to_latex`: LaTeX math for Markdown handouts;
* :func:`to_html`: Qt rich text with <sub>/<sup>; :func:`html_cells` stacks fractions;
* :func:`to_mathml`: MathML Core for the HTML handout, with the plain text as alttext.

Numbers are kept as floats in the tree and written here, all through
:mod:`.numbers`, with one precision setting ``digits``.
"""

from __future__ import annotations

import html
import math

from .expr import (UNARY_MINUS, BigSum, Call, Equation, Expr, Frac, Matrix, Num, Op, Paren,
                   Power, Row, Sym, Text, Vector, prepare_row)
from .numbers import DIGITS, MINUS, format_number, is_shown_as_zero, number_parts
from .scripts import subscript, superscript


def superscript_strict(text: str) -> str:
    """An exponent or layer mark raised, or ^(…) when a character cannot be raised."""
    return superscript(text, strict=True)


def subscript_strict(text: str) -> str:
    """An index lowered, or _… when a character cannot be lowered."""
    return subscript(text, strict=True)


# -- plain text -----------------------------------------------------------------------

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
            out += superscript_strict(f"({_layer_text(e.layer)})")
        if e.transpose:
            out += "ᵀ"
        index = ",".join(str(i) for i in e.index)
        if index:
            out += subscript_strict(index)
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
        for item in prepare_row(e.items):
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
        sup = superscript_strict(exponent.replace(" ", ""))
        return base + sup
    if isinstance(e, BigSum):
        under = subscript_strict(t(e.under).replace(" ", "")) if e.under is not None else ""
        return f" Σ{under} "
    if isinstance(e, Vector):
        return "[" + ", ".join(t(i) for i in e.items) + "]"
    if isinstance(e, Matrix):
        return "[" + "; ".join(", ".join(t(i) for i in r) for r in e.rows) + "]"
    raise TypeError(f"not an expression: {e!r}")


def equation_text(eq: Equation, digits: int = DIGITS) -> str:
    return " = ".join([to_text(eq.lhs, digits).strip(),
                       *(to_text(s, digits).strip() for s in eq.steps)])


# -- LaTeX --------------------------------------------------------------------------------

_LATEX_NAMES = {"ε": r"\epsilon", "ρ": r"\rho", "m̂": r"\hat{m}", "v̂": r"\hat{v}",
                "δ": r"\delta", "ŷ": r"\hat{y}", "η": r"\eta", "σ": r"\sigma", "α": r"\alpha",
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
    if value == 0 or is_shown_as_zero(value, digits):
        return "0"
    negative, mantissa, exponent = number_parts(value, digits)
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
        return "".join(t(i) for i in prepare_row(e.items)).replace("  ", " ").strip()
    if isinstance(e, Frac):
        return r"\frac{" + t(_unwrap(e.num)) + "}{" + t(_unwrap(e.den)) + "}"
    if isinstance(e, Paren):
        opening = {"(": r"\left(", "[": r"\left[", "{": r"\left\{", "|": r"\left|"}[e.open]
        closing = {")": r"\right)", "]": r"\right]", "}": r"\right\}", "|": r"\right|"}[e.close]
        return opening + t(e.body) + closing
    if isinstance(e, Call):
        if e.func == "√":
            return r"\sqrt{" + t(e.arg) + "}"
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
        negative, mantissa, exponent = number_parts(e.value, digits)
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
        return "".join(t(i) for i in prepare_row(e.items)).replace("  ", " ").strip()
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
    items = prepare_row(_flatten(e)) if isinstance(e, Row) else [e]
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
    if value == 0 or is_shown_as_zero(value, digits):
        return "<mn>0</mn>"
    negative, mantissa, exponent = number_parts(value, digits)
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
        return "<mrow>" + "".join(m(i) for i in prepare_row(e.items)) + "</mrow>"
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
