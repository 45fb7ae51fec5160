"""'Cite this page': BibTeX and a plain reference with the page's stable URL,
authors, date and the commit the page was built from."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True)
class PageCitation:
    site_name: str
    title: str
    authors: list[str]
    published: date | None
    url: str
    commit: str
    key: str  # BibTeX key, e.g. runnable-derivations-em

    def bibtex(self) -> str:
        fields = [
            (
                "author",
                " and ".join("{" + a + "}" for a in self.authors) or "{" + self.site_name + "}",
            ),
            ("title", "{" + self.title + "}"),
            ("howpublished", "{" + self.site_name + "}"),
            ("url", "{" + self.url + "}"),
            ("note", "{Built from commit " + self.commit + "; accessed: fill in}"),
        ]
        if self.published:
            fields[3:3] = [
                ("year", f"{{{self.published.year}}}"),
                ("month", MONTHS[self.published.month - 1]),
            ]
        body = ",\n".join(f"  {name:<12} = {value}" for name, value in fields)
        return f"@misc{{{self.key},\n{body}\n}}"

    def plain(self) -> str:
        who = ", ".join(self.authors) or self.site_name
        when = f" ({self.published.isoformat()})" if self.published else ""
        return f"{who}{when}. {self.title}. {self.site_name}. {self.url} (commit {self.commit}; accessed: date)."

    def markdown(self) -> str:
        """A collapsible box (native <details>, so it opens without JavaScript)."""
        bibtex = "\n".join("    " + line for line in self.bibtex().splitlines())
        return (
            '\n\n??? quote "Cite this page"\n\n'
            f"    {_escape_markdown(self.plain())}\n\n"
            f"    ```bibtex\n{bibtex}\n    ```\n"
        )


def _escape_markdown(text: str) -> str:
    return re.sub(r"([*_\[\]])", r"\\\1", text)


def current_commit(root: Path) -> str:
    """The commit the site is built from (with -modified for uncommitted changes)."""
    try:
        run = subprocess.run(
            ["git", "describe", "--always", "--dirty=-modified", "--abbrev=12"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return run.stdout.strip() if run.returncode == 0 else "unknown"
