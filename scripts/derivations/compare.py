"""Re-run every snippet into a fresh cache and compare each claim with a published
`claims.json`: `python -m scripts.derivations.compare claims.json [--rtol 1e-9]`."""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

from .project import Project, find_project
from .runner import run_snippets


def differs(published, rerun, rtol: float) -> bool:
    if isinstance(published, list) and isinstance(rerun, list):
        return len(published) != len(rerun) or any(
            differs(a, b, rtol) for a, b in zip(published, rerun, strict=True)
        )
    if isinstance(published, int | float) and isinstance(rerun, int | float):
        return not math.isclose(published, rerun, rel_tol=rtol, abs_tol=rtol * 1e-3)
    return published != rerun


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("claims", type=Path, help="a claims.json published by the site")
    parser.add_argument(
        "--rtol",
        type=float,
        default=1e-9,
        help="relative tolerance (float round-off differs across machines)",
    )
    args = parser.parse_args()
    published = {entry["id"]: entry["value"] for entry in json.loads(args.claims.read_text())}
    root = find_project(Path.cwd()).root
    with tempfile.TemporaryDirectory() as cache:
        report = run_snippets(Project(root, cache_override=Path(cache)))
        if report.failures:
            print("\n".join(str(f.problem) for f in report.failures.values()), file=sys.stderr)
            return 1
        values = report.results_by_id()
    different = 0
    for claim_id, value in sorted(published.items()):
        rerun = values.get(claim_id, "(missing)")
        mark = "differs" if differs(value, rerun, args.rtol) else "same"
        different += mark == "differs"
        print(f"{mark:8} {claim_id}: published {value!r}, re-run {rerun!r}")
    print(f"{len(published) - different} same, {different} different")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
