"""One build of the real site per test session, shared by the site and browser tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.site.building import build_site


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> tuple[Path, str]:
    """Built from the cache the claim tests filled, refusing unverified claims."""
    out = tmp_path_factory.mktemp("site")
    build = build_site(out)
    assert build.returncode == 0, f"build failed (did the claim tests run first?):\n{build.stderr}"
    return out, build.stderr
