"""`jobspec diff`: what differs between two requests, a spec and its output, or a spec and a live job."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from braket_jobspec.cli.compile import DEFAULT_SPECS
from braket_jobspec.cli.deploy import add_aws_options, aws_settings
from braket_jobspec.cli.options import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_context_options,
    emit,
    path_argument,
    settings,
)

if TYPE_CHECKING:
    from braket_jobspec.diagnostics import Diagnostic


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "diff",
        help="semantic diff of requests: two files, a spec and its output, or a spec and a live job",
        description="Compare CreateJob requests field by field and list the paths of changed, added and removed "
        "values. Each operand is a compiled request (.json) or a spec (.yaml/.yml/.toml, compiled in memory). "
        "With one spec, compare its checked-in output (OLD) with what it compiles to now (NEW). With --job, "
        "compare the live job (GetJob, OLD) with the operand (NEW); fields GetJob does not return are not "
        "compared. Exit 0 when equal, 1 when different (or on errors), 2 on usage errors.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  jobspec diff specs/vqe.yaml                 what a compile would change in build/\n"
        "  jobspec diff build/dev/vqe.json build/prod/vqe.json\n"
        "  jobspec diff specs/vqe.yaml --env prod       against build/prod/vqe.json\n"
        "  jobspec diff specs/vqe.yaml --job arn:aws:braket:us-west-2:123456789012:job/...",
    )
    parser.add_argument("old", type=path_argument, metavar="A", help="a request (.json) or a spec")
    parser.add_argument("new", type=path_argument, metavar="B", nargs="?", help="a request (.json) or a spec")
    parser.add_argument("--job", metavar="ARN", help="compare with this live job (GetJob) instead")
    parser.add_argument(
        "-o",
        "--out-dir",
        default="build",
        metavar="DIR",
        help="where a spec's checked-in output is (default build/; build/<env>/ with --env)",
    )
    add_context_options(parser)
    add_aws_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from braket_jobspec.gitops.diff import compare, render_json, render_text, request_of_job

    diags: list[Diagnostic] = []
    ignored: list[str] = []
    if args.job:
        if args.new is not None:
            raise UsageError("--job compares one request or spec with the live job: name only A")
        new, new_name = _operand(args, args.old, diags)
        old, old_name = _live_job(args, diags)
        if old is not None and new is not None:
            old, new, ignored = request_of_job(old, new)
    elif args.new is not None:
        old, old_name = _operand(args, args.old, diags)
        new, new_name = _operand(args, args.new, diags)
    else:
        if _is_json(args.old):
            raise UsageError("name two requests to compare, or a spec (compared with its checked-in output)")
        new, new_name = _operand(args, args.old, diags)
        checked_in = _checked_in(args.old, Path(args.out_dir), args.env)
        old, old_name = _operand(args, checked_in, diags, missing_ok=True)
    emit(diags, args.format)
    if old is None or new is None:
        return EXIT_FAILED
    changes = compare(old, new)
    render = render_json if args.format == "json" else render_text
    sys.stdout.write(render(changes, old_name, new_name, ignored))
    return EXIT_FAILED if changes else EXIT_OK


def _is_json(path: Path) -> bool:
    return path.suffix.lower() == ".json"


def _checked_in(spec: Path, out_dir: Path, env: str | None) -> Path:
    """Where `jobspec compile` (of specs/, the default) writes spec's request."""
    stem = spec.name.rsplit(".", 1)[0]
    try:
        rel = spec.resolve().relative_to(DEFAULT_SPECS.resolve())
        stem = rel.as_posix().rsplit(".", 1)[0]
    except ValueError:
        pass
    return (out_dir / env if env else out_dir) / f"{stem}.json"


def _operand(
    args: argparse.Namespace, path: Path, diags: list[Diagnostic], missing_ok: bool = False
) -> tuple[dict[str, Any] | None, str]:
    """A request: read from a .json file, or compiled from a spec."""
    from braket_jobspec import files
    from braket_jobspec.compile.project import Project
    from braket_jobspec.diagnostics import Diagnostic
    from braket_jobspec.load import format_of

    shown = path.as_posix()
    if _is_json(path):
        try:
            loaded = json.loads(files.read(path))
        except FileNotFoundError:
            if missing_ok:
                return {}, f"{shown} (missing)"
            raise UsageError(f"{shown}: no such file") from None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            diags.append(Diagnostic(shown, 0, 0, "E804", f"not a JSON request: {reason}"))
            return None, shown
        if not isinstance(loaded, dict) or ("format" in loaded and "context" in loaded):
            diags.append(
                Diagnostic(shown, 0, 0, "E804", "not a CreateJob request", hint="name the <spec>.json, not a manifest")
            )
            return None, shown
        return loaded, shown
    if format_of(path.name) is None:
        raise UsageError(f"{shown}: expected a request (.json) or a spec (.yaml, .yml, .toml)")
    if not path.is_file():
        raise UsageError(f"{shown}: no such file")
    result = Project(settings(args)).compile(path)
    diags += result.diagnostics
    if not result.ok:
        return None, shown
    request: dict[str, Any] = json.loads(result.request_json())
    env = f", environment {args.env}" if args.env else ""
    return request, f"{shown} (compiled{env})"


def _live_job(args: argparse.Namespace, diags: list[Diagnostic]) -> tuple[dict[str, Any] | None, str]:
    from braket_jobspec.deploy.aws import MissingBoto3
    from braket_jobspec.deploy.jobs import job_status, region_of

    region = region_of(args.job)
    if region is None:
        raise UsageError(f"{args.job!r} is not a job ARN (arn:aws:braket:<region>:<account>:job/<id>)")
    try:
        answer, more = job_status(args.job, aws_settings(args), region)
    except MissingBoto3:
        raise UsageError("--job needs boto3: pip install 'braket-jobspec[deploy]'") from None
    diags += more
    return answer, f"{args.job} (live job)"
