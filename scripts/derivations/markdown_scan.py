"""Split Markdown into what a reader sees as prose, math, code and comments.

Claim references are replaced in prose and math but not in code, and the
number lint reads prose only; both rely on this one scanner. Offsets index the
page's Markdown; `line_of` turns them into line numbers.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

# What can start a segment other than prose (see INLINE and FENCE), or end a line.
SEGMENT_MARKERS = ("`", "$", "\\(", "\\)", "\\[", "\\]", "<!--", "\n", "~~~")
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})")
INLINE = re.compile(
    # The lookahead lets the regex engine skip, in C, every position that cannot
    # start a match, which cuts the scanning time of a long article to a third.
    r"""
    (?=[`$\\<])
    (?:
    (?P<code>(?P<ticks>`+)(?!`).+?(?<!`)(?P=ticks)(?!`))
  | (?P<display>\$\$.+?\$\$|\\\[.+?\\\])
  | (?P<paren>\\\(.+?\\\))
  | (?P<inline>(?<![\\$\w])\$(?=[^\s$])(?:\\.|[^$\\\n])+?(?<=[^\s\\])\$(?![\w$]))
  | (?P<comment><!--.*?-->)
    )
    """,
    re.S | re.X,
)


@dataclass(frozen=True)
class Segment:
    kind: str  # "prose", "math", "code" or "comment"
    start: int
    end: int


def segments(text: str) -> tuple[Segment, ...]:
    """Cover `text` with consecutive segments, in order."""
    found = _scanned.get(text)
    if found is None:
        found = _scan(text)
        _remember(text, found)
    return found


# A page's text is scanned by several steps of one build, each working on the text
# the step before returned (see `substitute`).
_scanned: dict[str, tuple[Segment, ...]] = {}
SCANS_KEPT = 64
_scanned_lock = threading.Lock()  # the build's warm-up thread scans pages too


def _remember(text: str, found: tuple[Segment, ...]) -> None:
    with _scanned_lock:
        if len(_scanned) >= SCANS_KEPT:
            del _scanned[next(iter(_scanned))]  # the oldest
        _scanned[text] = found


def forget() -> None:
    """Drop the remembered scans once the pages are done: some 20,000 segments that
    each later garbage collection would walk, the interpreter's at exit included
    (a full collection after a cached build: 0.070 s with them, 0.032 s without)."""
    with _scanned_lock:
        _scanned.clear()


def _scan(text: str) -> tuple[Segment, ...]:
    found: list[Segment] = []
    position = 0
    for start, end in _fenced_blocks(text):
        found.extend(_inline_segments(text, position, start))
        found.append(Segment("code", start, end))
        position = end
    found.extend(_inline_segments(text, position, len(text)))
    return tuple(s for s in found if s.end > s.start)


def _fenced_blocks(text: str) -> list[tuple[int, int]]:
    blocks = []
    offset = 0
    opening: tuple[int, str] | None = None
    for line in text.splitlines(keepends=True):
        match = FENCE.match(line)
        if opening is None and match:
            opening = (offset, match["fence"])
        elif opening is not None and match and _closes(opening[1], match["fence"], line):
            blocks.append((opening[0], offset + len(line)))
            opening = None
        offset += len(line)
    if opening is not None:  # an unclosed fence runs to the end, as in Markdown
        blocks.append((opening[0], len(text)))
    return blocks


def _closes(opening: str, fence: str, line: str) -> bool:
    """A closing fence: the same character, at least as long, alone on its line."""
    return fence.startswith(opening[0] * len(opening)) and line.strip() == fence


def _inline_segments(text: str, start: int, end: int) -> list[Segment]:
    found = []
    position = start
    for match in INLINE.finditer(text, start, end):
        found.append(Segment("prose", position, match.start()))
        kind = "code" if match["code"] else "comment" if match["comment"] else "math"
        found.append(Segment(kind, match.start(), match.end()))
        position = match.end()
    found.append(Segment("prose", position, end))
    return found


class LineIndex:
    """Offsets → 1-based line numbers, shifted by the lines before the text."""

    def __init__(self, text: str, first_line: int = 1):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.first_line = first_line

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1 + self.first_line


def substitute(
    markdown: str,
    pattern: re.Pattern,
    kinds: set[str],
    replace: Callable[[re.Match, str, int], str],
    first_line: int = 1,
) -> str:
    """Replace the pattern's matches inside segments of the given kinds only.

    `replace(match, kind, line)` returns the new text; `line` is the match's line
    in the file (the markdown's first line being `first_line`)."""
    lines = LineIndex(markdown, first_line)
    pieces: list[str] = []
    moved: list[Segment] = []
    position = 0
    kinds_kept = True  # no replacement holds what could start a segment
    for segment in segments(markdown):
        text = markdown[segment.start : segment.end]
        if segment.kind in kinds:

            def one(match: re.Match, segment: Segment = segment) -> str:
                nonlocal kinds_kept
                new = replace(match, segment.kind, lines.line_of(segment.start + match.start()))
                if any(marker in new for marker in SEGMENT_MARKERS):
                    kinds_kept = False
                return new

            text = pattern.sub(one, text)
        pieces.append(text)
        moved.append(Segment(segment.kind, position, position + len(text)))
        position += len(text)
    result = "".join(pieces)
    # What replaced a match is of its segment's kind (a value or a link in prose, a
    # number or a tag in math), so the result's segments are the old ones, moved: the
    # next step reads them instead of scanning the page again (4 scans a page → 1).
    # A replacement holding a backtick, a dollar, a comment or a line break (a claim
    # statement in a link's title, say) could read differently: then scan again.
    if kinds_kept:
        _remember(result, tuple(s for s in moved if s.end > s.start))
    return result
