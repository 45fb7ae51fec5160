"""Citations: `[@key]` or `[@key1; @key2]` in prose, resolved against the one
BibTeX file `docs/references.bib` (parsed and formatted by pybtex), rendered as
author–year links, with the page's reference list and back-links appended."""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from .cache import read_json, write_json_atomic
from .errors import DerivationError, Problem
from .markdown_scan import segments, substitute

CITATION = re.compile(r"\[(?P<keys>@[\w:.\-]+(?:\s*;\s*@[\w:.\-]+)*)\]")


@dataclass
class Bibliography:
    path: Path
    rel: str
    # Where the parsed and formatted entries are kept, keyed by the file's bytes:
    # parsing and formatting with pybtex costs about half a second per build.
    cache_dir: Path | None = None
    keys: set[str] = field(init=False, default_factory=set)
    _labels: dict[str, str] = field(init=False, default_factory=dict)
    _formatted: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self):
        if not self.path.is_file():  # no sources yet: every citation is then unknown
            return
        source = self.path.read_bytes()
        stored = None
        if self.cache_dir is not None:
            digest = hashlib.sha256(source + metadata.version("pybtex").encode()).hexdigest()
            stored = self.cache_dir / f"bibliography-{digest[:32]}.json"
            if stored.is_file():
                saved = read_json(stored)
                self.keys, self._labels = set(saved["labels"]), saved["labels"]
                self._formatted = saved["formatted"]
                return
        # Here, not at the top: pybtex takes about 15 ms to import, and a build whose
        # cache holds the formatted entries does not need it.
        from pybtex.backends.html import Backend
        from pybtex.database import parse_file
        from pybtex.style.formatting.plain import Style

        try:
            data = parse_file(str(self.path), bib_format="bibtex")
        except Exception as error:  # pybtex raises several types, all with a message
            raise DerivationError(
                [Problem(self.rel, None, f"cannot read the bibliography: {error}")]
            ) from None
        self.keys = set(data.entries)
        self._labels = {key: _author_year(key, entry) for key, entry in data.entries.items()}
        self._formatted = {
            entry.key: entry.text.render(Backend())
            for entry in Style().format_entries(data.entries.values())
        }
        if stored is not None:
            for old in self.cache_dir.glob("bibliography-*.json"):  # earlier versions of the file
                old.unlink(missing_ok=True)
            write_json_atomic(stored, {"labels": self._labels, "formatted": self._formatted})

    def label(self, key: str) -> str:
        """Author–year text: Bishop, 2006; Neal and Hinton, 1998; Dempster et al., 1977."""
        return self._labels[key]

    def sort_key(self, key: str) -> tuple[str, str]:
        return self.label(key).lower(), key

    def formatted(self, key: str) -> str:
        return self._formatted[key]


def _author_year(key: str, entry) -> str:
    from pybtex.richtext import Text  # only when the entries are parsed (see Bibliography)

    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [str(Text.from_latex(" ".join(p.last_names))) for p in people]
    if len(names) > 2:
        who = f"{names[0]} et al."
    else:
        who = " and ".join(names) or str(Text.from_latex(entry.fields.get("title", key)))
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


def render(markdown: str, path: str, first_line: int, bibliography: Bibliography):
    """Citations → links; returns markdown, keys cited (with occurrence counts), problems."""
    occurrences: dict[str, int] = {}
    problems: list[Problem] = []

    def cite(match: re.Match, kind: str, line: int) -> str:
        keys = [key.strip().lstrip("@") for key in match["keys"].split(";")]
        unknown = [key for key in keys if key not in bibliography.keys]
        if unknown:
            known = ", ".join(sorted(bibliography.keys))
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
    known = [key for key in citing if key in bibliography.keys]
    for key in sorted(known, key=bibliography.sort_key):
        formatted = " ".join(bibliography.formatted(key).split())
        pages = ", ".join(f"[{title}]({path})" for title, path in citing[key])
        lines.append(f'1. <span id="ref-{key}"></span>{formatted} Cited in: {pages}.')
    lines.append("")
    return "\n".join(lines)
