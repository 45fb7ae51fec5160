"""The claims index: `claims.json` for machines, the `claims/` page for readers,
and the list of claims whose value changed since the last build."""

from __future__ import annotations

import html
import json

from .claims import claim_anchor, effective_spec, format_value, page_url, value_marker
from .repository import Repository
from .snippets import Declaration

CLAIMS_PAGE = "claims.md"
CLAIMS_JSON = "claims.json"
# The experiment settings the prose quotes (sample sizes, seeds, K): not claims,
# but published beside them so that every number a page shows has its value.
PARAMETERS_JSON = "parameters.json"


def _entry(d: Declaration, values: dict[str, object]) -> dict:
    """What claims and parameters both publish."""
    return {
        "id": d.id,
        "value": values.get(d.id),
        "unit": d.unit,
        "statement": d.statement,
        "page": "/" + page_url(d),
        "snippet": d.snippet,
        "line": d.line,
    }


def _of_kind(declarations: dict[str, Declaration], kind: str) -> list[Declaration]:
    return [d for d in sorted(declarations.values(), key=lambda d: d.id) if d.kind == kind]


def entries(
    declarations: dict[str, Declaration],
    values: dict[str, object],
    statuses: dict[str, str],
    tests: dict[str, list[str]],
) -> list[dict]:
    """One object per claim, in the schema DESIGN.md fixes."""
    return [
        {
            **_entry(d, values),
            "status": statuses[d.id],
            "test": sorted(tests.get(d.id, [])),
            "reference": d.reference,
        }
        for d in _of_kind(declarations, "claim")
    ]


def parameter_entries(
    declarations: dict[str, Declaration], values: dict[str, object]
) -> list[dict]:
    """One object per parameter: the claim schema without status, tests and reference."""
    return [_entry(d, values) for d in _of_kind(declarations, "parameter")]


def to_json(index: list[dict]) -> str:
    return json.dumps(index, indent=1, ensure_ascii=False) + "\n"


def page_markdown(
    index: list[dict],
    declarations: dict[str, Declaration],
    article_sources: dict[str, str],
    repository: Repository | None = None,
    test_lines: dict[str, int] | None = None,
) -> str:
    """`test_lines`: pytest node id → the line of its claim marker, for links."""
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
        "that same run. The same list is published for machines as [`claims.json`](claims.json), "
        "and the experiment settings the articles quote as [`parameters.json`](parameters.json).",
        "",
        "**What ✓ means.** The claim's tests passed for exactly the run whose numbers the page "
        "shows, and the number printed is the number tested: before a build is published, every "
        "number on every page is read back from the page as a reader sees it, in prose and in "
        "equations, and compared with the tested value to the precision its format shows; a page "
        "where they differ is not published. A ✓ does not say how strong the test is: each test "
        "states its tolerance and what it compares with beside its assertion, in the test file "
        "named in the claim's row, and the [reproducibility page](reproducibility.md#how-strong-the-tests-are) "
        "gives, for each article, the share of deliberate errors in its code that its tests catch.",
        "",
        *([repository.provenance(), ""] if repository else []),
        f"Verified: {counts['verified']} · not verified: {counts['unverified']} · failed: {counts['failed']}"
        if index
        else "No claims yet.",
        "",
    ]
    for topic in sorted({e["id"].split(".")[0] for e in index}):
        title, source = article_sources.get(topic, (topic.replace("_", "-"), None))
        lines += [f"## [{title}]({source})" if source else f"## {title}", ""]
        rows = [
            _row(e, declarations[e["id"]], repository, test_lines or {})
            for e in index
            if e["id"].startswith(topic + ".")
        ]
        lines += [TABLE_HEAD, *rows, "</tbody>\n</table>", ""]
    return "\n".join(lines)


# The tables are HTML, not Markdown: a statement is plain text (an asterisk in "T*"
# is not emphasis), and Markdown's inline pass over a hundred rows was most of the
# page's cost in a cached build (0.06 of its 0.08 s).
TABLE_HEAD = (
    "<table>\n<thead>\n<tr><th>Claim</th><th>Value</th><th>Status</th></tr>\n</thead>\n<tbody>"
)
STATUS_TEXT = {"verified": "✓ verified", "unverified": "? not verified", "failed": "✗ failed"}


def _row(
    entry: dict, declaration: Declaration, repository: Repository | None, test_lines: dict[str, int]
) -> str:
    """One claim: id and statement, then what it is compared with and where it is computed and tested."""
    unit = f" {declaration.unit}" if declaration.unit else ""
    if entry["value"] is None:
        value = "—" + unit
    else:
        spec = effective_spec(entry["value"], declaration.format)
        shown = html.escape(format_value(entry["value"], spec), quote=False)
        value = f"<span {value_marker(entry['id'], spec)}>{shown}</span>{html.escape(unit, quote=False)}"
    location = _code_link(
        f"{entry['snippet']}:{entry['line']}", repository, entry["snippet"], entry["line"]
    )
    details = [f"computed in {location}"]
    for node in entry["test"]:
        path, test = node.split("::")
        link = _code_link(test, repository, path, test_lines.get(node))
        details.append(f"tested by {link} in {_code(path)}")
    if entry["reference"]:
        details.insert(0, f"compared with {html.escape(entry['reference'], quote=False)}")
    claim = (
        f'<span id="{claim_anchor(entry["id"])}"></span><strong>{_code(entry["id"])}</strong><br>'
        f"{html.escape(entry['statement'], quote=False)}<br><small>{_sentence('; '.join(details))}</small>"
    )
    cells = (claim, value, STATUS_TEXT[entry["status"]])
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def _code_link(text: str, repository: Repository | None, path: str, line: int | None) -> str:
    """`text` as code, linked to that line of the repository when there is one."""
    if repository is None:
        return _code(text)
    return f'<a href="{html.escape(repository.blob(path, line))}">{_code(text)}</a>'


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _code(text: str) -> str:
    return f"<code>{html.escape(text, quote=False)}</code>"


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
