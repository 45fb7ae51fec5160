"""Small helpers shared by the engine tests."""

from __future__ import annotations

from rich.console import Console

SNIPPET = "snippets/tiny/demo.py"


def quiet() -> Console:
    """A console for the runner that prints nothing."""
    return Console(quiet=True)


def edit(scratch, old: str, new: str, relative: str = SNIPPET) -> None:
    """Replace text in a scratch project's file, insisting that it is there."""
    path = scratch.root / relative
    source = path.read_text()
    assert old in source, f"{old!r} not in {relative}"
    path.write_text(source.replace(old, new))
