"""The benchmark: what the engine costs on a build with every snippet cached.

Times `mkdocs build` with every snippet cached against the floor, the same
build with the runner's cache lookup skipped (entries of the last run used as
they are), interleaved so that machine noise hits both alike. Prints progress,
then one JSON object as the last line.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.derivations.cache import read_json  # noqa: E402
from scripts.derivations.project import Project  # noqa: E402
from scripts.derivations.runner import run_snippets  # noqa: E402
from scripts.derivations.site_engine import SKIP_CACHE_LOOKUP_VARIABLE  # noqa: E402

REPEATS = 7


def timed_build(site_dir: Path, extra_env: dict[str, str]) -> float:
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **extra_env}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> None:
    project = Project(ROOT)
    report = run_snippets(project)  # fill the cache first: the bench measures cached builds
    if report.failures:
        sys.exit("a snippet failed; fix it before benchmarking")
    cached, floor = [], []
    with tempfile.TemporaryDirectory() as temp:
        site_dir = Path(temp) / "site"
        timed_build(site_dir, {})  # warm the file system cache and .pyc files
        for repeat in range(REPEATS):
            cached.append(timed_build(site_dir, {}))
            floor.append(timed_build(site_dir, {SKIP_CACHE_LOOKUP_VARIABLE: "1"}))
            print(
                f"repeat {repeat + 1}/{REPEATS}: cached {cached[-1]:.3f} s, floor {floor[-1]:.3f} s",
                file=sys.stderr,
            )
    snippets = {rel: read_json(run.entry / "meta.json") for rel, run in report.runs.items()}
    result = {
        "cores": os.cpu_count(),
        "repeats": REPEATS,
        "cached_build_seconds_median": round(statistics.median(cached), 3),
        "floor_build_seconds_median": round(statistics.median(floor), 3),
        "cached_over_floor": round(statistics.median(cached) / statistics.median(floor), 3),
        "snippet_cpu_seconds": {rel: meta["cpu_seconds"] for rel, meta in snippets.items()},
        "snippet_peak_memory_mib": {rel: meta["peak_memory_mib"] for rel, meta in snippets.items()},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
