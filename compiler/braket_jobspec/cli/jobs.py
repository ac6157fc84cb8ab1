"""`jobspec status [PATH|ARN...]`: what became of compiled jobs, or one job by its ARN; `jobspec cancel JOB`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from braket_jobspec.cli.deploy import add_aws_options, aws_settings
from braket_jobspec.cli.options import EXIT_FAILED, EXIT_OK, UsageError, add_format_option, emit

STATUS_DESCRIPTION = """\
What became of compiled jobs. For each request (build/<name>.json; default: every one
under build/), its deployed job is found by the request's job name (SearchJobs, once per
region) and matched by its request fields (GetJob): its state is `not deployed`, QUEUED
(with its queue position), RUNNING, CANCELLING, COMPLETED, FAILED (with the failure
reason), CANCELLED, or `deployed differently` when a job of that name exists with another
request. Times are UTC; the billable duration is the service's.
A table on stdout, one job a line, ordered by path; --format json gives a list of objects
(path, region, jobName, state, jobArn, queue, queuePosition, queueMessage, createdAt,
startedAt, endedAt, billableDuration in ms, failureReason, differs, error).

Given a job ARN instead, the job in detail: status, times, failure reason, queue position,
latest events (GetJob) and its device's status (GetDevice; unknown when that call fails);
with --format json, the whole GetJob answer with a `device` object.
"""

STATUS_EPILOG = """\
examples:
  jobspec status                          every compiled job under build/
  jobspec status build/vqe.json build/prod/
  jobspec status --format json            the same, as JSON for tools
  jobspec status --watch --interval 60    refresh until every deployed job has ended
  jobspec status arn:aws:braket:us-west-2:123456789012:job/0a1b2c3d-...   one job in detail

With --watch, the table is shown again when it changes (redrawn on a terminal) until every
deployed job is COMPLETED, FAILED or CANCELLED (jobs not deployed do not hold it up); with
--format json, only the final list is printed.
exit codes: 0 ok, 1 a job FAILED (E640), an AWS call failed or --watch-timeout passed
(E641), 2 usage errors. docs: docs/deploying.md
"""


def register(commands: Any) -> None:
    status = commands.add_parser(
        "status",
        help="what became of compiled jobs (default: build/), or one job by ARN",
        description=STATUS_DESCRIPTION,
        epilog=STATUS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    status.add_argument(
        "targets",
        nargs="*",
        metavar="PATH|ARN",
        help="compiled requests or folders of them (default: build/), or one job ARN that deploy printed",
    )
    watching = status.add_argument_group("watching")
    watching.add_argument(
        "--watch", action="store_true", help="refresh until every deployed job has ended (compiled jobs only)"
    )
    watching.add_argument(
        "--interval", type=float, default=30.0, metavar="SECONDS", help="between refreshes (default 30)"
    )
    watching.add_argument(
        "--watch-timeout", type=float, default=None, metavar="SECONDS", help="stop watching after this long (exit 1)"
    )
    _common(status)
    status.set_defaults(run=run_status)

    cancel = commands.add_parser(
        "cancel",
        help="cancel a deployed job (CancelJob)",
        description="Ask Braket to cancel a job; prints the cancellation status (CANCELLING, then CANCELLED).",
        epilog="example:\n  jobspec cancel arn:aws:braket:us-west-2:123456789012:job/0a1b2c3d-...",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cancel.add_argument("job", metavar="JOB", help="the job ARN that deploy printed")
    _common(cancel)
    cancel.set_defaults(run=run_cancel)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", help="region of the job (default: the one its ARN names)")
    add_aws_options(parser)
    add_format_option(parser)


def _region(args: argparse.Namespace, job: str) -> str:
    from braket_jobspec.deploy.jobs import region_of

    region = args.region or region_of(job)
    if region is None:
        raise UsageError(f"{job!r} is not a job ARN (arn:aws:braket:<region>:<account>:job/<id>)")
    return str(region)


def run_status(args: argparse.Namespace) -> int:
    targets = args.targets or ["build"]
    if any(t.startswith("arn:") for t in targets):
        if len(targets) > 1:
            raise UsageError("give one job ARN, or compiled requests and folders, not both")
        if args.watch:
            raise UsageError("--watch follows compiled jobs (PATH...); `jobspec deploy --wait` follows one")
        return _status_of_job(args, targets[0])
    if args.region:
        raise UsageError("--region is for a job ARN: compiled jobs are looked up in the region they were compiled for")
    if args.interval <= 0:
        raise UsageError("--interval must be positive")
    if args.watch_timeout is not None and args.watch_timeout <= 0:
        raise UsageError("--watch-timeout must be positive")
    return _status_of_compiled(args, targets)


def _status_of_compiled(args: argparse.Namespace, targets: list[str]) -> int:
    import time
    from pathlib import Path

    from braket_jobspec.deploy import status
    from braket_jobspec.deploy.aws import Clients, MissingBoto3
    from braket_jobspec.diagnostics import has_errors

    if not all(targets):
        raise UsageError("an empty path names no file")
    try:
        files = status.request_files([Path(t) for t in targets])
    except FileNotFoundError as exc:
        raise UsageError(f"{exc.args[0]}: no such file or folder (`jobspec compile` writes build/)") from None
    if not files:
        raise UsageError(f"no compiled requests (*.json) in {', '.join(targets)}: run `jobspec compile` first")
    jobs, diags = status.compiled(files)
    settings = aws_settings(args)
    clients: dict[str, Clients] = {}

    def braket_in(region: str) -> Any:
        if region not in clients:  # jobs of several regions: each region its own clients
            clients[region] = Clients(settings, region)
        return clients[region].braket

    shown: list[str] = []

    def show(rows: list[status.Row]) -> None:
        if args.format == "json":
            return  # tools get the final list only
        text = status.render_text(rows)
        if shown and text == shown[-1]:
            return
        if sys.stdout.isatty():
            sys.stdout.write("\x1b[H\x1b[2J")  # redraw in place
        elif shown:
            sys.stdout.write("\n")
        sys.stdout.write(text)
        sys.stdout.flush()
        shown.append(text)

    def note(text: str) -> None:
        if args.format in ("text", "github"):
            sys.stderr.write(f"jobspec: {text}\n")

    survey = status.Survey(jobs, braket_in)
    try:
        if args.watch:
            rows, more = status.watch(survey, args.interval, args.watch_timeout, show, note, time.monotonic, time.sleep)
        else:
            rows, more = survey.run()
    except MissingBoto3:
        raise UsageError("this command needs boto3: pip install 'braket-jobspec[deploy]'") from None
    diags += more + status.failed(rows)
    if args.format == "json":
        sys.stdout.write(status.render_json(rows))
    elif not args.watch and rows:
        sys.stdout.write(status.render_text(rows))
    emit(diags, args.format)
    return EXIT_FAILED if has_errors(diags) else EXIT_OK


def _status_of_job(args: argparse.Namespace, job: str) -> int:
    from braket_jobspec.deploy import devices
    from braket_jobspec.deploy.aws import MissingBoto3
    from braket_jobspec.deploy.jobs import job_status
    from braket_jobspec.deploy.watch import summary

    settings, region = aws_settings(args), _region(args, job)
    try:
        answer, diags = job_status(job, settings, region)
    except MissingBoto3:
        raise UsageError("this command needs boto3: pip install 'braket-jobspec[deploy]'") from None
    emit(diags, args.format)
    if answer is None:
        return EXIT_FAILED
    answer.pop("ResponseMetadata", None)
    device = devices.device_of(answer)
    # Best effort: the job's status is the answer asked for; its device's is context, and a
    # failed GetDevice (say, no braket:GetDevice permission) shows as unknown.
    shown = devices.brief(device, settings, region) if device and not device.startswith(devices.LOCAL) else None
    if args.format == "json":
        if shown is not None:
            answer["device"] = shown
        sys.stdout.write(json.dumps(answer, indent=2, sort_keys=True, default=str) + "\n")
    else:
        if shown is not None:  # the summary's device row, with the device's name and status
            answer["deviceConfig"] = {**answer["deviceConfig"], "device": devices.line(shown)}
        sys.stdout.write(summary(answer))
    return EXIT_OK


def run_cancel(args: argparse.Namespace) -> int:
    from braket_jobspec.deploy.aws import MissingBoto3
    from braket_jobspec.deploy.jobs import cancel_job

    try:
        status, diags = cancel_job(args.job, aws_settings(args), _region(args, args.job))
    except MissingBoto3:
        raise UsageError("this command needs boto3: pip install 'braket-jobspec[deploy]'") from None
    emit(diags, args.format)
    if status is None:
        return EXIT_FAILED
    if args.format == "json":
        sys.stdout.write(json.dumps({"jobArn": args.job, "cancellationStatus": status}) + "\n")
    else:
        sys.stdout.write(f"{args.job} {status}\n")
    return EXIT_OK
