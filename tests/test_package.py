"""`pip install .` gives a working jobspec: the wheel carries the schemas and data files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

DATA_FILES = {
    "braket_jobspec/schema/jobspec.schema.json",
    "braket_jobspec/schema/createjob-request.schema.json",
    "braket_jobspec/schema/project.schema.json",
    "braket_jobspec/sdk/data/images.json",
    "braket_jobspec/sdk/data/devices.json",
    "braket_jobspec/sdk/data/instances.json",
    "braket_jobspec/py.typed",
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # No build isolation: hatchling comes from the dev extra, so this needs no network.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("braket_jobspec-*.whl")
    return built


def test_wheel_contains_the_package_and_its_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert names >= DATA_FILES
    package = REPO / "compiler"
    modules = {path.relative_to(package).as_posix() for path in (package / "braket_jobspec").rglob("*.py")}
    assert "braket_jobspec/cli/__init__.py" in modules and modules <= names  # every sub-package
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "jobspec = braket_jobspec.cli:run" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_compiles_an_example_like_the_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    work = tmp_path / "repo"
    shutil.copytree(REPO / "specs", work / "specs")
    shutil.copy(REPO / "jobspec.toml", work / "jobspec.toml")
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run(
        [sys.executable, "-c", "import braket_jobspec; print(braket_jobspec.__file__)"],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(target))  # the wheel, not the checkout
    run = subprocess.run(
        [sys.executable, "-m", "braket_jobspec", "compile", "specs/local-bell.yaml", "-o", "-"],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == (REPO / "build" / "local-bell.json").read_text("utf-8")
