"""`jobspec run`: run a compiled job (or a spec, compiled first) on this machine."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from braket_jobspec.cli.options import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_context_options,
    emit,
    path_argument,
    settings,
)

_CONTEXT_FLAGS = ("env", "region", "account_id", "default_bucket", "default_role_arn", "stamp")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "run",
        help="run a job locally, with the job container's files and variables",
        description="Run the job of a compiled request (build/x.json, with build/x.manifest.json beside it) or of "
        "a spec (compiled in memory first) on this machine, as the Braket job container would: the source archive "
        "unpacked into <work>/code, input channels in <work>/input/data/<channel>, the hyperparameters file, the "
        "results folder <work>/model, the checkpoint folder, and every AMZN_BRAKET_* variable, pointing into the "
        "work folder. The source's requirements.txt files are installed into a cached virtualenv. The device is "
        "passed through: on a local: device (local:braket/braket_sv) the job runs offline. The job's output is "
        "streamed; stoppingCondition.maxRuntimeInSeconds is enforced.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  jobspec run specs/local-bell.yaml\n  jobspec run build/local-bell.json --no-install\n"
        "  jobspec run build/x.json --workdir /tmp/x --force --keep\n"
        "exit codes: 0 the job succeeded; 1 it failed, timed out or could not start; 2 usage errors;\n"
        "128+N stopped by signal N (SIGTERM: 143, SIGHUP: 129), the job's processes ended.\n"
        "docs: docs/local-run.md",
    )
    parser.add_argument(
        "target", type=path_argument, metavar="TARGET", help="build/x.json (or x.manifest.json), or a spec"
    )
    parser.add_argument(
        "--workdir",
        type=path_argument,
        metavar="DIR",
        help="work folder (default: a new numbered folder under .jobspec-runs/<job name>/ in the current folder)",
    )
    parser.add_argument("--force", action="store_true", help="replace the earlier run in --workdir")
    parser.add_argument(
        "--no-install",
        dest="install",
        action="store_false",
        help="do not install the source's requirements.txt; run with the current Python environment",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the unpacked code and the input copies (by default only results, checkpoints and logs stay)",
    )
    parser.add_argument(
        "--checkpoints-from",
        type=path_argument,
        metavar="DIR",
        help="start with a copy of DIR (say, an earlier run's checkpoints/) in the checkpoint folder",
    )
    add_context_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from braket_jobspec.localrun import RunOptions, run_local
    from braket_jobspec.localrun.target import RunError, load_target

    target: Path = args.target
    if not target.is_file():
        raise UsageError(f"{target.as_posix()}: no such file")
    if target.name.endswith(".json"):
        given = [f"--{f.replace('_', '-')}" for f in _CONTEXT_FLAGS if getattr(args, f) is not None]
        if given:
            raise UsageError(f"{', '.join(given)}: context flags apply when TARGET is a spec, not a compiled request")
    if args.checkpoints_from is not None and not args.checkpoints_from.is_dir():
        raise UsageError(f"--checkpoints-from {args.checkpoints_from.as_posix()}: no such folder")
    options = RunOptions(
        workdir=args.workdir,
        force=args.force,
        install=args.install,
        keep=args.keep,
        checkpoints_from=args.checkpoints_from,
    )
    try:
        job = load_target(target, settings(args))
        if job.warnings:
            emit(job.warnings, args.format)
            job.warnings = []
        outcome = run_local(job, options, sys.stderr)
    except RunError as exc:
        emit(exc.diagnostics, args.format)
        return EXIT_FAILED
    emit(outcome.diagnostics, args.format)
    return EXIT_OK if outcome.exit_code == 0 else EXIT_FAILED
