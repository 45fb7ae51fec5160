"""Throw-away copies of the project, so a benchmark can edit snippets and pages
without touching the author's checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUIET_ENV = {"NO_MKDOCS_2_WARNING": "1", "OMP_NUM_THREADS": "1"}


def bench_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every measured process: quiet, one BLAS thread, and Python
    writing its .pyc files as it does by default. Some machines (this sandbox among
    them) set PYTHONDONTWRITEBYTECODE=1, which made every build compile the engine's
    own modules again (about 0.05 s, all of it charged to the engine, since the plain
    build imports three small modules of ours) although the warm-up builds are there
    to write them."""
    environment = {**os.environ, **QUIET_ENV, **(extra or {})}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def copy_project(destination: Path, with_cache: bool = True) -> Path:
    """The project's files (tracked, and new ones git does not ignore, as they are in
    the working tree),
    KaTeX from node_modules by symlink and, if asked, the snippet, math and template
    caches; returns the copy's root."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / os.fsdecode(name)
        if source.is_file():
            target = destination / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (destination / "node_modules").symlink_to(ROOT / "node_modules")
    if with_cache:
        for part in ("runs", "math", "jinja", "claims-status.json"):
            source = ROOT / ".cache" / part
            if source.is_dir():
                shutil.copytree(source, destination / ".cache" / part, symlinks=True)
            elif source.is_file():
                (destination / ".cache").mkdir(exist_ok=True)
                shutil.copy2(source, destination / ".cache" / part)
    return destination


def timed_build(
    project_root: Path, site_dir: Path, extra_env: dict[str, str] | None = None, config=None
) -> float:
    """Wall seconds of one `mkdocs build` in a fresh process, as `make build` runs it."""
    environment = bench_environment(extra_env)
    command = [sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", str(site_dir)]
    if config is not None:
        command += ["--config-file", str(config)]
    started = time.perf_counter()
    run = subprocess.run(command, cwd=project_root, env=environment, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if run.returncode != 0:
        raise RuntimeError(f"mkdocs build failed in {project_root}:\n{run.stderr[-3000:]}")
    return elapsed


def commit_all(root: Path) -> None:
    """A repository like the real one: the pages' citation boxes read git history."""
    environment = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@localhost",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@localhost",
    }
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "synthetic site"]):
        subprocess.run(["git", *command], cwd=root, env=environment, check=True)
