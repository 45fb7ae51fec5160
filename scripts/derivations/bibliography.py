"""Citations: `[@key]` or `[@key1; @key2]` in prose, resolved against the one
BibTeX file `docs/references.bib` (parsed and formatted by pybtex), rendered as
author–year links, with the page's reference list and back-links appended."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from pybtex.backends.html import Backend
from pybtex.database import BibliographyData, parse_file
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style

from .errors import DerivationError, Problem
from .markdown_scan import segments, substitute

CITATION = re.compile(r"\[(?P<keys>@[\w:.\-]+(?:\s*;\s*@[\w:.\-]+)*)\]")


@dataclass
class Bibliography:
    path: Path
    rel: str
    data: BibliographyData = field(init=False)

    def __post_init__(self):
        if not self.path.is_file():  # no sources yet: every citation is then unknown
            self.data, self._formatted = BibliographyData(), {}
            return
        try:
            self.data = parse_file(str(self.path), bib_format="bibtex")
        except Exception as error:  # pybtex raises several types, all with a message
            raise DerivationError(
                [Problem(self.rel, None, f"cannot read the bibliography: {error}")]
            ) from None
        self._formatted = {
            entry.key: entry.text.render(Backend())
            for entry in Style().format_entries(self.data.entries.values())
        }

    def label(self, key: str) -> str:
        """Author–year text: Bishop, 2006; Neal and Hinton, 1998; Dempster et al., 1977."""
        labels = self.__dict__.setdefault("_labels", {})  # pybtex's LaTeX parsing is slow
        if key not in labels:
            labels[key] = self._author_year(key)
        return labels[key]

    def _author_year(self, key: str) -> str:
        entry = self.data.entries[key]
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [str(Text.from_latex(" ".join(p.last_names))) for p in people]
        if len(names) > 2:
            who = f"{names[0]} et al."
        else:
            who = " and ".join(names) or str(Text.from_latex(entry.fields.get("title", key)))
        return f"{who}, {entry.fields.get('year', 'n.d.')}"

    def sort_key(self, key: str) -> tuple[str, str]:
        return self.label(key).lower(), key

    def formatted(self, key: str) -> str:
        return self._formatted[key]


def render(markdown: str, path: str, first_line: int, bibliography: Bibliography):
    """Citations → links; returns markdown, keys cited (with occurrence counts), problems."""
    occurrences: dict[str, int] = {}
    problems: list[Problem] = []

    def cite(match: re.Match, kind: str, line: int) -> str:
        keys = [key.strip().lstrip("@") for key in match["keys"].split(";")]
        unknown = [key for key in keys if key not in bibliography.data.entries]
        if unknown:
            known = ", ".join(sorted(bibliography.data.entries))
            message = f"unknown citation key(s) {', '.join(unknown)}: add them to {bibliography.rel} (known: {known})"
            problems.append(Problem(path, line, message))
            return match.group()
        links = []
        for key in keys:
            occurrences[key] = occurrences.get(key, 0) + 1
            label = html.escape(bibliography.label(key))
            links.append(
                f'<a class="citation" id="cite-{key}-{occurrences[key]}" href="#ref-{key}">{label}</a>'
            )
        return "(" + "; ".join(links) + ")"

    return substitute(markdown, CITATION, {"prose"}, cite, first_line), occurrences, problems


def reference_list(occurrences: dict[str, int], bibliography: Bibliography) -> str:
    """The 'References' section: each cited source, with a back-link to every citation."""
    if not occurrences:
        return ""
    items = []
    for key in sorted(occurrences, key=bibliography.sort_key):
        backs = " ".join(
            f'<a class="backref" href="#cite-{key}-{n}" aria-label="Back to citation {n}">↩</a>'
            for n in range(1, occurrences[key] + 1)
        )
        items.append(f'<li id="ref-{key}">{bibliography.formatted(key)} {backs}</li>')
    return '\n\n## References\n\n<ol class="references">\n' + "\n".join(items) + "\n</ol>\n"


def cited_keys(text: str) -> list[str]:
    """Keys cited in a page's prose (for the site-wide bibliography page)."""
    keys = []
    for segment in segments(text):
        if segment.kind == "prose":
            for match in CITATION.finditer(text, segment.start, segment.end):
                keys += [key.strip().lstrip("@") for key in match["keys"].split(";")]
    return keys


BIBLIOGRAPHY_PAGE = "bibliography.md"


def page_markdown(citing: dict[str, list[tuple[str, str]]], bibliography: Bibliography) -> str:
    """Every source the site cites, with the pages that cite it: key → [(title, docs path)]."""
    lines = [
        "---",
        "title: Bibliography",
        "description: Every source the articles cite.",
        "---",
        "",
        "# Bibliography",
        "",
        "Every source cited on this site, with the articles that cite it.",
        "",
    ]
    known = [key for key in citing if key in bibliography.data.entries]
    for key in sorted(known, key=bibliography.sort_key):
        formatted = " ".join(bibliography.formatted(key).split())
        pages = ", ".join(f"[{title}]({path})" for title, path in citing[key])
        lines.append(f'1. <span id="ref-{key}"></span>{formatted} Cited in: {pages}.')
    lines.append("")
    return "\n".join(lines)
