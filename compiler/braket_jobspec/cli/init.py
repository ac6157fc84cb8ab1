"""`jobspec init [DIR]`: a new spec and source skeleton that compiles as it is."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from braket_jobspec.cli.options import EXIT_FAILED, EXIT_OK, UsageError, emit, path_argument


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "init",
        help="start a new job: a spec, its source package, and a project config if there is none",
        description="Write DIR/specs/NAME.yaml (or .toml), its source package DIR/specs/src/NAME/ with a job.py "
        "whose main() runs a Bell circuit, and DIR/jobspec.toml when no project config is found at DIR or above. "
        "The spec's first line points editors at the schema. Existing files are never overwritten.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  jobspec init\n  jobspec init --name vqe-h2 --format toml\n"
        "  jobspec init jobs/ --device local:braket/braket_sv",
    )
    parser.add_argument(
        "dir", nargs="?", type=path_argument, default=Path("."), metavar="DIR", help="project folder (default .)"
    )
    parser.add_argument(
        "--name", default="hello-braket", help="the job's name: letters, digits, - and _ (default hello-braket)"
    )
    parser.add_argument("--format", choices=("yaml", "toml"), default="yaml", help="spec format (default yaml)")
    parser.add_argument("--device", default=None, help="device ARN or local:<provider>/<simulator> (default SV1)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from braket_jobspec.diagnostics import Diagnostic
    from braket_jobspec.gitops.init import DEFAULT_DEVICE, NAME, files

    if not NAME.match(args.name):
        raise UsageError(f"--name {args.name!r}: start with a letter; then letters, digits, - and _ (up to 50)")
    if args.dir.exists() and not args.dir.is_dir():
        raise UsageError(f"{args.dir.as_posix()}: not a folder (init makes a project in a folder)")
    planned = files(args.dir, args.name, args.format, args.device or DEFAULT_DEVICE)
    existing = [p for p in planned if p.exists()]
    if existing:
        hint = "nothing was written: choose another --name, or another DIR"
        emit([Diagnostic(p.as_posix(), 0, 0, "E806", "already exists", hint=hint) for p in existing], "text")
        return EXIT_FAILED
    for path, text in planned.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        sys.stdout.write(f"created {path.as_posix()}\n")
    spec = next(p for p in planned if p.suffix in (".yaml", ".toml"))
    where = "" if args.dir == Path(".") else f"cd {args.dir.as_posix()} && "
    rel = spec.relative_to(args.dir).as_posix()
    sys.stderr.write(f"jobspec: next: {where}jobspec compile {rel} (then review build/, commit both)\n")
    return EXIT_OK
