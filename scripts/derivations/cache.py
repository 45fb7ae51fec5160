"""The run cache: one folder per snippet run, named by the hash of everything that
can change its output (DESIGN.md), and never the prose.

An entry is written by the worker into a temporary sibling folder and renamed
into place only once complete, so a folder under `.cache/runs/<key>/` is always a
whole run; `meta.json` is the last file the worker writes.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import platform
import shutil
import time
from importlib import metadata
from pathlib import Path

from . import parsed

# Re-exported: the engine reads and writes its JSON files as cache.read_json and so on.
from .jsonfiles import read_json as read_json
from .jsonfiles import write_json_atomic as write_json_atomic
from .project import Project
from .snippets import Snippet

# Libraries whose version can change a snippet's numbers or figures.
NUMERIC_LIBRARIES = ("numpy", "scipy", "scikit-learn", "torch", "matplotlib", "jupytext")
# Engine files that shape what a run writes (the worker's execution and figure export).
ENGINE_FILES = ("worker.py", "notebook.py", "notebook_json.py")
STALE_TEMP_SECONDS = 3600


def cache_key(project: Project, snippet: Snippet) -> str:
    """Hash of the snippet, the project modules it imports, its data files, the
    dependency lock, the Python and numeric-library versions and the engine."""
    digest = hashlib.sha256()

    def add(label: str, content: bytes) -> None:
        digest.update(f"{label}\0{len(content)}\0".encode())
        digest.update(content)

    for path in sorted(project_sources(project, snippet.path)):
        add(project.rel(path), path.read_bytes())
    for data_file in snippet.data_files:
        data_path = project.root / data_file
        add(data_file, data_path.read_bytes() if data_path.is_file() else b"<missing>")
    if project.lock_file.is_file():
        add("lock", project.lock_file.read_bytes())
    add("python", platform.python_version().encode())
    for library in NUMERIC_LIBRARIES:
        add(library, _version(library).encode())
    engine = Path(__file__).parent
    for name in ENGINE_FILES:
        add(f"engine/{name}", (engine / name).read_bytes())
    return digest.hexdigest()[:32]


@functools.cache  # importlib.metadata scans site-packages: 0.2 s per build for six names
def installed_version(library: str) -> str | None:
    """The installed distribution's version, or None; remembered for the process."""
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return None


def _version(library: str) -> str:
    return installed_version(library) or "absent"


def project_sources(project: Project, path: Path) -> set[Path]:
    """`path` and every project module it imports, transitively (by reading imports)."""
    seen: set[Path] = set()
    pending = [path.resolve()]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for module in _imported_modules(current, project):
            resolved = _module_file(project, module)
            if resolved is not None:
                pending.append(resolved)
    return seen


def _imported_modules(path: Path, project: Project) -> list[str]:
    package = path.parent.relative_to(project.root.resolve()).as_posix().replace("/", ".")
    return parsed.remembered(project, "imports", path, lambda text: _imports_in(text, package))


def _imports_in(text: str, package: str) -> list[str]:
    modules: list[str] = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(p for p in [*parts, base] if p)
            modules.append(base)
            modules.extend(f"{base}.{alias.name}" for alias in node.names)
    return modules


def _module_file(project: Project, module: str) -> Path | None:
    if not module:
        return None
    candidate = project.root.joinpath(*module.split("."))
    for path in (candidate.with_suffix(".py"), candidate / "__init__.py"):
        if path.is_file():
            return path.resolve()
    return None


def entry_dir(project: Project, key: str) -> Path:
    return project.runs_dir / key


def is_complete(entry: Path) -> bool:
    """A whole, undamaged entry: meta.json (written last) and every checksum it lists."""
    meta_file = entry / "meta.json"
    if not meta_file.is_file():
        return False
    try:
        expected = json.loads(meta_file.read_text(encoding="utf-8"))["checksums"]
    except (ValueError, KeyError):
        return False
    for name, digest in expected.items():
        path = entry / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return False
    return True


def temp_dir(project: Project, key: str) -> Path:
    """A fresh folder beside the entry (same file system, so rename is atomic)."""
    project.runs_dir.mkdir(parents=True, exist_ok=True)
    path = project.runs_dir / f".tmp-{key}-{os.getpid()}-{time.monotonic_ns()}"
    path.mkdir()
    return path


def commit(temp: Path, entry: Path) -> None:
    """Rename a finished run into place; a concurrent identical run may have won,
    and a damaged entry under the same key is replaced."""
    if entry.exists() and not is_complete(entry):
        shutil.rmtree(entry, ignore_errors=True)
    try:
        temp.rename(entry)
    except OSError:
        if not is_complete(entry):
            raise
        shutil.rmtree(temp, ignore_errors=True)


def index_file(project: Project) -> Path:
    """Snippet → key of its last successful run (read by the benchmark's floor)."""
    return project.cache_dir / "index.json"


def prune(project: Project, keep: set[str]) -> list[str]:
    """Remove entries no current snippet maps to, and abandoned temporary folders."""
    removed = []
    if not project.runs_dir.is_dir():
        return removed
    now = time.time()
    for path in project.runs_dir.iterdir():
        if path.name.startswith(".tmp-"):
            try:
                modified = path.stat().st_mtime
            except FileNotFoundError:  # another build finished with it meanwhile
                continue
            if now - modified > STALE_TEMP_SECONDS:
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:  # a notebook skeleton left by a killed build (runner.py)
                    path.unlink(missing_ok=True)
            continue
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed
