"""Build the real site (from the cache the claim tests filled) and read it as a browser would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from scripts.derivations.claims import claim_anchor
from scripts.derivations.project import Project
from scripts.derivations.snippets import discover

ROOT = Path(__file__).resolve().parents[2]
DECLARATIONS = {d.id: d for s in discover(Project(ROOT)) for d in s.declarations}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DERIVATIONS_REQUIRE_VERIFIED": "1"}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(out)],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600,
    )
    assert build.returncode == 0, f"build failed (did the claim tests run first?):\n{build.stderr}"
    return out, build.stderr


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
        assert set(entry) >= {"id", "value", "unit", "statement", "status", "page", "snippet", "test", "reference"}
        assert entry["test"] and all("::test_" in node for node in entry["test"])
        assert (ROOT / entry["snippet"]).is_file()
        assert (site_dir / entry["page"].strip("/") / "index.html").is_file()


def test_article_numbers_are_linked_verified_claims(site):
    site_dir, _ = site
    article = page(site_dir, "em")
    assert "[[" not in article.get_text(), "an unrendered claim reference"
    links = article.select("a.claim")
    used = {link["href"].split("#")[1] for link in links}
    em_claims = {claim_anchor(i) for i, d in DECLARATIONS.items() if d.topic == "em" and d.kind == "claim"}
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
    notebook = json.loads((site_dir / "notebooks" / "em" / "gmm.ipynb").read_text())
    outputs = [o for cell in notebook["cells"] if cell["cell_type"] == "code" for o in cell["outputs"]]
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs), "the notebook carries its figures"


def test_embedded_code_comes_from_the_snippet(site):
    site_dir, _ = site
    code = page(site_dir, "em").get_text()
    assert "def e_step(X, weights, means, covariances):" in code
    assert "--8<--" not in code
