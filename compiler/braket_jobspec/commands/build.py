"""`jobspec compile`, `check` and `validate`: the compiler over files and folders."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import EXIT_FAILED, EXIT_OK, UsageError, add_context_options, emit, settings, summary

if TYPE_CHECKING:
    from ..diagnostics import Diagnostic
    from ..outputs import Target
    from ..pipeline import Result

DEFAULT_SPECS = Path("specs")


def register(commands: Any) -> None:
    compile_ = commands.add_parser(
        "compile",
        help="compile specs to CreateJob requests and manifests",
        description="Compile specs to <out>/<name>.json (the CreateJob request, as boto3's "
        "braket.create_job(**request) takes it) and <out>/<name>.manifest.json (the uploads and the context). "
        "A folder is searched recursively and mirrored under the output folder. A spec with errors leaves its "
        "previous outputs untouched.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  jobspec compile\n  jobspec compile specs/qpu -o build/qpu\n"
        "  jobspec compile specs/vqe.yaml --region us-east-1 --account-id 123456789012 -o -",
    )
    compile_.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="spec files or folders (default specs/)")
    compile_.add_argument(
        "-o",
        "--out-dir",
        default="build",
        metavar="DIR",
        help="output folder (default build/); '-' prints one spec's request to stdout",
    )
    add_context_options(compile_)
    compile_.set_defaults(run=run_compile)

    check = commands.add_parser(
        "check",
        help="fail when checked-in outputs are missing, stale or extra",
        description="Compile in memory and compare with the output folder: exit 1 listing every output that is "
        "missing, stale (differs) or extra (no spec makes it). Writes nothing.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  jobspec check\n  jobspec check --format github   (annotations in a GitHub workflow)",
    )
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="spec files or folders (default specs/)")
    check.add_argument("-o", "--out-dir", default="build", metavar="DIR", help="output folder (default build/)")
    add_context_options(check)
    check.set_defaults(run=run_check)

    validate = commands.add_parser(
        "validate",
        help="report problems in specs; write nothing",
        description="Run every check of compile and report the diagnostics; write nothing.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  jobspec validate specs/vqe.yaml\n  jobspec validate specs --format json",
    )
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="spec files or folders")
    add_context_options(validate)
    validate.set_defaults(run=run_validate)


def compile_targets(args: argparse.Namespace) -> tuple[list[Target], list[Result]]:
    """Discover the specs named on the command line and compile each of them."""
    from ..outputs import DiscoveryError, discover
    from ..pipeline import Project

    paths = args.paths or [DEFAULT_SPECS]
    try:
        targets = discover(paths)
    except DiscoveryError as exc:
        raise UsageError(str(exc)) from exc
    if not targets:
        raise UsageError(f"no spec files in {', '.join(p.as_posix() for p in paths)}")
    project = Project(settings(args))
    return targets, [project.compile(t.spec) for t in targets]


def run_compile(args: argparse.Namespace) -> int:
    from ..outputs import write_atomic

    if args.out_dir == "-":
        if len(args.paths) != 1 or not args.paths[0].is_file():
            raise UsageError("-o - prints a single spec's request: name exactly one spec file")
        _, results = compile_targets(args)
        emit(results[0].diagnostics, args.format)
        if not results[0].ok:
            return EXIT_FAILED
        sys.stdout.write(results[0].request_json())
        return EXIT_OK
    targets, results = compile_targets(args)
    out_dir = Path(args.out_dir)
    written = 0
    for target, result in zip(targets, results, strict=True):
        if result.ok:
            request_path = target.request_path(out_dir)
            written += write_atomic(request_path, result.request_json())
            written += write_atomic(target.manifest_path(out_dir), result.manifest_json(request_path.parent))
    failed = sum(not r.ok for r in results)
    emit([d for r in results for d in r.diagnostics], args.format)
    summary(
        args,
        f"{len(results)} spec(s): {len(results) - failed} compiled, {failed} failed; "
        f"{written} file(s) written to {out_dir.as_posix()}/",
    )
    return EXIT_FAILED if failed else EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    targets, results = compile_targets(args)
    out_dir = Path(args.out_dir)
    drift = find_drift(targets, results, out_dir, args.paths or [DEFAULT_SPECS])
    failed = sum(not r.ok for r in results)
    emit([d for r in results for d in r.diagnostics] + drift, args.format)
    if drift:
        summary(args, f"{len(drift)} output(s) out of date: run `jobspec compile` and commit the result")
    elif not failed:
        summary(args, f"{len(results)} spec(s): outputs in {out_dir.as_posix()}/ are current")
    return EXIT_FAILED if failed or drift else EXIT_OK


def run_validate(args: argparse.Namespace) -> int:
    _, results = compile_targets(args)
    failed = sum(not r.ok for r in results)
    emit([d for r in results for d in r.diagnostics], args.format)
    summary(args, f"{len(results)} spec(s): {len(results) - failed} valid, {failed} with errors")
    return EXIT_FAILED if failed else EXIT_OK


def find_drift(
    targets: Sequence[Target], results: Sequence[Result], out_dir: Path, given: Sequence[Path]
) -> list[Diagnostic]:
    """Outputs that are missing, stale or extra compared with what the specs compile to."""
    from ..diagnostics import Diagnostic
    from ..outputs import existing_outputs

    expected: dict[Path, str] = {}
    failed: set[Path] = set()
    for target, result in zip(targets, results, strict=True):
        request_path, manifest_path = target.request_path(out_dir), target.manifest_path(out_dir)
        if result.ok:
            expected[request_path] = result.request_json()
            expected[manifest_path] = result.manifest_json(request_path.parent)
        else:
            failed.update((request_path, manifest_path))
    hint = "run `jobspec compile` and commit the result"
    out: list[Diagnostic] = []
    for path, text in sorted(expected.items()):
        shown = path.as_posix()
        try:
            current = path.read_text("utf-8")
        except FileNotFoundError:
            out.append(
                Diagnostic(shown, 0, 0, "E801", "missing: its spec compiles to a file that is not there", hint=hint)
            )
            continue
        except (OSError, UnicodeDecodeError) as exc:
            out.append(Diagnostic(shown, 0, 0, "E801", f"unreadable: {exc}", hint=hint))
            continue
        if current != text:
            out.append(
                Diagnostic(
                    shown,
                    _first_difference(current, text),
                    1,
                    "E802",
                    "stale: differs from what its spec compiles to",
                    hint=hint,
                )
            )
    for path in sorted(existing_outputs(out_dir, targets, given)):
        if path not in expected and path not in failed:
            out.append(
                Diagnostic(
                    path.as_posix(),
                    0,
                    0,
                    "E803",
                    "extra: no spec compiles to this file",
                    hint="delete it, or restore the spec it came from",
                )
            )
    return out


def _first_difference(a: str, b: str) -> int:
    for number, (x, y) in enumerate(zip(a.splitlines(), b.splitlines(), strict=False), 1):
        if x != y:
            return number
    return min(a.count("\n"), b.count("\n")) + 1
