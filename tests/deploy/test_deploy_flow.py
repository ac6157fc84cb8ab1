"""The deploy of a compiled job against the local S3 (moto) and Braket services, when all goes well."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

from braket_jobspec.sdk.s3uri import s3_split

from .support import BUCKET, make_project, request_of


def test_deploy_uploads_the_reviewed_bytes_and_creates_the_compiled_request(
    project: Any, cli: Any, deploy: Any, s3: Any
) -> None:
    build = make_project(project, cli, inputs={"a.csv": b"x,y\n1,2\n", "sub/b.csv": b"x,y\n3,4\n"})
    request = request_of(build)
    manifest = json.loads((build.parent / "job.manifest.json").read_text())

    result = deploy(str(build), cwd=project.root)

    assert result.code == 0, result.err
    [job] = deploy.braket.jobs.values()
    assert result.out == f"{job.arn}\n"
    # CreateJob received the compiled request as it is, clientToken included.
    assert job.request == request
    # The archive in S3 holds the members the manifest describes, byte for byte.
    bucket, key = s3_split(manifest["source"]["s3Uri"])
    archive = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        assert tar.getnames() == [m["name"] for m in manifest["source"]["members"]]
        assert tar.getnames() == ["algo", "algo/__init__.py", "algo/run.py"]
        for member in manifest["source"]["members"]:
            if member["type"] == "file":
                body = tar.extractfile(member["name"])
                assert body is not None and hashlib.sha256(body.read()).hexdigest() == member["sha256"]
    for entry in manifest["inputs"]:
        bucket, key = s3_split(entry["s3Uri"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    # The default bucket did not exist: it was created, as the SDK creates it.
    assert BUCKET in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert "created bucket" in result.err


def test_each_put_carries_the_sha256_for_s3_to_check(project: Any, cli: Any, deploy: Any, s3: Any) -> None:
    build = make_project(project, cli, inputs={"a.csv": b"1,2,3\n"})
    manifest = json.loads((build.parent / "job.manifest.json").read_text())

    assert deploy(str(build), cwd=project.root).code == 0

    sent = {s.path: s.headers for s in deploy.proxy.seen if s.method == "PUT" and s.path.count("/") > 1}
    # The source archive is packed at deploy time: its digest is that of the bytes S3 holds.
    bucket, key = s3_split(manifest["source"]["s3Uri"])
    archive = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    expected = {manifest["source"]["s3Uri"]: hashlib.sha256(archive).hexdigest()}
    expected.update({e["s3Uri"]: e["sha256"] for e in manifest["inputs"]})
    assert len(sent) == len(expected)
    for uri, sha in expected.items():
        bucket, key = s3_split(uri)
        headers = {k.lower(): v for k, v in sent[f"/{bucket}/{key}"].items()}
        assert headers["x-amz-checksum-sha256"] == base64.b64encode(bytes.fromhex(sha)).decode()
        assert headers["authorization"].startswith("AWS4-HMAC-SHA256 ")


def test_the_same_artifact_deployed_twice_is_one_job_and_no_second_upload(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli, inputs={"a.csv": b"1\n", "b.csv": b"2\n"})

    first = deploy(str(build), cwd=project.root)
    puts_first = deploy.proxy.puts()
    deploy.proxy.clear()
    second = deploy(str(build), cwd=project.root)

    assert first.code == 0 and second.code == 0, second.err
    assert first.out == second.out
    assert len(deploy.braket.jobs) == 1
    assert len(puts_first) == 4  # the bucket, the archive, two inputs
    assert deploy.proxy.puts(status=None) == []  # nothing sent the second time
    assert second.err.count("unchanged") == 3


def test_a_redeploy_after_the_token_expired_finds_the_job_instead_of_making_another(
    project: Any, cli: Any, deploy: Any
) -> None:
    build = make_project(project, cli)
    first = deploy(str(build), cwd=project.root)
    deploy.braket.forget_tokens()  # the service's idempotency window has passed

    second = deploy(str(build), cwd=project.root)

    assert second.code == 0, second.err
    assert second.out == first.out
    assert len(deploy.braket.jobs) == 1
    assert "already deployed" in second.err
    assert [c.status for c in deploy.braket.calls_of("CreateJob")] == [201, 409]


def test_dry_run_calls_nothing_and_needs_no_credentials(project: Any, cli: Any, deploy: Any, monkeypatch: Any) -> None:
    build = make_project(project, cli, inputs={"a.csv": b"1\n"})
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    result = deploy(str(build), "--dry-run", cwd=project.root)

    assert result.code == 0, result.err
    assert deploy.proxy.seen == [] and deploy.braket.calls == []
    request = request_of(build)
    assert f"upload  {request['algorithmSpecification']['scriptModeConfig']['s3Uri']}" in result.out
    assert "call    braket:CreateJob" in result.out
    assert "a.csv" in result.out


def test_dry_run_json_is_the_plan_with_the_request(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)

    result = deploy(str(build), "--dry-run", "--format", "json", cwd=project.root)

    plan = json.loads(result.out)
    [job] = plan["jobs"]
    assert [s["action"] for s in job["steps"]] == ["upload", "call"]
    assert job["steps"][-1]["request"] == request_of(build)


def test_status_and_cancel(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)
    arn = deploy(str(build), cwd=project.root).out.strip()

    status = deploy.command("status", arn)
    cancel = deploy.command("cancel", arn)
    again = deploy.command("cancel", arn)
    after = deploy.command("status", arn, "--format", "json")

    assert status.code == 0 and "status    QUEUED" in status.out and arn in status.out
    assert cancel.code == 0 and cancel.out == f"{arn} CANCELLING\n"
    assert again.code == 1 and "E628" in again.err
    assert json.loads(after.out)["status"] == "CANCELLED"


def test_status_of_an_unknown_job(deploy: Any) -> None:
    result = deploy.command("status", "arn:aws:braket:us-west-2:123456789012:job/nope")

    assert result.code == 1
    assert "E627 no such job" in result.err
    assert "Traceback" not in result.err


def test_a_manifest_path_names_the_same_artifact(project: Any, cli: Any, deploy: Any) -> None:
    build = make_project(project, cli)

    result = deploy(str(build), str(build.parent / "job.manifest.json"), cwd=project.root)

    assert result.code == 0, result.err
    assert len(deploy.braket.calls_of("CreateJob")) == 1


def test_large_inputs_go_up_in_parts_each_with_its_checksum(project: Any, cli: Any, deploy: Any, s3: Any) -> None:
    big = bytes(range(256)) * (11 * 1024 * 4)  # 11 MiB: three 5 MiB parts
    build = make_project(project, cli, inputs={"big.bin": big})
    manifest = json.loads((build.parent / "job.manifest.json").read_text())
    [entry] = manifest["inputs"]
    bucket, key = s3_split(entry["s3Uri"])

    first = deploy(str(build), "--part-size", "5", cwd=project.root)
    parts = [s for s in deploy.proxy.seen if s.method == "PUT" and "partNumber=" in s.query]
    deploy.proxy.clear()
    second = deploy(str(build), "--part-size", "5", cwd=project.root)

    assert first.code == 0, first.err
    assert len(parts) == 3
    for seen, start in zip(parts, range(0, len(big), 5 * 1024 * 1024), strict=True):
        chunk = big[start : start + 5 * 1024 * 1024]
        headers = {k.lower(): v for k, v in seen.headers.items()}
        assert headers["x-amz-checksum-sha256"] == base64.b64encode(hashlib.sha256(chunk).digest()).decode()
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == big
    # S3's composite checksum of the parts tells the second run that the object is there.
    assert second.code == 0 and deploy.proxy.puts(status=None) == []


def test_every_compiled_output_in_build_dry_runs_offline(cli: Any, deploy: Any) -> None:
    repo = Path(__file__).resolve().parents[2]
    outputs = sorted(p for p in (repo / "build").rglob("*.json") if not p.name.endswith(".manifest.json"))
    assert outputs

    result = cli("deploy", *map(str, outputs), "--dry-run", cwd=repo)

    assert result.code == 0, result.err
    assert result.out.count("call    braket:CreateJob") == len(outputs)
    assert deploy.proxy.seen == [] and deploy.braket.calls == []
