"""Safety: nothing leaves the repository unless asked, no user code runs at compile time,
and values that look like AWS credentials are flagged."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest

from braket_jobspec.check import credentials
from braket_jobspec.cli import main

CONTEXT = ["--region", "us-west-2", "--account-id", "123456789012", "--stamp", "1700000000000"]


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/repo (the repository: jobspec.toml, src/, data/) next to tmp/outside."""
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "data").mkdir()
    (repo / "jobspec.toml").write_text("# no environments\n")
    (repo / "src" / "algo.py").write_text("def main():\n    pass\n")
    (repo / "data" / "in.csv").write_text("a\n")
    outside = tmp_path / "outside"
    (outside / "code").mkdir(parents=True)
    (outside / "code" / "tool.py").write_text("def main():\n    pass\n")
    (outside / "data.csv").write_text("secret\n")
    monkeypatch.chdir(repo)
    return repo


def compile_json(repo: Path, spec: str, *extra: str) -> tuple[int, list[dict[str, object]], Path]:
    (repo / "job.yaml").write_text("device: local:braket/braket_sv\n" + spec)
    out = repo / "out"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["compile", *CONTEXT, *extra, "--format", "json", "-o", str(out), "job.yaml"])
    return code, json.loads(err.getvalue())["diagnostics"], out


def codes(diags: list[dict[str, object]]) -> list[object]:
    return [d["code"] for d in diags]


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("spec", "what"),
    [
        ("source_module: ../outside/code/tool.py\n", "a source above the repository"),
        ("source_module: src/../../outside/code\nentry_point: code.tool:main\n", "a path that climbs out"),
        ("source_module: {outside}/code/tool.py\n", "an absolute path elsewhere"),
        ("source_module: link\nentry_point: code.tool:main\n", "a symlink out"),
        ("source_module: src/algo.py\ninput_data: ../outside/data.csv\n", "an input above the repository"),
        ("source_module: src/algo.py\ninput_data:\n  d: {outside}/data.csv\n", "an absolute input elsewhere"),
        ("source_module: src/algo.py\ninput_data: data_link\n", "an input symlink out"),
    ],
)
def test_paths_out_of_the_repository_are_refused(layout: Path, spec: str, what: str) -> None:
    outside = layout.parent / "outside"
    (layout / "link").symlink_to(outside / "code")
    (layout / "data_link").symlink_to(outside / "data.csv")
    spec = spec.replace("{outside}", outside.as_posix())
    code, diags, out = compile_json(layout, spec)
    assert code == 1, what
    assert codes(diags) == ["E402"], what
    assert "outside the repository" in str(diags[0]["message"])
    assert not out.exists(), "nothing is written for a refused spec"
    code, diags, out = compile_json(layout, spec, "--allow-outside-root")
    assert code == 0, (what, diags)
    manifest = json.loads((out / "job.manifest.json").read_text())
    assert manifest["source"]["kind"] == "local"


def test_a_path_that_climbs_out_and_back_in_is_fine(layout: Path) -> None:
    code, diags, _ = compile_json(layout, "source_module: src/../src/algo.py\n")
    assert (code, diags) == (0, [])


def test_a_symlink_out_of_the_source_folder_is_refused_even_with_the_flag(layout: Path) -> None:
    (layout / "src" / "leak.py").symlink_to(layout.parent / "outside" / "code" / "tool.py")
    for extra in ((), ("--allow-outside-root",)):
        code, diags, _ = compile_json(layout, "source_module: src\nentry_point: src.algo:main\n", *extra)
        assert code == 1
        assert codes(diags) == ["E408"]
        assert "symlink points outside the source folder" in str(diags[0]["message"])


def test_a_symlink_out_of_an_input_folder_is_refused(layout: Path) -> None:
    (layout / "data" / "leak.csv").symlink_to(layout.parent / "outside" / "data.csv")
    code, diags, _ = compile_json(layout, "source_module: src/algo.py\ninput_data: data\n")
    assert code == 1
    assert codes(diags) == ["E411"]


# --------------------------------------------------------------------------- no user code runs


def test_no_user_code_runs_at_compile_time(layout: Path) -> None:
    """A package whose __init__.py (and modules) write a file when imported: compiling must not import them."""
    marker = layout.parent / "imported.txt"
    package = layout / "src" / "jobspec_probe_pkg"
    package.mkdir()
    payload = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\n"
    (package / "__init__.py").write_text(payload + "def main():\n    pass\n")
    (package / "train.py").write_text(payload + "def train():\n    pass\n")
    (package / "__main__.py").write_text(payload)
    for entry in ("jobspec_probe_pkg.train:train", "jobspec_probe_pkg:main", "jobspec_probe_pkg.train"):
        code, diags, _ = compile_json(layout, f"source_module: src/jobspec_probe_pkg\nentry_point: {entry}\n")
        assert (code, diags) == (0, []), entry
    code, diags, _ = compile_json(layout, "source_module: src/jobspec_probe_pkg\nentry_point: jobspec_probe_pkg:nope\n")
    assert codes(diags) == ["E409"]  # found by reading the module's syntax tree, not by importing it
    assert "callables defined there: main" in str(diags[0]["hint"])
    assert not marker.exists()
    assert not any(name.startswith("jobspec_probe_pkg") for name in sys.modules)


# --------------------------------------------------------------------------- credentials


@pytest.mark.parametrize(
    ("key", "value", "what"),
    [
        ("access", "AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
        ("note", "rotate AKIAIOSFODNN7EXAMPLE soon", "an AWS access key id"),
        ("access", "ASIAY34FZKBOKMUTVV7A", "an AWS temporary access key id"),
        ("aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "an AWS secret access key"),
        ("db_password", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "an AWS secret access key"),
        ("x", "IQoJb3JpZ2luX2VjE" + "A" * 120, "an AWS session token"),
        ("session_token", "Zm9v" * 40, "an AWS session token"),
    ],
)
def test_credentials_are_recognized(key: str, value: str, what: str) -> None:
    found = credentials.find(key, value)
    assert found is not None and found.what == what


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("access", "akiaiosfodnn7example"),  # lower case: not a key id
        ("access", "XAKIAIOSFODNN7EXAMPLE"),  # part of a longer word
        ("access", "AKIAIOSFODNN7EXAMPL"),  # 15 characters after the prefix
        ("checksum", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),  # 40 base64 characters, not named like a secret
        ("secret_word", "not base64 at all, but forty characters!"),
        ("ansatz", "uccsd"),
        ("notes", "Zm9v" * 40),  # long base64 that is not named like a token
    ],
)
def test_ordinary_values_are_not_credentials(key: str, value: str) -> None:
    assert credentials.find(key, value) is None


def test_credential_warnings_do_not_fail_the_compile(layout: Path) -> None:
    spec = (
        "source_module: src/algo.py\nhyperparameters:\n  key: AKIAIOSFODNN7EXAMPLE\ntags:\n  t: ASIAY34FZKBOKMUTVV7A\n"
    )
    code, diags, out = compile_json(layout, spec)
    assert code == 0
    assert [(d["code"], d["severity"], d["line"], d["col"]) for d in diags] == [
        ("W402", "warning", 4, 8),
        ("W402", "warning", 6, 6),
    ]
    assert (out / "job.json").exists()
