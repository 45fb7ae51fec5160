"""Which tests assert which claims, read from the test files without running them.

The build needs this to refuse a claim that no test asserts, and a marker that
names no claim, before any test has run.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from . import parsed
from .errors import Problem
from .project import Project


def claim_markers(project: Project) -> dict[str, list[tuple[str, int]]]:
    """claim id → [(pytest node id, line)] for every `@pytest.mark.claim(...)`."""
    found: dict[str, list[tuple[str, int]]] = {}
    for path in sorted(project.claim_tests_dir.glob("test_*.py")):
        rel = project.rel(path)
        marked = parsed.remembered(
            project, "markers", path, functools.partial(_marked_tests, rel=rel)
        )
        for claim_id, test, line in marked:
            found.setdefault(claim_id, []).append((f"{rel}::{test}", line))
    return found


def _marked_tests(text: str, rel: str) -> list[tuple[str, str, int]]:
    """(claim id, test function, line) for every claim marker in a test file's text."""
    marked = []
    for node in ast.walk(ast.parse(text, filename=rel)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            marked.extend(
                (claim_id, node.name, line) for claim_id, line in _claim_ids(node.decorator_list)
            )
    return marked


def _claim_ids(decorators: list[ast.expr]):
    for decorator in decorators:
        if isinstance(decorator, ast.Call) and _is_claim_marker(decorator.func):
            for argument in decorator.args:
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    yield argument.value, argument.lineno  # the line naming the claim


def _is_claim_marker(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "claim"
        and ast.unparse(node.value).endswith("mark")
    )


def marker_problems(markers, claim_ids: set[str], declarations) -> list[Problem]:
    """A claim without a marked test, and a marker naming no claim, are errors."""
    problems = []
    for claim_id, places in sorted(markers.items()):
        if claim_id not in claim_ids:
            for node_id, line in places:
                path = node_id.split("::")[0]
                problems.append(Problem(path, line, f"marker names no claim: '{claim_id}'"))
    for claim_id in sorted(claim_ids - set(markers)):
        declaration = declarations[claim_id]
        problems.append(
            Problem(
                declaration.snippet,
                declaration.line,
                f"claim '{claim_id}' has no test: mark one in tests/snippets/test_{declaration.topic}.py "
                f'with @pytest.mark.claim("{claim_id}")',
            )
        )
    return problems


def test_file(project: Project, topic: str) -> Path:
    return project.claim_tests_dir / f"test_{topic}.py"
