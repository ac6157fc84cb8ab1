"""action.yml, the composite GitHub Action of docs/gitops.md.

It is valid against the Action metadata schema (SchemaStore's, as check-jsonschema ships it),
and its `run:` steps, run here with bash as a runner runs them (`bash --noprofile --norc -eo
pipefail`), with the inputs mapped into their `env:` blocks, do what the doc says. Two steps
are not run: actions/setup-python (this interpreter's folder is first on PATH instead), and
the pip install, whose command line is checked with a stand-in `python`.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from .support import REPO_ROOT, Repo, git_env, standard_project

ACTION = REPO_ROOT / "action.yml"
GITOPS = REPO_ROOT / "docs" / "gitops.md"
COMMANDS = ("check", "compile", "validate", "deploy", "status")
INPUT = re.compile(r"\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}")
TIMEOUT = 120


def load(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = load(ACTION.read_text("utf-8"))
    return loaded


def steps() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = action()["runs"]["steps"]
    return found


def schema_check(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


# -- the metadata -------------------------------------------------------------------------


def test_action_yml_is_valid_against_the_action_schema() -> None:
    done = schema_check(ACTION, "vendor.github-actions")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_refuses_a_broken_action(tmp_path: Path) -> None:
    """The check above can fail: a run step without `shell` (which composite actions require) is refused."""
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text("utf-8").replace("      shell: bash\n", "", 1), "utf-8")
    done = schema_check(broken, "vendor.github-actions")
    assert done.returncode == 1, done.stdout + done.stderr


def test_inputs_and_their_defaults() -> None:
    inputs = action()["inputs"]
    assert set(inputs) == {"command", "args", "python-version", "working-directory"}
    assert inputs["command"]["required"] is True and "default" not in inputs["command"]
    assert {name: inputs[name]["default"] for name in ("args", "python-version", "working-directory")} == {
        "args": "",
        "python-version": "3.11",
        "working-directory": ".",
    }
    for command in COMMANDS:
        assert command in inputs["command"]["description"]


def test_no_input_is_pasted_into_a_script() -> None:
    """GitHub substitutes `${{ }}` into a run: script before bash reads it: inputs go through env: only."""
    runs = [step for step in steps() if "run" in step]
    assert len(runs) == 3
    for step in runs:
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], step["run"]
    [setup] = [step for step in steps() if "uses" in step]
    assert setup["uses"] == "actions/setup-python@v5"
    assert setup["with"] == {"python-version": "${{ inputs.python-version }}"}


# -- the steps, run locally -----------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    code: int
    out: str
    err: str
    ran: list[str]  # the names of the steps that ran, the failed one included


def inputs_for(given: dict[str, str]) -> dict[str, str]:
    """The inputs as GitHub gives them to the steps: the workflow's `with:` over the defaults."""
    declared = action()["inputs"]
    assert set(given) <= set(declared), f"not inputs of action.yml: {set(given) - set(declared)}"
    values = {name: spec.get("default", "") for name, spec in declared.items()}
    values.update(given)
    for name, spec in declared.items():
        assert not spec.get("required") or name in given, f"the required input {name} is missing"
    return values


def resolve(text: str, inputs: dict[str, str]) -> str:
    """A value of action.yml with its `${{ inputs.X }}` expressions substituted, as GitHub would."""
    resolved = INPUT.sub(lambda match: inputs[match.group(1)], str(text))
    assert "${{" not in resolved, f"an expression this test cannot evaluate: {text}"
    return resolved


def runner_env(workspace: Path, path: str) -> dict[str, str]:
    env = {k: v for k, v in git_env().items() if not k.startswith(("GITHUB_", "INPUT_", "JOBSPEC_"))}
    env.update(
        PATH=f"{path}{os.pathsep}{os.environ['PATH']}",
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_ACTION_PATH=str(REPO_ROOT),
    )
    return env


def run_step(
    step: dict[str, Any], inputs: dict[str, str], workspace: Path, path: str
) -> subprocess.CompletedProcess[str]:
    env = runner_env(workspace, path)
    env.update({name: resolve(value, inputs) for name, value in step.get("env", {}).items()})
    cwd = workspace / resolve(step.get("working-directory", "."), inputs)
    with tempfile.TemporaryDirectory() as folder:
        # What `shell: bash` runs: the script from a file, with -e and pipefail.
        script = Path(folder) / "step.sh"
        script.write_text(step["run"], "utf-8")
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )


def run_action(workspace: Path, **given: str) -> Outcome:
    """The action's steps in order, until one fails, as a composite action runs them."""
    inputs = inputs_for({name.replace("_", "-"): value for name, value in given.items()})
    outcome = Outcome(0, "", "", [])
    for step in steps():
        if "uses" in step or step.get("id") == "install":
            continue  # setup-python and the install: this interpreter has jobspec installed
        outcome.ran.append(resolve(step["name"], inputs))
        done = run_step(step, inputs, workspace, str(Path(sys.executable).parent))
        outcome.out += done.stdout
        outcome.err += done.stderr
        if done.returncode != 0:
            outcome.code = done.returncode
            break
    return outcome


def test_compile_writes_build_and_check_passes(layered: Repo) -> None:
    done = run_action(layered.root, command="compile")
    assert done.code == 0, done.out + done.err
    assert {p.name for p in (layered.root / "build").iterdir()} == {"job.json", "job.manifest.json"}
    assert done.ran == ["Check the inputs", "jobspec compile"]
    done = run_action(layered.root, command="check")
    assert done.code == 0, done.out + done.err
    assert "::error" not in done.out + done.err


def test_check_of_a_stale_output_fails_with_annotations(layered: Repo) -> None:
    assert run_action(layered.root, command="compile").code == 0
    layered.write("specs/job.yaml", layered.read("specs/job.yaml").replace("shots: 1000", "shots: 5"))
    done = run_action(layered.root, command="check")
    assert done.code == 1
    assert re.search(r"^::error file=build/job\.json,line=\d+,.*title=E802::stale", done.err, re.M), done.err


def test_args_reach_jobspec_as_words_and_quotes_group_them(layered: Repo) -> None:
    assert run_action(layered.root, command="compile", args="--all-envs").code == 0
    assert (layered.root / "build" / "prod" / "job.json").is_file()
    assert run_action(layered.root, command="check", args="--env 'prod'").code == 0
    done = run_action(layered.root, command="validate", args='"specs/job.yaml"\n--env\tprod')
    assert done.code == 0, done.out + done.err


def test_an_unbalanced_quote_in_args_is_an_annotated_error(layered: Repo) -> None:
    done = run_action(layered.root, command="check", args="--env 'prod")
    assert done.code == 2
    assert "::error title=braket-jobspec::args: No closing quotation" in done.out


def test_an_unknown_command_fails_before_anything_is_installed(layered: Repo) -> None:
    done = run_action(layered.root, command="publish")
    assert done.code == 2
    assert done.ran == ["Check the inputs"]
    assert done.out.startswith("::error title=braket-jobspec::command must be one of check, compile, validate")
    assert "(not 'publish')" in done.out


def test_a_command_cannot_issue_workflow_commands(layered: Repo) -> None:
    done = run_action(layered.root, command="check\n::warning::injected%")
    assert done.code == 2
    assert [line for line in done.out.splitlines() if line.startswith("::")] == [done.out.strip()]
    assert "(not 'check%0A::warning::injected%25')" in done.out


@pytest.mark.parametrize(
    "args", ["$(touch pwned)", "`touch pwned`", "specs; touch pwned", "specs && touch pwned", "'; touch pwned #"]
)
def test_args_are_arguments_never_shell(layered: Repo, args: str) -> None:
    keep = layered.write("keep/file", "kept")
    done = run_action(layered.root, command="check", args=f"{args} ; rm -rf keep")
    assert not list(layered.root.parent.rglob("pwned")), done.out + done.err
    assert keep.is_file()
    # jobspec got them as paths or options and refused them (or the split refused a lone quote): a usage error.
    assert done.code == 2, done.out + done.err
    assert done.ran[-1] == "jobspec check"


def test_a_dollar_in_args_is_a_literal_path(layered: Repo) -> None:
    done = run_action(layered.root, command="validate", args="'$(touch pwned)'")
    assert done.code == 2
    assert "jobspec validate: error: $(touch pwned): no such file or folder" in done.err
    assert not (layered.root / "pwned").exists()


def test_working_directory_is_where_jobspec_runs(repo: Repo) -> None:
    sub = Repo(repo.root / "quantum")
    standard_project(sub)
    assert run_action(repo.root, command="compile", working_directory="quantum").code == 0
    assert (sub.root / "build" / "job.json").is_file() and not (repo.root / "build").exists()
    done = run_action(repo.root, command="check", working_directory="quantum")
    assert done.code == 0, done.out + done.err


def test_deploy_dry_run(layered: Repo) -> None:
    assert run_action(layered.root, command="compile").code == 0
    done = run_action(layered.root, command="deploy", args="build/job.json --dry-run")
    assert done.code == 0, done.out + done.err
    assert "call    braket:CreateJob" in done.out and "nothing was called" in done.out


@pytest.mark.parametrize("command", COMMANDS)
def test_the_install_step(tmp_path: Path, command: str) -> None:
    """pip installs this checkout (the action's), with boto3 for the commands that call AWS."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    record = tmp_path / "argv"
    stand_in = bin_ / "python"
    stand_in.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" > '{record}'\n", "utf-8")
    stand_in.chmod(0o755)
    [install] = [step for step in steps() if step.get("id") == "install"]
    done = run_step(install, inputs_for({"command": command}), tmp_path, str(bin_))
    assert done.returncode == 0, done.stderr
    argv = record.read_text("utf-8").splitlines()
    assert argv[:3] == ["-m", "pip", "install"]
    assert argv[-1] == str(REPO_ROOT) + ("[deploy]" if command in ("deploy", "status") else "")


# -- docs/gitops.md ----------------------------------------------------------------------


def documented_workflows() -> list[str]:
    """The YAML blocks of docs/gitops.md that use the action."""
    blocks = re.findall(r"^```yaml\n(.*?)^```", GITOPS.read_text("utf-8"), re.M | re.S)
    return [block for block in blocks if "/braket-jobspec@" in block and "jobs:" in block]


def test_the_documented_workflows_are_valid(tmp_path: Path) -> None:
    workflows = documented_workflows()
    assert len(workflows) == 2
    for n, text in enumerate(workflows):
        path = tmp_path / f"workflow{n}.yml"
        path.write_text(text, "utf-8")
        done = schema_check(path, "vendor.github-workflows")
        assert done.returncode == 0, text + done.stdout + done.stderr


def test_the_documented_workflows_use_the_actions_inputs() -> None:
    declared = set(action()["inputs"])
    used = []
    for text in documented_workflows():
        for job in load(text)["jobs"].values():
            for step in job["steps"]:
                if "/braket-jobspec@" in step.get("uses", ""):
                    assert set(step["with"]) <= declared, step
                    used.append(step["with"]["command"])
    assert set(used) <= set(COMMANDS)
    assert "check" in used and "deploy" in used


def test_the_documented_deploy_passes_the_changed_requests(layered: Repo, tmp_path: Path) -> None:
    """The deploy workflow's `changed` step, then the action's deploy with its output (dry run: no AWS here)."""
    [deploy] = [text for text in documented_workflows() if "command: deploy" in text]
    [changed] = [step for step in load(deploy)["jobs"]["deploy"]["steps"] if step.get("id") == "changed"]
    assert run_action(layered.root, command="compile", args="--all-envs").code == 0
    layered.commit("first")
    layered.write("specs/job.yaml", layered.read("specs/job.yaml").replace("shots: 1000", "shots: 5"))
    assert run_action(layered.root, command="compile", args="--all-envs").code == 0
    layered.commit("second")
    output = tmp_path / "github-output"
    output.touch()
    step = {"run": changed["run"], "env": {"GITHUB_OUTPUT": str(output)}}
    listed = run_step(step, inputs_for({"command": "deploy"}), layered.root, str(Path(sys.executable).parent))
    assert listed.returncode == 0, listed.stderr
    [line] = output.read_text("utf-8").splitlines()
    name, requests = line.split("=", 1)
    assert name == "requests" and requests.split() == ["build/prod/job.json"]
    done = run_action(layered.root, command="deploy", args=f"{requests} --dry-run")
    assert done.code == 0, done.out + done.err
    assert "build/prod/job.json: job " in done.out and "nothing was called" in done.out
