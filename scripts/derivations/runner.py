"""Run the snippets that have no cache entry, in parallel worker processes.

Each snippet runs in a fresh `python -m scripts.derivations.worker` process
(so its peak memory is its own and a hung one can be killed), at most one per
core, under a time limit. A rich progress display says what runs and what hit
the cache.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import cache
from .errors import Problem
from .project import Project
from .snippets import Snippet, discover

if TYPE_CHECKING:
    from rich.console import Console

DEFAULT_TIMEOUT_SECONDS = 60.0
ENTRY_FILES = {
    "results.json",
    "figures",
    "notebook.ipynb",
    "log.txt",
    "meta.json",
    "stderr.txt",
    "error.json",
}
POLL_SECONDS = 0.02
OVERSUBSCRIPTION = 4  # at most this many snippets per core at once (memory)


@dataclass
class SnippetRun:
    snippet: Snippet
    key: str
    entry: Path
    hit: bool

    @functools.cached_property  # read by several checks of one build
    def results(self) -> dict:
        return cache.read_json(self.entry / "results.json")

    @functools.cached_property
    def declared(self) -> dict:
        """The run's values of its snippet's declared claims and parameters."""
        results = self.results
        return {d.name: results[d.name] for d in self.snippet.declarations if d.name in results}

    @property
    def meta(self) -> dict:
        return cache.read_json(self.entry / "meta.json")

    @functools.cached_property  # read by several steps of one build
    def figures(self) -> list[Path]:
        return sorted((self.entry / "figures").glob("*.svg"))


@dataclass
class SnippetFailure:
    snippet: Snippet
    key: str
    problem: Problem
    traceback: str = ""


@dataclass
class RunReport:
    snippets: list[Snippet]
    runs: dict[str, SnippetRun] = field(default_factory=dict)  # by snippet rel path
    failures: dict[str, SnippetFailure] = field(default_factory=dict)

    def results_by_id(self) -> dict[str, object]:
        """Every declared claim and parameter id → its value from the runs."""
        values: dict[str, object] = {}
        for run in self.runs.values():
            for declaration in run.snippet.declarations:
                if declaration.name in run.declared:
                    values[declaration.id] = run.declared[declaration.name]
        return values


def run_snippets(
    project: Project,
    *,
    jobs: int | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    use_cache: bool = True,
    console: Console | None = None,  # rich's; one for stderr if None and snippets run
    snippets: list[Snippet] | None = None,
    on_ran: Callable[[SnippetRun], None] | None = None,
    on_started: Callable[[], None] | None = None,
) -> RunReport:
    """Bring every snippet's cache entry up to date; report runs and failures.

    With `use_cache=False` the key lookup is skipped and the entries named in the
    last run's index are used as they are (the benchmark's floor). `snippets`:
    the project's snippets if the caller has already discovered them. `on_ran`: called
    with each fresh run as soon as its entry is in the cache, while others still run.
    `on_started`: called once the first snippets are running (not on a full cache hit).
    """
    snippets = discover(project) if snippets is None else snippets
    report = RunReport(snippets)
    if not use_cache:
        return _from_index(project, report)
    keys = {s.rel: cache.cache_key(project, s) for s in snippets}
    pending = []
    for snippet in snippets:
        entry = cache.entry_dir(project, keys[snippet.rel])
        if cache.is_complete(entry):
            report.runs[snippet.rel] = SnippetRun(snippet, keys[snippet.rel], entry, hit=True)
        else:
            pending.append(snippet)
    if pending:
        console = console or _stderr_console()
        before = _repository_files(project)
        cores = os.cpu_count() or 1
        # Every stale snippet starts at once (up to a few per core) and the operating
        # system shares the cores: the batch ends when the total CPU time allows,
        # instead of waiting on whichever long snippet happened to start last.
        jobs = jobs or min(len(pending), OVERSUBSCRIPTION * cores)
        share = max(1.0, jobs / cores)  # a snippet's wall time stretches by this much
        _run_pending(
            project, pending, keys, report, jobs, timeout, share, console, on_ran, on_started
        )
        _refuse_repository_writes(project, before, report)
    report.runs = dict(sorted(report.runs.items()))  # completion order is not reproducible
    _remember_declared_values(project, report)
    _check_declared_results(report)
    hits = [r.snippet.rel for r in report.runs.values() if r.hit]
    if hits:
        _say(console, f"snippets from cache ({len(hits)}): {', '.join(hits)}")
    if not report.failures:
        cache.prune(project, set(keys.values()))
        index = {rel: run.key for rel, run in sorted(report.runs.items())}
        cache.write_json_atomic(cache.index_file(project), index)
    return report


def _stderr_console() -> Console:
    from rich.console import Console  # 10-15 ms to import: only when snippets run

    return Console(stderr=True)


def _say(console: Console | None, message: str) -> None:
    """A dim line on stderr, through rich's console if there is one (a cached build
    has none, and its one line does not need rich)."""
    if console is not None:
        console.print(message, style="dim", markup=False, highlight=False)
    elif sys.stderr.isatty():
        print(f"\x1b[2m{message}\x1b[0m", file=sys.stderr)
    else:
        print(message, file=sys.stderr)


def _from_index(project: Project, report: RunReport) -> RunReport:
    index = cache.read_json(cache.index_file(project))
    for snippet in report.snippets:
        key = index[snippet.rel]
        report.runs[snippet.rel] = SnippetRun(snippet, key, cache.entry_dir(project, key), hit=True)
    _remember_declared_values(project, report)
    return report


def _remember_declared_values(project: Project, report: RunReport) -> None:
    """Each run's declared values, kept by run key in one small file. A build needs
    only these, and a whole results.json can be large (f-VAE's holds 3 MB of
    posterior grids for its figures: 0.06 s of every cached build to parse). An
    entry never changes under its key, so neither do its declared values."""
    file = project.cache_dir / "declared-values.json"
    try:
        known = cache.read_json(file)
    except (OSError, ValueError):
        known = {}
    current = {}
    for run in report.runs.values():
        names = sorted(d.name for d in run.snippet.declarations)
        kept = known.get(run.key)
        if isinstance(kept, dict) and kept.get("names") == names:
            run.declared = kept["values"]
        current[run.key] = {"names": names, "values": run.declared}
    if current != known:  # only the current runs: the file does not grow
        cache.write_json_atomic(file, current)


@dataclass
class _Job:
    snippet: Snippet
    key: str
    temp: Path
    process: subprocess.Popen
    started: float


def _run_pending(
    project, pending, keys, report, jobs, timeout, share, console, on_ran, on_started
) -> None:
    # Here, not at the top: jupytext and nbformat take 0.5 s to import, and rich's
    # progress display 7 ms; a cached build (or a claim test) that runs no snippet
    # does not need them.
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from . import notebook

    environment = {**os.environ, "PYTHONPATH": str(project.root), "MPLBACKEND": "Agg"}
    queue = list(pending)
    running: list[_Job] = []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("running snippets", total=len(pending))
        while queue or running:
            while queue and len(running) < jobs:
                snippet = queue.pop(0)
                key = keys[snippet.rel]
                temp = cache.temp_dir(project, key)
                skeleton = _skeleton_file(temp)
                skeleton.write_text(
                    notebook.skeleton_json(snippet.path.read_text(encoding="utf-8")),
                    encoding="utf-8",
                )
                with (temp / "stderr.txt").open("wb") as stderr:  # the child keeps its own copy
                    process = subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "scripts.derivations.worker",
                            str(snippet.path),
                            str(temp),
                            str(skeleton),
                        ],
                        # Its working folder is its own temporary entry: a stray
                        # relative write lands there and is reported, not in the repo.
                        cwd=temp,
                        env=environment,
                        preexec_fn=_die_with_parent,
                        stdout=subprocess.DEVNULL,
                        stderr=stderr,
                    )
                running.append(_Job(snippet, key, temp, process, time.monotonic()))
                progress.update(task, description=f"running {snippet.rel}")
            if on_started is not None:
                on_started()
                on_started = None
            time.sleep(POLL_SECONDS)
            for job in list(running):
                elapsed = time.monotonic() - job.started
                limit = job.snippet.time_limit or timeout
                if job.process.poll() is None and elapsed <= limit * share:
                    continue
                running.remove(job)
                _skeleton_file(job.temp).unlink(missing_ok=True)
                if job.process.poll() is None:
                    job.process.kill()
                    job.process.wait()
                    problem = Problem(
                        job.snippet.rel,
                        None,
                        f"took longer than {limit:g} s and was stopped; make the experiment smaller "
                        "(or declare TIME_LIMIT_SECONDS if it must take longer)",
                    )
                    report.failures[job.snippet.rel] = SnippetFailure(job.snippet, job.key, problem)
                    shutil.rmtree(job.temp, ignore_errors=True)
                else:
                    _finish(project, job, report, elapsed, console)
                    if on_ran is not None and job.snippet.rel in report.runs:
                        on_ran(report.runs[job.snippet.rel])
                progress.advance(task)


# Generated or tool folders, not the author's files: skipped at the top level,
# and the caches below it too.
GENERATED_TOP_FOLDERS = {".git", ".venv", ".cache", "node_modules", "site", ".site-tmp"}
CACHE_FOLDERS = {"__pycache__", ".pytest_cache", ".ruff_cache"}


def _repository_files(project: Project) -> set[str]:
    found = set()
    for folder, subfolders, files in os.walk(project.root):
        skipped = CACHE_FOLDERS | (GENERATED_TOP_FOLDERS if folder == str(project.root) else set())
        subfolders[:] = [name for name in subfolders if name not in skipped]
        found.update(os.path.join(folder, name) for name in files)
    return found


def _refuse_repository_writes(project: Project, before: set[str], report: RunReport) -> None:
    """A snippet that created files in the repository fails, and its entry is dropped."""
    created = sorted(project.rel(Path(p)) for p in _repository_files(project) - before)
    if not created:
        return
    for rel, run in list(report.runs.items()):
        if run.hit:
            continue
        message = (
            f"new files appeared in the repository while this snippet ran: {', '.join(created)}; "
            "a snippet returns results and figures and writes nothing else"
        )
        report.failures[rel] = SnippetFailure(run.snippet, run.key, Problem(rel, None, message))
        shutil.rmtree(run.entry, ignore_errors=True)
        del report.runs[rel]


def _skeleton_file(temp: Path) -> Path:
    """Beside the temporary entry, not in it: the entry holds only what the worker wrote."""
    return temp.with_name(temp.name + ".notebook.json")


def _die_with_parent() -> None:
    """Linux: a worker dies with the build that started it (e.g. on SIGKILL)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _stray_files(temp: Path) -> list[str]:
    """Files a snippet wrote into its working folder besides what the worker writes."""
    return sorted(
        path.relative_to(temp).as_posix()
        for path in temp.rglob("*")
        if path.is_file() and path.relative_to(temp).parts[0] not in ENTRY_FILES
    )


def _finish(project: Project, job: _Job, report: RunReport, elapsed: float, console) -> None:
    entry = cache.entry_dir(project, job.key)
    stray = _stray_files(job.temp)
    if stray:
        message = (
            f"the snippet wrote files outside its results: {', '.join(stray)}; "
            "return figures from draw_figures() and numbers in results instead"
        )
        report.failures[job.snippet.rel] = SnippetFailure(
            job.snippet, job.key, Problem(job.snippet.rel, None, message)
        )
        shutil.rmtree(job.temp, ignore_errors=True)
        return
    if job.process.returncode == 0 and cache.is_complete(job.temp):
        (job.temp / "stderr.txt").unlink(missing_ok=True)
        cache.commit(job.temp, entry)
        report.runs[job.snippet.rel] = SnippetRun(job.snippet, job.key, entry, hit=False)
        console.print(f"ran {job.snippet.rel} in {elapsed:.1f} s")
    else:
        error_file = job.temp / "error.json"
        if error_file.is_file():
            error = cache.read_json(error_file)
            problem = Problem(job.snippet.rel, error["line"], error["message"])
            trace = error["traceback"]
        else:
            stderr = (job.temp / "stderr.txt").read_text(errors="replace")
            problem = Problem(
                job.snippet.rel, None, f"the worker died (exit {job.process.returncode})"
            )
            trace = stderr[-4000:]
        report.failures[job.snippet.rel] = SnippetFailure(job.snippet, job.key, problem, trace)
        shutil.rmtree(job.temp, ignore_errors=True)


def _check_declared_results(report: RunReport) -> None:
    """A declared claim or parameter that the run did not return is a failure."""
    for rel, run in list(report.runs.items()):
        missing = [d for d in run.snippet.declarations if d.name not in run.declared]
        if missing:
            first = missing[0]
            names = ", ".join(d.name for d in missing)
            problem = Problem(
                rel, first.line, f"declared but not in `results`: {names}; return them from run()"
            )
            report.failures[rel] = SnippetFailure(run.snippet, run.key, problem)
            del report.runs[rel]
