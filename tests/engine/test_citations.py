"""Citations against the bibliography, and the 'Cite this page' box."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from scripts.derivations.bibliography import Bibliography, reference_list, render
from scripts.derivations.citation import PageCitation
from scripts.derivations.page_checks import check_front_matter, front_matter_problems
from scripts.derivations.series import Member
from scripts.derivations.site_engine import _series_member

ROOT = Path(__file__).resolve().parents[2]
BIBLIOGRAPHY = Bibliography(ROOT / "docs" / "references.bib", "docs/references.bib")


def test_citations_become_author_year_links_with_back_links():
    text = "EM [@dempster1977] and its view [@neal1998; @dempster1977], not `[@code]`.\n"
    markdown, cited, problems = render(text, "docs/posts/em.md", 1, BIBLIOGRAPHY)
    assert problems == [] and cited == {"dempster1977": 2, "neal1998": 1}
    assert (
        '(<a class="citation" id="cite-dempster1977-1" href="#ref-dempster1977">Dempster et al., 1977</a>)'
        in markdown
    )
    assert '>Neal and Hinton, 1998</a>; <a class="citation" id="cite-dempster1977-2"' in markdown
    assert "`[@code]`" in markdown
    references = reference_list(cited, BIBLIOGRAPHY)
    assert references.index('id="ref-dempster1977"') < references.index('id="ref-neal1998"')
    assert (
        'href="#cite-dempster1977-1"' in references and 'href="#cite-dempster1977-2"' in references
    )
    assert "Maximum likelihood from incomplete data" in references


def test_unknown_citation_key_names_file_and_line():
    _, _, problems = render("one\n\ntwo [@nobody2020]\n", "docs/posts/em.md", 10, BIBLIOGRAPHY)
    assert len(problems) == 1
    assert str(problems[0]).startswith(
        "docs/posts/em.md:12: unknown citation key(s) nobody2020: add them to docs/references.bib"
    )


def test_single_author_label_uses_the_surname():
    assert BIBLIOGRAPHY.label("bishop2006") == "Bishop, 2006"


def test_cite_box_has_bibtex_and_plain_reference_with_url_and_commit():
    box = PageCitation(
        site_name="Runnable Derivations",
        title="The EM algorithm",
        authors=["A. Author", "B. Author"],
        published=date(2026, 11, 23),
        url="https://example.org/em/",
        commit="0123456789ab",
        key="runnable-derivations-em",
    )
    bibtex = box.bibtex()
    assert bibtex.startswith("@misc{runnable-derivations-em,")
    assert "author       = {{A. Author} and {B. Author}}" in bibtex
    assert "month        = nov" in bibtex and "year         = {2026}" in bibtex
    assert "url          = {https://example.org/em/}" in bibtex and "0123456789ab" in bibtex
    assert box.plain().startswith(
        "A. Author, B. Author (2026-11-23). The EM algorithm. Runnable Derivations. https://example.org/em/"
    )
    assert box.markdown().lstrip().startswith('??? quote "Cite this page"')


SERIES_PAGES = [
    "---\ntitle: A\nseries: Divergences\ndate: 2024-05-01\n---\n# A\n",
    "---\ntitle: A\nseries: Divergences\ndate: 2024-05-01\n...\n# A\n",  # YAML's own end
    "---  \ntitle: A\nseries: Divergences\n---\n# A\n",  # spaces after the first ---
    "---\ntitle: A --- or B\nseries: S\ndate: 2024-01-02\n---\n",  # --- inside a value
    "---\n\ufeffseries: S\n---\n",  # a byte order mark after the first line
    "---\n# comment\n\nseries: |\n  two\n  lines\ndate: 2024-01-02\n---\n",
    "---\n- a list\n---\n",
    "---\nseries: [unclosed\n---\n",
    "---\n---\n",
    "---\ntitle: never closed\n",
    "no front matter\n",
]


def test_series_member_reads_the_front_matter_check_parse_as_its_own():
    for text in SERIES_PAGES:
        problems, parsed = check_front_matter(text, "docs/posts/a.md", True)
        assert problems == front_matter_problems(text, "docs/posts/a.md", True)
        own = _series_member(text, "posts/a.md", "A")
        assert _series_member(text, "posts/a.md", "A", parsed) == own, text
    assert _series_member(SERIES_PAGES[0], "posts/a.md", "A") == Member(
        "Divergences", "2024-05-01", "posts/a.md", "A"
    )


def test_the_warm_up_parses_the_bibliography_into_its_cache(scratch):
    """While snippets run (SiteEngine.warm_up), the bibliography is parsed and
    formatted into its cache entry, which the build then reads after the last
    snippet instead of running pybtex there."""
    import shutil

    from scripts.derivations.project import Project
    from scripts.derivations.site_engine import SiteEngine
    from tests.helpers import quiet

    shutil.copy(ROOT / "docs" / "references.bib", scratch.root / "docs" / "references.bib")
    project = Project(scratch.root)
    entries = project.cache_dir / "bibliography"
    shutil.rmtree(entries, ignore_errors=True)
    engine = SiteEngine(project, console=quiet())
    engine.warm_up()
    stored = list(entries.glob("bibliography-*.json"))
    assert len(stored) == 1
    written = stored[0].stat().st_mtime_ns, stored[0].stat().st_ino
    engine.prepare()
    assert engine.bibliography is not None and "dempster1977" in engine.bibliography.keys
    assert list(entries.glob("bibliography-*.json")) == stored
    assert (stored[0].stat().st_mtime_ns, stored[0].stat().st_ino) == written  # read, not written
