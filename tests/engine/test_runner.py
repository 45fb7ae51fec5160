"""The runner and its cache: what re-runs, what does not, and what a failure leaves."""

from __future__ import annotations

import importlib.util
import json
import os
import py_compile

from scripts.derivations.cache import cache_key
from scripts.derivations.project import Project
from scripts.derivations.runner import SnippetRun, run_snippets
from scripts.derivations.snippets import discover
from tests.helpers import quiet

SECOND_SNIPPET = """\
# %%
from snippets.tiny import _helpers

CLAIMS = {"double": {"statement": "Twice the helper's constant."}}


# %%
def run():
    return {"double": 2 * _helpers.CONSTANT}


# %%
if __name__ == "__main__":
    results = run()
"""


def ran(report) -> set[str]:
    return {rel for rel, run in report.runs.items() if not run.hit}


def keys(project: Project) -> dict[str, str]:
    return {s.rel: cache_key(project, s) for s in discover(project)}


def test_an_edit_that_keeps_the_size_and_the_second_runs_the_new_code(scratch):
    """Python would take a .pyc whose recorded source time (whole seconds) and size
    match; the worker compiles the project's modules from their source instead."""
    helpers = scratch.write("snippets/tiny/_helpers.py", "CONSTANT = 21\n")
    scratch.write("snippets/tiny/second.py", SECOND_SNIPPET)
    py_compile.compile(  # as another process's import of the old source leaves it
        str(helpers),
        cfile=importlib.util.cache_from_source(str(helpers)),
        invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP,
    )
    old = helpers.stat()
    helpers.write_text("CONSTANT = 22\n")
    os.utime(helpers, ns=(old.st_atime_ns, old.st_mtime_ns))
    report = run_snippets(Project(scratch.root), console=quiet())
    assert report.results_by_id()["tiny.double"] == 44


def test_only_the_edited_snippet_reruns(scratch):
    scratch.write("snippets/tiny/_helpers.py", "CONSTANT = 21\n")
    scratch.write("snippets/tiny/second.py", SECOND_SNIPPET)
    project = Project(scratch.root)
    first = run_snippets(project, console=quiet())
    assert ran(first) == {"snippets/tiny/second.py"}  # demo.py's entry came with the scratch
    assert first.results_by_id()["tiny.double"] == 42

    assert ran(run_snippets(project, console=quiet())) == set()

    scratch.write("docs/posts/tiny.md", "# Only the prose changed, [[tiny.answer]]\n")
    assert ran(run_snippets(project, console=quiet())) == set()

    demo = scratch.root / "snippets/tiny/demo.py"
    demo.write_text(demo.read_text().replace("factor * 7", "7 * factor"))
    assert ran(run_snippets(project, console=quiet())) == {"snippets/tiny/demo.py"}

    # A project module the snippet imports is part of its key.
    scratch.write("snippets/tiny/_helpers.py", "CONSTANT = 22\n")
    report = run_snippets(project, console=quiet())
    assert ran(report) == {"snippets/tiny/second.py"}
    assert report.results_by_id()["tiny.double"] == 44


def test_key_ignores_docs_and_tracks_lock(scratch):
    project = Project(scratch.root)
    before = keys(project)
    scratch.write("docs/posts/tiny.md", "changed prose\n")
    assert keys(project) == before
    lock = scratch.root / "requirements.lock"
    lock.write_text(lock.read_text() + "\nextra==1.0\n")
    assert keys(project) != before


def test_entry_holds_results_figures_notebook_log_and_timing(scratch):
    scratch.write(
        "snippets/tiny/demo.py",
        (scratch.root / "snippets/tiny/demo.py")
        .read_text()
        .replace(
            "    figures = {}",
            "    import matplotlib.pyplot as plt\n    print('hello from the snippet')\n"
            "    figure, ax = plt.subplots()\n    ax.plot([0, 1], [0, 1])\n    figures = {'line': figure}",
        ),
    )
    project = Project(scratch.root)
    run = run_snippets(project, console=quiet()).runs["snippets/tiny/demo.py"]
    names = {p.name for p in run.entry.iterdir()}
    assert names == {"results.json", "figures", "notebook.ipynb", "log.txt", "meta.json"}
    assert json.loads((run.entry / "results.json").read_text()) == {"answer": 42, "factor": 6}
    assert [p.name for p in run.figures] == ["line.svg"]
    assert "hello from the snippet" in (run.entry / "log.txt").read_text()
    meta = run.meta
    assert meta["wall_seconds"] > 0 and meta["cpu_seconds"] > 0 and meta["peak_memory_mib"] > 10
    notebook = json.loads((run.entry / "notebook.ipynb").read_text())
    outputs = [o for cell in notebook["cells"] for o in cell.get("outputs", [])]
    texts = ["".join(o["text"]) for o in outputs if o["output_type"] == "stream"]
    assert "hello from the snippet\n" in texts
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs)


def test_snippet_over_time_limit_is_stopped_and_leaves_nothing(scratch):
    scratch.write(
        "snippets/tiny/demo.py",
        (scratch.root / "snippets/tiny/demo.py")
        .read_text()
        .replace("def run(factor=6):", "def run(factor=6):\n    import time\n    time.sleep(60)"),
    )
    project = Project(scratch.root)
    before = set(project.runs_dir.iterdir())
    report = run_snippets(project, timeout=3, console=quiet())
    failure = report.failures["snippets/tiny/demo.py"]
    assert "took longer than 3 s" in failure.problem.message
    assert set(project.runs_dir.iterdir()) == before, "a stopped run left files in the cache"


def test_stale_entries_are_pruned(scratch):
    project = Project(scratch.root)
    old = run_snippets(project, console=quiet()).runs["snippets/tiny/demo.py"].entry
    demo = scratch.root / "snippets/tiny/demo.py"
    demo.write_text(demo.read_text() + "\n# an edit\n")
    new = run_snippets(project, console=quiet()).runs["snippets/tiny/demo.py"].entry
    assert new != old and new.is_dir() and not old.exists()


def test_worker_writes_the_notebook_nbformat_would(tmp_path):
    """The worker fills in the notebook as plain JSON (no nbformat import); the file
    must be the one nbformat writes, which mkdocs-jupyter and Jupyter then read."""
    import nbformat

    from scripts.derivations import notebook, notebook_json

    text = (
        "# %% [markdown]\n# A title with *emphasis*\n#\n# and a second line\n\n"
        "# %%\nx = 1\nprint('one\\ntwo')\n\n# %%\ny = x + 1\n"
    )
    skeleton = json.loads(notebook.skeleton_json(text))
    ours = skeleton["notebook"]
    theirs = nbformat.from_dict(json.loads(json.dumps(ours)))
    svg = '<svg xmlns="http://www.w3.org/2000/svg">\n<rect width="1"/>\n</svg>\n'
    for count, (index, _source, _line) in enumerate(skeleton["cells"], start=1):
        for target in (ours, theirs):
            target["cells"][index]["execution_count"] = count
        ours["cells"][index]["outputs"] += [
            notebook_json.stream_output("one\ntwo\n"),
            notebook_json.svg_output(svg),
        ]
        theirs.cells[index].outputs += [
            nbformat.v4.new_output("stream", name="stdout", text="one\ntwo\n"),
            nbformat.v4.new_output("display_data", data={"image/svg+xml": svg}),
        ]
    notebook_json.write(ours, tmp_path / "ours.ipynb")
    nbformat.write(theirs, str(tmp_path / "theirs.ipynb"))
    assert (tmp_path / "ours.ipynb").read_bytes() == (tmp_path / "theirs.ipynb").read_bytes()


def test_a_cached_run_takes_its_declared_values_without_reading_all_results(scratch, monkeypatch):
    """runner._remember_declared_values: a cached build does not parse a whole
    results.json (it can hold megabytes of figure data) for a few declared values."""
    project = Project(scratch.root)
    first = run_snippets(project, console=quiet()).results_by_id()

    def unread(self):
        raise AssertionError("read the whole results.json")

    monkeypatch.setattr(SnippetRun, "results", property(unread))
    assert run_snippets(project, console=quiet()).results_by_id() == first
    assert first == {"tiny.answer": 42, "tiny.factor": 6}
