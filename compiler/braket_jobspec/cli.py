"""The `jobspec` command: the one place that touches argv, stdout, stderr and exit codes.

Each command imports what it needs when it runs, so `jobspec compile` never pays for
boto3 and `--help` for nothing at all.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import __version__

if TYPE_CHECKING:
    from .diagnostics import Diagnostic
    from .pipeline import Result, Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

DESCRIPTION = """\
Amazon Braket hybrid jobs as reviewed files.

A job spec (YAML or TOML) holds the arguments of the Braket SDK's
AwsQuantumJob.create; `jobspec compile` turns it into the exact CreateJob
request (build/<spec>.json) and what must be uploaded first
(build/<spec>.manifest.json). Review both in the pull request; CI runs
`jobspec check`.
"""

EPILOG = """\
examples:
  jobspec compile                      compile every spec under specs/ into build/
  jobspec compile specs/vqe.yaml -o -  print one request to stdout
  jobspec compile --env prod           use [environments.prod] of jobspec.toml
  jobspec check                        exit 1 if build/ is not what specs/ compile to
  jobspec validate specs/vqe.yaml      report problems, write nothing

exit codes: 0 ok, 1 spec errors or stale outputs, 2 usage errors.
docs: README.md, docs/diagnostics.md, docs/deviations.md
"""


def _context_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "context", "what the SDK would take from the AWS session and the clock; flags override the environment")
    group.add_argument("--env", metavar="NAME", help="environment of jobspec.toml (default: its default_environment)")
    group.add_argument("--region", help="AWS region, e.g. us-west-2 (a regional device ARN overrides it)")
    group.add_argument("--account-id", metavar="ID", help="12-digit account: default bucket and role")
    group.add_argument("--default-bucket", metavar="NAME", help="default S3 bucket "
                       "(default: amazon-braket-<region>-<account>)")
    group.add_argument("--default-role-arn", metavar="ARN", help="role when the spec has no role_arn "
                       "(default: arn:aws:iam::<account>:role/service-role/AmazonBraketJobsExecutionRole)")
    group.add_argument("--stamp", help="the SDK's millisecond timestamp in default names and S3 paths "
                       "(default: derived from the spec and source content)")
    parser.add_argument("--allow-outside-root", action="store_true",
                        help="accept sources and inputs outside the repository")
    parser.add_argument("--max-bytes", type=int, default=None, metavar="N",
                        help="largest spec file accepted (default 1 MiB)")
    parser.add_argument("--format", choices=("text", "json", "github", "sarif"), default="text",
                        help="how diagnostics are written to stderr (default text)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jobspec", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"jobspec {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    compile_ = commands.add_parser(
        "compile", help="compile specs to CreateJob requests and manifests",
        description="Compile specs to build/<name>.json (the CreateJob request) and build/<name>.manifest.json "
        "(uploads and context). A folder is searched recursively and mirrored under the output folder. "
        "A spec with errors leaves its previous outputs untouched.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  jobspec compile\n  jobspec compile specs/qpu -o build/qpu\n"
        "  jobspec compile specs/vqe.yaml --region us-east-1 --account-id 123456789012 -o -")
    compile_.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="spec files or folders (default specs/)")
    compile_.add_argument("-o", "--out-dir", default="build", metavar="DIR",
                          help="output folder (default build/); '-' prints one spec's request to stdout")
    _context_options(compile_)

    check = commands.add_parser(
        "check", help="fail when checked-in outputs are missing, stale or extra",
        description="Compile in memory and compare with the output folder: exit 1 listing every output that is "
        "missing, stale (differs) or extra (no spec makes it). Writes nothing.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  jobspec check\n  jobspec check --format github   (annotations in a GitHub workflow)")
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="spec files or folders (default specs/)")
    check.add_argument("-o", "--out-dir", default="build", metavar="DIR", help="output folder (default build/)")
    _context_options(check)

    validate = commands.add_parser(
        "validate", help="report problems in specs; write nothing",
        description="Run every check of compile and report the diagnostics; write nothing.")
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="spec files or folders")
    _context_options(validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of specs (or of the CreateJob request)")
    schema.add_argument("--request", action="store_true", help="the CreateJob request schema instead")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "schema":
            return _schema(args)
        return _run(args)
    except _Usage as exc:
        sys.stderr.write(f"jobspec {args.command}: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("jobspec: interrupted\n")
        return EXIT_FAILED


class _Usage(Exception):
    pass


def _settings(args: argparse.Namespace) -> Settings:
    from .context import Context
    from .loader import DEFAULT_MAX_BYTES
    from .pipeline import Settings

    flags = Context(region=args.region, account_id=args.account_id, default_bucket=args.default_bucket,
                    default_role_arn=args.default_role_arn, stamp=args.stamp)
    if args.max_bytes is not None and args.max_bytes <= 0:
        raise _Usage("--max-bytes must be positive")
    return Settings(flags, args.env, args.allow_outside_root, args.max_bytes or DEFAULT_MAX_BYTES)


def _run(args: argparse.Namespace) -> int:
    from .diagnostics import has_errors, ordered
    from .outputs import UsageError, discover
    from .pipeline import Project

    paths = args.paths or [Path("specs")]
    try:
        targets = discover(paths)
    except UsageError as exc:
        raise _Usage(str(exc)) from exc
    if not targets:
        raise _Usage(f"no spec files in {', '.join(p.as_posix() for p in paths)}")
    out_dir = getattr(args, "out_dir", None)
    if out_dir == "-" and (args.command != "compile" or len(targets) != 1):
        raise _Usage("-o - prints a single spec's request: name exactly one spec file")

    project = Project(_settings(args))
    results = [project.compile(t.spec) for t in targets]
    diagnostics = [d for r in results for d in r.diagnostics]
    failed = sum(1 for r in results if not r.ok)

    if args.command == "compile":
        if out_dir == "-":
            if results[0].ok:
                sys.stdout.write(results[0].request_json())
        else:
            written = _write_outputs(results, targets, Path(out_dir))
            _emit(diagnostics, args.format)
            _summary(args, f"{len(results)} spec(s): {len(results) - failed} compiled, {failed} failed; "
                     f"{written} file(s) written to {Path(out_dir).as_posix()}/")
            return EXIT_FAILED if failed else EXIT_OK
    elif args.command == "check":
        drift = _drift(results, targets, Path(out_dir), paths)
        diagnostics += drift
        _emit(diagnostics, args.format)
        if drift:
            _summary(args, f"{len(drift)} output(s) out of date: run `jobspec compile` and commit the result")
        elif not failed:
            _summary(args, f"{len(results)} spec(s): outputs in {Path(out_dir).as_posix()}/ are current")
        return EXIT_FAILED if failed or drift else EXIT_OK
    _emit(ordered(diagnostics), args.format)
    if args.command == "validate":
        _summary(args, f"{len(results)} spec(s): {len(results) - failed} valid, {failed} with errors")
    return EXIT_FAILED if failed or has_errors(diagnostics) else EXIT_OK


def _write_outputs(results: list[Result], targets: list[object], out_dir: Path) -> int:
    from .outputs import Target, write_atomic

    written = 0
    for result, target in zip(results, targets):
        assert isinstance(target, Target)
        if not result.ok:
            continue
        request_path = target.request_path(out_dir)
        written += write_atomic(request_path, result.request_json())
        written += write_atomic(target.manifest_path(out_dir), result.manifest_json(request_path.parent))
    return written


def _drift(results: list[Result], targets: list[object], out_dir: Path, given: list[Path]) -> list[Diagnostic]:
    from .diagnostics import Diagnostic
    from .outputs import Target, existing_outputs

    expected: dict[Path, str] = {}
    failed: set[Path] = set()
    for result, target in zip(results, targets):
        assert isinstance(target, Target)
        paths = (target.request_path(out_dir), target.manifest_path(out_dir))
        if result.ok:
            expected[paths[0]] = result.request_json()
            expected[paths[1]] = result.manifest_json(paths[0].parent)
        else:
            failed.update(paths)
    out: list[Diagnostic] = []
    for path, text in sorted(expected.items()):
        shown = path.as_posix()
        try:
            current = path.read_text("utf-8")
        except FileNotFoundError:
            out.append(Diagnostic(shown, 0, 0, "E801", "missing: the spec compiles to a file that is not there",
                                  hint="run `jobspec compile` and commit the result"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            out.append(Diagnostic(shown, 0, 0, "E801", f"unreadable: {exc}"))
            continue
        if current != text:
            line = _first_difference(current, text)
            out.append(Diagnostic(shown, line, 1, "E802", "stale: differs from what its spec compiles to",
                                  hint="run `jobspec compile` and commit the result"))
    for path in sorted(existing_outputs(out_dir, [t for t in targets if isinstance(t, Target)], given)):
        if path not in expected and path not in failed:
            out.append(Diagnostic(path.as_posix(), 0, 0, "E803", "extra: no spec compiles to this file",
                                  hint="delete it, or restore the spec it came from"))
    return out


def _first_difference(a: str, b: str) -> int:
    for number, (x, y) in enumerate(zip(a.splitlines(), b.splitlines()), 1):
        if x != y:
            return number
    return min(a.count("\n"), b.count("\n")) + 1


def _emit(diagnostics: list[Diagnostic], fmt: str, stream: TextIO | None = None) -> None:
    from .diagnostics import ordered
    from .report import write

    stream = stream or sys.stderr
    color = fmt == "text" and stream.isatty() and "NO_COLOR" not in os.environ
    write(ordered(diagnostics), fmt, stream, color)


def _summary(args: argparse.Namespace, text: str) -> None:
    if args.format == "text":
        sys.stderr.write(f"jobspec: {text}\n")


def _schema(args: argparse.Namespace) -> int:
    from .validate import REQUEST_SCHEMA, SPEC_SCHEMA, schema_text

    sys.stdout.write(schema_text(REQUEST_SCHEMA if args.request else SPEC_SCHEMA))
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
