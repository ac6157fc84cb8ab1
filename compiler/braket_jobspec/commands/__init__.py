"""The subcommands of `jobspec`, one module each.

A command module exposes `register(subparsers)`, which adds its parser and sets
`run=<function(args) -> int>` as a default. Modules import only argparse at the top;
whatever a command needs is imported when it runs, so start-up stays fast.
"""

from __future__ import annotations

# In --help order.
MODULES = ("build", "explain", "diff", "run", "deploy", "jobs", "importjob", "init", "schema")
