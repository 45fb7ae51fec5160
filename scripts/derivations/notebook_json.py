"""The notebook as the worker fills it in: plain JSON, no nbformat or jupytext.

The runner (which has jupytext loaded anyway) turns the snippet into a notebook
skeleton and its located code cells (notebook.py); the worker only appends
outputs and writes the file. Importing nbformat and jupytext cost each worker
about 0.5 s of CPU before its snippet started, on every run and every
`mkdocs serve` rebuild. The file written here is the one nbformat.write gives.
"""

from __future__ import annotations

import json
from pathlib import Path


def stream_output(text: str) -> dict:
    return {"output_type": "stream", "name": "stdout", "text": text}


def svg_output(svg: str) -> dict:
    return {"output_type": "display_data", "data": {"image/svg+xml": svg}, "metadata": {}}


def _lines(text):
    return text.splitlines(True) if isinstance(text, str) else text


def _split_lines(notebook: dict) -> dict:
    """nbformat v4's on-disk form: sources, stream text and text-like output data
    as lists of lines (JSON outputs and images other than SVG stay whole)."""
    for cell in notebook["cells"]:
        cell["source"] = _lines(cell["source"])
        for output in cell.get("outputs", []):
            if "text" in output:  # stream output
                output["text"] = _lines(output["text"])
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") or mime == "image/svg+xml":
                    output["data"][mime] = _lines(value)
    return notebook


def write(notebook: dict, path: Path) -> None:
    text = json.dumps(
        _split_lines(notebook), indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False
    )
    path.write_text(text + "\n", encoding="utf-8")
