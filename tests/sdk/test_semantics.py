"""The SDK's defaults, derivations and checks, pinned case by case (sdk-semantics.md 1-9, 13, 15)."""

from __future__ import annotations

import glob
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from braket_jobspec.config import Context
from conftest import Project
from helpers import CTX, compile_file, errors_of, request_of

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
BASE = "s3://amazon-braket-us-west-2-123456789012/jobs"


def spec(project: Project, extra: str = "", source: str = "algo.py") -> Path:
    if source == "algo.py" and not (project.root / "algo.py").exists():
        project.source()
    return project.spec(f"device: {SV1}\nsource_module: {source}\n{extra}")


# --- the request's shape: always-present keys, SDK defaults --------------------------------


def test_minimal_spec_gets_every_sdk_default(project: Project) -> None:
    request = request_of(spec(project))
    name = "braket-job-default-1700000000000"
    assert request["jobName"] == name
    assert len(name) == 32  # 19 + 13, as the SDK's
    assert request["roleArn"] == "arn:aws:iam::123456789012:role/service-role/AmazonBraketJobsExecutionRole"
    assert request["algorithmSpecification"] == {
        "scriptModeConfig": {
            "entryPoint": "algo",
            "s3Uri": f"{BASE}/{name}/1700000000000/script/source.tar.gz",
            "compressionType": "GZIP",
        },
        "containerImage": {"uri": "292282985366.dkr.ecr.us-west-2.amazonaws.com/amazon-braket-base-jobs:latest"},
    }
    assert request["inputDataConfig"] == []
    assert request["instanceConfig"] == {"instanceType": "ml.m5.large", "volumeSizeInGb": 30, "instanceCount": 1}
    assert request["outputDataConfig"] == {"s3Path": f"{BASE}/{name}/1700000000000/data"}
    assert request["checkpointConfig"] == {
        "localPath": "/opt/jobs/checkpoints",
        "s3Uri": f"{BASE}/{name}/1700000000000/checkpoints",
    }
    assert request["deviceConfig"] == {"device": SV1}
    assert request["hyperParameters"] == {}
    assert request["stoppingCondition"] == {"maxRuntimeInSeconds": 432000}
    assert request["tags"] == {}
    assert "associations" not in request


def test_client_token_is_the_digest_of_the_request_without_it(project: Project) -> None:
    import hashlib
    import json

    request = request_of(spec(project))
    token = request.pop("clientToken")
    body = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert token == hashlib.sha256(body.encode()).hexdigest()
    assert len(token) == 64  # the API's String64 maximum


# --- job names (section 3) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "prefix"),
    [
        ("base", "braket-job-base"),
        ("pytorch", "braket-job-pytorch"),
        ("tensorflow", "braket-job-tensorflow"),
        ("cudaq", "braket-job-cudaq"),
        ("123456789012.dkr.ecr.us-west-2.amazonaws.com/amazon-braket-custom-jobs:tag.1.2.3", "braket-job-custom"),
        ("123456789012.dkr.ecr.us-west-2.amazonaws.com/amazon-braket-custom-name:tag", "braket-job-custom-name"),
        ("123456789012.dkr.ecr.us-west-2.amazonaws.com/my-own-image:1.0", "braket-job"),
    ],
)
def test_default_job_name_follows_the_given_image(project: Project, image: str, prefix: str) -> None:
    request = request_of(spec(project, f"image_uri: {image}\n"))
    assert request["jobName"] == f"{prefix}-1700000000000"


def test_an_empty_job_name_means_the_default(project: Project) -> None:
    assert request_of(spec(project, 'job_name: ""\n'))["jobName"] == "braket-job-default-1700000000000"


@pytest.mark.parametrize("name", ["A", "job-123", "X" * 50, "a--b"])
def test_valid_job_names(project: Project, name: str) -> None:
    assert request_of(spec(project, f"job_name: {name}\n"))["jobName"] == name


@pytest.mark.parametrize(
    ("name", "col"), [("job_case", 14), ("-leading", 11), ("trailing-", 19), ("X" * 51, 11), ("dots.in.name", 15)]
)
def test_invalid_job_names_are_rejected_at_the_field(project: Project, name: str, col: int) -> None:
    (error,) = errors_of(spec(project, f"job_name: {name}\n"))
    assert error.pointer == "/job_name"
    assert (error.line, error.col) == (3, col)  # at the offending character (issue 4)


def test_default_name_from_an_image_with_an_underscore_fails_like_the_sdk(project: Project) -> None:
    image = "123456789012.dkr.ecr.us-west-2.amazonaws.com/amazon-braket-my_image:1.0"
    (error,) = errors_of(spec(project, f"image_uri: {image}\n"))
    assert "braket-job-my_image-1700000000000" in error.message
    assert error.pointer == "/image_uri"  # where the derived name came from


# --- entry points and sources (section 5) --------------------------------------------------------


@pytest.mark.parametrize(("filename", "entry"), [("algo.py", "algo"), ("my-algo.py", "my-algo"), ("x.tar.gz", "x.tar")])
def test_default_entry_point_is_the_stem(project: Project, filename: str, entry: str) -> None:
    project.write(filename, "print('hi')\n")
    if filename.endswith(".tar.gz"):
        # x.tar.gz → stem x.tar → module "x" + submodule "tar": not in the archive, as in the SDK.
        (error,) = errors_of(spec(project, source=filename))
        assert "'x.tar'" in error.message
        return
    request = request_of(spec(project, source=filename))
    assert request["algorithmSpecification"]["scriptModeConfig"]["entryPoint"] == entry


def test_default_entry_point_of_a_dotted_file_fails_as_in_the_sdk(project: Project) -> None:
    project.write("v1.2.py", "x = 1\n")
    (error,) = errors_of(spec(project, source="v1.2.py"))
    assert error.code == "E409" and "'v1.2'" in error.message


def test_package_source_members_and_entry_points(project: Project) -> None:
    project.write("pkg/__init__.py", "def renamed():\n    pass\n")
    project.write("pkg/sub/__init__.py")
    project.write("pkg/sub/mod.py", "async def go():\n    pass\n")
    project.write("pkg/data/table.csv", "a,b\n")
    for entry in ["pkg", "pkg:renamed", "pkg.sub", "pkg.sub.mod:go", "pkg.data"]:
        path = project.spec(f"device: {SV1}\nsource_module: pkg\nentry_point: {entry}\n", f"s-{entry[:3]}.yaml")
        result = compile_file(path)
        if entry == "pkg.data":  # a folder without __init__.py: a namespace package with nothing to run
            assert not result.ok
            continue
        assert result.ok, (entry, [str(d) for d in result.diagnostics])
    result = compile_file(project.spec(f"device: {SV1}\nsource_module: pkg\n"))
    assert result.compiled is not None and result.compiled.archive is not None
    names = [m.name for m in result.compiled.archive.members]
    assert names == [
        "pkg",
        "pkg/__init__.py",
        "pkg/data",
        "pkg/data/table.csv",
        "pkg/sub",
        "pkg/sub/__init__.py",
        "pkg/sub/mod.py",
    ]


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        ("fake_source_module.submodule", "'fake_source_module.submodule' is not in the source"),
        ("pkg.fake_submodule", "'pkg.fake_submodule' is not in the source"),
        ("pkg:missing", "defines no top-level 'missing'"),
        (".", "relative entry point"),
        (".sub:f", "relative entry point"),
        ("json", "'json' is not in the source"),  # importable here, but not in the job's archive
    ],
)
def test_entry_points_the_container_cannot_run(project: Project, entry: str, needle: str) -> None:
    project.write("pkg/__init__.py", "def main():\n    pass\n")
    project.write("pkg/sub.py", "def f():\n    pass\n")
    (error,) = errors_of(project.spec(f"device: {SV1}\nsource_module: pkg\nentry_point: '{entry}'\n"))
    assert needle in error.message
    assert error.pointer == "/entry_point"


def test_entry_point_check_runs_no_user_code(project: Project) -> None:
    marker = project.root / "ran"
    project.write("pkg/__init__.py", f"open({str(marker)!r}, 'w').write('x')\n")
    project.write("pkg/sub.py", "def f():\n    pass\n")
    request_of(project.spec(f"device: {SV1}\nsource_module: pkg\nentry_point: pkg.sub:f\n"))
    assert not marker.exists()
    assert not (project.root / "pkg" / "__pycache__").exists()


def test_callables_bound_conditionally_or_by_import_are_accepted(project: Project) -> None:
    project.write("algo.py", "try:\n    from os import getcwd as run\nexcept ImportError:\n    run = None\n")
    assert request_of(project.spec(f"device: {SV1}\nsource_module: algo.py\nentry_point: algo:run\n"))


@pytest.mark.parametrize(
    "module",
    [
        "for run in [print]:\n    pass\n",  # any top-level binding, in any block
        "while True:\n    def run():\n        pass\n    break\n",
        pytest.param(
            "try:\n    pass\nexcept* ValueError:\n    pass\nelse:\n    def run():\n        pass\n",
            marks=pytest.mark.skipif(sys.version_info < (3, 11), reason="except* is Python 3.11 syntax"),
        ),
        "match 1:\n    case 1:\n        def run():\n            pass\n",
        "with open(__file__) as run:\n    pass\n",
        "def __getattr__(name):\n    return print\n",
        "__getattr__ = lambda name: print\n",
        "from os.path import *\n",
        "# -*- coding: latin-1 -*-\nlabel = '\xe9'\ndef run():\n    pass\n",
    ],
)
def test_every_top_level_binding_counts(project: Project, module: str) -> None:
    project.root.joinpath("algo.py").write_bytes(module.encode("latin-1"))
    assert request_of(project.spec(f"device: {SV1}\nsource_module: algo.py\nentry_point: algo:run\n"))


@pytest.mark.parametrize(
    ("module", "needle"),
    [
        ("print(run)\ndef main():\n    pass\n", "defines no top-level 'run'; callables defined there: main"),
        ("squares = [run * run for run in range(3)]\n", "defines no top-level 'run'"),  # a comprehension's own
        ("def outer():\n    global run\n    run = 1\n", "defines no top-level 'run'"),
        ("def f(:\n    pass\n", "has a syntax error on line 1"),
        ("def f():\n    nonlocal run\n", "has a syntax error on line 2: no binding for nonlocal 'run'"),
        ("x = " + "-" * 200_000 + "1\n", "nested too deeply for Python's parser"),
    ],
)
def test_modules_the_container_cannot_take_run_from(project: Project, module: str, needle: str) -> None:
    project.write("algo.py", module)
    (error,) = errors_of(project.spec(f"device: {SV1}\nsource_module: algo.py\nentry_point: algo:run\n"))
    assert needle in f"{error.message}; {error.hint}"


@pytest.mark.parametrize("uri", ["s3://bucket/src/source.tar.gz", "s3://bucket/SRC.TAR.GZ"])
def test_s3_source_is_used_as_is(project: Project, uri: str) -> None:
    request = request_of(project.spec(f"device: {SV1}\nsource_module: {uri}\nentry_point: algo:main\n"))
    mode = request["algorithmSpecification"]["scriptModeConfig"]
    assert mode["entryPoint"] == "algo:main"
    assert mode["s3Uri"].endswith("/script/source.tar.gz")
    assert mode["compressionType"] == "GZIP"


def test_s3_source_accepts_an_empty_entry_point_as_the_sdk(project: Project) -> None:
    request = request_of(project.spec(f"device: {SV1}\nsource_module: s3://bkt/k.tar.gz\nentry_point: ''\n"))
    assert request["algorithmSpecification"]["scriptModeConfig"]["entryPoint"] == ""


def test_s3_source_rules_in_the_sdks_order(project: Project) -> None:
    (error,) = errors_of(project.spec(f"device: {SV1}\nsource_module: s3://bucket/source_module\n"))
    assert error.code == "E406"  # no entry point wins over "not a .tar.gz"
    (error,) = errors_of(project.spec(f"device: {SV1}\nsource_module: s3://bucket/src\nentry_point: a\n"))
    assert error.code == "E407"


@pytest.mark.parametrize("uri", ["s3://my.bucket/src.tar.gz", "s3://bucket"])
def test_not_an_s3_uri_by_the_sdks_rule_means_a_local_path(project: Project, uri: str) -> None:
    (error,) = errors_of(project.spec(f"device: {SV1}\nsource_module: {uri}\nentry_point: a\n"))
    assert error.code == "E401"


def test_code_location_is_used_verbatim_even_with_a_trailing_slash(project: Project) -> None:
    request = request_of(spec(project, "code_location: s3://bkt/code/\n"))
    assert request["algorithmSpecification"]["scriptModeConfig"]["s3Uri"] == "s3://bkt/code//source.tar.gz"


def test_archive_is_reproducible_and_shaped_as_the_sdks(project: Project) -> None:
    import os

    project.write("pkg/__init__.py", "def main():\n    pass\n")
    project.write("pkg/run.sh", "#!/bin/sh\n")
    os.chmod(project.root / "pkg/run.sh", 0o775)
    project.write("pkg/__pycache__/x.cpython-311.pyc", "junk")
    first = compile_file(project.spec(f"device: {SV1}\nsource_module: pkg\n"))
    os.utime(project.root / "pkg/__init__.py", (1, 1))
    second = compile_file(project.spec(f"device: {SV1}\nsource_module: pkg\n"))
    assert first.compiled and second.compiled and first.compiled.archive and second.compiled.archive
    data = first.compiled.archive.pack()
    assert data == second.compiled.archive.pack()
    assert data[4:8] == b"\0\0\0\0"  # gzip header without a time
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert set(members) == {"pkg", "pkg/__init__.py", "pkg/run.sh"}
    assert all(m.mtime == 0 and m.uid == 0 and m.gid == 0 and m.uname == "" for m in members.values())
    assert members["pkg/run.sh"].mode == 0o755 and members["pkg/__init__.py"].mode == 0o644
    # The manifest pins the executable bit with the content: a chmod is a change to review.
    described = {m["name"]: m for m in first.compiled.manifest["source"]["members"]}
    assert described["pkg/run.sh"]["executable"] is True and "executable" not in described["pkg/__init__.py"]


def test_source_excludes(project: Project) -> None:
    project.write("pkg/__init__.py", "def main():\n    pass\n")
    project.write("pkg/notes/a.ipynb", "{}")
    project.write("pkg/data/raw/big.bin", "x")
    project.write("pkg/data/keep.csv", "x")
    result = compile_file(
        project.spec(f"device: {SV1}\nsource_module: pkg\nsource_excludes: ['*.ipynb', 'data/raw']\n")
    )
    assert result.compiled and result.compiled.archive
    names = [m.name for m in result.compiled.archive.members]
    assert "pkg/notes/a.ipynb" not in names and "pkg/data/raw" not in names and "pkg/data/keep.csv" in names


def test_symlink_out_of_the_source_is_an_error(project: Project) -> None:
    project.write("pkg/__init__.py", "def main():\n    pass\n")
    project.write("secret.txt", "s")
    (project.root / "pkg/link.txt").symlink_to(project.root / "secret.txt")
    (error,) = errors_of(project.spec(f"device: {SV1}\nsource_module: pkg\n"))
    assert error.code == "E408" and "outside the source folder" in error.message


def test_symlink_inside_the_source_is_stored_as_the_file(project: Project) -> None:
    project.write("pkg/__init__.py", "def main():\n    pass\n")
    (project.root / "pkg/alias.py").symlink_to(project.root / "pkg/__init__.py")
    result = compile_file(project.spec(f"device: {SV1}\nsource_module: pkg\n"))
    assert result.compiled and result.compiled.archive
    files = result.compiled.archive.files()
    assert files["pkg/alias.py"].sha256 == files["pkg/__init__.py"].sha256


# --- hyperparameters and distribution (section 6) ---------------------------------------------------


def test_hyperparameters_are_strs_of_their_values(project: Project) -> None:
    request = request_of(
        spec(project, "hyperparameters:\n  a: 0.1\n  b: 10\n  c: true\n  d: 1.0e+20\n  e: '0.10'\n  f: 1.0\n  g: -0\n")
    )
    assert request["hyperParameters"] == {
        "a": "0.1",
        "b": "10",
        "c": "True",
        "d": "1e+20",
        "e": "0.10",
        "f": "1.0",
        "g": "0",
    }


@pytest.mark.parametrize("value", ["null", "[1, 2]", "{a: 1}"])
def test_hyperparameters_the_sdk_would_send_as_reprs_are_rejected(project: Project, value: str) -> None:
    (error,) = errors_of(spec(project, f"hyperparameters:\n  x: {value}\n"))
    assert error.pointer == "/hyperparameters/x" and "quote" in error.hint


def test_data_parallel_adds_its_hyperparameters_last_and_overrides(project: Project) -> None:
    request = request_of(
        spec(
            project,
            "distribution: data_parallel\ninstance_config:\n  instanceType: ml.p4d.24xlarge\n"
            "hyperparameters:\n  sagemaker_instance_type: mine\n  lr: 1\n",
        )
    )
    assert request["hyperParameters"] == {
        "sagemaker_instance_type": "ml.p4d.24xlarge",
        "lr": "1",
        "sagemaker_distributed_dataparallel_enabled": "true",
    }
    assert request["instanceConfig"]["instanceCount"] == 1  # distribution touches nothing else


# --- input data (section 7) -----------------------------------------------------------------------------


def test_input_data_forms(project: Project) -> None:
    project.write("data/train/a.csv", "1")
    project.write("data/train/sub/b.csv", "2")
    project.write("data/one.json", "{}")
    result = compile_file(
        spec(
            project,
            "input_data:\n  train: data/train/\n  single: data/one.json\n"
            "  remote: s3://my-bucket/my/prefix-\n"
            "  typed: {s3_data: 's3://bkt/k', content_type: text/csv}\n",
        )
    )
    assert result.ok and result.compiled
    base = f"{BASE}/braket-job-default-1700000000000/1700000000000/data"
    assert result.compiled.request["inputDataConfig"] == [  # in name order (a documented deviation)
        {"channelName": "remote", "dataSource": {"s3DataSource": {"s3Uri": "s3://my-bucket/my/prefix-"}}},
        {"channelName": "single", "dataSource": {"s3DataSource": {"s3Uri": f"{base}/single/one.json"}}},
        {"channelName": "train", "dataSource": {"s3DataSource": {"s3Uri": f"{base}/train/train"}}},
        {"channelName": "typed", "dataSource": {"s3DataSource": {"s3Uri": "s3://bkt/k"}}, "contentType": "text/csv"},
    ]
    uploads = {(u["path"], u["s3Uri"]) for u in result.compiled.manifest["inputs"]}
    assert uploads == {
        ("data/train/a.csv", f"{base}/train/train/a.csv"),
        ("data/train/sub/b.csv", f"{base}/train/train/sub/b.csv"),
        ("data/one.json", f"{base}/single/one.json"),
    }


def test_a_single_input_value_is_the_channel_named_input(project: Project) -> None:
    request = request_of(spec(project, "input_data: s3://bucket/data/\n"))
    assert request["inputDataConfig"] == [
        {"channelName": "input", "dataSource": {"s3DataSource": {"s3Uri": "s3://bucket/data/"}}}
    ]


def test_local_input_is_not_a_string_prefix(project: Project) -> None:
    project.write("data/train/a.csv", "1")
    project.write("data/train_extra.csv", "2")  # the SDK would upload this too
    result = compile_file(spec(project, "input_data:\n  c: data/train\n"))
    assert result.compiled
    assert [u["path"] for u in result.compiled.manifest["inputs"]] == ["data/train/a.csv"]


@pytest.mark.parametrize(("setup", "code"), [("", "E401"), ("data/empty/", "E412")])
def test_missing_or_empty_local_input_is_an_error(project: Project, setup: str, code: str) -> None:
    if setup:
        (project.root / setup).mkdir(parents=True)
    (error,) = errors_of(spec(project, "input_data:\n  c: data/empty\n"))
    assert error.code == code and error.pointer == "/input_data/c"


def test_channel_limits_of_the_service(project: Project) -> None:
    channels = "".join(f"  c{i}: s3://bkt/k{i}\n" for i in range(21))
    (error,) = errors_of(spec(project, f"input_data:\n{channels}"))
    assert error.pointer == "/input_data" and "21 channels" in error.message


# --- output, checkpoints, stopping, tags, reservation (section 8) -----------------------------------------------


def test_output_config_with_only_a_key_gets_the_default_path(project: Project) -> None:
    request = request_of(spec(project, "output_data_config:\n  kmsKeyId: k\n"))
    assert request["outputDataConfig"] == {
        "kmsKeyId": "k",
        "s3Path": f"{BASE}/braket-job-default-1700000000000/1700000000000/data",
    }


def test_checkpoint_config_keeps_a_given_local_path(project: Project) -> None:
    request = request_of(spec(project, "checkpoint_config:\n  localPath: /tmp/ck\n"))
    assert request["checkpointConfig"]["localPath"] == "/tmp/ck"
    assert request["checkpointConfig"]["s3Uri"].endswith("/1700000000000/checkpoints")


def test_partial_instance_config_takes_the_dataclass_defaults(project: Project) -> None:
    request = request_of(spec(project, "instance_config:\n  instanceCount: 3\n"))
    assert request["instanceConfig"] == {"instanceType": "ml.m5.large", "volumeSizeInGb": 30, "instanceCount": 3}


@pytest.mark.parametrize(
    ("extra", "pointer"),
    [
        ("stopping_condition:\n  maxRuntimeInSeconds: 432001\n", "/stopping_condition/maxRuntimeInSeconds"),
        ("instance_config:\n  volumeSizeInGb: 0\n", "/instance_config/volumeSizeInGb"),
        ("instance_config:\n  instanceType: ml.m5.larg\n", "/instance_config/instanceType"),
        ("tags:\n  aws:team: x\n", "/tags/aws:team"),
        ("tags:\n  team: 1\n", "/tags/team"),
        ("distribution: DATA_PARALLEL\n", "/distribution"),
        ("reservation_arn: arn:aws:braket:us-east-1:1234:reservation/x\n", "/reservation_arn"),
    ],
)
def test_what_the_service_would_reject_is_rejected_at_the_field(project: Project, extra: str, pointer: str) -> None:
    (error,) = errors_of(spec(project, extra))
    assert error.pointer == pointer
    assert error.line == 2 + extra.count("\n")  # the line of the offending value


def test_reservation_becomes_an_association(project: Project) -> None:
    arn = "arn:aws:braket:us-east-1:123456789012:reservation/abc"
    project.source()
    forte = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"  # a reservation is for a QPU of its region
    request = request_of(project.spec(f"device: {forte}\nsource_module: algo.py\nreservation_arn: {arn}\n"))
    assert request["associations"] == [{"arn": arn, "type": "RESERVATION_TIME_WINDOW_ARN"}]


def test_copy_checkpoints_is_in_the_manifest_not_the_request(project: Project) -> None:
    arn = "arn:aws:braket:us-west-2:123456789012:job/abc"
    result = compile_file(spec(project, f"copy_checkpoints_from_job: {arn}\n"))
    assert result.compiled
    assert "copy_checkpoints_from_job" not in result.request_json()
    assert result.compiled.manifest["checkpoint_copy"] == {
        "from_job": arn,
        "to": result.compiled.request["checkpointConfig"]["s3Uri"],
    }


# --- images, regions, context (sections 9 and 10) --------------------------------------------------------


@pytest.mark.parametrize("region", ["us-east-1", "us-west-1", "us-west-2", "eu-west-2", "eu-north-1"])
def test_images_and_buckets_per_region(project: Project, region: str) -> None:
    request = request_of(
        spec(project, "image_uri: cudaq\n"), Context(region=region, account_id="111122223333", stamp="5")
    )
    assert request["algorithmSpecification"]["containerImage"]["uri"] == (
        f"292282985366.dkr.ecr.{region}.amazonaws.com/amazon-braket-cudaq-jobs:latest"
    )
    assert request["outputDataConfig"]["s3Path"].startswith(f"s3://amazon-braket-{region}-111122223333/jobs/")


def test_unsupported_region_fails_for_the_default_image_only(project: Project) -> None:
    ctx = Context(region="ap-southeast-2", account_id="123456789012", stamp="1")
    (error,) = errors_of(spec(project), ctx)
    assert error.code == "E405"
    image = "123456789012.dkr.ecr.ap-southeast-2.amazonaws.com/mine:1"
    assert request_of(spec(project, f"image_uri: {image}\n"), ctx)["algorithmSpecification"]["containerImage"] == {
        "uri": image
    }


def test_a_regional_device_decides_the_region_and_bucket(project: Project) -> None:
    project.source()
    path = project.spec("device: arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet\nsource_module: algo.py\n")
    request = request_of(path)
    assert ".eu-north-1." in request["algorithmSpecification"]["containerImage"]["uri"]
    assert request["outputDataConfig"]["s3Path"].startswith("s3://amazon-braket-eu-north-1-123456789012/")
    given = Context(region="us-west-2", account_id="123456789012", default_bucket="mine", stamp="1")
    assert request_of(path, given)["outputDataConfig"]["s3Path"].startswith("s3://mine/")


def test_device_that_is_no_arn(project: Project) -> None:
    project.source()
    (error,) = errors_of(project.spec("device: sv1\nsource_module: algo.py\n"))
    assert error.code == "E403" and (error.line, error.col) == (1, 9)


def test_context_flags_role_and_bucket(project: Project) -> None:
    ctx = Context(
        region="us-west-2",
        default_bucket="team-bucket",
        default_role_arn="arn:aws:iam::999999999999:role/Jobs",
        stamp="42",
    )
    request = request_of(spec(project), ctx)
    assert request["roleArn"] == "arn:aws:iam::999999999999:role/Jobs"
    assert request["outputDataConfig"]["s3Path"] == "s3://team-bucket/jobs/braket-job-default-42/42/data"


@pytest.mark.parametrize(
    ("ctx", "code"),
    [(Context(account_id="123456789012"), "E304"), (Context(region="us-west-2"), "E305")],
)
def test_missing_context_is_reported(project: Project, ctx: Context, code: str) -> None:
    (error,) = errors_of(spec(project), ctx)
    assert error.code == code


def test_stamp_from_content(project: Project) -> None:
    path = spec(project)
    no_stamp = Context(region="us-west-2", account_id="123456789012")
    first = request_of(path, no_stamp)
    assert first == request_of(path, no_stamp)
    stamp = first["jobName"].rsplit("-", 1)[1]
    assert len(stamp) == 13 and len(first["jobName"]) == 32
    project.source(text="def main():\n    return 1\n")
    changed = request_of(path, no_stamp)
    assert changed["jobName"] != first["jobName"]
    assert stamp not in changed["outputDataConfig"]["s3Path"]


def test_spec_is_not_mutated_and_compiles_twice_the_same(project: Project) -> None:
    path = spec(project, "hyperparameters:\n  a: 1\n")
    assert compile_file(path).request_json() == compile_file(path).request_json()
    assert CTX.stamp == "1700000000000"


COMPREHENSION_CASES = {
    "[run for run in []]\n": False,
    "{run: 1 for run in []}\n": False,
    "def run():\n    pass\n[run for run in []]\n": True,
    "[run for run in []]\nrun = print\n": True,
    "for run in []:\n    pass\n": True,
}


def _python(version: str) -> str | None:
    """A working interpreter of that version: on PATH, or one that pyenv installed."""
    pattern = os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")
    for candidate in [shutil.which(f"python{version}"), *sorted(glob.glob(pattern))]:
        if candidate and subprocess.run([candidate, "-c", "pass"], capture_output=True, timeout=60).returncode == 0:
            return candidate
    return None


@pytest.mark.parametrize("version", ["3.12", "3.13"])
def test_comprehension_variables_bind_nothing_on_pythons_that_inline_comprehensions(version: str) -> None:
    # Since Python 3.12 (PEP 709) a comprehension's variable shows in the module's symbol
    # table as assigned; earlier versions keep it in a scope of its own, so the check is
    # run under the newer interpreter itself.
    interpreter = _python(version)
    if interpreter is None:
        pytest.skip(f"no Python {version} here: only 3.12 and later inline comprehensions (PEP 709)")
    script = (
        "import json, symtable, sys\n"
        "from braket_jobspec.sdk.entrypoint import _binds\n"
        "cases = json.loads(sys.argv[1])\n"
        "print(json.dumps({m: _binds(symtable.symtable(m.encode(), 'm.py', 'exec'), 'run') for m in cases}))\n"
    )
    compiler = Path(__file__).resolve().parents[2] / "compiler"
    done = subprocess.run(
        [interpreter, "-c", script, json.dumps(list(COMPREHENSION_CASES))],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(compiler)},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == COMPREHENSION_CASES
