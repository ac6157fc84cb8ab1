"""jobspec import: a spec from a live job (GetJob) that compiles back to the job's request."""

from __future__ import annotations

import json
from typing import Any

import pytest

from braket_jobspec.load import load

from .support import Repo

RICH = """\
extends: _bases/common.yaml
image_uri: pytorch
distribution: data_parallel
input_data:
  train: ../data/train
  reference:
    s3_data: s3://shared-bucket/datasets/ref/
    content_type: application/json
instance_config:
  instanceType: ml.g4dn.xlarge
  instanceCount: 2
output_data_config:
  kmsKeyId: arn:aws:kms:us-west-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab
stopping_condition:
  maxRuntimeInSeconds: 3600
tags:
  note: "a value: with a colon"
"""


@pytest.fixture
def live(layered: Repo, cli: Any, braket: Any) -> tuple[str, str]:
    """A job created from a compiled spec; (its ARN, its request as compiled)."""
    layered.write("data/train/x.csv", "1,2\n")
    layered.write("specs/rich.yaml", RICH)
    run = cli("compile", "specs/rich.yaml", "-o", "-", cwd=layered.root)
    assert run.code == 0, run.err
    job = braket.add_job(json.loads(run.out))
    return job.arn, run.out


def test_an_imported_job_compiles_back_to_its_request(layered: Repo, cli: Any, braket: Any, live: Any) -> None:
    arn, original = live
    endpoint = ("--braket-endpoint-url", braket.url)
    run = cli("import", "--job", arn, "-o", "specs/imported.yaml", *endpoint, cwd=layered.root)
    assert run.code == 0, run.err
    text = layered.read("specs/imported.yaml")
    assert text.startswith("# yaml-language-server: $schema=")
    # nothing was lost: the same request, byte for byte (and so the same clientToken)
    again = cli("compile", "specs/imported.yaml", "-o", "-", cwd=layered.root)
    assert again.code == 0, again.err
    assert again.out == original
    assert cli("diff", "specs/imported.yaml", "--job", arn, *endpoint, cwd=layered.root).code == 0
    data = load(text.encode(), "x", "yaml")[0]
    assert data is not None
    assert data.data["distribution"] == "data_parallel" and data.data["image_uri"] == "pytorch"
    assert "sagemaker_instance_type" not in data.data["hyperparameters"]
    assert data.data["input_data"]["reference"] == {
        "s3_data": "s3://shared-bucket/datasets/ref/",
        "content_type": "application/json",
    }
    # what a job does not record is said, at the line it concerns
    line = text.splitlines().index(next(ln for ln in text.splitlines() if ln.startswith("source_module:"))) + 1
    assert f"specs/imported.yaml:{line}:1: W805 the source is the job's uploaded archive in S3" in run.err
    assert "W805 channel 'train' points at the data this job uploaded" in run.err


def test_import_to_toml_and_stdout(layered: Repo, cli: Any, braket: Any, live: Any) -> None:
    arn, original = live
    endpoint = ("--braket-endpoint-url", braket.url)
    run = cli("import", "--job", arn, "-o", "specs/imported.toml", *endpoint, cwd=layered.root)
    assert run.code == 0, run.err
    assert layered.read("specs/imported.toml").startswith("#:schema ../schema/jobspec.schema.json") is False
    assert layered.read("specs/imported.toml").startswith("#:schema ")
    assert cli("compile", "specs/imported.toml", "-o", "-", cwd=layered.root).out == original
    out = cli("import", "--job", arn, *endpoint, cwd=layered.root)
    assert out.code == 0 and out.out.startswith("# yaml-language-server: $schema=")


def test_import_refuses_to_overwrite(layered: Repo, cli: Any, braket: Any, live: Any) -> None:
    arn, _ = live
    endpoint = ("--braket-endpoint-url", braket.url)
    run = cli("import", "--job", arn, "-o", "specs/job.yaml", *endpoint, cwd=layered.root)
    assert run.code == 1 and "specs/job.yaml: E806 already exists" in run.err
    assert layered.read("specs/job.yaml").startswith("extends:")
    assert [c.op for c in braket.calls] == []  # refused before calling AWS
    run = cli("import", "--job", arn, "-o", "specs/job.yaml", "--force", *endpoint, cwd=layered.root)
    assert run.code == 0 and layered.read("specs/job.yaml").startswith("# yaml-language-server")


def test_import_errors(layered: Repo, cli: Any, braket: Any) -> None:
    missing = "arn:aws:braket:us-west-2:123456789012:job/nope"
    run = cli("import", "--job", missing, "--braket-endpoint-url", braket.url, cwd=layered.root)
    assert run.code == 1 and "E627" in run.err and run.out == ""
    assert cli("import", "--job", "nope", cwd=layered.root).code == 2
    assert cli("import", "--job", missing, "-o", "x.json", cwd=layered.root).code == 2


def test_a_reservation_is_imported_with_its_qpu(layered: Repo, cli: Any) -> None:
    """A job of a reserved QPU (a reservation goes with a QPU of its region: E419/E420) imports both."""
    from braket_jobspec.gitops.importer import spec_from_job

    layered.write("specs/q.yaml", "extends: _bases/common.yaml\n" + QPU_RESERVED)
    run = cli("compile", "specs/q.yaml", "-o", "-", cwd=layered.root)
    assert run.code == 0, run.err
    request = json.loads(run.out)
    imported = spec_from_job({**request, "jobArn": "arn:aws:braket:us-east-1:111111111111:job/q"}, "us-east-1")
    assert imported.data["device"] == "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
    assert imported.data["reservation_arn"] == "arn:aws:braket:us-east-1:111111111111:reservation/a1b2c3d4"


QPU_RESERVED = """\
device: arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1
reservation_arn: arn:aws:braket:us-east-1:111111111111:reservation/a1b2c3d4
"""
