"""Deploys that must stop, and say why in a sentence with a way out: never a traceback."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from braket_jobspec.canonical import canonical_json
from braket_jobspec.sdk.builder import client_token

from .support import make_project, request_of


def assert_nothing_sent(deploy: Any) -> None:
    assert deploy.proxy.seen == []
    assert deploy.braket.calls == []


def test_a_source_changed_since_compiling_stops_the_deploy_before_any_call(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)
    project.write("algo/run.py", "def main():\n    print('edited after review')\n")
    project.write("algo/extra.py", "")

    result = deploy(str(build), cwd=project.root)

    assert result.code == 1
    assert "E602 the source changed since it was compiled: recompile and review" in result.err
    assert "changed: algo/run.py" in result.err and "added: algo/extra.py" in result.err
    assert_nothing_sent(deploy)


def test_one_stale_input_among_several_jobs_stops_them_all(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli, inputs={"a.csv": b"1\n"})
    project.write(
        "specs/other.yaml",
        "device: arn:aws:braket:::device/quantum-simulator/amazon/sv1\nsource_module: ../algo\n"
        "entry_point: algo.run:main\njob_name: other\n",
    )
    assert (
        cli(
            "compile", "specs", "-o", "build", "--region", "us-west-2", "--account-id", "123456789012", cwd=project.root
        ).code
        == 0
    )
    (project.root / "data" / "a.csv").write_bytes(b"changed\n")

    result = deploy(str(project.root / "build" / "other.json"), str(build), cwd=project.root)

    assert result.code == 1
    assert "E603 the source changed since it was compiled: recompile and review (input data/a.csv" in result.err
    assert "nothing was uploaded or created" in result.err
    assert_nothing_sent(deploy)


def test_a_request_edited_by_hand_is_refused(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)
    request = request_of(build)
    request["instanceConfig"]["instanceCount"] = 4
    build.write_text(canonical_json(request))

    result = deploy(str(build), cwd=project.root)

    assert result.code == 1
    assert "E601 the request was edited after it was compiled" in result.err
    assert_nothing_sent(deploy)


def test_a_missing_manifest(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)
    (build.parent / "job.manifest.json").unlink()

    result = deploy("build/job.json", cwd=project.root)

    assert result.code == 1 and "E601 its manifest build/job.manifest.json is missing" in result.err


def test_two_jobs_writing_different_bytes_to_one_object_are_refused(project: Any, cli: Any, deploy: Any) -> None:
    project.write("one/algo.py", "print(1)\n")
    project.write("two/algo.py", "print(2)\n")
    for name in ("one", "two"):
        project.write(
            f"specs/{name}.yaml",
            "device: arn:aws:braket:::device/quantum-simulator/amazon/sv1\n"
            f"source_module: ../{name}/algo.py\njob_name: job-{name}\n"
            "code_location: s3://shared-bucket/code\n",
        )
    assert (
        cli(
            "compile", "specs", "-o", "build", "--region", "us-west-2", "--account-id", "123456789012", cwd=project.root
        ).code
        == 0
    )

    result = deploy("build/one.json", "build/two.json", cwd=project.root)

    assert result.code == 1
    assert (
        "E604 s3://shared-bucket/code/source.tar.gz would receive different content from build/one.json" in result.err
    )
    assert_nothing_sent(deploy)


def test_no_credentials(project: Any, cli: Any, deploy: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    build = make_project(project, cli)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    result = deploy(str(build), cwd=project.root)

    assert result.code == 1
    assert "E610 no AWS credentials found" in result.err and "AWS_PROFILE" in result.err
    assert "Traceback" not in result.err
    assert_nothing_sent(deploy)


def test_an_unknown_profile(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)

    result = deploy(str(build), "--profile", "nope", cwd=project.root)

    assert result.code == 1 and "E610" in result.err and "nope" in result.err


def test_the_account_must_be_the_one_compiled_for(project: Any, cli: Any, deploy: Any, s3: Any) -> None:
    project.write("algo.py", "print(1)\n")
    project.write(
        "specs/job.yaml", "device: arn:aws:braket:::device/quantum-simulator/amazon/sv1\nsource_module: ../algo.py\n"
    )
    assert (
        cli(
            "compile", "specs", "-o", "build", "--region", "us-west-2", "--account-id", "111122223333", cwd=project.root
        ).code
        == 0
    )
    build = project.root / "build" / "job.json"

    refused = deploy(str(build), cwd=project.root)

    assert refused.code == 1
    assert "E611 compiled for account 111122223333, but the credentials are of account 123456789012" in refused.err
    assert [s.path for s in deploy.proxy.seen] == ["/"]  # sts:GetCallerIdentity only
    assert deploy.braket.calls == []

    missing = deploy(str(build), "--allow-account-mismatch", cwd=project.root)
    assert missing.code == 1 and "E615 bucket amazon-braket-us-west-2-111122223333 does not exist" in missing.err

    s3.create_bucket(
        Bucket="amazon-braket-us-west-2-111122223333", CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
    )
    allowed = deploy(str(build), "--allow-account-mismatch", cwd=project.root)
    assert allowed.code == 0, allowed.err
    assert len(deploy.braket.jobs) == 1


def test_a_request_edited_after_the_compile_is_refused_before_anything_is_sent(
    project: Any, cli: Any, deploy: Any
) -> None:
    """Even with its clientToken recomputed: the request must be what the spec compiles to (E605)."""
    build = make_project(project, cli)
    request = request_of(build)
    request["jobName"] = "under_scores_are_not_allowed"  # botocore checks lengths only, the service the pattern
    request["clientToken"] = client_token(request)
    build.write_text(canonical_json(request))

    result = deploy(str(build), cwd=project.root)

    assert result.code == 1
    assert (
        "E605 the request is not what its spec specs/job.yaml compiles to now (clientToken, jobName differ)"
        in result.err
    )
    assert deploy.braket.calls_of("CreateJob") == [] and deploy.braket.jobs == {}


def test_the_services_validation_message_names_the_field(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)
    deploy.braket.inject(
        "CreateJob",
        status=400,
        code="ValidationException",
        message="1 validation error detected: Value 'under_scores_are_not_allowed' at 'jobName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern",
    )

    result = deploy(str(build), cwd=project.root)

    assert result.code == 1
    assert "E621 the service rejected the request (field jobName)" in result.err
    assert "under_scores_are_not_allowed" in result.err
    [call] = deploy.braket.calls_of("CreateJob")
    assert call.status == 400 and deploy.braket.jobs == {}


def test_json_diagnostics_carry_the_field_pointer(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)
    deploy.braket.inject(
        "CreateJob",
        status=400,
        code="ValidationException",
        message="1 validation error detected: Value 'ml.p4d.24xlarge' at 'instanceConfig.instanceType' failed to "
        "satisfy constraint: not available in this region",
    )

    result = deploy(str(build), "--format", "json", cwd=project.root)

    [diag] = json.loads(result.err)["diagnostics"]
    assert diag["code"] == "E621" and diag["pointer"] == "/instanceConfig/instanceType"
    assert json.loads(result.out)["jobs"][0]["jobArn"] is None


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (424, "DeviceOfflineException", "E622 device arn:aws:braket:::device/quantum-simulator/amazon/sv1 is offline"),
        (410, "DeviceRetiredException", "E623 device arn:aws:braket:::device/quantum-simulator/amazon/sv1 is retired"),
        (402, "ServiceQuotaExceededException", "E624 quota exceeded (calling braket:CreateJob)"),
        (403, "AccessDeniedException", "E612 access denied (calling braket:CreateJob)"),
    ],
)
def test_service_refusals_are_named(project: Any, cli: Any, deploy: Any, status: int, code: str, expected: str) -> None:
    build = make_project(project, cli)
    deploy.braket.inject("CreateJob", status=status, code=code, message=f"injected {code}")

    result = deploy(str(build), cwd=project.root)

    assert result.code == 1
    assert expected in result.err and f"injected {code}" in result.err
    assert "Traceback" not in result.err
    assert len(deploy.braket.calls_of("CreateJob")) == 1  # not retried: a refusal, not a hiccup


def test_s3_access_denied_stops_before_createjob(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)
    deploy.proxy.fail(lambda method, path, query: method == "PUT", "status", None, status=403, code="AccessDenied")

    result = deploy(str(build), cwd=project.root)

    assert result.code == 1
    assert "E612 access denied" in result.err
    assert deploy.braket.calls == []


def test_a_different_job_of_the_same_name_is_shown(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli, spec_extra="job_name: nightly\n")
    other = dict(request_of(build), hyperParameters={"shots": "5"})
    existing = deploy.braket.add_job(other, status="RUNNING")

    result = deploy(str(build), cwd=project.root)

    assert result.code == 1
    assert f"E620 a job named 'nightly' already exists: {existing.arn} (RUNNING" in result.err
    assert "differs: hyperParameters" in result.err
    assert len(deploy.braket.jobs) == 1


def test_without_boto3_the_deployer_says_how_to_get_it(
    project: Any, cli: Any, deploy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = make_project(project, cli)
    monkeypatch.setitem(sys.modules, "boto3", None)  # what `import boto3` meets when it is not installed

    result = deploy(str(build), cwd=project.root)
    dry = deploy(str(build), "--dry-run", cwd=project.root)

    assert result.code == 1 and "E630" in result.err and "braket-jobspec[deploy]" in result.err
    assert dry.code == 0


def test_usage_errors(deploy: Any, tmp_path: Path) -> None:
    assert deploy(str(tmp_path / "x.json"), "--part-size", "1").code == 2
    assert deploy(str(tmp_path / "x.json"), "--max-attempts", "0").code == 2
    missing = deploy(str(tmp_path / "x.json"))
    assert missing.code == 1 and "E601 no such file" in missing.err
