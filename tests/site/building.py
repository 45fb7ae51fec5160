"""Building the real site for tests, as `make build` does (strict, dated by the last commit)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def build_site(out: Path, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    commit_time = subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True
    )
    environment = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "DERIVATIONS_REQUIRE_VERIFIED": "1",
        "SOURCE_DATE_EPOCH": commit_time.stdout.strip() or "0",
        **(extra_env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
