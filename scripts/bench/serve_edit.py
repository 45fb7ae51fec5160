"""Figure 3: an author saves a snippet under `mkdocs serve`; how long until the
open page has reloaded, beyond the snippet's own run, and how many snippets ran."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from scripts.derivations.browser import chromium
from scripts.derivations.cache import read_json

from .workspace import bench_environment, copy_project, say

EDITED_SNIPPET = "snippets/em/gmm.py"
PAGE = "em/"
EDITS = 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"mkdocs serve stopped:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"mkdocs serve did not answer {url} within {seconds:.0f} s")


def measure() -> dict:
    with tempfile.TemporaryDirectory() as temp:
        root = copy_project(Path(temp) / "project")
        port = free_port()
        log_path = Path(temp) / "serve.log"
        log = log_path.open("w")
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=root,
            env=bench_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # A shell that starts the bench in the background ignores Ctrl-C, and the
            # server would inherit that: let it hear the SIGINT that stops it below.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            url = f"http://127.0.0.1:{port}/{PAGE}"
            wait_for(url, 600, server, log_path)
            return _edit_and_watch(root, url)
        finally:
            # Ctrl-C, as an author stops it: MkDocs then deletes its temporary site
            # folder (14 MB), which SIGTERM left behind in /tmp on every run.
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log.close()
            if os.environ.get("BENCH_KEEP_SERVE_LOG"):
                Path(os.environ["BENCH_KEEP_SERVE_LOG"]).write_text(
                    (Path(temp) / "serve.log").read_text()
                )


def _edit_and_watch(root: Path, url: str) -> dict:
    runs, snippet = root / ".cache" / "runs", root / EDITED_SNIPPET
    reloads, snippet_seconds, reruns, page_loads = [], [], [], []
    with chromium() as browser:
        page = browser.new_page()
        page.goto(url, wait_until="load")
        for edit in range(EDITS):
            before = set(runs.iterdir())
            with page.expect_event("load", timeout=600_000):
                started = time.perf_counter()
                with snippet.open("a", encoding="utf-8") as handle:
                    handle.write(f"\n# benchmark edit {edit + 1}: a new cache key, same results\n")
            reloads.append(time.perf_counter() - started)
            # The reload itself, from the browser's request to its load event.
            page_loads.append(
                page.evaluate("performance.getEntriesByType('navigation')[0].duration") / 1000
            )
            new = sorted(set(runs.iterdir()) - before)
            reruns.append(len(new))
            snippet_seconds.append(sum(read_json(e / "meta.json")["wall_seconds"] for e in new))
            say(
                f"edit {edit + 1}/{EDITS}: reloaded after {reloads[-1]:.2f} s, "
                f"{len(new)} snippet(s) ran for {snippet_seconds[-1]:.2f} s"
            )
    overheads = [reload - own for reload, own in zip(reloads, snippet_seconds, strict=True)]
    return {
        "edited": EDITED_SNIPPET,
        "edits": EDITS,
        "save_to_reload_seconds_median": round(statistics.median(reloads), 3),
        "snippet_seconds_median": round(statistics.median(snippet_seconds), 3),
        "page_load_seconds_median": round(statistics.median(page_loads), 3),
        "overhead_seconds_median": round(statistics.median(overheads), 3),
        "snippets_rerun": max(reruns),
    }
