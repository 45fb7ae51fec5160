"""Under `mkdocs serve` errors show on the page and the server keeps running:
the engine reports them in a box instead of raising."""

from __future__ import annotations

import pytest

from scripts.derivations.errors import DerivationError
from scripts.derivations.project import Project
from scripts.derivations.site_engine import PageSource, SiteEngine
from tests.helpers import edit, quiet


def tiny_page(scratch) -> PageSource:
    text = (scratch.root / "docs/posts/tiny.md").read_text()
    body = text.split("---\n", 2)[2]
    return PageSource(
        markdown=body,
        path="docs/posts/tiny.md",
        docs_path="posts/tiny.md",
        first_line=text.count("\n") - body.count("\n") + 1,
        allowed_numbers=[],
        claims_page_url="../claims/",
        url_for=lambda docs_path: "../tiny/",
        meta={"title": "Tiny", "authors": ["rd"]},
        canonical_url="https://example.org/tiny/",
    )


@pytest.mark.parametrize("serving", [True, False])
def test_snippet_error_is_a_box_when_serving_and_fatal_when_building(scratch, serving):
    edit(scratch, '    return {"factor"', '    factor = factor / 0\n    return {"factor"')
    engine = SiteEngine(Project(scratch.root), serving=serving, console=quiet())
    if not serving:
        with pytest.raises(DerivationError, match="ZeroDivisionError"):
            engine.prepare()
        return
    engine.prepare()
    page = engine.render_page(tiny_page(scratch))
    assert page.startswith('!!! failure "Build errors on this page"')
    assert "snippets/tiny/demo.py:10: ZeroDivisionError: division by zero" in page
    assert '<span class="claim claim--error"' in page


def test_page_error_is_a_box_when_serving(scratch):
    engine = SiteEngine(Project(scratch.root), serving=True, console=quiet())
    engine.prepare()
    source = tiny_page(scratch)
    broken = PageSource(
        **{**source.__dict__, "markdown": source.markdown + "\nSee [[tiny.nope]].\n"}
    )
    page = engine.render_page(broken)
    assert "docs/posts/tiny.md:16: unknown claim 'tiny.nope'" in page
