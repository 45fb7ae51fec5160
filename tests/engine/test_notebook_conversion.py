"""The forked notebook conversion (notebook_conversion.NotebookConverter): a finished copy
leaves its conversion whole in the shared cache; a failed one leaves nothing behind,
so the real page converts the notebook itself."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from scripts.derivations import notebook_conversion

FORK_ONLY = pytest.mark.skipif(
    not notebook_conversion.FORK_CONVERSIONS, reason="conversions are forked only on Linux"
)


class FakeJupyterPlugin:
    """Writes its conversion the way mkdocs-jupyter does: into cache_dir, in place."""

    def __init__(self, cache_dir: Path, fail_halfway: bool):
        self.config = {"cache_dir": str(cache_dir)}
        self.fail_halfway = fail_halfway

    def on_pre_page(self, page, config, files):
        def render(config, files):
            target = Path(self.config["cache_dir"]) / "conversion.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w") as handle:
                handle.write('{"content": "half')
                if self.fail_halfway:
                    raise RuntimeError("nbconvert failed")
                handle.write(' and whole"}')

        page.render = render


def converter(cache_dir: Path, fail_halfway: bool):
    plugin = FakeJupyterPlugin(cache_dir, fail_halfway)
    config = SimpleNamespace(plugins={"mkdocs-jupyter": plugin})
    return notebook_conversion.NotebookConverter(config, files=[])


def submitted(tmp_path: Path, fail_halfway: bool):
    """A notebook handed to a converter whose plugin writes into tmp_path/cache."""
    notebook = tmp_path / "demo.ipynb"
    notebook.write_text("{}")
    work = converter(tmp_path / "cache", fail_halfway)
    work.submit(notebook)
    return notebook, work


@FORK_ONLY
def test_a_finished_copy_leaves_its_conversion_whole_in_the_shared_cache(tmp_path):
    notebook, work = submitted(tmp_path, fail_halfway=False)
    assert str(notebook) in work.children, "converted in a forked copy"
    work.wait_for(str(notebook))
    written = json.loads((tmp_path / "cache" / "conversion.json").read_text())
    assert written == {"content": "half and whole"}
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["conversion.json"]


@FORK_ONLY
def test_a_failed_copy_leaves_no_half_written_file(tmp_path):
    notebook, work = submitted(tmp_path, fail_halfway=True)
    work.wait_for(str(notebook))
    cache = tmp_path / "cache"
    assert not cache.exists() or not list(cache.iterdir()), "no partial file, no work folder"
    assert work.children == {}


def test_without_fork_the_conversion_runs_in_the_thread_and_is_done_before_pages(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(notebook_conversion, "FORK_CONVERSIONS", False)
    _, work = submitted(tmp_path, fail_halfway=False)
    assert work.children == {}, "nothing forked"
    work.wait_for_thread()
    written = json.loads((tmp_path / "cache" / "conversion.json").read_text())
    assert written == {"content": "half and whole"}


def test_the_warm_up_compiles_the_theme_templates_a_page_may_use(tmp_path):
    """Material's templates are compiled while snippets run, each on its own: one
    that needs a plugin's filter (the blog's `date`) must not stop the others. Of
    the translations, only the site's language and English (its fallback)."""
    from jinja2 import FileSystemBytecodeCache
    from mkdocs.config import load_config

    config = load_config(str(Path(__file__).resolve().parents[2] / "mkdocs.yml"))
    make_environment = config.theme.get_env

    def get_env():  # as mkdocs_speedups.py sets it up
        environment = make_environment()
        environment.bytecode_cache = FileSystemBytecodeCache(str(tmp_path))
        return environment

    config.theme.get_env = get_env
    environment = get_env()
    templates = environment.list_templates(filter_func=lambda name: name.endswith(".html"))
    languages = [name for name in templates if name.startswith("partials/languages/")]
    notebook_conversion.NotebookConverter(config, files=[])._compile_theme_templates()
    compiled = {path.name for path in tmp_path.glob("*.cache")}
    others = len(templates) - len(languages)
    assert len(compiled) >= others - 5 + 2 and others > 30 and len(languages) > 20
    assert len(compiled) < len(templates) - 20  # the other languages were left out

    def cache_name(template: str) -> str:  # Jinja's file name for a template's bytecode
        source, filename, _ = environment.loader.get_source(environment, template)
        bucket = environment.bytecode_cache.get_bucket(environment, template, filename, source)
        return f"__jinja2_{bucket.key}.cache"

    language = config.theme.get("language") or "en"
    assert {cache_name(f"partials/languages/{name}.html") for name in (language, "en")} <= compiled


@pytest.mark.skipif(not notebook_conversion.YIELD_TO_SNIPPETS, reason="per-thread niceness: Linux")
def test_work_that_can_wait_lowers_only_its_own_thread():
    """A forked conversion lowers its priority (yield_to_snippets) so that snippets
    keep the cores; on Linux niceness is per thread, so only the caller's changes."""
    import os
    import threading

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before, seen = niceness(), {}

    def lowered():
        notebook_conversion.yield_to_snippets()
        seen["thread"] = niceness()

    thread = threading.Thread(target=lowered)
    thread.start()
    thread.join()
    assert seen["thread"] == max(before, notebook_conversion.LOWER_PRIORITY)  # never raised
    assert niceness() == before  # this thread, and so the build's, is as it was
