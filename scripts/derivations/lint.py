"""Flag numbers typed by hand into article prose.

A computed number must come from a claim or parameter reference. Allowed in
prose: years, the numbers of equations, sections, figures and the like, ordered
list markers, and the phrases a page lists under `allow_numbers` in its front
matter. Math, code, comments, link targets and HTML tags are not prose.
"""

from __future__ import annotations

import re

from .bibliography import CITATION
from .claims import REFERENCE
from .errors import Problem
from .markdown_scan import LineIndex, segments

NUMBER = re.compile(r"(?<![\w.\-/#^])[-−]?\d+(?:[.,]\d+)*(?![\w])")
DIGIT = re.compile(r"\d")
YEAR = re.compile(r"^(1[5-9]|20)\d\d$")
NUMBERED_THINGS = (
    r"(?:eq|eqs|equation|equations|section|sections|§|figure|figures|fig|figs|table|tables"
    r"|chapter|chapters|ch|part|appendix|theorem|lemma|corollary|proposition|definition"
    r"|example|exercise|page|pages|p|pp|step|steps|line|lines|vol|volume|no|issue|algorithm)"
)
AFTER_NAME = re.compile(NUMBERED_THINGS + r"\.?\s*\(?$", re.I)
# Spans of prose that are not text a reader reads as a statement.
NOT_TEXT = re.compile(
    r"\]\([^)]*\)"  # link and image targets
    r"|<[^>\n]+>"  # HTML tags
    r"|^\s{0,3}\[[^\]]+\]:.*$"  # reference definitions
    r"|\[\^[^\]]+\]"  # footnote markers
    r"|\{[:#.][^}\n]*\}"  # attribute lists
    r"|^\s*(?:\d+[.)]|[-*+])\s"  # list markers
    r"|^#{1,6}\s+[\d.]+\s"  # numbered headings
    r"|^(?:!!!|\?\?\?\+?)[^\n]*",  # admonition headers (type and title)
    re.M,
)


def hand_typed_numbers(
    markdown: str, path: str, first_line: int, allowed: list[str]
) -> list[Problem]:
    lines = LineIndex(markdown, first_line)
    problems = []
    for segment in segments(markdown):
        if segment.kind != "prose" or not DIGIT.search(markdown, segment.start, segment.end):
            continue  # no digit, no number to flag (most prose between formulas)
        text = _blank(markdown[segment.start : segment.end], [REFERENCE, CITATION, NOT_TEXT])
        for phrase in allowed:
            text = text.replace(phrase, " " * len(phrase))
        for match in NUMBER.finditer(text):
            number = match.group().lstrip("-−")
            if YEAR.match(number) or AFTER_NAME.search(
                text[max(0, match.start() - 16) : match.start()]
            ):
                continue
            line = lines.line_of(segment.start + match.start())
            problems.append(
                Problem(
                    path,
                    line,
                    f"hand-typed number '{match.group()}' in prose: use a claim or parameter "
                    "reference [[topic.name]], put it in math, or list the phrase under "
                    "allow_numbers in the page's front matter",
                )
            )
    return problems


def _blank(text: str, patterns: list[re.Pattern]) -> str:
    """Replace matches by spaces, keeping offsets (and so line numbers) intact."""
    for pattern in patterns:
        text = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    return text
