"""Build the real site (from the cache the claim tests filled) and read it as a browser would."""

from __future__ import annotations

import functools

import json
import re
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from scripts.derivations import round_trip
from scripts.derivations.claims import claim_anchor
from scripts.derivations.project import Project
from scripts.derivations.snippets import discover

ROOT = Path(__file__).resolve().parents[2]
DECLARATIONS = {d.id: d for s in discover(Project(ROOT)) for d in s.declarations}


@pytest.fixture(scope="module")
def site(built_site):
    return built_site


def page(site_dir: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site_dir / url / "index.html").read_text(encoding="utf-8"), "html.parser")


def test_cached_build_runs_no_snippet_and_says_so(site):
    _, log = site
    assert "snippets from cache" in log
    assert "ran snippets/" not in log


def test_claims_json_lists_every_claim_verified(site):
    site_dir, _ = site
    index = json.loads((site_dir / "claims.json").read_text())
    claims = {d_id for d_id, d in DECLARATIONS.items() if d.kind == "claim"}
    assert {entry["id"] for entry in index} == claims
    for entry in index:
        assert entry["status"] == "verified", entry
        assert set(entry) >= {
            "id",
            "value",
            "unit",
            "statement",
            "status",
            "page",
            "snippet",
            "test",
            "reference",
        }
        assert entry["test"] and all("::test_" in node for node in entry["test"])
        assert (ROOT / entry["snippet"]).is_file()
        assert (site_dir / entry["page"].strip("/") / "index.html").is_file()


def test_article_numbers_are_linked_verified_claims(site):
    site_dir, _ = site
    article = page(site_dir, "em")
    assert "[[" not in article.get_text(), "an unrendered claim reference"
    links = article.select("a.claim")
    used = {link["href"].split("#")[1] for link in links}
    em_claims = {
        claim_anchor(i) for i, d in DECLARATIONS.items() if d.topic == "em" and d.kind == "claim"
    }
    assert used == em_claims
    for link in links:
        assert "claim--verified" in link["class"]
        assert link["href"].startswith("../claims/#")
        assert link.select_one(".claim-mark").get_text() == "✓"
    assert article.select("span.parameter"), "parameters render as plain values"


def test_claims_page_has_an_anchor_per_claim(site):
    site_dir, _ = site
    claims_page = page(site_dir, "claims")
    for claim_id, declaration in DECLARATIONS.items():
        if declaration.kind == "claim":
            row = claims_page.find(id=claim_anchor(claim_id))
            assert row is not None, claim_id
            assert "✓ verified" in row.find_parent("tr").get_text()


def test_figures_and_notebook_are_served(site):
    site_dir, _ = site
    article = page(site_dir, "em")
    images = [img["src"] for img in article.select("article img")]
    assert len(images) >= 2
    for src in images:
        target = (site_dir / "em" / src).resolve()
        assert target.is_file() and target.read_text().lstrip().startswith("<?xml"), src
        assert not src.startswith("http")
    notebook = json.loads((site_dir / "notebooks" / "em" / "gmm" / "gmm.ipynb").read_text())
    outputs = [
        o for cell in notebook["cells"] if cell["cell_type"] == "code" for o in cell["outputs"]
    ]
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs), (
        "the notebook carries its figures"
    )


def test_embedded_code_comes_from_the_snippet(site):
    site_dir, _ = site
    code = page(site_dir, "em").get_text()
    assert "def e_step(X, weights, means, covariances):" in code
    assert "--8<--" not in code


@functools.cache
def all_pages(site_dir: Path) -> list[tuple[Path, BeautifulSoup]]:
    """Every HTML page, parsed once for all the tests that read them."""
    return [
        (path, BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser"))
        for path in sorted(site_dir.rglob("*.html"))
    ]


def test_no_page_loads_anything_from_another_host(site):
    site_dir, _ = site
    loaders = {"script": "src", "link": "href", "img": "src", "source": "src", "iframe": "src"}
    offenders = []
    for path, soup in all_pages(site_dir):
        for tag, attribute in loaders.items():
            for element in soup.find_all(tag):
                url = element.get(attribute) or ""
                if tag == "link" and not {"stylesheet", "preload", "icon", "modulepreload"} & set(
                    element.get("rel", [])
                ):
                    continue
                if url.startswith(("http:", "https:", "//")):
                    offenders.append(f"{path.relative_to(site_dir)}: <{tag} {attribute}={url}>")
        for style in soup.find_all("style"):
            if "@import" in style.get_text() or "url(http" in style.get_text():
                offenders.append(f"{path.relative_to(site_dir)}: remote URL in <style>")
        # Material's header link marked so would make its script ask GitHub's API for
        # star counts on every visit (overrides/partials/source.html is a plain link).
        if soup.select('[data-md-component="source"]'):
            offenders.append(f"{path.relative_to(site_dir)}: a repository link that fetches")
    for css in site_dir.rglob("*.css"):
        if "url(http" in css.read_text(encoding="utf-8") or "@import url(" in css.read_text(
            encoding="utf-8"
        ):
            offenders.append(str(css.relative_to(site_dir)))
    assert offenders == []


def test_math_is_rendered_html_without_katex_script(site):
    site_dir, _ = site
    article = page(site_dir, "em")
    assert article.select(".katex"), "no rendered math"
    assert not article.select(".arithmatex"), "TeX left unrendered"
    assert not any("katex" in (s.get("src") or "") for s in article.find_all("script"))
    stylesheet = [
        link["href"] for link in article.select("link[rel=stylesheet]") if "katex" in link["href"]
    ]
    assert stylesheet and (site_dir / "em" / stylesheet[0]).resolve().is_file()
    fonts = list((site_dir / "assets" / "katex" / "fonts").glob("KaTeX_Main-Regular.woff2"))
    assert fonts


def test_numbered_equations_have_anchors_and_references_resolve(site):
    site_dir, _ = site
    pages = {path.resolve(): soup for path, soup in all_pages(site_dir)}
    ids = {path: {tag["id"] for tag in soup.find_all(id=True)} for path, soup in pages.items()}
    for path, soup in pages.items():
        for link in soup.select("a.eqref"):
            target, _, anchor = link["href"].partition("#")
            target_page = (path.parent / target / "index.html").resolve() if target else path
            assert anchor in ids[target_page], f"{path}: {link['href']}"
    article = page(site_dir, "em")
    numbered = article.select("div.equation--numbered")
    assert len(numbered) >= 2
    for number, equation in enumerate(numbered, start=1):
        assert equation["id"].startswith("eq-")
        assert equation.select_one("a.eq-link")["href"] == f"#{equation['id']}"
        assert f"({number})" in equation.select_one(".katex-html").get_text()


def test_search_index_keeps_tex_not_rendered_html(site):
    site_dir, _ = site
    index = json.loads((site_dir / "search" / "search_index.json").read_text())
    text = " ".join(doc["text"] for doc in index["docs"])
    assert "\\mathcal L(q, \\theta)" in text
    assert "katex-html" not in text


def test_notebook_page_renders_math_and_offers_the_ipynb(site):
    site_dir, _ = site
    notebook_page = page(site_dir, "notebooks/em/gmm")
    assert notebook_page.select(".jp-Cell"), "not a rendered notebook"
    assert notebook_page.select(".jp-RenderedMarkdown .katex")
    download = json.loads((site_dir / "notebooks" / "em" / "gmm" / "gmm.ipynb").read_text())
    assert download["nbformat"] == 4
    assert [c["execution_count"] for c in download["cells"] if c["cell_type"] == "code"][:3] == [
        1,
        2,
        3,
    ]
    assert page(site_dir, "em").find("a", href="../notebooks/em/gmm/"), (
        "the article links its notebook"
    )


def test_notebook_pages_share_one_stylesheet_instead_of_inlining_it(site):
    """nbconvert inlines JupyterLab's CSS (about 590 KB) into every notebook page;
    the build moves it into one file the pages link to."""
    site_dir, _ = site
    notebook_pages = sorted((site_dir / "notebooks").glob("*/*/index.html"))
    assert len(notebook_pages) >= 5
    linked = set()
    for path in notebook_pages:
        html = path.read_text(encoding="utf-8")
        assert '<style type="text/css">' not in html, path
        soup = BeautifulSoup(html, "html.parser")
        hrefs = [
            link["href"] for link in soup.select('link[rel="stylesheet"]') if "notebook-" in link["href"]
        ]
        assert len(hrefs) == 1, path
        stylesheet = (path.parent / hrefs[0]).resolve()
        assert stylesheet.is_file() and ".jp-Cell" in stylesheet.read_text(encoding="utf-8")
        linked.add(stylesheet)
    assert len(linked) == 1, "every notebook page links the same file"


def test_notebook_figures_are_the_site_figure_files_not_inline_copies(site):
    """Each figure in a notebook page links the SVG under figures/ (the file the
    article shows) with its size and lazy loading, instead of a data URI of it."""
    site_dir, _ = site
    notebook_pages = sorted((site_dir / "notebooks").glob("*/*/index.html"))
    assert len(notebook_pages) >= 5
    for path in notebook_pages:
        html = path.read_text(encoding="utf-8")
        assert "data:image/svg+xml" not in html, path
        topic = path.parent.parent.name
        images = BeautifulSoup(html, "html.parser").select(".jp-RenderedSVG img")
        assert images, f"{path}: the notebook shows its figures"
        for image in images:
            figure = (path.parent / image["src"]).resolve()
            assert figure.parent == (site_dir / "figures" / topic).resolve(), image["src"]
            assert figure.is_file() and image.get("loading") == "lazy" and image.get("width")


def test_every_number_shown_reads_back_as_its_value(site):
    """The round trip (also run by `make build`): each value a page shows, in prose,
    inside math and on the claims page, read from the HTML and compared with
    claims.json or parameters.json to the precision its format keeps."""
    site_dir, _ = site
    count, problems = round_trip.check_site(site_dir)
    assert problems == []
    claims = json.loads((site_dir / "claims.json").read_text())
    assert count > len(claims), "the claims page alone shows every claim once"


def test_parameters_json_lists_every_parameter(site):
    site_dir, _ = site
    published = json.loads((site_dir / "parameters.json").read_text())
    parameters = {d_id for d_id, d in DECLARATIONS.items() if d.kind == "parameter"}
    assert {entry["id"] for entry in published} == parameters
    assert all(entry["value"] is not None for entry in published)


@pytest.mark.parametrize("claim_id", ["em.gain_ratio", "nce.c_sd", "f_vae.vae_loglik"])
def test_claims_page_links_the_line_that_declares_and_the_line_that_tests(site, claim_id):
    """Each link names a ref (the built commit, or the branch for a build from
    uncommitted changes) and a line; that line of that file at that ref is the
    claim's declaration, or its test's claim marker."""
    site_dir, _ = site
    row = page(site_dir, "claims").find(id=claim_anchor(claim_id)).find_parent("tr")
    links = [a["href"] for a in row.select("a[href*='/blob/']")]
    assert len(links) >= 2
    name = claim_id.split(".")[1]
    for href in links:
        ref, path, line = re.fullmatch(r".*/blob/([^/]+)/(.+)#L(\d+)", href).groups()
        if re.fullmatch(r"[0-9a-f]{7,40}", ref):
            text = subprocess.run(
                ["git", "show", f"{ref}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout
        else:
            text = (ROOT / path).read_text(encoding="utf-8")
        wanted = f'"{name}"' if path.startswith("snippets/") else f'"{claim_id}"'
        assert wanted in text.splitlines()[int(line) - 1], (href, wanted)
