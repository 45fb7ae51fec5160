"""The same commit gives the same site, byte for byte: every snippet runs once
more into a second cache, the site is built from it, and both sites are compared.

Only the pages that show run times and peak memory may differ (they change from
run to run by nature), and nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.site.building import build_site

ROOT = Path(__file__).resolve().parents[2]
# Pages that show run time and peak memory, and the search index that holds their text.
MAY_DIFFER = {"reproducibility/index.html", "search/search_index.json"}


def first_difference(a: bytes, b: bytes) -> str:
    offset = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return f"at byte {offset}: {a[max(0, offset - 80) : offset + 80]!r}\n  vs {b[max(0, offset - 80) : offset + 80]!r}"


def test_site_from_a_second_run_of_every_snippet_is_identical(built_site, tmp_path):
    first_site, _ = built_site
    second_cache = tmp_path / "cache"
    second_cache.mkdir()
    # Verdicts are keyed by cache key, which does not depend on where the cache lives.
    shutil.copy(ROOT / ".cache" / "claims-status.json", second_cache / "claims-status.json")
    second_site = tmp_path / "site"
    build = build_site(second_site, {"DERIVATIONS_CACHE_DIR": str(second_cache)})
    assert build.returncode == 0, build.stderr
    assert "ran snippets/" in build.stderr, "the second build did not re-run the snippets"

    def files(site: Path) -> set[str]:
        return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}

    assert files(first_site) == files(second_site)
    for name in sorted(files(first_site) - MAY_DIFFER):
        a, b = (first_site / name).read_bytes(), (second_site / name).read_bytes()
        assert a == b, f"{name} differs {first_difference(a, b)}"
    assert (first_site / "reproducibility" / "index.html").is_file()
