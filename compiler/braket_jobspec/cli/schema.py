"""`jobspec schema`: print the spec schema (for editors) or the CreateJob request schema."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from braket_jobspec.cli.options import EXIT_OK


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "schema",
        help="print the JSON Schema of specs (or of the CreateJob request)",
        description="Print the JSON Schema that specs follow, for editors and other tools. "
        "With --request, the CreateJob request schema derived from botocore's service model.",
    )
    parser.add_argument("--request", action="store_true", help="the CreateJob request schema instead")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from braket_jobspec.schemas import REQUEST_SCHEMA, SPEC_SCHEMA, schema_text

    sys.stdout.write(schema_text(REQUEST_SCHEMA if args.request else SPEC_SCHEMA))
    return EXIT_OK
