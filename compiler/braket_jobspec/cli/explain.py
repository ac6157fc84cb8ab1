"""`jobspec explain SPEC`: each request field, its value, and where it came from."""

from __future__ import annotations

import argparse
import sys
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


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "explain",
        help="show where each field of a spec's request comes from",
        description="Compile one spec in memory and list every field of its CreateJob request with its value and "
        "its origin: a line of the spec, a base file, the environment, the context, an SDK default, or a "
        "derivation (and from which field). The context values (region, account, bucket, stamp) are listed first.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  jobspec explain specs/vqe.yaml\n  jobspec explain specs/vqe.yaml --env prod\n"
        "  jobspec explain specs/vqe.yaml --format json   (for tools)",
    )
    parser.add_argument("spec", type=path_argument, metavar="SPEC", help="a spec file")
    add_context_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from braket_jobspec.compile.project import Project
    from braket_jobspec.gitops.explain import explain, render_json, render_text

    if not args.spec.is_file():
        raise UsageError(f"{args.spec.as_posix()}: no such spec file")
    chosen = settings(args)
    project = Project(chosen)
    result = project.compile(args.spec)
    emit(result.diagnostics, args.format)
    if not result.ok or result.compiled is None:
        return EXIT_FAILED
    config, _ = project.config_for(args.spec.parent.resolve())
    explanation = explain(result, config, chosen)
    sys.stdout.write(render_json(explanation) if args.format == "json" else render_text(explanation))
    return EXIT_OK
