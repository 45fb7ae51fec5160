"""The Markdown scanner, claim references and the hand-typed number lint."""

from __future__ import annotations

import re

from scripts.derivations.bibliography import CITATION
from scripts.derivations.claims import REFERENCE, format_math, format_value
from scripts.derivations.claims_index import changed_values
from scripts.derivations.equations import EQREF, LABEL
from scripts.derivations.lint import hand_typed_numbers
from scripts.derivations.markdown_scan import LineIndex, _context_free, segments, substitute
from scripts.derivations.references import VERIFIED, ReferenceContext, render
from scripts.derivations.snippets import Declaration

DECLARATIONS = {
    "em.gain": Declaration(
        "em.gain", "claim", "The gain.", "nats", None, ".2f", "snippets/em/gmm.py", 5
    ),
    "em.n": Declaration(
        "em.n", "parameter", "Sample size.", None, None, "d", "snippets/em/gmm.py", 9
    ),
}


def context() -> ReferenceContext:
    return ReferenceContext(
        DECLARATIONS, {"em.gain": 0.12345, "em.n": 600}, lambda _: VERIFIED, "../claims/"
    )


def kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind, text[s.start : s.end]) for s in segments(text)]


def test_scanner_separates_code_math_and_prose():
    text = "a `b` $c$ d $$e$$ \\(f\\) <!-- g -->\n```\nh $i$\n```\nj $5 and $6 k\n"
    found = kinds(text)
    assert ("code", "`b`") in found and ("math", "$c$") in found
    assert ("math", "$$e$$") in found and ("math", "\\(f\\)") in found
    assert ("comment", "<!-- g -->") in found
    assert ("code", "```\nh $i$\n```\n") in found
    assert not any(kind == "math" and "5" in part for kind, part in found), "prices are not math"


def every_segment_substituted(markdown, pattern, kinds, replace, first_line=1):
    """What substitute did before it skipped segments: search each one of the kinds."""
    lines = LineIndex(markdown, first_line)
    pieces = []
    for segment in segments(markdown):
        text = markdown[segment.start : segment.end]
        if segment.kind in kinds:

            def one(match, segment=segment):
                return replace(match, segment.kind, lines.line_of(segment.start + match.start()))

            text = pattern.sub(one, text)
        pieces.append(text)
    return "".join(pieces)


SUBSTITUTE_TEXTS = [
    "",
    "no match at all\n",
    "[[em.gain]] in prose, `[[em.gain]]` in code, $[[em.gain]]$ in math\n<!-- [[em.gain]] -->\n",
    "```\n[[em.gain]] only in a fenced block\n```\n",
    "xa `code` bab and ab a $m$ b\n\\label{eq:a} $$\\label{eq:b}$$ [@k; @j] `[@k]`\n",
    "a\n\nb [[em.n:d]]\n$$\nx \\eqref{eq:b}\n$$\ntail ab",
]
SUBSTITUTE_PATTERNS = [
    REFERENCE,
    LABEL,
    EQREF,
    CITATION,
    re.compile(r"a[^z]*b"),  # greedy: a whole-text match runs over several segments
    re.compile(r"a[^z]*?b"),
    re.compile(r"\bab"),  # not context-free: every segment is searched, as before
    re.compile(r"(?<=\s)a"),
]


def test_substitute_skips_only_segments_without_a_possible_match():
    for pattern in SUBSTITUTE_PATTERNS:
        for kinds in ({"prose"}, {"math"}, {"code"}, {"prose", "math"}):
            for text in SUBSTITUTE_TEXTS:
                calls, expected_calls = [], []

                def replace(match, kind, line, calls=calls):
                    calls.append((match.group(), kind, line))
                    return f"<{kind}:{line}>"

                def expected_replace(match, kind, line, calls=expected_calls):
                    calls.append((match.group(), kind, line))
                    return f"<{kind}:{line}>"

                got = substitute(text, pattern, kinds, replace, 3)
                expected = every_segment_substituted(text, pattern, kinds, expected_replace, 3)
                assert (got, calls) == (expected, expected_calls), (pattern, kinds, text)


def test_substitute_finds_a_match_the_whole_text_search_runs_past():
    # In the whole text, "a `code` bab" is one match; the segment " bab" holds "ab".
    text = "xa `code` bab\n"
    replaced = substitute(text, re.compile(r"a[^z]*b"), {"prose"}, lambda m, k, n: "X")
    assert replaced == "xa `code` bX\n"


def test_substitute_leaves_matches_in_segments_of_other_kinds():
    text = "prose [[em.gain]]\n\n`[[em.n]]` and $[[em.n]]$\n"
    seen = []

    def replace(match, kind, line):
        seen.append((match["id"], kind, line))
        return "V"

    assert substitute(text, REFERENCE, {"prose"}, replace, 10) == (
        "prose V\n\n`[[em.n]]` and $[[em.n]]$\n"
    )
    assert seen == [("em.gain", "prose", 10)]


def test_callers_patterns_let_substitute_skip_segments():
    assert all(_context_free(p) for p in (REFERENCE, LABEL, EQREF, CITATION))
    for pattern in (r"\bx", r"x(?=y)", r"(?<!a)x", r"^x", r"(?m)x$", r"(?>ab)", r"a++", r"a*"):
        assert not _context_free(re.compile(pattern)), pattern


def test_references_render_in_prose_and_math_but_not_code():
    text = "Gain [[em.gain]] over [[em.n]] points, $g = [[em.gain:.1f]]$, `[[em.gain]]`."
    rendered, used, problems = render(text, "docs/posts/em.md", 1, context())
    assert not problems and used == ["em.gain", "em.n", "em.gain"]
    assert '<a class="claim claim--verified" href="../claims/#claim-em-gain"' in rendered
    assert ">0.12<span" in rendered
    assert '<span class="parameter" title="Parameter: Sample size.">600</span>' in rendered
    assert "$g = 0.1$" in rendered
    assert "`[[em.gain]]`" in rendered


def test_unknown_reference_names_file_line_and_known_ids():
    _, _, problems = render("line one\n\nsee [[em.gian]]\n", "docs/posts/em.md", 7, context())
    assert [str(p) for p in problems] == [
        "docs/posts/em.md:9: unknown claim 'em.gian' (known in snippets/em/gmm.py: em.gain, em.n)"
    ]


def test_lint_flags_only_hand_typed_numbers():
    text = (
        "# 2. Setup\n\n1. First item\n\n"
        "In 1977 Dempster et al. (see Eq. 3, Section 4.2 and Figure 2) showed it; [[em.gain]], $k=3$.\n"
        '[link](https://example.org/a1/2024) and <span data-x="5">x</span>, W1 and L2.\n'
        "It took 17 steps at rate 0.5.\n"
    )
    problems = hand_typed_numbers(text, "docs/posts/em.md", 1, [])
    assert [(p.line, p.message.split("'")[1]) for p in problems] == [(7, "17"), (7, "0.5")]
    assert hand_typed_numbers("A 2-D example.\n", "p.md", 1, ["2-D"]) == []


def test_value_formatting():
    assert format_value(1.5e-12, ".1e") == "1.5 × 10⁻¹²"
    assert format_math(1.5e-12, ".1e") == "1.5 \\times 10^{-12}"
    assert format_value(600, None) == "600"
    assert format_value(0.123456, None) == "0.1235"
    assert format_value([1, 2], "d") == "1, 2"
    assert format_value(0.0, ".1e") == "0"


def test_changed_values_lists_old_and_new():
    assert changed_values({"a.x": 1.0, "a.y": 2}, {"a.x": 1.5, "a.y": 2, "a.z": 3}) == [
        "a.x: 1.0 → 1.5",
        "a.z: (none) → 3",
    ]
