"""Every number a person reads or types, in one place.

:func:`format_number` writes a value for reading (canvas, plots, status bar, math,
handouts): ``DIGITS`` significant digits, a real minus sign, never "−0", and powers of
ten as ×10ⁿ, never "e+04".  :func:`format_exact` writes a value for editing: every
digit needed to read the same float back.  :func:`parse_number` reads what a person
typed, in either form, and says in words why a text is refused.
"""

from __future__ import annotations

import math
import re

from .scripts import superscript

#: significant digits of every number shown for reading
DIGITS = 4
MINUS = "\u2212"

#: a plain decimal number: sign, digits with an optional point, optional exponent.
#: Python's float() also accepts "nan", "inf", "1_000", which a user never means.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
#: "1.5×10⁻³" (as shown) read back as "1.5e-3"
_TIMES_TEN = re.compile(r"[×x*]10([⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)$")
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")


def _with_power_of_ten(text: str) -> str:
    """Python's "1.2e-07" as "1.2×10⁻⁷"."""
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa}×10{superscript(int(exponent))}"


def number_parts(value: float, digits: int = DIGITS) -> tuple[bool, str, int | None]:
    """(negative, mantissa, power of ten or None) of a finite, nonzero ``value`` rounded
    to ``digits``: the pieces :func:`format_number` joins, for renderers that write the
    power as markup (LaTeX 10^{-7}, HTML 10<sup>−7</sup>, MathML)."""
    text = f"{abs(value):.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return value < 0, mantissa, int(exponent)
    return value < 0, text, None


def is_shown_as_zero(value: float, digits: int = DIGITS) -> bool:
    """Whether ``value`` rounds to 0 at ``digits`` (then it is written "0", never "−0")."""
    return float(f"{abs(value):.{digits}g}") == 0


def format_number(value: float | None, digits: int = DIGITS) -> str:
    """``value`` for reading: 0.48999999999999994 → "0.49", −4.200000000000001 →
    "−4.2", 3e−10 → "3×10⁻¹⁰", −0.0 → "0", nan → "NaN", -inf → "−∞", None → "—"."""
    if value is None:
        return "—"
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return ("" if value > 0 else MINUS) + "∞"
    if is_shown_as_zero(value, digits):
        return "0"  # never "−0"
    return (MINUS if value < 0 else "") + _with_power_of_ten(f"{abs(value):.{digits}g}")


def format_exact(value: float) -> str:
    """``value`` for editing: the shortest text that reads back as the same float,
    with a real minus sign (0.1 → "0.1", -4.2 → "−4.2", 1e-12 → "1×10⁻¹²")."""
    value = float(value)
    if not math.isfinite(value):
        return format_number(value)
    if value == 0:
        return "0"
    text = repr(abs(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa.removesuffix('.0')}e{exponent}"
    elif text.endswith(".0"):
        text = text[:-2]
    return (MINUS if value < 0 else "") + _with_power_of_ten(text)


def parse_number(text: str, minimum: float | None = None, maximum: float | None = None,
                 integer: bool = False) -> float:
    """The number a person typed, or ValueError with a message saying why it is refused.

    Accepts a real minus sign (U+2212), a decimal comma ("0,5") and the ×10ⁿ form the
    window writes ("1.5×10⁻³") as well as "1.5e-3"; refuses "nan", "inf", "abc", "".
    """
    shown = text.strip()
    cleaned = shown.replace(MINUS, "-").replace("\u2013", "-").replace(" ", "")
    power = _TIMES_TEN.search(cleaned)
    if power is not None:
        cleaned = (cleaned[:power.start()] + "e"
                   + power.group(1).translate(_FROM_SUPERSCRIPT))
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    if not cleaned:
        raise ValueError("Enter a number")
    pattern = _INTEGER if integer else _NUMBER
    if not pattern.fullmatch(cleaned):
        try:
            special = float(cleaned)
        except ValueError:
            special = None
        if special is not None and not math.isfinite(special):
            raise ValueError(f"“{shown}” is not a finite number")
        if integer and _NUMBER.fullmatch(cleaned):
            raise ValueError(f"“{shown}” is not a whole number")
        raise ValueError(f"“{shown}” is not a number")
    value = float(int(cleaned)) if integer else float(cleaned)
    if not math.isfinite(value):
        raise ValueError(f"“{shown}” is too large")
    if minimum is not None and maximum is not None and not minimum <= value <= maximum:
        raise ValueError(
            f"Must be between {format_number(minimum)} and {format_number(maximum)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"Must be at least {format_number(minimum)}")
    if maximum is not None and value > maximum:
        raise ValueError(f"Must be at most {format_number(maximum)}")
    return value
