"""What the engine reads from Python files is kept on disk by content (parsed.py):
a cached build parses no unchanged file, and an edit or a problem is never hidden."""

from __future__ import annotations

import ast

import pytest

from scripts.derivations import cache, markers, parsed
from scripts.derivations.errors import DerivationError
from scripts.derivations.project import Project
from scripts.derivations.snippets import discover
from tests.helpers import SNIPPET, edit


@pytest.fixture
def fresh_process(monkeypatch):
    """Each test starts as a new process would: nothing loaded from parsed.json yet."""
    monkeypatch.setattr(parsed, "_loaded", {})


def refuse_parsing(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("parsed a file whose reading was kept")

    monkeypatch.setattr(ast, "parse", fail)


def test_a_second_process_reads_declarations_imports_and_markers_from_disk(
    scratch, fresh_process, monkeypatch
):
    project = Project(scratch.root)
    snippets = discover(project)
    key = cache.cache_key(project, snippets[0])
    tests = markers.claim_markers(project)
    monkeypatch.setattr(parsed, "_loaded", {})  # a new process
    refuse_parsing(monkeypatch)
    assert discover(project) == snippets
    assert cache.cache_key(project, snippets[0]) == key
    assert (
        markers.claim_markers(project)
        == tests
        == {"tiny.answer": [("tests/snippets/test_tiny.py::test_answer_is_forty_two", 4)]}
    )


def test_an_edited_snippet_is_read_again(scratch, fresh_process):
    project = Project(scratch.root)
    discover(project)
    edit(scratch, '"Six times seven."', '"Seven sixes."')
    [snippet] = discover(project)
    assert [d.statement for d in snippet.declarations if d.kind == "claim"] == ["Seven sixes."]


def test_a_snippet_with_a_problem_is_reported_on_every_read(scratch, fresh_process):
    project = Project(scratch.root)
    edit(scratch, "CLAIMS = {", "CLAIMS = {\n    'bad': 3,")
    for _ in range(2):
        with pytest.raises(DerivationError) as error:
            discover(project)
        assert SNIPPET in str(error.value)


def test_another_engine_version_starts_afresh(scratch, fresh_process, monkeypatch):
    project = Project(scratch.root)
    discover(project)
    monkeypatch.setattr(parsed, "_loaded", {})
    monkeypatch.setattr(parsed, "_engine_version", lambda: "another engine")
    parsed_again = []
    real_parse = ast.parse
    monkeypatch.setattr(ast, "parse", lambda *a, **k: parsed_again.append(1) or real_parse(*a, **k))
    discover(project)
    assert parsed_again, "entries written by another engine version must not be used"
