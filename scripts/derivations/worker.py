"""Run one snippet in this (fresh) process and write a complete cache entry.

Invoked by the runner as `python -m scripts.derivations.worker SNIPPET OUT_DIR
SKELETON`, SKELETON being the notebook the runner made of the snippet
(notebook.skeleton_json), so that the worker needs neither jupytext nor nbformat.
The snippet's percent cells run top to bottom as `__main__`, exactly as in
Jupyter, with each cell compiled against the snippet's own file name and line
numbers, so a traceback points at the snippet. Its final cell leaves `results`
(a flat dict) and `figures` (name → matplotlib figure) behind.

Writes into OUT_DIR: results.json, figures/<name>.svg, notebook.ipynb, log.txt,
and meta.json last; on failure, error.json (and exit status 1).
"""

from __future__ import annotations

import os

# Before numpy or torch load: one BLAS/OpenMP thread, since the runner already
# runs snippets side by side, at least one per core.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")

import contextlib  # noqa: E402
import importlib.machinery  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import site  # noqa: E402
import sys  # noqa: E402
import sysconfig  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import types  # noqa: E402
from pathlib import Path  # noqa: E402

from . import notebook_json as nb  # noqa: E402

MAX_LIST_LENGTH = 1000


class SnippetError(Exception):
    def __init__(self, message: str, line: int | None, trace: str = ""):
        super().__init__(message)
        self.message, self.line, self.trace = message, line, trace


def main(snippet_path: str, out_dir: str, skeleton_path: str) -> int:
    path, out = Path(snippet_path).resolve(), Path(out_dir)
    log = io.StringIO()
    started = time.perf_counter()
    cpu_started = time.process_time()
    forbid_network()
    project_modules_from_source(Path(os.environ.get("PYTHONPATH", ".").split(os.pathsep)[0]))
    try:
        notebook, results, svgs = execute(path, log, skeleton_path)
        write_entry(out, notebook, results, svgs)
    except SnippetError as failure:
        (out / "log.txt").write_text(log.getvalue(), encoding="utf-8")
        error = {"message": failure.message, "line": failure.line, "traceback": failure.trace}
        (out / "error.json").write_text(json.dumps(error, indent=1), encoding="utf-8")
        return 1
    (out / "log.txt").write_text(log.getvalue(), encoding="utf-8")
    meta = {
        "snippet": path.name,
        "wall_seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - cpu_started, 3),
        # ru_maxrss is in KiB on Linux.
        "peak_memory_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "figures": sorted(svgs),
        "python": sys.version.split()[0],
        "checksums": checksums(out),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
    return 0


def project_modules_from_source(root: Path) -> None:
    """The project's own modules (snippets and their helpers) are compiled from their
    source, never read from a .pyc. Python trusts a .pyc whose recorded source time
    (whole seconds) and size match the file, so an edit that kept the size, made
    within the second of another process's import (pytest's, say), ran the old code
    under the new cache key. Installed packages load as usual."""
    root = root.resolve()
    installed = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    installed |= {Path(p).resolve() for p in [*site.getsitepackages(), site.getusersitepackages()]}
    installed |= {Path(sysconfig.get_path(name)).resolve() for name in ("purelib", "platlib")}
    loaders = (
        (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
        (_FromSource, importlib.machinery.SOURCE_SUFFIXES),
    )

    def hook(entry: str):
        path = Path(entry or ".").resolve()
        if (
            path.is_dir()
            and path.is_relative_to(root)
            and not any(path.is_relative_to(folder) for folder in installed)
        ):
            return importlib.machinery.FileFinder(str(path), *loaders)
        raise ImportError(entry)  # not the project's: the next hook takes it

    sys.path_hooks.insert(0, hook)
    sys.path_importer_cache.clear()


class _FromSource(importlib.machinery.SourceFileLoader):
    def get_code(self, fullname):
        return self.source_to_code(self.get_data(self.path), self.path)


def forbid_network() -> None:
    """Make any network connection from the snippet fail with a clear error.

    A build must give the same numbers offline and on every machine, so data
    ships with the repository (DATA_FILES) instead of being fetched."""
    import socket

    def refuse(*_args, **_kwargs):
        raise PermissionError(
            "snippets may not open network connections during a build; "
            "add the data to the repository and declare it in DATA_FILES"
        )

    original_connect = socket.socket.connect

    def connect(self, address):
        if self.family == getattr(socket, "AF_UNIX", None):
            return original_connect(self, address)
        return refuse()

    socket.socket.connect = connect
    socket.socket.connect_ex = lambda self, address: connect(self, address)
    socket.socket.sendto = refuse


def checksums(out: Path) -> dict[str, str]:
    """sha256 of every file of the entry, so a damaged entry is re-run, not served."""
    import hashlib

    return {
        path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.name not in {"meta.json", "stderr.txt"}
    }


def _skeleton(skeleton_path: str) -> tuple[dict, list[tuple[int, str, int]]]:
    """The notebook without outputs and its code cells (index, source, first line)."""
    skeleton = json.loads(Path(skeleton_path).read_text(encoding="utf-8"))
    return skeleton["notebook"], [tuple(cell) for cell in skeleton["cells"]]


def execute(path: Path, log: io.StringIO, skeleton_path: str):
    """Run the cells; return the notebook with outputs, the results, the SVGs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Fixed salt and no date: the same run gives the same SVG bytes.
    matplotlib.rcParams["svg.hashsalt"] = path.name
    text = path.read_text(encoding="utf-8")
    notebook, cells = _skeleton(skeleton_path)
    module = types.ModuleType("__main__")
    module.__file__ = str(path)
    saved_main = sys.modules.get("__main__")
    sys.modules["__main__"] = module
    svg_of_figure: dict[int, str] = {}
    number_of_cell = 1  # execution counts, as Jupyter would number a top-to-bottom run
    try:
        for index, source, first_line in cells:
            output = io.StringIO()
            code = compile("\n" * (first_line - 1) + source, str(path), "exec")
            try:
                with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                    exec(code, module.__dict__)
            except Exception as error:
                log.write(output.getvalue())
                raise _located(error, path) from None
            notebook["cells"][index]["execution_count"] = number_of_cell
            number_of_cell += 1
            outputs = notebook["cells"][index]["outputs"]
            if output.getvalue():
                log.write(output.getvalue())
                outputs.append(nb.stream_output(output.getvalue()))
            for number in plt.get_fignums():
                figure = plt.figure(number)
                if id(figure) not in svg_of_figure:
                    svg_of_figure[id(figure)] = _svg(figure)
                    outputs.append(nb.svg_output(svg_of_figure[id(figure)]))
        results = _checked_results(module.__dict__.get("results"), path, text)
        figures = module.__dict__.get("figures") or {}
        if not isinstance(figures, dict):
            raise SnippetError("`figures` must be a dict of name → matplotlib figure", None)
        svgs = {}
        for name, figure in figures.items():
            svgs[name] = svg_of_figure.get(id(figure)) or _svg(figure)
        plt.close("all")
    finally:
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
    return notebook, results, svgs


def _svg(figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _located(error: Exception, path: Path) -> SnippetError:
    frames = traceback.extract_tb(error.__traceback__)
    in_snippet = [frame for frame in frames if frame.filename == str(path)]
    line = in_snippet[-1].lineno if in_snippet else None
    # Skip the worker's own frame: the reader's traceback starts in the snippet.
    trace_back = error.__traceback__.tb_next or error.__traceback__
    trace = "".join(traceback.format_exception(type(error), error, trace_back))
    return SnippetError(f"{type(error).__name__}: {error}", line, trace)


def _checked_results(results, path: Path, text: str) -> dict:
    """A flat dict of finite JSON numbers, strings, booleans and short lists."""
    end_line = text.count("\n") + 1
    if not isinstance(results, dict):
        raise SnippetError(
            "the snippet's last cell must set `results = run(...)`, a dict of named results",
            end_line,
        )
    checked = {}
    for name, value in results.items():
        checked[str(name)] = _checked_value(str(name), value, end_line)
    return checked


def _checked_value(name: str, value, line: int):
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        value = value.tolist()
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise SnippetError(f"result '{name}' is {value}; results must be finite", line)
        return value
    if isinstance(value, list | tuple):
        if len(value) > MAX_LIST_LENGTH:
            raise SnippetError(
                f"result '{name}' has {len(value)} items; keep lists short (figures carry the rest)",
                line,
            )
        return [_checked_value(f"{name}[{i}]", item, line) for i, item in enumerate(value)]
    raise SnippetError(
        f"result '{name}' is a {type(value).__name__}; use numbers, strings, booleans or lists",
        line,
    )


def write_entry(out: Path, notebook: dict, results: dict, svgs: dict[str, str]) -> None:
    (out / "figures").mkdir(exist_ok=True)
    for name, svg in svgs.items():
        (out / "figures" / f"{name}.svg").write_text(svg, encoding="utf-8")
    text = json.dumps(results, indent=1, sort_keys=True) + "\n"
    (out / "results.json").write_text(text, encoding="utf-8")
    nb.write(notebook, out / "notebook.ipynb")


if __name__ == "__main__":
    status = main(sys.argv[1], sys.argv[2], sys.argv[3])
    # Every file is written and closed. Skip the interpreter's teardown: with torch
    # and matplotlib loaded it takes about 0.6 s after meta.json is written, and the
    # runner (and, under serve, the author) waits for this process to exit.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
