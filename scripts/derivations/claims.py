"""Claim and parameter values as the prose shows them."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .snippets import Declaration

REFERENCE = re.compile(r"\[\[(?P<id>[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)(?::(?P<spec>[^\]\s]+))?\]\]")
DEFAULT_FLOAT_FORMAT = ".4g"


MINUS = "\u2212"  # the minus sign; "-" is a hyphen
SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
# What format() gives for a finite number: sign, digits, exponent, percent sign.
FORMATTED = re.compile(
    r"(?P<sign>-?)(?P<digits>\d[\d,_]*(?:\.\d*)?)(?:[eE](?P<exponent>[+-]\d+))?(?P<percent>%?)"
)


@dataclass(frozen=True)
class Number:
    """A formatted number in parts, so that prose and TeX are written from the
    same pieces and nothing is re-parsed from text."""

    negative: bool
    digits: str  # the mantissa as format() wrote it ("1.5", "1024")
    exponent: int | None  # the power of ten, when the spec asked for one
    percent: bool

    def prose(self) -> str:
        text = self.digits + ("%" if self.percent else "")
        if self.exponent is not None:
            power = "10" + str(self.exponent).translate(SUPERSCRIPT)
            text = power if self.digits == "1" else f"{self.digits} × {power}"
        return (MINUS if self.negative else "") + text

    def tex(self) -> str:
        text = self.digits.replace(",", "{,}") + ("\\%" if self.percent else "")
        if self.exponent is not None:
            power = f"10^{{{self.exponent}}}"
            text = power if self.digits == "1" else f"{self.digits} \\times {power}"
        return ("-" if self.negative else "") + text


def effective_spec(value, spec: str | None) -> str | None:
    """The spec a number is shown with: the one given, else by type (a list: its items'
    when they agree; None for a mixed list, whose items each take their own)."""
    if isinstance(value, list):  # one spec for all, if the items agree on one
        specs = {effective_spec(item, spec) for item in value}
        return specs.pop() if len(specs) == 1 else None
    if spec is not None or isinstance(value, bool) or not isinstance(value, int | float):
        return spec
    return "d" if isinstance(value, int) else DEFAULT_FLOAT_FORMAT


def format_number(value: int | float, spec: str | None) -> Number | str:
    """The value formatted with a Python format spec, in parts; text if not finite."""
    spec = effective_spec(value, spec)
    if spec.endswith("d") and isinstance(value, float) and value.is_integer():
        value = int(value)
    if value == 0 and spec.endswith(("e", "E")):
        return Number(False, "0", None, False)  # not "0.0 × 10⁰"
    text = format(value, spec)
    match = FORMATTED.fullmatch(text)
    if not match:
        return text  # nan, inf
    exponent = match["exponent"]
    return Number(
        negative=bool(match["sign"]),
        digits=match["digits"],
        exponent=None if exponent is None else int(exponent),
        percent=bool(match["percent"]),
    )


def format_value(value, spec: str | None) -> str:
    """The value as prose shows it, with the reference's format spec, else the declaration's.

    1.2e-07 with ".1e" reads "1.2 × 10⁻⁷", -0.5 reads "−0.5" with a true minus sign.
    """
    if isinstance(value, list):
        return ", ".join(format_value(item, spec) for item in value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return str(value)
    number = format_number(value, spec)
    return number if isinstance(number, str) else number.prose()


def format_math(value, spec: str | None) -> str:
    """The same value as TeX, for a reference inside math."""
    if isinstance(value, list):
        return ", ".join(format_math(item, spec) for item in value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return f"\\text{{{value}}}"
    number = format_number(value, spec)
    return f"\\text{{{number}}}" if isinstance(number, str) else number.tex()


# The round-trip check (round_trip.py) finds every value a page shows by these
# attributes and reads the number back from what the reader sees.
def value_marker(claim_id: str, spec: str | None) -> str:
    """HTML attributes naming the value an element shows and the format it was shown with."""
    marker = f'data-value-of="{html.escape(claim_id)}"'
    return marker if spec is None else f'{marker} data-format="{html.escape(spec)}"'


def math_marker(claim_id: str, spec: str | None) -> str:
    """The same pairs for KaTeX's \\htmlData (see MATH_UNSAFE)."""
    return f"value-of={claim_id}" if spec is None else f"value-of={claim_id},format={spec}"


# \htmlData separates its pairs with "," and "=", and TeX reads "%" as a comment.
MATH_UNSAFE = frozenset(",=%")


def claim_anchor(claim_id: str) -> str:
    """The id of a claim's row on the claims page (no dots: they read as CSS classes)."""
    return "claim-" + claim_id.replace(".", "-")


def page_url(declaration: Declaration) -> str:
    """The article a topic's claims belong to: /<slug>/ (DESIGN.md)."""
    return declaration.topic.replace("_", "-") + "/"
