"""Start-up: `jobspec X` builds only X's parser and imports only what X needs, saying the same."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from braket_jobspec.check import credentials
from braket_jobspec.cli import COMMANDS, MODULES, build_parser
from conftest import CONTEXT, Project


def registered(module: str) -> list[str]:
    """The commands a command module registers, in order."""
    import importlib

    subparsers = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(f"braket_jobspec.cli.{module}").register(subparsers)
    return list(subparsers.choices)


def test_the_command_table_names_what_each_module_registers() -> None:
    table = [(name, module) for module in MODULES for name in registered(module)]
    assert table == list(COMMANDS.items())


def printed(parser: argparse.ArgumentParser, argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[Any, ...]:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(argv)
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_command_parsed_alone_says_what_it_says_among_all(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in ([command, "--help"], [command, "--no-such-flag"]):
        alone = printed(build_parser(command), argv, capsys)
        among_all = printed(build_parser(), argv, capsys)
        assert alone == among_all
        assert alone[1] or alone[2]


NOT_FOR_COMPILE = (
    "braket_jobspec.check.formats",  # formats in words: for refused values only
    "difflib",  # did-you-mean (diagnostics.words): for refused values only
    "braket_jobspec.cli.deploy",  # other commands
    "braket_jobspec.cli.run",
    "braket_jobspec.cli.diff",
    "importlib.resources",
    "zipfile",
    "decimal",
    "jsonschema",  # refusals only
    "boto3",
    "botocore",
)


def test_compiling_one_valid_spec_imports_nothing_it_does_not_use(project: Project) -> None:
    project.source("src/algo.py")
    spec = project.spec(
        "device: arn:aws:braket:::device/quantum-simulator/amazon/sv1\nsource_module: src/algo.py\n"
        "image_uri: pytorch\nhyperparameters: {lr: '0.1'}\ntags: {team: algorithms}\n"
    )
    probe = (
        "import json, sys\nfrom braket_jobspec.cli import main\n"
        f"code = main(['compile', {str(spec)!r}, '-o', '-', *{CONTEXT!r}])\n"
        "sys.stderr.write(json.dumps([code, sorted(sys.modules)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=project.root, timeout=60)
    code, modules = json.loads(done.stderr.splitlines()[-1])  # after any diagnostics
    assert code == 0 and json.loads(done.stdout)["hyperParameters"] == {"lr": "0.1"}
    assert "braket_jobspec.check" in modules  # the probe does see the compile's imports
    loaded = [name for name in NOT_FOR_COMPILE if any(m == name or m.startswith(name + ".") for m in modules)]
    assert loaded == []


# --------------------------------------------------------------------------- credentials

# credentials.find tests cheap conditions before each pattern, and compiles the patterns
# only when one holds: it must find what the patterns alone find, for every value.
_REFERENCE = {
    "id": re.compile(r"(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"),
    "secret": re.compile(r"^[A-Za-z0-9/+=]{40}$"),
    "secret_name": re.compile(r"secret|passw|credential|private|aws_?key|access_?key", re.I),
    "token": re.compile(r"^(IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{80,}$"),
    "token_name": re.compile(r"session|token", re.I),
    "base64": re.compile(r"^[A-Za-z0-9/+=]{100,}$"),
}


def reference(key: str, value: str) -> tuple[str, int] | None:
    m = _REFERENCE["id"].search(value)
    if m:
        return f"an AWS {'temporary ' if m.group(1) == 'ASIA' else ''}access key id", m.start()
    if _REFERENCE["secret"].match(value) and _REFERENCE["secret_name"].search(key):
        return "an AWS secret access key", 0
    if _REFERENCE["token"].match(value) or (_REFERENCE["base64"].match(value) and _REFERENCE["token_name"].search(key)):
        return "an AWS session token", 0
    return None


PIECES = st.sampled_from(
    ["AKIA", "ASIA", "IQoJb3JpZ2lu", "FwoGZXIvYXdz", "A" * 16, "b" * 40, "+/=", "x", "7", "\n", " "]
)
VALUES = st.one_of(
    st.lists(PIECES, max_size=12).map("".join),
    st.integers(min_value=35, max_value=130).flatmap(
        lambda n: st.text(alphabet="ABCZ019a/+=", min_size=n, max_size=n).flatmap(
            lambda body: st.sampled_from([body, body + "\n", "AKIA" + body, "IQoJb3JpZ2lu" + body])
        )
    ),
)


@given(key=st.sampled_from(["secret_key", "session_token", "notes", "Access_Key"]), value=VALUES)
def test_credentials_find_what_the_patterns_alone_find(key: str, value: str) -> None:
    found = credentials.find(key, value)
    assert (tuple(found) if found else None) == reference(key, value)


@pytest.mark.parametrize(
    ("key", "value", "what"),
    [
        ("secret", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "an AWS secret access key"),  # `$` before a newline
        ("token", "Zm9v" * 25, "an AWS session token"),  # exactly 100 characters
        ("x", "FQoGZXIvYXdz" + "A" * 80 + "\n", "an AWS session token"),
    ],
)
def test_credentials_at_the_edges_of_the_cheap_tests(key: str, value: str, what: str) -> None:
    found = credentials.find(key, value)
    assert found is not None and found.what == what
