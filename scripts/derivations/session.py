"""What MkDocs said at startup, kept for every rebuild of one `mkdocs serve`.

MkDocs calls `on_startup` once per process but executes the hook files again on
every rebuild (it reloads the configuration), so anything a hook file keeps in
its own globals is lost after the first build. This module is imported the
usual way, so it lives as long as the process."""

from __future__ import annotations

command = "build"  # "build", "gh-deploy" or "serve"


def serving() -> bool:
    return command == "serve"
