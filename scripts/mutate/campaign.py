"""Run every mutant of a topic, side by side, and keep what each did.

Each job is a process forked from a forkserver that imported the numeric
libraries and pytest once (execute.py runs inside it). The unmutated snippet runs
first: its claim tests must pass, its results mark the equivalent mutants, and
three times its time is each mutant's limit. Outcomes are kept in
`.cache/mutate/<topic>.json` under a key of the snippet, its test file and this
tool's own code, so a second `make mutate` runs only what changed.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from . import execute, sites

# Imported once, in the forkserver every job is forked from: the libraries the
# snippets and their tests use, and pytest with the engine's plugin, whose first
# import in each job would otherwise cost more than its tests (1.4 of 2.0 s for EM).
PRELOADED = [
    "numpy",
    "scipy.integrate",
    "scipy.optimize",
    "scipy.special",
    "scipy.stats",
    "sklearn.datasets",
    "sklearn.mixture",
    "torch",
    "torch.distributions",
    "matplotlib.pyplot",
    "pytest",
    "_pytest.python",
    "_pytest.runner",
    "_pytest.fixtures",
    "_pytest.terminal",
    "scripts.derivations.pytest_plugin",
    "scripts.mutate.execute",
]
TIME_LIMIT_FACTOR = 3
MINIMUM_LIMIT_SECONDS = 5.0


@dataclass
class Topic:
    name: str
    snippet: str  # relative to the repository
    tests: str

    @classmethod
    def all(cls, root: Path) -> list[Topic]:
        found = []
        for path in sorted((root / "snippets").glob("*/[!_]*.py")):
            tests = Path("tests/snippets") / f"test_{path.parent.name}.py"
            if (root / tests).is_file():
                found.append(
                    cls(path.parent.name, path.relative_to(root).as_posix(), tests.as_posix())
                )
        return found


@dataclass
class TopicResult:
    topic: Topic
    mutants: list[sites.Mutant]
    settings: int  # lines marked "# mutate: setting"
    outcomes: dict[str, dict] = field(default_factory=dict)  # mutant id → outcome
    baseline_seconds: float = 0.0
    wall_seconds: float = 0.0
    reused: int = 0  # outcomes taken from the cache


def tool_digest() -> str:
    """The code that decides an outcome: which mutants exist and how one is judged."""
    digest = hashlib.sha256()
    for module in (sites, execute):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def cache_key(root: Path, topic: Topic) -> str:
    digest = hashlib.sha256()
    for path in (topic.snippet, topic.tests, "requirements.lock"):
        digest.update((root / path).read_bytes())
    digest.update(tool_digest().encode())
    return digest.hexdigest()[:32]


def forkserver():
    """A context whose processes start from one that imported the heavy modules."""
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"  # one thread per job: the jobs fill the cores
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    return context


def run_jobs(
    context, jobs: list[tuple[str, execute.Job]], limit: float, parallel: int, say
) -> dict[str, dict]:
    """Outcome per job name; a job past `limit` seconds is stopped and "timed out"."""
    pending, running, outcomes = list(jobs), {}, {}
    while pending or running:
        while pending and len(running) < parallel:
            name, job = pending.pop(0)
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=execute.child, args=(send, job), daemon=True)
            process.start()
            send.close()
            running[receive] = (name, process, time.monotonic())
        ready = wait(list(running), timeout=0.5)
        for connection in ready:
            name, process, started = running.pop(connection)
            try:
                outcomes[name] = connection.recv()
            except EOFError:  # died without a word: a crash is a caught mutant
                process.join()
                outcomes[name] = {
                    "status": "killed",
                    "seconds": round(time.monotonic() - started, 3),
                    "message": f"the process died (exit {process.exitcode})",
                    "tests": {},
                }
            process.join(timeout=10)
            if process.is_alive():  # sent its outcome but hangs on the way out
                process.kill()
                process.join()
            say(name, outcomes[name])
        for connection, (name, process, started) in list(running.items()):
            if time.monotonic() - started > limit:
                process.kill()
                process.join()
                del running[connection]
                outcomes[name] = {
                    "status": "timed out",
                    "seconds": round(limit, 3),
                    "message": f"stopped after {limit:.1f} s",
                    "tests": {},
                }
                say(name, outcomes[name])
    return outcomes


def run_topic(
    root: Path, topic: Topic, context, parallel: int, cache_dir: Path, say, limit: int | None = None
) -> TopicResult:
    started = time.monotonic()
    source = (root / topic.snippet).read_text(encoding="utf-8")
    mutants, settings = sites.mutants(source, topic.snippet)
    mutants = mutants[:limit]
    result = TopicResult(topic, mutants, settings)
    key = cache_key(root, topic)
    cache_file = cache_dir / f"{topic.name}.json"
    cached = {}
    if cache_file.is_file():
        try:
            stored = json.loads(cache_file.read_text(encoding="utf-8"))
            cached = stored["outcomes"] if stored.get("key") == key else {}
        except (ValueError, KeyError):
            cached = {}  # a damaged cache file: run everything again
    work = Path(tempfile.mkdtemp(prefix=f"mutate-{topic.name}-"))
    try:

        def job(name: str, text: str, baseline: str | None) -> execute.Job:
            folder = work / name
            folder.mkdir()
            return execute.Job(
                str(root),
                topic.snippet,
                text,
                topic.tests,
                str(folder),
                str(work / "cache"),
                baseline,
            )

        base = run_jobs(context, [("baseline", job("baseline", source, None))], 600, 1, say)[
            "baseline"
        ]
        if base["status"] != "survived":
            raise RuntimeError(
                f"{topic.snippet}: the unmutated snippet fails its own tests: {base['message']}"
            )
        result.baseline_seconds = base["seconds"]
        limit = max(TIME_LIMIT_FACTOR * base["seconds"], MINIMUM_LIMIT_SECONDS)
        result.outcomes = {m.id: cached[m.id] for m in mutants if m.id in cached}
        result.reused = len(result.outcomes)
        todo = [
            (m.id, job(m.id, m.apply(source), base["results"]))
            for m in mutants
            if m.id not in cached
        ]
        result.outcomes |= run_jobs(context, todo, limit, parallel, say)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = cache_file.with_suffix(".tmp")
    temporary.write_text(json.dumps({"key": key, "outcomes": result.outcomes}), encoding="utf-8")
    temporary.replace(cache_file)
    result.wall_seconds = round(time.monotonic() - started, 1)
    return result
