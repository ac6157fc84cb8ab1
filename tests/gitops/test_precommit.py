"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit in a project's git repository.

pre-commit installs jobspec from a git repository of this working tree into its own
virtualenv (pip, from PyPI: the one test here that needs the network beyond loopback),
once for the module; each run then takes about a second.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import REPO_ROOT, SV1, Repo, git_env

PRE_COMMIT = str(Path(sys.executable).with_name("pre-commit"))
# What `pip install .` needs of this working tree.
PACKAGE = ["compiler", "schema", "pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml"]


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This working tree's package and hooks, committed to a repository of their own; (path, commit)."""
    root = tmp_path_factory.mktemp("hooks")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PACKAGE:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        else:
            shutil.copy2(source, root / name)
    repo = Repo(root)
    repo.git("init", "-q", "-b", "main")
    repo.commit("jobspec")
    return root, repo.git("rev-parse", "HEAD").strip()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def user(repo: Repo, hook_repo: tuple[Path, str]) -> Iterator[Repo]:
    """A team's repository: one spec, its compiled outputs, and a pre-commit config with both hooks."""
    path, rev = hook_repo
    repo.write(
        ".pre-commit-config.yaml",
        f"""\
        repos:
          - repo: {path.as_posix()}
            rev: {rev}
            hooks:
              - id: jobspec-validate
              - id: jobspec-check
        """,
    )
    repo.write(
        "jobspec.toml",
        'default_environment = "dev"\n[environments.dev]\nregion = "us-west-2"\naccount_id = "123456789012"\n',
    )
    repo.write("specs/src/algo.py", "def main():\n    pass\n")
    repo.write("specs/job.yaml", f"device: {SV1}\nsource_module: src/algo.py\nhyperparameters:\n  shots: 10\n")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("jobspec")), "compile"], cwd=repo.root, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    repo.commit("a job")
    yield repo


def pre_commit(repo: Repo, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = git_env() | {"PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([PRE_COMMIT, *args], cwd=repo.root, env=env, capture_output=True, text=True, timeout=600)


def test_the_manifest_is_valid() -> None:
    done = subprocess.run([PRE_COMMIT, "validate-manifest", str(REPO_ROOT / ".pre-commit-hooks.yaml")], timeout=60)
    assert done.returncode == 0


def test_hooks_pass_then_catch_stale_outputs_and_bad_specs(user: Repo, home: Path) -> None:
    clean = pre_commit(user, home, "run", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "jobspec validate" in clean.stdout and "jobspec check" in clean.stdout
    assert clean.stdout.count("Passed") == 2

    user.write("specs/job.yaml", user.read("specs/job.yaml").replace("shots: 10", "shots: 11"))
    user.git("add", "specs/job.yaml")
    stale = pre_commit(user, home, "run", "--all-files")
    assert stale.returncode == 1
    assert "build/job.json:" in stale.stdout and "E802 stale" in stale.stdout
    assert stale.stdout.count("Passed") == 1 and stale.stdout.count("Failed") == 1  # validate passes

    user.write("specs/job.yaml", user.read("specs/job.yaml").replace("shots: 11", "shots: [11]"))
    user.git("add", "specs/job.yaml")
    bad = pre_commit(user, home, "run", "jobspec-validate", "--all-files")
    assert bad.returncode == 1
    assert "specs/job.yaml:4:10: E203" in bad.stdout
    assert os.path.isdir(home)
