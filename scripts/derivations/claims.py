"""Claim and parameter values as the prose shows them."""

from __future__ import annotations

import re

from .snippets import Declaration

REFERENCE = re.compile(r"\[\[(?P<id>[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)(?::(?P<spec>[^\]\s]+))?\]\]")
DEFAULT_FLOAT_FORMAT = ".4g"


def format_value(value, spec: str | None) -> str:
    """The value with a Python format spec (the reference's, else the declaration's)."""
    if isinstance(value, list):
        return ", ".join(format_value(item, spec) for item in value)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return str(value)
    if spec is None:
        spec = "d" if isinstance(value, int) else DEFAULT_FLOAT_FORMAT
    if spec.endswith("d") and isinstance(value, float) and value.is_integer():
        value = int(value)
    if value == 0 and spec.endswith(("e", "E")):
        return "0"  # not "0.0 × 10⁰"
    text = format(value, spec)
    return _tidy_exponent(text)


def _tidy_exponent(text: str) -> str:
    """1.2e-07 → 1.2 × 10⁻⁷ reads as mathematics, not as code."""
    match = re.fullmatch(r"(-?[\d.]+)e([+-])0*(\d+)", text)
    if not match:
        return text
    mantissa, sign, exponent = match.groups()
    superscript = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
    power = (("-" if sign == "-" else "") + exponent).translate(superscript)
    return f"10{power}" if mantissa in {"1", "1.0"} else f"{mantissa} × 10{power}"


def format_math(value, spec: str | None) -> str:
    """The same value as TeX, for a reference inside math."""
    text = format_value(value, spec)
    match = re.fullmatch(r"(-?[\d.]+) × 10(.+)|10(.+)", text)
    if not match:
        return text
    normal = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
    if match[1]:
        return f"{match[1]} \\times 10^{{{match[2].translate(normal)}}}"
    return f"10^{{{match[3].translate(normal)}}}"


def claim_anchor(claim_id: str) -> str:
    """The id of a claim's row on the claims page (no dots: they read as CSS classes)."""
    return "claim-" + claim_id.replace(".", "-")


def page_url(declaration: Declaration) -> str:
    """The article a topic's claims belong to: /<slug>/ (DESIGN.md)."""
    return declaration.topic.replace("_", "-") + "/"
