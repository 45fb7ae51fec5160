"""The pages the engine adds (claims, bibliography, reproducibility, the notebooks)
built in a forked copy of `mkdocs build`, on the other core, while the authored
pages are built here.

MkDocs builds pages one after another on one core. The engine's pages need
nothing from the authored pages that is not known once those are read (they are
not in the search results of an authored page, hold no tags and no posts), and
the authored pages need nothing from them but their URLs and navigation titles,
which exist before any page is read. So MkDocs is told to skip them here
(`mkdocs.commands.build._populate_page` and `_build_page` are wrapped), and when
every page is read (`on_env`, where MkDocs starts writing) a forked copy reads and
builds them with the same plugins, and writes them. Before the search index is
written (`finish`) the copy hands back what this process would have kept: their
search entries, in the places a serial build puts them, their log messages
(logged here, so `--strict` counts their warnings), and the formulas it rendered
that the formula cache lacks.

On a large site a copy costs more than it saves (see `_pays`), and none is made.

Where no copy can be made (another platform, one core, `mkdocs serve`, a thread
or KaTeX's V8 already running here), or the copy failed, the pages are still left
to the end and built here in `finish`, where an error they raise is reported as
usual: a notebook page then waits for its conversion (notebook_conversion.py) only
after the authored pages are built, and where the conversion runs in a forked
copy (Linux) that happens meanwhile. If MkDocs' functions are not as this module
knows them, nothing is deferred.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import select
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("mkdocs.plugins.derivations")

PLATFORM_CAN_FORK = sys.platform == "linux" and hasattr(os, "fork")
# 1: every page in this process in MkDocs' order (to compare, or debug); "last": the
# engine's pages in this process after the others, as when no copy can be made.
SERIAL_VARIABLE = "DERIVATIONS_SERIAL_PAGES"
WAIT_SECONDS = 300.0  # the copy takes well under a second; past this it is stuck


class ParallelPages:
    """One build's engine pages: chosen by `defer`, built by the copy `start` forks or
    else here in `finish`, which merges what the copy did."""

    def __init__(self):
        self.uris: set[str] = set()  # the pages this process skips
        self.deferred: dict[str, object] = {}  # src_uri → Page, as MkDocs' loop met it
        self.skipped_at: dict[str, int] = {}  # src_uri → search entries before it
        self.pid: int | None = None
        self.reader: int | None = None
        self.build_context: tuple = ()  # MkDocs' config, files, nav and environment

    # -- before the pages are read ---------------------------------------------
    def defer(self, src_uris: set[str], nav) -> None:
        """Skip these pages (docs paths) in MkDocs' loops, to build them after the
        others. A page in the navigation is skipped only if the navigation names it:
        else MkDocs takes its title from its text, which the loops would not have
        read, and the other pages' menus and footers show that title."""
        _ACTIVE[:] = [self]  # the wrappers ask this build's instance, not an earlier one's
        if os.environ.get(SERIAL_VARIABLE) == "1":
            return
        untitled = {page.file.src_uri for page in nav.pages if "title" not in vars(page)}
        src_uris = set(src_uris) - untitled
        if src_uris and _wrap_mkdocs():
            self.uris = src_uris

    def skips(self, page) -> bool:
        return page.file.src_uri in self.uris

    # -- when every other page is read -----------------------------------------
    def start(self, config, files, nav, env, engine, fork: bool = True) -> None:
        """Fork the copy that builds the deferred pages, if `fork` (the caller's
        conditions) and this process allow; else they wait for `finish`. `engine`:
        the SiteEngine, whose formula cache and math figures the copy adds to."""
        if not self.uris:
            return
        self.build_context = (config, files, nav, env)
        fork = fork and os.environ.get(SERIAL_VARIABLE) != "last"
        authored = len(files.documentation_pages()) - len(self.deferred)
        if fork and self.deferred and _pays(authored, len(self.deferred)) and _can_fork():
            reader, writer = os.pipe()
            try:
                pid = os.fork()
            except OSError:
                os.close(reader)
                os.close(writer)
            else:
                if pid == 0:
                    os.close(reader)
                    os._exit(_build_in_copy(self, config, files, nav, env, engine, writer))
                os.close(writer)
                self.pid, self.reader = pid, reader

    # -- before the search index is written -------------------------------------
    def finish(self, engine) -> None:
        """Take in what the copy did, or build the pages here: without a copy, or
        after a failed one."""
        if not self.deferred or not self.build_context:
            self.deferred, self.uris = {}, set()
            return
        config, files, nav, env = self.build_context
        payload, failure = self._collect() if self.pid is not None else (None, "")
        pages, self.deferred, self.uris = list(self.deferred.values()), {}, set()
        if payload is None:
            if failure:
                log.info(
                    f"building the engine's pages in a second process failed; built here{failure}"
                )
            built = _read_and_build(pages, config, files, nav, env)
        else:
            log.debug(f"built in a second process: {', '.join(sorted(payload['entries']))}")
            for name, level, message in payload["records"]:
                logging.getLogger(name).log(level, message)
            built = payload["entries"]
            engine.take_math(payload["math"])
            used = _conversions_used(config)
            if used is not None:
                used.update(Path(path) for path in payload["notebook_conversions"])
            for page in pages:
                page.present_anchor_ids = set(payload["anchors"].get(page.file.src_uri, ()))
        entries = search_entries(config)
        if entries is not None:
            _insert_entries(entries, self.skipped_at, built)
        _check_links_into(pages, files, config)

    def _collect(self) -> tuple[dict | None, str]:
        """The copy's payload (None if it failed or ran past WAIT_SECONDS), and what
        went wrong, for the log."""
        chunks = []
        deadline = time.monotonic() + WAIT_SECONDS
        failure = ""
        with os.fdopen(self.reader, "rb", buffering=0) as stream:
            self.reader = None
            while select.select([stream], [], [], max(0.0, deadline - time.monotonic()))[0]:
                chunk = stream.read(1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
            else:
                os.kill(self.pid, signal.SIGKILL)
                failure = f": stopped after {WAIT_SECONDS:g} s"
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        try:
            payload = json.loads(b"".join(chunks))
        except ValueError:
            return None, failure or f": exit status {status}"
        if status != 0 or "failure" in payload:
            return None, failure or f":\n{payload.get('failure', '')}"
        return payload, ""

    def abandon(self) -> None:
        """The build stops: no copy outlives it."""
        if self.pid is not None:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            self.pid = None
        if self.reader is not None:
            os.close(self.reader)
            self.reader = None
        self.deferred, self.uris = {}, set()


def _check_links_into(pages: list, files, config) -> None:
    """MkDocs checked every page's links to anchors before these pages existed here
    (and skipped the links into them): check those links now, with MkDocs' check."""
    targets = {page.file.src_uri for page in pages}
    for file in files.documentation_pages():
        page = file.page
        links = getattr(page, "links_to_anchors", None) if page is not None else None
        if not links or file.src_uri in targets:
            continue
        into = {to: found for to, found in links.items() if to.src_uri in targets}
        if into:
            page.links_to_anchors = into
            try:
                page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
            finally:
                page.links_to_anchors = links


def _read_and_build(pages: list, config, files, nav, env) -> dict[str, list]:
    """Read, build and write the pages as MkDocs' loops do, then check their links to
    anchors (as MkDocs checks every page's after its loop). Returns each page's search
    entries, taken back out of the index: the caller puts them where the serial loop
    does (`_insert_entries`)."""
    entries = search_entries(config)
    for page in pages:
        _ORIGINAL["_populate_page"](page, config, files)
    doc_files = files.documentation_pages()
    built: dict[str, list] = {}
    for page in pages:
        before = len(entries) if entries is not None else 0
        _ORIGINAL["_build_page"](page, config, doc_files, nav, env)
        built[page.file.src_uri] = entries[before:] if entries is not None else []
        if entries is not None:
            del entries[before:]
    for page in pages:
        page.validate_anchor_links(files=files, log_level=config.validation.links.anchors)
    return built


# The copy saves this process the engine's pages, but costs it a page fault for
# each page of memory it writes after the fork (copy on write), and the memory grows
# with the pages read. Interleaved builds, forked copy against the same pages built
# last here: 5 articles (13 authored pages, 8 of the engine's) 0.3 s saved; 50
# articles 0.2 s lost (104,000 minor faults against 69,000); 500 articles 1.4 to
# 6.5 s lost. Break-even is near five authored pages per engine page: fork up to four.
AUTHORED_PAGES_PER_ENGINE_PAGE = 4


def _pays(authored_pages: int, engine_pages: int) -> bool:
    """Whether a copy is worth its cost on a site of this many pages (see above)."""
    return authored_pages <= AUTHORED_PAGES_PER_ENGINE_PAGE * engine_pages


def _can_fork() -> bool:
    """Fork only where it is plain and safe: Linux, two cores or more, and no other
    thread in this process (a lock one holds would be copied held)."""
    return PLATFORM_CAN_FORK and (os.cpu_count() or 1) >= 2 and threading.active_count() == 1


def _build_in_copy(pages: ParallelPages, config, files, nav, env, engine, writer: int) -> int:
    """In the forked copy: read and build the pages, write them, and send back what
    the parent keeps. Never returns to MkDocs: the caller exits with the result."""
    try:
        records: list[tuple[str, int, str]] = []
        mkdocs_log = logging.getLogger("mkdocs")
        mkdocs_log.handlers = [_Capture(records)]  # the parent logs them, once, counted
        mkdocs_log.propagate = False
        deferred, pages.uris = list(pages.deferred.values()), set()
        math_before = engine.math_snapshot()
        built = _read_and_build(deferred, config, files, nav, env)
        payload = {
            "records": records,
            "entries": built,
            "anchors": {p.file.src_uri: sorted(p.present_anchor_ids or ()) for p in deferred},
            "math": engine.math_since(math_before),
            "notebook_conversions": sorted(map(str, _conversions_used(config) or ())),
        }
        with os.fdopen(writer, "wb") as stream:
            stream.write(json.dumps(payload).encode())
        return 0
    except BaseException:
        with contextlib.suppress(Exception), os.fdopen(writer, "wb") as stream:
            stream.write(json.dumps({"failure": traceback.format_exc()}).encode())
        return 1


class _Capture(logging.Handler):
    def __init__(self, records: list):
        super().__init__(logging.DEBUG)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _insert_entries(entries: list, skipped_at: dict[str, int], built: dict[str, list]) -> None:
    """Each page's entries where the serial build puts them: a page's place is the
    number of entries there were when MkDocs' loop reached it. From the last page
    the loop reached back to the first, so that pages sharing a place keep their order."""
    for src_uri, position in reversed(skipped_at.items()):
        entries[position:position] = built.get(src_uri, [])


_ORIGINAL: dict[str, Callable] = {}
_ACTIVE: list[ParallelPages] = []  # the build's instance: the wrappers ask it


def _wrap_mkdocs() -> bool:
    """Wrap MkDocs' page functions once per process; False if they are not as this
    module knows them (then nothing is deferred). The wrappers ask the instance in
    _ACTIVE, which `ParallelPages.defer` sets."""
    if _ORIGINAL:
        return True
    try:
        from mkdocs.commands import build
    except ImportError:
        return False
    expected = {
        "_populate_page": ["page", "config", "files", "dirty"],
        "_build_page": ["page", "config", "doc_files", "nav", "env", "dirty", "excluded"],
    }
    for name, parameters in expected.items():
        function = getattr(build, name, None)
        if function is None or list(inspect.signature(function).parameters) != parameters:
            return False
    _ORIGINAL.update({name: getattr(build, name) for name in expected})

    def populate(page, config, files, dirty=False):
        active = _ACTIVE[0] if _ACTIVE else None
        if active is not None and active.skips(page):
            active.deferred[page.file.src_uri] = page
            return None
        return _ORIGINAL["_populate_page"](page, config, files, dirty)

    def build_page(page, config, doc_files, nav, env, dirty=False, excluded=False):
        active = _ACTIVE[0] if _ACTIVE else None
        if active is not None and active.skips(page):
            active.skipped_at[page.file.src_uri] = _search_entries_count(config)
            return None
        return _ORIGINAL["_build_page"](page, config, doc_files, nav, env, dirty, excluded)

    build._populate_page, build._build_page = populate, build_page
    return True


def _search_entries_count(config) -> int:
    entries = search_entries(config)
    return len(entries) if entries is not None else 0


def _conversions_used(config) -> set | None:
    """mkdocs-jupyter's record of the conversions this build used (it deletes the
    others from its cache after the build), or None."""
    used = getattr(config.plugins.get("mkdocs-jupyter"), "_used_cache_paths", None)
    return used if isinstance(used, set) else None


def can_carry_notebooks(config) -> bool:
    """Notebook pages can be built in the copy only if this process learns which
    conversions the copy used; else mkdocs-jupyter would delete them as unused."""
    return config.plugins.get("mkdocs-jupyter") is None or _conversions_used(config) is not None


def search_entries(config) -> list | None:
    """Material's search index entries as they are collected, or None."""
    plugin = config.plugins.get("material/search") or config.plugins.get("search")
    index = getattr(plugin, "search_index", None)
    entries = getattr(index, "entries", None)
    return entries if isinstance(entries, list) else None
