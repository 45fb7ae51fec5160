"""Shared fixtures: a scratch copy of the project for tests that break things."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

TINY_SNIPPET = """\
# %%
CLAIMS = {
    "answer": {"statement": "Six times seven.", "unit": None, "reference": None},
}
PARAMETERS = {"factor": {"statement": "the first factor", "format": "d"}}


# %%
def run(factor=6):
    return {"factor": factor, "answer": factor * 7}


# %%
if __name__ == "__main__":
    results = run()
    figures = {}
"""

TINY_TEST = """\
import pytest


@pytest.mark.claim("tiny.answer")
def test_answer_is_forty_two(claim_value):
    assert claim_value("tiny.answer") == 42
"""

TINY_PAGE = """\
---
title: Tiny
description: A page for the engine's tests.
date: 2026-11-23
authors: [rd]
---

# Tiny

The answer is [[tiny.answer]].

<!-- more -->

It takes [[tiny.factor]] sevens.
"""


@dataclass
class Scratch:
    root: Path

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def run(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
        environment.pop("DERIVATIONS_ABSURD_SWEEP", None)
        return subprocess.run(
            [sys.executable, "-m", *args],
            cwd=self.root,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def build(self, env: dict | None = None) -> subprocess.CompletedProcess:
        return self.run(
            "mkdocs", "build", "--strict", "--site-dir", str(self.root / "site"), env=env
        )

    def claim_tests(self) -> subprocess.CompletedProcess:
        return self.run("pytest", "tests/snippets", "-q", "-p", "no:cacheprovider")


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory) -> Path:
    """The tiny snippet's cache entry, run once per session and copied into each
    scratch project (its key is the same there until a test edits the snippet)."""
    project = make_scratch(tmp_path_factory.mktemp("warm") / "project")
    from scripts.derivations.project import Project
    from scripts.derivations.runner import run_snippets

    report = run_snippets(Project(project.root))
    assert not report.failures, report.failures
    return project.root / ".cache" / "runs"


@pytest.fixture
def scratch(tmp_path, tiny_runs) -> Scratch:
    """A minimal project: the real engine, config and theme, one tiny article."""
    project = make_scratch(tmp_path / "project")
    shutil.copytree(tiny_runs, project.root / ".cache" / "runs")
    return project


def make_scratch(root: Path) -> Scratch:
    root.mkdir()
    for name in ("mkdocs.yml", "pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(
        ROOT / "scripts", root / "scripts", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "docs" / "assets", root / "docs" / "assets")
    shutil.copytree(ROOT / "overrides", root / "overrides")  # the theme's partials
    for name in (".authors.yml", "tags.md"):  # named by the config and the nav
        shutil.copy(ROOT / "docs" / name, root / "docs" / name)
    (root / "node_modules").symlink_to(ROOT / "node_modules")  # KaTeX, read only
    project = Scratch(root)
    project.write("docs/index.md", "# Home\n")
    project.write(
        "docs/notation.md", "# Notation\n"
    )  # in the nav; the real one cites EM's equations
    project.write("snippets/__init__.py", "")
    project.write("snippets/tiny/__init__.py", "")
    project.write("snippets/tiny/demo.py", TINY_SNIPPET)
    project.write("tests/snippets/test_tiny.py", TINY_TEST)
    project.write("docs/posts/tiny.md", TINY_PAGE)
    return project
