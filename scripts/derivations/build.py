"""`make build`: claim tests, then a strict build into a temporary folder that
replaces site/ only when everything passed, the round trip of every number shown
(round_trip.py) included; a failed build leaves site/ as it was.

Usage: python -m scripts.derivations.build [--site-dir site]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import round_trip
from .project import find_project
from .site_engine import REQUIRE_VERIFIED_VARIABLE


def build(root: Path, site_dir: Path) -> int:
    claim_tests = subprocess.run([sys.executable, "-m", "pytest", "tests/snippets", "-q"], cwd=root)
    if claim_tests.returncode != 0:
        print("claim tests failed: site/ left as it was", file=sys.stderr)
        return claim_tests.returncode
    temporary = site_dir.with_name(f".{site_dir.name}-building-{os.getpid()}")
    environment = {**os.environ, REQUIRE_VERIFIED_VARIABLE: "1", "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(temporary)]
    result = subprocess.run(command, cwd=root, env=environment)
    if result.returncode != 0:
        shutil.rmtree(temporary, ignore_errors=True)
        print(f"build failed: {site_dir.name}/ left as it was", file=sys.stderr)
        return result.returncode
    count, problems = round_trip.check_site(temporary)
    if problems:
        shutil.rmtree(temporary, ignore_errors=True)
        print("\n".join(problems), file=sys.stderr)
        print(
            f"{len(problems)} of {count} numbers shown are not their value: {site_dir.name}/ left as it was",
            file=sys.stderr,
        )
        return 1
    swap(temporary, site_dir)
    return 0


def swap(new: Path, current: Path) -> None:
    """Put the new site in place with two renames, then drop the old one."""
    old = current.with_name(f".{current.name}-old-{os.getpid()}")
    if current.exists():
        current.rename(old)
    new.rename(current)
    shutil.rmtree(old, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site-dir", default="site")
    args = parser.parse_args()
    root = find_project(Path.cwd()).root
    return build(root, (root / args.site_dir).resolve())


if __name__ == "__main__":
    sys.exit(main())
