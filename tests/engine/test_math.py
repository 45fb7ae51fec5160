"""Equation labels and references, the KaTeX renderer and its cache, notebook pages."""

from __future__ import annotations

import re
from pathlib import Path

from scripts.derivations import notebook_page
from scripts.derivations.equations import EquationContext, collect, render
from scripts.derivations.katex import Formula, KatexRenderer, formulas_in, replace_formulas

ROOT = Path(__file__).resolve().parents[2]

EM_PAGE = "Intro.\n\n$$\na = b \\label{eq:first}\n$$\n\nThen\n\n$$\n\\begin{aligned}\nc &= d \\label{eq:second}\n\\end{aligned}\n$$\n"
OTHER_PAGE = "As in \\eqref{eq:second} and $x = \\eqref{eq:first}$.\n"


def pages():
    return {
        "posts/em.md": ("docs/posts/em.md", EM_PAGE),
        "posts/other.md": ("docs/posts/other.md", OTHER_PAGE),
    }


def test_labels_are_numbered_in_page_order():
    equations, problems = collect(pages())
    assert problems == []
    assert [(e.name, e.number, e.line, e.anchor) for e in equations.values()] == [
        ("first", 1, 4, "eq-first"),
        ("second", 2, 11, "eq-second"),
    ]


def test_duplicate_label_names_both_places():
    _, problems = collect(
        {**pages(), "posts/z.md": ("docs/posts/z.md", "$$\nx \\label{eq:first}\n$$\n")}
    )
    assert [str(p) for p in problems] == [
        "docs/posts/z.md:2: duplicate equation label 'eq:first' (first at docs/posts/em.md:4); labels are unique site-wide"
    ]


def context(page: str) -> EquationContext:
    equations, _ = collect(pages())
    return EquationContext(
        equations,
        page,
        {"posts/em.md": "../em/", "posts/other.md": "../other/"}.__getitem__,
        {"posts/em.md": "EM"},
    )


def test_labels_become_tags_and_references_become_links():
    markdown, anchors, problems = render(
        EM_PAGE + "See \\eqref{eq:first}.\n", "docs/posts/em.md", 1, context("posts/em.md")
    )
    assert problems == [] and anchors == {1: "eq-first", 2: "eq-second"}
    assert "a = b \\tag{1}" in markdown and "c &= d \\tag{2}" in markdown
    assert 'See <a class="eqref" href="#eq-first">(1)</a>.' in markdown


def test_cross_page_references_in_prose_and_math():
    markdown, _, problems = render(OTHER_PAGE, "docs/posts/other.md", 1, context("posts/other.md"))
    assert problems == []
    assert '<a class="eqref" href="../em/#eq-second">EM, (2)</a>' in markdown
    assert "$x = \\href{../em/#eq-first}{(1)}$" in markdown


def test_unknown_reference_names_file_and_line():
    _, _, problems = render(
        "a\n\nsee \\eqref{eq:nope}\n", "docs/posts/other.md", 5, context("posts/other.md")
    )
    assert len(problems) == 1
    assert str(problems[0]).startswith(
        "docs/posts/other.md:7: unknown equation label 'eq:nope' in \\eqref (known: eq:first, eq:second)"
    )


def test_katex_renders_and_reports_errors(tmp_path):
    renderer = KatexRenderer(ROOT, tmp_path)
    good, bad = Formula("\\frac{a}{b}", True), Formula("\\frac{a}{", False)
    renderer.render([good, bad])
    assert good.error is None and 'class="katex-display"' in good.html and "<math" in good.html
    assert bad.html is None and "KaTeX parse error" in bad.error


def test_rendered_formulas_are_cached_across_builds(tmp_path):
    first = KatexRenderer(ROOT, tmp_path)
    first.render([Formula("x^2", False)])
    first.save()
    second = KatexRenderer(ROOT, tmp_path)
    formula = Formula("x^2", False)
    second.render([formula])
    assert 'class="katex"' in formula.html
    assert second._context is None, "a cached formula started V8"


def test_numbered_display_gets_anchor_and_link_control(tmp_path):
    page = '<p>a <span class="arithmatex">\\(x &lt; y\\)</span></p>\n<div class="arithmatex">\\[\na = b \\tag{1}\n\\]</div>'
    found = formulas_in(page)
    assert [(f.tex, f.display) for _, f in found] == [("x < y", False), ("a = b \\tag{1}", True)]
    KatexRenderer(ROOT, tmp_path).render([f for _, f in found])
    result = replace_formulas(page, found, {1: "eq-first"})
    assert '<div class="equation equation--numbered" id="eq-first">' in result
    assert '<a class="eq-link" href="#eq-first"' in result
    assert "arithmatex" not in result


def test_notebook_page_loses_remote_loaders_and_gains_math_markup():
    page = (
        '<!-- Load mathjax -->\n<script src=""> </script><!-- End of mathjax configuration -->'
        '<script type="module">import("https://cdn.example/m.js")</script>'
        '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput" data-mime-type="text/markdown">'
        "<p>Joint $p(x) = 1$ and <code>$HOME$</code></p>\n<p>$$a=b$$</p></div>"
    )
    prepared = notebook_page.prepare(page)
    assert "mathjax" not in prepared.lower() and "cdn.example" not in prepared
    assert '<span class="arithmatex">\\(p(x) = 1\\)</span>' in prepared
    assert "<code>$HOME$</code>" in prepared
    assert '<div class="arithmatex">\\[a=b\\]</div>' in prepared


def test_formulas_without_snippet_values_render_while_snippets_run(scratch):
    """SiteEngine.warm_up: on a build that runs snippets, the pages' formulas that
    hold no claim value are rendered meanwhile, so none is new when the pages render;
    one that holds a value waits for the snippet."""
    import json
    import shutil

    from tests.helpers import edit

    page = "docs/posts/tiny.md"
    edit(
        scratch,
        "It takes",
        "With $a^2 + b^2 = c^2$ and\n\n$$\n\\int_0^1 x \\, dx\n$$\n\nit takes",
        page,
    )
    edit(scratch, "The answer is [[tiny.answer]].", "The answer is $[[tiny.answer]]$.", page)
    edit(scratch, "factor * 7}", "factor * 7}  # a new cache key")
    shutil.rmtree(scratch.root / ".cache" / "math", ignore_errors=True)
    build = scratch.build()
    assert build.returncode == 0, build.stderr[-3000:]
    assert "ran snippets/tiny/demo.py" in build.stderr
    stats = json.loads((scratch.root / ".cache" / "math" / "last-build.json").read_text())
    # The page's three formulas, some also on the home page's excerpt; only the
    # claim's is new when pages render.
    assert stats["formulas"] >= 3 and stats["new"] == 1, stats


def test_notebook_stylesheets_are_cut_out_as_the_lazy_pattern_finds_them():
    opening, closing = '<style type="text/css">', "</style>"
    pattern = re.compile(r'<style type="text/css">(.*?)</style>', re.S)
    pages = [
        "",
        "<p>no style</p>",
        f"a{opening}x{{}}{closing}b",
        f"{opening}one{closing}{opening}{closing}mid{opening}two\n{closing}end",
        f"a{opening}closed{closing}b{opening}never closed",
        f"a{opening}{opening}nested{closing}{closing}b",
        f"a{closing}{opening}c{closing}",
    ]
    for page in pages:
        parts = pattern.split(page)  # the former implementation
        kept, styles = parts[::2], parts[1::2]
        content, path, css = notebook_page.shared_styles(page, lambda p: "../" + p)
        if not styles:
            assert (content, path, css) == (page, "", ""), page
            continue
        assert css == "\n".join(styles), page
        assert content == kept[0] + f'<link rel="stylesheet" href="../{path}">' + "".join(kept[1:])
