"""Value → text → value: the formatter against Python's own format(), and the
round-trip check against texts that are right and texts that are one unit off."""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.derivations.claims import effective_spec, format_math, format_value
from scripts.derivations.round_trip import Shown, linear_prose, problem, read_number, tolerance

# Every spec the articles use, and none (the declaration's default by type).
FLOAT_SPECS = [
    ".0e",
    ".1e",
    ".2e",
    ".0f",
    ".1f",
    ".2f",
    ".3f",
    ".4f",
    ".5f",
    ".6f",
    ".9f",
    ".2g",
    "g",
    "",
    None,
]
INT_SPECS = ["d", None, ".1f", ".1e", "g"]
MINUS = "\u2212"
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
PROPERTY = settings(max_examples=300, deadline=None, derandomize=True, database=None)

finite_floats = st.floats(allow_nan=False, allow_infinity=False)
values_and_specs = st.one_of(
    st.tuples(finite_floats, st.sampled_from(FLOAT_SPECS)),
    st.tuples(st.integers(-(10**30), 10**30), st.sampled_from(["d", None])),
    # Python formats an int with a float spec through a float: exact up to 2**53.
    st.tuples(st.integers(-(2**53), 2**53), st.sampled_from(INT_SPECS)),
    st.tuples(
        st.sampled_from([0, 1, 10, 100, 101, 1024, 10.5, -0.0, 1e-7, 1e20]),
        st.sampled_from(FLOAT_SPECS),
    ),
)


def python_text(value, spec) -> str:
    """What Python's format() prints, the independent oracle (the default spec by type)."""
    if spec is None:
        spec = "d" if isinstance(value, int) else ".4g"
    if spec == "d" and isinstance(value, float):
        value = int(value)
    return format(value, spec)


def read_prose(text: str) -> Decimal:
    """Read the prose form by its own rules, without the round-trip module."""
    match = re.fullmatch(r"(−?)(\d[\d.]*)? ?(?:× )?(?:10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+))?", text)
    assert match, f"unreadable prose number {text!r}"
    sign, mantissa, power = match.groups()
    with localcontext(prec=2000):
        number = Decimal(mantissa or "1").scaleb(int(power.translate(SUPERSCRIPTS)) if power else 0)
        return -number if sign else number


def read_tex(tex: str) -> Decimal:
    match = re.fullmatch(r"(-?)(?:(\d[\d.]*)(?: \\times 10\^\{(-?\d+)\})?|10\^\{(-?\d+)\})", tex)
    assert match, f"unreadable TeX number {tex!r}"
    sign, mantissa, power, bare_power = match.groups()
    with localcontext(prec=2000):
        if bare_power is not None:
            number = Decimal(1).scaleb(int(bare_power))
        else:
            number = Decimal(mantissa).scaleb(int(power or 0))
        return -number if sign else number


@PROPERTY
@given(values_and_specs)
def test_prose_and_tex_read_back_as_pythons_own_formatting(value_and_spec):
    value, spec = value_and_spec
    expected = Decimal(python_text(value, spec))
    prose, tex = format_value(value, spec), format_math(value, spec)
    assert read_prose(prose) == expected, (value, spec, prose)
    assert read_tex(tex) == expected, (value, spec, tex)
    assert "-" not in prose, "prose writes a minus sign, never a hyphen"
    if expected != 0:  # zero in e-notation prints "0", whatever its sign
        assert prose.startswith(MINUS) == tex.startswith("-") == (expected < 0)


@pytest.mark.parametrize(
    ("value", "spec", "prose", "tex"),
    [
        (1024, "d", "1024", "1024"),  # once printed as 10²⁴
        (100, None, "100", "100"),
        (101, "d", "101", "101"),
        (10.5, ".1f", "10.5", "10.5"),
        (-0.5, ".2f", "−0.50", "-0.50"),
        (1.5e-12, ".1e", "1.5 × 10⁻¹²", "1.5 \\times 10^{-12}"),
        (-3e5, ".1e", "−3.0 × 10⁵", "-3.0 \\times 10^{5}"),
        (1e-7, ".0e", "10⁻⁷", "10^{-7}"),
        (0.0, ".1e", "0", "0"),
    ],
)
def test_numbers_that_look_like_powers_of_ten_print_as_themselves(value, spec, prose, tex):
    assert (format_value(value, spec), format_math(value, spec)) == (prose, tex)


def shown(text: str, spec: str | None) -> Shown:
    return Shown("page.html", 1, "topic.name", spec, linear_prose(text), "-" in text)


@PROPERTY
@given(values_and_specs)
def test_the_round_trip_accepts_every_formatted_value(value_and_spec):
    value, spec = value_and_spec
    effective = spec if spec is not None else ("d" if isinstance(value, int) else ".4g")
    assert problem(shown(format_value(value, spec), effective), value) is None


def one_unit_away(value, spec) -> str:
    """Python's text for the value moved by one unit of its last digit, away from the
    value, as prose: at least half a unit from the value, so the round trip must refuse it."""
    text = python_text(value, spec)
    decimals, power = re.fullmatch(r"-?\d+(?:\.(\d*))?(?:e([+-]\d+))?", text).groups()
    decimals, exponent = decimals or "", int(power or 0)
    with localcontext(prec=2000):  # exact: a huge value's text has many digits
        shown_number = Decimal(text)
        away = 1 if shown_number >= Decimal(value) else -1
        wrong = shown_number + away * Decimal(1).scaleb(exponent - len(decimals))
        mantissa = f"{abs(wrong.scaleb(-exponent)):.{len(decimals)}f}"
    power_text = f" × 10{str(exponent).translate(str.maketrans('0123456789-', '⁰¹²³⁴⁵⁶⁷⁸⁹⁻'))}"
    return (MINUS if wrong < 0 else "") + mantissa + (power_text if power else "")


@PROPERTY
@given(values_and_specs)
def test_the_round_trip_refuses_a_last_digit_one_unit_off(value_and_spec):
    value, spec = value_and_spec
    if spec == "" and isinstance(value, float):
        return  # str() of a float: exact, checked by the acceptance test
    effective = spec if spec is not None else ("d" if isinstance(value, int) else ".4g")
    wrong = one_unit_away(value, spec)
    assert problem(shown(wrong, effective), value) is not None, (value, spec, wrong)


def test_tolerance_is_half_a_unit_in_the_last_place_the_spec_keeps():
    assert tolerance(3.14159, ".2f") == Decimal("0.005")
    assert tolerance(0.5, ".1%") == Decimal("0.0005")
    assert tolerance(1234.5, ".1e") == Decimal("50")  # 1.2 × 10³: half of 0.1 × 10³
    assert tolerance(0.012345, ".2g") == Decimal("0.0005")  # 0.012
    assert tolerance(1024, "d") == 0


def test_superscripts_are_read_as_powers():
    assert read_number(linear_prose("10²⁴")) == Decimal("1e24")
    assert read_number(linear_prose("1024")) == 1024
    assert read_number(linear_prose("−1.5 × 10⁻¹²")) == Decimal("-1.5e-12")


def test_a_hyphen_is_not_a_minus_sign():
    assert "hyphen" in problem(shown("-0.50", ".2f"), -0.5)
    assert problem(shown("−0.50", ".2f"), -0.5) is None


def test_a_list_of_ints_and_floats_prints_each_by_its_type_and_reads_back():
    value = [0, 0.25, -3]
    spec = effective_spec(value, None)
    assert spec is None and format_value(value, spec) == "0, 0.25, −3"
    assert problem(shown(format_value(value, spec), spec), value) is None
    assert problem(shown("0, 0.35, −3", spec), value) is not None


def test_a_text_value_may_hold_a_hyphen():
    assert problem(shown("Runge-Kutta", None), "Runge-Kutta") is None
