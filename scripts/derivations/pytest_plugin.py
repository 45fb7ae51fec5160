"""The claim-test side of the engine, loaded by pytest (`-p` in pyproject.toml).

- `claim_value` (fixture): the value of a claim or parameter from the snippet
  runs, the same cache the build reads. The first use runs every stale snippet
  once, in parallel; the rest of the session reuses the results.
- Claim tests run first, and each claim's verdict is recorded with the cache
  key it checked once all of its marked tests have run.
- `DERIVATIONS_ABSURD_SWEEP=<report.json>` runs only the claim tests, each once
  per claim it is marked with, with that claim's value replaced by NaN; it records
  no verdict and writes which (test, claim) pairs failed to the report. The
  self-test uses it to show, in one pytest run, that every claim's test can fail.
- `DERIVATIONS_CLAIM_VALUES=<values.json>` takes every claim and parameter value
  from that file (id → value) instead of the snippet runs, and records no verdict:
  `make mutate` runs a topic's claim tests on a mutated snippet's results this way.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from . import markers, verdicts
from .errors import DerivationError
from .project import Project, find_project
from .runner import RunReport, run_snippets

SWEEP_VARIABLE = "DERIVATIONS_ABSURD_SWEEP"
VALUES_VARIABLE = "DERIVATIONS_CLAIM_VALUES"
CLAIM_TESTS_FIRST = ("tests/snippets/", "tests/engine/", "tests/site/")


class ClaimSession:
    def __init__(self, project: Project):
        self.project = project
        self.report: RunReport | None = None
        self.values: dict[str, object] = {}
        self.outcomes: dict[str, bool] = {}  # node id → passed
        self.markers = markers.claim_markers(project)
        self.sweep_report = os.environ.get(SWEEP_VARIABLE)
        self.sweep_failed: dict[str, dict[str, bool]] = {}  # node id → claim → failed
        self.values_file = os.environ.get(VALUES_VARIABLE)

    def value(self, claim_id: str, absurd: str | None = None):
        if self.report is None:
            self._run()
        if claim_id not in self.values:
            known = ", ".join(sorted(self.values))
            raise KeyError(f"no claim or parameter '{claim_id}' (known: {known})")
        return math.nan if claim_id == absurd else self.values[claim_id]

    def _run(self) -> None:
        if self.values_file:
            self.values = json.loads(Path(self.values_file).read_text(encoding="utf-8"))
            self.report = RunReport(snippets=[])
            return
        try:
            self.report = run_snippets(self.project)
        except DerivationError as error:
            pytest.fail(str(error), pytrace=False)
        if self.report.failures:
            pytest.fail(
                "\n".join(
                    str(f.problem) + "\n" + f.traceback for f in self.report.failures.values()
                ),
                pytrace=False,
            )
        self.values = self.report.results_by_id()

    def key_of(self, claim_id: str) -> str | None:
        if self.report is None:
            return None
        for run in self.report.runs.values():
            if any(d.id == claim_id for d in run.snippet.declarations):
                return run.key
        return None

    def record(self, node_id: str, claim_ids: list[str], passed: bool) -> None:
        self.outcomes[node_id] = passed and self.outcomes.get(node_id, True)
        if self.sweep_report or self.values_file:
            return
        for claim_id in claim_ids:
            nodes = [node for node, _ in self.markers.get(claim_id, [])]
            key = self.key_of(claim_id)
            if key is None or not all(node in self.outcomes for node in nodes):
                continue  # not every test of this claim has run yet
            verdicts.record(
                self.project, claim_id, key, all(self.outcomes[n] for n in nodes), nodes
            )


_session: ClaimSession | None = None


def pytest_configure(config):
    global _session
    _session = ClaimSession(find_project(Path(config.rootpath)))


@pytest.fixture
def absurd_claim(request) -> str | None:
    """The claim whose value is NaN in this test: set only by the sweep."""
    return getattr(request, "param", None)


@pytest.fixture
def claim_value(absurd_claim):
    """claim_value("em.min_loglik_gain") → the value the build will show."""
    return lambda claim_id: _session.value(claim_id, absurd_claim)


def pytest_generate_tests(metafunc):
    if not _session.sweep_report or "absurd_claim" not in metafunc.fixturenames:
        return
    claim_ids = [c for marker in metafunc.definition.iter_markers("claim") for c in marker.args]
    if claim_ids:
        metafunc.parametrize("absurd_claim", claim_ids, indirect=True, ids=claim_ids)


def pytest_collection_modifyitems(session, config, items):
    def rank(item) -> int:
        path = Path(str(item.fspath)).resolve().relative_to(_session.project.root).as_posix()
        return next(
            (i for i, prefix in enumerate(CLAIM_TESTS_FIRST) if path.startswith(prefix)),
            len(CLAIM_TESTS_FIRST),
        )

    items.sort(key=rank)  # stable: keeps file order within each group
    if _session.sweep_report:
        swept = [item for item in items if _absurd_param(item)]
        config.hook.pytest_deselected(items=[item for item in items if item not in swept])
        items[:] = swept
    known = {d.id for s in _known_snippets() for d in s.declarations if d.kind == "claim"}
    for item in items:
        for marker in item.iter_markers("claim"):
            unknown = [claim_id for claim_id in marker.args if claim_id not in known]
            if unknown:
                raise pytest.UsageError(
                    f"{item.nodeid}: marker names no claim: {', '.join(unknown)}"
                )


def _known_snippets():
    from .snippets import discover

    return discover(_session.project)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    claim_ids = [claim_id for marker in item.iter_markers("claim") for claim_id in marker.args]
    if claim_ids and (report.when == "call" or report.failed):
        _session.record(_node_id(item), claim_ids, report.passed)
    absurd = _absurd_param(item)
    if absurd:
        base = _node_id(item).split("[")[0]
        failed = _session.sweep_failed.setdefault(base, {})
        failed[absurd] = failed.get(absurd, False) or report.failed
    return report


def pytest_sessionfinish(session):
    if _session is not None and _session.sweep_report:
        Path(_session.sweep_report).write_text(json.dumps(_session.sweep_failed, indent=1))


def _absurd_param(item) -> str | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("absurd_claim") if callspec else None


def _node_id(item) -> str:
    """The node id relative to the repository root, as markers.claim_markers names it."""
    path = Path(str(item.fspath)).resolve().relative_to(_session.project.root).as_posix()
    return f"{path}::{item.name}"
