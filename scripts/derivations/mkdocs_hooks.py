"""MkDocs hooks of the engine: with mkdocs_speedups.py, the only files that know
MkDocs. Each event calls the engine.

Named in mkdocs.yml under `hooks:`. The logic lives in site_engine.py and the
modules it uses, which the tests call directly.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # MkDocs loads hook files by path, not as a package
    sys.path.insert(0, str(ROOT))

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402
from mkdocs.structure.files import File  # noqa: E402
from mkdocs.utils import get_relative_url  # noqa: E402

from scripts.derivations import (  # noqa: E402
    notebook_page,
    page_memo,
    parallel_pages,
    session,
    theme_patches,
)
from scripts.derivations.errors import DerivationError  # noqa: E402
from scripts.derivations.notebook_conversion import NotebookConverter  # noqa: E402
from scripts.derivations.parallel_pages import ParallelPages  # noqa: E402
from scripts.derivations.project import Project  # noqa: E402
from scripts.derivations.repository import Repository  # noqa: E402
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
        repo_url=config.repo_url or "",
        edit_uri=config.edit_uri or "",
    )
    # The footer's "LICENSE" links the licence on the repository's default branch.
    repository = Repository.from_config(config.repo_url, config.edit_uri, "")
    if repository is not None and config.copyright:
        link = f'<a href="{repository.on_branch("LICENSE")}">LICENSE</a>'
        config.copyright = config.copyright.replace("LICENSE", link)


@event_priority(100)  # before mkdocs-jupyter, which turns the added notebooks into pages
def on_files(files, config):
    engine: SiteEngine = _state["engine"]
    converter = _state["converter"] = NotebookConverter(config, files)
    try:
        generated = engine.prepare(
            on_notebook=converter.submit, while_running=lambda: converter.warm_up(engine)
        )
    except DerivationError as error:
        converter.abandon()
        raise PluginError(f"\n{error}") from None
    finally:
        converter.wait_for_thread()
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
    # The generated pages' Markdown and search entries are kept across builds.
    page_memo.keep_on_disk(engine.generated_pages(), engine.project.cache_dir / "pages")
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


@event_priority(-100)  # the navigation as every plugin left it
def on_nav(nav, config, files):
    engine: SiteEngine = _state["engine"]
    pages = _state["pages"] = ParallelPages()
    # Built in a forked copy, but not under serve (its threads) nor once KaTeX's V8
    # runs here (a build that ran snippets rendered formulas); else after the others.
    _state["fork_pages"] = not session.serving() and not engine.katex.started
    uris = engine.generated_pages()
    if _state["fork_pages"] and not parallel_pages.can_carry_notebooks(config):
        uris = {uri for uri in uris if not uri.endswith(".ipynb")}
    pages.defer(uris, nav)
    _state["nav"] = nav
    return nav


@event_priority(-100)  # every plugin's environment in place, as the pages get it
def on_env(env, config, files):
    pages: ParallelPages | None = _state.get("pages")
    if pages is not None:
        converter: NotebookConverter = _state["converter"]
        fork = _state["fork_pages"] and not converter.children
        pages.start(config, files, _state["nav"], env, _state["engine"], fork)
    return env


@event_priority(100)  # before mkdocs-jupyter reads its conversion cache for the page
def on_pre_page(page, config, files):
    converter: NotebookConverter | None = _state.get("converter")
    if converter is not None and page.file.abs_src_path:
        converter.wait_for(page.file.abs_src_path)
    if page.file.src_uri in _state["engine"].generated_paths:
        page.edit_url = None  # made by the build: nothing in docs/ to edit
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


@event_priority(100)  # before the search plugin writes its index
def on_post_build(config):
    pages: ParallelPages | None = _state.get("pages")
    if pages is not None:
        pages.finish(_state["engine"])  # a page's own error surfaces as in MkDocs' loop
    _state["converter"].abandon()  # any notebook whose page was never built
    for change in _state["engine"].finish():
        log.info(f"claim changed: {change}")


def on_build_error(error):
    for worker in (_state.get("converter"), _state.get("pages")):
        if worker is not None:
            worker.abandon()


def on_serve(server, config, builder):
    project: Project = _state["engine"].project
    for folder in (project.snippets_dir, project.claim_tests_dir):
        server.watch(str(folder))
    return server
