"""The claims index: `claims.json` for machines, the `claims/` page for readers,
and the list of claims whose value changed since the last build."""

from __future__ import annotations

import html
import json

from .claims import claim_anchor, format_value, page_url
from .snippets import Declaration

CLAIMS_PAGE = "claims.md"
CLAIMS_JSON = "claims.json"


def entries(
    declarations: dict[str, Declaration],
    values: dict[str, object],
    statuses: dict[str, str],
    tests: dict[str, list[str]],
) -> list[dict]:
    """One object per claim, in the schema DESIGN.md fixes."""
    return [
        {
            "id": d.id,
            "value": values.get(d.id),
            "unit": d.unit,
            "statement": d.statement,
            "status": statuses[d.id],
            "page": "/" + page_url(d),
            "snippet": d.snippet,
            "line": d.line,
            "test": sorted(tests.get(d.id, [])),
            "reference": d.reference,
        }
        for d in sorted(declarations.values(), key=lambda d: d.id)
        if d.kind == "claim"
    ]


def to_json(index: list[dict]) -> str:
    return json.dumps(index, indent=1, ensure_ascii=False) + "\n"


def page_markdown(
    index: list[dict], declarations: dict[str, Declaration], article_sources: dict[str, str]
) -> str:
    """The human page: every claim with its value, status, and where it comes from."""
    counts = {
        status: sum(e["status"] == status for e in index)
        for status in ("verified", "unverified", "failed")
    }
    lines = [
        "---",
        "title: Claims",
        "description: Every number the articles state, with the code that computes it and the test that checks it.",
        "---",
        "",
        "# Claims",
        "",
        "Every computed number in an article is a *claim*: the build runs the article's code, a "
        "test asserts the claim with a stated tolerance, and the page shows the value only from "
        "that same run. A ✓ means the claim's tests passed for exactly the run shown. The same "
        "list is published for machines as [`claims.json`](claims.json).",
        "",
        f"Verified: {counts['verified']} · not verified: {counts['unverified']} · failed: {counts['failed']}"
        if index
        else "No claims yet.",
        "",
    ]
    for topic in sorted({e["id"].split(".")[0] for e in index}):
        source = article_sources.get(topic)
        heading = f"[{topic.replace('_', '-')}]({source})" if source else topic.replace("_", "-")
        lines += [
            f"## {heading}",
            "",
            "| Claim | Value | Status | Statement | Compared with | Code and tests |",
            "|---|---|---|---|---|---|",
        ]
        for e in (e for e in index if e["id"].startswith(topic + ".")):
            d = declarations[e["id"]]
            value = "—" if e["value"] is None else format_value(e["value"], d.format)
            unit = f" {d.unit}" if d.unit else ""
            mark = {"verified": "✓ verified", "unverified": "? not verified", "failed": "✗ failed"}[
                e["status"]
            ]
            code = f"`{e['snippet']}:{e['line']}`<br>" + "<br>".join(f"`{t}`" for t in e["test"])
            lines.append(
                f'| <span id="{claim_anchor(e["id"])}"></span>`{e["id"]}` | {html.escape(value)}{html.escape(unit)} '
                f"| {mark} | {_cell(e['statement'])} | {_cell(e['reference'] or '—')} | {code} |"
            )
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return html.escape(text).replace("|", "\\|")


def changed_values(previous: dict[str, object], current: dict[str, object]) -> list[str]:
    """`id: old → new` for every claim whose value differs, was added or removed."""
    changes = []
    for claim_id in sorted(set(previous) | set(current)):
        old, new = previous.get(claim_id, "(none)"), current.get(claim_id, "(none)")
        if old != new:
            changes.append(f"{claim_id}: {_short(old)} → {_short(new)}")
    return changes


def _short(value) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."
