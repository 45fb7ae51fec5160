"""The reproducibility page: what the site was built with and how each snippet ran,
and how a reader re-runs an article and compares with the published claims."""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path

from .cache import installed_version
from .repository import Repository
from .runner import RunReport

REPRODUCIBILITY_PAGE = "reproducibility.md"
LIBRARIES = (
    "numpy",
    "scipy",
    "scikit-learn",
    "torch",
    "matplotlib",
    "jupytext",
    "mkdocs",
    "mkdocs-material",
    "pymdown-extensions",
    "mkdocs-jupyter",
    "pybtex",
    "mini-racer",
)


def page_markdown(
    report: RunReport,
    katex_version: str,
    commit: str,
    site_url: str,
    repository: Repository | None = None,
    scores_file: Path | None = None,
) -> str:
    """`scores_file`: tests/mutation-scores.json, as `make mutate` wrote it."""
    versions = [("Python", platform.python_version())]
    versions += [(name, _version(name)) for name in LIBRARIES]
    versions.append(("KaTeX (npm)", katex_version))
    lines = [
        "---",
        "title: Reproducibility",
        "description: The library versions, snippet runs and cache keys behind every number on the site, and how to re-run them.",
        "---",
        "",
        "# Reproducibility",
        "",
        f"This site was built from commit `{commit}`. Every number in an article comes from "
        "a snippet run recorded below; the run's cache key is a hash of the snippet, the "
        "project modules it imports, its data files, the dependency lock and the library "
        "versions, so the same key means the same inputs.",
        "",
        "## Re-run an article and compare",
        "",
        "On Linux with Python 3.11 and `make`:"
        if repository
        else "From a clone of the repository, on Linux with Python 3.11 and `make`:",
        "",
        "```sh",
        *(repository.clone_commands() if repository else []),
        "make install",
        ".venv/bin/python -m snippets.em      # run one article's experiment and print its results",
        f"curl -O {site_url.rstrip('/')}/claims.json   # or save the published claims.json by hand",
        ".venv/bin/python -m scripts.derivations.compare claims.json",
        "```",
        "",
        "The last command re-runs every snippet into a fresh cache and compares each claim "
        "with the published value.",
        "",
        "## Library versions",
        "",
        "| Package | Version |",
        "|---|---|",
        *[f"| {name} | `{version}` |" for name, version in versions],
        "",
        "## Snippet runs",
        "",
        "| Snippet | Cache key | Wall time | CPU time | Peak memory | Claims |",
        "|---|---|---|---|---|---|",
    ]
    for rel, run in sorted(report.runs.items()):
        meta = run.meta
        claims = sum(d.kind == "claim" for d in run.snippet.declarations)
        lines.append(
            f"| `{rel}` | `{run.key[:12]}` | {meta['wall_seconds']:.2f} s | {meta['cpu_seconds']:.2f} s "
            f"| {meta['peak_memory_mib']:.0f} MiB | {claims} |"
        )
    lines.append("")
    lines += mutation_section(report, scores_file)
    return "\n".join(lines)


MUTATION_SCORES = "tests/mutation-scores.json"


def mutation_section(report: RunReport, scores_file: Path | None) -> list[str]:
    """Each article's mutation score, as `make mutate` last measured it, marked stale
    when the snippet (its cache key) or its test file changed since."""
    if not report.runs or scores_file is None:
        return []
    project_root = scores_file.parents[1]
    scores = json.loads(scores_file.read_text(encoding="utf-8")) if scores_file.is_file() else {}
    lines = [
        "## How strong the tests are",
        "",
        "`make mutate` changes the snippet's mathematics one operator, number or index at a "
        "time and runs the article's claim tests on each changed version (a *mutant*). The "
        "score is the share of mutants the tests catch, leaving out those whose results are "
        "bit-identical to the unchanged snippet's and those stopped at three times its run "
        "time (*slow*).",
        "",
        "| Snippet | Mutants | Caught | Not caught | Same results | Slow | Score | Measured on |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for rel, run in sorted(report.runs.items()):
        score = scores.get(run.snippet.topic)
        if score is None:
            lines.append(f"| `{rel}` | — | — | — | — | — | not measured | |")
            continue
        tests = project_root / score["tests"]
        current = (
            score["snippet_key"] == run.key
            and tests.is_file()
            and (hashlib.sha256(tests.read_bytes()).hexdigest() == score["tests_sha256"])
        )
        shown = f"{score['score']:.0%}" if score["score"] is not None else "—"
        state = f"`{score['snippet_key'][:12]}`" + ("" if current else ", stale: changed since")
        lines.append(
            f"| `{rel}` | {score['mutants']} | {score['killed']} | {score['survived']} "
            f"| {score['equivalent']} | {score['timed_out']} | {shown} | {state} |"
        )
    lines.append("")
    return lines


def _version(name: str) -> str:
    return installed_version(name) or "not installed"
