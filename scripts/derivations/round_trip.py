"""Every number a built page shows, read back as a reader sees it and compared
with the value that was tested (`claims.json`) or set (`parameters.json`).

    python -m scripts.derivations.round_trip SITE_DIR

A value is marked where it is rendered (`data-value-of` and `data-format`,
through KaTeX's `\\htmlData` inside math). The text is read from the rendered
HTML, superscripts included (KaTeX draws `10^{24}` as "10" with a raised "24",
whose text alone reads "1024"), parsed into a number, and must lie within half
a unit of the last place its format spec keeps: exactly for integers. The
tolerance comes from what the spec means in Python's format language, not from
the formatter, so a formatter that prints the wrong number is caught.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from pathlib import Path

from bs4 import BeautifulSoup, SoupStrainer

MARKED = SoupStrainer(attrs={"data-value-of": True})
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
SUPERSCRIPT_RUN = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+")
# A number in one line, powers written "^": "-1.5×10^-12", "10^24", "12.5%", "1,024".
LINEAR = re.compile(
    r"(?P<sign>-?)(?:(?P<mantissa>\d[\d,]*(?:\.\d*)?)(?:×10\^(?P<power>-?\d+))?"
    r"|10\^(?P<bare_power>-?\d+))(?P<percent>%?)"
)
# Enough digits for any float's exact value (a subnormal has about 750) to be
# subtracted from a text of a huge number without rounding.
EXACT = Context(prec=2000)
SPEC = re.compile(r"[,_]?(?:\.(?P<precision>\d+))?(?P<type>[dneEfFgG%]?)")


@dataclass
class Shown:
    page: str  # the built file, relative to the site
    line: int
    value_id: str
    spec: str | None
    text: str  # in one line, powers written "^"
    hyphen: bool = False  # prose with "-", which is not a minus sign


def read_number(text: str) -> Decimal | None:
    """The number a one-line text shows, exactly, or None if it is not one."""
    match = LINEAR.fullmatch(text)
    if not match:
        return None
    with localcontext(EXACT):  # scaleb rounds to the context's precision
        if match["bare_power"] is not None:
            number = Decimal(1).scaleb(int(match["bare_power"]))
        else:
            number = Decimal(match["mantissa"].replace(",", "")).scaleb(int(match["power"] or 0))
        if match["percent"]:
            number = number.scaleb(-2)
        return -number if match["sign"] else number


def linear_prose(text: str) -> str:
    """Prose as one line: "−1.5 × 10⁻¹²" → "-1.5×10^-12"."""
    text = SUPERSCRIPT_RUN.sub(lambda run: "^" + run.group().translate(SUPERSCRIPTS), text)
    return text.replace("\u2212", "-").replace(" ", "")


def linear_math(element) -> str:
    """KaTeX's HTML as one line, each superscript as "^" and its text."""
    parts = []
    for node in element.descendants:
        if isinstance(node, str) and not any(
            "msupsub" in (parent.get("class") or []) for parent in node.parents
        ):
            parts.append(str(node))
        elif getattr(node, "get", None) and "msupsub" in (node.get("class") or []):
            parts.append("^" + node.get_text())
    text = "".join(parts).replace("\u200b", "")
    return text.replace("\u2212", "-").replace(" ", "")


def shown_values(page: Path, relative: str) -> list[Shown]:
    """Every marked value on one built page."""
    html = page.read_text(encoding="utf-8")
    if "data-value-of" not in html:
        return []
    shown = []
    for element in BeautifulSoup(html, "html.parser", parse_only=MARKED).find_all(
        attrs={"data-value-of": True}
    ):
        if element.find_parent(attrs={"data-value-of": True}):
            continue
        for mark in element.select(".claim-mark"):
            mark.extract()
        in_math = "enclosing" in (element.get("class") or [])
        raw = element.get_text()
        text = linear_math(element) if in_math else linear_prose(raw)
        where = (relative, element.sourceline or 0, element["data-value-of"])
        shown.append(Shown(*where, element.get("data-format"), text, not in_math and "-" in raw))
    return shown


def tolerance(value: int | float, spec: str | None) -> Decimal | None:
    """Half a unit in the last place `spec` keeps of `value`, exactly; None for a
    spec not understood. Python rounds the exact binary value correctly, so the
    text shown lies within this of it."""
    match = SPEC.fullmatch(spec or "")
    if not match:
        return None
    kind, precision = match["type"], match["precision"]
    if kind in {"d", "n"} or (kind == "" and precision is None):
        return Decimal(0)
    digits = 6 if precision is None else int(precision)
    half = Decimal(5)
    if kind in {"f", "F"}:
        return half.scaleb(-digits - 1)
    if kind == "%":
        return half.scaleb(-digits - 3)
    if value == 0:
        return Decimal(0)
    magnitude = Decimal(value).copy_abs().adjusted()  # the power of ten of the first digit
    if kind in {"e", "E"}:
        return half.scaleb(magnitude - digits - 1)
    return half.scaleb(magnitude - max(digits, 1))  # g, G, or a bare precision


def problem(shown: Shown, value) -> str | None:
    """Why the text shown is not the value, or None if it is."""
    where = f"{shown.page}:{shown.line}: {shown.value_id} is shown as {shown.text!r}"
    values = value if isinstance(value, list) else [value]
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if shown.hyphen and any(math.isfinite(v) for v in numbers):
        return f"{where}, with a hyphen where a minus sign (U+2212) belongs"
    texts = shown.text.split(",") if isinstance(value, list) else [shown.text]
    if len(values) != len(texts):
        return f"{where}, but its value is {value!r}"
    for item, text in zip(values, texts, strict=True):
        if not isinstance(item, int | float) or isinstance(item, bool) or not math.isfinite(item):
            if text != str(item).replace(" ", ""):
                return f"{where}, but its value is {value!r}"
            continue
        number = read_number(text)
        if number is None:
            return f"{where}, which does not read as a number (its value is {value!r})"
        if isinstance(item, float) and shown.spec == "":
            if float(number) != item:  # str(): the shortest text that reads back as the float
                return f"{where}, which reads {number}, but its value is {item!r}"
            continue
        # A mixed list carries no spec: each item took its default by type.
        allowed = tolerance(item, shown.spec or ("d" if isinstance(item, int) else ".4g"))
        if allowed is None:
            return f"{where}: format {shown.spec!r} is not one the round trip understands"
        with localcontext(EXACT):
            wrong = abs(number - Decimal(item)) > allowed
        if wrong:
            return (
                f"{where}, which reads {number}, but its value is {item!r} "
                f"(format {shown.spec!r} keeps it within {allowed})"
            )
    return None


def published_values(site: Path) -> dict[str, object]:
    values = {}
    for name in ("claims.json", "parameters.json"):
        for entry in json.loads((site / name).read_text(encoding="utf-8")):
            values[entry["id"]] = entry["value"]
    return values


def check_site(site: Path) -> tuple[int, list[str]]:
    """How many values the site shows, and a line for each that is not its value."""
    values = published_values(site)
    count, problems = 0, []
    for page in sorted(site.rglob("*.html")):
        for shown in shown_values(page, page.relative_to(site).as_posix()):
            count += 1
            if shown.value_id not in values:
                problems.append(
                    f"{shown.page}:{shown.line}: {shown.value_id} is not in claims.json or parameters.json"
                )
            elif (message := problem(shown, values[shown.value_id])) is not None:
                problems.append(message)
    return count, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="a built site (the folder with claims.json)")
    args = parser.parse_args()
    count, problems = check_site(args.site)
    for line in problems:
        print(line, file=sys.stderr)
    print(f"round trip: {count} numbers shown, {len(problems)} not their value", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
