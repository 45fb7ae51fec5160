"""Bad input fails the build with a message naming the file and the line (DESIGN.md,
"Failure behaviour"). One row per kind of mistake, each on a scratch project."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = "docs/posts/tiny.md"
SNIPPET = "snippets/tiny/demo.py"
PAGE_LINES = 14  # the tiny page's length; text appended after a blank line starts at PAGE_LINES + 2


def append(relative: str, text: str) -> Callable:
    def mutate(scratch):
        scratch.write(relative, (scratch.root / relative).read_text() + text)

    return mutate


def replace(relative: str, old: str, new: str) -> Callable:
    def mutate(scratch):
        source = (scratch.root / relative).read_text()
        assert old in source, f"{old!r} not in {relative}"
        scratch.write(relative, source.replace(old, new))

    return mutate


def both(*mutations: Callable) -> Callable:
    def mutate(scratch):
        for mutation in mutations:
            mutation(scratch)

    return mutate


def with_bibliography(scratch):
    shutil.copy(ROOT / "docs" / "references.bib", scratch.root / "docs" / "references.bib")


def claim_tests_then_build(scratch):
    scratch.claim_tests()
    return scratch.build()


@dataclass
class Row:
    id: str
    mutate: Callable
    expected: str  # the error message, from the file:line on
    run: Callable = lambda scratch: scratch.build()


ROWS = [
    Row(
        "missing snippet file",
        append(PAGE, '\n```python\n--8<-- "snippets/tiny/nope.py:run"\n```\n'),
        f"{PAGE}:{PAGE_LINES + 3}: embedded file 'snippets/tiny/nope.py' does not exist",
    ),
    Row(
        "missing named section",
        append(PAGE, '\n```python\n--8<-- "snippets/tiny/demo.py:nope"\n```\n'),
        f"{PAGE}:{PAGE_LINES + 3}: 'snippets/tiny/demo.py' has no section 'nope'",
    ),
    Row(
        "snippet that raises",
        replace(SNIPPET, '    return {"factor"', '    factor = factor / 0\n    return {"factor"'),
        f"{SNIPPET}:10: ZeroDivisionError: division by zero",
    ),
    Row(
        "snippet past its time limit",
        both(
            replace(SNIPPET, "# %%\nCLAIMS", "# %%\nTIME_LIMIT_SECONDS = 2\nCLAIMS"),
            replace(
                SNIPPET,
                "def run(factor=6):",
                "def run(factor=6):\n    import time\n\n    time.sleep(60)",
            ),
        ),
        f"{SNIPPET}: took longer than 2 s and was stopped",
    ),
    Row(
        "result that is not JSON",
        replace(SNIPPET, "factor * 7", "object()"),
        f"{SNIPPET}:17: result 'answer' is a object; use numbers, strings, booleans or lists",
    ),
    Row(
        "result that is NaN",
        replace(SNIPPET, "factor * 7", "float('nan')"),
        f"{SNIPPET}:17: result 'answer' is nan; results must be finite",
    ),
    Row(
        "unknown claim id",
        append(PAGE, "\nSee [[tiny.answr]].\n"),
        f"{PAGE}:{PAGE_LINES + 2}: unknown claim 'tiny.answr' (known in {SNIPPET}: tiny.answer, tiny.factor)",
    ),
    Row(
        "claim whose test fails",
        replace(SNIPPET, "factor * 7", "factor * 8"),
        f"{SNIPPET}:3: claim 'tiny.answer' failed its test for this run",
        run=claim_tests_then_build,
    ),
    Row(
        "claim with no test",
        replace("tests/snippets/test_tiny.py", '"tiny.answer"', '"tiny.answr"'),
        f"{SNIPPET}:3: claim 'tiny.answer' has no test",
    ),
    Row(
        "malformed front matter",
        replace(PAGE, "title: Tiny\n", "title: [Tiny\n"),
        f"{PAGE}:3: front matter is not valid YAML: expected ',' or ']', but got ':'",
    ),
    Row(
        "LaTeX that KaTeX cannot parse",
        append(PAGE, "\n$$\n\\frac{a}{b\n$$\n"),
        f"{PAGE}:{PAGE_LINES + 3}: KaTeX cannot parse this formula: KaTeX parse error",
    ),
    Row(
        "unknown equation label",
        append(PAGE, "\nAs \\eqref{eq:missing} shows.\n"),
        f"{PAGE}:{PAGE_LINES + 2}: unknown equation label 'eq:missing' in \\eqref",
    ),
    Row(
        "duplicate equation label",
        both(
            append(PAGE, "\n$$\na = b \\label{eq:same}\n$$\n"),
            lambda scratch: scratch.write(
                "docs/notes.md", "# Notes\n\n$$\nc = d \\label{eq:same}\n$$\n"
            ),
        ),
        f"{PAGE}:{PAGE_LINES + 3}: duplicate equation label 'eq:same' (first at docs/notes.md:4)",
    ),
    Row(
        "unknown citation key",
        both(with_bibliography, append(PAGE, "\nAs shown [@dempster1977; @nobody2020].\n")),
        f"{PAGE}:{PAGE_LINES + 2}: unknown citation key(s) nobody2020",
    ),
    Row(
        "broken internal link",
        append(PAGE, "\nSee [the notes](notes.md).\n"),
        "Doc file 'posts/tiny.md' contains a link 'notes.md', but the target 'posts/notes.md' is not found",
    ),
    Row(
        "broken anchor",
        append(PAGE, "\nSee [above](#nowhere).\n"),
        "Doc file 'posts/tiny.md' contains a link '#nowhere', but there is no such anchor on this page",
    ),
    Row(
        "figure the snippet did not write",
        append(PAGE, "\n![A plot](../figures/tiny/plot.svg)\n"),
        f"{PAGE}:{PAGE_LINES + 2}: figure 'plot' was not written by snippets/tiny/ (written: none)",
    ),
    Row(
        "hand-typed number in prose",
        append(PAGE, "\nIn 1998 the fit took 37 iterations (see equation 4, $x^2$, `k = 3`).\n"),
        f"{PAGE}:{PAGE_LINES + 2}: hand-typed number '37' in prose",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_bad_input_fails_the_build_naming_file_and_line(scratch, row):
    entries = scratch.root / ".cache" / "runs"
    before = {path.name for path in entries.iterdir()}
    row.mutate(scratch)
    build = row.run(scratch)
    assert build.returncode != 0, f"the build passed with: {row.id}"
    assert row.expected in build.stderr, build.stderr[-3000:]
    if row.id.startswith("snippet"):
        assert {path.name for path in entries.iterdir()} == before, (
            "a failed run left a cache entry"
        )


def test_tiny_page_is_as_long_as_the_table_assumes(scratch):
    assert len((scratch.root / PAGE).read_text().splitlines()) == PAGE_LINES


def test_scratch_project_builds_and_verifies(scratch):
    tests = scratch.claim_tests()
    assert tests.returncode == 0, tests.stdout + tests.stderr
    build = scratch.build(env={"DERIVATIONS_REQUIRE_VERIFIED": "1"})
    assert build.returncode == 0, build.stderr
    page = (scratch.root / "site" / "tiny" / "index.html").read_text()
    assert "claim--verified" in page and ">42<" in page


def test_snippet_failure_names_pages_and_unresolved_claims(scratch):
    replace(SNIPPET, '    return {"factor"', '    factor = factor / 0\n    return {"factor"')(
        scratch
    )
    build = scratch.build()
    assert f"used by: {PAGE}" in build.stderr
    assert "claims left unresolved: tiny.answer, tiny.factor" in build.stderr


def test_unverified_claim_is_refused_when_verification_is_required(scratch):
    build = scratch.build(env={"DERIVATIONS_REQUIRE_VERIFIED": "1"})
    assert build.returncode != 0
    assert "claim 'tiny.answer' has no passing test verdict for this run" in build.stderr


def test_allow_numbers_front_matter_permits_a_phrase(scratch):
    replace(PAGE, "authors: [rd]\n", 'authors: [rd]\nallow_numbers: ["2-D"]\n')(scratch)
    append(PAGE, "\nA 2-D example.\n")(scratch)
    build = scratch.build()
    assert build.returncode == 0, build.stderr


def test_build_reports_claims_that_changed_value(scratch):
    assert scratch.build().returncode == 0
    replace(SNIPPET, "def run(factor=6)", "def run(factor=7)")(scratch)
    build = scratch.build()
    # The test of tiny.answer would now fail, but without its verdict the build still renders.
    assert "claim changed: tiny.answer: 42 → 49" in build.stderr
    again = scratch.build()
    assert "claim changed" not in again.stderr


def last_good_site(scratch) -> Path:
    site = scratch.root / "site"
    site.mkdir()
    (site / "previous.txt").write_text("the last good site")
    return site


def assert_last_good_site_kept(scratch, site: Path) -> None:
    assert (site / "previous.txt").read_text() == "the last good site"
    assert not list(scratch.root.glob(".site-*")), "a temporary build folder was left behind"


def test_make_build_replaces_site_only_when_everything_passed(scratch):
    site = last_good_site(scratch)
    append(PAGE, "\nSee [[tiny.answr]].\n")(scratch)
    failed = scratch.run("scripts.derivations.build")
    assert failed.returncode != 0
    assert_last_good_site_kept(scratch, site)
    replace(PAGE, "\nSee [[tiny.answr]].\n", "")(scratch)
    passed = scratch.run("scripts.derivations.build")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert not (site / "previous.txt").exists() and (site / "tiny" / "index.html").is_file()


def test_make_build_refuses_a_page_whose_number_is_not_its_value(scratch):
    """The round trip reads what the page shows: a value marked as tiny.answer (42)
    that reads 41 keeps the last good site in place and names page and line."""
    site = last_good_site(scratch)
    append(PAGE, "\nIt is not $\\htmlData{value-of=tiny.answer,format=d}{41}$.\n")(scratch)
    failed = scratch.run("scripts.derivations.build")
    assert failed.returncode != 0
    assert "tiny/index.html:" in failed.stderr
    assert "tiny.answer is shown as '41', which reads 41, but its value is 42" in failed.stderr
    assert_last_good_site_kept(scratch, site)
