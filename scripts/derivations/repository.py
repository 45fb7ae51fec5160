"""Links into the project's repository, every one derived from `repo_url` and
`edit_uri` in mkdocs.yml and the commit the site is built from, so that a fork
changes one line.

Code links name the built commit (`<repo>/blob/<commit>/<path>#L<line>`), so a
line stays right after later commits; a build from uncommitted changes or
outside git links the default branch instead and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

# `git describe --always --dirty=-modified` of a clean checkout: a hash, or a tag
# description ending in -g<hash>.
CLEAN_COMMIT = re.compile(r"(?:^|-g)(?P<commit>[0-9a-f]{7,40})")


@dataclass(frozen=True)
class Repository:
    url: str  # https://github.com/owner/name, no trailing slash
    branch: str  # the default branch, read from edit_uri ("edit/<branch>/docs/")
    commit: str | None  # the built commit, None when the build is not of a clean commit

    @classmethod
    def from_config(cls, repo_url: str | None, edit_uri: str | None, described: str):
        """None when mkdocs.yml names no repository."""
        if not repo_url:
            return None
        parts = (edit_uri or "").strip("/").split("/")
        branch = parts[1] if len(parts) > 1 and parts[0] in {"edit", "blob"} else "main"
        clean = None if described.endswith("-modified") else CLEAN_COMMIT.search(described)
        return cls(repo_url.rstrip("/"), branch, clean["commit"] if clean else None)

    @property
    def ref(self) -> str:
        return self.commit or self.branch

    @property
    def folder(self) -> str:
        """The folder `git clone` makes."""
        return self.url.rsplit("/", 1)[-1]

    def blob(self, path: str, line: int | None = None) -> str:
        return f"{self.url}/blob/{self.ref}/{quote(path)}" + (f"#L{line}" if line else "")

    def tree(self, path: str) -> str:
        return f"{self.url}/tree/{self.ref}/{quote(path)}"

    def on_branch(self, path: str) -> str:
        """A file as it is now (the licence), not as it was at the built commit."""
        return f"{self.url}/blob/{self.branch}/{quote(path)}"

    def discussions(self, title: str) -> str:
        """The repository's discussions, searched for an article's title."""
        return f"{self.url}/discussions?{urlencode({'discussions_q': title})}"

    def clone_commands(self) -> list[str]:
        return [f"git clone {self.url}.git", f"cd {self.folder}"]

    def provenance(self) -> str:
        """One sentence on what the code links point at."""
        if self.commit:
            return (
                f"Links to code and tests point at commit `{self.commit}`, the one this site "
                "was built from, so each line number stays right."
            )
        return (
            "This site was built from uncommitted changes or outside git, so links to code "
            f"and tests point at the `{self.branch}` branch, where lines may have moved since."
        )
