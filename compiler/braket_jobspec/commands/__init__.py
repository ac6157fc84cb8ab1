"""The subcommands of `jobspec`, one module each.

A command module exposes `register(subparsers)`, which adds its parser and sets
`run=<function(args) -> int>` as a default. Modules import only argparse at the top;
whatever a command needs is imported when it runs, so start-up stays fast.
"""

from __future__ import annotations

# Each command and the module that registers it, in --help order. `jobspec X` builds only
# X's parser (each add_argument costs start-up time); --help and unknown commands build all.
COMMANDS = {
    "compile": "build",
    "check": "build",
    "validate": "build",
    "explain": "explain",
    "diff": "diff",
    "run": "run",
    "deploy": "deploy",
    "status": "jobs",
    "cancel": "jobs",
    "import": "importjob",
    "init": "init",
    "schema": "schema",
}
MODULES = tuple(dict.fromkeys(COMMANDS.values()))
