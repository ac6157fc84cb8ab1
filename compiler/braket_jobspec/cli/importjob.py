"""`jobspec import --job ARN`: a spec written from a job that already exists."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from braket_jobspec.cli.deploy import add_aws_options, aws_settings
from braket_jobspec.cli.options import EXIT_FAILED, EXIT_OK, UsageError, add_format_option, emit

if TYPE_CHECKING:
    from braket_jobspec.diagnostics import Diagnostic


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "import",
        help="write a spec from an existing job (GetJob), to bring it under review",
        description="Read a job with GetJob and write the spec that compiles back to its request: every field "
        "explicit, the source as the job's S3 archive. What a job does not record (the local source tree, local "
        "input paths, copy_checkpoints_from_job, source_excludes) is reported as warnings and noted in the file.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  jobspec import --job arn:aws:braket:us-west-2:123456789012:job/... -o specs/vqe.yaml\n"
        "  jobspec import --job arn:... -o specs/vqe.toml   (TOML)\n"
        "then: jobspec compile specs/vqe.yaml; jobspec diff specs/vqe.yaml --job arn:...",
    )
    parser.add_argument("--job", required=True, metavar="ARN", help="the job to import")
    parser.add_argument(
        "-o",
        "--output",
        default="-",
        metavar="FILE",
        help="the spec to write (.yaml, .yml or .toml; default '-': stdout)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    add_aws_options(parser)
    add_format_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from braket_jobspec.deploy.aws import MissingBoto3
    from braket_jobspec.deploy.jobs import job_status, region_of
    from braket_jobspec.diagnostics import Diagnostic
    from braket_jobspec.gitops.importer import spec_from_job
    from braket_jobspec.gitops.init import schema_reference
    from braket_jobspec.gitops.spectext import render
    from braket_jobspec.load import format_of

    region = region_of(args.job)
    if region is None:
        raise UsageError(f"{args.job!r} is not a job ARN (arn:aws:braket:<region>:<account>:job/<id>)")
    out = None if args.output == "-" else Path(args.output)
    fmt = "yaml"
    if out is not None:
        found = format_of(out.name)
        if found is None:
            raise UsageError(f"{out.as_posix()}: name the spec .yaml, .yml or .toml")
        fmt = found
        if out.exists() and not args.force:
            emit(
                [Diagnostic(out.as_posix(), 0, 0, "E806", "already exists", hint="pass --force to overwrite it")],
                args.format,
            )
            return EXIT_FAILED
    try:
        answer, diags = job_status(args.job, aws_settings(args), region)
    except MissingBoto3:
        raise UsageError("import needs boto3: pip install 'braket-jobspec[deploy]'") from None
    if answer is None:
        emit(diags, args.format)
        return EXIT_FAILED
    imported = spec_from_job(answer, region)
    comments = [f"Imported by `jobspec import` from {args.job}.", "Not recovered from the job:"]
    comments += [f"- {message}" for _, message in imported.warnings]
    folder = out.parent if out is not None else Path(".")
    text = render(imported.data, fmt, schema_reference(folder), comments)
    shown = out.as_posix() if out is not None else "<stdout>"
    diags += _warnings(text, shown, fmt, imported.warnings)
    if out is None:
        sys.stdout.write(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, "utf-8")
    emit(diags, args.format)
    if out is not None and args.format == "text":
        sys.stderr.write(
            f"jobspec: wrote {shown}; next: jobspec compile {shown}, then jobspec diff {shown} --job {args.job}\n"
        )
    return EXIT_OK


def _warnings(text: str, shown: str, fmt: str, warnings: list[tuple[str, str]]) -> list[Diagnostic]:
    """The import's warnings, each at the line of the field it is about in the written spec."""
    from braket_jobspec.diagnostics import Diagnostic
    from braket_jobspec.load import load

    doc, _ = load(text.encode("utf-8"), shown, "toml" if fmt == "toml" else "yaml")
    out = []
    for pointer, message in warnings:
        span = doc.source_map.key(pointer) if doc is not None and pointer else None
        line, col = (span.line, span.col) if span else (0, 0)
        out.append(Diagnostic(shown, line, col, "W805", message, pointer, "warning"))
    return out
