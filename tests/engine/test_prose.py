"""The Markdown scanner, claim references and the hand-typed number lint."""

from __future__ import annotations

from scripts.derivations.claims import format_math, format_value
from scripts.derivations.claims_index import changed_values
from scripts.derivations.lint import hand_typed_numbers
from scripts.derivations.markdown_scan import segments
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


def test_references_render_in_prose_and_math_but_not_code():
    text = "Gain [[em.gain]] over [[em.n]] points, $g = [[em.gain:.1f]]$, `[[em.gain]]`."
    rendered, used, problems = render(text, "docs/posts/em.md", 1, context())
    assert not problems and used == ["em.gain", "em.n", "em.gain"]
    assert '<a class="claim claim--verified" href="../claims/#claim-em-gain"' in rendered
    assert ">0.12<span" in rendered
    assert (
        '<span class="parameter" title="Parameter: Sample size." data-value-of="em.n" data-format="d">600</span>'
        in rendered
    )
    assert "$g = \\htmlData{value-of=em.gain,format=.1f}{0.1}$" in rendered
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
    assert format_value(-0.25, ".2f") == "\u22120.25"  # a minus sign, not a hyphen


def test_a_value_inside_math_with_a_format_that_cannot_be_marked_is_refused():
    _, _, problems = render("$g = [[em.gain:,.1f]]$\n", "docs/posts/em.md", 3, context())
    assert [p.line for p in problems] == [3] and "inside math" in problems[0].message


def test_changed_values_lists_old_and_new():
    assert changed_values({"a.x": 1.0, "a.y": 2}, {"a.x": 1.5, "a.y": 2, "a.z": 3}) == [
        "a.x: 1.0 → 1.5",
        "a.z: (none) → 3",
    ]


def test_claims_page_shows_statements_as_written():
    """A statement is plain text: asterisks stay asterisks, markup is escaped, and the
    page still converts with the site's Markdown extensions (the tables are HTML)."""
    import markdown

    from scripts.derivations.claims_index import entries, page_markdown

    declarations = {
        "em.gap": Declaration(
            "em.gap",
            "claim",
            "(T_n − T*) / h² against ∫ P y*''² dx at <b>large</b> m.",
            None,
            "a | b",
            ".2f",
            "snippets/em/gmm.py",
            7,
        )
    }
    index = entries(declarations, {"em.gap": 0.5}, {"em.gap": "verified"}, {})
    page = markdown.markdown(
        page_markdown(index, declarations, {"em": ("EM", "posts/em.md")}),
        extensions=["md_in_html", "tables", "attr_list"],
    )
    assert "(T_n − T*) / h² against ∫ P y*''² dx at &lt;b&gt;large&lt;/b&gt; m." in page
    assert "<em>" not in page.split("<table>", 1)[1]
    assert "Compared with a | b; computed in <code>snippets/em/gmm.py:7</code>." in page
    assert (
        '<span id="claim-em-gap"></span>' in page
        and '<td><span data-value-of="em.gap" data-format=".2f">0.50</span></td>' in page
    )


def test_segments_after_a_substitution_match_a_fresh_scan():
    """`substitute` hands the next step the old segments, moved; they must be what
    scanning the new text finds when replacements are of their segment's kind."""
    import re

    from scripts.derivations.markdown_scan import _scan, substitute

    text = (
        "A [[em.gain]] and `[[em.n]]` code.\n\n$$x = [[em.n]] \\label{eq:a}$$\n\nThen [[em.n]].\n"
    )
    result = substitute(
        text, re.compile(r"\[\[[a-z.]+\]\]"), {"prose", "math"}, lambda m, kind, line: "1234567"
    )
    assert result.count("1234567") == 3 and "`[[em.n]]`" in result
    assert segments(result) == _scan(result)
    shorter = substitute(result, re.compile("1234567"), {"math"}, lambda m, kind, line: "9")
    assert segments(shorter) == _scan(shorter) and "$$x = 9 " in shorter
    # A replacement that could start a segment of its own: the result is scanned again.
    ticked = substitute(
        "A [[em.n]] then `code` and [[em.n]].",
        re.compile(r"\[\[em\.n\]\]"),
        {"prose"},
        lambda m, kind, line: "`x",
    )
    assert segments(ticked) == _scan(ticked)
