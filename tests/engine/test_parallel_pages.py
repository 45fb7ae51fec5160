"""The engine's pages built in a forked copy of the build (parallel_pages.py): the
same site as a build that makes every page in one process, the notebook
conversions kept, and the pages built here when the copy fails."""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from scripts.derivations import parallel_pages
from scripts.derivations.parallel_pages import ParallelPages

pytestmark = pytest.mark.skipif(not parallel_pages.PLATFORM_CAN_FORK, reason="forks on Linux only")


def run_build(scratch, site: str, serial: bool | str = False, verbose: bool = False):
    """serial: False (a forked copy where one can be made), True (MkDocs' order, one
    process) or "last" (the engine's pages in this process, after the others)."""
    mode = {False: "0", True: "1", "last": "last"}[serial]
    return scratch.run(
        "mkdocs",
        "build",
        "--strict",
        *(["--verbose"] if verbose else []),  # (verbose: MkDocs collects no anchor links)
        "--site-dir",
        str(scratch.root / site),
        env={parallel_pages.SERIAL_VARIABLE: mode, "SOURCE_DATE_EPOCH": "0"},
    )


def build(scratch, site: str, serial: bool | str = False) -> str:
    run = run_build(scratch, site, serial, verbose=True)
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stderr


def built_order(log: str) -> list[str]:
    """The pages in the order MkDocs' `_build_page` built them (a verbose log)."""
    return [
        line.split("Building page ", 1)[1] for line in log.splitlines() if "Building page " in line
    ]


def site_files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith("feed_")  # they hold the build time
    }


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="forks only with a second core")
def test_pages_built_in_a_second_process_make_the_same_site(scratch):
    first = build(scratch, "site-first")
    built_there = "bibliography.md, claims.md, notebooks/tiny/demo.ipynb, reproducibility.md"
    assert f"built in a second process: {built_there}" in first
    second = build(scratch, "site-parallel")
    # mkdocs-jupyter learnt that the copy used the conversion, and kept it
    assert "Cache hit" in second and "Converting notebook" not in second
    assert "Evicted stale cache" not in first + second
    serial = build(scratch, "site-serial", serial=True)
    assert "built in a second process" not in serial
    parallel, one_process = (
        site_files(scratch.root / "site-parallel"),
        site_files(scratch.root / "site-serial"),
    )
    assert parallel.keys() == one_process.keys()
    different = [name for name in parallel if parallel[name] != one_process[name]]
    assert different == []  # pages, search index (its order too), figures, sitemap


def test_pages_left_to_the_end_make_the_same_site(scratch):
    """Under serve, or after snippets ran, no copy is made: the engine's pages are
    built in this process after the authored ones, and the site is the same."""
    last = build(scratch, "site-last", serial="last")
    assert "built in a second process" not in last
    assert "Evicted stale cache" not in last  # the notebook's conversion was used
    serial = build(scratch, "site-serial", serial=True)
    engine_pages = {
        "notebooks/tiny/demo.ipynb",
        "bibliography.md",
        "reproducibility.md",
        "claims.md",
    }
    built_last = built_order(last)
    assert set(built_last[-len(engine_pages) :]) == engine_pages, built_last
    assert built_order(serial) != built_last  # MkDocs' own order puts the archive last
    at_the_end, in_order = (
        site_files(scratch.root / "site-last"),
        site_files(scratch.root / "site-serial"),
    )
    assert at_the_end.keys() == in_order.keys()
    assert [name for name in at_the_end if at_the_end[name] != in_order[name]] == []


def test_search_entries_go_where_the_serial_loop_puts_them():
    entries = ["a", "b", "c"]
    # two skipped pages at the same place (no entries between them), one at the end
    skipped_at = {"claims.md": 1, "bibliography.md": 1, "reproducibility.md": 3}
    built = {"claims.md": ["c1", "c2"], "bibliography.md": ["b1"], "reproducibility.md": ["r1"]}
    parallel_pages._insert_entries(entries, skipped_at, built)
    assert entries == ["a", "c1", "c2", "b1", "b", "c", "r1"]


def claims_page_deferred(monkeypatch, calls: list, entries: list, build) -> ParallelPages:
    """A build's instance holding one skipped page, claims.md, which MkDocs' loop
    reached after one search entry; MkDocs' page functions replaced by `build`
    (for _build_page) and a recorder (for _populate_page)."""
    monkeypatch.setitem(
        parallel_pages._ORIGINAL,
        "_populate_page",
        lambda page, *args: calls.append(("read", page.file.src_uri)),
    )
    monkeypatch.setitem(parallel_pages._ORIGINAL, "_build_page", build)
    page = SimpleNamespace(
        file=SimpleNamespace(src_uri="claims.md"),
        validate_anchor_links=lambda **_: calls.append(("links", "claims.md")),
    )
    search = SimpleNamespace(search_index=SimpleNamespace(entries=entries))
    config = SimpleNamespace(
        plugins={"material/search": search},
        validation=SimpleNamespace(links=SimpleNamespace(anchors=30)),
    )
    files = SimpleNamespace(documentation_pages=lambda: [])
    pages = ParallelPages()
    pages.uris, pages.deferred = {"claims.md"}, {"claims.md": page}
    pages.skipped_at = {"claims.md": 1}
    pages.build_context = (config, files, None, None)
    monkeypatch.setattr(parallel_pages, "_ACTIVE", [pages])
    return pages


@pytest.mark.parametrize("copy_fails_how", ["exits", "hangs"])
def test_a_failed_copy_leaves_the_pages_to_this_process(monkeypatch, copy_fails_how):
    calls = []
    entries = ["before", "after"]

    def build(page, *args):
        calls.append(("build", page.file.src_uri))
        entries.append(f"{page.file.src_uri} entry")  # as the search plugin would

    pages = claims_page_deferred(monkeypatch, calls, entries, build)
    monkeypatch.setattr(parallel_pages, "WAIT_SECONDS", 0.5)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # a copy that dies without a word, or never ends
        os.close(reader)
        if copy_fails_how == "hangs":
            time.sleep(60)
        os._exit(1)
    os.close(writer)
    pages.pid, pages.reader = pid, reader
    started = time.monotonic()
    pages.finish(engine=None)
    assert time.monotonic() - started < 10
    assert calls == [("read", "claims.md"), ("build", "claims.md"), ("links", "claims.md")]
    assert entries == ["before", "claims.md entry", "after"]  # where the loop put it
    assert pages.pid is None and not pages.uris and not pages.deferred


def test_a_page_left_to_the_end_reports_its_error_and_leaves_nothing_skipped(monkeypatch):
    """Without a copy (serve), `finish` builds the pages here: an error of theirs
    reaches MkDocs as from its own loop (serve shows it and keeps serving), and the
    next build skips nothing this one chose, even one that defers nothing."""

    def build(page, *args):
        raise RuntimeError("the template broke")

    pages = claims_page_deferred(monkeypatch, [], [], build)
    with pytest.raises(RuntimeError, match="the template broke"):
        pages.finish(engine=None)
    assert not pages.uris and not pages.deferred
    pages.uris = {"claims.md"}  # as if the error had struck before they were cleared
    monkeypatch.setenv(parallel_pages.SERIAL_VARIABLE, "1")
    following = ParallelPages()
    following.defer({"claims.md"}, SimpleNamespace(pages=[]))
    assert parallel_pages._ACTIVE[0] is following and not following.uris


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="forks only with a second core")
@pytest.mark.parametrize("serial", [False, True, "last"])
def test_links_into_the_engine_pages_are_checked_as_before(scratch, serial):
    page = scratch.root / "docs/posts/tiny.md"
    text = page.read_text()
    page.write_text(text + "\nSee [its claim](../claims.md#claim-tiny-answer).\n")
    good = run_build(scratch, "good", serial)
    assert good.returncode == 0, good.stderr[-2000:]
    page.write_text(text + "\nSee [its claim](../claims.md#claim-tiny-nothing).\n")
    bad = run_build(scratch, "bad", serial)
    assert bad.returncode != 0
    assert "does not contain an anchor '#claim-tiny-nothing'" in bad.stderr


def test_a_copy_is_made_only_while_it_pays():
    """Four authored pages per engine page at most (measured break-even: about five)."""
    assert parallel_pages._pays(13, 8)  # this site: five articles
    assert parallel_pages._pays(32, 8)
    assert not parallel_pages._pays(33, 8)
    assert not parallel_pages._pays(58, 8)  # fifty articles


def test_a_large_site_builds_the_engine_pages_here_after_the_others(scratch):
    """With twenty articles beside the engine's four pages no copy is made; the
    engine's pages are built last, in this process, and the site is the same."""
    text = (scratch.root / "docs" / "posts" / "tiny.md").read_text()
    for letter in "abcdefghijklmnopqrst":  # (a number in a title would be a hand-typed one)
        scratch.write(f"docs/posts/tiny-{letter}.md", text.replace("# Tiny", f"# Tiny {letter}"))
    log = build(scratch, "site-large")
    assert "built in a second process" not in log
    engine_pages = {
        "notebooks/tiny/demo.ipynb",
        "bibliography.md",
        "reproducibility.md",
        "claims.md",
    }
    assert set(built_order(log)[-len(engine_pages) :]) == engine_pages
    build(scratch, "site-serial", serial=True)
    large, in_order = (
        site_files(scratch.root / "site-large"),
        site_files(scratch.root / "site-serial"),
    )
    assert large.keys() == in_order.keys()
    assert [name for name in large if large[name] != in_order[name]] == []
