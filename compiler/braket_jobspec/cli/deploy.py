"""`jobspec deploy`: upload what a compiled job needs, then create it, once."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from braket_jobspec.cli.options import EXIT_FAILED, EXIT_OK, UsageError, add_format_option, emit, path_argument

if TYPE_CHECKING:
    from braket_jobspec.deploy.aws import AwsSettings

DESCRIPTION = """\
Deploy compiled jobs: verify each against the tree (a source or input that changed
since compiling stops the deploy before anything is sent), check the caller's account,
upload the source archive and local inputs that S3 does not already hold (each with a
SHA-256 that S3 checks), copy checkpoints, then call CreateJob with the request exactly
as compiled. Its clientToken makes retries, re-runs and concurrent deploys of the same
artifact create one job. Prints each job's ARN on stdout.
"""

EPILOG = """\
examples:
  jobspec deploy build/vqe.json --dry-run     the plan; calls nothing, needs no credentials
  jobspec deploy build/vqe.json               upload, create, print the job ARN
  jobspec deploy build/vqe.json --check-devices   the same, once each device answers ONLINE
  jobspec deploy build/a.json build/b.json --wait --profile prod
  jobspec deploy build/vqe.json --endpoint-url http://127.0.0.1:5000 --braket-endpoint-url http://127.0.0.1:5001

exit codes: 0 deployed (with --wait: every job COMPLETED), 1 a check, an AWS call or a job
failed, 2 usage errors. docs: docs/deploying.md, docs/diagnostics.md (E6xx)
"""


def add_aws_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("AWS", "credentials come from boto3's usual chain (environment, profiles, roles)")
    group.add_argument("--profile", metavar="NAME", help="profile of ~/.aws/config (default: boto3's default chain)")
    group.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="endpoint for S3, STS and CloudWatch Logs, e.g. a local S3-compatible server (default: AWS)",
    )
    group.add_argument("--braket-endpoint-url", metavar="URL", help="endpoint for Amazon Braket (default: AWS)")
    group.add_argument(
        "--retry-mode",
        choices=("standard", "adaptive"),
        default="standard",
        help="botocore retry mode for throttling and transient errors (default standard)",
    )
    group.add_argument(
        "--max-attempts",
        type=int,
        default=None,
        metavar="N",
        help="attempts per AWS call, retries included (default 8)",
    )


def aws_settings(args: argparse.Namespace) -> AwsSettings:
    from braket_jobspec.deploy.aws import DEFAULT_MAX_ATTEMPTS, AwsSettings

    attempts = DEFAULT_MAX_ATTEMPTS if args.max_attempts is None else args.max_attempts
    if attempts < 1:
        raise UsageError("--max-attempts must be at least 1")
    return AwsSettings(args.profile, args.endpoint_url, args.braket_endpoint_url, args.retry_mode, attempts)


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "deploy",
        help="upload a compiled job's source and data, then create it (once)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths", nargs="+", type=path_argument, metavar="BUILD_JSON", help="compiled requests (build/<name>.json)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan and call nothing (works offline)")
    parser.add_argument(
        "--check-devices",
        action="store_true",
        help="first ask each device's status (GetDevice, also with --dry-run): one not ONLINE stops the deploy",
    )
    parser.add_argument(
        "--allow-account-mismatch",
        action="store_true",
        help="deploy even when the credentials are of another account than the one compiled for",
    )
    parser.add_argument(
        "--part-size",
        type=int,
        default=16,
        metavar="MIB",
        help="files larger than this go up in parts of this size (MiB, at least 5; default 16)",
    )
    wait = parser.add_argument_group("waiting")
    wait.add_argument(
        "--wait", action="store_true", help="follow the jobs to their end: status changes, then their log lines"
    )
    wait.add_argument(
        "--wait-timeout", type=float, default=None, metavar="SECONDS", help="stop following after this long (exit 1)"
    )
    wait.add_argument(
        "--poll-interval", type=float, default=5.0, metavar="SECONDS", help="first GetJob interval (default 5)"
    )
    wait.add_argument(
        "--max-poll-interval",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="the interval doubles while nothing changes, up to this (default 60)",
    )
    add_aws_options(parser)
    add_format_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from braket_jobspec.deploy import Deployment, DeployOptions
    from braket_jobspec.deploy.s3 import MIB, MIN_PART_SIZE
    from braket_jobspec.deploy.watch import Backoff

    if args.part_size * MIB < MIN_PART_SIZE:
        raise UsageError("--part-size must be at least 5 (MiB): S3's smallest part")
    if args.poll_interval <= 0 or args.max_poll_interval < args.poll_interval:
        raise UsageError("--poll-interval must be positive and at most --max-poll-interval")
    if args.wait_timeout is not None and args.wait_timeout <= 0:
        raise UsageError("--wait-timeout must be positive")
    options = DeployOptions(
        dry_run=args.dry_run,
        wait=args.wait,
        allow_account_mismatch=args.allow_account_mismatch,
        part_size=args.part_size * MIB,
        aws=aws_settings(args),
        backoff=Backoff(args.poll_interval, args.max_poll_interval),
        wait_timeout=args.wait_timeout,
        fmt=args.format,
        check_devices=args.check_devices,
    )
    deployment = Deployment(options, sys.stdout, sys.stderr)
    ok = deployment.run(args.paths)
    emit(deployment.diagnostics, args.format)
    return EXIT_OK if ok else EXIT_FAILED
