"""The one number formatter and parser: what every screen and handout shows."""

import math

import pytest
from hypothesis import given, strategies as st

from bpsim.notation.numbers import format_exact, format_number, parse_number
from bpsim.notation.scripts import layer_superscript, subscript, superscript


@pytest.mark.parametrize("value, shown", [
    (0.48999999999999994, "0.49"), (-4.199999999999999, "−4.2"), (4.299999999999999, "4.3"),
    (3e-10, "3×10⁻¹⁰"), (12345.6, "1.235×10⁴"), (-0.0, "0"), (-1e-9 / 3, "−3.333×10⁻¹⁰"),
    (float("nan"), "NaN"), (float("inf"), "∞"), (float("-inf"), "−∞"), (None, "—"),
    (0.0, "0"), (1.0, "1"), (-0.00001, "−1×10⁻⁵")])
def test_format_number_reads_as_the_lecture_writes(value, shown):
    assert format_number(value) == shown


def test_format_number_never_writes_minus_zero_or_e_notation():
    for value in (-1e-30, -4e-5, 1e300, -2.5e17, -0.00004):
        text = format_number(value)
        assert "e" not in text and text not in ("−0", "-0") and "-" not in text


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_exact_form_reads_back_as_the_same_float(value):
    assert parse_number(format_exact(value)) == value + 0.0


@given(st.floats(min_value=-1e300, max_value=1e300))
def test_shown_form_reads_back_within_its_digits(value):
    back = parse_number(format_number(value))
    assert math.isclose(back, value, rel_tol=1e-3, abs_tol=0)


@pytest.mark.parametrize("typed, value", [
    ("0.5", 0.5), ("−4.2", -4.2), ("0,5", 0.5), ("1.5e-3", 1.5e-3), ("1.5×10⁻³", 1.5e-3),
    (" 3 ", 3.0), ("-.5", -0.5), ("2×10⁴", 2e4)])
def test_parse_number_accepts_what_people_type(typed, value):
    assert parse_number(typed) == pytest.approx(value)


@pytest.mark.parametrize("typed, message", [
    ("abc", "is not a number"), ("nan", "not a finite number"), ("inf", "not a finite number"),
    ("", "Enter a number"), ("1e999", "too large"), ("1_000", "is not a number")])
def test_parse_number_refuses_with_a_reason(typed, message):
    with pytest.raises(ValueError, match=message):
        parse_number(typed)


def test_parse_number_ranges_and_whole_numbers():
    with pytest.raises(ValueError, match="between 0 and 1"):
        parse_number("2", 0, 1)
    with pytest.raises(ValueError, match="at least 1"):
        parse_number("0", minimum=1)
    with pytest.raises(ValueError, match="whole number"):
        parse_number("2.5", integer=True)
    assert parse_number("7", integer=True) == 7


def test_scripts():
    assert superscript(-7) == "⁻⁷"
    assert layer_superscript(2) == "⁽²⁾"
    assert subscript("1,0") == "₁,₀"
    assert layer_superscript("l") == "⁽ˡ⁾"


def test_strict_scripts_never_half_raise_an_exponent():
    # A formula's exponent or index is raised/lowered whole, or written ^(…)/_…
    assert superscript("l+1", strict=True) == "ˡ⁺¹"
    assert superscript("2x", strict=True) == "^(2x)"
    assert subscript("k,m", strict=True) == "ₖ,ₘ"
    assert subscript("batch", strict=True) == "_batch"
    assert subscript("b,1", strict=True) == "_(b,1)"
    assert superscript("2x") == "²x"  # not strict: raised where Unicode can
