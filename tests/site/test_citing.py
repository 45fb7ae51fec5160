"""Citing: each article's Scholar meta tags and BibTeX agree with its front matter,
the .bib download parses, and the publishing files pass their schemas."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from pybtex.database import parse_file

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = sorted((ROOT / "docs" / "posts").glob("*.md"))
SITE_URL = yaml.safe_load((ROOT / "mkdocs.yml").read_text().split("\nplugins:")[0])["site_url"]
AUTHORS = yaml.safe_load((ROOT / "docs" / ".authors.yml").read_text())["authors"]


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text().split("---\n", 2)[1])


@pytest.mark.parametrize("article", ARTICLES, ids=[a.stem for a in ARTICLES])
def test_scholar_tags_and_bibtex_match_front_matter(built_site, article):
    site_dir, _ = built_site
    meta = front_matter(article)
    url = f"{SITE_URL}{article.stem}/"
    names = [AUTHORS[key]["name"] for key in meta["authors"]]
    page = BeautifulSoup((site_dir / article.stem / "index.html").read_text(), "html.parser")

    def tags(name: str) -> list[str]:
        return [tag["content"] for tag in page.find_all("meta", attrs={"name": name})]

    assert tags("citation_title") == [meta["title"]]
    assert tags("citation_author") == names
    assert tags("citation_publication_date") == [meta["date"].strftime("%Y/%m/%d")]
    assert tags("citation_public_url") == [url]
    assert page.find("link", rel="canonical")["href"] == url

    bib_name = f"runnable-derivations-{article.stem}.bib"
    assert page.find("a", href=bib_name), "the cite box links the .bib download"
    entry = parse_file(str(site_dir / article.stem / bib_name), bib_format="bibtex").entries[
        f"runnable-derivations-{article.stem}"
    ]
    assert entry.fields["title"] == meta["title"]
    assert entry.fields["url"] == url
    assert entry.fields["year"] == str(meta["date"].year)
    assert [
        str(person).strip("{}") for person in entry.persons["author"]
    ] == names  # braces protect names
    assert "Built from commit" in entry.fields["note"]
    box = page.find("details").get_text()
    assert url in box and meta["title"] in box


def test_bibliography_page_lists_every_cited_source(built_site):
    site_dir, _ = built_site
    page = BeautifulSoup((site_dir / "bibliography" / "index.html").read_text(), "html.parser")
    listed = {span["id"].removeprefix("ref-") for span in page.select("article span[id^=ref-]")}
    cited = set()
    for article in ARTICLES:
        article_page = BeautifulSoup(
            (site_dir / article.stem / "index.html").read_text(), "html.parser"
        )
        cited |= {link["href"].removeprefix("#ref-") for link in article_page.select("a.citation")}
    assert cited and listed == cited


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.github-workflows", ".github/workflows/publish.yml"),
        ("vendor.citation-file-format", "CITATION.cff"),
    ],
)
def test_publishing_files_pass_their_schemas(schema, path):
    check = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, path],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
