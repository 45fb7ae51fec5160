"""`python -m snippets.<topic>`: run a topic's snippets as scripts and print their results."""

from __future__ import annotations

import runpy
from pathlib import Path


def run_topic(package_file: str) -> None:
    """Run each snippet module of the topic folder as `__main__`, as a reader would."""
    for path in sorted(Path(package_file).parent.glob("[!_]*.py")):
        print(f"# {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
        runpy.run_path(str(path), run_name="__main__")
