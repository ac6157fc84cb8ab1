"""The example GitHub Actions workflow: its jobspec steps are commands that work on a real project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from .support import REPO_ROOT, Repo

WORKFLOW = REPO_ROOT / "docs" / "examples" / "github-workflow.yml"


def load() -> dict[str, Any]:
    loaded: dict[str, Any] = YAML(typ="safe", pure=True).load(WORKFLOW.read_text("utf-8"))
    return loaded


def test_pull_requests_run_check_with_github_annotations() -> None:
    workflow = load()
    assert set(workflow[True] if True in workflow else workflow["on"]) == {"pull_request", "push"}
    runs = [step.get("run", "") for step in workflow["jobs"]["check"]["steps"]]
    assert "jobspec check --format github" in runs
    assert "jobspec check --all-envs --format github" in runs
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "check" and deploy["permissions"]["id-token"] == "write"


def test_the_check_steps_run_on_a_project(layered: Repo, cli: Any) -> None:
    """Every run step of the check job, in a shell, with this jobspec first on the PATH."""
    assert cli("compile", cwd=layered.root).code == 0
    assert cli("compile", "--all-envs", cwd=layered.root).code == 0
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    steps = [s["run"] for s in load()["jobs"]["check"]["steps"] if "run" in s and "pip install" not in s["run"]]
    assert len(steps) == 3
    for script in steps:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=layered.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{script}\n{done.stdout}\n{done.stderr}"
    layered.write("specs/job.yaml", layered.read("specs/job.yaml").replace("shots: 1000", "shots: 5"))
    done = subprocess.run(
        ["bash", "-c", steps[0]], cwd=layered.root, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "::error file=build/job.json,line=" in done.stderr and "title=E802::stale" in done.stderr
