"""What the site build asks of the engine, independent of the site generator.

`prepare` runs the snippets and lists the files to add to the site; `render_page`
turns one page's claim references into values and lints its prose; `finish`
reports which claims changed since the last build. mkdocs_hooks.py only wires
these to MkDocs events; another generator could do the same.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from . import cache, claims_index, lint, markers, verdicts
from .errors import DerivationError, Problem
from .project import Project
from .references import FAILED, UNVERIFIED, VERIFIED, ReferenceContext, render
from .runner import RunReport, run_snippets
from .snippets import Declaration, discover

REQUIRE_VERIFIED_VARIABLE = "DERIVATIONS_REQUIRE_VERIFIED"
# The benchmark's floor: use the entries of the last run without computing keys.
SKIP_CACHE_LOOKUP_VARIABLE = "DERIVATIONS_SKIP_CACHE_LOOKUP"


@dataclass(frozen=True)
class GeneratedFile:
    site_path: str  # path under the docs root, e.g. figures/em/fit.svg
    source: Path | None = None
    content: str | None = None


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

    # -- before pages render ------------------------------------------------
    def prepare(self) -> list[GeneratedFile]:
        try:
            snippets = discover(self.project)
        except DerivationError as error:
            return self._fail_or_keep(error.problems, [])
        self.declarations = {d.id: d for s in snippets for d in s.declarations}
        report = run_snippets(self.project, use_cache=self.use_cache, console=self.console)
        self.values = report.results_by_id()
        claim_tests = markers.claim_markers(self.project)
        claim_ids = {i for i, d in self.declarations.items() if d.kind == "claim"}
        self.statuses = self._statuses(report)
        problems = self._snippet_failures(report)
        problems += markers.marker_problems(claim_tests, claim_ids, self.declarations)
        problems += self._unpublishable_claims()
        tests = {claim_id: [node for node, _ in places] for claim_id, places in claim_tests.items()}
        files = self._generated_files(report, tests)
        return self._fail_or_keep(problems, files)

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
            self.project.rel(path)
            for path in sorted(self.project.docs_dir.rglob("*.md"))
            if any(needle in path.read_text(encoding="utf-8") for needle in needles)
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
            files += [
                GeneratedFile(f"figures/{topic}/{svg.name}", source=svg) for svg in run.figures
            ]
            files.append(
                GeneratedFile(
                    f"notebooks/{topic}/{run.snippet.name}.ipynb",
                    source=run.entry / "notebook.ipynb",
                )
            )
        index = claims_index.entries(self.declarations, self.values, self.statuses, tests)
        sources = {
            topic: article
            for topic in {d.topic for d in self.declarations.values()}
            if (article := self._article(topic))
        }
        files.append(GeneratedFile(claims_index.CLAIMS_JSON, content=claims_index.to_json(index)))
        files.append(
            GeneratedFile(
                claims_index.CLAIMS_PAGE,
                content=claims_index.page_markdown(index, self.declarations, sources),
            )
        )
        return files

    def _article(self, topic: str) -> tuple[str, str] | None:
        """(title, docs path) of a topic's article, if it exists."""
        relative = f"posts/{topic.replace('_', '-')}.md"
        path = self.project.docs_dir / relative
        if not path.is_file():
            return None
        match = re.search(
            r"^title:\s*[\"']?(.+?)[\"']?\s*$", path.read_text(encoding="utf-8"), re.M
        )
        return (match[1] if match else topic), relative

    # -- each page -------------------------------------------------------------
    def render_page(
        self,
        markdown: str,
        path: str,
        first_line: int,
        allowed_numbers: list[str],
        claims_page_url: str,
    ) -> str:
        context = ReferenceContext(
            self.declarations,
            self.values,
            lambda claim_id: self.statuses.get(claim_id, UNVERIFIED),
            claims_page_url,
        )
        rendered, used, problems = render(markdown, path, first_line, context)
        problems += lint.hand_typed_numbers(markdown, path, first_line, allowed_numbers)
        topics = {claim_id.split(".")[0] for claim_id in used}
        if not problems and not (self.serving and topics & set(self.failed_topics)):
            return rendered
        if not self.serving:
            raise DerivationError(problems)
        shown = problems + [p for t in sorted(topics) for p in self.failed_topics.get(t, [])]
        return error_box(shown) + rendered

    # -- after the build ------------------------------------------------------
    def finish(self) -> list[str]:
        """Claims whose value changed since the previous build (and remember these).

        A build with a failed snippet is not compared: its missing values would
        read as removals and then as additions on the next good build."""
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
