"""Reading and writing the engine's JSON files (a module of its own, so that every
other module can use it without import cycles)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path


def read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def write_json_atomic(path: Path, data, sort_keys: bool = True) -> None:
    """Write JSON so that a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Named by process and thread: two writers of one file each rename their own.
    temp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    temp.write_text(json.dumps(data, indent=1, sort_keys=sort_keys) + "\n", encoding="utf-8")
    temp.replace(path)
