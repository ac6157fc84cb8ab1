"""Bases (extends, unset) and environment layers: the merge, its precedence, and where errors point."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from braket_jobspec.load.bases import merge, remove, to_pointer

from .support import SV1, Repo


def located(run: Any) -> set[tuple[str, int, int, str, str]]:
    """(file, line, col, code, pointer) of each diagnostic of a --format json run."""
    return {(d["file"], d["line"], d["col"], d["code"], d["pointer"]) for d in json.loads(run.err)["diagnostics"]}


def request(cli: Any, repo: Repo, spec: str, *flags: str) -> dict[str, Any]:
    run = cli("compile", spec, "-o", "-", *flags, cwd=repo.root)
    assert run.code == 0, run.err
    loaded: dict[str, Any] = json.loads(run.out)
    return loaded


def test_merge_maps_key_by_key_and_replaces_lists_and_scalars() -> None:
    lower = {"a": {"x": 1, "y": [1, 2]}, "b": "low", "c": {"k": 1}}
    upper = {"a": {"y": [3], "z": True}, "b": "high", "c": "scalar"}
    assert merge(lower, upper) == {"a": {"x": 1, "y": [3], "z": True}, "b": "high", "c": "scalar"}
    assert lower == {"a": {"x": 1, "y": [1, 2]}, "b": "low", "c": {"k": 1}}  # inputs untouched


def test_unset_paths_and_removal() -> None:
    assert to_pointer("tags.owner") == "/tags/owner"
    assert to_pointer("/tags/a.b") == "/tags/a.b"
    data = {"tags": {"owner": "x", "a.b": "y"}, "l": [1, 2, 3]}
    assert remove(data, "/tags/a.b") and remove(data, "/l/1")
    assert data == {"tags": {"owner": "x"}, "l": [1, 3]}
    assert not remove(data, "/tags/nope") and not remove(data, "/l/9") and not remove(data, "")


def test_spec_over_base_over_environment_defaults_under_overrides(layered: Repo, cli: Any) -> None:
    dev = request(cli, layered, "specs/job.yaml")
    assert dev["hyperParameters"] == {"shots": "1000"}  # spec over base; lr unset
    assert dev["instanceConfig"] == {"instanceType": "ml.m5.large", "volumeSizeInGb": 50, "instanceCount": 1}
    assert dev["tags"] == {"owner": "me", "team": "algo"}
    assert dev["roleArn"].startswith("arn:aws:iam::111111111111:")
    prod = request(cli, layered, "specs/job.yaml", "--env", "prod")
    # default tags under the spec (owner stays the spec's), overrides over it
    assert prod["tags"] == {"env": "prod", "owner": "me", "team": "algo"}
    assert prod["instanceConfig"]["instanceType"] == "ml.c5.xlarge"
    assert prod["instanceConfig"]["volumeSizeInGb"] == 50
    assert prod["algorithmSpecification"]["containerImage"]["uri"].split(".")[3] == "us-east-1"


def test_a_spec_with_bases_compiles_like_the_same_spec_written_out(layered: Repo, cli: Any) -> None:
    flat = f"""\
        device: {SV1}
        source_module: ../src/algo
        entry_point: algo.run:main
        hyperparameters:
          shots: 1000
        instance_config:
          instanceType: ml.m5.large
          volumeSizeInGb: 50
        tags:
          team: algo
          owner: me
        """
    layered.write("specs/flat.yaml", flat)
    assert request(cli, layered, "specs/job.yaml") == request(cli, layered, "specs/flat.yaml")
    # The environment's layers are spec fields too: with them written out, the prod context
    # given by flags over dev (which has no layers) compiles to the same request.
    layered.write("specs/flat.yaml", textwrap.dedent(flat).replace("ml.m5.large", "ml.c5.xlarge") + "  env: prod\n")
    prod_by_flags = ("--region", "us-east-1", "--account-id", "222222222222")
    assert request(cli, layered, "specs/job.yaml", "--env", "prod") == request(
        cli, layered, "specs/flat.yaml", *prod_by_flags
    )


def test_chains_toml_bases_and_paths_relative_to_the_declaring_file(repo: Repo, cli: Any) -> None:
    repo.write("code/algo.py", "def main():\n    pass\n")
    repo.write("data/x.csv", "1,2\n")
    repo.write(
        "shared/_root.toml",
        f'device = "{SV1}"\nsource_module = "../code/algo.py"\ninput_data = {{ train = "../data/x.csv" }}\n'
        "[hyperparameters]\na = 1\nb = 2\n",
    )
    repo.write("specs/_mid.yaml", "extends: ../shared/_root.toml\nhyperparameters:\n  b: 3\n  c: 4\n")
    repo.write("specs/deep/job.toml", 'extends = "../_mid.yaml"\n[hyperparameters]\nc = 5\n')
    got = request(cli, repo, "specs/deep/job.toml", "--region", "us-west-2", "--account-id", "123456789012")
    assert got["hyperParameters"] == {"a": "1", "b": "3", "c": "5"}
    assert got["algorithmSpecification"]["scriptModeConfig"]["entryPoint"] == "algo"
    assert [c["channelName"] for c in got["inputDataConfig"]] == ["train"]


def test_unset_then_set_replaces_a_map(layered: Repo, cli: Any) -> None:
    layered.write("specs/job.yaml", "extends: _bases/common.yaml\nunset: [/tags]\ntags:\n  only: this\n")
    assert request(cli, layered, "specs/job.yaml")["tags"] == {"only": "this"}


def test_errors_in_a_base_are_reported_in_the_base(layered: Repo, cli: Any) -> None:
    layered.write(
        "specs/_bases/common.yaml",
        layered.read("specs/_bases/common.yaml").replace("volumeSizeInGb: 50", 'volumeSizeInGb: "50"'),
    )
    run = cli("validate", "specs/job.yaml", "--format", "json", cwd=layered.root)
    assert run.code == 1
    assert located(run) == {("specs/_bases/common.yaml", 9, 19, "E203", "/instance_config/volumeSizeInGb")}


def test_errors_in_environment_overrides_are_reported_in_the_config(layered: Repo, cli: Any) -> None:
    layered.write("jobspec.toml", layered.read("jobspec.toml").replace("ml.c5.xlarge", "ml.c5.huge"))
    assert cli("validate", "specs/job.yaml", cwd=layered.root).code == 0  # dev has no overrides
    run = cli("validate", "specs/job.yaml", "--env", "prod", "--format", "json", cwd=layered.root)
    assert run.code == 1
    line = layered.read("jobspec.toml").splitlines().index('instance_config = { instanceType = "ml.c5.huge" }') + 1
    assert located(run) == {("jobspec.toml", line, 36, "E204", "/instance_config/instanceType")}


def test_errors_in_a_toml_base_point_into_it(repo: Repo, cli: Any) -> None:
    repo.write("a.py", "def main():\n    pass\n")
    repo.write(
        "_base.toml", f'device = "{SV1}"\nsource_module = "a.py"\n\n[stopping_condition]\nmaxRuntimeInSeconds = 0\n'
    )
    repo.write("job.yaml", "extends: _base.toml\n")
    flags = ["--region", "us-west-2", "--account-id", "123456789012", "--format", "json"]
    run = cli("validate", "job.yaml", *flags, cwd=repo.root)
    assert located(run) == {("_base.toml", 5, 23, "E206", "/stopping_condition/maxRuntimeInSeconds")}


@pytest.mark.parametrize(
    ("extends", "code", "words"),
    [
        ("_missing.yaml", "E151", "base '_missing.yaml' not found"),
        ("job.yaml", "E152", "extends makes a cycle: job.yaml -> job.yaml"),
        ("_base.json", "E153", "is not a spec file"),
        ("../outside.yaml", "E154", "is outside the repository"),
        ("[1]", "E150", "extends must be a path to a base file"),
    ],
)
def test_bad_extends(repo: Repo, cli: Any, extends: str, code: str, words: str) -> None:
    (repo.root.parent / "outside.yaml").write_text(f"device: {SV1}\n")
    repo.write("a.py", "def main():\n    pass\n")
    repo.write("job.yaml", f"extends: {extends}\nsource_module: a.py\n")
    run = cli("validate", "job.yaml", *["--region", "us-west-2", "--account-id", "1" * 12], cwd=repo.root)
    assert run.code == 1
    assert f"job.yaml:1:10: {code} " in run.err and words in run.err


def test_a_cycle_through_bases_names_every_file(repo: Repo, cli: Any) -> None:
    repo.write("job.yaml", "extends: _a.yaml\n")
    repo.write("_a.yaml", "extends: _b.yaml\n")
    repo.write("_b.yaml", "extends: _a.yaml\n")
    run = cli("validate", "job.yaml", cwd=repo.root)
    assert "_b.yaml:1:10: E152 extends makes a cycle: job.yaml -> _a.yaml -> _b.yaml -> _a.yaml" in run.err


def test_unset_of_nothing_warns_and_bad_unset_fails(layered: Repo, cli: Any) -> None:
    layered.write("specs/job.yaml", "extends: _bases/common.yaml\nunset:\n  - tags.nobody\n")
    run = cli("validate", "specs/job.yaml", cwd=layered.root)
    assert run.code == 0
    assert "specs/job.yaml:3:5: W157 unset /tags/nobody: nothing below this file sets it" in run.err
    layered.write("specs/job.yaml", "extends: _bases/common.yaml\nunset: tags.owner\n")
    run = cli("validate", "specs/job.yaml", cwd=layered.root)
    assert run.code == 1 and "specs/job.yaml:2:8: E156 unset must be a list" in run.err


def test_bases_are_not_compiled_as_specs(layered: Repo, cli: Any) -> None:
    layered.write("specs/_partial.yaml", "hyperparameters: {}\n")
    run = cli("compile", cwd=layered.root)
    assert run.code == 0, run.err
    outputs = sorted(p.relative_to(layered.root).as_posix() for p in (layered.root / "build").rglob("*.json"))
    assert outputs == ["build/job.json", "build/job.manifest.json"]


def test_bad_environment_layers_in_the_config(layered: Repo, cli: Any) -> None:
    text = layered.read("jobspec.toml").replace('owner = "platform"', "owner = 7")
    layered.write("jobspec.toml", text + '\n[environments.dev.overrides]\nextends = "x.yaml"\n')
    run = cli("validate", cwd=layered.root)
    assert run.code == 1
    assert "E302 tag 'owner' must be a string" in run.err
    assert "E302 'extends' is not allowed in overrides" in run.err


def test_spec_files_are_unchanged_by_a_compile(layered: Repo, cli: Any) -> None:
    before = {p: p.read_bytes() for p in Path(layered.root).rglob("*") if p.is_file() and ".git" not in p.parts}
    assert cli("compile", "--all-envs", cwd=layered.root).code == 0
    after = {p: p.read_bytes() for p in before}
    assert after == before
