"""Claim verdicts: which claims passed their tests, for which cache key.

`make test` records them in `.cache/claims-status.json`; a page marks a claim
verified only when its verdict passed for the key of the run it shows.
"""

from __future__ import annotations

from .cache import read_json, write_json_atomic
from .project import Project
from .references import FAILED, UNVERIFIED, VERIFIED


def load(project: Project) -> dict[str, dict]:
    path = project.verdicts_file
    return read_json(path) if path.is_file() else {}


def record(project: Project, claim_id: str, key: str, passed: bool, tests: list[str]) -> None:
    verdicts = load(project)
    verdicts[claim_id] = {"key": key, "passed": passed, "tests": sorted(tests)}
    write_json_atomic(project.verdicts_file, verdicts)


def status(verdicts: dict[str, dict], claim_id: str, key: str) -> str:
    verdict = verdicts.get(claim_id)
    if verdict is None or verdict["key"] != key:
        return UNVERIFIED
    return VERIFIED if verdict["passed"] else FAILED
