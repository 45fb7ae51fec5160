"""A notebook a reader downloads runs top to bottom from a clone of the repository.

This executes each snippet a second time (in a Jupyter kernel, as a reader
would); it costs one snippet run per article."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from scripts.derivations.project import Project
from scripts.derivations.snippets import discover

ROOT = Path(__file__).resolve().parents[2]


def downloads(site_dir: Path) -> list[Path]:
    return sorted((site_dir / "notebooks").glob("*/*/*.ipynb"))


def test_every_snippet_has_a_downloadable_notebook(built_site):
    site_dir, _ = built_site
    expected = {p.stem for p in (ROOT / "snippets").glob("*/[!_]*.py")}
    assert {p.stem for p in downloads(site_dir)} == expected


@pytest.mark.parametrize(
    "topic", sorted(p.name for p in (ROOT / "snippets").iterdir() if (p / "__init__.py").is_file())
)
def test_downloaded_notebook_runs_top_to_bottom(built_site, topic, tmp_path):
    site_dir, _ = built_site
    for path in sorted((site_dir / "notebooks" / topic).glob("*/*.ipynb")):
        notebook = nbformat.read(str(path), as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        # From the clone's root, as the reproducibility page tells a reader to work.
        NotebookClient(
            notebook,
            timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(ROOT)}},
        ).execute()
        outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
        assert not [o for o in outputs if o.output_type == "error"]
        printed = "".join(o.text for o in outputs if o.output_type == "stream")
        names = [
            d.name
            for s in discover(Project(ROOT))
            if s.topic == topic and s.name == path.stem
            for d in s.declarations
        ]
        assert names and all(f"{name} = " in printed for name in names), (
            "the last cell prints every result"
        )
