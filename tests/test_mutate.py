"""make mutate, the instrument: which changes it makes, and how it judges them on a
tiny project (a mutant its tests catch, one that changes nothing, and a checkout
and cache left exactly as they were)."""

from __future__ import annotations

import hashlib
import subprocess
import textwrap

from scripts.mutate import report, sites
from scripts.mutate.campaign import Topic, forkserver, run_topic
from tests import conftest

SOURCE = textwrap.dedent(
    """\
    import numpy as np

    SAMPLES = 100  # mutate: setting


    def energy(x, scale=2.0):
        return 0.5 * np.sum(x**2) / scale - x[0]


    def run():
        n = SAMPLES * 3  # mutate: setting
        return {"energy": energy(np.ones(n)) if n > 1 else 0.0}


    def frame(ax):
        ax.plot([1 + 1])


    def draw_figures(results):
        return {"a": frame(None)}
    """
)


def test_each_site_of_the_mathematics_gets_one_mutant_and_settings_none():
    found, settings = sites.mutants(SOURCE, "snippets/toy/toy.py")
    changes = {(m.function, m.operator, m.original, m.replacement) for m in found}
    assert changes == {
        (
            "energy",
            "arithmetic",
            "0.5 * np.sum(x**2) / scale - x[0]",
            "(0.5 * np.sum(x ** 2) / scale + x[0])",
        ),
        ("energy", "arithmetic", "0.5 * np.sum(x**2) / scale", "(0.5 * np.sum(x ** 2) * scale)"),
        ("energy", "arithmetic", "0.5 * np.sum(x**2)", "(0.5 / np.sum(x ** 2))"),
        ("energy", "number", "0.5", "1.0"),
        ("energy", "sum/mean, max/min", "np.sum", "np.mean"),
        ("energy", "arithmetic", "x**2", "(x * 2)"),
        ("energy", "number", "2", "3"),
        ("energy", "index", "0", "1"),
        ("run", "comparison", "n > 1", "(n >= 1)"),
        ("run", "number", "1", "2"),
    }
    assert settings == 2  # SAMPLES and n: marked, so not mutated
    assert all(m.function not in {"frame", "draw_figures"} for m in found)  # drawing only
    mutated = next(m for m in found if m.operator == "sum/mean, max/min").apply(SOURCE)
    assert "0.5 * np.mean(x**2) / scale - x[0]" in mutated and mutated.count("\n") == SOURCE.count(
        "\n"
    )


# The scratch project's snippet, with a line whose change reaches no result.
TINY_SNIPPET = conftest.TINY_SNIPPET.replace(
    "    return {", "    unused = factor - 1\n    return {"
)


def git(root, *args):
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.org"]
    return subprocess.run(
        ["git", *identity, *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def test_a_caught_mutant_is_killed_a_harmless_one_equivalent_and_nothing_else_changes(
    scratch, monkeypatch
):
    scratch.write("snippets/tiny/demo.py", TINY_SNIPPET)
    assert scratch.claim_tests().returncode == 0
    status_file = scratch.root / ".cache" / "claims-status.json"
    status_before = hashlib.sha256(status_file.read_bytes()).hexdigest()
    scratch.write(".gitignore", ".cache/\n__pycache__/\n")
    git(scratch.root, "init", "-q")
    git(scratch.root, "add", "-A")
    git(scratch.root, "commit", "-q", "-m", "tiny")
    for variable in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "MPLBACKEND",
        "PYTHONDONTWRITEBYTECODE",
    ):
        monkeypatch.setenv(variable, "1" if variable != "MPLBACKEND" else "Agg")

    (topic,) = Topic.all(scratch.root)
    result = run_topic(
        scratch.root, topic, forkserver(), 2, scratch.root / ".cache" / "mutate", lambda *_: None
    )

    statuses = {
        m.original + " → " + m.replacement: result.outcomes[m.id]["status"] for m in result.mutants
    }
    assert statuses == {
        "factor - 1 → (factor + 1)": "equivalent",  # `unused` reaches no result
        "1 → 2": "equivalent",
        "factor * 7 → (factor / 7)": "killed",  # 6/7 is not 42
        "7 → 8": "killed",
    }
    summary = report.summary(result)
    assert (summary["killed"], summary["equivalent"], summary["survived"], summary["score"]) == (
        2,
        2,
        0,
        1.0,
    )
    matrix = report.kill_matrix(result)
    assert list(matrix) == ["tests/snippets/test_tiny.py::test_answer_is_forty_two"]
    assert len(matrix["tests/snippets/test_tiny.py::test_answer_is_forty_two"]) == 2

    assert git(scratch.root, "status", "--porcelain") == ""  # .cache is git-ignored
    assert hashlib.sha256(status_file.read_bytes()).hexdigest() == status_before

    again = run_topic(
        scratch.root, topic, forkserver(), 2, scratch.root / ".cache" / "mutate", lambda *_: None
    )
    assert (
        again.reused == 4 and again.outcomes == result.outcomes
    )  # nothing changed, nothing re-run


def test_a_mutant_is_spliced_where_ast_counts_and_keeps_its_meaning():
    """A form feed in a docstring is a line break to str.splitlines, not to ast; and
    removing a minus keeps the operand whole (x * -(y + 1) becomes x * (y + 1))."""
    source = 'def f(x, y):\n    """A\x0cB."""\n    return x * -(y + 1)\n'
    (mutant,) = [
        m for m in sites.mutants(source, "snippets/t/t.py")[0] if m.operator == "unary minus"
    ]
    assert mutant.apply(source).endswith("    return x * (y + 1)\n")
