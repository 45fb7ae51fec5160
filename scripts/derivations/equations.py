r"""Numbered equations: `\label{eq:name}` numbers a display-math row and gives it
the anchor `#eq-name`; `\eqref{eq:name}` links to it from any page.

KaTeX knows neither command, so labels are collected from every page before any
page renders (references cross pages), each `\label` becomes `\tag{n}`, and each
`\eqref` becomes a link (HTML in prose, `\href` in math).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from .errors import Problem
from .markdown_scan import LineIndex, segments, substitute

LABEL = re.compile(r"\\label\{eq:(?P<name>[A-Za-z0-9_\-:.]+)\}")
EQREF = re.compile(r"\\eqref\{eq:(?P<name>[A-Za-z0-9_\-:.]+)\}")
TAG = re.compile(r"\\tag\{(?P<number>\d+)\}")


@dataclass(frozen=True)
class Equation:
    name: str
    number: int
    page: str  # docs-relative source path, e.g. posts/em.md
    path: str  # repository path, for messages
    line: int

    @property
    def anchor(self) -> str:
        return f"eq-{self.name.replace(':', '-').replace('.', '-')}"


def is_display(math: str) -> bool:
    return math.startswith(("$$", "\\["))


@dataclass(frozen=True)
class Label:
    """A `\\label` as a page's Markdown holds it, before numbering."""

    name: str
    line: int  # in the page's text
    display: bool


def labels_in(markdown: str) -> list[Label]:
    """A page's labels, in order. Read from the page's scan (markdown_scan.py), which
    a build keeps for the last few pages only: the engine reads them when it scans the
    page for its other uses, not in a second pass over every page (on a site of more
    than that many pages, each page was scanned twice)."""
    lines = LineIndex(markdown)
    found = []
    for segment in segments(markdown):
        if segment.kind != "math":
            continue
        text = markdown[segment.start : segment.end]
        for match in LABEL.finditer(text):
            line = lines.line_of(segment.start + match.start())
            found.append(Label(match["name"], line, is_display(text)))
    return found


def number(
    labels: dict[str, tuple[str, list[Label]]],
) -> tuple[dict[str, Equation], list[Problem]]:
    """{page: (repository path, its labels)} → name → equation, numbered per page."""
    equations: dict[str, Equation] = {}
    problems: list[Problem] = []
    for page, (path, found) in sorted(labels.items()):
        count = 0
        for label in found:
            if not label.display:
                problems.append(
                    Problem(
                        path,
                        label.line,
                        "\\label in inline math: number only display equations ($$ … $$)",
                    )
                )
                continue
            count += 1
            equation = Equation(label.name, count, page, path, label.line)
            first = equations.setdefault(equation.name, equation)
            if first is not equation:
                where = f"{first.path}:{first.line}"
                problems.append(
                    Problem(
                        path,
                        label.line,
                        f"duplicate equation label 'eq:{equation.name}' (first at {where}); labels are unique site-wide",
                    )
                )
    return equations, problems


def collect(pages: dict[str, tuple[str, str]]) -> tuple[dict[str, Equation], list[Problem]]:
    """Every label of every page: {page: (repository path, markdown)} → name → equation."""
    return number({page: (path, labels_in(markdown)) for page, (path, markdown) in pages.items()})


@dataclass
class EquationContext:
    equations: dict[str, Equation]
    page: str  # the page being rendered (docs-relative source path)
    # docs-relative source path → URL relative to the page being rendered; called only
    # for pages this page refers to, so a page costs the same however large the site.
    url_of: Callable[[str], str]
    titles: dict[str, str]  # docs-relative source path → short title


def render(markdown: str, path: str, first_line: int, context: EquationContext):
    """Labels → tags, references → links; returns markdown, {number: anchor}, problems."""
    anchors: dict[int, str] = {}
    problems: list[Problem] = []

    def label(match: re.Match, kind: str, line: int) -> str:
        equation = context.equations.get(match["name"])
        if equation is None or equation.page != context.page:
            return match.group()  # reported by collect()
        anchors[equation.number] = equation.anchor
        return f"\\tag{{{equation.number}}}"

    def reference(match: re.Match, kind: str, line: int) -> str:
        equation = context.equations.get(match["name"])
        if equation is None:
            known = ", ".join(sorted(f"eq:{n}" for n in context.equations)) or "none"
            message = f"unknown equation label 'eq:{match['name']}' in \\eqref (known: {known})"
            problems.append(Problem(path, line, message))
            return match.group()
        return _link(equation, context, kind == "math")

    markdown = substitute(markdown, LABEL, {"math"}, label, first_line)
    markdown = substitute(markdown, EQREF, {"prose", "math"}, reference, first_line)
    return markdown, anchors, problems


def _link(equation: Equation, context: EquationContext, in_math: bool) -> str:
    local = equation.page == context.page
    href = ("" if local else context.url_of(equation.page)) + f"#{equation.anchor}"
    if in_math:
        return f"\\href{{{href}}}{{({equation.number})}}"
    text = f"({equation.number})"
    if not local:
        text = f"{html.escape(context.titles.get(equation.page, equation.page))}, {text}"
    return f'<a class="eqref" href="{href}">{text}</a>'
