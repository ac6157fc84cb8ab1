"""`jobspec compile`, `check` and `validate`: the compiler over files and folders."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from braket_jobspec.cli.options import (
    EXIT_FAILED,
    EXIT_OK,
    UsageError,
    add_context_options,
    emit,
    folder_argument,
    path_argument,
    settings,
    summary,
)

if TYPE_CHECKING:
    from braket_jobspec.compile import Result, Writer
    from braket_jobspec.compile.outputs import Target

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
    compile_.add_argument(
        "paths", nargs="*", type=path_argument, metavar="PATH", help="spec files or folders (default specs/)"
    )
    compile_.add_argument(
        "-o",
        "--out-dir",
        default="build",
        type=folder_argument,
        metavar="DIR",
        help="output folder (default build/; build/<env>/ with --env or --all-envs); "
        "'-' prints one spec's request to stdout",
    )
    add_context_options(compile_)
    add_build_options(compile_)
    compile_.set_defaults(run=run_compile)

    check = commands.add_parser(
        "check",
        help="fail when checked-in outputs are missing, stale or extra",
        description="Compile in memory and compare with the output folder: exit 1 listing every output that is "
        "missing, stale (differs) or extra (no spec makes it). Writes nothing.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  jobspec check\n  jobspec check --format github   (annotations in a GitHub workflow)",
    )
    check.add_argument(
        "paths", nargs="*", type=path_argument, metavar="PATH", help="spec files or folders (default specs/)"
    )
    check.add_argument(
        "-o",
        "--out-dir",
        default="build",
        type=folder_argument,
        metavar="DIR",
        help="output folder (default build/; build/<env>/ with --env or --all-envs)",
    )
    add_context_options(check)
    add_build_options(check)
    check.set_defaults(run=run_check)

    validate = commands.add_parser(
        "validate",
        help="report problems in specs; write nothing",
        description="Run every check of compile and report the diagnostics; write nothing.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  jobspec validate specs/vqe.yaml\n  jobspec validate specs --format json",
    )
    validate.add_argument(
        "paths", nargs="*", type=path_argument, metavar="PATH", help="spec files or folders (default specs/)"
    )
    add_context_options(validate)
    add_build_options(validate)
    validate.set_defaults(run=run_validate)


def add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--all-envs",
        action="store_true",
        help="once for each environment of jobspec.toml, each into <out-dir>/<env>/",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="compile every spec, ignoring the incremental cache (.jobspec-cache/ at the project root)",
    )


class Build(NamedTuple):  # not a dataclass: see diagnostics.Diagnostic
    """One pass over the specs: an environment (None: the default one) and its output folder."""

    environment: str | None
    out_dir: Path
    others: tuple[str, ...] = ()  # the project's environments, whose build/<env>/ folders a plain pass ignores


def discover_targets(args: argparse.Namespace) -> list[Target]:
    from braket_jobspec.compile.outputs import DiscoveryError, discover

    paths = args.paths or [DEFAULT_SPECS]
    try:
        targets = discover(paths)
    except DiscoveryError as exc:
        raise UsageError(str(exc)) from exc
    if not targets:
        raise UsageError(f"no spec files in {', '.join(p.as_posix() for p in paths)}")
    return targets


def plan_builds(args: argparse.Namespace, targets: Sequence[Target]) -> list[Build]:
    """The passes the flags ask for: the default environment into -o, or each named one into -o/<env>."""
    out = Path(getattr(args, "out_dir", None) or "build")
    if args.env is not None:
        from braket_jobspec.config import ENV_NAME

        if not ENV_NAME.fullmatch(args.env) or args.env in (".", ".."):
            raise UsageError(f"--env {args.env!r}: an environment's name is a plain name (letters, digits, . _ -)")
    names = _environments(targets)
    if getattr(args, "all_envs", False):
        if args.env:
            raise UsageError("--env and --all-envs exclude each other")
        if not names:
            raise UsageError("--all-envs: the project config (jobspec.toml) defines no environments")
        chosen = names
    elif args.env:
        chosen = (args.env,)
    else:
        return [Build(None, out, names)]
    for target in targets:
        first = target.stem.split("/", 1)[0]
        if "/" in target.stem and first in names:
            raise UsageError(
                f"{target.spec.as_posix()}: its folder {first}/ has the name of an environment, and its outputs "
                f"would mix with those of --env {first} in {(out / first).as_posix()}/: rename the folder"
            )
    return [Build(name, out / name) for name in chosen]


def _environments(targets: Sequence[Target]) -> tuple[str, ...]:
    """The environments of the project config that governs the first spec."""
    from braket_jobspec.config import find_config, read_config

    path = find_config(targets[0].spec.parent.resolve())
    if path is None:
        return ()
    config, _ = read_config(path, path.as_posix())
    return tuple(sorted(config.environments))


def compile_targets(
    args: argparse.Namespace,
    targets: Sequence[Target] | None = None,
    build: Build | None = None,
    write: Writer | None = None,
) -> tuple[list[Target], Iterator[Result]]:
    """Compile each spec named on the command line for one build (default: the default environment).

    The results come in the targets' order as they are ready (see Project.compile_each).
    """

    from braket_jobspec.compile.project import Project

    targets = list(targets if targets is not None else discover_targets(args))
    base = settings(args)
    environment = build.environment if build is not None else base.environment
    project = Project(base._replace(environment=environment, cache=not getattr(args, "no_cache", True)))
    if build is None:
        return targets, project.compile_each([(t.spec, None) for t in targets])
    from braket_jobspec.compile.outputs import output_folders

    folders = output_folders(targets, build.out_dir)
    return targets, project.compile_each([(t.spec, f) for t, f in zip(targets, folders, strict=True)], write)


def run_compile(args: argparse.Namespace) -> int:
    from braket_jobspec.compile.outputs import writer

    if args.out_dir == "-":
        if len(args.paths) != 1 or args.paths[0].is_dir() or not args.paths[0].exists():
            raise UsageError("-o - prints a single spec's request: name exactly one spec file")
        if args.all_envs:
            raise UsageError("-o - prints one request: name one environment with --env, not --all-envs")
        result = next(compile_targets(args)[1])
        emit(result.diagnostics, args.format)
        if not result.ok:
            return EXIT_FAILED
        sys.stdout.write(result.request_json())
        return EXIT_OK
    targets = discover_targets(args)
    code = EXIT_OK
    for build in plan_builds(args, targets):
        results = list(compile_targets(args, targets, build, writer(targets, build.out_dir))[1])
        written = sum(r.written for r in results)
        failed = sum(not r.ok for r in results)
        emit([d for r in results for d in r.diagnostics], args.format)
        summary(
            args,
            f"{_named(build)}{len(results)} spec(s): {len(results) - failed} compiled, {failed} failed; "
            f"{written} file(s) written to {build.out_dir.as_posix()}/",
        )
        code = EXIT_FAILED if failed else code
    return code


def _named(build: Build) -> str:
    return f"environment {build.environment}: " if build.environment else ""


def run_check(args: argparse.Namespace) -> int:
    from braket_jobspec.compile.outputs import find_drift

    targets = discover_targets(args)
    code = EXIT_OK
    for build in plan_builds(args, targets):
        results = list(compile_targets(args, targets, build)[1])
        drift = find_drift(targets, results, build.out_dir, args.paths or [DEFAULT_SPECS], build.others)
        failed = sum(not r.ok for r in results)
        emit([d for r in results for d in r.diagnostics] + drift, args.format)
        again = "jobspec compile" + (f" --env {build.environment}" if build.environment else "")
        if drift:
            summary(args, f"{_named(build)}{len(drift)} output(s) out of date: run `{again}` and commit the result")
        elif not failed:
            summary(args, f"{_named(build)}{len(results)} spec(s): outputs in {build.out_dir.as_posix()}/ are current")
        code = EXIT_FAILED if failed or drift else code
    return code


def run_validate(args: argparse.Namespace) -> int:
    targets = discover_targets(args)
    code = EXIT_OK
    for build in plan_builds(args, targets):
        results = list(compile_targets(args, targets, build)[1])
        failed = sum(not r.ok for r in results)
        emit([d for r in results for d in r.diagnostics], args.format)
        summary(args, f"{_named(build)}{len(results)} spec(s): {len(results) - failed} valid, {failed} with errors")
        code = EXIT_FAILED if failed else code
    return code
