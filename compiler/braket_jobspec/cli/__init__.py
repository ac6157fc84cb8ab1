"""The `jobspec` command: the one place that turns argv into a command and errors into exit codes.

Each command lives in a module of this package (compile.py, deploy.py, ...), imports only
argparse at the top, registers its parser with `register(subparsers)`, and imports what it needs when it runs,
so `jobspec compile` never pays for boto3, and `--help` for nothing at all.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from braket_jobspec import __version__
from braket_jobspec.cli.options import EXIT_FAILED, EXIT_USAGE, UsageError

# Each command and the module that registers it, in --help order. `jobspec X` builds only
# X's parser (each add_argument costs start-up time); --help and unknown commands build all.
COMMANDS = {
    "compile": "compile",
    "check": "compile",
    "validate": "compile",
    "explain": "explain",
    "diff": "diff",
    "run": "run",
    "deploy": "deploy",
    "status": "jobs",
    "cancel": "jobs",
    "results": "results",
    "logs": "logs",
    "import": "importjob",
    "init": "init",
    "schema": "schema",
    "devices": "devices",
}
MODULES = tuple(dict.fromkeys(COMMANDS.values()))

DESCRIPTION = """\
Amazon Braket hybrid jobs as reviewed files.

A job spec (YAML or TOML) holds the arguments of the Braket SDK's
AwsQuantumJob.create. `jobspec compile` turns it into the exact CreateJob
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

`jobspec COMMAND --help` explains each command.
exit codes: 0 ok, 1 spec errors or stale outputs, 2 usage errors.
docs: README.md, docs/diagnostics.md, docs/deviations.md
"""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of `jobspec`: with a known command, of that command only (what `jobspec X ...` parses)."""
    parser = argparse.ArgumentParser(
        prog="jobspec", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"jobspec {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (COMMANDS[command],) if command in COMMANDS else MODULES:
        importlib.import_module(f"{__package__}.{name}").register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # argparse hands everything after the command to its parser, so the others are not needed;
    # without a command first (--help, --version, nothing, a typo) every command is listed.
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = args.run(args)
        return code
    except UsageError as exc:
        sys.stderr.write(f"jobspec {args.command}: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("jobspec: interrupted\n")
        return EXIT_FAILED
    except BrokenPipeError:
        return EXIT_FAILED
    except OSError as exc:  # what no command reports itself: stdout full, a folder gone under us
        sys.stderr.write(f"jobspec {args.command}: error: {exc.strerror or exc}\n")
        return EXIT_FAILED


def run() -> NoReturn:
    """The `jobspec` program: main(), then an exit that skips the interpreter's teardown.

    A command that returned has finished its work: its files are closed, its workers
    joined. Tearing the interpreter down (full garbage collections, then every module
    freed) would only add a tenth to a one-spec compile, more after many specs.
    """
    # The stages' imports and a compile make many small objects and almost no cycles:
    # collecting every 700 allocations (the default) costs time for nothing (docs/performance.md).
    gc.set_threshold(20_000, 10, 10)
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a reader that went away, a stream closed or full
        code = code or EXIT_FAILED
    os._exit(code)
