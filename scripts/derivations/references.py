"""Replace `[[topic.name]]` references in a page's Markdown by checked values."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from .claims import (
    MATH_UNSAFE,
    REFERENCE,
    claim_anchor,
    effective_spec,
    format_math,
    format_value,
    math_marker,
    value_marker,
)
from .errors import Problem
from .markdown_scan import substitute
from .snippets import Declaration

VERIFIED, UNVERIFIED, FAILED = "verified", "unverified", "failed"


@dataclass
class ReferenceContext:
    declarations: dict[str, Declaration]
    values: dict[str, object]  # ids whose snippet ran; others are missing
    status: Callable[[str], str]  # claim id → VERIFIED, UNVERIFIED or FAILED
    claims_page_url: str  # relative URL from the page to the claims page


def render(markdown: str, path: str, first_line: int, context: ReferenceContext):
    """Return the Markdown with references replaced, the ids used, and problems."""
    used: list[str] = []
    problems: list[Problem] = []

    def replace(match: re.Match, kind: str, line: int) -> str:
        declaration = context.declarations.get(match["id"])
        if declaration is None:
            problems.append(Problem(path, line, unknown_message(match["id"], context.declarations)))
            return match.group()
        used.append(match["id"])
        spec = match["spec"] or declaration.format
        if kind == "math" and spec and MATH_UNSAFE & set(spec):
            problems.append(Problem(path, line, unsafe_in_math_message(match.group())))
            return match.group()
        return _rendered(declaration, match["spec"], kind == "math", context, match.group())

    rendered = substitute(markdown, REFERENCE, {"prose", "math"}, replace, first_line)
    return rendered, used, problems


def unsafe_in_math_message(reference: str) -> str:
    return (
        f"'{reference}' inside math: a format with ',', '=' or '%' cannot be marked there "
        "for the round-trip check; move the reference out of the math"
    )


def unknown_message(claim_id: str, declarations: dict[str, Declaration]) -> str:
    topic = claim_id.split(".", 1)[0]
    known = [d for d in declarations.values() if d.topic == topic]
    if not known:
        return f"unknown claim '{claim_id}': there is no snippet folder snippets/{topic}/"
    files = sorted({d.snippet for d in known})
    names = ", ".join(sorted(d.id for d in known))
    return f"unknown claim '{claim_id}' (known in {', '.join(files)}: {names})"


def _rendered(declaration, spec, in_math, context, original) -> str:
    spec = spec or declaration.format
    if declaration.id not in context.values:
        return (
            original
            if in_math
            else (
                f'<span class="claim claim--error" title="its snippet failed">{html.escape(original)}</span>'
            )
        )
    value = context.values[declaration.id]
    spec = effective_spec(value, spec)
    if in_math:
        return f"\\htmlData{{{math_marker(declaration.id, spec)}}}{{{format_math(value, spec)}}}"
    shown = html.escape(format_value(value, spec))
    unit = f" {declaration.unit}" if declaration.unit else ""
    marker = value_marker(declaration.id, spec)
    if declaration.kind == "parameter":
        title = html.escape(f"Parameter: {declaration.statement}", quote=True)
        return f'<span class="parameter" title="{title}" {marker}>{shown}</span>'
    status = context.status(declaration.id)
    mark = {VERIFIED: "✓", UNVERIFIED: "?", FAILED: "✗"}[status]
    title = html.escape(
        f"{status.capitalize()} claim: {declaration.statement}{unit and ' (' + unit.strip() + ')'}",
        quote=True,
    )
    href = f"{context.claims_page_url}#{claim_anchor(declaration.id)}"
    return (
        f'<a class="claim claim--{status}" href="{href}" title="{title}" {marker}>{shown}'
        f'<span class="claim-mark" aria-label="{status}">{mark}</span></a>'
    )
