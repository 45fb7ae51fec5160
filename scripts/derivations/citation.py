"""Citing a page: 'Cite this page' (BibTeX, a downloadable .bib, a plain reference
with the stable URL, authors, dates and the commit), Google Scholar meta tags, and
the page's change history from git, so a reader sees whether it changed since."""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True)
class Change:
    commit: str
    day: date
    subject: str


@dataclass(frozen=True)
class PageCitation:
    site_name: str
    title: str
    authors: list[str]
    published: date | None
    url: str
    commit: str
    key: str  # BibTeX key, e.g. runnable-derivations-em
    history: list[Change] = field(default_factory=list)  # newest first

    @property
    def updated(self) -> date | None:
        return self.history[0].day if self.history else None

    @property
    def bib_file(self) -> str:
        """The downloadable .bib, beside the page."""
        return f"{self.key}.bib"

    def bibtex(self) -> str:
        # Each name braced whole, so BibTeX keeps it as written (no "Last, First").
        authors = " and ".join("{" + a + "}" for a in self.authors or [self.site_name])
        fields = [
            ("author", "{" + authors + "}"),
            ("title", "{" + self.title + "}"),
            ("howpublished", "{" + self.site_name + "}"),
        ]
        if self.published:
            fields += [
                ("year", f"{{{self.published.year}}}"),
                ("month", MONTHS[self.published.month - 1]),
            ]
        fields.append(("url", "{" + self.url + "}"))
        note = f"Built from commit {self.commit}"
        if self.updated:
            note += f"; last updated {self.updated.isoformat()}"
        fields += [
            ("note", "{" + note + "}"),
            ("urldate", "{}"),
        ]  # urldate: the reader's access date
        body = ",\n".join(f"  {name:<12} = {value}" for name, value in fields)
        return f"@misc{{{self.key},\n{body}\n}}\n"

    def plain(self) -> str:
        who = ", ".join(self.authors) or self.site_name
        when = f" ({self.published.isoformat()})" if self.published else ""
        updated = f", last updated {self.updated.isoformat()}" if self.updated else ""
        return (
            f"{who}{when}. {self.title}. {self.site_name}. {self.url} "
            f"(commit {self.commit}{updated}; accessed: date)."
        )

    def markdown(self) -> str:
        """A collapsible box (native <details>, so it opens without JavaScript)."""
        bibtex = "\n".join("    " + line for line in self.bibtex().splitlines())
        lines = [
            '\n\n??? quote "Cite this page"\n',
            f"    {_escape_markdown(self.plain())}\n",
            f'    <a href="{self.bib_file}" download>Download BibTeX ({self.bib_file})</a>. '
            "Cite one equation by its link: each numbered equation has one (#).\n",
            f"    ```bibtex\n{bibtex}\n    ```\n",
        ]
        if self.history:
            lines.append('\n??? info "Changes to this page"\n')
            lines += [
                f"    - {change.day.isoformat()} `{change.commit}` {_escape_markdown(change.subject)}"
                for change in self.history
            ]
            lines.append("")
        return "\n".join(lines)

    def scholar_meta(self) -> str:
        """Google Scholar `citation_*` tags (also read by Zotero and other managers)."""
        tags = [("citation_title", self.title)]
        tags += [("citation_author", author) for author in self.authors or [self.site_name]]
        if self.published:
            tags.append(("citation_publication_date", self.published.strftime("%Y/%m/%d")))
        if self.updated:
            tags.append(("citation_online_date", self.updated.strftime("%Y/%m/%d")))
        tags += [("citation_public_url", self.url), ("citation_fulltext_html_url", self.url)]
        return "".join(
            f'<meta name="{name}" content="{html.escape(value, quote=True)}">\n'
            for name, value in tags
        )


def _escape_markdown(text: str) -> str:
    return re.sub(r"([*_\[\]`])", r"\\\1", text)


class Git:
    """A git command started at once and read when needed, so it runs on the other
    core while the build goes on: a cached build asked git six questions (3-5 ms
    each) one after another."""

    def __init__(self, root: Path, *args: str):
        try:
            self._process: subprocess.Popen | None = subprocess.Popen(
                ["git", *args],
                cwd=root,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        except OSError:
            self._process = None
        self._output: str | None = None

    def output(self) -> str | None:
        """Its standard output; None if git is missing, failed or took over 20 s."""
        process, self._process = self._process, None
        if process is not None:
            try:
                out, _ = process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
            else:
                self._output = out if process.returncode == 0 else None
        return self._output


def ask_commit(root: Path) -> Git:
    """The commit the site is built from (with -modified for uncommitted changes)."""
    return Git(root, "describe", "--always", "--dirty=-modified", "--abbrev=12")


def commit_of(answer: Git) -> str:
    out = answer.output()
    return out.strip() if out else "unknown"


def ask_history(root: Path, paths: list[str]) -> Git:
    """Commits that changed the page or its snippets, newest first."""
    return Git(root, "log", "--format=%h%x09%cs%x09%s", "--", *paths)


def history_of(answer: Git) -> list[Change]:
    changes = []
    for line in (answer.output() or "").splitlines():
        commit, day, subject = line.split("\t", 2)
        changes.append(Change(commit, date.fromisoformat(day), subject))
    return changes
