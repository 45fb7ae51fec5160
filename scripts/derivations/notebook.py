"""A snippet as a notebook: its jupytext percent cells, each code cell with the
line where it starts in the file, so a traceback from a cell names the file's
line, and the outputs the worker records while running the cells."""

from __future__ import annotations

from dataclasses import dataclass

import jupytext
import nbformat


@dataclass
class CodeCell:
    index: int  # position in the notebook
    source: str
    first_line: int  # 1-based line of the cell's first source line in the file


def read(text: str) -> tuple[nbformat.NotebookNode, list[CodeCell]]:
    """The notebook of a percent-format script and its code cells, located."""
    notebook = jupytext.reads(text, fmt="py:percent")
    cells: list[CodeCell] = []
    position = 0
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"  # stable ids: the same snippet gives the same file
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        found = text.find(cell.source, position)
        if found < 0:  # jupytext rewrote the cell (e.g. escaped magics): count from here
            found = position
        first_line = text.count("\n", 0, found) + 1
        position = found + len(cell.source)
        cells.append(CodeCell(index, cell.source, first_line))
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata.pop("jupytext", None)
    return notebook, cells


def stream_output(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def svg_output(svg: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("display_data", data={"image/svg+xml": svg})


def error_output(name: str, value: str, traceback_lines: list[str]) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename=name, evalue=value, traceback=traceback_lines)
