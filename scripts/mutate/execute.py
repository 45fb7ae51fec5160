"""One snippet, mutated or not, in a process of its own: the module built from the
given source, its `run()`, then the topic's claim tests on those results.

The process is forked from a server that has already imported the numeric
libraries and pytest (campaign.py), so a mutant pays for its own run and tests
only. The mutated module replaces the snippet's in `sys.modules`, so tests that
import the snippet's functions test the mutated ones too. Values reach the claim
tests through `DERIVATIONS_CLAIM_VALUES` (the engine's pytest plugin); the cache
folder is a scratch one, and nothing is written into the checkout.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import math
import os
import sys
import time
import types
import warnings
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Job:
    root: str  # the repository
    snippet: str  # its path, relative to root
    source: str  # the module's source: the snippet's own, or with one mutation
    tests: str  # the topic's test file, relative to root
    work: str  # a scratch folder for this job's values
    cache: str  # the topic's scratch cache folder (DERIVATIONS_CACHE_DIR), shared by its jobs
    baseline: str | None  # the unmutated run's results (canonical JSON), to spot equivalents


def plain(value):
    """numpy scalars and arrays as the JSON a snippet run writes."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"result of type {type(value).__name__} is not JSON")


def canonical(results: dict) -> str:
    """One text per results dict: equal texts are bit-identical results."""
    return json.dumps(results, sort_keys=True, default=plain)


def all_finite(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(all_finite(item) for item in value)
    return True


def load_module(job: Job) -> types.ModuleType:
    """The snippet's module from `job.source`, under the snippet's own name."""
    parts = Path(job.snippet).with_suffix("").parts
    name = ".".join(parts)
    package = importlib.import_module(".".join(parts[:-1]))
    module = types.ModuleType(name)
    module.__file__ = str(Path(job.root) / job.snippet)
    module.__package__ = package.__name__
    sys.modules[name] = module
    setattr(package, parts[-1], module)
    exec(compile(job.source, module.__file__, "exec"), module.__dict__)
    return module


class TestOutcomes:
    """A pytest plugin: node id → passed, over every phase of each test."""

    def __init__(self):
        self.passed: dict[str, bool] = {}

    def pytest_runtest_logreport(self, report):
        self.passed[report.nodeid] = self.passed.get(report.nodeid, True) and not report.failed


def claim_tests(job: Job, results: dict) -> dict[str, bool]:
    import pytest

    topic = Path(job.snippet).parent.name
    values = Path(job.work) / "values.json"
    values.write_text(json.dumps({f"{topic}.{k}": v for k, v in results.items()}))
    os.environ["DERIVATIONS_CLAIM_VALUES"] = str(values)
    outcomes = TestOutcomes()
    # Without what decides nothing here and costs more than the tests: tracebacks of
    # the failures (a mutant fails many tests, and each traceback prints arrays), the
    # plugins that collect garbage twice looking for unraisable exceptions (0.3 s), and
    # Hypothesis's, which imports Hypothesis for its summary (2.1 s, its modules'
    # asserts rewritten each time).
    arguments = [
        "--tb=no",
        "-p",
        "no:hypothesispytest",
        job.tests,
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:unraisableexception",
        "-p",
        "no:threadexception",
    ]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        pytest.main(arguments, plugins=[outcomes])
    return outcomes.passed


def execute(job: Job) -> dict:
    """{"status": killed | survived | equivalent, "seconds", "message", "tests"}."""
    started = time.perf_counter()
    os.chdir(job.root)
    if job.root not in sys.path:
        sys.path.insert(0, job.root)
    os.environ["DERIVATIONS_CACHE_DIR"] = job.cache

    def outcome(status: str, message: str = "", tests: dict | None = None) -> dict:
        seconds = round(time.perf_counter() - started, 3)
        return {"status": status, "seconds": seconds, "message": message, "tests": tests or {}}

    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a mutant's overflow warnings are noise here
            results = json.loads(canonical(load_module(job).run()))
    except Exception as error:  # the build would fail: the mutant is caught
        return outcome("killed", f"run() raised {type(error).__name__}: {error}"[:300])
    run_seconds = round(time.perf_counter() - started, 3)
    if not all_finite(list(results.values())):
        return outcome("killed", "a result is not finite (the build refuses it)")
    if job.baseline is not None and canonical(results) == job.baseline:
        return outcome("equivalent", "results bit-identical to the unmutated run")
    tests = claim_tests(job, results)
    failed = sorted(node for node, passed in tests.items() if not passed)
    if not tests:
        return outcome("killed", "pytest collected no test (an import or collection error)")
    status = "killed" if failed else "survived"
    reported = outcome(status, ", ".join(failed)[:300], tests) | {"run_seconds": run_seconds}
    return reported | ({"results": canonical(results)} if job.baseline is None else {})


def child(connection, job: Job) -> None:
    """The process's whole life: run the job, send its outcome, exit."""
    try:
        connection.send(execute(job))
    except BaseException as error:  # anything, SystemExit too, is a caught mutant
        connection.send(
            {"status": "killed", "seconds": 0, "message": repr(error)[:300], "tests": {}}
        )
    finally:
        connection.close()
