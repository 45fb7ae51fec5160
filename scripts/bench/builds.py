"""Figures 1 and 2: cached builds against the floor and against a plain build,
and a clean build against the work it cannot avoid."""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path

from scripts.derivations.cache import read_json
from scripts.derivations.project import CACHE_DIR_VARIABLE, Project
from scripts.derivations.runner import run_snippets
from scripts.derivations.site_engine import SKIP_CACHE_LOOKUP_VARIABLE

from .workspace import ROOT, copy_project, say, timed_build

# Interleaved cached, floor and plain builds. A burst of slowness on this shared
# machine (the same build took 2.5 and 3.9 s minutes apart) that covered four of
# seven repeats moved the three medians apart; eleven repeats need six.
REPEATS = 11
# Clean builds, each with its own efficiency (its snippets' CPU and its wall time
# slow down together, so each build's ratio is measured in one machine state).
CLEAN_REPEATS = 3


def plain_project(folder: Path) -> tuple[Path, Path]:
    """A copy of the project (its own caches: a build without notebooks would evict
    mkdocs-jupyter's cached conversions of the real one) with plain.yml: mkdocs.yml
    without the engine's hooks (the speed-ups stay, see mkdocs_speedups.py), so the
    same Markdown is built with claims, math and generated pages left as they are."""
    root = copy_project(folder)
    config = root / "plain.yml"
    config.write_text(
        "INHERIT: mkdocs.yml\nhooks: [scripts/derivations/mkdocs_speedups.py]\n",
        encoding="utf-8",
    )
    return root, config


def cached_builds() -> dict:
    """Cached, floor and plain builds, interleaved so that machine noise hits all alike."""
    report = run_snippets(Project(ROOT))  # the bench measures cached builds: fill the cache
    if report.failures:
        raise SystemExit("a snippet failed; fix it before benchmarking")
    times: dict[str, list[float]] = {"cached": [], "floor": [], "plain": []}
    with tempfile.TemporaryDirectory() as temp:
        site = Path(temp) / "site"
        plain_root, config = plain_project(Path(temp) / "plain")
        timed_build(ROOT, site)  # warm the file-system cache, .pyc files and caches
        timed_build(plain_root, site, config=config)
        for repeat in range(REPEATS):
            times["cached"].append(timed_build(ROOT, site))
            times["floor"].append(timed_build(ROOT, site, {SKIP_CACHE_LOOKUP_VARIABLE: "1"}))
            times["plain"].append(timed_build(plain_root, site, config=config))
            say(
                f"repeat {repeat + 1}/{REPEATS}: "
                + ", ".join(f"{name} {values[-1]:.2f} s" for name, values in times.items())
            )
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "repeats": REPEATS,
        "cached_build_seconds_median": round(medians["cached"], 3),
        "floor_build_seconds_median": round(medians["floor"], 3),
        "plain_build_seconds_median": round(medians["plain"], 3),
        "cached_over_floor": round(medians["cached"] / medians["floor"], 3),
        "cached_over_plain": round(medians["cached"] / medians["plain"], 3),
    }


def clean_build(floor_seconds: float) -> dict:
    """Builds from an empty cache (every snippet run, every formula rendered), each
    against max(snippet CPU / cores, longest snippet) + the floor; the median build
    by that efficiency is reported."""
    cores = os.cpu_count() or 1
    builds = []
    for repeat in range(CLEAN_REPEATS):
        with tempfile.TemporaryDirectory() as temp:
            cache = Path(temp) / "cache"
            wall = timed_build(ROOT, Path(temp) / "site", {CACHE_DIR_VARIABLE: str(cache)})
            cold_math = read_json(cache / "math" / "last-build.json")
            runs = [
                read_json(entry / "meta.json")
                for entry in sorted((cache / "runs").iterdir())
                if (entry / "meta.json").is_file()
            ]
        metas = {meta["snippet"]: meta for meta in runs}
        cpu = {name: meta["cpu_seconds"] for name, meta in metas.items()}
        unavoidable = max(sum(cpu.values()) / cores, max(cpu.values())) + floor_seconds
        builds.append((unavoidable / wall, wall, cpu, metas, cold_math))
        say(
            f"clean build {repeat + 1}/{CLEAN_REPEATS}: {wall:.2f} s; snippets "
            f"{sum(cpu.values()):.2f} s CPU on {cores} cores; efficiency {unavoidable / wall:.3f}"
        )
    efficiency, wall, cpu, metas, cold_math = sorted(builds, key=lambda build: build[0])[
        len(builds) // 2
    ]
    return {
        "clean_builds": CLEAN_REPEATS,
        "clean_build_efficiencies": [round(build[0], 3) for build in builds],
        "clean_build_seconds": round(wall, 3),
        "snippet_cpu_seconds": cpu,
        "snippet_peak_memory_mib": {name: meta["peak_memory_mib"] for name, meta in metas.items()},
        "clean_build_efficiency": round(efficiency, 3),
        "cold_math": cold_math,
    }


def math_per_formula(cold: dict) -> dict:
    """Milliseconds per formula spent on math (scan, render or look up, place) by the
    clean build (every formula new to the cache) and by the last cached build."""
    cached = read_json(ROOT / ".cache" / "math" / "last-build.json")

    def per_formula(stats: dict) -> float:
        return round(1000 * stats["seconds"] / max(stats["formulas"], 1), 4)

    return {
        "formulas": cached["formulas"],
        "cold_ms_per_formula": per_formula(cold),
        "cold_new_formulas": cold["new"],
        "cached_ms_per_formula": per_formula(cached),
        "cached_new_formulas": cached["new"],
    }
