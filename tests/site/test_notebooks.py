"""A notebook a reader downloads is the snippet, run top to bottom.

The worker executes a snippet's cells in order as `__main__` and records each
cell's outputs and execution count, so the downloaded notebook of every article
is checked against its snippet without running it again (each snippet runs once
per `make test`, apart from the deliberate re-run of the reproducibility test).
That such a notebook also runs in a Jupyter kernel from a clone's root, as the
reproducibility page tells a reader to run it, is checked on the scratch
project's snippet, whose notebook the same worker writes."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from scripts.derivations import notebook as snippet_notebook
from scripts.derivations.project import Project
from scripts.derivations.runner import run_snippets
from scripts.derivations.snippets import discover
from tests.helpers import edit

ROOT = Path(__file__).resolve().parents[2]
TOPICS = sorted(p.name for p in (ROOT / "snippets").iterdir() if (p / "__init__.py").is_file())


def downloads(site_dir: Path) -> list[Path]:
    return sorted((site_dir / "notebooks").glob("*/*/*.ipynb"))


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]


def printed(notebook) -> str:
    outputs = [o for cell in code_cells(notebook) for o in cell.outputs]
    return "".join(o.text for o in outputs if o.output_type == "stream")


def test_every_snippet_has_a_downloadable_notebook(built_site):
    site_dir, _ = built_site
    expected = {p.stem for p in (ROOT / "snippets").glob("*/[!_]*.py")}
    assert {p.stem for p in downloads(site_dir)} == expected


@pytest.mark.parametrize("topic", TOPICS)
def test_downloaded_notebook_is_its_snippet_run_top_to_bottom(built_site, topic):
    site_dir, _ = built_site
    paths = sorted((site_dir / "notebooks" / topic).glob("*/*.ipynb"))
    assert paths
    for path in paths:
        notebook = nbformat.read(str(path), as_version=4)
        snippet = ROOT / "snippets" / topic / f"{path.stem}.py"
        expected, _ = snippet_notebook.read(snippet.read_text(encoding="utf-8"))
        cells = code_cells(notebook)
        assert [c.source for c in cells] == [c.source for c in code_cells(expected)]
        assert [c.execution_count for c in cells] == list(range(1, len(cells) + 1)), (
            "every cell ran, once, in order"
        )
        assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
        names = [
            d.name
            for s in discover(Project(ROOT))
            if s.topic == topic and s.name == path.stem
            for d in s.declarations
        ]
        assert names and all(f"{name} = " in printed(notebook) for name in names), (
            "the last cell prints every result"
        )


def test_a_written_notebook_runs_in_a_jupyter_kernel_from_the_clone_root(scratch):
    report = run_snippets(Project(scratch.root))
    (run,) = report.runs.values()
    notebook = nbformat.read(str(run.entry / "notebook.ipynb"), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    notebook.cells.append(nbformat.v4.new_code_cell('print("answer =", results["answer"])'))
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(scratch.root)}},
    ).execute()
    assert not [o for c in notebook.cells for o in c.outputs if o.output_type == "error"]
    assert "answer = 42" in printed(notebook)


def test_a_fresh_snippet_notebook_is_converted_while_snippets_run(scratch):
    """The engine converts a freshly run snippet's notebook as soon as the run ends
    (notebook_conversion.NotebookConverter), so its page finds the conversion in
    mkdocs-jupyter's cache instead of converting again after all snippets ran."""
    edit(scratch, "factor * 7}", "factor * 7}  # a new cache key")
    build = scratch.run("mkdocs", "build", "--verbose", "--site-dir", str(scratch.root / "site"))
    assert build.returncode == 0, build.stderr[-3000:]
    assert "ran snippets/tiny/demo.py" in build.stderr, "the edit must make the snippet run"
    page_read = [line for line in build.stderr.splitlines() if "notebooks/tiny/demo.ipynb" in line]
    converted = [i for i, line in enumerate(page_read) if "Converting notebook" in line]
    found = [i for i, line in enumerate(page_read) if "Cache hit" in line]
    assert len(converted) == 1 and found and found[0] > converted[0], "\n".join(page_read)
    assert (scratch.root / "site" / "notebooks" / "tiny" / "demo" / "index.html").is_file()
