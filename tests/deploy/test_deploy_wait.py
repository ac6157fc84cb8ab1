"""`deploy --wait`: status changes, the job's CloudWatch log lines (moto's logs), an exit code from the end."""

from __future__ import annotations

import time
from typing import Any

import boto3

from braket_jobspec.deploy.watch import LOG_GROUP, Backoff, Followed, Watcher

from .support import COMPILE_CONTEXT, REGION, make_project

FAST = ["--poll-interval", "0.02", "--max-poll-interval", "0.1", "--wait-timeout", "30"]


def write_logs(logs: Any, lines_by_status: dict[str, list[str]]) -> Any:
    """A hook for the Braket service: on a status change, the job's container 'writes' these lines."""
    logs.create_log_group(logGroupName=LOG_GROUP)

    def on_status(job: Any, status: str) -> None:
        lines = lines_by_status.get(status)
        if not lines:
            return
        stream = f"{job.request['jobName']}/algo-1-1700000000"
        if status == "RUNNING":
            logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
        now = int(time.time() * 1000)
        logs.put_log_events(
            logGroupName=LOG_GROUP,
            logStreamName=stream,
            logEvents=[{"timestamp": now + i, "message": line} for i, line in enumerate(lines)],
        )

    return on_status


def test_wait_follows_a_job_to_completion_and_prints_its_logs(project: Any, cli: Any, deploy: Any, logs: Any) -> None:
    build = make_project(project, cli)
    deploy.braket.lifecycle = ["QUEUED", "RUNNING", "RUNNING", "RUNNING", "COMPLETED"]
    deploy.braket.on_status = write_logs(
        logs, {"RUNNING": ["starting", "epoch 1 loss 0.5"], "COMPLETED": ["epoch 2 loss 0.1", "done"]}
    )

    result = deploy(str(build), "--wait", *FAST, cwd=project.root)

    assert result.code == 0, result.err
    [job] = deploy.braket.jobs.values()
    assert result.out == f"{job.arn}\nstarting\nepoch 1 loss 0.5\nepoch 2 loss 0.1\ndone\n"
    statuses = [line.rsplit(": ", 1)[-1] for line in result.err.splitlines() if job.request["jobName"] + ": " in line]
    assert statuses[-3:] == ["QUEUED", "RUNNING", "COMPLETED"]


def test_wait_exits_1_when_the_job_fails_and_shows_why(project: Any, cli: Any, deploy: Any, logs: Any) -> None:
    build = make_project(project, cli)
    deploy.braket.lifecycle = ["RUNNING", "FAILED"]
    deploy.braket.on_status = write_logs(logs, {"RUNNING": ["Traceback: ZeroDivisionError"]})

    result = deploy(str(build), "--wait", *FAST, cwd=project.root)

    assert result.code == 1
    assert "E625" in result.err and "ended FAILED: AlgorithmError" in result.err
    assert "ZeroDivisionError" in result.out


def test_wait_gives_up_after_the_timeout_and_leaves_the_job_running(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)  # the job stays QUEUED

    started = time.monotonic()
    result = deploy(str(build), "--wait", "--poll-interval", "0.05", "--wait-timeout", "0.5", cwd=project.root)

    assert result.code == 1 and "E626" in result.err and "still QUEUED" in result.err
    assert time.monotonic() - started < 10
    assert [j.status for j in deploy.braket.jobs.values()] == ["QUEUED"]


def test_polls_back_off_while_nothing_changes_and_start_over_after_a_change(braket: Any) -> None:
    job = braket.add_job(
        {"jobName": "j", "deviceConfig": {"device": "local:braket/braket_sv"}},
        status="QUEUED",
    )
    job.lifecycle = ["QUEUED", "QUEUED", "QUEUED", "QUEUED", "RUNNING", "RUNNING", "RUNNING", "COMPLETED"]
    client = boto3.client("braket", region_name=REGION, endpoint_url=braket.url)
    sleeps: list[float] = []

    class NoLogs:
        def get_paginator(self, name: str) -> Any:
            raise AssertionError("logs are not read in this test")

    watcher = Watcher(client, NoLogs(), _Sink(), _Sink(), Backoff(1.0, 4.0), sleep=sleeps.append)
    followed = Followed(job.arn, "j", logs_readable=False)

    assert watcher.follow([followed]) is True
    assert followed.status == "COMPLETED"
    # QUEUED (new) 1, same 2, 4, 4, RUNNING (new) 1, same 2, 4, then COMPLETED
    assert sleeps == [1.0, 2.0, 4.0, 4.0, 1.0, 2.0, 4.0]


def test_backoff_doubles_up_to_its_cap() -> None:
    backoff = Backoff(5, 60)
    assert [backoff.next(i, False) for i in (5, 10, 20, 40, 60)] == [10, 20, 40, 60, 60]
    assert backoff.next(40, True) == 5


class _Sink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


def test_json_output_stays_json_while_waiting(project: Any, cli: Any, deploy: Any, logs: Any) -> None:
    import json

    build = make_project(project, cli)
    deploy.braket.lifecycle = ["RUNNING", "COMPLETED"]
    deploy.braket.on_status = write_logs(logs, {"RUNNING": ["a log line"]})

    result = deploy(str(build), "--wait", "--format", "json", *FAST, cwd=project.root)

    assert result.code == 0, result.err
    [job] = json.loads(result.out)["jobs"]
    assert job["status"] == "COMPLETED" and job["how"] == "created"
    assert json.loads(result.err)["diagnostics"] == []


def test_jobs_of_two_regions_are_each_followed_in_their_own_region(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)
    project.write(
        "specs/qpu.yaml",
        "device: arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1\nsource_module: ../algo\n"
        "entry_point: algo.run:main\njob_name: on-the-qpu\n",
    )
    assert cli("compile", "specs", "-o", "build", *COMPILE_CONTEXT, cwd=project.root).code == 0
    deploy.braket.lifecycle = ["RUNNING", "COMPLETED"]

    result = deploy(str(build), "build/qpu.json", "--wait", *FAST, cwd=project.root)

    assert result.code == 0, result.err
    regions = sorted(job.arn.split(":")[3] for job in deploy.braket.jobs.values())
    assert regions == ["us-east-1", "us-west-2"]
    assert all(job.status == "COMPLETED" for job in deploy.braket.jobs.values())
    assert result.out.splitlines() == [job.arn for job in deploy.braket.jobs.values()]
