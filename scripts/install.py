"""Make the running virtual environment hold exactly what the lock files say.

    .venv/bin/python scripts/install.py --lock requirements.lock \
        --unhashed requirements-torch.txt [extra pip arguments ...]

Every package is installed with ``--no-deps``: the lock already lists every
distribution, so pip has nothing to resolve. Letting it resolve is what broke
fresh installs: pip 23.2 (what Python 3.11.7's venv ships) answers a dependency
with extras, such as ``CacheControl[filecache]>=0.14.3``, with the newest
release on the index rather than the locked one, and then refuses that release
for having no hash. Afterwards packages the lock does not name are removed,
``pip check`` confirms every dependency is met, and the environment is compared
with the lock name by name.

Pip constraints are ignored whatever their source (``PIP_CONSTRAINT`` or a
``constraint =`` line in a pip config file): the lock is already exact, and a
constraint that disagrees with it would make pip refuse or pick another
version. Every other setting of the machine is kept, since some machines find
torch's CPU wheel only through ``PIP_FIND_LINKS`` or reach the index only with
the certificate in ``PIP_CERT``.

Standard library only: it runs before anything else is installed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

SUPPORTED = (
    "make serve and make test support Linux (x86_64 and aarch64) with Python 3.11: "
    "the lock's pins carry no platform markers, so it names no macOS- or "
    "Windows-only dependency."
)

# pip installs everything else, so it is not locked.
NOT_LOCKED = {"pip"}

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def normalise(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> dict[str, str]:
    """``{normalised name: version}`` of every ``name==version`` line.

    Continuation lines (hashes) and comments are skipped; anything else that is
    not an exact pin is an error, since it would let pip choose a version.
    """
    pins: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text or text.startswith("--hash"):
            continue
        match = PIN.match(text)
        if not match:
            raise SystemExit(
                f"{path}:{number}: {line.strip()!r} is not an exact pin (name==version); "
                "regenerate the lock with `make lock`"
            )
        pins[normalise(match.group(1))] = match.group(2)
    return pins


def pip_environment() -> dict[str, str]:
    """The caller's environment, with every pip constraint switched off.

    An empty ``PIP_CONSTRAINT`` or ``--isolated`` would not do: the first leaves
    a config file's ``constraint =`` in force, the second drops the machine's
    find-links and certificate too.
    """
    return {**os.environ, "PIP_CONSTRAINT": os.devnull}


def pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        env=pip_environment(),
        text=True,
        capture_output=True,
    )


def pip_or_exit(what: str, *args: str) -> str:
    result = pip(*args)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(
            f"install: {what} failed (pip exit {result.returncode}); see pip's output above"
        )
    return result.stdout


def installed() -> dict[str, str]:
    """``{normalised name: version}`` of every distribution in the venv, pip aside (only
    its site-packages: a folder on PYTHONPATH is not the venv's to change)."""
    importlib.invalidate_caches()  # pip has just changed site-packages under this process
    folders = sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")})
    found = {
        normalise(dist.metadata["Name"]): dist.version
        for dist in metadata.distributions(path=folders)
    }
    return {name: version for name, version in found.items() if name not in NOT_LOCKED}


def differences(wanted: dict[str, str], have: dict[str, str]) -> list[str]:
    """Lines describing how the environment differs from the lock; empty if it does not."""
    lines = []
    for name in sorted(wanted.keys() | have.keys()):
        want, got = wanted.get(name), have.get(name)
        if want is None:
            lines.append(f"  {name}=={got} is installed but not locked")
        elif got is None:
            lines.append(f"  {name}=={want} is locked but not installed")
        elif normalise_version(got) != normalise_version(want):
            lines.append(f"  {name}: locked {want}, installed {got}")
    return lines


def normalise_version(version: str) -> str:
    """Compare versions without a local label (torch's ``2.13.0+cpu`` is the pinned ``2.13.0``)."""
    return version.split("+", 1)[0]


def check_platform() -> None:
    if not sys.platform.startswith("linux") or sys.version_info[:2] != (3, 11):
        found = f"this is {sys.platform}, Python {sys.version.split()[0]}"
        raise SystemExit(
            f"install: {SUPPORTED} ({found}; to use another Python 3.11, "
            "delete .venv and run `make PYTHON=/path/to/python3.11 serve`)"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument(
        "--lock",
        type=Path,
        required=True,
        help="exact pins with sha256 hashes, installed with --require-hashes",
    )
    parser.add_argument(
        "--unhashed", type=Path, help="exact pins without hashes (torch's machine-local CPU wheel)"
    )
    options, pip_args = parser.parse_known_args(argv)
    check_platform()

    wanted = read_pins(options.lock)
    if options.unhashed:
        wanted |= read_pins(options.unhashed)
    # What an earlier lock had and this one dropped goes first: a package that took
    # its place may share its import folder, which removing it afterwards would delete.
    extra = sorted(installed().keys() - wanted.keys())
    if extra:
        pip_or_exit("removing packages the lock no longer names", "uninstall", "--yes", *extra)

    quiet = ["install", "--quiet", "--no-deps", *pip_args]
    pip_or_exit(f"installing {options.lock}", *quiet, "--require-hashes", "-r", str(options.lock))
    if options.unhashed:
        pip_or_exit(f"installing {options.unhashed}", *quiet, "-r", str(options.unhashed))

    pip_or_exit("pip check (a locked package's dependency is missing from the lock?)", "check")
    problems = differences(wanted, installed())
    if problems:
        raise SystemExit(
            f"install: the environment differs from {options.lock}:\n" + "\n".join(problems)
        )


if __name__ == "__main__":
    main()
