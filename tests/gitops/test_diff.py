"""jobspec diff: semantic differences of requests, of a spec and its output, of a spec and a live job."""

from __future__ import annotations

import json
from typing import Any

from braket_jobspec.gitops.diff import Change, compare

from .support import Repo


def test_compare_reports_paths_of_changes_additions_and_removals() -> None:
    old = {"a": {"x": 1, "y": "s"}, "l": [1, 2], "gone": True}
    new = {"a": {"x": 2, "y": "s", "z": None}, "l": [1], "new": {"k": "v"}}
    assert compare(old, new) == [
        Change("changed", "/a/x", "a.x", 1, 2),
        Change("added", "/a/z", "a.z", new=None),
        Change("removed", "/gone", "gone", old=True),
        Change("removed", "/l/1", "l[1]", old=2),
        Change("added", "/new", "new", new={"k": "v"}),
    ]
    assert compare(new, new) == []
    assert compare({"n": 1}, {"n": 1.0}) == [Change("changed", "/n", "n", 1, 1.0)]  # 1 and 1.0 differ in JSON


def test_channels_are_compared_by_name() -> None:
    def channel(name: str, uri: str) -> dict[str, Any]:
        return {"channelName": name, "dataSource": {"s3DataSource": {"s3Uri": uri}}}

    old = {"inputDataConfig": [channel("b", "s3://x/b"), channel("c", "s3://x/c")]}
    new = {"inputDataConfig": [channel("a", "s3://x/a"), channel("b", "s3://x/b"), channel("c", "s3://x/c2")]}
    assert compare(old, new) == [
        Change("added", "/inputDataConfig/0", 'inputDataConfig["a"]', new=channel("a", "s3://x/a")),
        Change(
            "changed",
            "/inputDataConfig/2/dataSource/s3DataSource/s3Uri",
            'inputDataConfig["c"].dataSource.s3DataSource.s3Uri',
            "s3://x/c",
            "s3://x/c2",
        ),
    ]


def test_spec_against_its_checked_in_output(layered: Repo, cli: Any) -> None:
    assert cli("compile", cwd=layered.root).code == 0
    assert cli("compile", "--env", "prod", cwd=layered.root).code == 0
    run = cli("diff", "specs/job.yaml", cwd=layered.root)
    assert (run.code, run.out.splitlines()[-1]) == (0, "no differences")
    layered.write("specs/job.yaml", layered.read("specs/job.yaml").replace("owner: me", "owner: you"))
    run = cli("diff", "specs/job.yaml", cwd=layered.root)
    assert run.code == 1
    assert run.out.splitlines()[:2] == ["--- build/job.json", "+++ specs/job.yaml (compiled)"]
    assert '~ tags.owner: "me" -> "you"' in run.out
    run = cli("diff", "specs/job.yaml", "--env", "prod", "--format", "json", cwd=layered.root)
    body = json.loads(run.out)
    assert body["old"] == "build/prod/job.json"
    owner = next(c for c in body["changes"] if c["pointer"] == "/tags/owner")
    assert owner == {"op": "changed", "pointer": "/tags/owner", "field": "tags.owner", "old": "me", "new": "you"}


def test_two_requests_and_a_missing_output(layered: Repo, cli: Any) -> None:
    assert cli("compile", "--all-envs", cwd=layered.root).code == 0
    run = cli("diff", "build/dev/job.json", "build/prod/job.json", cwd=layered.root)
    assert run.code == 1
    assert (
        '+ tags.env: "prod"' in run.out and '~ instanceConfig.instanceType: "ml.m5.large" -> "ml.c5.xlarge"' in run.out
    )
    assert run.out.splitlines()[-1].endswith("difference(s)")
    run = cli("diff", "specs/job.yaml", cwd=layered.root)  # build/job.json was never written
    assert run.code == 1 and "--- build/job.json (missing)" in run.out and "+ jobName:" in run.out
    assert cli("diff", "build/dev/job.json", cwd=layered.root).code == 2
    run = cli("diff", "build/dev/job.manifest.json", "build/prod/job.json", cwd=layered.root)
    assert run.code == 1 and "E804 not a CreateJob request" in run.err


def test_diff_against_a_live_job(layered: Repo, cli: Any, braket: Any) -> None:
    run = cli("compile", "specs/job.yaml", "-o", "-", cwd=layered.root)
    job = braket.add_job(json.loads(run.out), status="RUNNING")
    live = ("--job", job.arn, "--braket-endpoint-url", braket.url)
    run = cli("diff", "specs/job.yaml", *live, cwd=layered.root)
    assert run.code == 0, run.out + run.err
    assert "(not compared: clientToken: the live job does not return them)" in run.out
    assert run.out.splitlines()[-1] == "no differences"
    assert [c.op for c in braket.calls] == ["GetJob"]
    layered.write("specs/job.yaml", layered.read("specs/job.yaml").replace("shots: 1000", "shots: 5"))
    run = cli("diff", "specs/job.yaml", *live, "--format", "json", cwd=layered.root)
    changes = {c["pointer"]: c for c in json.loads(run.out)["changes"]}
    assert run.code == 1
    assert changes["/hyperParameters/shots"]["old"] == "1000" and changes["/hyperParameters/shots"]["new"] == "5"
    assert "/clientToken" not in changes
    assert json.loads(run.out)["not_compared"] == ["clientToken"]


def test_live_job_errors(layered: Repo, cli: Any, braket: Any) -> None:
    missing = "arn:aws:braket:us-west-2:123456789012:job/0000"
    run = cli("diff", "specs/job.yaml", "--job", missing, "--braket-endpoint-url", braket.url, cwd=layered.root)
    assert run.code == 1 and "E627" in run.err
    assert cli("diff", "specs/job.yaml", "--job", "not-an-arn", cwd=layered.root).code == 2
    assert cli("diff", "a.json", "b.json", "--job", missing, cwd=layered.root).code == 2
