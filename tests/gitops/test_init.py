"""jobspec init: a new spec and source skeleton that compiles as it is, with the editor's schema modeline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from braket_jobspec.gitops.init import schema_reference
from braket_jobspec.schemas import SPEC_SCHEMA, schema_path

from .support import Repo


def schema_of(spec: Path) -> Path:
    first = spec.read_text("utf-8").splitlines()[0]
    reference = first.split("$schema=", 1)[1] if "$schema=" in first else first.removeprefix("#:schema ")
    path = Path(reference)
    return path if path.is_absolute() else (spec.parent / path).resolve()


@pytest.mark.parametrize("fmt", ["yaml", "toml"])
def test_a_new_project_compiles_and_checks(repo: Repo, cli: Any, fmt: str) -> None:
    run = cli("init", "--name", "vqe-h2", "--format", fmt, cwd=repo.root)
    assert run.code == 0, run.err
    assert run.out.splitlines() == [
        f"created specs/vqe-h2.{fmt}",
        "created specs/src/vqe_h2/__init__.py",
        "created specs/src/vqe_h2/job.py",
        "created jobspec.toml",
    ]
    spec = repo.root / f"specs/vqe-h2.{fmt}"
    assert schema_of(spec) == schema_path(SPEC_SCHEMA).resolve()  # no schema/ in this project
    assert json.loads(schema_of(spec).read_text())["$id"] == "urn:braket-jobspec:schema:jobspec"
    compiled = cli("compile", cwd=repo.root)
    assert compiled.code == 0, compiled.err
    request = json.loads(repo.read("build/vqe-h2.json"))
    assert request["algorithmSpecification"]["scriptModeConfig"]["entryPoint"] == "vqe_h2.job:main"
    assert request["tags"] == {"job": "vqe-h2"}
    assert cli("check", cwd=repo.root).code == 0
    compile(repo.read("specs/src/vqe_h2/job.py"), "job.py", "exec")  # the job's code is valid Python


def test_init_beside_a_project_config_and_a_schema(layered: Repo, cli: Any) -> None:
    layered.write("schema/jobspec.schema.json", schema_path(SPEC_SCHEMA).read_text())
    config = layered.read("jobspec.toml")
    run = cli("init", "--device", "local:braket/braket_sv", cwd=layered.root)
    assert run.code == 0, run.err
    assert layered.read("jobspec.toml") == config  # the project's own config is kept
    spec = layered.root / "specs/hello-braket.yaml"
    assert spec.read_text().splitlines()[0] == "# yaml-language-server: $schema=../schema/jobspec.schema.json"
    assert "device: local:braket/braket_sv" in spec.read_text()
    assert cli("compile", "--all-envs", cwd=layered.root).code == 0


def test_init_in_a_folder_and_never_overwrites(repo: Repo, cli: Any) -> None:
    run = cli("init", "jobs", cwd=repo.root)
    assert run.code == 0 and "next: cd jobs && jobspec compile specs/hello-braket.yaml" in run.err
    before = (repo.root / "jobs/specs/src/hello_braket/job.py").read_text()
    (repo.root / "jobs/specs/src/hello_braket/job.py").write_text(before + "# mine\n")
    run = cli("init", "jobs", cwd=repo.root)
    assert run.code == 1 and "E806 already exists" in run.err
    assert (repo.root / "jobs/specs/src/hello_braket/job.py").read_text() == before + "# mine\n"
    assert cli("init", "--name", "1bad", cwd=repo.root).code == 2


def test_schema_reference_stays_in_the_project(tmp_path: Path) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema/jobspec.schema.json").write_text("{}")
    inner = tmp_path / "inner"
    (inner / "specs").mkdir(parents=True)
    (inner / ".git").mkdir()
    assert schema_reference(inner / "specs") == schema_path(SPEC_SCHEMA).as_posix()  # not the schema above the repo
    assert schema_reference(tmp_path / "a" / "b") == "../../schema/jobspec.schema.json"
