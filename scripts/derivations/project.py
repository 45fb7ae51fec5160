"""Where things live in a Runnable Derivations checkout."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

CACHE_DIR_VARIABLE = "DERIVATIONS_CACHE_DIR"


@dataclass(frozen=True)
class Project:
    root: Path
    # Another cache folder (DERIVATIONS_CACHE_DIR): the reproducibility test
    # re-runs every snippet into a second cache and builds from it.
    cache_override: Path | None = field(
        default_factory=lambda: (
            Path(os.environ[CACHE_DIR_VARIABLE]) if os.environ.get(CACHE_DIR_VARIABLE) else None
        )
    )

    @property
    def snippets_dir(self) -> Path:
        return self.root / "snippets"

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    @property
    def claim_tests_dir(self) -> Path:
        return self.root / "tests" / "snippets"

    @property
    def cache_dir(self) -> Path:
        return self.cache_override or self.root / ".cache"

    @property
    def runs_dir(self) -> Path:
        return self.cache_dir / "runs"

    @property
    def verdicts_file(self) -> Path:
        return self.cache_dir / "claims-status.json"

    @property
    def last_build_values_file(self) -> Path:
        return self.cache_dir / "claims-last-build.json"

    @property
    def lock_file(self) -> Path:
        return self.root / "requirements.lock"

    def rel(self, path: Path) -> str:
        """A repository-relative POSIX path, as error messages and indexes show it."""
        return path.resolve().relative_to(self.root.resolve()).as_posix()


def find_project(start: Path) -> Project:
    """The checkout containing `start` (the folder with mkdocs.yml and snippets/)."""
    start = start.resolve()
    for folder in [start, *start.parents]:
        if (folder / "mkdocs.yml").is_file() and (folder / "snippets").is_dir():
            return Project(folder)
    raise FileNotFoundError(f"{start}: not inside a checkout (no mkdocs.yml beside snippets/)")
