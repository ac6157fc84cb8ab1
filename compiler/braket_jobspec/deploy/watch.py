"""Following jobs after CreateJob: GetJob with backoff, status changes, the CloudWatch log tail.

The log group and stream names are those the Braket service writes a job's container
output to: group /aws/braket/jobs, streams <jobName>/<host>-<timestamp>.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any, TextIO

LOG_GROUP = "/aws/braket/jobs"
TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
LOG_PAGES_PER_POLL = 50  # bounds one drain of a chatty stream; the rest comes next poll


@dataclasses.dataclass
class Followed:
    arn: str
    name: str
    status: str = ""
    failure: str = ""
    tokens: dict[str, str] = dataclasses.field(default_factory=dict)  # log stream -> next token
    logs_readable: bool = True
    logs_error: BaseException | None = None  # why its logs could not be read (`jobspec logs` reports it)
    lines: int = 0  # log lines printed so far
    braket: Any = None  # the clients of the job's region (default: the watcher's)
    logs: Any = None


@dataclasses.dataclass(frozen=True)
class Backoff:
    """Poll intervals: from first, doubling while nothing changes, never above most."""

    first: float = 5.0
    most: float = 60.0

    def next(self, current: float, changed: bool) -> float:
        return self.first if changed else min(self.most, current * 2)


class Watcher:
    def __init__(
        self,
        braket: Any,
        logs: Any,
        out: TextIO,
        err: TextIO,
        backoff: Backoff,
        timeout: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.braket = braket
        self.logs = logs
        self.out = out
        self.err = err
        self.backoff = backoff
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep

    def follow(self, jobs: list[Followed]) -> bool:
        """Until every job ends (True) or the timeout passes (False); statuses land in jobs."""
        from braket_jobspec.deploy.aws import aws_errors

        prefix = len(jobs) > 1
        deadline = None if self.timeout is None else self.clock() + self.timeout
        interval = self.backoff.first
        while True:
            changed = False
            for job in jobs:
                if job.status in TERMINAL:
                    continue
                try:
                    answer = (job.braket or self.braket).get_job(jobArn=job.arn)
                except aws_errors() as exc:  # retries are botocore's; keep following after a bad poll
                    self.err.write(f"jobspec: {job.name}: GetJob failed, retrying: {exc}\n")
                    continue
                status = str(answer["status"])
                if status != job.status:
                    changed = True
                    job.status = status
                    job.failure = str(answer.get("failureReason") or "")
                    self.err.write(f"jobspec: {job.name}: {status}{_detail(answer)}\n")
                self.tail(job, prefix)
            if all(j.status in TERMINAL for j in jobs):
                for job in jobs:  # the last lines may land after the status changed
                    self.tail(job, prefix)
                return True
            interval = self.backoff.next(interval, changed)
            if deadline is not None:
                remaining = deadline - self.clock()
                if remaining <= 0:
                    return False
                self.sleep(min(interval, remaining))
            else:
                self.sleep(interval)

    def tail(self, job: Followed, prefix: bool) -> int:
        """Print the log lines written since the last call, stream by stream; how many were printed."""
        from braket_jobspec.deploy.aws import aws_errors, error_code

        before = job.lines
        if not job.logs_readable:
            return 0
        try:
            logs = job.logs or self.logs
            for stream in self._streams(logs, job.name):
                self._drain(logs, job, stream, prefix)
        except aws_errors() as exc:
            # ResourceNotFoundException: no log group or stream yet, the job has not started
            if error_code(exc) != "ResourceNotFoundException":
                job.logs_readable = False
                job.logs_error = exc
                self.err.write(f"jobspec: {job.name}: cannot read its logs ({exc}); following the status only\n")
        return job.lines - before

    def _streams(self, logs: Any, name: str) -> list[str]:
        names: list[str] = []
        pages = logs.get_paginator("describe_log_streams").paginate(
            logGroupName=LOG_GROUP, logStreamNamePrefix=f"{name}/"
        )
        for page in pages:
            names += [s["logStreamName"] for s in page.get("logStreams", [])]
        return sorted(names)

    def _drain(self, logs: Any, job: Followed, stream: str, prefix: bool) -> None:
        for _ in range(LOG_PAGES_PER_POLL):
            kwargs: dict[str, Any] = {"logGroupName": LOG_GROUP, "logStreamName": stream, "startFromHead": True}
            token = job.tokens.get(stream)
            if token:
                kwargs["nextToken"] = token
            page = logs.get_log_events(**kwargs)
            for event in page.get("events", []):
                line = str(event.get("message", "")).rstrip("\n")
                self.out.write(f"[{job.name}] {line}\n" if prefix else f"{line}\n")
                job.lines += 1
            self.out.flush()
            following = page.get("nextForwardToken")
            if not following or following == token:
                return
            job.tokens[stream] = following
            if not page.get("events"):
                return


def _detail(answer: dict[str, Any]) -> str:
    if answer.get("failureReason"):
        return f": {answer['failureReason']}"
    queue = answer.get("queueInfo") or {}
    if queue.get("position"):
        return f" (queue {queue.get('queue', '')}, position {queue['position']})"
    return ""


def summary(answer: dict[str, Any]) -> str:
    """`jobspec status`: a GetJob answer, the parts people look at first."""
    rows = [
        ("job", answer.get("jobName")),
        ("arn", answer.get("jobArn")),
        ("status", answer.get("status")),
        ("failure", answer.get("failureReason")),
        ("device", (answer.get("deviceConfig") or {}).get("device")),
        ("instance", _instance(answer.get("instanceConfig") or {})),
        ("created", answer.get("createdAt")),
        ("started", answer.get("startedAt")),
        ("ended", answer.get("endedAt")),
        ("billable", f"{answer['billableDuration']} ms" if answer.get("billableDuration") is not None else None),
        ("queue", _queue(answer.get("queueInfo") or {})),
        ("output", (answer.get("outputDataConfig") or {}).get("s3Path")),
    ]
    lines = [f"{label:<9} {value}" for label, value in rows if value not in (None, "")]
    events = answer.get("events") or []
    if events:
        lines.append("events")
        for event in events[-5:]:
            message = f"  {event.get('message')}" if event.get("message") else ""
            lines.append(f"  {event.get('timeOfEvent')}  {event.get('eventType')}{message}")
    return "\n".join(lines) + "\n"


def _instance(config: dict[str, Any]) -> str | None:
    if not config:
        return None
    return f"{config.get('instanceCount', 1)} x {config.get('instanceType')}, {config.get('volumeSizeInGb')} GB"


def _queue(info: dict[str, Any]) -> str | None:
    if not info:
        return None
    text = f"{info.get('queue')} position {info.get('position')}"
    return f"{text} ({info['message']})" if info.get("message") else text
