"""What a mutation run found, for people (the survivors) and machines (JSON), and
the scores the site publishes (`tests/mutation-scores.json`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from scripts.derivations import cache
from scripts.derivations.project import Project
from scripts.derivations.snippets import discover

from .campaign import TopicResult

SCORES_FILE = "tests/mutation-scores.json"
# Mutants declared equivalent by hand ({mutant id: one-line reason}), for changes
# that alter results only by float round-off; at most 5 % of a topic's mutants.
EQUIVALENTS_FILE = "tests/mutation-equivalents.json"
MAX_DECLARED_SHARE = 0.05


def declared_equivalents(root: Path, result: TopicResult) -> set[str]:
    path = root / EQUIVALENTS_FILE
    declared = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    mine = {m.id for m in result.mutants} & declared.keys()
    if len(mine) > MAX_DECLARED_SHARE * len(result.mutants):
        raise SystemExit(
            f"{EQUIVALENTS_FILE}: {len(mine)} of {result.topic.name}'s {len(result.mutants)} mutants "
            f"are declared equivalent, more than {MAX_DECLARED_SHARE:.0%}: strengthen the tests instead"
        )
    return mine


def status(result: TopicResult, mutant, declared: set[str]) -> str:
    outcome = result.outcomes[mutant.id]["status"]
    return "equivalent" if mutant.id in declared and outcome == "survived" else outcome


def summary(result: TopicResult, declared: set[str] = frozenset()) -> dict:
    statuses = [status(result, m, declared) for m in result.mutants]
    counts = {
        status: statuses.count(status)
        for status in ("killed", "survived", "timed out", "equivalent")
    }
    # A mutant stopped at three times the unchanged run's time is left out, like an
    # equivalent one: the build's own limit is longer, so it is neither caught nor missed.
    judged = len(statuses) - counts["equivalent"] - counts["timed out"]
    caught = counts["killed"]
    return {
        "mutants": len(statuses),
        "killed": counts["killed"],
        "survived": counts["survived"],
        "timed_out": counts["timed out"],
        "equivalent": counts["equivalent"],
        "settings_excluded": result.settings,
        "score": round(caught / judged, 4) if judged else None,
        "wall_seconds": result.wall_seconds,
        "baseline_seconds": result.baseline_seconds,
        "reused_from_cache": result.reused,
        "declared_equivalent": len(declared),
    }


def survivors(result: TopicResult, declared: set[str] = frozenset()) -> list[dict]:
    return [
        {
            "id": m.id,
            "where": f"{m.path}:{m.line}",
            "function": m.function,
            "operator": m.operator,
            "diff": m.diff(),
        }
        for m in result.mutants
        if status(result, m, declared) == "survived"
    ]


def kill_matrix(result: TopicResult) -> dict[str, list[str]]:
    """Test node id → the mutants it failed on (every test the topic has, killers or not)."""
    matrix: dict[str, list[str]] = {}
    for mutant in result.mutants:
        for node, passed in result.outcomes[mutant.id].get("tests", {}).items():
            matrix.setdefault(node, [])
            if not passed:
                matrix[node].append(mutant.id)
    return matrix


def topic_report(root: Path, result: TopicResult) -> dict:
    declared = declared_equivalents(root, result)
    matrix = kill_matrix(result)
    return {
        **summary(result, declared),
        "survivors": survivors(result, declared),
        "kill_matrix": matrix,
        "tests_that_kill_nothing": sorted(node for node, killed in matrix.items() if not killed),
    }


def scores(root: Path, results: list[TopicResult]) -> dict:
    """Each topic's score with what it was measured on: the snippet's cache key and
    the test file's SHA-256, so that a page can tell when it is stale."""
    project = Project(root)
    snippets = {s.rel: s for s in discover(project)}
    published = {}
    for result in results:
        topic = result.topic
        published[topic.name] = {
            **{
                k: v
                for k, v in summary(result, declared_equivalents(root, result)).items()
                if k not in {"wall_seconds", "reused_from_cache"}
            },
            "snippet": topic.snippet,
            "snippet_key": cache.cache_key(project, snippets[topic.snippet]),
            "tests": topic.tests,
            "tests_sha256": hashlib.sha256((root / topic.tests).read_bytes()).hexdigest(),
        }
    return published


def write_scores(root: Path, results: list[TopicResult]) -> None:
    """Update the topics measured now; keep the others' earlier scores."""
    path = root / SCORES_FILE
    current = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    current |= scores(root, results)
    path.write_text(json.dumps(dict(sorted(current.items())), indent=1) + "\n", encoding="utf-8")
