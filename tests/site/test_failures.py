"""Bad input fails the build with a message naming the file and the line."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_scratch_project_builds_and_verifies(scratch):
    tests = scratch.claim_tests()
    assert tests.returncode == 0, tests.stdout + tests.stderr
    build = scratch.build(env={"DERIVATIONS_REQUIRE_VERIFIED": "1"})
    assert build.returncode == 0, build.stderr
    page = (scratch.root / "site" / "tiny" / "index.html").read_text()
    assert "claim--verified" in page and ">42<" in page


def test_unknown_claim_id_fails_with_file_and_line(scratch):
    scratch.write("docs/posts/tiny.md", (scratch.root / "docs/posts/tiny.md").read_text() + "\nSee [[tiny.answr]].\n")
    build = scratch.build()
    assert build.returncode != 0
    assert "docs/posts/tiny.md:16: unknown claim 'tiny.answr' (known in snippets/tiny/demo.py: tiny.answer, tiny.factor)" in build.stderr


def test_unknown_topic_is_named(scratch):
    scratch.write("docs/posts/tiny.md", (scratch.root / "docs/posts/tiny.md").read_text() + "\n[[nope.answer]]\n")
    build = scratch.build()
    assert build.returncode != 0
    assert "docs/posts/tiny.md:16: unknown claim 'nope.answer': there is no snippet folder snippets/nope/" in build.stderr


def test_hand_typed_number_fails_with_file_and_line(scratch):
    page = (scratch.root / "docs/posts/tiny.md").read_text()
    scratch.write("docs/posts/tiny.md", page + "\nIn 1998 the fit took 37 iterations (see equation 4, $x^2$, `k = 3`).\n")
    build = scratch.build()
    assert build.returncode != 0
    assert "docs/posts/tiny.md:16: hand-typed number '37' in prose" in build.stderr
    # The year, the equation number, the math and the code are not flagged.
    assert build.stderr.count("hand-typed number") == 1


def test_allow_numbers_front_matter_permits_a_phrase(scratch):
    page = (scratch.root / "docs/posts/tiny.md").read_text()
    page = page.replace("authors: [rd]\n", 'authors: [rd]\nallow_numbers: ["2-D"]\n')
    scratch.write("docs/posts/tiny.md", page + "\nA 2-D example.\n")
    build = scratch.build()
    assert build.returncode == 0, build.stderr


def test_snippet_that_raises_names_line_pages_and_claims(scratch):
    source = (scratch.root / "snippets/tiny/demo.py").read_text()
    broken = source.replace('    return {"factor"', '    factor = factor / 0\n    return {"factor"')
    scratch.write("snippets/tiny/demo.py", broken)
    line = broken.splitlines().index("    factor = factor / 0") + 1
    build = scratch.build()
    assert build.returncode != 0
    assert f"snippets/tiny/demo.py:{line}: ZeroDivisionError: division by zero" in build.stderr
    assert "used by: docs/posts/tiny.md" in build.stderr
    assert "claims left unresolved: tiny.answer, tiny.factor" in build.stderr
    assert not list((scratch.root / ".cache" / "runs").glob("*/meta.json")), "a failed run left a cache entry"


def test_broken_claim_fails_tests_and_build_naming_the_claim(scratch):
    source = (scratch.root / "snippets/tiny/demo.py").read_text()
    scratch.write("snippets/tiny/demo.py", source.replace("factor * 7", "factor * 8"))
    tests = scratch.claim_tests()
    assert tests.returncode != 0
    assert "test_answer_is_forty_two" in tests.stdout
    build = scratch.build()
    assert build.returncode != 0
    assert "claim 'tiny.answer' failed its test" in build.stderr


def test_unverified_claim_is_refused_when_verification_is_required(scratch):
    build = scratch.build(env={"DERIVATIONS_REQUIRE_VERIFIED": "1"})
    assert build.returncode != 0
    assert "claim 'tiny.answer' has no passing test verdict for this run" in build.stderr


def test_claim_without_test_and_marker_without_claim(scratch):
    scratch.write("tests/snippets/test_tiny.py", (scratch.root / "tests/snippets/test_tiny.py").read_text().replace("tiny.answer", "tiny.answr"))
    build = scratch.build()
    assert build.returncode != 0
    assert "tests/snippets/test_tiny.py:4: marker names no claim: 'tiny.answr'" in build.stderr
    assert "claim 'tiny.answer' has no test" in build.stderr


def test_results_with_nan_are_refused(scratch):
    source = (scratch.root / "snippets/tiny/demo.py").read_text()
    scratch.write("snippets/tiny/demo.py", source.replace("factor * 7", "float('nan')"))
    build = scratch.build()
    assert build.returncode != 0
    assert "result 'answer' is nan; results must be finite" in build.stderr


def test_build_reports_claims_that_changed_value(scratch):
    assert scratch.build().returncode == 0
    source = (scratch.root / "snippets/tiny/demo.py").read_text()
    scratch.write("snippets/tiny/demo.py", source.replace("def run(factor=6)", "def run(factor=7)"))
    build = scratch.build()
    # The test of tiny.answer would now fail, but without its verdict the build still renders.
    assert "claim changed: tiny.answer: 42 → 49" in build.stderr
    again = scratch.build()
    assert "claim changed" not in again.stderr


def test_latex_typo_fails_with_file_and_line(scratch):
    page = (scratch.root / "docs/posts/tiny.md").read_text()
    scratch.write("docs/posts/tiny.md", page + "\n$$\n\\frac{a}{b\n$$\n")
    build = scratch.build()
    assert build.returncode != 0
    assert "docs/posts/tiny.md:17: KaTeX cannot parse this formula: KaTeX parse error" in build.stderr


def test_unknown_equation_label_fails_with_file_and_line(scratch):
    page = (scratch.root / "docs/posts/tiny.md").read_text()
    scratch.write("docs/posts/tiny.md", page + "\nAs \\eqref{eq:missing} shows.\n")
    build = scratch.build()
    assert build.returncode != 0
    assert "docs/posts/tiny.md:16: unknown equation label 'eq:missing' in \\eqref" in build.stderr


def test_duplicate_equation_label_across_pages_fails(scratch):
    page = (scratch.root / "docs/posts/tiny.md").read_text()
    scratch.write("docs/posts/tiny.md", page + "\n$$\na = b \\label{eq:same}\n$$\n")
    scratch.write("docs/notes.md", "# Notes\n\n$$\nc = d \\label{eq:same}\n$$\n")
    build = scratch.build()
    assert build.returncode != 0
    assert "docs/posts/tiny.md:17: duplicate equation label 'eq:same' (first at docs/notes.md:4)" in build.stderr


def test_unknown_citation_key_fails_with_file_and_line(scratch):
    shutil.copy(ROOT / "docs" / "references.bib", scratch.root / "docs" / "references.bib")
    page = (scratch.root / "docs/posts/tiny.md").read_text()
    scratch.write("docs/posts/tiny.md", page + "\nAs shown [@dempster1977; @nobody2020].\n")
    build = scratch.build()
    assert build.returncode != 0
    assert "docs/posts/tiny.md:16: unknown citation key(s) nobody2020" in build.stderr
