"""Server-side copies: copy_checkpoints_from_job (GetJob, then a paginated prefix copy) and S3 sources."""

from __future__ import annotations

from typing import Any

import boto3

from braket_jobspec.deploy.s3 import Transfer

from .support import BUCKET, REGION, make_project, request_of

OLD = f"s3://{BUCKET}/jobs/old-job/1/checkpoints"


def copies(proxy: Any) -> list[str]:
    return [s.path for s in proxy.seen if s.method == "PUT" and "x-amz-copy-source" in {k.lower() for k in s.headers}]


def make_bucket(s3: Any) -> None:
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})


def test_checkpoints_of_an_earlier_job_are_copied_before_the_new_job_is_created(
    project: Any, cli: Any, deploy: Any, s3: Any
) -> None:
    make_bucket(s3)
    for name in ("a.ckpt", "b.ckpt", "deep/c.ckpt"):
        s3.put_object(Bucket=BUCKET, Key=f"jobs/old-job/1/checkpoints/{name}", Body=name.encode())
    s3.put_object(Bucket=BUCKET, Key="jobs/old-job/1/results.json", Body=b"{}")  # not a checkpoint
    old = deploy.braket.add_job(
        {"jobName": "old-job", "deviceConfig": {"device": "local:braket/braket_sv"}, "checkpointConfig": {"s3Uri": OLD}}
    )
    build = make_project(project, cli, spec_extra=f"copy_checkpoints_from_job: {old.arn}\n")
    target = request_of(build)["checkpointConfig"]["s3Uri"]

    first = deploy(str(build), cwd=project.root)

    assert first.code == 0, first.err
    prefix = target.split(f"{BUCKET}/", 1)[1]
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]
    assert sorted(o["Key"][len(prefix) :] for o in listed) == ["/a.ckpt", "/b.ckpt", "/deep/c.ckpt"]
    assert s3.get_object(Bucket=BUCKET, Key=f"{prefix}/deep/c.ckpt")["Body"].read() == b"deep/c.ckpt"
    assert [c.op for c in deploy.braket.calls] == ["GetJob", "CreateJob"]
    assert len(copies(deploy.proxy)) == 3

    deploy.proxy.clear()
    second = deploy(str(build), cwd=project.root)
    assert second.code == 0 and copies(deploy.proxy) == []  # already there: nothing copied again
    assert "0 object(s) copied, 3 unchanged" in second.err


def test_the_prefix_copy_follows_every_page_of_the_listing(s3: Any, s3proxy: Any) -> None:
    make_bucket(s3)
    for i in range(5):
        s3.put_object(Bucket=BUCKET, Key=f"from/{i}", Body=str(i).encode())
    client = boto3.client("s3", region_name=REGION, endpoint_url=s3proxy.url)

    copied, unchanged = Transfer(client).copy_prefix(f"s3://{BUCKET}/from", f"s3://{BUCKET}/to", page_size=2)

    assert (copied, unchanged) == (5, 0)
    assert len([s for s in s3proxy.seen if s.method == "GET" and "list-type=2" in s.query]) == 3
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="to/")["Contents"]) == [
        f"to/{i}" for i in range(5)
    ]


def test_a_job_without_checkpoints_to_copy_is_refused(project: Any, cli: Any, deploy: Any) -> None:
    old = deploy.braket.add_job({"jobName": "old-job", "deviceConfig": {"device": "local:braket/braket_sv"}})
    build = make_project(project, cli, spec_extra=f"copy_checkpoints_from_job: {old.arn}\n")

    result = deploy(str(build), cwd=project.root)

    assert result.code == 1 and "E617" in result.err
    assert deploy.braket.calls_of("CreateJob") == []


def test_an_s3_source_archive_is_copied_to_the_code_location(project: Any, cli: Any, deploy: Any, s3: Any) -> None:
    make_bucket(s3)
    s3.put_object(Bucket=BUCKET, Key="releases/algo-1.2.tar.gz", Body=b"not really gzip, the deployer does not care")
    project.write(
        "specs/job.yaml",
        "device: arn:aws:braket:::device/quantum-simulator/amazon/sv1\n"
        f"source_module: s3://{BUCKET}/releases/algo-1.2.tar.gz\nentry_point: algo.run:main\n",
    )
    assert (
        cli(
            "compile", "specs", "-o", "build", "--region", REGION, "--account-id", "123456789012", cwd=project.root
        ).code
        == 0
    )
    build = project.root / "build" / "job.json"
    dest = request_of(build)["algorithmSpecification"]["scriptModeConfig"]["s3Uri"]

    plan = deploy(str(build), "--dry-run", cwd=project.root)
    first = deploy(str(build), cwd=project.root)
    deploy.proxy.clear()
    second = deploy(str(build), cwd=project.root)

    assert f"copy    s3://{BUCKET}/releases/algo-1.2.tar.gz -> {dest}" in plan.out
    assert first.code == 0, first.err
    key = dest.split(f"{BUCKET}/", 1)[1]
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().startswith(b"not really gzip")
    assert second.code == 0 and copies(deploy.proxy) == []
