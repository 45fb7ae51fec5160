"""`make bench`: every figure of the performance budget from one run.

Progress goes to stderr; the last line of stdout is one JSON object holding every
figure and, under "budgets", each budget with its value and whether it holds.
Exits 1 when a budget does not hold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import builds, first_view, scale, serve_edit
from .workspace import ROOT, bench_environment, commit_all, copy_project, say, timed_build

TEST_BUDGET_SECONDS = 600


def make_test() -> tuple[float, bool]:
    """`make test` (the whole suite) on a fresh copy of the project with empty
    caches, as CI runs it, browser tests included."""
    with tempfile.TemporaryDirectory() as temp:
        root = copy_project(Path(temp) / "project", with_cache=False)
        commit_all(root)  # pages show their git history, as in CI's clone
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=root,
            env=bench_environment({"DERIVATIONS_REQUIRE_BROWSER": "1"}),
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
    say(run.stdout[-5000:] if run.returncode else run.stdout.strip().splitlines()[-1])
    return elapsed, run.returncode == 0


def budgets(result: dict) -> dict:
    view, serve = result["first_view"], result["serve_edit"]
    checks = {
        "cached_over_floor": (result["cached_over_floor"], "<=", 1.10),
        "cached_over_plain": (result["cached_over_plain"], "<=", 1.20),
        "clean_build_efficiency": (result["clean_build_efficiency"], ">=", 0.85),
        "serve_edit_overhead_seconds": (serve["overhead_seconds_median"], "<=", 2.0),
        "serve_edit_snippets_rerun": (serve["snippets_rerun"], "==", 1),
        "first_view_compressed_kb": (view["max_compressed_kb"], "<=", 500),
        "first_view_requests": (view["max_requests"], "<=", 30),
        "first_view_layout_shift": (view["max_layout_shift"], "<", 0.1),
        "readable_without_javascript": (view["all_readable_without_javascript"], "==", True),
        "scale_marginal_growth": (result["scale"]["marginal_growth"], "<=", 1.10),
        "make_test_seconds": (result["make_test_seconds"], "<=", TEST_BUDGET_SECONDS),
        "make_test_passed": (result["make_test_passed"], "==", True),
    }
    holds = {
        "<=": lambda v, limit: v <= limit,
        ">=": lambda v, limit: v >= limit,
        "<": lambda v, limit: v < limit,
        "==": lambda v, limit: v == limit,
    }
    return {
        name: {"value": value, "budget": f"{sign} {limit}", "met": holds[sign](value, limit)}
        for name, (value, sign, limit) in checks.items()
    }


def main() -> int:
    result: dict = {"cores": os.cpu_count()}
    say("1. cached builds against the floor and the plain build")
    result |= builds.cached_builds()
    say("2. clean build")
    clean = builds.clean_build(result["floor_build_seconds_median"])
    say("4. math per formula")
    result["math"] = builds.math_per_formula(clean.pop("cold_math"))
    result |= clean
    say("3. edit one snippet under mkdocs serve")
    result["serve_edit"] = serve_edit.measure()
    say("5. a reader's first view")
    with tempfile.TemporaryDirectory() as temp:
        timed_build(ROOT, Path(temp) / "site")
        result["first_view"] = first_view.measure(Path(temp) / "site")
    say("6. scale")
    result["scale"] = scale.measure()
    say("7. make test on a fresh copy")
    seconds, passed = make_test()
    result["make_test_seconds"], result["make_test_passed"] = round(seconds, 1), passed
    result["budgets"] = budgets(result)
    result["all_budgets_met"] = all(b["met"] for b in result["budgets"].values())
    print(json.dumps(result))
    return 0 if result["all_budgets_met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
