"""A snippet as a notebook: its jupytext percent cells, each code cell with the
line where it starts in the file, so a traceback from a cell names the file's
line, and the outputs the worker records while running the cells."""

from __future__ import annotations

import json
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


def skeleton_json(text: str) -> str:
    """The notebook without outputs and its located code cells, as JSON for the
    worker (notebook_json.py), which then needs neither jupytext nor nbformat."""
    notebook, cells = read(text)
    cell_list = [[cell.index, cell.source, cell.first_line] for cell in cells]
    return json.dumps({"notebook": notebook, "cells": cell_list})
