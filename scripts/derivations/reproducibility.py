"""The reproducibility page: what the site was built with and how each snippet ran,
and how a reader re-runs an article and compares with the published claims."""

from __future__ import annotations

import platform

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
) -> str:
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
    return "\n".join(lines)


def _version(name: str) -> str:
    return installed_version(name) or "not installed"
