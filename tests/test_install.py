"""The venv holds exactly the lock: scripts/install.py on tiny hand-made wheels.

The case that broke fresh installs: package ``a`` needs ``b[extra]>=1.0``, the
lock pins ``b==1.0`` and the index also has ``b 2.0``. A pip that resolves
dependencies (pip 23.2, what Python 3.11.7's venv ships) answers ``b[extra]``
with 2.0 and then refuses it for having no hash in the lock. Everything here is
offline: the wheels are made in a temporary folder and pip is pointed at it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from scripts import install

ROOT = Path(__file__).resolve().parents[1]


def make_wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A minimal pure-Python wheel with one module and, for every name, an extra ``extra``."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{dist_info}/METADATA": "\n".join(
            [
                "Metadata-Version: 2.1",
                f"Name: {name}",
                f"Version: {version}",
                "Provides-Extra: extra",
            ]
            + [f"Requires-Dist: {requirement}" for requirement in requires]
        )
        + "\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n"
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def write_lock(path: Path, wheels: list[Path]) -> Path:
    lines = []
    for wheel in wheels:
        name, version = wheel.name.split("-")[:2]
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        lines += [f"{name}=={version} \\", f"    --hash=sha256:{digest}"]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("wheels")
    return {
        "a": make_wheel(folder, "a", "1.0", requires=("b[extra]>=1.0",)),
        "b1": make_wheel(folder, "b", "1.0"),
        "b2": make_wheel(folder, "b", "2.0"),
        "c": make_wheel(folder, "c", "1.0"),
    }


def clean_pip_environment(**settings: str) -> dict[str, str]:
    """This process's environment without any PIP_* setting, no pip config file, plus ``settings``."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PIP_")}
    return {**environment, "PIP_CONFIG_FILE": os.devnull, **settings}


@pytest.fixture(scope="module")
def pip_source(tmp_path_factory) -> list[Path]:
    """pip's package folders from one venv made the usual way, to copy into the others.

    A venv made with ensurepip takes about 5 s; one made without pip, with pip's
    folders copied in, a fraction of that, and it is the same pip.
    """
    folder = tmp_path_factory.mktemp("pip-source")
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    (site,) = folder.glob("lib/python*/site-packages")
    return [path for path in site.iterdir() if path.name == "pip" or path.name.startswith("pip-")]


def scratch_venv(folder: Path, pip_folders: list[Path]) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    (site,) = folder.glob("lib/python*/site-packages")
    for source in pip_folders:
        shutil.copytree(source, site / source.name)
    return folder / "bin" / "python"


def run_install(python: Path, lock: Path, wheels: Path, environment: dict[str, str]):
    command = [
        str(python),
        str(ROOT / "scripts" / "install.py"),
        "--lock",
        str(lock),
        "--no-index",
        "--find-links",
        str(wheels),
    ]
    return subprocess.run(command, env=environment, capture_output=True, text=True, cwd=ROOT)


def distributions(python: Path) -> dict[str, str]:
    """What pip freeze lists in that venv, names canonical, pip aside."""
    frozen = subprocess.run(
        [str(python), "-m", "pip", "freeze", "--all"],
        env=clean_pip_environment(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pairs = (line.split("==") for line in frozen.splitlines() if "==" in line)
    return {
        canonicalize_name(name): version
        for name, version in pairs
        if canonicalize_name(name) != "pip"
    }


def test_a_newer_release_that_satisfies_an_extra_does_not_replace_the_locked_one(
    index, pip_source, tmp_path
):
    python = scratch_venv(tmp_path / "venv", pip_source)
    lock = write_lock(tmp_path / "tiny.lock", [index["a"], index["b1"]])
    result = run_install(python, lock, index["a"].parent, clean_pip_environment())
    assert result.returncode == 0, result.stderr + result.stdout
    assert distributions(python) == {"a": "1.0", "b": "1.0"}


@pytest.mark.parametrize("source", ["environment", "config file"])
def test_pip_constraints_from_any_source_are_ignored(index, pip_source, tmp_path, source):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("b==2.0\n")  # disagrees with the lock
    if source == "environment":
        environment = clean_pip_environment(PIP_CONSTRAINT=str(constraints))
    else:
        config = tmp_path / "pip.conf"
        config.write_text(f"[global]\nconstraint = {constraints}\n")
        environment = clean_pip_environment(PIP_CONFIG_FILE=str(config))
    python = scratch_venv(tmp_path / "venv", pip_source)
    lock = write_lock(tmp_path / "tiny.lock", [index["a"], index["b1"]])
    result = run_install(python, lock, index["a"].parent, environment)
    assert result.returncode == 0, result.stderr + result.stdout
    assert distributions(python) == {"a": "1.0", "b": "1.0"}


def test_a_changed_lock_moves_pins_and_removes_what_it_dropped(index, pip_source, tmp_path):
    python = scratch_venv(tmp_path / "venv", pip_source)
    wheels = index["a"].parent
    first = write_lock(tmp_path / "first.lock", [index["a"], index["b1"], index["c"]])
    assert run_install(python, first, wheels, clean_pip_environment()).returncode == 0
    assert distributions(python) == {"a": "1.0", "b": "1.0", "c": "1.0"}

    second = write_lock(tmp_path / "second.lock", [index["a"], index["b2"]])
    result = run_install(python, second, wheels, clean_pip_environment())
    assert result.returncode == 0, result.stderr + result.stdout
    assert distributions(python) == {"a": "1.0", "b": "2.0"}


def test_a_lock_missing_a_dependency_fails_pip_check(index, pip_source, tmp_path):
    python = scratch_venv(tmp_path / "venv", pip_source)
    lock = write_lock(tmp_path / "tiny.lock", [index["a"]])  # a needs b
    result = run_install(python, lock, index["a"].parent, clean_pip_environment())
    assert result.returncode != 0
    assert "pip check" in result.stderr


def test_the_project_venv_equals_the_lock():
    """After `make install`, pip freeze lists the lock and torch's pin, nothing else (pip aside)."""
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    have = {}
    for line in frozen.splitlines():
        name, version = line.split("==")
        if canonicalize_name(name) != "pip":
            have[canonicalize_name(name)] = version.split("+")[0]  # torch 2.13.0+cpu is 2.13.0
    locked = {}
    for path in (ROOT / "requirements.lock", ROOT / "requirements-torch.txt"):
        for line in path.read_text().splitlines():
            if "==" in line and not line.lstrip().startswith("#"):
                name, version = line.split("==")
                locked[canonicalize_name(name)] = version.split()[0]
    assert have == locked


def test_a_loose_pin_is_refused_with_its_file_and_line(tmp_path):
    lock = tmp_path / "loose.lock"
    lock.write_text("# a comment\na==1.0 \\\n    --hash=sha256:00\nb>=1.0\n")
    with pytest.raises(SystemExit, match=r"loose\.lock:4: 'b>=1\.0' is not an exact pin"):
        install.read_pins(lock)


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_other_platforms_are_told_at_once_what_is_supported(monkeypatch, platform):
    monkeypatch.setattr(sys, "platform", platform)
    with pytest.raises(SystemExit, match="support Linux"):
        install.check_platform()
