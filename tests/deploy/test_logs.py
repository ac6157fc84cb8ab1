"""`jobspec logs`: a job's CloudWatch log lines (moto's Logs server), its status from the local Braket endpoint.

A job's container is played by a hook of the Braket service: each GetJob that moves the
job along its lifecycle also writes that step's lines to the job's log streams, so what
appears between two polls is known exactly.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from braket_jobspec.deploy.watch import LOG_GROUP

from .loopback import LoopbackServer
from .support import aws_environment, make_project, request_of

FAST = ["--interval", "0.02"]
SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"


class Container:
    """The service's on_status hook: at the i-th step of a job's lifecycle, batch i of lines, by host."""

    def __init__(self, logs: Any, name: str, batches: list[dict[str, list[str]]]) -> None:
        self.logs, self.name, self.batches = logs, name, batches
        self.streams: set[str] = set()

    def __call__(self, job: Any, status: str) -> None:
        if job.request["jobName"] == self.name and self.batches:
            for host, lines in self.batches.pop(0).items():
                self.write(host, lines)

    def write(self, host: str, lines: list[str]) -> None:
        stream = f"{self.name}/{host}-1700000000"
        if not self.streams:  # the service makes the group with the first job that logs
            with contextlib.suppress(self.logs.exceptions.ResourceAlreadyExistsException):
                self.logs.create_log_group(logGroupName=LOG_GROUP)
        if stream not in self.streams:
            self.logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
            self.streams.add(stream)
        now = int(time.time() * 1000)
        events = [{"timestamp": now + i, "message": line} for i, line in enumerate(lines)]
        self.logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=stream, logEvents=events)


def running_job(braket: Any, logs: Any, name: str, steps: list[tuple[str, dict[str, list[str]]]]) -> Any:
    """A job of that name whose GetJob answers walk through steps: (status, lines written by host)."""
    job = braket.add_job({"jobName": name, "deviceConfig": {"device": SV1}}, status="QUEUED")
    job.lifecycle = [status for status, _ in steps]
    braket.on_status = Container(logs, name, [lines for _, lines in steps])
    return job


def test_the_lines_of_a_finished_job_are_printed_whole(deploy: Any, logs: Any) -> None:
    job = deploy.braket.add_job({"jobName": "done", "deviceConfig": {"device": SV1}}, status="COMPLETED")
    Container(logs, "done", []).write("algo-1", [f"line {i}" for i in range(120)])

    result = deploy.command("logs", job.arn)

    assert result.code == 0, result.err
    assert result.out == "".join(f"line {i}\n" for i in range(120))
    assert len(deploy.braket.calls_of("GetJob")) == 1  # without --follow: asked once, never polled


def test_follow_prints_the_lines_that_come_and_ends_with_the_job(
    project: Any, cli: Any, deploy: Any, logs: Any
) -> None:
    build = make_project(project, cli)
    name = request_of(build)["jobName"]
    running_job(
        deploy.braket,
        logs,
        name,
        [
            ("QUEUED", {}),  # just created: no log group yet
            ("RUNNING", {"algo-1": ["starting"]}),
            ("RUNNING", {}),
            ("RUNNING", {"algo-1": ["epoch 1 loss 0.5"]}),
            ("COMPLETED", {"algo-1": ["epoch 2 loss 0.1", "done"]}),
        ],
    )

    started = time.monotonic()
    result = deploy.command("logs", str(build), "--follow", *FAST)

    assert result.code == 0, result.err
    assert result.out == "starting\nepoch 1 loss 0.5\nepoch 2 loss 0.1\ndone\n"
    assert [line.rsplit(": ", 1)[-1] for line in result.err.splitlines()] == ["QUEUED", "RUNNING", "COMPLETED"]
    assert len(deploy.braket.calls_of("GetJob")) == 5 and len(deploy.braket.calls_of("SearchJobs")) == 1
    assert time.monotonic() - started < 20


def test_follow_of_a_job_that_fails_exits_1_after_its_last_lines(deploy: Any, logs: Any) -> None:
    job = running_job(
        deploy.braket,
        logs,
        "fails",
        [("RUNNING", {"algo-1": ["starting"]}), ("FAILED", {"algo-1": ["Traceback: ZeroDivisionError"]})],
    )

    result = deploy.command("logs", job.arn, "--follow", *FAST)

    assert result.code == 1
    assert result.out == "starting\nTraceback: ZeroDivisionError\n"
    assert f"{job.arn}: E653 the job ended FAILED: AlgorithmError" in result.err
    assert "Traceback (most recent call last)" not in result.err


def test_follow_of_a_cancelled_job_exits_1(deploy: Any, logs: Any) -> None:
    job = running_job(deploy.braket, logs, "stopped", [("RUNNING", {"algo-1": ["a"]}), ("CANCELLING", {})])

    result = deploy.command("logs", job.arn, "--follow", *FAST)  # CANCELLING, then the service says CANCELLED

    assert result.code == 1 and result.out == "a\n"
    assert "E653" in result.err and "ended CANCELLED" in result.err


def test_two_instances_are_interleaved_poll_by_poll_as_deploy_wait_prints_them(
    project: Any, cli: Any, deploy: Any, logs: Any
) -> None:
    steps: list[tuple[str, dict[str, list[str]]]] = [
        ("RUNNING", {"algo-1": ["1: up"], "algo-2": ["2: up"]}),
        ("RUNNING", {"algo-2": ["2: step a"], "algo-1": ["1: step a", "1: step b"]}),
        ("COMPLETED", {"algo-1": ["1: done"], "algo-2": ["2: done"]}),
    ]
    build = make_project(project, cli)
    deploy.braket.lifecycle = [status for status, _ in steps]
    deploy.braket.on_status = Container(logs, request_of(build)["jobName"], [lines for _, lines in steps])
    waited = deploy(str(build), "--wait", "--poll-interval", "0.02", "--wait-timeout", "30", cwd=project.root)
    assert waited.code == 0, waited.err
    deploy.braket.lifecycle = []

    twin = running_job(deploy.braket, logs, "twin", steps)
    followed = deploy.command("logs", twin.arn, "--follow", *FAST)

    assert followed.code == 0, followed.err
    expected = ["1: up", "2: up", "1: step a", "1: step b", "2: step a", "1: done", "2: done"]
    assert followed.out.splitlines() == expected
    assert waited.out.splitlines()[1:] == expected  # after the job's ARN, the same lines in the same order


def test_a_request_that_was_never_deployed(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)

    result = deploy.command("logs", str(build))

    assert result.code == 1
    assert "E650" in result.err and f"not deployed: no job named {request_of(build)['jobName']!r}" in result.err
    assert deploy.braket.calls_of("GetJob") == []


def test_the_newest_job_of_the_request_s_name_is_read(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)
    request = request_of(build)
    deploy.braket.add_job(request, status="COMPLETED")
    time.sleep(0.01)  # createdAt has milliseconds
    newer = deploy.braket.add_job(request, status="FAILED")  # its name used again, as after a deletion

    result = deploy.command("logs", str(build.with_name("job.manifest.json")), "--follow", *FAST)

    assert result.code == 1 and f"job {newer.arn} ended FAILED" in result.err
    assert [c.target for c in deploy.braket.calls_of("GetJob")] == [newer.arn]


def test_a_job_deleted_between_search_jobs_and_get_job(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)
    job = deploy.braket.add_job(request_of(build), status="RUNNING")
    deploy.braket.delete_after_search(job.arn)

    result = deploy.command("logs", str(build), "--follow", *FAST)

    assert result.code == 1
    assert "E652" in result.err and f"SearchJobs listed {job.arn}, but GetJob no longer finds it" in result.err
    assert "Traceback" not in result.err and result.out == ""


def test_an_arn_the_service_does_not_know(deploy: Any) -> None:
    arn = "arn:aws:braket:us-west-2:123456789012:job/no-such-job"

    result = deploy.command("logs", arn)

    assert result.code == 1 and "E652" in result.err and "no such job" in result.err


def test_no_log_group_yet_is_no_lines_yet(deploy: Any) -> None:
    job = deploy.braket.add_job({"jobName": "new", "deviceConfig": {"device": SV1}}, status="QUEUED")

    result = deploy.command("logs", job.arn)

    assert result.code == 0, result.err
    assert result.out == "" and "new: no log lines yet (QUEUED)" in result.err


class ThrottlingLogs(LoopbackServer):
    """CloudWatch Logs as moto serves it, except that the next `throttle[op]` calls of op are throttled."""

    def __init__(self, upstream: str, throttle: dict[str, int]) -> None:
        host, port = upstream.rsplit("/", 1)[-1].split(":")
        self.upstream = (host, int(port))
        self.throttle = throttle
        self.answered: list[tuple[str, int]] = []  # (operation, status)
        self.lock = threading.Lock()


class _Throttler(BaseHTTPRequestHandler):
    owner: ThrottlingLogs
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        op = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
        front = self.owner
        with front.lock:
            throttled = front.throttle.get(op, 0) > 0
            if throttled:
                front.throttle[op] -= 1
        if throttled:  # as CloudWatch Logs answers over its JSON protocol
            status, data = 400, b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'
            headers = [("Content-Type", "application/x-amz-json-1.1")]
        else:
            upstream = http.client.HTTPConnection(*front.upstream, timeout=30)
            try:
                upstream.request("POST", self.path, body, {k: v for k, v in self.headers.items()})
                answer = upstream.getresponse()
                status, data = answer.status, answer.read()
                headers = [(k, v) for k, v in answer.getheaders() if k.lower() in ("content-type", "x-amzn-requestid")]
            finally:
                upstream.close()
        with front.lock:
            front.answered.append((op, status))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


ThrottlingLogs.handler = _Throttler


@pytest.fixture
def throttling(moto: str) -> Iterator[ThrottlingLogs]:
    front = ThrottlingLogs(moto, {}).start()
    yield front
    front.stop()


def test_throttled_logs_calls_are_retried(cli: Any, braket: Any, logs: Any, throttling: ThrottlingLogs) -> None:
    job = braket.add_job({"jobName": "busy", "deviceConfig": {"device": SV1}}, status="COMPLETED")
    Container(logs, "busy", []).write("algo-1", ["one", "two"])
    throttling.throttle.update(DescribeLogStreams=1, GetLogEvents=2)

    result = cli("logs", job.arn, "--endpoint-url", throttling.url, "--braket-endpoint-url", braket.url)

    assert result.code == 0, result.err
    assert result.out == "one\ntwo\n"
    assert [status for _, status in throttling.answered].count(400) == 3


def test_logs_throttled_past_the_retries_is_an_error(
    cli: Any, braket: Any, logs: Any, throttling: ThrottlingLogs
) -> None:
    job = braket.add_job({"jobName": "busy", "deviceConfig": {"device": SV1}}, status="COMPLETED")
    Container(logs, "busy", []).write("algo-1", ["one"])
    throttling.throttle.update(DescribeLogStreams=100)

    endpoints = ["--endpoint-url", throttling.url, "--braket-endpoint-url", braket.url]
    result = cli("logs", job.arn, "--max-attempts", "2", *endpoints)

    assert result.code == 1
    assert "E613" in result.err and "throttled (reading its logs" in result.err and "Traceback" not in result.err


def test_what_job_is_not(project: Any, cli: Any, deploy: Any) -> None:
    nowhere = deploy.command("logs", str(project.root / "build" / "nothing.json"))
    no_region = deploy.command("logs", "arn:aws:braket:::job/x")
    project.write("build/odd.json", '{"not": "a request"}')
    odd = deploy.command("logs", str(project.root / "build" / "odd.json"))
    bad_interval = deploy.command("logs", "arn:aws:braket:us-west-2:123456789012:job/x", "--interval", "0")

    assert nowhere.code == 1 and "E651 no such file; JOB is a job ARN or a compiled request" in nowhere.err
    assert no_region.code == 2 and "is not a job ARN" in no_region.err
    assert odd.code == 1 and "E651" in odd.err and "no jobName" in odd.err
    assert bad_interval.code == 2 and "--interval must be positive" in bad_interval.err
    assert deploy.braket.calls == []


def test_ctrl_c_stops_following_without_a_traceback(deploy: Any, logs: Any, tmp_path: Path) -> None:
    job = deploy.braket.add_job({"jobName": "long", "deviceConfig": {"device": SV1}}, status="RUNNING")
    Container(logs, "long", []).write("algo-1", ["working"])
    env = aws_environment(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    command = [sys.executable, "-m", "braket_jobspec", "logs", job.arn, "--follow", *FAST, *deploy.endpoints()]
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], 30)
            assert ready and process.stdout.readline() == "working\n"  # following now: the job stays RUNNING
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=30)
        finally:
            process.kill()  # a no-op once it ended; otherwise leaving the block would wait for ever

    assert process.returncode == 130, err
    assert "Traceback" not in err and "the job keeps running" in err
    assert deploy.braket.jobs[job.arn].status == "RUNNING"
