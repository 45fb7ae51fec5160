"""What the site build asks of the engine, independent of the site generator.

`prepare` runs the snippets and lists the files to add to the site; `render_page`
turns one page's claim references into values and lints its prose; `finish`
reports which claims changed since the last build. mkdocs_hooks.py only wires
these to MkDocs events; another generator could do the same.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from . import (
    bibliography,
    cache,
    citation,
    claims_index,
    equations,
    figure_tags,
    katex,
    lint,
    markdown_scan,
    markers,
    notebook_page,
    page_checks,
    reproducibility,
    series,
    verdicts,
)
from .errors import DerivationError, Problem
from .project import Project
from .references import FAILED, UNVERIFIED, VERIFIED, ReferenceContext, render
from .repository import Repository
from .runner import RunReport, SnippetRun, run_snippets
from .snippets import Declaration, discover

if TYPE_CHECKING:
    from rich.console import Console

REQUIRE_VERIFIED_VARIABLE = "DERIVATIONS_REQUIRE_VERIFIED"
# The benchmark's floor: use the entries of the last run without computing keys.
SKIP_CACHE_LOOKUP_VARIABLE = "DERIVATIONS_SKIP_CACHE_LOOKUP"
# Starts with a literal, so the search skips ahead instead of testing a lookbehind at
# every position (0.19 s of a cached build, mostly on the notebook pages).
CODE_BLOCK = re.compile(r'<div class="highlight"><pre>(?:<span></span>)?<code(?![^>]*tabindex)')
SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
KATEX_CSS = "assets/katex/katex.min.css"  # served from the site; named in mkdocs.yml extra_css


@dataclass(frozen=True)
class GeneratedFile:
    site_path: str  # path under the docs root, e.g. figures/em/fit.svg
    source: Path | None = None
    content: str | None = None
    # Set for files that must look like real docs files to other plugins
    # (mkdocs-jupyter reads notebooks from docs_root/site_path).
    docs_root: Path | None = None


@dataclass(frozen=True)
class PageSource:
    """One authored page as the generator hands it over."""

    markdown: str  # without front matter
    path: str  # repository path, for messages
    docs_path: str  # path under docs/, e.g. posts/em.md
    first_line: int  # file line of the markdown's first line
    allowed_numbers: list[str]
    claims_page_url: str  # relative URL from this page to the claims page
    url_for: Callable[[str], str]  # docs path → URL relative to this page
    meta: dict = field(default_factory=dict)  # front matter
    canonical_url: str = ""  # absolute URL of the page (site_url + path)


def _authors(path: Path) -> dict[str, str]:
    """Author keys → names, from the blog plugin's .authors.yml."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {key: entry.get("name", key) for key, entry in (data.get("authors") or {}).items()}


def _series_member(
    text: str, docs_path: str, title: str, parsed: tuple[str, object] | None = None
) -> series.Member | None:
    """The page's place in a series, if its front matter names one. `parsed`: (YAML
    text, its value) from the front matter check, used when it read the same YAML."""
    if not docs_path.startswith("posts/") or not text.startswith("---"):
        return None
    front = text.split("---", 2)[1]
    # The check reads the lines between the --- lines; here the text starts with the
    # line break after the first ---, a blank line YAML skips (a byte order mark
    # is skipped only at the very start, so such a text is parsed again).
    if parsed is not None and front == "\n" + parsed[0] and not parsed[0].startswith("\ufeff"):
        meta = parsed[1] or {}
    else:
        try:
            meta = yaml.safe_load(front) or {}
        except yaml.YAMLError:
            return None  # reported by the front matter check
    if not isinstance(meta, dict) or not meta.get("series"):
        return None
    return series.Member(str(meta["series"]), str(meta.get("date", "")), docs_path, title)


def _updated_line(cite: citation.PageCitation) -> str:
    if cite.updated is None:
        return ""
    day = cite.updated.isoformat()
    return f'<p class="page-updated">Last updated <time datetime="{day}">{day}</time></p>'


def _after_title(markdown: str, line: str) -> str:
    """Insert a line after the page's first-level heading (or at the top)."""
    if not line:
        return markdown
    lines = markdown.split("\n")
    for index, text in enumerate(lines):
        if text.startswith("# "):
            return "\n".join([*lines[: index + 1], "", line, *lines[index + 1 :]])
    return line + "\n\n" + markdown


def _title(text: str) -> str | None:
    """The front matter's short_title or title (read without parsing YAML: it is one line)."""
    for key in ("short_title", "title"):
        match = re.search(rf"^{key}:\s*[\"']?(.+?)[\"']?\s*$", text, re.M)
        if match:
            return match[1]
    return None


def _formula(math: str) -> katex.Formula:
    """A math segment of Markdown ($…$, $$…$$, \\(…\\) or \\[…\\]) as KaTeX will get it."""
    display = math.startswith(("$$", "\\["))
    inner = math[2:-2] if math.startswith(("$$", "\\[", "\\(")) else math[1:-1]
    return katex.Formula(inner.strip(), display)


def _line_of(text: str, fragment: str) -> int | None:
    """The line where a fragment (e.g. a formula's TeX) first occurs in a file."""
    found = text.find(fragment.strip().splitlines()[0] if fragment.strip() else fragment)
    return text.count("\n", 0, found) + 1 if found >= 0 else None


@dataclass
class SiteEngine:
    project: Project
    serving: bool = False
    require_verified: bool = field(
        default_factory=lambda: os.environ.get(REQUIRE_VERIFIED_VARIABLE) == "1"
    )
    use_cache: bool = field(
        default_factory=lambda: os.environ.get(SKIP_CACHE_LOOKUP_VARIABLE) != "1"
    )
    console: Console | None = None
    declarations: dict[str, Declaration] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    site_problems: list[Problem] = field(default_factory=list)
    failed_topics: dict[str, list[Problem]] = field(default_factory=dict)
    labels: dict[str, equations.Equation] = field(default_factory=dict)  # equation labels
    figure_sizes: dict[str, tuple[int, int] | None] = field(default_factory=dict)
    # SHA-256 of a figure's bytes → its site path (notebook pages link the files).
    figure_files: dict[str, str] = field(default_factory=dict)
    # Formulas on the pages, how many were new to the cache, seconds to scan, render and place.
    math_stats: dict[str, float] = field(
        default_factory=lambda: {"formulas": 0, "new": 0, "seconds": 0.0}
    )
    titles: dict[str, str] = field(default_factory=dict)  # docs path → title
    page_anchors: dict[str, dict[int, str]] = field(default_factory=dict)
    site_name: str = "Runnable Derivations"
    site_url: str = ""
    repo_url: str = ""  # mkdocs.yml's repo_url and edit_uri: every repository link's source
    edit_uri: str = ""
    figures_written: dict[str, set[str]] = field(default_factory=dict)  # topic → figure names
    citations: dict[str, citation.PageCitation] = field(default_factory=dict)  # by docs path
    citing: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # key → (title, page)
    series_members: list[series.Member] = field(default_factory=list)
    page_texts: dict[str, str] = field(
        default_factory=dict
    )  # docs path → source, read once a build
    generated: list[GeneratedFile] = field(default_factory=list)  # added to the site
    test_lines: dict[str, int] = field(default_factory=dict)  # claim test node → its marker's line

    def __post_init__(self):
        self.katex = katex.KatexRenderer(self.project.root, self.project.cache_dir)
        self.bibliography: bibliography.Bibliography | None = None
        # Held while the bibliography is read: the warm-up thread and `prepare` may
        # both come to it, and the second then finds the first's cache entry.
        self._bibliography_lock = threading.Lock()
        self._commit = citation.ask_commit(self.project.root)  # answered while MkDocs starts
        self._histories: dict[str, citation.Git] = {}  # docs path → its git log, asked early
        self.authors = _authors(self.project.docs_dir / ".authors.yml")

    @property
    def commit(self) -> str:
        return citation.commit_of(self._commit)

    @functools.cached_property
    def repository(self) -> Repository | None:
        return Repository.from_config(self.repo_url, self.edit_uri, self.commit)

    # -- before pages render ------------------------------------------------
    def prepare(
        self,
        on_notebook: Callable[[Path], None] | None = None,
        while_running: Callable[[], None] | None = None,
    ) -> list[GeneratedFile]:
        """`on_notebook`: called with each freshly run snippet's notebook, staged where the
        site reads it, while other snippets may still run (to convert it meanwhile).
        `while_running`: called once snippets have started, to do meanwhile what would
        otherwise wait for them (see `warm_up`)."""
        try:
            snippets = discover(self.project)
        except DerivationError as error:
            return self._fail_or_keep(error.problems, [])
        self.declarations = {d.id: d for s in snippets for d in s.declarations}
        report = run_snippets(
            self.project,
            use_cache=self.use_cache,
            console=self.console,
            snippets=snippets,
            on_ran=None
            if on_notebook is None
            else lambda run: on_notebook(self._notebook(run).source),
            on_started=while_running,
        )
        self.values = report.results_by_id()
        claim_tests = markers.claim_markers(self.project)
        claim_ids = {i for i, d in self.declarations.items() if d.kind == "claim"}
        self.statuses = self._statuses(report)
        problems = self._scan_pages()
        problems += self._snippet_failures(report)
        problems += markers.marker_problems(claim_tests, claim_ids, self.declarations)
        problems += self._unpublishable_claims()
        problems += self._load_bibliography()
        tests = {claim_id: [node for node, _ in places] for claim_id, places in claim_tests.items()}
        self.test_lines = {node: line for places in claim_tests.values() for node, line in places}
        self.generated = self._generated_files(report, tests)
        return self._fail_or_keep(problems, self.generated)

    def warm_up(self) -> None:
        """While snippets run (in another thread): render the pages' formulas that hold
        no snippet value, which a build from an empty cache otherwise does after the
        last snippet, on one core (0.56 s for 1053 new formulas). A formula read
        differently here than on the finished page is only a cache miss there; the
        finished page's rendering reports any error. Only the formula memory changes
        here, which the pages read after the snippets (and this) are done; and the
        bibliography's cache entry, which `prepare` reads under the same lock."""
        formulas = []
        for source in sorted(self.project.docs_dir.rglob("*.md")):
            text = source.read_text(encoding="utf-8")
            for segment in markdown_scan.segments(text):
                tex = text[segment.start : segment.end]
                if segment.kind == "math" and "[[" not in tex:
                    formulas.append(_formula(tex))
        self.katex.render(formulas)
        # Then the bibliography, into its cache entry, where `prepare` reads it after
        # the snippets: pybtex's parsing and formatting otherwise added 0.3 s after
        # the last snippet of a build from an empty cache. An error in the file is
        # reported there.
        with contextlib.suppress(DerivationError):
            self._read_bibliography()

    def _scan_pages(self) -> list[Problem]:
        """Every authored page, before any renders: front matter, titles, equation labels."""
        labels = {}
        problems: list[Problem] = []
        self.page_texts, self.series_members, self.citing = {}, [], {}  # a fresh scan per build
        for source in sorted(self.project.docs_dir.rglob("*.md")):
            docs_path = source.relative_to(self.project.docs_dir).as_posix()
            text = source.read_text(encoding="utf-8")
            self.page_texts[docs_path] = text
            # Here, before the blog plugin reads it and reports bad YAML without a line.
            more, parsed = page_checks.check_front_matter(
                text, self.project.rel(source), docs_path.startswith("posts/")
            )
            problems += more
            self.titles[docs_path] = _title(text) or docs_path
            if docs_path.startswith("posts/"):  # their citation boxes list their history
                self._histories[docs_path] = citation.ask_history(
                    self.project.root, self._watched(docs_path)
                )
            member = _series_member(text, docs_path, self.titles[docs_path], parsed)
            if member is not None:
                self.series_members.append(member)
            for key in bibliography.cited_keys(text):
                pages_citing = self.citing.setdefault(key, [])
                if docs_path not in [path for _, path in pages_citing]:
                    pages_citing.append((self.titles[docs_path], docs_path))
            labels[docs_path] = (self.project.rel(source), equations.labels_in(text))
        self.labels, more = equations.number(labels)
        return problems + more

    def _load_bibliography(self) -> list[Problem]:
        try:
            self.bibliography = self._read_bibliography()
        except DerivationError as error:
            return error.problems
        return []

    def _read_bibliography(self) -> bibliography.Bibliography:
        """Parsed and formatted, through its cache entry (filled on first read)."""
        path = self.project.docs_dir / "references.bib"
        with self._bibliography_lock:
            return bibliography.Bibliography(
                path, self.project.rel(path), self.project.cache_dir / "bibliography"
            )

    def _fail_or_keep(
        self, problems: list[Problem], files: list[GeneratedFile]
    ) -> list[GeneratedFile]:
        if problems and not self.serving:
            raise DerivationError(problems)
        self.site_problems = problems
        return files

    def _statuses(self, report: RunReport) -> dict[str, str]:
        recorded = verdicts.load(self.project)
        keys = {run.snippet.rel: run.key for run in report.runs.values()}
        keys.update({f.snippet.rel: f.key for f in report.failures.values()})
        return {
            d.id: verdicts.status(recorded, d.id, keys[d.snippet])
            for d in self.declarations.values()
            if d.kind == "claim" and d.snippet in keys
        }

    def _snippet_failures(self, report: RunReport) -> list[Problem]:
        problems = []
        for failure in report.failures.values():
            topic = failure.snippet.topic
            unresolved = sorted(d.id for d in failure.snippet.declarations)
            pages = self.pages_using(topic)
            details = [
                failure.problem.message,
                *([failure.traceback.rstrip()] if failure.traceback else []),
                f"used by: {', '.join(pages) or 'no page'}",
                f"claims left unresolved: {', '.join(unresolved)}",
            ]
            problem = Problem(failure.problem.path, failure.problem.line, "\n".join(details))
            problems.append(problem)
            self.failed_topics.setdefault(topic, []).append(problem)
        return problems

    def pages_using(self, topic: str) -> list[str]:
        """Pages that reference a topic's claims or embed its code."""
        needles = (f"[[{topic}.", f"snippets/{topic}/")
        return [
            self._repository_path(docs_path)
            for docs_path, text in sorted(self.page_texts.items())
            if any(needle in text for needle in needles)
        ]

    def _unpublishable_claims(self) -> list[Problem]:
        problems = []
        for claim_id, status in sorted(self.statuses.items()):
            d = self.declarations[claim_id]
            if status == FAILED:
                problems.append(
                    Problem(
                        d.snippet,
                        d.line,
                        f"claim '{claim_id}' failed its test for this run; fix the computation or the claim (see `make test`)",
                    )
                )
            elif status == UNVERIFIED and self.require_verified:
                problems.append(
                    Problem(
                        d.snippet,
                        d.line,
                        f"claim '{claim_id}' has no passing test verdict for this run; run `make test` (or `make build`, which runs the claim tests first)",
                    )
                )
        return problems

    def _generated_files(
        self, report: RunReport, tests: dict[str, list[str]]
    ) -> list[GeneratedFile]:
        files: list[GeneratedFile] = []
        for run in report.runs.values():
            topic = run.snippet.topic
            self.figures_written.setdefault(topic, set()).update(svg.stem for svg in run.figures)
            self.figure_sizes.update(
                {f"{topic}/{svg.name}": figure_tags.svg_size(svg) for svg in run.figures}
            )
            for svg in run.figures:
                files.append(GeneratedFile(f"figures/{topic}/{svg.name}", source=svg))
                digest = hashlib.sha256(svg.read_bytes()).hexdigest()
                self.figure_files[digest] = files[-1].site_path
            files.append(self._notebook(run))
        index = claims_index.entries(self.declarations, self.values, self.statuses, tests)
        sources = {
            topic: article
            for topic in {d.topic for d in self.declarations.values()}
            if (article := self._article(topic))
        }
        katex_dist = katex.katex_dir(self.project.root) / "dist"
        files.append(GeneratedFile(KATEX_CSS, source=katex_dist / "katex.min.css"))
        files += [
            GeneratedFile(f"assets/katex/fonts/{font.name}", source=font)
            for font in sorted((katex_dist / "fonts").iterdir())
        ]
        if self.bibliography is not None:
            bibliography_page = bibliography.page_markdown(self.citing, self.bibliography)
            files.append(GeneratedFile(bibliography.BIBLIOGRAPHY_PAGE, content=bibliography_page))
        page = reproducibility.page_markdown(
            report,
            self.katex.version,
            self.commit,
            self.site_url,
            self.repository,
            self.project.root / reproducibility.MUTATION_SCORES,
        )
        files.append(GeneratedFile(reproducibility.REPRODUCIBILITY_PAGE, content=page))
        files.append(GeneratedFile(claims_index.CLAIMS_JSON, content=claims_index.to_json(index)))
        parameters = claims_index.parameter_entries(self.declarations, self.values)
        files.append(
            GeneratedFile(claims_index.PARAMETERS_JSON, content=claims_index.to_json(parameters))
        )
        files.append(
            GeneratedFile(
                claims_index.CLAIMS_PAGE,
                content=claims_index.page_markdown(
                    index, self.declarations, sources, self.repository, self.test_lines
                ),
            )
        )
        return files

    def _notebook(self, run: SnippetRun) -> GeneratedFile:
        """The run's notebook, copied under .cache/site-files/, laid out as in docs/."""
        site_path = f"notebooks/{run.snippet.topic}/{run.snippet.name}.ipynb"
        source = run.entry / "notebook.ipynb"
        root = self.project.cache_dir / "site-files"
        target = root / site_path
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != source.read_bytes():
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            shutil.copyfile(source, temporary)
            temporary.replace(target)
        return GeneratedFile(site_path, source=target, docs_root=root)

    def _article(self, topic: str) -> tuple[str, str] | None:
        """(title, docs path) of a topic's article, if it exists."""
        relative = f"posts/{topic.replace('_', '-')}.md"
        if relative not in self.page_texts:
            return None
        return _title(self.page_texts[relative]) or topic, relative

    # -- each page -------------------------------------------------------------
    def render_page(self, page: PageSource) -> str:
        """Claim references → values, labels → numbers, \\eqref → links; lint the prose."""
        context = ReferenceContext(
            self.declarations,
            self.values,
            lambda claim_id: self.statuses.get(claim_id, UNVERIFIED),
            page.claims_page_url,
        )
        full_text = self.page_texts[page.docs_path]
        problems = []
        problems += page_checks.include_problems(full_text, page.path, self.project.root)
        problems += page_checks.figure_problems(full_text, page.path, self.figures_written)
        rendered, used, more = render(page.markdown, page.path, page.first_line, context)
        problems += more
        problems += lint.hand_typed_numbers(
            page.markdown, page.path, page.first_line, page.allowed_numbers
        )
        equation_context = equations.EquationContext(
            self.labels,
            page.docs_path,
            page.url_for,
            self.titles,
        )
        rendered, anchors, more = equations.render(
            rendered, page.path, page.first_line, equation_context
        )
        problems += more
        self.page_anchors[page.docs_path] = anchors
        if self.bibliography is not None:
            rendered, cited, more = bibliography.render(
                rendered, page.path, page.first_line, self.bibliography
            )
            problems += more
            rendered += bibliography.reference_list(cited, self.bibliography)
        if page.docs_path.startswith("posts/"):
            cite = self._citation(page)
            self.citations[page.docs_path] = cite
            rendered = _after_title(rendered, _updated_line(cite))
            rendered += series.navigation(self.series_members, page.docs_path)
            rendered += self._source_line(page.docs_path, cite.title)
            rendered += cite.markdown()
        topics = {claim_id.split(".")[0] for claim_id in used}
        if self.serving:
            problems += [p for p in self.site_problems if p.path == page.path and p not in problems]
            problems += [p for t in sorted(topics) for p in self.failed_topics.get(t, [])]
        if not problems:
            return rendered
        if not self.serving:
            raise DerivationError(problems)
        return error_box(problems) + rendered

    @functools.cached_property
    def generated_paths(self) -> frozenset[str]:
        """Site paths of the files the build adds (claims, notebooks, ...), once prepared."""
        return frozenset(item.site_path for item in self.generated)

    def _source_line(self, docs_path: str, title: str) -> str:
        """Where the article and its code live, and where to discuss it."""
        if self.repository is None:
            return ""
        markdown_path = self._repository_path(docs_path)
        code_path = f"snippets/{Path(docs_path).stem.replace('-', '_')}"
        links = [
            f'<a href="{self.repository.blob(markdown_path)}">this page\'s Markdown</a>',
            f'<a href="{self.repository.tree(code_path)}">its code (<code>{code_path}/</code>)</a>',
            f'<a href="{self.repository.discussions(title)}">discuss it</a>',
        ]
        return f'\n\n<p class="page-source">Source: {" · ".join(links)}.</p>\n'

    def _citation(self, page: PageSource) -> citation.PageCitation:
        published = page.meta.get("date")
        if isinstance(published, dict):  # Material's blog allows date: {created: ...}
            published = published.get("created")
        if isinstance(published, datetime):
            published = published.date()
        slug = Path(page.docs_path).stem
        history = self._histories.pop(page.docs_path, None) or citation.ask_history(
            self.project.root, self._watched(page.docs_path)
        )
        return citation.PageCitation(
            site_name=self.site_name,
            title=str(page.meta.get("title") or self.titles.get(page.docs_path, slug)),
            authors=[self.authors.get(a, a) for a in page.meta.get("authors") or []],
            published=published if isinstance(published, date) else None,
            url=page.canonical_url,
            commit=self.commit,
            key=f"runnable-derivations-{slug}",
            history=citation.history_of(history),
        )

    def _watched(self, docs_path: str) -> list[str]:
        """The files whose commits are a page's history: the page and its snippets."""
        slug = Path(docs_path).stem
        return [self._repository_path(docs_path), f"snippets/{slug.replace('-', '_')}"]

    def _repository_path(self, docs_path: str) -> str:
        """A page's path from the repository root, e.g. docs/posts/em.md."""
        return f"{self.project.rel(self.project.docs_dir)}/{docs_path}"

    def finish_page(self, page_html: str, docs_path: str) -> tuple[str, dict[str, str]]:
        """The finished HTML (math rendered, Scholar tags in the head) and the files
        to write beside the page (an article's .bib)."""
        page_html = self.render_math(page_html, docs_path)
        page_html = figure_tags.lazy_figures(page_html, self.figure_sizes)
        # A code block wider than the screen scrolls; keyboard users need to reach it
        # (axe: scrollable-region-focusable), with or without JavaScript.
        page_html = CODE_BLOCK.sub(r'\g<0> tabindex="0"', page_html)
        # Material's search dialog has no accessible name (axe: aria-dialog-name).
        page_html = page_html.replace(
            SEARCH_DIALOG, SEARCH_DIALOG[:-1] + ' aria-label="Search">', 1
        )
        cite = self.citations.get(docs_path)
        if cite is None:
            return page_html, {}
        page_html = page_html.replace("</head>", cite.scholar_meta() + "</head>", 1)
        return page_html, {cite.bib_file: cite.bibtex()}

    def render_math(self, page_html: str, docs_path: str) -> str:
        """Every formula of a finished page → KaTeX HTML (after search indexed the TeX)."""
        if docs_path.endswith(".ipynb"):
            page_html = notebook_page.prepare(page_html)
        started = time.perf_counter()
        found = katex.formulas_in(page_html)
        if not found:
            return page_html
        new = self.katex.render([formula for _, formula in found])
        text = self.page_texts.get(docs_path, "")  # notebooks have no authored text
        path = self._repository_path(docs_path) if text else docs_path
        problems = [
            Problem(
                path,
                _line_of(text, formula.tex),
                f"KaTeX cannot parse this formula: {formula.error}",
            )
            for _, formula in found
            if formula.error is not None
        ]
        rendered = katex.replace_formulas(page_html, found, self.page_anchors.get(docs_path, {}))
        self.math_stats["formulas"] += len(found)
        self.math_stats["new"] += new
        self.math_stats["seconds"] += time.perf_counter() - started
        if problems and not self.serving:
            raise DerivationError(problems)
        if problems:
            box = '<div class="admonition failure"><p class="admonition-title">Math errors on this page</p><pre>'
            box += html.escape("\n".join(str(p) for p in problems)) + "</pre></div>"
            rendered = re.sub(r"(<article[^>]*>)", lambda m: m[1] + box, rendered, count=1)
        return rendered

    # -- pages built in a forked copy (parallel_pages.py) ----------------------
    def generated_pages(self) -> set[str]:
        """Docs paths of the pages this engine adds (claims, notebooks, ...)."""
        return {f.site_path for f in self.generated if f.site_path.endswith((".md", ".ipynb"))}

    def math_snapshot(self) -> tuple[set[str], dict[str, float]]:
        return set(self.katex.memory), dict(self.math_stats)

    def math_since(self, snapshot: tuple[set[str], dict[str, float]]) -> dict:
        """What rendering pages added to the formula cache and the math figures."""
        known, stats = snapshot
        return {
            "formulas": {k: v for k, v in self.katex.memory.items() if k not in known},
            "stats": {k: self.math_stats[k] - stats.get(k, 0) for k in self.math_stats},
        }

    def take_math(self, changes: dict) -> None:
        self.katex.remember(changes["formulas"])
        for key, value in changes["stats"].items():
            self.math_stats[key] = self.math_stats.get(key, 0) + value

    # -- after the build ------------------------------------------------------
    def finish(self) -> list[str]:
        """Claims whose value changed since the previous build (and remember these).

        A build with a failed snippet is not compared: its missing values would
        read as removals and then as additions on the next good build."""
        markdown_scan.forget()
        self.katex.save()
        cache.write_json_atomic(self.katex.stats_file, self.math_stats)
        if self.failed_topics or self.site_problems:
            return []
        current = {i: v for i, v in self.values.items() if self.declarations[i].kind == "claim"}
        previous_file = self.project.last_build_values_file
        previous = cache.read_json(previous_file) if previous_file.is_file() else {}
        cache.write_json_atomic(previous_file, current)
        return claims_index.changed_values(previous, current) if previous else []


def error_box(problems: list[Problem]) -> str:
    """A Material admonition listing build errors (shown under `mkdocs serve`)."""
    body = "\n".join("    " + line for p in problems for line in str(p).splitlines())
    return f'!!! failure "Build errors on this page"\n\n    ```text\n{body}\n    ```\n\n'


__all__ = ["VERIFIED", "GeneratedFile", "SiteEngine", "error_box"]
