"""The command line: outputs, drift checks, exit codes and streams."""

from __future__ import annotations

import json
import shutil

import pytest

from braket_jobspec import __version__
from conftest import CONTEXT, REPO, Project

SPEC = "device: arn:aws:braket:::device/quantum-simulator/amazon/sv1\nsource_module: algo.py\n"


@pytest.fixture
def tree(project: Project) -> Project:
    project.source("specs/algo.py")
    project.write("specs/a.yaml", SPEC)
    project.write("specs/sub/b.toml", 'device = "local:braket/braket_sv"\nsource_module = "../algo.py"\n')
    return project


def test_compile_mirrors_folders_and_writes_request_and_manifest(tree: Project, cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("compile", *CONTEXT, cwd=tree.root)
    assert run.code == 0, run.err
    assert run.out == ""
    assert "2 spec(s): 2 compiled, 0 failed; 4 file(s) written to build/" in run.err
    outputs = sorted(p.relative_to(tree.root).as_posix() for p in (tree.root / "build").rglob("*"))
    assert outputs == [
        "build/a.json",
        "build/a.manifest.json",
        "build/sub",
        "build/sub/b.json",
        "build/sub/b.manifest.json",
    ]
    request = json.loads((tree.root / "build/a.json").read_text())
    manifest = json.loads((tree.root / "build/sub/b.manifest.json").read_text())
    assert request["algorithmSpecification"]["scriptModeConfig"]["entryPoint"] == "algo"
    assert manifest["root"] == "../.."
    assert manifest["source"]["path"] == "specs/algo.py"
    assert (tree.root / "build/a.json").read_text().endswith("}\n")


def test_compile_is_byte_identical_from_any_directory(tree: Project, cli) -> None:  # type: ignore[no-untyped-def]
    cli("compile", *CONTEXT, cwd=tree.root)
    first = {p: p.read_bytes() for p in (tree.root / "build").rglob("*.json")}
    shutil.rmtree(tree.root / "build")
    run = cli("compile", "..", "-o", "../../build", *CONTEXT, cwd=tree.root / "specs" / "sub")
    assert run.code == 0, run.err
    assert {p: p.read_bytes() for p in (tree.root / "build").rglob("*.json")} == first


def test_stdout_output_of_one_spec(tree: Project, cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("compile", "specs/a.yaml", "-o", "-", *CONTEXT, cwd=tree.root)
    assert run.code == 0
    assert json.loads(run.out)["jobName"] == "braket-job-default-1700000000000"
    assert not (tree.root / "build").exists()
    assert cli("compile", "specs", "-o", "-", *CONTEXT, cwd=tree.root).code == 2


def test_check_reports_missing_stale_and_extra(tree: Project, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("compile", *CONTEXT, cwd=tree.root).code == 0
    assert cli("check", *CONTEXT, cwd=tree.root).code == 0
    (tree.root / "build/a.json").write_text("{}\n")
    (tree.root / "build/sub/b.manifest.json").unlink()
    (tree.root / "build/old.json").write_text("{}\n")
    run = cli("check", *CONTEXT, cwd=tree.root)
    assert run.code == 1
    assert "build/a.json:1:1: E802 stale" in run.err
    assert "build/sub/b.manifest.json: E801 missing" in run.err
    assert "build/old.json: E803 extra" in run.err
    assert (tree.root / "build/a.json").read_text() == "{}\n"  # check writes nothing


def test_check_sees_a_changed_source(tree: Project, cli) -> None:  # type: ignore[no-untyped-def]
    cli("compile", "--region", "us-west-2", "--account-id", "123456789012", cwd=tree.root)
    tree.source("specs/algo.py", "def main():\n    return 2\n")
    run = cli("check", "--region", "us-west-2", "--account-id", "123456789012", cwd=tree.root)
    assert run.code == 1 and "build/a.json" in run.err and "build/a.manifest.json" in run.err


def test_a_failing_spec_keeps_its_previous_outputs(tree: Project, cli) -> None:  # type: ignore[no-untyped-def]
    cli("compile", *CONTEXT, cwd=tree.root)
    before = (tree.root / "build/a.json").read_bytes()
    tree.write("specs/a.yaml", SPEC + "job_name: not_valid\n")
    tree.source("specs/algo.py", "def main():\n    return 3\n")
    run = cli("compile", *CONTEXT, cwd=tree.root)
    assert run.code == 1
    assert "specs/a.yaml:3:14: E205" in run.err  # at the '_' of not_valid
    assert (tree.root / "build/a.json").read_bytes() == before  # untouched
    assert (
        json.loads((tree.root / "build/sub/b.manifest.json").read_text())["source"]["members"][0]["size"] == 25
    )  # b recompiled
    assert not list((tree.root / "build").rglob("*.tmp"))


def test_validate_writes_nothing_and_reports_every_error(tree: Project, cli) -> None:  # type: ignore[no-untyped-def]
    tree.write("specs/a.yaml", SPEC + "jobname: x\ntags: {team: 1}\n")
    run = cli("validate", "specs", *CONTEXT, cwd=tree.root)
    assert run.code == 1
    assert "specs/a.yaml:3:1: E201 unknown key 'jobname' at the top level" in run.err
    assert "hint: did you mean 'job_name'?" in run.err
    assert "specs/a.yaml:4:14: E203" in run.err
    assert not (tree.root / "build").exists()


def test_usage_errors_exit_2_without_a_traceback(tree: Project, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("compile", "nope", cwd=tree.root).code == 2
    tree.write("notes.txt", "x")
    run = cli("compile", "notes.txt", cwd=tree.root)
    assert run.code == 2 and "not a spec file" in run.err and "Traceback" not in run.err
    assert cli("compile", "--no-such-flag", cwd=tree.root).code == 2
    assert cli(cwd=tree.root).code == 2
    assert cli("compile", "--max-bytes", "0", cwd=tree.root).code == 2


def test_version_and_help(cli) -> None:  # type: ignore[no-untyped-def]
    run = cli("--version")
    assert run.code == 0 and run.out.strip() == f"jobspec {__version__}"
    run = cli("--help")
    assert run.code == 0 and "examples:" in run.out and "exit codes" in run.out
    for command in ("compile", "check", "validate", "schema"):
        assert cli(command, "--help").code == 0


def test_schema_command_prints_the_schemas(cli) -> None:  # type: ignore[no-untyped-def]
    assert json.loads(cli("schema").out)["$id"] == "urn:braket-jobspec:schema:jobspec"
    assert json.loads(cli("schema", "--request").out)["title"] == "Amazon Braket CreateJob request"


def test_project_config_environments(project: Project, cli) -> None:  # type: ignore[no-untyped-def]
    project.source()
    project.spec(SPEC)
    project.write(
        "jobspec.toml",
        """
        default_environment = "dev"
        [environments.dev]
        region = "us-west-2"
        account_id = "111111111111"
        [environments.prod]
        region = "eu-west-2"
        account_id = "222222222222"
        stamp = "9"
    """,
    )
    dev = json.loads(cli("compile", "job.yaml", "-o", "-", cwd=project.root).out)
    assert dev["outputDataConfig"]["s3Path"].startswith("s3://amazon-braket-us-west-2-111111111111/")
    prod = json.loads(cli("compile", "job.yaml", "-o", "-", "--env", "prod", cwd=project.root).out)
    assert (
        prod["outputDataConfig"]["s3Path"] == "s3://amazon-braket-eu-west-2-222222222222/jobs/"
        "braket-job-default-9/9/data"
    )
    flagged = json.loads(cli("compile", "job.yaml", "-o", "-", "--env", "prod", "--stamp", "7", cwd=project.root).out)
    assert flagged["jobName"] == "braket-job-default-7"
    run = cli("compile", "job.yaml", "-o", "-", "--env", "qa", cwd=project.root)
    assert run.code == 1 and "E307 no environment 'qa'" in run.err and "environments: dev, prod" in run.err


def test_bad_project_config_is_reported_with_its_position(project: Project, cli) -> None:  # type: ignore[no-untyped-def]
    project.source()
    project.spec(SPEC)
    project.write("jobspec.toml", '[environments.dev]\nregion = "us-west-2"\naccount = "1"\n')
    run = cli("validate", "job.yaml", cwd=project.root)
    assert run.code == 1
    assert "jobspec.toml:3:1: E302 unknown key 'account' in environment 'dev'" in run.err


def test_repository_specs_compile_to_the_checked_in_build(cli) -> None:  # type: ignore[no-untyped-def]
    """The golden files: build/ is exactly what specs/ compile to."""
    run = cli("check", cwd=REPO)
    assert run.code == 0, run.err


def test_yaml_and_toml_twins_compile_to_the_same_request() -> None:
    assert (REPO / "build/sv1-with-data.json").read_bytes() == (REPO / "build/toml/sv1-with-data.json").read_bytes()


def test_outputs_are_ordinary_files(tree: Project, cli) -> None:  # type: ignore[no-untyped-def]
    import os
    import stat

    old = os.umask(0o022)
    try:
        cli("compile", *CONTEXT, cwd=tree.root)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tree.root / "build/a.json").stat().st_mode) == 0o644


def test_check_of_one_file_answers_only_for_its_outputs(tree: Project, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("compile", *CONTEXT, cwd=tree.root).code == 0
    (tree.root / "build/stray.json").write_text("{}\n")
    assert cli("check", "specs/a.yaml", *CONTEXT, cwd=tree.root).code == 0
    run = cli("check", *CONTEXT, cwd=tree.root)
    assert run.code == 1 and "build/stray.json: E803 extra" in run.err


def test_an_output_folder_that_cannot_be_written_is_an_error_not_a_traceback(tree: Project, cli) -> None:  # type: ignore[no-untyped-def]
    (tree.root / "blocker").write_text("a file where the output folder should be\n")
    result = cli("compile", "specs", "-o", "blocker/out", *CONTEXT, cwd=tree.root)
    assert result.code == 1
    assert "E807 cannot write the outputs of specs/" in result.err and "Traceback" not in result.err
    assert "blocker/out/" in result.err and ".tmp" not in result.err
    assert "0 compiled" in result.err and (tree.root / "blocker").read_text().startswith("a file")


def test_the_program_exits_with_the_code_and_every_byte_of_output(tree: Project, cli) -> None:  # type: ignore[no-untyped-def]
    """`jobspec` (cli.run) leaves by os._exit: what was written must still all arrive, with the code."""
    import subprocess
    import sys

    inside = cli("compile", "specs/a.yaml", "-o", "-", *CONTEXT, cwd=tree.root)
    program = [sys.executable, "-m", "braket_jobspec"]
    ok = subprocess.run([*program, "compile", "specs/a.yaml", "-o", "-", *CONTEXT], cwd=tree.root, capture_output=True)
    assert (ok.returncode, ok.stdout.decode()) == (0, inside.out)
    (tree.root / "specs" / "a.yaml").write_text("device: 1\n")
    bad = subprocess.run([*program, "validate", "specs", *CONTEXT], cwd=tree.root, capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stderr == cli("validate", "specs", *CONTEXT, cwd=tree.root).err
    assert "a.yaml:1:9" in bad.stderr
