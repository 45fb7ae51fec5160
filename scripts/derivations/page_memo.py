"""Page work remembered by its inputs: every page's for the life of `mkdocs serve`,
and the engine's own pages' on disk, from one build to the next.

MkDocs rebuilds the whole site on every save, and `mkdocs build` starts from
nothing. Most pages are as before: the same Markdown, the same included files,
the same site, and so the same HTML, search entries and reading time. This module
wraps MkDocs' page rendering, Material's search indexing and the blog's reading
time, and keeps what they produced keyed by a digest of what they read:

- under `mkdocs serve`, in memory, for every page;
- on disk (`.cache/pages/`), for the pages the engine generates (claims,
  bibliography, reproducibility: `keep_on_disk`), in every build. Their Markdown
  and search entries cost 0.07 s of each cached build, on the second core
  (parallel_pages.py), for pages that change only when a value or the site does.
  Authored pages are left to MkDocs: the benchmark's plain build renders them the
  same way, and `mkdocs build` keeps doing the full work for them.

A key on disk also holds the versions of the packages that render Markdown and
index search, and this file's own text, so an upgrade or a change here starts
afresh. A rendering that logged a warning (a broken link, say) is never kept on
disk, so that every build reports it again and `--strict` fails each time. Under
serve, a remembered page's link warnings are not printed again (they were printed
when the page last changed).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import logging
import re
import sys
from pathlib import Path

from . import session
from .jsonfiles import read_json, write_json_atomic

SNIPPET_INCLUDE = re.compile(r'^[ \t]*-{1,}8<-{1,}[ \t]+"(?P<path>[^"]+)"', re.M)
# The packages whose code turns a page's Markdown into HTML and its HTML into
# search entries, by the module that carries each one's version.
RENDERING_PACKAGES = ("mkdocs", "markdown", "pymdownx", "material", "pygments", "jieba")


def digest(*parts: str | bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8") if isinstance(part, str) else part)
        hasher.update(b"\0")
    return hasher.hexdigest()


def _included_files(markdown: str) -> str:
    """The contents of every file the page includes with pymdownx.snippets."""
    parts = []
    for match in SNIPPET_INCLUDE.finditer(markdown):
        path = Path(match["path"].split(":")[0])
        parts.append(path.read_bytes() if path.is_file() else b"<missing>")
    return digest(*parts)


def _site(files, config) -> str:
    """Every file's path and URL and the configuration file: what links resolve against."""
    cached = getattr(files, "_derivations_site_digest", None)
    if cached is None:
        listing = "\n".join(sorted(f"{f.src_uri}\t{f.url}" for f in files))
        config_file = Path(config.config_file_path or "")
        cached = digest(listing, config_file.read_bytes() if config_file.is_file() else b"")
        files._derivations_site_digest = cached
    return cached


@functools.cache
def _code_version() -> str:
    """This file and the rendering packages' versions (those imported: jieba only
    where Material's search segments Chinese text with it)."""
    versions = [Path(__file__).read_text(encoding="utf-8")]
    for name in RENDERING_PACKAGES:
        module = sys.modules.get(name)
        versions.append(f"{name}={getattr(module, '__version__', None)}")
    return digest(*versions)


class _DiskMemo:
    """One JSON file per page under `folder`, named by the page's source path: for
    each wrapped step, the digest of its inputs and what it produced from them."""

    def __init__(self):
        self.folder: Path | None = None
        self.uris: set[str] = set()
        self.loaded: dict[str, dict] = {}  # source path → its file's entries, as read

    def keeps(self, src_uri: str) -> bool:
        return self.folder is not None and src_uri in self.uris

    def file(self, src_uri: str) -> Path:
        return self.folder / f"{digest(src_uri)[:24]}.json"

    def _entries(self, src_uri: str) -> dict:
        if src_uri not in self.loaded:
            try:
                stored = read_json(self.file(src_uri))
            except (OSError, ValueError):
                stored = {}
            self.loaded[src_uri] = stored if isinstance(stored, dict) else {}
        return self.loaded[src_uri]

    def get(self, src_uri: str, step: str, inputs: str):
        entry = self._entries(src_uri).get(step)
        if isinstance(entry, dict) and entry.get("inputs") == digest(inputs, _code_version()):
            return entry.get("value")
        return None

    def put(self, src_uri: str, step: str, inputs: str, value) -> None:
        entries = self._entries(src_uri)
        entries[step] = {"inputs": digest(inputs, _code_version()), "value": value}
        with contextlib.suppress(OSError):  # a read-only cache only costs the next build
            # Unsorted: search entries keep their keys' order, as the index prints them.
            write_json_atomic(self.file(src_uri), entries, sort_keys=False)


_disk = _DiskMemo()


def keep_on_disk(src_uris: set[str], folder: Path) -> None:
    """From now on (this process), remember these pages' work in `folder`, across
    builds. Called by the engine each build with the pages it generates; files of
    pages it no longer generates are removed."""
    _disk.folder, _disk.uris, _disk.loaded = folder, set(src_uris), {}
    wanted = {_disk.file(uri).name for uri in src_uris}
    if folder.is_dir():
        for file in folder.glob("*.json"):
            if file.name not in wanted:
                file.unlink(missing_ok=True)


class _Warnings(logging.Handler):
    """Counts the warnings MkDocs logs while a page renders (broken links)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _toc_tokens(toc) -> list[dict]:
    """A table of contents as the Markdown toc extension's tokens, which MkDocs'
    `get_toc` turns back into the same table."""
    return [
        {"level": a.level, "id": a.id, "name": a.title, "children": _toc_tokens(a.children)}
        for a in toc
    ]


def _recall(memory: dict, key: str, src_uri: str, step: str, inputs: str, on_disk: bool):
    """What `step` made from these inputs, from this server's memory or from disk
    (then also kept in memory, so that later rebuilds do not read the file again);
    None if neither has it."""
    serving = session.serving()
    known = memory.get(key) if serving else None
    if known is not None and known[0] == inputs:
        return known[1]
    value = _disk.get(src_uri, step, inputs) if on_disk else None
    if value is not None and serving:
        memory[key] = (inputs, value)
    return value


def _keep(memory: dict, key: str, src_uri: str, step: str, inputs: str, value, on_disk: bool):
    """Remember what `step` made: in memory under serve, on disk if `on_disk`."""
    if session.serving():
        memory[key] = (inputs, value)
    if on_disk:
        _disk.put(src_uri, step, inputs, value)


_pages: dict[str, tuple[str, dict]] = {}  # source path → (inputs digest, what render set)


def _remember_render(render):
    from mkdocs.structure.toc import get_toc

    @functools.wraps(render)
    def remembered(self, config, files):
        serving, on_disk = session.serving(), _disk.keeps(self.file.src_uri)
        if not serving and not on_disk:
            return render(self, config, files)
        inputs = digest(
            self.url,
            self.markdown,
            _included_files(self.markdown),
            _site(files, config),
            repr(config.markdown_extensions),
            repr(config.mdx_configs),
        )
        src_uri = self.file.src_uri
        saved = _recall(_pages, src_uri, src_uri, "render", inputs, on_disk)
        if saved is not None:
            self.content, self.toc = saved["content"], get_toc(saved["toc"])
            self._title_from_render = saved["title"]
            self.present_anchor_ids = set(saved["anchors"])
            if saved["links"] is not None:
                self.links_to_anchors = {
                    target: anchors
                    for src_uri, anchors in saved["links"]
                    if (target := files.get_file_from_path(src_uri)) is not None
                }
            return None
        warnings = _Warnings()
        # MkDocs' logger may not pass records on to the root (the forked copy's does
        # not), and a Markdown extension logs under its own name: listen on both.
        listened = (logging.getLogger("mkdocs"), logging.getLogger())
        for logger in listened:
            logger.addHandler(warnings)
        try:
            render(self, config, files)
        finally:
            for logger in listened:
                logger.removeHandler(warnings)
        links = getattr(self, "links_to_anchors", None)
        saved = {
            "content": self.content,
            "toc": _toc_tokens(self.toc),
            "title": self._title_from_render,
            "anchors": sorted(self.present_anchor_ids or ()),
            "links": None if links is None else [(f.src_uri, a) for f, a in links.items()],
        }
        _keep(_pages, src_uri, src_uri, "render", inputs, saved, on_disk and not warnings.count)
        return None

    return remembered


_search: dict[str, tuple[str, list]] = {}  # page URL → (inputs digest, its entries)


def _remember_search_entries(add_entry_from_context):
    @functools.wraps(add_entry_from_context)
    def remembered(self, page):
        serving, on_disk = session.serving(), _disk.keeps(page.file.src_uri)
        if not serving and not on_disk:
            return add_entry_from_context(self, page)
        inputs = digest(
            page.url, str(page.title), page.content or "", repr(page.meta), repr(self.config)
        )
        entries = _recall(_search, page.url, page.file.src_uri, "search", inputs, on_disk)
        if entries is not None:
            self.entries.extend(copy.deepcopy(entries))
            return None
        before = len(self.entries)
        add_entry_from_context(self, page)
        entries = copy.deepcopy(self.entries[before:])
        _keep(_search, page.url, page.file.src_uri, "search", inputs, entries, on_disk)
        return None

    return remembered


def _remember_reading_time(readtime):
    times: dict[tuple[str, int], int] = {}

    @functools.wraps(readtime)
    def remembered(html, words_per_minute):
        if not session.serving():
            return readtime(html, words_per_minute)
        key = (digest(html), words_per_minute)
        if key not in times:
            times[key] = readtime(html, words_per_minute)
        return times[key]

    return remembered


def install() -> None:
    """Wrap MkDocs' page rendering, Material's search indexing and the blog's
    reading time, once per process."""
    from material.plugins.blog import plugin as blog
    from material.plugins.search.plugin import SearchIndex
    from mkdocs.structure.pages import Page

    if getattr(Page.render, "derivations_remembered", False):
        return
    Page.render = _remember_render(Page.render)
    SearchIndex.add_entry_from_context = _remember_search_entries(
        SearchIndex.add_entry_from_context
    )
    blog.readtime = _remember_reading_time(blog.readtime)
    for wrapped in (Page.render, SearchIndex.add_entry_from_context, blog.readtime):
        wrapped.derivations_remembered = True
