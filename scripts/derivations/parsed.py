"""What the engine reads out of a Python file's syntax tree (a snippet's imports and
declarations, a test file's claim markers), kept on disk by the file's content.

Parsing and walking the snippets and claim tests took about 0.3 s of every cached
build (cProfile: 0.18 s for the import walk, 0.07 s each for the declarations and
the markers), for files that had not changed. The results are kept in
`.cache/parsed.json`, keyed by what was read, the file's path and its text; the
file also records a hash of the modules that compute them, so an engine change
starts it afresh. Only successful results are kept: a file with a problem is read
again on every build and its problem reported each time.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

from .jsonfiles import read_json, write_json_atomic
from .project import Project

# The modules whose code turns a file's text into what is kept here.
COMPUTED_BY = ("parsed.py", "snippets.py", "cache.py", "markers.py")
MAX_ENTRIES = 2000  # edits under serve add entries; the oldest go first

_loaded: dict[Path, dict] = {}  # memo file → its entries, for the life of the process


@functools.cache
def _engine_version() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in COMPUTED_BY:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def _entries(file: Path, version: str) -> dict:
    if file not in _loaded:
        try:
            stored = read_json(file)
        except (OSError, ValueError):
            stored = {}
        _loaded[file] = stored.get("entries", {}) if stored.get("engine") == version else {}
    return _loaded[file]


def remembered(project: Project, kind: str, path: Path, read: Callable[[str], object]):
    """`read(text)` of the file at `path`, from disk if this text was read before.
    `read` returns plain JSON data (lists, dicts, strings, numbers)."""
    text = path.read_text(encoding="utf-8")
    file = project.cache_dir / "parsed.json"
    version = _engine_version()
    entries = _entries(file, version)
    key = hashlib.sha256(f"{kind}\0{project.rel(path)}\0{text}".encode()).hexdigest()
    if key in entries:
        return entries[key]
    value = read(text)
    entries[key] = value
    while len(entries) > MAX_ENTRIES:
        del entries[next(iter(entries))]
    write_json_atomic(file, {"engine": version, "entries": entries})
    return value
