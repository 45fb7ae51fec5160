"""Every claim's test must be able to fail: with the claim's cached value
replaced by NaN, its marked tests must fail. One pytest run (the plugin's sweep)
runs each claim test once per claim it is marked with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.derivations.markers import claim_markers
from scripts.derivations.project import Project
from scripts.derivations.pytest_plugin import SWEEP_VARIABLE
from scripts.derivations.snippets import discover

ROOT = Path(__file__).resolve().parents[2]
PROJECT = Project(ROOT)
CLAIM_IDS = sorted(d.id for s in discover(PROJECT) for d in s.declarations if d.kind == "claim")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> dict[str, dict[str, bool]]:
    """node id → claim id → whether that test failed with that claim set to NaN."""
    report = tmp_path_factory.mktemp("sweep") / "sweep.json"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/snippets"],
        cwd=ROOT,
        env={**os.environ, SWEEP_VARIABLE: str(report)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert report.exists(), f"the sweep wrote no report:\n{run.stdout}\n{run.stderr}"
    return json.loads(report.read_text())


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_claim_test_fails_on_absurd_value(claim_id, sweep):
    nodes = [node for node, _ in claim_markers(PROJECT)[claim_id]]
    passed = [node for node in nodes if not sweep.get(node, {}).get(claim_id, False)]
    assert not passed, (
        f"with {claim_id} set to NaN these tests did not fail (or did not run): {passed}"
    )
