"""Entry modules always compile, and secrets are noticed (issue 14, classes 8 and 12).

Class 8: every module the job container imports to reach the entry point is compiled (never
run) whether or not entry_point names a callable. A NUL byte, an unknown coding cookie, a
byte order mark with a coding cookie of another encoding, bytes that are not UTF-8, nesting
too deep for the parser and what only the bytecode compiler refuses are positioned E409
errors with a hint, never a traceback and never a job that would die when it starts.
These modules cannot live in tests/bad/ (ruff reads every .py file under tests/, and some
of them are not even text), so each is written here and run through `jobspec validate`.

Class 12, the part the corpus cannot hold: a `.git` folder (git will not store one inside
the repository) is never uploaded from an input folder, and an input that is a Git folder
is a warning. The corpus cases tests/bad/hostile-secret-* and hostile-input-* hold the rest.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from braket_jobspec.check import credentials
from conftest import CONTEXT, Project

SUMMARY_FAILED = "jobspec: 1 spec(s): 0 valid, 1 with errors\n"
SUMMARY_VALID = "jobspec: 1 spec(s): 1 valid, 0 with errors\n"
DEVICE = "device: local:braket/braket_sv\n"
CALLABLE, BARE = "callable", "bare"
IMPORT_FAILS = "the container would fail to import it"
NESTING = f"{IMPORT_FAILS}; Python limits how deeply code nests: move the inner parts into functions or variables"
UTF8_HINT = (
    "Python reads a module as UTF-8 unless a coding comment on its first or second line names another encoding "
    "(PEP 263): save the file as UTF-8, or declare its encoding, e.g. `# -*- coding: latin-1 -*-`"
)
MAIN = b"def main():\n    pass\n"


def validate(cli: Any, project: Project, spec: str) -> tuple[int, str]:
    project.spec(spec)
    run = cli("validate", *CONTEXT, "job.yaml", cwd=project.root)
    assert "Traceback" not in run.err
    return run.code, run.err


def entry_spec(form: str, module: str = "src.mod") -> str:
    return f"{DEVICE}source_module: src\nentry_point: {module}{':main' if form == CALLABLE else ''}\n"


def write_bytes(project: Project, rel: str, data: bytes) -> None:
    path = project.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# --------------------------------------------------------------------------- class 8: entry modules

# (module bytes, message after "src/mod.py ", hint): each refused with and without a callable.
HOSTILE_MODULES = {
    "nul-byte": (
        b"def main():\n    pass\n\x00\n",
        "has a syntax error on line 3: source code string cannot contain null bytes",
        f"{IMPORT_FAILS}; Python refuses a NUL byte anywhere in a module; is it a binary file, or saved as UTF-16? "
        "Save it as UTF-8 text",
    ),
    "utf16-file": (
        "def main():\n    pass\n".encode("utf-16"),
        "has a syntax error on line 1: source code string cannot contain null bytes",
        f"{IMPORT_FAILS}; Python refuses a NUL byte anywhere in a module; is it a binary file, or saved as UTF-16? "
        "Save it as UTF-8 text",
    ),
    "unknown-coding-cookie": (
        b"# -*- coding: klingon -*-\n" + MAIN,
        "has a syntax error on line 1: unknown encoding: klingon",
        f"{IMPORT_FAILS}; the coding comment names an encoding Python cannot read a module in: "
        "write `# -*- coding: utf-8 -*-`, or remove the comment",
    ),
    "unknown-coding-cookie-line-2": (
        b"#!/usr/bin/env python3\n# vim: set fileencoding=nosuch :\n" + MAIN,
        "has a syntax error on line 2: unknown encoding: nosuch",
        f"{IMPORT_FAILS}; the coding comment names an encoding Python cannot read a module in: "
        "write `# -*- coding: utf-8 -*-`, or remove the comment",
    ),
    "bom-with-latin1-cookie": (
        b"\xef\xbb\xbf# -*- coding: latin-1 -*-\n" + MAIN,
        "has a syntax error on line 1: encoding problem: iso-8859-1 with BOM",
        f"{IMPORT_FAILS}; the file starts with a UTF-8 byte order mark, which says UTF-8, and its coding comment "
        "names another encoding: remove the comment (or the mark, if the file is in the comment's encoding)",
    ),
    "invalid-utf8-in-code": (
        b"def main():\n    return 'caf\xe9'\n",
        "is not UTF-8: byte 0xe9 on line 2 is not part of a UTF-8 character",
        UTF8_HINT,
    ),
    "invalid-utf8-in-comment": (
        b"# caf\xe9 au lait\n" + MAIN,
        "is not UTF-8: byte 0xe9 on line 1 is not part of a UTF-8 character",
        UTF8_HINT,
    ),
    "invalid-utf8-with-utf8-cookie": (
        b"# coding: utf8\n" + MAIN + b"X = '\xff'\n",
        "is not UTF-8: byte 0xff on line 4 is not part of a UTF-8 character",
        UTF8_HINT,
    ),
    "nested-parentheses": (
        b"X = " + b"(" * 250 + b"1" + b")" * 250 + b"\n" + MAIN,
        "has a syntax error on line 1: too many nested parentheses",
        NESTING,
    ),
    "nested-indentation": (
        b"".join(b" " * i + b"if True:\n" for i in range(120)) + b" " * 120 + b"pass\n" + MAIN,
        "has a syntax error on line 101: too many levels of indentation",
        NESTING,
    ),
    "nested-expression": (
        b"X = " + b"-" * 100_000 + b"1\n" + MAIN,
        "is nested too deeply for Python's parser",
        f"{IMPORT_FAILS}; move the inner parts of the deepest expression into functions or variables",
    ),
    "nested-blocks": (  # parsed fine; only the bytecode compiler counts blocks
        b"".join(b"    " * i + b"for a%d in ():\n" % i for i in range(21)) + b"    " * 21 + b"pass\n" + MAIN,
        "has a syntax error on line 21: too many statically nested blocks",
        NESTING,
    ),
    "return-outside-function": (
        MAIN + b"return 0\n",
        "has a syntax error on line 3: 'return' outside function",
        IMPORT_FAILS,
    ),
}


@pytest.mark.parametrize("form", [CALLABLE, BARE])
@pytest.mark.parametrize("name", list(HOSTILE_MODULES))
def test_a_hostile_entry_module_is_refused_with_or_without_a_callable(
    name: str, form: str, cli: Any, project: Project
) -> None:
    data, message, hint = HOSTILE_MODULES[name]
    write_bytes(project, "src/mod.py", data)
    code, err = validate(cli, project, entry_spec(form))
    column = 14  # the value of entry_point:, line 3
    assert (code, err) == (1, f"job.yaml:3:{column}: E409 src/mod.py {message}\n  hint: {hint}\n{SUMMARY_FAILED}")


def test_a_derived_entry_point_is_refused_at_the_source_module(cli: Any, project: Project) -> None:
    """No entry_point: the module is the source file itself, and the error is at source_module's line."""
    write_bytes(project, "algo.py", b"# -*- coding: klingon -*-\n" + MAIN)
    code, err = validate(cli, project, f"{DEVICE}source_module: algo.py\n")
    assert code == 1
    assert err.startswith("job.yaml:2:16: E409 algo.py has a syntax error on line 1: unknown encoding: klingon\n")


def test_a_package_that_does_not_compile_fails_its_modules(cli: Any, project: Project) -> None:
    """Importing src.pkg.mod imports src/pkg/__init__.py first."""
    write_bytes(project, "src/pkg/__init__.py", b"\x00")
    write_bytes(project, "src/pkg/mod.py", MAIN)
    for entry in ("src.pkg.mod:main", "src.pkg.mod", "src.pkg"):
        code, err = validate(cli, project, f"{DEVICE}source_module: src\nentry_point: {entry}\n")
        assert code == 1, entry
        assert err.startswith(
            "job.yaml:3:14: E409 src/pkg/__init__.py has a syntax error on line 1: "
            "source code string cannot contain null bytes\n"
        ), entry


@pytest.mark.parametrize("init", [True, False])
def test_the_main_module_a_bare_package_runs_must_compile(init: bool, cli: Any, project: Project) -> None:
    if init:
        write_bytes(project, "src/tool/__init__.py", b"")
    write_bytes(project, "src/tool/__main__.py", b"print('run')\nbreak\n")
    code, err = validate(cli, project, f"{DEVICE}source_module: src\nentry_point: src.tool\n")
    assert (code, err) == (
        1,
        "job.yaml:3:14: E409 src/tool/__main__.py has a syntax error on line 2: 'break' outside loop\n"
        f"  hint: {IMPORT_FAILS}\n{SUMMARY_FAILED}",
    )


@pytest.mark.parametrize("form", [CALLABLE, BARE])
@pytest.mark.parametrize(
    "data",
    [
        b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + MAIN,  # declared, and decodes
        b"\xef\xbb\xbf# -*- coding: utf-8 -*-\n" + MAIN,  # a BOM that agrees
        b"\xef\xbb\xbf" + MAIN,
        b"X = 1 is 1  # a SyntaxWarning, not an error (and pytest runs with -W error)\n" + MAIN,
        b"if 0:\n    def main():\n        pass\n",  # unreachable to compile(), a binding all the same
        b"from os import path as main\n",
        b"main = print\n",
        b"X = " + b"(" * 150 + b"1" + b")" * 150 + b"\n" + MAIN,  # deep, within the parser's limits
    ],
    ids=["latin1", "bom-utf8-cookie", "bom", "syntax-warning", "if-0", "import", "assign", "deep-but-fine"],
)
def test_modules_that_import_are_accepted(data: bytes, form: str, cli: Any, project: Project) -> None:
    write_bytes(project, "src/mod.py", data)
    assert validate(cli, project, entry_spec(form)) == (0, SUMMARY_VALID)


def test_a_module_without_the_callable_still_names_what_it_has(cli: Any, project: Project) -> None:
    write_bytes(project, "src/mod.py", b"def run():\n    pass\n\n\nclass Job:\n    pass\n")
    code, err = validate(cli, project, entry_spec(CALLABLE))
    assert (code, err) == (
        1,
        "job.yaml:3:14: E409 src/mod.py defines no top-level 'main'\n"
        f"  hint: callables defined there: Job, run\n{SUMMARY_FAILED}",
    )


def test_no_entry_module_is_run_in_a_real_process(project: Project) -> None:
    """Through `python -m braket_jobspec`: a module that would write a file if run is only compiled."""
    marker = project.root / "ran.txt"
    write_bytes(project, "src/mod.py", f"open({str(marker)!r}, 'w').write('ran')\n".encode() + MAIN + b"return\n")
    project.spec(entry_spec(BARE))
    done = subprocess.run(
        [sys.executable, "-m", "braket_jobspec", "validate", *CONTEXT, "job.yaml"],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "E409 src/mod.py has a syntax error on line 4: 'return' outside function" in done.stderr
    assert "Traceback" not in done.stderr
    assert not marker.exists()


# --------------------------------------------------------------------------- class 12: .git in inputs


def test_a_git_folder_in_an_input_folder_is_never_uploaded(cli: Any, project: Project) -> None:
    project.source()
    project.write("data/train.csv", "a,b\n1,2\n")
    project.write("data/.git/config", "[remote]\n  url = https://user:hunter2@example.com/repo.git\n")
    project.write("data/.git/objects/ab/cdef", "blob\n")
    project.write("data/sub/.git", "gitdir: ../../.git/modules/sub\n")  # a submodule's .git file
    project.write("data/sub/more.csv", "c\n3\n")
    project.spec("device: local:braket/braket_sv\nsource_module: algo.py\ninput_data: {train: data}\n")
    run = cli("compile", *CONTEXT, "job.yaml", "-o", "build", cwd=project.root)
    assert (run.code, run.err.count("W40")) == (0, 0), run.err
    manifest = json.loads((project.root / "build" / "job.manifest.json").read_text("utf-8"))
    paths = [entry["path"] for entry in manifest["inputs"]]
    assert paths == ["data/sub/more.csv", "data/train.csv"]


def test_an_input_folder_of_only_git_is_empty(cli: Any, project: Project) -> None:
    project.source()
    project.write("data/.git/HEAD", "ref: refs/heads/main\n")
    code, err = validate(cli, project, "device: local:braket/braket_sv\nsource_module: algo.py\ninput_data: data\n")
    assert code == 1
    assert "E412 input 'input' folder has no files" in err


@pytest.mark.parametrize("value", [".git", ".git/config", "vendor/lib/.git"])
def test_an_input_in_a_git_folder_is_a_warning(value: str, cli: Any, project: Project) -> None:
    project.source()
    project.write(".git/config", "[core]\n")
    project.write("vendor/lib/.git/config", "[core]\n")
    code, err = validate(cli, project, f"device: local:braket/braket_sv\nsource_module: algo.py\ninput_data: {value}\n")
    assert (code, err) == (
        0,
        f"job.yaml:3:13: W404 input 'input' would upload a Git folder ({value})\n"
        "  hint: a repository's .git holds its whole history, and its config may hold credentials; "
        f"point the channel at the data instead\n{SUMMARY_VALID}",
    )


def test_a_large_data_file_is_not_read_again_for_a_key(cli: Any, project: Project) -> None:
    """Only a small file is looked into: a data file that happens to start like a key is data past 64 KiB."""
    project.source()
    write_bytes(project, "data/big.bin", b"-----BEGIN PRIVATE KEY-----\n" + b"A" * (64 << 10))
    write_bytes(project, "data/small.key", b"\n  -----BEGIN EC PRIVATE KEY-----\nTEST\n-----END EC PRIVATE KEY-----\n")
    code, err = validate(cli, project, "device: local:braket/braket_sv\nsource_module: algo.py\ninput_data: data\n")
    assert (code, re.findall(r"W404 .*", err)) == (
        0,
        ["W404 input 'input' would upload data/small.key, which looks like a private key"],
    )


# --------------------------------------------------------------------------- class 12: the patterns

# credentials.find_secret tests cheap conditions before each pattern: it must find what the
# patterns alone find, for every text.
_GITHUB = re.compile(r"(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{36,})(?![A-Za-z0-9_])")
_URL = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*:([^\s/?#@]+)@[^\s/?#@]")
_PLACEHOLDER = re.compile(r"^(\$|\{|<|%\(|\*+$|x+$)")


_KINDS = {
    "ghp": "a GitHub personal access token",
    "gho": "a GitHub OAuth token",
    "ghu": "a GitHub user-to-server token",
    "ghs": "a GitHub server-to-server token",
    "ghr": "a GitHub refresh token",
    "git": "a GitHub fine-grained personal access token",
}


def reference(text: str) -> tuple[str, int, int] | None:
    m = _GITHUB.search(text)
    if m:
        return _KINDS[m.group(1)[:3]], m.start(1), len(m.group(1))
    for m in _URL.finditer(text):
        if not _PLACEHOLDER.match(m.group(1)):
            return "a URL with a password", m.start(1), len(m.group(1))
    return None


PIECES = st.sampled_from(
    ["ghp_", "gho_", "ghs_", "github_pat_", "A" * 18, "7" * 18, "_", "x", "https://", "u", ":", "pw", "@", "h", "/"]
)


@given(st.lists(PIECES, max_size=14).map("".join))
def test_find_secret_finds_what_the_patterns_alone_find(text: str) -> None:
    found = credentials.find_secret(text)
    assert (tuple(found) if found else None) == reference(text)


@pytest.mark.parametrize(
    "text",
    [
        "s3://my-bucket/ghp_in/a/key",
        "https://user@host/path",
        "https://host:8443/a@b",
        "postgres://admin:${DB_PASSWORD}@db/x",
        "mysql://root:****@db/x",
        "ghp_" + "A" * 35,
        "xghp_" + "A" * 36,
        "my_ghp_" + "A" * 36,
    ],
)
def test_what_is_not_a_secret(text: str) -> None:
    assert credentials.find_secret(text) is None
