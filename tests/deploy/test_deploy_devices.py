"""`deploy --check-devices` and the device line of `status`, against the local Braket endpoint's GetDevice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .support import COMPILE_CONTEXT, make_project

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"  # the device of make_project's spec
FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"


def compile_specs(project: Any, cli: Any, devices: dict[str, str]) -> dict[str, Path]:
    """One spec (and job) per name, each naming its device, compiled into build/: name -> build/<name>.json."""
    project.write("algo/__init__.py", "")
    project.write("algo/run.py", "def main():\n    pass\n")
    for name, device in devices.items():
        project.write(
            f"specs/{name}.yaml",
            f"device: {device}\nsource_module: ../algo\nentry_point: algo.run:main\njob_name: {name}\n",
        )
    result = cli("compile", "specs", "-o", "build", *COMPILE_CONTEXT, cwd=project.root)
    assert result.code == 0, result.err
    return {name: project.root / "build" / f"{name}.json" for name in devices}


def assert_nothing_uploaded_or_created(deploy: Any, s3: Any) -> None:
    assert deploy.proxy.puts(status=None) == []
    assert s3.list_buckets()["Buckets"] == []  # not even the default bucket
    assert deploy.braket.calls_of("CreateJob") == [] and deploy.braket.jobs == {}


def test_an_online_device_is_asked_once_then_the_job_deploys(project: Any, cli: Any, deploy: Any) -> None:
    deploy.braket.add_device(SV1, "ONLINE", type="SIMULATOR", name="SV1")
    build = make_project(project, cli)

    result = deploy(str(build), "--check-devices", cwd=project.root)

    assert result.code == 0, result.err
    [job] = deploy.braket.jobs.values()
    assert result.out == f"{job.arn}\n"
    [asked] = deploy.braket.calls_of("GetDevice")
    assert (asked.target, asked.region, asked.status) == (SV1, "us-west-2", 200)
    # Asked before anything was sent to S3 or CreateJob.
    assert [c.op for c in deploy.braket.calls] == ["GetDevice", "CreateJob"]
    assert f"device {SV1} (Amazon Braket SV1) in us-west-2: ONLINE" in result.err


@pytest.mark.parametrize(
    ("status", "reason", "code", "said"),
    [
        ("OFFLINE", "OUTSIDE_AVAILABILITY_WINDOW", "E631", "is OFFLINE (OUTSIDE_AVAILABILITY_WINDOW), not ONLINE"),
        ("PAUSED", "", "E631", "is PAUSED, not ONLINE"),
        ("RETIRED", "", "E632", "is RETIRED: it takes no new jobs"),
    ],
)
def test_a_device_that_is_not_online_stops_the_deploy_before_any_upload(
    project: Any, cli: Any, deploy: Any, s3: Any, status: str, reason: str, code: str, said: str
) -> None:
    deploy.braket.add_device(FORTE, status, provider="IonQ", name="Forte-1", reason=reason)
    build = compile_specs(project, cli, {"qpu": FORTE})["qpu"]

    result = deploy(str(build), "--check-devices", cwd=project.root)

    assert result.code == 1
    assert f"{code} device {FORTE} (IonQ Forte-1) {said}" in result.err
    assert "nothing was uploaded or created" in result.err
    assert "Traceback" not in result.err
    # The QPU's ARN names its region: it was asked there, where the job would run.
    assert [(c.op, c.region) for c in deploy.braket.calls] == [("GetDevice", "us-east-1")]
    assert_nothing_uploaded_or_created(deploy, s3)


def test_an_unknown_device_stops_the_deploy(project: Any, cli: Any, deploy: Any, s3: Any) -> None:
    build = make_project(project, cli)  # SV1, which this endpoint was not told of

    result = deploy(str(build), "--check-devices", "--format", "json", cwd=project.root)

    assert result.code == 1
    [found] = json.loads(result.err)["diagnostics"]  # JSON: the diagnostics on stderr, for tools
    assert (found["code"], found["pointer"]) == ("E633", "/deviceConfig/device")
    assert found["file"].endswith("build/job.json")
    assert [job["jobArn"] for job in json.loads(result.out)["jobs"]] == [None]
    assert [c.status for c in deploy.braket.calls_of("GetDevice")] == [404]  # not retried: an answer
    assert_nothing_uploaded_or_created(deploy, s3)


def test_an_unknown_device_is_named_with_its_region(project: Any, cli: Any, deploy: Any, s3: Any) -> None:
    build = make_project(project, cli)

    result = deploy(str(build), "--check-devices", cwd=project.root)

    assert result.code == 1
    assert f"E633 no device {SV1} in us-west-2: Braket device {SV1} not found in us-west-2." in result.err
    assert_nothing_uploaded_or_created(deploy, s3)


def test_a_local_device_is_not_asked(project: Any, cli: Any, deploy: Any) -> None:
    build = compile_specs(project, cli, {"local": "local:braket/braket_sv"})["local"]

    result = deploy(str(build), "--check-devices", cwd=project.root)

    assert result.code == 0, result.err
    assert deploy.braket.calls_of("GetDevice") == []
    assert len(deploy.braket.calls_of("CreateJob")) == 1


def test_two_jobs_on_one_device_ask_once_and_each_refused_job_is_named(
    project: Any, cli: Any, deploy: Any, s3: Any
) -> None:
    deploy.braket.add_device(FORTE, "RETIRED", provider="IonQ", name="Forte-1")
    builds = compile_specs(project, cli, {"first": FORTE, "second": FORTE, "local": "local:braket/braket_sv"})

    result = deploy(*map(str, builds.values()), "--check-devices", cwd=project.root)

    assert result.code == 1
    assert len(deploy.braket.calls_of("GetDevice")) == 1
    # Each artifact to change gets its own diagnostic; the local job alone gets none.
    assert result.err.count("E632") == 2
    assert "first.json" in result.err and "second.json" in result.err and "local.json" not in result.err
    assert_nothing_uploaded_or_created(deploy, s3)


def test_two_jobs_on_one_online_device_ask_once_and_both_deploy(project: Any, cli: Any, deploy: Any) -> None:
    deploy.braket.add_device(SV1, type="SIMULATOR", name="SV1")
    builds = compile_specs(project, cli, {"first": SV1, "second": SV1})

    result = deploy(*map(str, builds.values()), "--check-devices", cwd=project.root)

    assert result.code == 0, result.err
    assert len(deploy.braket.calls_of("GetDevice")) == 1
    assert len(deploy.braket.jobs) == 2


def test_without_the_flag_no_device_is_asked(project: Any, cli: Any, deploy: Any) -> None:
    deploy.braket.add_device(SV1, "RETIRED")  # it would refuse, if it were asked
    build = make_project(project, cli)

    result = deploy(str(build), cwd=project.root)

    assert result.code == 0, result.err
    assert deploy.braket.calls_of("GetDevice") == []


def test_a_dry_run_with_the_flag_asks_the_devices_and_fails_where_the_deploy_would(
    project: Any, cli: Any, deploy: Any, s3: Any
) -> None:
    deploy.braket.add_device(SV1, "OFFLINE")
    build = make_project(project, cli)

    refused = deploy(str(build), "--dry-run", "--check-devices", cwd=project.root)
    deploy.braket.add_device(SV1, "ONLINE")
    planned = deploy(str(build), "--dry-run", "--check-devices", cwd=project.root)

    assert refused.code == 1 and "E631" in refused.err and refused.out == ""
    assert planned.code == 0, planned.err
    assert "call    braket:CreateJob" in planned.out
    # GetDevice only: no STS, no S3, no CreateJob.
    assert [c.op for c in deploy.braket.calls] == ["GetDevice", "GetDevice"]
    assert deploy.proxy.seen == []
    assert_nothing_uploaded_or_created(deploy, s3)


def test_a_failing_get_device_is_an_aws_error_and_stops_the_deploy(
    project: Any, cli: Any, deploy: Any, s3: Any
) -> None:
    deploy.braket.add_device(SV1)
    deploy.braket.inject("GetDevice", 5, status=403, code="AccessDeniedException", message="not allowed: GetDevice")
    build = make_project(project, cli)

    result = deploy(str(build), "--check-devices", "--max-attempts", "2", cwd=project.root)

    assert result.code == 1
    assert f"E612 access denied (calling braket:GetDevice for {SV1}): not allowed: GetDevice" in result.err
    assert "Traceback" not in result.err
    assert_nothing_uploaded_or_created(deploy, s3)


def test_get_device_throttled_then_answered_is_retried(project: Any, cli: Any, deploy: Any) -> None:
    deploy.braket.add_device(SV1)
    deploy.braket.inject("GetDevice", 1, status=429, code="ThrottlingException")
    build = make_project(project, cli)

    result = deploy(str(build), "--check-devices", cwd=project.root)

    assert result.code == 0, result.err
    assert [c.status for c in deploy.braket.calls_of("GetDevice")] == [429, 200]


def test_status_shows_the_device_and_its_status(project: Any, cli: Any, deploy: Any) -> None:
    deploy.braket.add_device(SV1, "ONLINE", type="SIMULATOR", name="SV1")
    arn = deploy(str(make_project(project, cli)), cwd=project.root).out.strip()
    deploy.braket.add_device(SV1, "OFFLINE", type="SIMULATOR", name="SV1", reason="MAINTENANCE")

    text = deploy.command("status", arn)
    machine = deploy.command("status", arn, "--format", "json")

    assert text.code == 0, text.err
    assert f"device    {SV1} (Amazon Braket SV1): OFFLINE (MAINTENANCE)\n" in text.out
    lines = text.out.splitlines()
    assert lines.index("status    QUEUED") < next(i for i, t in enumerate(lines) if t.startswith("device"))
    answer = json.loads(machine.out)
    assert answer["status"] == "QUEUED"
    assert answer["device"]["deviceArn"] == SV1
    assert answer["device"]["deviceStatus"] == "OFFLINE"
    assert answer["device"]["deviceStatusReason"]["reason"] == "MAINTENANCE"
    assert [(c.op, c.region) for c in deploy.braket.calls_of("GetDevice")] == [("GetDevice", "us-west-2")] * 2


def test_status_shows_an_unknown_device_status_and_still_succeeds(project: Any, cli: Any, deploy: Any) -> None:
    arn = deploy(str(make_project(project, cli)), cwd=project.root).out.strip()
    deploy.braket.inject("GetDevice", 10, status=403, code="AccessDeniedException", message="no GetDevice for you")

    text = deploy.command("status", arn, "--max-attempts", "1")
    machine = deploy.command("status", arn, "--max-attempts", "1", "--format", "json")

    assert text.code == 0 and machine.code == 0, text.err
    assert "status    QUEUED" in text.out
    assert (
        f"device    {SV1}: unknown (braket:GetDevice failed: AccessDeniedException: no GetDevice for you)" in text.out
    )
    assert text.err == "" and "Traceback" not in machine.err
    assert json.loads(machine.out)["device"] == {
        "deviceArn": SV1,
        "deviceStatus": None,
        "error": "AccessDeniedException: no GetDevice for you",
    }
