"""Every link into the repository comes from mkdocs.yml's repo_url, and a code
link names the built commit and the line it means."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
ORIGINAL = "https://github.com/runnable-derivations/runnable-derivations.github.io"
FORK = "https://git.example.org/someone/derivations-fork"


def soup(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / url / "index.html").read_text(encoding="utf-8"), "html.parser")


def test_a_fork_changes_one_line_and_every_repository_link_follows(scratch):
    config = scratch.root / "mkdocs.yml"
    assert ORIGINAL in config.read_text()
    config.write_text(config.read_text().replace(ORIGINAL, FORK))
    build = scratch.build()
    assert build.returncode == 0, build.stderr
    site = scratch.root / "site"

    leftovers = [
        path.relative_to(site).as_posix()
        for path in site.rglob("*")
        if path.suffix in {".html", ".xml", ".json", ".txt"} and ORIGINAL in path.read_text()
    ]
    assert leftovers == [], "the old address is still linked"

    article = soup(site, "tiny")
    assert article.select_one("a.md-source")["href"] == FORK  # header
    assert article.select_one("a[rel=edit]")["href"] == f"{FORK}/edit/main/docs/posts/tiny.md"
    source = {a.get_text(): a["href"] for a in article.select("p.page-source a")}
    assert source["this page's Markdown"] == f"{FORK}/blob/main/docs/posts/tiny.md"
    assert source["its code (snippets/tiny/)"] == f"{FORK}/tree/main/snippets/tiny"
    assert source["discuss it"] == f"{FORK}/discussions?discussions_q=Tiny"
    assert article.select_one(".md-copyright a")["href"] == f"{FORK}/blob/main/LICENSE"

    claims = soup(site, "claims")
    code_links = [a["href"] for a in claims.select("td a[href]")]
    assert code_links and all(href.startswith(f"{FORK}/blob/main/") for href in code_links)
    assert "uncommitted changes or outside git" in claims.get_text()  # the scratch is no checkout
    commands = soup(site, "reproducibility").select_one("pre").get_text()
    assert commands.startswith(f"git clone {FORK}.git\ncd derivations-fork\n")
    assert soup(site, "claims").select_one("a[rel=edit]") is None  # nothing in docs/ to edit


def git(root: Path, *args: str) -> str:
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.org"]
    return subprocess.run(
        ["git", *identity, *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def test_claim_links_name_the_built_commit_and_the_declaring_line(scratch):
    git(scratch.root, "init", "-q")
    git(scratch.root, "add", "-A")
    git(scratch.root, "commit", "-q", "-m", "a tiny site")
    head = git(scratch.root, "rev-parse", "HEAD").strip()
    assert scratch.claim_tests().returncode == 0
    build = scratch.build()
    assert build.returncode == 0, build.stderr

    claims = soup(scratch.root / "site", "claims")
    links = [a["href"] for a in claims.select("td a[href]")]
    assert len(links) == 2  # where tiny.answer is computed, and its test
    for href, expected in zip(links, ['"answer":', '@pytest.mark.claim("tiny.answer")'], strict=True):
        ref, path, line = re.fullmatch(r".*/blob/([0-9a-f]+)/(.+)#L(\d+)", href).groups()
        assert head.startswith(ref)
        text = git(scratch.root, "show", f"{ref}:{path}").splitlines()[int(line) - 1]
        assert expected in text, (href, text)
    assert f"point at commit {head[:12]}," in " ".join(claims.get_text().split())
