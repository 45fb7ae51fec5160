"""Series of articles: posts sharing `series:` in their front matter, in date order,
each linking the previous and the next one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Member:
    series: str
    published: str  # ISO date, sorts in time order
    docs_path: str
    title: str


def neighbours(members: list[Member], docs_path: str) -> tuple[Member | None, Member | None]:
    """The article before and after `docs_path` in its series."""
    mine = next((m for m in members if m.docs_path == docs_path), None)
    if mine is None:
        return None, None
    ordered = sorted(
        (m for m in members if m.series == mine.series), key=lambda m: (m.published, m.docs_path)
    )
    index = ordered.index(mine)
    before = ordered[index - 1] if index > 0 else None
    after = ordered[index + 1] if index + 1 < len(ordered) else None
    return before, after


def navigation(members: list[Member], docs_path: str) -> str:
    """Markdown links to the previous and next article (relative, so MkDocs checks them)."""
    before, after = neighbours(members, docs_path)
    if before is None and after is None:
        return ""
    here = PurePosixPath(docs_path).parent

    def link(member: Member) -> str:
        return f"[{member.title}]({PurePosixPath(member.docs_path).relative_to(here)})"

    series = (before or after).series
    previous = f"← Previous: {link(before)}" if before else ""
    following = f"Next: {link(after)} →" if after else ""
    return (
        f'\n\n<nav class="series-nav" markdown aria-label="Series: {series}">\n'
        f"<span markdown>{previous}</span>\n<span markdown>{following}</span>\n</nav>\n"
    )
