"""Work done ahead of the pages while snippets run: each fresh notebook converted
(by mkdocs-jupyter's own page code) and what the first pages would otherwise wait
for. Called from mkdocs_hooks.py; it takes MkDocs' config and files as they are
and imports nothing of MkDocs."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .site_engine import SiteEngine

log = logging.getLogger("mkdocs.plugins.derivations")


class NotebookConverter:
    """Work ahead of the pages: turns each freshly run snippet's notebook into its page
    while the other snippets still run and the other pages are built, and meanwhile
    does what the pages would otherwise wait for (see `warm_up`).

    A notebook is converted by calling mkdocs-jupyter's own page code on a stand-in
    page, which fills the plugin's conversion cache; the real page then finds its
    conversion there. On Linux the conversion runs in a forked copy of this process,
    on the other core: about 0.4 s of nbconvert per notebook that a clean build paid
    after the last snippet and an author paid after every snippet edit under serve,
    one after another with the page build. The real page waits for its own copy only
    (`wait_for`), so the other pages are built meanwhile. Elsewhere, and if anything
    fails, the conversion runs in a thread or the real page converts the notebook
    itself and reports any error."""

    def __init__(self, config, files):
        self.config, self.files = config, files
        self.plugin = config.plugins.get("mkdocs-jupyter")
        # One thread: the main thread only waits on the snippet processes meanwhile.
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.queued: list[Future] = []  # work in the thread, done or not
        self.children: dict[str, int] = {}  # notebook path → pid of its converting copy

    def warm_up(self, engine: SiteEngine) -> None:
        """First in the queue, once snippets run: the engine's formulas and
        bibliography, the search plugin's Chinese word list and, on an empty template
        cache, the theme's templates a page may use compiled; each 0.2-0.6 s that a
        clean build otherwise spends after the last snippet. Failures only mean the
        real build does it later."""
        for work in (
            engine.warm_up,
            self._load_search_segmenter,
            self._compile_theme_templates,
            self._warm_up_conversions,
        ):
            self.queued.append(self.pool.submit(quietly, work))

    def _load_search_segmenter(self) -> None:
        """Material's search segments Chinese text with jieba when it is installed, and
        jieba loads its dictionary on first use (0.6 s). Loaded here, the first page
        finds it ready; the dictionary is the same one either way."""
        if self.config.plugins.get("material/search") is None:
            return
        import jieba

        jieba.initialize()

    def _warm_up_conversions(self) -> None:
        """nbconvert's first conversion in a process costs about 0.25 s more than the
        next (templates, parsers and tables made on first use). Paid once here, in
        the process the forked copies are made from, each copy starts warm: a
        conversion then takes 0.3 s instead of 0.55 s. Once per process: under `mkdocs
        serve` each rebuild makes a new converter, and the warmed modules stay."""
        if self.plugin is None:
            return
        from mkdocs_jupyter import convert

        if getattr(convert, "derivations_warm", False):
            return
        with tempfile.TemporaryDirectory() as folder:
            tiny = Path(folder) / "warm-up.ipynb"
            tiny.write_text(json.dumps(WARM_UP_NOTEBOOK), encoding="utf-8")
            convert.nb2html(str(tiny), theme=self.plugin.config["theme"])
            convert.nb2md(str(tiny))
        convert.derivations_warm = True

    def _compile_theme_templates(self) -> None:
        environment = self.config.theme.get_env()
        folder = getattr(environment.bytecode_cache, "directory", None)
        if folder is None or any(Path(folder).glob("*.cache")):
            return  # no template cache, or one already filled: nothing to gain
        for name in environment.list_templates(filter_func=self._theme_template_used):
            # One by one: a template that needs a plugin's filter (the blog's `date`,
            # added when pages are built) fails here and is compiled then. Stopping
            # at the first such failure had left 113 of Material's 115 templates
            # (0.48 s of CPU) to the build after the last snippet.
            with contextlib.suppress(Exception):
                environment.get_template(name)

    def _theme_template_used(self, name: str) -> bool:
        """An HTML template a page of this site may load. Of Material's 69 language
        files a page imports two, the site's language and English, its fallback
        (partials/language.html); compiling all had taken 0.33 s of the 0.51 s of
        CPU this warm-up spent, on the cores the snippets were using."""
        if not name.endswith(".html"):
            return False
        folder, _, file = name.rpartition("/")
        if folder != THEME_LANGUAGES:
            return True
        return file in {f"{self.config.theme.get('language') or 'en'}.html", "en.html"}

    def submit(self, notebook: Path) -> None:
        if self.plugin is None:
            return
        # Fork only while the thread is idle, so that no lock it might hold (a module
        # being imported, say) is copied held into the child; else queue it there.
        pid = None
        if FORK_CONVERSIONS and all(work.done() for work in self.queued):
            with contextlib.suppress(OSError):
                pid = os.fork()
        if pid is None:
            self.queued.append(self.pool.submit(quietly, lambda: self._convert(notebook)))
        elif pid == 0:
            os._exit(self._convert_in_this_copy(notebook))
        else:
            self.children[str(notebook)] = pid

    def _convert(self, notebook: Path) -> None:
        stand_in = SimpleNamespace(
            file=SimpleNamespace(abs_src_path=str(notebook), src_path=notebook.name),
            abs_url=None,
        )
        self.plugin.on_pre_page(stand_in, config=self.config, files=self.files)
        if hasattr(stand_in, "render"):  # the plugin took the notebook
            stand_in.render(self.config, self.files)

    def _convert_in_this_copy(self, notebook: Path) -> int:
        """In the forked copy: convert, then move the conversion into the shared cache in
        one rename (the plugin writes its file in place, and the real page must never
        read half of one). Only this thread exists here: streams another thread may
        have been writing at the fork are replaced, not used."""
        try:
            yield_to_snippets()
            stream = os.fdopen(os.dup(2), "w", buffering=1)
            sys.stdout = sys.stderr = stream
            for logger in (logging.getLogger(), logging.getLogger("mkdocs")):
                for handler in logger.handlers:
                    if isinstance(handler, logging.StreamHandler):
                        handler.stream = stream
            shared = Path(self.plugin.config["cache_dir"])
            own = shared / f".converting-{os.getpid()}"
            self.plugin.config["cache_dir"] = str(own)
            self._convert(notebook)
            for written in own.glob("*.json"):
                os.replace(written, shared / written.name)
            own.rmdir()
            stream.flush()
            return 0
        except BaseException:
            return 1

    def wait_for(self, notebook: str) -> None:
        """The forked conversion of this notebook has ended (or was stopped); its page
        then finds the conversion in the cache, or converts the notebook itself."""
        pid = self.children.pop(notebook, None)
        if pid is None:
            return
        deadline = time.monotonic() + CONVERSION_TIMEOUT_SECONDS
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                log.info(f"converting {notebook} took too long; the page converts it")
                break
            time.sleep(0.005)
        if self.plugin is not None:
            shutil.rmtree(Path(self.plugin.config["cache_dir"]) / f".converting-{pid}", True)

    def wait_for_thread(self) -> None:
        """Everything queued in the thread is done before pages read its results: the
        formulas rendered ahead, and any conversion that ran there instead of in a
        forked copy (the plugin's cache files are not written atomically)."""
        self.pool.shutdown(wait=True)

    def abandon(self) -> None:
        """The build stops: no forked conversion outlives it."""
        for notebook in list(self.children):
            pid = self.children[notebook]
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            self.wait_for(notebook)


# Fork only where it is plain and safe: Linux, where a forked copy runs the pure-Python
# conversion without touching anything the other threads hold (see _convert_in_this_copy).
FORK_CONVERSIONS = sys.platform == "linux" and hasattr(os, "fork")
CONVERSION_TIMEOUT_SECONDS = 120.0
# Elsewhere PRIO_PROCESS with a thread's id would name a process.
YIELD_TO_SNIPPETS = sys.platform == "linux" and hasattr(os, "setpriority")
LOWER_PRIORITY = 10  # Linux's scheduler then gives a snippet nine parts in ten
THEME_LANGUAGES = "partials/languages"  # Material's translations, one file per language
WARM_UP_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "markdown",
            "id": "text",
            "metadata": {},
            "source": "# Warm-up\n\nText and $x^2$.",
        },
        {
            "cell_type": "code",
            "id": "code",
            "execution_count": 1,
            "metadata": {},
            "outputs": [{"name": "stdout", "output_type": "stream", "text": "1\n"}],
            "source": "print(1)",
        },
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def quietly(work) -> None:
    try:
        work()
    except Exception as error:  # the build does the same work later and reports it
        log.debug(f"work ahead of the build failed: {error!r}")


def yield_to_snippets() -> None:
    """Lower the calling thread's CPU priority (Linux: niceness is per thread). A
    forked conversion of an early snippet's notebook is needed only once every
    snippet has run, so it should take the cores the snippets leave idle (the last
    snippet often runs alone) rather than share them. Three clean builds each way:
    the snippet phase took 1.18-1.19 times its snippets' CPU time over two cores,
    against 1.22-1.23 at equal priority. (Lowering the warm-up thread too made it
    late, and conversions then queued behind it in this process instead of forking.)"""
    if not YIELD_TO_SNIPPETS:
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):
        if os.getpriority(os.PRIO_PROCESS, thread) < LOWER_PRIORITY:  # never raise it
            os.setpriority(os.PRIO_PROCESS, thread, LOWER_PRIORITY)
