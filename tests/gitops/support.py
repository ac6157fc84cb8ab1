"""What the GitOps tests share: real git repositories in temporary folders, and a layered project."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTEXT = ["--region", "us-west-2", "--account-id", "123456789012"]
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"


class Repo:
    """A git repository in a temporary folder: write files, commit them."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, rel: str, text: str = "") -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), "utf-8")
        return path

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text("utf-8")

    def git(self, *args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=self.root, check=True, capture_output=True, text=True, timeout=60, env=git_env()
        )
        return done.stdout

    def commit(self, message: str = "change") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)


def git_env() -> dict[str, str]:
    """git without the user's configuration: a fixed identity, no hooks, no signing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="test",
        GIT_COMMITTER_EMAIL="test@example.com",
    )
    return env


def standard_project(repo: Repo) -> Repo:
    """A project with two environments, a base and a spec that extends it."""
    repo.write(
        "jobspec.toml",
        """\
        default_environment = "dev"
        exclude = ["src"]

        [environments.dev]
        region = "us-west-2"
        account_id = "111111111111"

        [environments.prod]
        region = "us-east-1"
        account_id = "222222222222"

        [environments.prod.tags]
        env = "prod"
        owner = "platform"

        [environments.prod.overrides]
        instance_config = { instanceType = "ml.c5.xlarge" }
        """,
    )
    repo.write("src/algo/__init__.py")
    repo.write("src/algo/run.py", "def main():\n    pass\n")
    repo.write(
        "specs/_bases/common.yaml",
        f"""\
        device: {SV1}
        source_module: ../../src/algo
        entry_point: algo.run:main
        hyperparameters:
          shots: 100
          lr: 0.1
        instance_config:
          instanceType: ml.m5.large
          volumeSizeInGb: 50
        tags:
          team: algo
        """,
    )
    repo.write(
        "specs/job.yaml",
        """\
        extends: _bases/common.yaml
        unset: [hyperparameters.lr]
        hyperparameters:
          shots: 1000
        tags:
          owner: me
        """,
    )
    return repo
