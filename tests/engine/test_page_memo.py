"""The engine's own pages are rendered and indexed once while their inputs stay the
same, across builds (page_memo.py): the same site from the disk as from MkDocs, a
changed input rendered again, and a page that warned never kept."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from types import SimpleNamespace

import markdown
import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from scripts.derivations import page_memo, session
from tests.engine.test_parallel_pages import site_files
from tests.helpers import edit

PAGE = """# Claims

## First part {#first}

A link to [the second page's part](other.md#part) and one [here](#first).

## Second part

Text.
"""


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A two-page MkDocs site with the project's Markdown extensions, its claims page
    kept on disk, and the memo as a new process finds it."""
    monkeypatch.setattr(session, "command", "build")
    monkeypatch.setattr(page_memo, "_disk", page_memo._DiskMemo())
    page_memo.install()
    root = Path(__file__).resolve().parents[2]
    config_file = tmp_path / "mkdocs.yml"
    extensions = (root / "mkdocs.yml").read_text(encoding="utf-8").split("markdown_extensions:")[1]
    config_file.write_text(
        "site_name: Memo\nmarkdown_extensions:" + extensions.split("\nnav:")[0], encoding="utf-8"
    )
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## Part {#part}\n", encoding="utf-8")
    (tmp_path / "docs" / "claims.md").write_text(PAGE, encoding="utf-8")
    config = load_config(str(config_file))
    files = Files(
        [
            File(name, config.docs_dir, config.site_dir, config.use_directory_urls)
            for name in ("claims.md", "other.md")
        ]
    )
    folder = tmp_path / "memo"

    def render(name: str = "claims.md") -> Page:
        """The page as a new process renders it."""
        page_memo._disk.loaded = {}
        page_memo.keep_on_disk({"claims.md"}, folder)
        page = Page(None, files.get_file_from_path(name), config)
        page.read_source(config)
        page.render(config, files)
        return page

    return SimpleNamespace(root=tmp_path, render=render, folder=folder)


def what_render_set(page: Page) -> tuple:
    return (
        page.content,
        str(page.toc),
        [(a.id, a.title, a.level, getattr(a, "active", False)) for a in page.toc],
        page._title_from_render,
        page.present_anchor_ids,
        {f.src_uri: anchors for f, anchors in (page.links_to_anchors or {}).items()},
    )


def refuse_markdown(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("converted Markdown that the memo kept")

    monkeypatch.setattr(markdown.Markdown, "convert", fail)


def test_a_kept_page_is_read_back_as_mkdocs_rendered_it(site, monkeypatch):
    rendered = what_render_set(site.render())
    assert rendered[4] == {"claims", "first", "second-part"}  # the headings
    assert rendered[5]["other.md"] == {"part": "other.md#part"}  # links into another page
    assert len(list(site.folder.glob("*.json"))) == 1
    refuse_markdown(monkeypatch)
    assert what_render_set(site.render()) == rendered


def test_a_changed_page_is_rendered_again(site, monkeypatch):
    site.render()
    source = site.root / "docs" / "claims.md"
    source.write_text(PAGE.replace("Text.", "New text."), encoding="utf-8")
    assert "New text." in site.render().content
    refuse_markdown(monkeypatch)
    assert "New text." in site.render().content  # and that rendering is the one kept now


def test_only_the_pages_named_are_kept(site, monkeypatch):
    site.render("other.md")
    assert not site.folder.exists() or not list(site.folder.glob("*.json"))
    converted = []
    monkeypatch.setattr(
        markdown.Markdown, "convert", lambda self, text: converted.append(text) or "<p>x</p>"
    )
    site.render("other.md")
    assert len(converted) == 1


def test_a_page_that_warned_is_rendered_and_warns_on_every_build(site, caplog):
    source = site.root / "docs" / "claims.md"
    source.write_text(PAGE + "\nA [broken link](missing.md).\n", encoding="utf-8")
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            site.render()
        assert any("missing.md" in record.getMessage() for record in caplog.records)
    assert not list(site.folder.glob("*.json"))


def test_under_serve_a_page_read_from_disk_is_not_read_again(site, monkeypatch):
    """The server's first build takes a kept page from disk; its later rebuilds take
    it from memory, even with the file gone."""
    site.render()  # a `mkdocs build` kept it on disk
    monkeypatch.setattr(session, "command", "serve")
    monkeypatch.setattr(page_memo, "_pages", {})
    refuse_markdown(monkeypatch)
    first = what_render_set(site.render())
    for file in site.folder.glob("*.json"):
        file.unlink()
    assert what_render_set(site.render()) == first


def test_another_markdown_version_renders_again(site, monkeypatch):
    site.render()
    monkeypatch.setattr(markdown, "__version__", "0.0-other")
    page_memo._code_version.cache_clear()
    try:
        converted = []
        real = markdown.Markdown.convert
        monkeypatch.setattr(
            markdown.Markdown,
            "convert",
            lambda self, text: converted.append(1) or real(self, text),
        )
        site.render()
        assert converted == [1]
    finally:
        page_memo._code_version.cache_clear()


def test_a_site_built_from_the_memo_is_the_one_built_without(scratch):
    """Built twice: MkDocs renders and indexes the engine's pages, then the memo gives
    them back; the sites are the same byte for byte (search index order included).
    A changed claim statement reaches the claims page."""
    env = {"SOURCE_DATE_EPOCH": "0"}
    for site in ("site-rendered", "site-remembered"):
        run = scratch.run(
            "mkdocs", "build", "--strict", "--site-dir", str(scratch.root / site), env=env
        )
        assert run.returncode == 0, run.stderr[-3000:]
        if site == "site-rendered":
            kept = {
                p: p.stat().st_mtime_ns for p in (scratch.root / ".cache" / "pages").glob("*.json")
            }
            # claims, bibliography, reproducibility; the notebook page, which
            # mkdocs-jupyter renders, has its search entries only
            steps = sorted(sorted(json.loads(p.read_text())) for p in kept)
            assert steps == [["render", "search"]] * 3 + [["search"]]
    assert {p: p.stat().st_mtime_ns for p in kept} == kept  # read, not written again
    rendered = site_files(scratch.root / "site-rendered")
    remembered = site_files(scratch.root / "site-remembered")
    assert rendered.keys() == remembered.keys()
    assert [name for name in rendered if rendered[name] != remembered[name]] == []
    edit(scratch, '"Six times seven."', '"Seven sixes."')
    run = scratch.run("mkdocs", "build", "--site-dir", str(scratch.root / "site-edited"), env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Seven sixes." in (scratch.root / "site-edited" / "claims" / "index.html").read_text()
