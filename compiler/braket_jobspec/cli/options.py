"""What several commands share: the context options, usage errors, diagnostics out."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from braket_jobspec.compile import Settings
    from braket_jobspec.diagnostics import Diagnostic

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command line that cannot be carried out: printed as `jobspec CMD: error: …`, exit 2."""


def path_argument(text: str) -> Path:
    """A path on the command line; an empty one (which Path would read as the current folder) is refused."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path names no file")
    return Path(text)


def folder_argument(text: str) -> str:
    """An output folder on the command line ('-' included); an empty one is refused."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path names no folder")
    return text


def add_context_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "context", "what the SDK would take from the AWS session and the clock; flags override the environment"
    )
    group.add_argument("--env", metavar="NAME", help="environment of jobspec.toml (default: its default_environment)")
    group.add_argument("--region", help="AWS region, e.g. us-west-2 (a regional device ARN overrides it)")
    group.add_argument("--account-id", metavar="ID", help="12-digit account: default bucket and role")
    group.add_argument(
        "--default-bucket", metavar="NAME", help="default S3 bucket (default: amazon-braket-<region>-<account>)"
    )
    group.add_argument(
        "--default-role-arn",
        metavar="ARN",
        help="role when the spec has no role_arn "
        "(default: arn:aws:iam::<account>:role/service-role/AmazonBraketJobsExecutionRole)",
    )
    group.add_argument(
        "--stamp",
        help="the SDK's millisecond timestamp in default names and S3 paths "
        "(default: derived from the spec and source content)",
    )
    parser.add_argument(
        "--allow-outside-root", action="store_true", help="accept sources and inputs outside the repository"
    )
    parser.add_argument(
        "--strict-devices",
        action="store_true",
        help="refuse a device ARN the catalogue does not know (default: a warning; `jobspec devices` lists them)",
    )
    parser.add_argument(
        "--max-bytes", type=int, default=None, metavar="N", help="largest spec file accepted (default 128 KiB)"
    )
    parser.add_argument(
        "--max-tree-files",
        type=int,
        default=None,
        metavar="N",
        help="most files (and folders) a source tree or input folder may hold (default 100000)",
    )
    parser.add_argument(
        "--max-tree-bytes",
        type=int,
        default=None,
        metavar="N",
        help="most bytes a source tree or input folder may hold (default 100 GiB)",
    )
    add_format_option(parser)


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("text", "json", "github", "sarif"),
        default="text",
        help="how diagnostics are written to stderr (default text)",
    )


def settings(args: argparse.Namespace) -> Settings:
    from braket_jobspec.compile import Settings
    from braket_jobspec.config import Context
    from braket_jobspec.load import DEFAULT_MAX_BYTES
    from braket_jobspec.sdk.archive import TreeLimits

    flags = Context(
        region=args.region,
        account_id=args.account_id,
        default_bucket=args.default_bucket,
        default_role_arn=args.default_role_arn,
        stamp=args.stamp,
    )
    for flag in ("max_bytes", "max_tree_files", "max_tree_bytes"):
        if getattr(args, flag) is not None and getattr(args, flag) <= 0:
            raise UsageError(f"--{flag.replace('_', '-')} must be positive")
    default = TreeLimits()
    limits = TreeLimits(args.max_tree_files or default.files, args.max_tree_bytes or default.bytes)
    return Settings(
        flags,
        args.env,
        args.allow_outside_root,
        args.max_bytes or DEFAULT_MAX_BYTES,
        tree_limits=limits,
        strict_devices=getattr(args, "strict_devices", False),
    )


def emit(diagnostics: Sequence[Diagnostic], fmt: str, stream: TextIO | None = None) -> None:
    """Write diagnostics, ordered, in the chosen format (color only for a terminal, never with NO_COLOR)."""
    from braket_jobspec.diagnostics import ordered
    from braket_jobspec.diagnostics.render import use_color, write

    stream = stream or sys.stderr
    write(ordered(diagnostics), fmt, stream, fmt == "text" and use_color(stream))


def summary(args: argparse.Namespace, text: str) -> None:
    """A closing line for people (text format only: other formats are for machines)."""
    if getattr(args, "format", "text") == "text":
        sys.stderr.write(f"jobspec: {text}\n")
