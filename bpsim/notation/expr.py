"""Formulas as small expression trees: just enough structure to write the lecture's
formulas four ways (plain text, LaTeX, Qt rich text, MathML; see :mod:`.render`).

A formula is built from :class:`Sym` (a named quantity such as W⁽²⁾₁,₀), :class:`Num`
(a number, kept as a float until rendering), :class:`Op`, :class:`Row`, :class:`Frac`,
:class:`Paren`, :class:`Call`, :class:`Power`, :class:`BigSum`, :class:`Vector` and
:class:`Matrix`; an :class:`Equation` is lhs = step = step = ….
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

#: Sums with more terms are written with their first terms and "…".
MAX_TERMS = 6


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


def prepare_row(items) -> list:
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


def count(value: int) -> Num:
    """A count (batch size, number of outputs) as a number of a formula."""
    return Num(float(value))
