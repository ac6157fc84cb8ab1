"""`jobspec status` over compiled jobs: what became of each request in build/.

A compiled request names its job (jobName: the spec's job_name, or one derived from the
content, so the same request always has the same name) and its region (the manifest's
context). The deployed job is found by that name. It is matched by its request, not by
its clientToken: GetJob does not answer the token (botocore's braket model has no such
member), so a job is this request's when its request fields (sdk.fields.COMPARED) are the
compiled ones, as deploy judges after a ConflictException (jobs.same_job). A job of that
name with other fields is "deployed differently".

The calls: one SearchJobs pass per region, whose summaries are matched to every compiled
name of that region at once (per-name filters would cost a pass per job), then GetJob for
each job found (with the QueueInfo attribute for QUEUED ones, the only ones with a queue
position). A job listed by SearchJobs and gone by GetJob is not deployed.

The pure part (named, row_of, the renderers) takes answers and gives rows; Survey and
watch make the calls.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from braket_jobspec.artifact import MANIFEST_SUFFIX, load
from braket_jobspec.deploy.aws import aws_errors, describe, error_code, error_message
from braket_jobspec.deploy.jobs import SEARCH_PAGES, differences, same_job
from braket_jobspec.deploy.watch import TERMINAL
from braket_jobspec.diagnostics import Diagnostic

NOT_DEPLOYED = "not deployed"
DIFFERENT = "deployed differently"
UNKNOWN = "unknown"  # a call failed: the diagnostics say which and why
# Rows --watch no longer waits for: ended jobs, and jobs that are not (this request's) deployed jobs.
SETTLED = TERMINAL | {NOT_DEPLOYED, DIFFERENT}
TRANSIENT = frozenset({"E613", "E614"})  # throttled, network or server: --watch tries again next refresh
REASON_WIDTH = 60  # the text table's failure reasons are cut here; JSON has them whole

COLUMNS = ("PATH", "JOB", "STATE", "QUEUE", "CREATED", "STARTED", "ENDED", "BILLABLE", "REASON")


@dataclasses.dataclass(frozen=True)
class Compiled:
    """A compiled request as status needs it: where it is, where it goes, what it asks."""

    display: str
    region: str
    request: dict[str, Any]

    @property
    def job_name(self) -> str:
        return str(self.request["jobName"])


@dataclasses.dataclass(frozen=True)
class Row:
    path: str
    region: str
    job_name: str
    state: str
    job_arn: str | None = None
    queue: str | None = None
    queue_position: str | None = None
    queue_message: str | None = None
    created: Any = None  # datetimes as botocore parses them
    started: Any = None
    ended: Any = None
    billable: int | None = None  # billableDuration: milliseconds
    failure: str | None = None
    differs: tuple[str, ...] = ()  # DIFFERENT: the request fields in which that job differs
    error: str | None = None  # UNKNOWN: the call that failed

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "region": self.region,
            "jobName": self.job_name,
            "state": self.state,
            "jobArn": self.job_arn,
            "queue": self.queue,
            "queuePosition": self.queue_position,
            "queueMessage": self.queue_message,
            "createdAt": _iso(self.created),
            "startedAt": _iso(self.started),
            "endedAt": _iso(self.ended),
            "billableDuration": self.billable,
            "failureReason": self.failure,
            "differs": list(self.differs),
            "error": self.error,
        }


# -- the pure part -----------------------------------------------------------------------


def named(pages: Iterable[dict[str, Any]], names: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """SearchJobs answers -> the summaries of each wanted name, newest first (names absent: none found)."""
    wanted = set(names)
    found: dict[str, list[dict[str, Any]]] = {}
    for page in pages:
        for summary in page.get("jobs", []):
            if summary.get("jobName") in wanted:
                found.setdefault(str(summary["jobName"]), []).append(summary)
    for summaries in found.values():
        summaries.sort(key=lambda s: s["createdAt"], reverse=True)
    return found


def row_of(job: Compiled, answers: Sequence[dict[str, Any]]) -> Row:
    """The row of a compiled job, from the GetJob answers of the jobs of its name (newest first)."""
    for answer in answers:
        if same_job(answer, job.request):
            return deployed(job, answer)
    if answers:
        other = answers[0]
        return Row(
            job.display,
            job.region,
            job.job_name,
            DIFFERENT,
            job_arn=str(other["jobArn"]),
            created=other.get("createdAt"),
            differs=tuple(differences(other, job.request)),
        )
    return Row(job.display, job.region, job.job_name, NOT_DEPLOYED)


def deployed(job: Compiled, answer: dict[str, Any]) -> Row:
    queue = answer.get("queueInfo") or {}
    # Past the queue the service answers the position "None" (a string) with a message saying so.
    position = queue.get("position")
    queued = position not in (None, "", "None")
    return Row(
        job.display,
        job.region,
        job.job_name,
        str(answer.get("status") or UNKNOWN),
        job_arn=str(answer["jobArn"]),
        queue=str(queue["queue"]) if queued and queue.get("queue") else None,
        queue_position=str(position) if queued else None,
        queue_message=str(queue["message"]) if queued and queue.get("message") else None,
        created=answer.get("createdAt"),
        started=answer.get("startedAt"),
        ended=answer.get("endedAt"),
        billable=int(answer["billableDuration"]) if answer.get("billableDuration") is not None else None,
        failure=str(answer["failureReason"]) if answer.get("failureReason") else None,
    )


def unknown(job: Compiled, exc: BaseException, arn: str | None = None) -> Row:
    why = f"{error_code(exc) or type(exc).__name__}: {error_message(exc)}"
    return Row(job.display, job.region, job.job_name, UNKNOWN, job_arn=arn, error=why)


def settled(rows: Sequence[Row]) -> bool:
    return all(row.state in SETTLED for row in rows)


def failed(rows: Sequence[Row]) -> list[Diagnostic]:
    """E640 for each FAILED job: why the exit code is 1, where CI shows it."""
    return [
        Diagnostic(
            row.path,
            0,
            0,
            "E640",
            # On one line (a failure reason can be a traceback): CI annotations are lines.
            f"job {row.job_arn} FAILED" + (f": {' '.join(row.failure.split())}" if row.failure else ""),
            hint="read its log (CloudWatch Logs /aws/braket/jobs); its name is taken: to run again, "
            "change the spec (a new job name), recompile, review and deploy",
        )
        for row in rows
        if row.state == "FAILED"
    ]


def still_running(rows: Sequence[Row], timeout: float) -> list[Diagnostic]:
    """E641 for each job --watch-timeout left unsettled."""
    return [
        Diagnostic(
            row.path,
            0,
            0,
            "E641",
            f"job {row.job_arn or row.job_name} is still {row.state} after --watch-timeout {timeout:g}s",
            hint="it keeps going: run `jobspec status --watch` again, or stop it with `jobspec cancel ARN`",
        )
        for row in rows
        if row.state not in SETTLED
    ]


def render_json(rows: Sequence[Row]) -> str:
    return json.dumps([row.as_dict() for row in rows], indent=2, sort_keys=True) + "\n"


def render_text(rows: Sequence[Row]) -> str:
    """A table, one job a line, columns as wide as their widest cell; '-' for what does not apply."""
    table = [list(COLUMNS)] + [_cells(row) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS) - 1)]
    padded = [[*(cell.ljust(w) for cell, w in zip(line, widths, strict=False)), line[-1]] for line in table]
    lines = ["  ".join(cells).rstrip() for cells in padded]
    return "\n".join(lines) + "\n"


def _cells(row: Row) -> list[str]:
    if row.state == DIFFERENT:
        reason = f"differs in {', '.join(row.differs)}" if row.differs else ""
    else:
        reason = row.failure or row.error or ""
    return [
        row.path,
        row.job_name,
        row.state,
        row.queue_position or "-",
        _when(row.created),
        _when(row.started),
        _when(row.ended),
        _duration(row.billable),
        _short(reason) or "-",
    ]


def _utc(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc) if value.tzinfo else value
    return value


def _iso(value: Any) -> str | None:
    """JSON: 2024-05-01T10:00:00.123Z (UTC, to the millisecond the service gives)."""
    value = _utc(value)
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    return None if value is None else str(value)


def _when(value: Any) -> str:
    """Text: 2024-05-01T10:00:00Z (UTC, to the second)."""
    value = _utc(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return "-" if value is None else str(value)


def _duration(ms: int | None) -> str:
    """Text: 45s, 2m05s, 1h02m03s."""
    if ms is None:
        return "-"
    seconds = round(ms / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{seconds:02d}s"
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def _short(text: str) -> str:
    """The first line, cut to REASON_WIDTH: failure reasons can be whole tracebacks."""
    lines = text.strip().splitlines()
    first = lines[0] if lines else ""
    if len(first) > REASON_WIDTH or len(lines) > 1:
        return first[: REASON_WIDTH - 3].rstrip() + "..."
    return first


# -- reading build/ ------------------------------------------------------------------------


def request_files(paths: Sequence[Path]) -> list[Path]:
    """The compiled requests the paths name: files as given, folders searched (hidden folders skipped).

    A missing path raises FileNotFoundError naming it.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for folder, subfolders, names in os.walk(path):
                subfolders[:] = sorted(s for s in subfolders if not s.startswith("."))
                found += [
                    Path(folder) / n for n in sorted(names) if n.endswith(".json") and not n.endswith(MANIFEST_SUFFIX)
                ]
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(path)
    return found


def compiled(paths: Sequence[Path]) -> tuple[list[Compiled], list[Diagnostic]]:
    """Each request (once) with its region, read as deploy reads it (artifact.load: E601 when it cannot be)."""
    jobs: list[Compiled] = []
    diags: list[Diagnostic] = []
    seen: set[Path] = set()
    for path in paths:
        artifact, found = load(path)
        diags += found
        if artifact is None or artifact.path.resolve() in seen:
            continue
        seen.add(artifact.path.resolve())
        jobs.append(Compiled(artifact.display, artifact.region, artifact.request))
    return jobs, diags


# -- the calls -------------------------------------------------------------------------------


class Survey:
    """One look at every compiled job: SearchJobs once per region, GetJob per job found."""

    def __init__(self, jobs: Sequence[Compiled], braket_in: Callable[[str], Any]) -> None:
        self.jobs = sorted(jobs, key=lambda j: j.display)
        self.braket_in = braket_in

    def run(self) -> tuple[list[Row], list[Diagnostic]]:
        rows: list[Row] = []
        diags: list[Diagnostic] = []
        regions: dict[str, list[Compiled]] = {}
        for job in self.jobs:
            regions.setdefault(job.region, []).append(job)
        for region, jobs in regions.items():
            braket = self.braket_in(region)
            try:
                pages = braket.get_paginator("search_jobs").paginate(
                    filters=[], PaginationConfig={"PageSize": 100, "MaxItems": 100 * SEARCH_PAGES}
                )
                found = named(pages, (j.job_name for j in jobs))
            except aws_errors() as exc:
                diags.append(describe(exc, jobs[0].display, f"calling braket:SearchJobs in {region}"))
                rows += [unknown(j, exc) for j in jobs]
                continue
            answers: dict[str, dict[str, Any] | None] = {}  # by ARN: two requests of one name ask once
            for job in jobs:
                row, diag = self._row(braket, job, found.get(job.job_name, []), answers)
                rows.append(row)
                diags += diag
        return sorted(rows, key=lambda r: r.path), diags

    def _row(
        self,
        braket: Any,
        job: Compiled,
        summaries: list[dict[str, Any]],
        answers: dict[str, dict[str, Any] | None],
    ) -> tuple[Row, list[Diagnostic]]:
        seen: list[dict[str, Any]] = []
        for summary in summaries:
            arn = str(summary["jobArn"])
            if arn not in answers:
                extra = {"additionalAttributeNames": ["QueueInfo"]} if summary.get("status") == "QUEUED" else {}
                try:
                    answers[arn] = braket.get_job(jobArn=arn, **extra)
                except aws_errors() as exc:
                    if error_code(exc) != "ResourceNotFoundException":
                        return unknown(job, exc, arn), [describe(exc, job.display, f"calling braket:GetJob for {arn}")]
                    answers[arn] = None  # listed a moment ago, gone now: not deployed (any more)
            answer = answers[arn]
            if answer is not None:
                seen.append(answer)
                if same_job(answer, job.request):
                    break  # older jobs of the name cannot be this request's: names are used once
        return row_of(job, seen), []


def watch(
    survey: Survey,
    interval: float,
    timeout: float | None,
    show: Callable[[list[Row]], None],
    note: Callable[[str], None],
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> tuple[list[Row], list[Diagnostic]]:
    """Survey every interval seconds until every row is settled, or timeout passes (E641).

    Throttling and network failures (after botocore's retries) are tried again at the next
    refresh; any other failure (credentials, access) ends the watch with its diagnostic.
    """
    deadline = None if timeout is None else clock() + timeout
    while True:
        rows, diags = survey.run()
        show(rows)
        if any(d.code not in TRANSIENT for d in diags):
            return rows, diags
        for diag in diags:
            note(f"{diag.code} {diag.message}; trying again in {interval:g}s")
        if settled(rows) and not diags:
            return rows, []
        if deadline is not None:
            remaining = deadline - clock()
            if remaining <= 0:
                return rows, diags + still_running(rows, timeout or 0)
            sleep(min(interval, remaining))
        else:
            sleep(interval)
