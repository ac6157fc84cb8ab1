"""`jobspec schema`: print the spec schema (for editors), the project config's, or the CreateJob request schema."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from braket_jobspec.cli.options import EXIT_OK


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "schema",
        help="print the JSON Schema of specs (or of jobspec.toml, or of the CreateJob request)",
        description="Print the JSON Schema that specs follow, for editors and other tools. "
        "With --project, the schema of the project config (jobspec.toml); with --request, the "
        "CreateJob request schema derived from botocore's service model.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--project", action="store_true", help="the project config (jobspec.toml) schema instead")
    which.add_argument("--request", action="store_true", help="the CreateJob request schema instead")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from braket_jobspec.schemas import PROJECT_SCHEMA, REQUEST_SCHEMA, SPEC_SCHEMA, schema_text

    name = REQUEST_SCHEMA if args.request else PROJECT_SCHEMA if args.project else SPEC_SCHEMA
    sys.stdout.write(schema_text(name))
    return EXIT_OK
