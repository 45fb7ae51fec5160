"""The cache survives faults, and snippets stay inside their sandbox."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from scripts.derivations.project import Project
from scripts.derivations.runner import run_snippets
from tests.helpers import SNIPPET, edit, quiet


def entries(project: Project) -> set[str]:
    return {p.name for p in project.runs_dir.iterdir() if not p.name.startswith(".tmp-")}


def test_two_builds_at_once_share_the_cache_safely(scratch):
    edit(scratch, "factor * 7", "factor * 7 + 0")  # a key neither build has yet
    project = Project(scratch.root)
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir"]
    builds = [
        subprocess.Popen(
            [*command, str(scratch.root / f"site{i}")],
            cwd=scratch.root,
            env=environment,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outputs = [build.communicate(timeout=300)[1] for build in builds]
    assert [build.returncode for build in builds] == [0, 0], outputs
    for i in range(2):
        assert ">42<" in (scratch.root / f"site{i}" / "tiny" / "index.html").read_text()
    report = run_snippets(project, console=quiet())
    assert not report.failures and all(run.hit for run in report.runs.values()), (
        "the shared entry is damaged"
    )
    assert not [p for p in project.runs_dir.iterdir() if p.name.startswith(".tmp-")]


def test_build_killed_mid_run_leaves_no_entry_and_the_next_reruns_it(scratch):
    edit(scratch, "def run(factor=6):", "def run(factor=6):\n    import time\n\n    time.sleep(30)")
    project = Project(scratch.root)
    before = entries(project)
    build = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(scratch.root / "site")],
        cwd=scratch.root,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".tmp-") for p in project.runs_dir.iterdir()):
        assert time.monotonic() < deadline, "the snippet never started"
        time.sleep(0.1)
    time.sleep(1.0)
    build.send_signal(signal.SIGKILL)
    build.wait()
    time.sleep(0.5)  # the worker gets SIGKILL from the kernel when its parent dies
    workers = subprocess.run(
        ["pgrep", "-f", f"scripts.derivations.worker {scratch.root}"], capture_output=True
    )
    assert workers.stdout == b"", "a worker outlived the killed build"
    assert entries(project) == before, "a killed run left an entry"
    edit(scratch, "    time.sleep(30)", "    time.sleep(0)")
    report = run_snippets(project, console=quiet())
    assert [rel for rel, run in report.runs.items() if not run.hit] == [SNIPPET]


def test_damaged_entry_is_detected_and_rerun(scratch):
    project = Project(scratch.root)
    run = run_snippets(project, console=quiet()).runs[SNIPPET]
    assert run.hit
    results = run.entry / "results.json"
    results.write_text(results.read_text().replace("42", "43"))  # an edit on disk
    again = run_snippets(project, console=quiet())
    assert not again.runs[SNIPPET].hit
    assert again.results_by_id()["tiny.answer"] == 42
    (run.entry / "results.json").write_text("")  # truncation
    assert not run_snippets(project, console=quiet()).runs[SNIPPET].hit


def test_snippet_cannot_open_a_network_connection(scratch):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted = []

    def accept() -> None:
        with contextlib.suppress(OSError):  # the test closes the server after the run
            accepted.append(server.accept())

    threading.Thread(target=accept, daemon=True).start()
    edit(
        scratch,
        "def run(factor=6):",
        f"def run(factor=6):\n    import socket\n\n    socket.create_connection(('127.0.0.1', {port}), timeout=5)",
    )
    report = run_snippets(Project(scratch.root), console=quiet())
    server.close()
    failure = report.failures[SNIPPET]
    assert (
        "PermissionError: snippets may not open network connections during a build"
        in failure.problem.message
    )
    assert accepted == [], "the connection reached the server"


def test_snippet_writing_files_is_caught(scratch):
    edit(scratch, "def run(factor=6):", "def run(factor=6):\n    open('stray.csv', 'w').write('x')")
    report = run_snippets(Project(scratch.root), console=quiet())
    assert (
        "the snippet wrote files outside its results: stray.csv"
        in report.failures[SNIPPET].problem.message
    )
    edit(
        scratch, "open('stray.csv', 'w')", f"open({str(scratch.root / 'docs' / 'stray.md')!r}, 'w')"
    )
    report = run_snippets(Project(scratch.root), console=quiet())
    assert (
        "new files appeared in the repository while this snippet ran: docs/stray.md"
        in report.failures[SNIPPET].problem.message
    )


def test_statements_and_values_are_escaped(scratch):
    edit(scratch, '"Six times seven."', '"Six <script>alert(1)</script> times seven."')
    edit(scratch, '"factor": factor,', '"factor": factor, "label": "<b>x</b>",')
    edit(scratch, "PARAMETERS = {", 'PARAMETERS = {"label": {"statement": "a <i>label</i>"}, ')
    page = scratch.root / "docs" / "posts" / "tiny.md"
    page.write_text(page.read_text() + "\nLabelled [[tiny.label]].\n")
    scratch.claim_tests()
    build = scratch.build()
    assert build.returncode == 0, build.stderr
    for page in ("tiny", "claims"):
        html = (scratch.root / "site" / page / "index.html").read_text()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    tiny = (scratch.root / "site" / "tiny" / "index.html").read_text()
    assert "<b>x</b>" not in tiny and "&lt;b&gt;x&lt;/b&gt;" in tiny
    assert "<i>label</i>" not in tiny
    claims = json.loads((scratch.root / "site" / "claims.json").read_text())
    assert claims[0]["statement"] == "Six <script>alert(1)</script> times seven."


def test_prune_skips_a_temporary_file_another_build_removes_meanwhile(scratch, monkeypatch):
    """Two builds share the cache: one may remove its notebook skeleton between the
    other's listing of the cache folder and its look at that file (seen under load)."""
    from pathlib import Path

    from scripts.derivations import cache

    project = Project(scratch.root)
    vanishing = project.runs_dir / ".tmp-0123-99-1.notebook.json"
    vanishing.write_text("{}")
    real_stat = Path.stat

    def stat(path, *args, **kwargs):
        if path == vanishing:
            path.unlink(missing_ok=True)  # the other build finished with it just now
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    assert cache.prune(project, keep=entries(project)) == []
    assert not vanishing.exists()
