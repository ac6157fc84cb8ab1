"""`jobspec status [PATH...]`: what became of every compiled job, against the local Braket endpoint.

A repository of compiled jobs, some deployed (as jobs the endpoint holds in a given state),
one not, one whose name is taken by another request; then the table, the JSON, the exit
code, --watch over the endpoint's lifecycle, and the faults: throttling, a job deleted
between SearchJobs and GetJob.
"""

from __future__ import annotations

import copy
import datetime
import json
import time
from pathlib import Path
from typing import Any

import pytest

from .support import COMPILE_CONTEXT, request_of

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
FAILURE = (
    "AlgorithmError: Traceback (most recent call last): the entry point algo.run:main raised "
    "ZeroDivisionError: division by zero\n  File algo/run.py, line 2"
)
FAST = ["--interval", "0.01", "--watch-timeout", "20"]
COLUMNS = ["PATH", "JOB", "STATE", "QUEUE", "CREATED", "STARTED", "ENDED", "BILLABLE", "REASON"]


def compile_jobs(project: Any, cli: Any, jobs: dict[str, str]) -> dict[str, Path]:
    """One spec per job name, each on its device, compiled into build/: name -> build/<name>.json."""
    project.write("algo/__init__.py", "")
    project.write("algo/run.py", "def main():\n    pass\n")
    for name, device in jobs.items():
        project.write(
            f"specs/{name}.yaml",
            f"device: {device}\nsource_module: ../algo\nentry_point: algo.run:main\njob_name: {name}\n"
            "hyperparameters:\n  shots: 100\n",
        )
    result = cli("compile", "specs", "-o", "build", *COMPILE_CONTEXT, cwd=project.root)
    assert result.code == 0, result.err
    return {name: project.root / "build" / f"{name}.json" for name in jobs}


def table(text: str) -> list[dict[str, str]]:
    """The rows of the text table, each cell by its column (cut at the header's column starts)."""
    header, *lines = text.splitlines()
    starts = [header.index(column) for column in COLUMNS]
    ends = [*starts[1:], None]
    return [{c: line[s:e].strip() for c, s, e in zip(COLUMNS, starts, ends, strict=True)} for line in lines]


def second(moment: datetime.datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "-"


def milli(moment: datetime.datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if moment else None


@pytest.fixture
def repo(project: Any, cli: Any, deploy: Any) -> dict[str, Any]:
    """Seven compiled jobs in two regions, six of their names known to the endpoint, in every state."""
    builds = compile_jobs(
        project,
        cli,
        {
            "idle": SV1,
            "queued": SV1,
            "running": FORTE,
            "done": SV1,
            "broken": SV1,
            "stopped": SV1,
            "taken": SV1,
        },
    )
    braket = deploy.braket
    other = copy.deepcopy(request_of(builds["taken"]))
    other["hyperParameters"] = {"shots": "5"}
    jobs = {
        "queued": braket.add_job(request_of(builds["queued"]), "QUEUED", position="3"),
        "running": braket.add_job(request_of(builds["running"]), "RUNNING", region="us-east-1"),
        "done": braket.add_job(request_of(builds["done"]), "COMPLETED", billable=65_432),
        "broken": braket.add_job(request_of(builds["broken"]), "FAILED", failure=FAILURE),
        "stopped": braket.add_job(request_of(builds["stopped"]), "CANCELLED"),
        "taken": braket.add_job(other, "RUNNING"),
    }
    return {"builds": builds, "jobs": jobs}


def test_the_table_shows_every_compiled_job_in_its_state(project: Any, cli: Any, deploy: Any, repo: Any) -> None:
    result = cli("status", "build", *deploy.endpoints(), cwd=project.root)

    assert result.code == 1  # a job FAILED
    jobs = repo["jobs"]
    rows = {row["JOB"]: row for row in table(result.out)}
    assert [row["PATH"] for row in table(result.out)] == sorted(f"build/{name}.json" for name in rows)
    assert rows["idle"] == {
        "PATH": "build/idle.json",
        "JOB": "idle",
        "STATE": "not deployed",
        **dict.fromkeys(COLUMNS[3:], "-"),
    }
    queued = jobs["queued"]
    assert rows["queued"] == {
        "PATH": "build/queued.json",
        "JOB": "queued",
        "STATE": "QUEUED",
        "QUEUE": "3",
        "CREATED": second(queued.created),
        "STARTED": "-",
        "ENDED": "-",
        "BILLABLE": "-",
        "REASON": "-",
    }
    running = jobs["running"]
    assert rows["running"]["STATE"] == "RUNNING" and rows["running"]["QUEUE"] == "-"
    assert rows["running"]["STARTED"] == second(running.started) and rows["running"]["ENDED"] == "-"
    done = jobs["done"]
    assert rows["done"] == {
        "PATH": "build/done.json",
        "JOB": "done",
        "STATE": "COMPLETED",
        "QUEUE": "-",
        "CREATED": second(done.created),
        "STARTED": second(done.started),
        "ENDED": second(done.ended),
        "BILLABLE": "1m05s",
        "REASON": "-",
    }
    assert rows["broken"]["STATE"] == "FAILED" and rows["broken"]["BILLABLE"] == "1m00s"
    reason = rows["broken"]["REASON"]  # cut to its first line, at most 60 characters
    assert reason.endswith("...") and len(reason) <= 60 and FAILURE.startswith(reason[:-3])
    assert rows["stopped"]["STATE"] == "CANCELLED" and rows["stopped"]["STARTED"] == "-"
    assert rows["stopped"]["ENDED"] == second(jobs["stopped"].ended)
    assert rows["taken"]["STATE"] == "deployed differently"
    assert rows["taken"]["REASON"] == "differs in hyperParameters"
    assert "E640" in result.err and f"job {jobs['broken'].arn} FAILED: AlgorithmError" in result.err
    one_line = " ".join(FAILURE.split())  # the reason on one line: CI annotations are lines
    assert f"FAILED: {one_line}\n" in result.err and result.err.count("Traceback") == 1


def test_the_json_list_has_every_field_of_every_job(project: Any, cli: Any, deploy: Any, repo: Any) -> None:
    result = cli("status", "--format", "json", "build", *deploy.endpoints(), cwd=project.root)

    assert result.code == 1
    rows = {row["jobName"]: row for row in json.loads(result.out)}
    assert [row["path"] for row in json.loads(result.out)] == sorted(f"build/{name}.json" for name in rows)
    jobs = repo["jobs"]
    empty = dict.fromkeys(
        ["jobArn", "queue", "queuePosition", "queueMessage", "createdAt", "startedAt", "endedAt", "billableDuration"]
    )
    nothing = {**empty, "failureReason": None, "differs": [], "error": None}
    assert rows["idle"] == {
        "path": "build/idle.json",
        "region": "us-west-2",
        "jobName": "idle",
        "state": "not deployed",
        **nothing,
    }

    def deployed(name: str, state: str, region: str = "us-west-2", **more: Any) -> dict[str, Any]:
        job = jobs[name]
        return {
            **nothing,
            "path": f"build/{name}.json",
            "region": region,
            "jobName": name,
            "state": state,
            "jobArn": job.arn,
            "createdAt": milli(job.created),
            "startedAt": milli(job.started),
            "endedAt": milli(job.ended),
            **more,
        }

    assert rows["queued"] == deployed("queued", "QUEUED", queue="JOBS_QUEUE", queuePosition="3")
    assert rows["running"] == deployed("running", "RUNNING", region="us-east-1")
    assert rows["done"] == deployed("done", "COMPLETED", billableDuration=65_432)
    assert rows["broken"] == deployed("broken", "FAILED", billableDuration=60_000, failureReason=FAILURE)
    assert rows["stopped"] == deployed("stopped", "CANCELLED")
    assert rows["taken"] == {
        **nothing,
        "path": "build/taken.json",
        "region": "us-west-2",
        "jobName": "taken",
        "state": "deployed differently",
        "jobArn": jobs["taken"].arn,
        "createdAt": milli(jobs["taken"].created),
        "differs": ["hyperParameters"],
    }
    assert [d["code"] for d in json.loads(result.err)["diagnostics"]] == ["E640"]


def test_one_search_per_region_then_one_getjob_per_job_found_with_queue_info_for_queued_ones(
    project: Any, cli: Any, deploy: Any, repo: Any
) -> None:
    cli("status", *deploy.endpoints(), cwd=project.root)

    braket = deploy.braket
    assert sorted(c.region for c in braket.calls_of("SearchJobs")) == ["us-east-1", "us-west-2"]
    asked = {c.target: c for c in braket.calls_of("GetJob")}
    jobs = repo["jobs"]
    assert sorted(asked) == sorted(job.arn for job in jobs.values())
    assert [arn for arn, c in asked.items() if c.attributes == ("QueueInfo",)] == [jobs["queued"].arn]
    assert asked[jobs["running"].arn].region == "us-east-1"


def test_status_reads_build_by_default_and_exits_0_without_a_failed_job(
    project: Any, cli: Any, deploy: Any, repo: Any
) -> None:
    deploy.braket.delete_job(repo["jobs"]["broken"].arn)

    result = cli("status", *deploy.endpoints(), cwd=project.root)

    assert result.code == 0, result.err
    assert result.err == ""
    states = {row["JOB"]: row["STATE"] for row in table(result.out)}
    assert states["broken"] == "not deployed" and states["taken"] == "deployed differently"
    assert len(states) == 7


def test_a_single_request_and_a_manifest_path_name_their_jobs(project: Any, cli: Any, deploy: Any, repo: Any) -> None:
    result = cli(
        "status",
        "build/done.json",
        "build/queued.manifest.json",
        "build/done.json",
        *deploy.endpoints(),
        cwd=project.root,
    )

    assert result.code == 0, result.err
    assert [(row["PATH"], row["STATE"]) for row in table(result.out)] == [
        ("build/done.json", "COMPLETED"),
        ("build/queued.json", "QUEUED"),
    ]


def test_watch_refreshes_until_every_deployed_job_has_ended(project: Any, cli: Any, deploy: Any) -> None:
    builds = compile_jobs(project, cli, {"first": SV1, "second": SV1, "never": SV1})
    first = deploy.braket.add_job(request_of(builds["first"]), "QUEUED")
    second_job = deploy.braket.add_job(request_of(builds["second"]), "RUNNING")
    first.lifecycle = ["QUEUED", "RUNNING", "RUNNING", "COMPLETED"]  # one step per GetJob
    second_job.lifecycle = ["RUNNING", "COMPLETED"]

    started = time.monotonic()
    result = cli("status", "--watch", *FAST, *deploy.endpoints(), cwd=project.root)

    assert result.code == 0, result.err
    assert time.monotonic() - started < 20
    tables = [table(t) for t in result.out.split("\n\n")]  # each change of the table, once
    assert len(tables) >= 3
    assert {r["JOB"]: r["STATE"] for r in tables[-1]} == {
        "first": "COMPLETED",
        "never": "not deployed",
        "second": "COMPLETED",
    }
    assert tables[0][0]["STATE"] == "QUEUED"  # the first job (by path), seen queued first
    assert first.status == second_job.status == "COMPLETED" and first.lifecycle == []
    assert len(deploy.braket.calls_of("SearchJobs")) == len(deploy.braket.calls_of("GetJob")) // 2


def test_watch_ends_1_when_a_job_fails_and_json_gets_the_final_list(project: Any, cli: Any, deploy: Any) -> None:
    builds = compile_jobs(project, cli, {"doomed": SV1})
    deploy.braket.add_job(request_of(builds["doomed"]), "RUNNING").lifecycle = ["RUNNING", "FAILED"]

    result = cli("status", "--watch", "--format", "json", *FAST, *deploy.endpoints(), cwd=project.root)

    assert result.code == 1
    [row] = json.loads(result.out)  # one list, the last
    assert row["state"] == "FAILED" and row["failureReason"].startswith("AlgorithmError")
    assert [d["code"] for d in json.loads(result.err)["diagnostics"]] == ["E640"]


def test_watch_gives_up_at_its_timeout(project: Any, cli: Any, deploy: Any) -> None:
    builds = compile_jobs(project, cli, {"waiting": SV1})
    job = deploy.braket.add_job(request_of(builds["waiting"]), "QUEUED")

    started = time.monotonic()
    result = cli(
        "status", "--watch", "--interval", "0.05", "--watch-timeout", "0.3", *deploy.endpoints(), cwd=project.root
    )

    assert result.code == 1
    assert time.monotonic() - started < 10
    assert f"E641 job {job.arn} is still QUEUED after --watch-timeout 0.3s" in result.err
    assert result.out.count("QUEUED") == 1  # the same table is not printed again


def test_a_job_deleted_between_searchjobs_and_getjob_is_not_deployed(project: Any, cli: Any, deploy: Any) -> None:
    builds = compile_jobs(project, cli, {"fleeting": SV1, "staying": SV1})
    gone = deploy.braket.add_job(request_of(builds["fleeting"]), "RUNNING")
    deploy.braket.add_job(request_of(builds["staying"]), "COMPLETED")
    deploy.braket.delete_after_search(gone.arn)

    result = cli("status", "--format", "json", *deploy.endpoints(), cwd=project.root)

    assert result.code == 0, result.err
    assert "Traceback" not in result.err and json.loads(result.err)["diagnostics"] == []
    assert {r["jobName"]: (r["state"], r["jobArn"]) for r in json.loads(result.out)}["fleeting"] == (
        "not deployed",
        None,
    )
    assert [c.status for c in deploy.braket.calls if c.target == gone.arn] == [404]  # listed, then gone


def test_throttled_calls_are_retried(project: Any, cli: Any, deploy: Any) -> None:
    builds = compile_jobs(project, cli, {"busy": SV1})
    deploy.braket.add_job(request_of(builds["busy"]), "COMPLETED")
    deploy.braket.inject("SearchJobs", count=2, status=429, code="ThrottlingException", message="Rate exceeded")
    deploy.braket.inject("GetJob", count=1, status=429, code="ThrottlingException", message="Rate exceeded")

    result = cli("status", *deploy.endpoints(), cwd=project.root)

    assert result.code == 0, result.err
    assert [r["STATE"] for r in table(result.out)] == ["COMPLETED"]
    assert [c.status for c in deploy.braket.calls_of("SearchJobs")] == [429, 429, 200]
    assert [c.status for c in deploy.braket.calls_of("GetJob")] == [429, 200]


def test_throttling_that_outlasts_the_retries_is_a_diagnostic(project: Any, cli: Any, deploy: Any) -> None:
    compile_jobs(project, cli, {"busy": SV1})
    deploy.braket.inject("SearchJobs", count=5, status=429, code="ThrottlingException", message="Rate exceeded")

    result = cli("status", "--max-attempts", "2", "--format", "json", *deploy.endpoints(), cwd=project.root)

    assert result.code == 1
    [row] = json.loads(result.out)
    assert row["state"] == "unknown" and row["error"] == "ThrottlingException: Rate exceeded"
    [found] = json.loads(result.err)["diagnostics"]
    assert found["code"] == "E613" and "calling braket:SearchJobs in us-west-2" in found["message"]
    assert found["file"] == "build/busy.json"


def test_watch_tries_again_after_throttling(project: Any, cli: Any, deploy: Any) -> None:
    builds = compile_jobs(project, cli, {"busy": SV1})
    deploy.braket.add_job(request_of(builds["busy"]), "RUNNING").lifecycle = ["RUNNING", "COMPLETED"]
    deploy.braket.inject("GetJob", count=2, status=429, code="ThrottlingException", message="Rate exceeded")

    result = cli("status", "--watch", "--max-attempts", "2", *FAST, *deploy.endpoints(), cwd=project.root)

    assert result.code == 0, result.err
    assert "E613" in result.err and "trying again" in result.err
    assert table(result.out.split("\n\n")[-1])[0]["STATE"] == "COMPLETED"


def test_a_job_arn_still_shows_that_job_in_detail(project: Any, cli: Any, deploy: Any, repo: Any) -> None:
    job = repo["jobs"]["broken"]

    text = deploy.command("status", job.arn)
    machine = deploy.command("status", job.arn, "--format", "json")

    assert text.code == 0, text.err
    assert "status    FAILED" in text.out and f"arn       {job.arn}" in text.out
    assert json.loads(machine.out)["failureReason"] == FAILURE
    assert deploy.braket.calls_of("SearchJobs") == []


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["arn:aws:braket:us-west-2:123456789012:job/x", "build"], "give one job ARN, or compiled requests"),
        (["arn:aws:braket:us-west-2:123456789012:job/x", "--watch"], "--watch follows compiled jobs"),
        (["build", "--region", "us-east-1"], "--region is for a job ARN"),
        (["nowhere"], "nowhere: no such file or folder"),
        (["specs"], "no compiled requests (*.json) in specs"),
        (["--watch", "--interval", "0"], "--interval must be positive"),
        (["--watch", "--watch-timeout", "-1"], "--watch-timeout must be positive"),
    ],
)
def test_usage_errors_exit_2(project: Any, cli: Any, deploy: Any, argv: list[str], said: str) -> None:
    compile_jobs(project, cli, {"one": SV1})

    result = cli("status", *argv, *deploy.endpoints(), cwd=project.root)

    assert result.code == 2
    assert f"jobspec status: error: {said}" in result.err
    assert deploy.braket.calls == []


def test_a_request_that_cannot_be_read_is_named_and_the_others_are_shown(
    project: Any, cli: Any, deploy: Any, repo: Any
) -> None:
    (project.root / "build" / "idle.manifest.json").unlink()

    result = cli("status", *deploy.endpoints(), cwd=project.root)

    assert result.code == 1
    assert "build/idle.json: E601 its manifest build/idle.manifest.json is missing" in result.err
    assert len(table(result.out)) == 6


def test_help_teaches_the_command_with_examples(cli: Any) -> None:
    result = cli("status", "--help")

    assert result.code == 0
    for taught in ("PATH|ARN", "not deployed", "deployed differently", "--watch", "--format json", "examples:"):
        assert taught in result.out
    assert "jobspec status arn:aws:braket:" in result.out
