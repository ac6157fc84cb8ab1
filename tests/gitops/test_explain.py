"""jobspec explain: each request field's value and where it came from."""

from __future__ import annotations

import json
from typing import Any

from braket_jobspec.gitops.explain import field_name, leaves

from .support import Repo


def rows(run: Any) -> dict[str, dict[str, Any]]:
    body = json.loads(run.out)
    return {row["field"]: row for row in body["fields"]} | {f"context.{r['field']}": r for r in body["context"]}


def line_of(repo: Repo, rel: str, text: str) -> int:
    return next(n for n, line in enumerate(repo.read(rel).splitlines(), 1) if text in line)


def test_every_field_with_its_origin_and_position(layered: Repo, cli: Any) -> None:
    run = cli("explain", "specs/job.yaml", "--env", "prod", "--format", "json", cwd=layered.root)
    assert run.code == 0, run.err
    got = rows(run)
    compiled = json.loads(cli("compile", "specs/job.yaml", "--env", "prod", "-o", "-", cwd=layered.root).out)
    # one row per leaf of the request, with the request's value
    assert sorted(got[f]["value"] == v for f, v in ((field_name(p), v) for p, v in leaves(compiled))) == [True] * len(
        leaves(compiled)
    )
    spec, base = "specs/job.yaml", "specs/_bases/common.yaml"
    shots = got["hyperParameters.shots"]
    assert (shots["from"], shots["where"]["file"], shots["where"]["line"]) == (
        "spec",
        spec,
        line_of(layered, spec, "shots"),
    )
    volume = got["instanceConfig.volumeSizeInGb"]
    assert (volume["from"], volume["where"]["file"], volume["where"]["line"]) == (
        "base",
        base,
        line_of(layered, base, "volumeSizeInGb"),
    )
    kind = got["instanceConfig.instanceType"]
    assert (kind["from"], kind["where"]["file"]) == ("env prod", "jobspec.toml")
    assert kind["where"]["line"] == line_of(layered, "jobspec.toml", "instance_config =")
    env_tag = got["tags.env"]
    assert (env_tag["from"], env_tag["where"]["line"]) == ("env prod", line_of(layered, "jobspec.toml", 'env = "prod"'))
    assert (
        got["instanceConfig.instanceCount"]["from"] == "default"
        and got["instanceConfig.instanceCount"]["where"] is None
    )
    assert got["roleArn"]["from"] == "default"
    assert got["jobName"]["from"] == "derived"
    assert got["algorithmSpecification.containerImage.uri"]["note"] == "the base image in us-east-1"
    assert got["context.region"]["from"] == "env prod" and got["context.region"]["value"] == "us-east-1"
    assert got["context.stamp"]["from"] == "derived"


def test_context_from_flags_and_derived_from_the_device(layered: Repo, cli: Any) -> None:
    layered.write(
        "specs/qpu.yaml",
        "extends: _bases/common.yaml\ndevice: arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet\n",
    )
    run = cli(
        "explain",
        "specs/qpu.yaml",
        "--format",
        "json",
        "--account-id",
        "999999999999",
        "--stamp",
        "7",
        cwd=layered.root,
    )
    got = rows(run)
    assert got["context.account_id"]["from"] == "flag --account-id"
    assert got["context.region"]["from"] == "derived" and got["context.region"]["value"] == "eu-north-1"
    assert got["context.region"]["where"]["line"] == 2
    assert got["context.stamp"]["from"] == "flag --stamp"
    assert got["algorithmSpecification.scriptModeConfig.entryPoint"]["from"] == "base"


def test_text_output_is_aligned(layered: Repo, cli: Any) -> None:
    run = cli("explain", "specs/job.yaml", cwd=layered.root)
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0] == "specs/job.yaml (environment dev)"
    table = lines[lines.index("request:") + 1 :]
    header = table[0]
    for column in ("FROM", "WHERE", "VALUE"):
        start = header.index(column)
        assert all(row[start - 2 : start] == "  " and row[start] != " " for row in table[1:]), column
    shots = next(row for row in table if row.lstrip().startswith("hyperParameters.shots"))
    assert "spec" in shots and "specs/job.yaml:4:" in shots and '"1000"' in shots


def test_explain_reports_errors_like_compile(layered: Repo, cli: Any) -> None:
    layered.write("specs/job.yaml", "extends: _bases/common.yaml\nhyperparameters:\n  shots: [1]\n")
    run = cli("explain", "specs/job.yaml", cwd=layered.root)
    assert run.code == 1 and run.out == "" and "specs/job.yaml:3:10: E203" in run.err
    assert cli("explain", "specs/nope.yaml", cwd=layered.root).code == 2


def test_field_names_for_people() -> None:
    assert field_name("/a/b/0/c") == "a.b[0].c"
    assert field_name("/hyperParameters/learning.rate") == 'hyperParameters["learning.rate"]'
    assert field_name("/tags/a~1b") == 'tags["a/b"]'
