"""Deploys that meet a broken network or a busy service: retried, resumed, never doubled."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .support import aws_environment, make_project

INPUTS = {"a.csv": b"1\n", "b.csv": b"2\n", "c.csv": b"3\n"}


def object_puts(proxy: Any) -> list[str]:
    """Object PUTs answered 200 (the bucket creation, a PUT of the bucket itself, left out)."""
    return [p for p in proxy.puts() if p.count("/") > 1]


def test_an_upload_dropped_halfway_is_finished_by_a_rerun_without_uploading_twice(
    project: Any, cli: Any, deploy: Any
) -> None:
    build = make_project(project, cli, inputs=INPUTS)
    # The connection drops halfway through the body of b.csv, on every attempt: the network is gone.
    deploy.proxy.fail(lambda method, path, query: method == "PUT" and path.endswith("/b.csv"), "half", count=None)

    broken = deploy(str(build), "--max-attempts", "2", cwd=project.root)

    assert broken.code == 1
    assert "E614" in broken.err and "Traceback" not in broken.err
    assert "2 of 4 upload(s) done; no job was created" in broken.err
    assert deploy.braket.calls == []
    attempts = [s for s in deploy.proxy.seen if s.method == "PUT" and s.path.endswith("/b.csv")]
    assert len(attempts) == 2 and all(s.status == 0 for s in attempts)  # sent twice, never finished

    deploy.proxy.heal()
    fixed = deploy(str(build), cwd=project.root)

    assert fixed.code == 0, fixed.err
    done = collections.Counter(object_puts(deploy.proxy))
    assert len(done) == 4 and set(done.values()) == {1}  # every object finished exactly once, over both runs
    assert fixed.err.count("unchanged") == 2 and fixed.err.count("uploaded ") == 2
    assert len(deploy.braket.jobs) == 1


def test_a_multipart_upload_cut_off_after_its_first_part_leaves_nothing_behind(
    project: Any, cli: Any, deploy: Any, s3: Any
) -> None:
    big = os.urandom(11 * 1024 * 1024)
    build = make_project(project, cli, inputs={"big.bin": big})
    deploy.proxy.fail(lambda method, path, query: method == "PUT" and "partNumber=2" in query, "drop", count=None)

    broken = deploy(str(build), "--part-size", "5", "--max-attempts", "2", cwd=project.root)

    assert broken.code == 1 and "E614" in broken.err
    [bucket] = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []  # aborted, not left to bill
    deploy.proxy.heal()
    fixed = deploy(str(build), "--part-size", "5", cwd=project.root)
    assert fixed.code == 0, fixed.err
    [key] = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"] if o["Key"].endswith("big.bin")]
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == big


def test_throttled_calls_are_retried_by_botocore(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli, inputs=INPUTS)
    deploy.braket.inject("CreateJob", count=2, status=429, code="ThrottlingException", message="Rate exceeded")
    deploy.proxy.fail(
        lambda method, path, query: method == "PUT" and path.endswith("/a.csv"),
        "status",
        1,
        status=503,
        code="SlowDown",
    )

    result = deploy(str(build), cwd=project.root)

    assert result.code == 0, result.err
    assert [c.status for c in deploy.braket.calls_of("CreateJob")] == [429, 429, 201]
    assert [s.status for s in deploy.proxy.seen if s.path.endswith("/a.csv") and s.method == "PUT"] == [503, 200]
    assert len(deploy.braket.jobs) == 1


def test_throttling_that_outlasts_the_retries_is_an_error_and_a_rerun_creates_one_job(
    project: Any, cli: Any, deploy: Any
) -> None:
    build = make_project(project, cli)
    deploy.braket.inject("CreateJob", count=3, status=429, code="ThrottlingException", message="Rate exceeded")

    throttled = deploy(str(build), "--max-attempts", "3", cwd=project.root)
    again = deploy(str(build), cwd=project.root)

    assert throttled.code == 1
    assert "E613 throttled (calling braket:CreateJob): Rate exceeded" in throttled.err
    assert "Traceback" not in throttled.err
    assert again.code == 0 and len(deploy.braket.jobs) == 1


def test_server_errors_are_retried(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)
    deploy.braket.inject("CreateJob", count=2, status=500, code="InternalServiceException")

    result = deploy(str(build), cwd=project.root)

    assert result.code == 0, result.err
    assert [c.status for c in deploy.braket.calls_of("CreateJob")] == [500, 500, 201]


def test_a_lost_createjob_response_is_retried_with_the_same_token_and_makes_one_job(
    project: Any, cli: Any, deploy: Any
) -> None:
    build = make_project(project, cli)
    deploy.braket.inject("CreateJob", count=1, drop=True)  # the job is made, the answer never arrives

    result = deploy(str(build), cwd=project.root)

    calls = deploy.braket.calls_of("CreateJob")
    assert result.code == 0, result.err
    assert [c.status for c in calls] == [0, 201]
    assert calls[0].token == calls[1].token
    [job] = deploy.braket.jobs.values()
    assert result.out == f"{job.arn}\n"


def test_when_every_response_is_lost_a_rerun_reports_the_job_that_was_made(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)
    deploy.braket.inject("CreateJob", count=2, drop=True)

    lost = deploy(str(build), "--max-attempts", "2", cwd=project.root)
    rerun = deploy(str(build), cwd=project.root)

    assert lost.code == 1 and "E614" in lost.err and "clientToken" in lost.err
    [job] = deploy.braket.jobs.values()  # made by the first attempt
    assert rerun.code == 0 and rerun.out == f"{job.arn}\n"
    assert len(deploy.braket.jobs) == 1


def test_two_processes_deploying_the_same_artifact_at_once_make_one_job(
    project: Any, cli: Any, deploy: Any, tmp_path: Path
) -> None:
    build = make_project(project, cli, inputs=INPUTS)
    env = aws_environment(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    command = [sys.executable, "-m", "braket_jobspec", "deploy", str(build), *deploy.endpoints()]

    runs = [
        subprocess.Popen(command, cwd=project.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in runs]

    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    [job] = deploy.braket.jobs.values()
    assert [out for _, out, _ in results] == [f"{job.arn}\n"] * 2
    assert len(deploy.braket.calls_of("CreateJob")) == 2
