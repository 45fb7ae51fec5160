"""Every claim's test must be able to fail: with the claim's cached value
replaced by NaN, its marked tests are run again and must fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.derivations.markers import claim_markers
from scripts.derivations.project import Project
from scripts.derivations.pytest_plugin import ABSURD_VARIABLE
from scripts.derivations.snippets import discover

ROOT = Path(__file__).resolve().parents[2]
PROJECT = Project(ROOT)
CLAIM_IDS = sorted(d.id for s in discover(PROJECT) for d in s.declarations if d.kind == "claim")


@pytest.mark.parametrize("claim_id", CLAIM_IDS)
def test_claim_test_fails_on_absurd_value(claim_id):
    nodes = [node for node, _ in claim_markers(PROJECT)[claim_id]]
    environment = {**os.environ, ABSURD_VARIABLE: claim_id}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *nodes],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    failed = run.stdout.count(" FAILED") + run.stdout.count("FAILED ")
    assert run.returncode == 1, (
        f"the tests of {claim_id} passed with its value set to NaN:\n{run.stdout}"
    )
    assert f"{len(nodes)} failed" in run.stdout, run.stdout
    assert failed >= len(nodes)
