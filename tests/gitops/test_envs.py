"""compile/check/validate with --env and --all-envs: one output folder per environment."""

from __future__ import annotations

import json
from typing import Any

from .support import Repo


def outputs(repo: Repo) -> list[str]:
    return sorted(p.relative_to(repo.root).as_posix() for p in (repo.root / "build").rglob("*.json"))


def test_env_writes_under_build_env_and_plain_compile_keeps_build(layered: Repo, cli: Any) -> None:
    assert cli("compile", cwd=layered.root).code == 0
    run = cli("compile", "--env", "prod", cwd=layered.root)
    assert run.code == 0, run.err
    assert "environment prod: 1 spec(s): 1 compiled, 0 failed; 2 file(s) written to build/prod/" in run.err
    assert outputs(layered) == [
        "build/job.json",
        "build/job.manifest.json",
        "build/prod/job.json",
        "build/prod/job.manifest.json",
    ]
    prod = json.loads(layered.read("build/prod/job.json"))
    assert prod["tags"]["env"] == "prod" and prod["roleArn"].startswith("arn:aws:iam::222222222222:")
    manifest = json.loads(layered.read("build/prod/job.manifest.json"))
    assert manifest["root"] == "../.." and manifest["context"]["environment"] == "prod"
    assert json.loads(layered.read("build/job.manifest.json"))["context"]["environment"] == "dev"
    # a plain check does not count build/prod/ as extra outputs
    assert cli("check", cwd=layered.root).code == 0
    assert cli("check", "--env", "prod", cwd=layered.root).code == 0


def test_all_envs_builds_and_checks_each_environment(layered: Repo, cli: Any) -> None:
    run = cli("compile", "--all-envs", cwd=layered.root)
    assert run.code == 0, run.err
    assert outputs(layered) == [
        "build/dev/job.json",
        "build/dev/job.manifest.json",
        "build/prod/job.json",
        "build/prod/job.manifest.json",
    ]
    assert cli("check", "--all-envs", cwd=layered.root).code == 0
    layered.write("jobspec.toml", layered.read("jobspec.toml").replace('owner = "platform"', 'owner = "sre"'))
    layered.write("specs/job.yaml", layered.read("specs/job.yaml").replace("tags:\n  owner: me\n", ""))
    run = cli("check", "--all-envs", cwd=layered.root)
    assert run.code == 1
    assert "build/dev/job.json:" in run.err and "build/prod/job.json:" in run.err
    assert "environment prod: 2 output(s) out of date: run `jobspec compile --env prod`" in run.err
    run = cli("validate", "--all-envs", cwd=layered.root)
    assert run.code == 0 and "environment dev: 1 spec(s): 1 valid" in run.err


def test_env_flag_errors(layered: Repo, cli: Any, repo: Repo) -> None:
    assert cli("compile", "--env", "prod", "--all-envs", cwd=layered.root).code == 2
    run = cli("check", "--env", "qa", cwd=layered.root)
    assert run.code == 1 and "E307 no environment 'qa'" in run.err
    layered.write("specs/prod/other.yaml", "extends: ../_bases/common.yaml\n")
    run = cli("compile", "--all-envs", cwd=layered.root)
    assert run.code == 2 and "its folder prod/ has the name of an environment" in run.err
    assert not (layered.root / "build").exists()


def test_all_envs_needs_environments(repo: Repo, cli: Any) -> None:
    repo.write("a.py", "def main():\n    pass\n")
    repo.write("specs/a.yaml", "device: local:braket/braket_sv\nsource_module: ../a.py\n")
    run = cli("compile", "--all-envs", cwd=repo.root)
    assert run.code == 2 and "defines no environments" in run.err


def test_stdout_output_with_an_environment(layered: Repo, cli: Any) -> None:
    run = cli("compile", "specs/job.yaml", "-o", "-", "--env", "prod", cwd=layered.root)
    assert run.code == 0 and json.loads(run.out)["tags"]["env"] == "prod"
    assert cli("compile", "specs/job.yaml", "-o", "-", "--all-envs", cwd=layered.root).code == 2
