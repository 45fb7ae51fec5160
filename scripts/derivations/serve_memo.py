"""Under `mkdocs serve`, a rebuild redoes only the pages whose inputs changed.

MkDocs rebuilds the whole site on every save. After a snippet edit most pages
are as before: the same Markdown, the same included files, the same site, and
so the same HTML, search entries and reading time. This module remembers those
per page for the life of the server, keyed by what they depend on, and is active
only while serving: `mkdocs build` always does the full work. On a remembered
page, MkDocs' link warnings are not printed again (they were printed when the
page last changed).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import re
from pathlib import Path

from . import session

SNIPPET_INCLUDE = re.compile(r'^[ \t]*-{1,}8<-{1,}[ \t]+"(?P<path>[^"]+)"', re.M)


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


_pages: dict[str, tuple[str, dict]] = {}  # source path → (inputs digest, what render set)


def _remember_render(render):
    @functools.wraps(render)
    def remembered(self, config, files):
        if not session.serving():
            return render(self, config, files)
        inputs = digest(
            self.url, self.markdown, _included_files(self.markdown), _site(files, config)
        )
        known = _pages.get(self.file.src_uri)
        if known is not None and known[0] == inputs:
            saved = known[1]
            self.content, self.toc = saved["content"], saved["toc"]
            self._title_from_render = saved["title"]
            self.present_anchor_ids = saved["anchors"]
            if saved["links"] is not None:
                self.links_to_anchors = {
                    target: anchors
                    for src_uri, anchors in saved["links"]
                    if (target := files.get_file_from_path(src_uri)) is not None
                }
            return None
        render(self, config, files)
        links = getattr(self, "links_to_anchors", None)
        _pages[self.file.src_uri] = (
            inputs,
            {
                "content": self.content,
                "toc": self.toc,
                "title": self._title_from_render,
                "anchors": self.present_anchor_ids,
                "links": None if links is None else [(f.src_uri, a) for f, a in links.items()],
            },
        )
        return None

    return remembered


_search: dict[str, tuple[str, list]] = {}  # page URL → (inputs digest, its entries)


def _remember_search_entries(add_entry_from_context):
    @functools.wraps(add_entry_from_context)
    def remembered(self, page):
        if not session.serving():
            return add_entry_from_context(self, page)
        inputs = digest(
            page.url, str(page.title), page.content or "", repr(page.meta), repr(self.config)
        )
        known = _search.get(page.url)
        if known is not None and known[0] == inputs:
            self.entries.extend(copy.deepcopy(known[1]))
            return None
        before = len(self.entries)
        add_entry_from_context(self, page)
        _search[page.url] = (inputs, copy.deepcopy(self.entries[before:]))
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
