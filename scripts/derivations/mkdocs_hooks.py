"""MkDocs hooks of the engine: with mkdocs_speedups.py, the only files that know
MkDocs. Each event calls the engine.

Named in mkdocs.yml under `hooks:`. The logic lives in site_engine.py and the
modules it uses, which the tests call directly.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # MkDocs loads hook files by path, not as a package
    sys.path.insert(0, str(ROOT))

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402
from mkdocs.utils import get_relative_url  # noqa: E402

from scripts.derivations import notebook_page, session, theme_patches  # noqa: E402
from scripts.derivations.errors import DerivationError  # noqa: E402
from scripts.derivations.project import Project  # noqa: E402
from scripts.derivations.site_engine import PageSource, SiteEngine  # noqa: E402

log = logging.getLogger("mkdocs.plugins.derivations")
_state: dict = {}


def on_startup(command, dirty):
    session.command = command  # this file is executed again on every rebuild; session is not


def on_config(config):
    project = Project(Path(config.config_file_path).resolve().parent)
    # mkdocs-jupyter's conversions live with every other cache (DERIVATIONS_CACHE_DIR
    # included), so that an empty cache folder means a clean build.
    jupyter = config.plugins.get("mkdocs-jupyter")
    if jupyter is not None:
        jupyter.config["cache_dir"] = str(project.cache_dir / "mkdocs-jupyter")
    _state["engine"] = SiteEngine(
        project,
        serving=session.serving(),
        site_name=config.site_name,
        site_url=config.site_url or "",
    )


@event_priority(100)  # before mkdocs-jupyter, which turns the added notebooks into pages
def on_files(files, config):
    engine: SiteEngine = _state["engine"]
    converter = _state["converter"] = _NotebookConverter(config, files)
    try:
        generated = engine.prepare(
            on_notebook=converter.submit, while_running=lambda: converter.warm_up(engine)
        )
    except DerivationError as error:
        converter.abandon()
        raise PluginError(f"\n{error}") from None
    finally:
        converter.wait_for_warm_up()
    _patch_palette_css(files, config)
    for item in generated:
        existing = files.get_file_from_path(item.site_path)
        if existing is not None:
            files.remove(existing)
        if item.docs_root is not None:
            files.append(
                File(
                    item.site_path, str(item.docs_root), config.site_dir, config.use_directory_urls
                )
            )
        elif item.source is not None:
            files.append(File.generated(config, item.site_path, abs_src_path=str(item.source)))
        else:
            files.append(File.generated(config, item.site_path, content=item.content))
    for problem in engine.site_problems:
        log.error(str(problem))
    return files


def _patch_palette_css(files, config) -> None:
    """Material's palette stylesheet, its page-load restyle removed (theme_patches.py)."""
    for file in list(files):
        if not theme_patches.is_palette_css(file.src_uri) or file.abs_src_path is None:
            continue
        patched = theme_patches.palette_css(Path(file.abs_src_path).read_text(encoding="utf-8"))
        if patched is None:
            # A Material upgrade changed the rule (tests/engine/test_theme_patches.py says so).
            log.info(f"{file.src_uri}: Material's switching rule not found; left as it is")
            continue
        files.remove(file)
        files.append(File.generated(config, file.src_uri, content=patched))


class _NotebookConverter:
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
        """First in the queue, once snippets run: the engine's formulas, the search
        plugin's Chinese word list and, on an empty template cache, the theme's
        templates compiled; each about 0.4-0.6 s that a clean build otherwise spends
        after the last snippet. Failures only mean the real build does it later."""
        for work in (
            engine.warm_up,
            self._load_search_segmenter,
            self._compile_theme_templates,
            self._warm_up_conversions,
        ):
            self.queued.append(self.pool.submit(_quietly, work))

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
        conversion then takes 0.3 s instead of 0.55 s. Once per process: `mkdocs
        serve` executes this file again on every rebuild, the warmed modules stay."""
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
        for name in environment.list_templates(filter_func=lambda n: n.endswith(".html")):
            environment.get_template(name)

    def submit(self, notebook: Path) -> None:
        if self.plugin is None:
            return
        # Fork only while the thread is idle, so that no lock it might hold (a module
        # being imported, say) is copied held into the child; else queue it there.
        if not FORK_CONVERSIONS or not all(work.done() for work in self.queued):
            self.queued.append(self.pool.submit(_quietly, lambda: self._convert(notebook)))
            return
        try:
            pid = os.fork()
        except OSError:
            self.queued.append(self.pool.submit(_quietly, lambda: self._convert(notebook)))
            return
        if pid == 0:
            os._exit(self._convert_in_this_copy(notebook))
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
                log.warning(f"converting {notebook} took too long; the page converts it")
                break
            time.sleep(0.005)
        if self.plugin is not None:
            shutil.rmtree(Path(self.plugin.config["cache_dir"]) / f".converting-{pid}", True)

    def wait_for_warm_up(self) -> None:
        """The formulas rendered ahead are in the engine's memory before pages read it."""
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


def _quietly(work) -> None:
    try:
        work()
    except Exception as error:  # the build does the same work later and reports it
        log.debug(f"work ahead of the build failed: {error!r}")


@event_priority(100)  # before mkdocs-jupyter reads its conversion cache for the page
def on_pre_page(page, config, files):
    converter: _NotebookConverter | None = _state.get("converter")
    if converter is not None and page.file.abs_src_path:
        converter.wait_for(page.file.abs_src_path)
    return page


def on_page_markdown(markdown, page, config, files):
    engine: SiteEngine = _state["engine"]
    source = Path(page.file.abs_src_path or "")
    if not source.is_relative_to(engine.project.docs_dir):
        return markdown  # generated pages (claims, blog archives) have no authored prose
    full_text = source.read_text(encoding="utf-8-sig")
    first_line = full_text.count("\n") - markdown.count("\n") + 1
    page_source = PageSource(
        markdown=markdown,
        path=engine.project.rel(source),
        docs_path=page.file.src_uri,
        first_line=first_line,
        allowed_numbers=list(page.meta.get("allow_numbers") or []),
        claims_page_url=get_relative_url("claims/", page.url),
        url_for=lambda docs_path: get_relative_url(
            files.get_file_from_path(docs_path).url, page.url
        ),
        meta=dict(page.meta),
        canonical_url=page.canonical_url or "",
    )
    try:
        return engine.render_page(page_source)
    except DerivationError as error:
        raise PluginError(f"\n{error}") from None


@event_priority(100)  # before search indexes and glightbox reads the page
def on_page_content(content, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return content
    href_for = lambda site_path: get_relative_url(site_path, page.url)  # noqa: E731
    content = notebook_page.linked_figures(content, _state["engine"].figure_files, href_for)
    content, path, css = notebook_page.shared_styles(content, href_for)
    target = Path(config.site_dir) / path
    if path and not target.is_file():  # one file for all notebook pages
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(css, encoding="utf-8")
    return content


def on_post_page(output, page, config):
    # After the search plugin has indexed the page, so search keeps the TeX.
    try:
        output, extra_files = _state["engine"].finish_page(output, page.file.src_uri)
    except DerivationError as error:
        raise PluginError(f"\n{error}") from None
    folder = Path(page.file.abs_dest_path).parent
    for name, content in extra_files.items():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content, encoding="utf-8")
    return output


def on_post_build(config):
    _state["converter"].abandon()  # any notebook whose page was never built
    for change in _state["engine"].finish():
        log.info(f"claim changed: {change}")


def on_build_error(error):
    converter = _state.get("converter")
    if converter is not None:
        converter.abandon()


def on_serve(server, config, builder):
    project: Project = _state["engine"].project
    for folder in (project.snippets_dir, project.claim_tests_dir):
        server.watch(str(folder))
    return server
