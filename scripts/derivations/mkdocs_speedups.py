"""MkDocs hooks that make MkDocs and Material faster, independent of the engine.

Listed in mkdocs.yml before the engine's hooks. They change no output: the
benchmark's "plain" build keeps them and drops the engine (mkdocs_hooks.py), so
that `cached_over_plain` measures the engine alone.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from mkdocs.plugins import event_priority

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # MkDocs loads hook files by path, not as a package
    sys.path.insert(0, str(ROOT))

from scripts.derivations import page_memo  # noqa: E402
from scripts.derivations.project import Project  # noqa: E402

page_memo.install()  # under `mkdocs serve`, and for the engine's pages: see page_memo.py

# A build keeps every page's HTML and table of contents alive until it ends, so the
# cyclic garbage collector's full passes grow with the site and the time per page
# with it. Fewer passes: a synthetic site of 200 articles built in 69 s instead of
# 75-85 s (two runs each), for 2 % more peak memory. Cycles are still collected.
# (No gc.freeze(): under serve this file runs again on every rebuild, and freezing
# then would keep the previous build's garbage for good.)
gc.set_threshold(50_000, 20, 100)

# How often `mkdocs serve` looks for saved files. MkDocs polls every 0.5 s, so a save
# waited 0.25 s on average (0.5 s at worst) before its rebuild began; a poll costs one
# stat per watched file (about a hundred here), so ten a second cost nothing to notice.
SERVE_POLL_SECONDS = 0.1


_invocation: dict[str, str] = {}


def on_startup(command, dirty):
    _invocation["command"] = command


def on_shutdown():
    """`mkdocs build` ends here, and the interpreter's garbage collections at exit
    would walk every object the build left: 0.15-0.20 s from the end of the build to
    the end of the process (six runs), 0.030-0.035 s with them frozen (four). Frozen
    objects are only skipped by the collector; files are closed as the build writes
    them. Not under `mkdocs serve`, whose process lives on."""
    if _invocation.get("command") == "build":
        gc.freeze()


def on_config(config):
    project = Project(Path(config.config_file_path).resolve().parent)
    _cache_compiled_templates(config.theme, project.cache_dir / "jinja")
    _cache_compiled_notebook_templates(project.cache_dir / "jinja-nbconvert")


def _cache_compiled_templates(theme, folder: Path) -> None:
    """Keep Jinja's compiled templates on disk. MkDocs and Material's blog plugin make a
    new environment for every build, so without this each build (and each rebuild
    under `mkdocs serve`) compiles the theme's templates again: about 1.4 s of a
    cached build. The cache is keyed by each template's source checksum."""
    make_environment = theme.get_env

    def get_env():
        environment = make_environment()
        folder.mkdir(parents=True, exist_ok=True)
        environment.bytecode_cache = FileSystemBytecodeCache(str(folder))
        return environment

    theme.get_env = get_env


def _cache_compiled_notebook_templates(folder: Path) -> None:
    """The same for nbconvert, which mkdocs-jupyter asks for a new exporter, and so a
    new Jinja environment, for every notebook it converts: compiling its templates
    took 0.3-0.4 s of each conversion (0.71-1.1 s with it, 0.37-0.66 s with the
    compiled templates on disk, one notebook, three runs each), in a clean build and
    after each snippet edit under serve. Skipped if nbconvert's internals differ."""
    try:
        from nbconvert.exporters.templateexporter import TemplateExporter
    except ImportError:
        return
    # On the class, which outlives this file (serve executes it again on every rebuild).
    TemplateExporter.derivations_bytecode_folder = folder
    create = getattr(TemplateExporter, "_create_environment", None)
    if create is None or getattr(create, "derivations_patched", False):
        return

    def create_environment(self):
        environment = create(self)
        target: Path = TemplateExporter.derivations_bytecode_folder
        target.mkdir(parents=True, exist_ok=True)
        environment.bytecode_cache = FileSystemBytecodeCache(str(target))
        return environment

    create_environment.derivations_patched = True
    TemplateExporter._create_environment = create_environment


def _render_excerpts_from_their_own_text() -> None:
    """Material's blog converts a post's whole Markdown for every view that lists it
    (home, archive, category) and then keeps only the part above the excerpt
    separator: with long articles that is most of a cached build. Converting only
    that part gives the same excerpt. Posts without a separator are left alone."""
    from material.plugins.blog.structure import Excerpt

    render = Excerpt.render
    if getattr(render, "derivations_patched", False):
        return

    def render_excerpt(self, page, separator):
        post = self.post
        full = post.markdown
        head, found, _ = full.partition(separator)
        if not found:
            return render(self, page, separator)
        # Something after the separator, so Material still shows "Continue reading".
        post.markdown = f"{head}{separator}\n\n&hellip;\n"
        try:
            return render(self, page, separator)
        finally:
            post.markdown = full

    render_excerpt.derivations_patched = True
    Excerpt.render = render_excerpt


_render_excerpts_from_their_own_text()


class PostsByFile(list):
    """Material's blog plugin keeps its posts in a list and asks `page in posts` of
    every page twice (on_page_markdown, on_page_content), and a list answers by
    comparing the page with each post in turn: 410,000 `Page.__eq__` calls on a
    synthetic site of 500 articles, 7,800 on one of 50 (cProfile), a cost that grows
    with the square of the site. `Page.__eq__` holds only for pages of one File
    object (`File` has no `__eq__` of its own), so the posts worth comparing are
    those with the page's File: found by a dict, then compared exactly as the list
    would. The index is rebuilt if the list's length changes; Material fills the
    list once, in on_files, and only reads it afterwards."""

    _by_file: dict[int, list]  # built on the first test, below
    _indexed_length = -1  # no index yet

    def __contains__(self, page) -> bool:
        file = getattr(page, "file", None)
        if file is None:
            return super().__contains__(page)
        if self._indexed_length != len(self):
            self._by_file = {}
            for post in self:
                self._by_file.setdefault(id(getattr(post, "file", None)), []).append(post)
            self._indexed_length = len(self)
        return any(post is page or post == page for post in self._by_file.get(id(file), ()))


@event_priority(-100)  # after Material's blog plugin (-50) has listed its posts
def on_files(files, config):
    from material.plugins.blog.plugin import BlogPlugin

    for plugin in config.plugins.values():
        blog = getattr(plugin, "blog", None) if isinstance(plugin, BlogPlugin) else None
        if blog is not None and type(blog.posts) is list:
            blog.posts = PostsByFile(blog.posts)
    return files


@event_priority(100)  # before Material's search plugin indexes the page
def on_page_context(context, page, config, nav):
    # A notebook page repeats its article's code and prose; indexing it would double
    # every search hit and cost most of the indexing time (inline SVG to parse).
    if page.file.src_uri.endswith(".ipynb"):
        page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
    return context


def on_serve(server, config, builder):
    """Poll the watched folders every SERVE_POLL_SECONDS instead of every 0.5 s: MkDocs
    makes its observer before any hook runs, so make a faster one and watch again
    what was watched (the engine's own folders are added after this hook). If
    MkDocs' server is not as expected, it is left as it was."""
    from watchdog.observers.polling import PollingObserver

    watched = getattr(server, "_watched_paths", None)
    if not isinstance(watched, dict) or not hasattr(server, "_watch_refs"):
        return server
    server.observer = PollingObserver(timeout=SERVE_POLL_SECONDS)  # not started yet
    server._watched_paths, server._watch_refs = {}, {}
    for path, count in watched.items():
        for _ in range(count):
            server.watch(path)
    return server
