"""Split Markdown into what a reader sees as prose, math, code and comments.

Claim references are replaced in prose and math but not in code, and the
number lint reads prose only; both rely on this one scanner. Offsets index the
page's Markdown; `line_of` turns them into line numbers.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

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


@functools.lru_cache(maxsize=64)  # a page's text is scanned by several steps of one build
def segments(text: str) -> tuple[Segment, ...]:
    """Cover `text` with consecutive segments, in order."""
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
    in the file (the markdown's first line being `first_line`).

    Each segment is searched on its own, as if it were the whole text. A segment is
    searched only if it overlaps a match of the pattern in the whole text (and a text
    with no match is not even split into segments). That skips nothing when a match
    depends only on the characters it covers: a match inside a segment is then a
    match of the whole text at the same place, which the whole-text search finds or
    overlaps with an earlier match. The patterns of claims.REFERENCE,
    equations.LABEL and equations.EQREF and bibliography.CITATION are of that kind;
    any other pattern (lookaround, anchors such as ^, $ and \\b, atomic groups,
    possessive repeats, or one that can match nothing) has every segment of the
    given kinds searched, as before."""
    if not _context_free(pattern):
        return _substitute_in(markdown, pattern, kinds, replace, first_line, None)
    spans = [match.span() for match in pattern.finditer(markdown)]
    if not spans:
        return markdown
    return _substitute_in(markdown, pattern, kinds, replace, first_line, spans)


def _substitute_in(markdown, pattern, kinds, replace, first_line, spans) -> str:
    """`spans`: (start, end) of the whole text's matches, in order, or None to search
    every segment of the kinds."""
    lines = LineIndex(markdown, first_line)
    ends = None if spans is None else [end for _, end in spans]  # ascending: no overlaps
    pieces = []
    position = 0  # markdown[:position] is in pieces (the segments cover the text)
    for segment in segments(markdown):
        if segment.kind not in kinds:
            continue
        if spans is not None:
            # The first match that ends after the segment starts overlaps the segment
            # if it starts before the segment ends; no later one does if it does not.
            first = bisect.bisect_right(ends, segment.start)
            if first == len(spans) or spans[first][0] >= segment.end:
                continue

        def one(match: re.Match, segment: Segment = segment) -> str:
            return replace(match, segment.kind, lines.line_of(segment.start + match.start()))

        pieces.append(markdown[position : segment.start])
        pieces.append(pattern.sub(one, markdown[segment.start : segment.end]))
        position = segment.end
    pieces.append(markdown[position:])
    return "".join(pieces)


# Operations whose outcome depends on the text around a match (or that, once they
# have matched, keep what they took even if the rest of the pattern then fails).
_CONTEXT_OPERATIONS = {"AT", "ASSERT", "ASSERT_NOT", "ATOMIC_GROUP", "POSSESSIVE_REPEAT"}


@functools.lru_cache(maxsize=32)
def _context_free(pattern: re.Pattern) -> bool:
    """True if the pattern's matches depend only on the characters they cover and
    none is empty (see `substitute`); False when in doubt."""
    try:
        from re import _parser  # Python's own parse of the pattern (3.11+)

        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # another Python's internals: search every segment
        return False
    if parsed.getwidth()[0] == 0:
        return False
    pending: list = [parsed]
    while pending:
        item = pending.pop()
        if isinstance(item, _parser.SubPattern):
            pending.extend(item.data)
        elif isinstance(item, (list, tuple)):
            if len(item) == 2 and str(item[0]) in _CONTEXT_OPERATIONS:
                return False
            pending.extend(item)
    return True
