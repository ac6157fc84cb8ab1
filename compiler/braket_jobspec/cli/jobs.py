"""`jobspec status JOB` and `jobspec cancel JOB`: a deployed job, by its ARN."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from braket_jobspec.cli.deploy import add_aws_options, aws_settings
from braket_jobspec.cli.options import EXIT_FAILED, EXIT_OK, UsageError, add_format_option, emit


def register(commands: Any) -> None:
    status = commands.add_parser(
        "status",
        help="show a deployed job's status (GetJob)",
        description="Show a job's status, times, failure reason, queue position and latest events (GetJob), "
        "and its device's status (GetDevice; unknown when that call fails). "
        "With --format json, the whole GetJob answer on stdout, with a `device` object.",
        epilog="example:\n  jobspec status arn:aws:braket:us-west-2:123456789012:job/0a1b2c3d-...",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    status.add_argument("job", metavar="JOB", help="the job ARN that deploy printed")
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


def _region(args: argparse.Namespace) -> str:
    from braket_jobspec.deploy.jobs import region_of

    region = args.region or region_of(args.job)
    if region is None:
        raise UsageError(f"{args.job!r} is not a job ARN (arn:aws:braket:<region>:<account>:job/<id>)")
    return str(region)


def run_status(args: argparse.Namespace) -> int:
    from braket_jobspec.deploy import devices
    from braket_jobspec.deploy.aws import MissingBoto3
    from braket_jobspec.deploy.jobs import job_status
    from braket_jobspec.deploy.watch import summary

    settings, region = aws_settings(args), _region(args)
    try:
        answer, diags = job_status(args.job, settings, region)
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
        status, diags = cancel_job(args.job, aws_settings(args), _region(args))
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
