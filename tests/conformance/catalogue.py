"""Hand-written cases: each row of the SDK semantics (docs: shared design sdk-semantics.md).

Every case names the documented deviations it must hit (none: the SDK and we must agree),
and, where the point is an SDK error, a piece of that error's message.
"""

from __future__ import annotations

from typing import Any

from .case import ACCOUNT, FOLDER, ROOT, Case, Context, Entry, Link

SV1 = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
LOCAL = "local:braket/braket_sv"
FORTE = "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
GARNET = "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet"
REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-2", "eu-north-1"]
FRAMEWORKS = ["base", "pytorch", "tensorflow", "cudaq"]
JOB_ARN = f"arn:aws:braket:us-west-2:{ACCOUNT}:job/0f6f8c2a-8a8f-4b84-9c3e-6c3a6c9a7c11"
RESERVATION = f"arn:aws:braket:us-east-1:{ACCOUNT}:reservation/a1b2c3d4-5678-90ab-cdef-111122223333"
ECR = f"{ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com"

MAIN = "def main(*args, **kwargs):\n    return 0\n"
ALGO: dict[str, Entry] = {"algo.py": MAIN}
PKG: dict[str, Entry] = {
    "src/pkg/__init__.py": "",
    "src/pkg/run.py": MAIN + "\n\ndef start():\n    return 1\n",
    "src/pkg/requirements.txt": "numpy\n",
    "src/pkg/sub/__init__.py": "",
    "src/pkg/sub/leaf.py": "def start():\n    return 2\n",
    "src/pkg/assets/table.csv": "a,b\n1,2\n",
    "src/pkg/.config": "hidden\n",
}
DATA: dict[str, Entry] = {
    "data/train/a.csv": "1,2\n",
    "data/train/sub/b.csv": "3,4\n",
    "data/test.csv": "5,6\n",
    "data/empty": FOLDER,
}


def case(
    id: str,
    files: dict[str, Entry] | None = None,
    deviations: tuple[str, ...] = (),
    context: Context | None = None,
    **fields: Any,
) -> Case:
    """A case on the package tree and data unless files are given; fields are the spec's."""
    spec = {"device": LOCAL, "source_module": "src/pkg", **fields}
    spec = {k: v for k, v in spec.items() if v is not ...}  # `...` leaves a key out
    options = {k: spec.pop(k) for k in list(spec) if k.startswith("case_")}
    return Case(
        id,
        spec,
        {**PKG, **DATA} if files is None else files,
        context or Context(),
        deviations=frozenset(deviations),
        **{k[len("case_") :]: v for k, v in options.items()},
    )


def sources() -> list[Case]:
    return [
        case("source: a file, default entry point", ALGO, source_module="algo.py"),
        case("source: a file with a callable", ALGO, source_module="algo.py", entry_point="algo:main"),
        case("source: a folder, default entry point", source_module="src/pkg"),
        case("source: a folder with a trailing slash", source_module="src/pkg/"),
        case("source: a module of a package", entry_point="pkg.run"),
        case("source: a callable of a package", entry_point="pkg.run:main"),
        case("source: nested packages", entry_point="pkg.sub.leaf:start"),
        case(
            "source: the package's own callable (never checked by the SDK)",
            entry_point="pkg:main",
            deviations=("DEV-003",),
        ),
        case(
            "source: a namespace sub-package",
            {"src/pkg/__init__.py": "", "src/pkg/ns/leaf.py": MAIN},
            entry_point="pkg.ns.leaf:main",
        ),
        case(
            "source: a namespace folder with __main__.py",
            {"src/tool/__main__.py": "print('run')\n", "src/tool/lib.py": MAIN},
            source_module="src/tool",
        ),
        case(
            "source: a namespace folder without __main__.py",
            {"src/tool/lib.py": MAIN},
            source_module="src/tool",
            deviations=("DEV-002",),
        ),
        case(
            "source: a dashed file name",
            {"my-algo.py": MAIN},
            source_module="my-algo.py",
        ),
        case(
            "source: a file name with dots",
            {"v1.2.py": MAIN},
            source_module="v1.2.py",
            case_sdk_error="Entry point module was not found: v1.2",
        ),
        case(
            "source: a folder name with a dot",
            {"src/my.pkg/__init__.py": MAIN},
            source_module="src/my.pkg",
            case_sdk_error="Entry point module was not found: my",
        ),
        case("source: missing", source_module="src/nope", case_sdk_error="Source module not found"),
        case("source: an absolute path", source_module=f"{ROOT}/src/pkg", entry_point="pkg.run:main"),
        case(
            "source: a symlink inside the source",
            {**PKG, "src/pkg/alias.py": Link("run.py")},
            entry_point="pkg.alias:main",
        ),
        case(
            "source: a symlinked source folder",
            {**PKG, "linked": Link("src/pkg")},
            source_module="linked",
            entry_point="pkg.run:main",
        ),
        case(
            "source: a symlink out of the source",
            {**PKG, "shared.py": MAIN, "src/pkg/shared.py": Link("../../shared.py")},
            deviations=("DEV-015",),
        ),
        case(
            "source: outside the repository",
            {"../outside/algo.py": MAIN},
            source_module="../outside/algo.py",
            deviations=("DEV-015",),
        ),
        case(
            "source: an empty string archives the current folder in the SDK",
            ALGO,
            source_module="",
            deviations=("DEV-016",),
        ),
        case("source: S3", source_module="s3://my-bucket/code/source.tar.gz", entry_point="pkg.run:main"),
        case("source: S3, upper-case suffix", source_module="s3://my-bucket/code/SRC.TAR.GZ", entry_point="pkg"),
        case(
            "source: S3, virtual-host URL",
            source_module="https://my-bucket.s3.us-west-2.amazonaws.com/code/source.tar.gz",
            entry_point="pkg.run",
        ),
        case("source: S3 with an empty entry point", source_module="s3://my-bucket/code/source.tar.gz", entry_point=""),
        case(
            "source: S3 already at the code location",
            source_module="s3://my-bucket/code/source.tar.gz",
            code_location="s3://my-bucket/code",
            entry_point="pkg.run",
        ),
        case(
            "source: S3 without an entry point",
            source_module="s3://my-bucket/code/source.tar.gz",
            case_sdk_error="entry_point must be provided",
        ),
        case(
            "source: S3 not a tar.gz",
            source_module="s3://my-bucket/code/source.zip",
            entry_point="pkg",
            case_sdk_error="must point to a tar.gz file",
        ),
        case(
            "source: S3 bucket with dots is a local path to the SDK",
            source_module="s3://my.bucket/code/source.tar.gz",
            entry_point="pkg",
            case_sdk_error="Source module not found",
        ),
        case(
            "source: S3 without a key is a local path to the SDK",
            source_module="s3://my-bucket",
            entry_point="pkg",
            case_sdk_error="Source module not found",
        ),
    ]


def entry_points() -> list[Case]:
    return [
        case("entry point: relative `.`", entry_point=".", deviations=("DEV-001",)),
        case("entry point: relative `.run`", entry_point=".run", deviations=("DEV-001",)),
        case("entry point: relative `.:main`", entry_point=".:main", deviations=("DEV-001",)),
        case(
            "entry point: beyond the top package",
            entry_point="..run",
            case_sdk_error="relative import beyond top-level package",
        ),
        case("entry point: no module", entry_point=":main", case_sdk_error="Entry point module was not found"),
        case("entry point: an installed module", entry_point="json", deviations=("DEV-002",)),
        case(
            "entry point: a module beside the source, not in it",
            {**PKG, "src/helper.py": MAIN},
            entry_point="helper:main",
            deviations=("DEV-002",),
        ),
        case(
            "entry point: a sibling of a file source",
            {"algo.py": MAIN, "other.py": MAIN},
            source_module="algo.py",
            entry_point="other",
            deviations=("DEV-002",),
        ),
        case(
            "entry point: a missing module", entry_point="pkg.nope", case_sdk_error="Entry point module was not found"
        ),
        case(
            "entry point: a missing top package",
            entry_point="nope.run",
            case_sdk_error="Entry point module was not found: nope.run",
        ),
        case("entry point: a missing callable", entry_point="pkg.run:nope", deviations=("DEV-003",)),
        case(
            "entry point: a callable bound by import or in a try block",
            {
                **PKG,
                "src/pkg/run.py": "from os import getcwd as main\ntry:\n    import json\nexcept ImportError:\n"
                "    json = None\nelse:\n    def start():\n        return json\n",
            },
            entry_point="pkg.run:start",
        ),
        case(
            "entry point: a module with a syntax error",
            {**PKG, "src/pkg/run.py": "def main(:\n"},
            entry_point="pkg.run:main",
            deviations=("DEV-003",),
        ),
        case("entry point: empty string means the default", entry_point=""),
        case(
            "archive: __pycache__ the SDK's import check writes",
            entry_point="pkg.run:main",
            case_bytecode=True,
            deviations=("DEV-004",),
        ),
        case(
            "archive: caches and .git in the tree",
            {
                **PKG,
                "src/pkg/__pycache__/run.cpython-311.pyc": b"\x00",
                "src/pkg/.git/HEAD": "ref\n",
                "src/pkg/x.pyc": b"1",
            },
            deviations=("DEV-004",),
        ),
        case(
            "archive: source_excludes",
            {**PKG, "src/pkg/notebooks/a.ipynb": "{}", "src/pkg/b.ipynb": "{}"},
            source_excludes=["notebooks", "*.ipynb"],
            deviations=("DEV-004",),
        ),
        case("archive: source_excludes matching nothing", source_excludes=["*.ipynb"]),
        case(
            "archive: reproducible metadata",
            {**PKG},
            case_compare_metadata=True,
            deviations=("DEV-009",),
        ),
        case(
            "archive: an empty folder and a binary file",
            {**PKG, "src/pkg/empty": FOLDER, "src/pkg/blob.bin": bytes(range(256))},
        ),
    ]


def defaults_and_images() -> list[Case]:
    out = [
        case("defaults: everything", ALGO, source_module="algo.py"),
        case(
            "defaults: role, bucket from the session",
            ALGO,
            source_module="algo.py",
            context=Context(default_bucket="team-bucket", default_role_arn=f"arn:aws:iam::{ACCOUNT}:role/JobsRole"),
        ),
        case("defaults: an empty job name", job_name=""),
        case("defaults: empty role and image", role_arn="", image_uri=""),
        case("image: my own image", image_uri=f"{ECR}/my-own-image:latest"),
        case("image: a custom jobs image", image_uri=f"{ECR}/amazon-braket-custom-jobs:1.2.3"),
        case("image: a custom braket image", image_uri=f"{ECR}/amazon-braket-custom-name:tag"),
        case(
            "image: its name makes an invalid default job name",
            image_uri=f"{ECR}/amazon-braket-my_image:1.0",
            case_sdk_error="Invalid quantum job name",
        ),
        case(
            "image: greedy match in the default job name",
            image_uri=f"{ECR}/amazon-braket-a-jobs:x-jobs:y",
            case_sdk_error="Invalid quantum job name",
        ),
        case("image: not an ECR URI", image_uri="other.uri/amazon-braket-custom-name:tag", deviations=("DEV-012",)),
        case("image: not a framework", image_uri="pytorh", deviations=("DEV-012",)),
        case(
            "region: unsupported, default image",
            context=Context(region="eu-west-3"),
            case_sdk_error="Unsupported region: eu-west-3",
        ),
        case(
            "region: unsupported, framework image",
            image_uri="pytorch",
            context=Context(region="ap-south-1"),
            case_sdk_error="Unsupported region: ap-south-1",
        ),
        case("region: a regional device moves the job", device=FORTE, context=Context(region="us-west-2")),
        case(
            "region: a regional device keeps a given bucket",
            device=GARNET,
            image_uri="cudaq",
            context=Context(region="us-east-1", default_bucket="team-bucket"),
        ),
        case("region: a non-regional device stays", device=SV1, context=Context(region="eu-west-2")),
        case(
            "region: a regional device in a region without images",
            device="arn:aws:braket:ap-southeast-2::device/qpu/x/y",
            case_sdk_error="Unsupported region: ap-southeast-2",
        ),
        case("device: not an ARN", device="sv1", case_sdk_error="Device ARN is not a valid format"),
        case("device: four fields, not an ARN", device="a:b:c:us-east-1", deviations=("DEV-012",)),
        case(
            "device: a QPU named in another region than its own",
            device="arn:aws:braket:us-west-2::device/qpu/ionq/Forte-1",
            deviations=("DEV-018",),
        ),
        case(
            "device: a local simulator the SDK does not have", device="local:braket/braket_xx", deviations=("DEV-018",)
        ),
    ]
    for region in REGIONS:
        for framework in FRAMEWORKS:
            out.append(case(f"image: {framework} in {region}", image_uri=framework, context=Context(region=region)))
    return out


def inputs() -> list[Case]:
    return [
        case("input: a local folder", input_data="data/train"),
        case("input: a local folder with a trailing slash", input_data="data/train/"),
        case("input: a local file", input_data="data/test.csv"),
        case("input: an S3 prefix", input_data="s3://my-bucket/datasets/train/"),
        case(
            "input: channels of every form, in name order",
            input_data={
                "a-local": "data/train",
                "b-file": "data/test.csv",
                "c-s3": "s3://my-bucket/datasets/ref/",
                "d-config": {"s3_data": "s3://my-bucket/datasets/cfg.json", "content_type": "application/json"},
                "e-config": {"s3_data": "s3://my-bucket/datasets/plain"},
            },
        ),
        case(
            "input: channels out of name order",
            input_data={"train": "data/train", "reference": "s3://my-bucket/ref/"},
            deviations=("DEV-017",),
        ),
        case(
            "input: from a spec in a sub-folder",
            {**PKG, **DATA},
            source_module="../src/pkg",
            input_data={"train": "../data/train"},
            case_spec_path="jobs/job.yaml",
        ),
        case("input: an absolute path", input_data=f"{ROOT}/data/train"),
        case(
            "input: a prefix that matches siblings",
            {**PKG, **DATA, "data/train_extra.csv": "7\n"},
            input_data="data/train",
            deviations=("DEV-005",),
        ),
        case(
            "input: the prefix repeated inside the path",
            {**PKG, "data/data/nested.txt": "n\n", "data/metadata.csv": "m\n"},
            input_data={"all": "data"},
            deviations=("DEV-005",),
        ),
        case("input: a `./` path", input_data="./data/train"),
        case("input: the spec's folder", input_data={"here": "."}, deviations=("DEV-005",)),
        case("input: a missing path", input_data="data/nope", deviations=("DEV-006",)),
        case("input: an empty folder", input_data={"empty": "data/empty"}, deviations=("DEV-006",)),
        case(
            "input: an empty path (the SDK globs the whole folder and builds keys that are not URIs)",
            input_data={"train": ""},
            case_sdk_error="Not a valid S3 uri",
        ),
        case("input: s3_data not an S3 URI", input_data={"ref": {"s3_data": "data/train"}}, deviations=("DEV-011",)),
        case(
            "input: an S3 URI the service refuses",
            input_data="S3://my-bucket/upper",
            deviations=("DEV-012",),
        ),
        case(
            "input: an s3_data the service refuses (found by the generated cases)",
            input_data={"ref": {"s3_data": "S3://my-bucket/upper"}},
            deviations=("DEV-012",),
        ),
        case(
            "input: a channel name the service refuses", input_data={"bad name": "data/train"}, deviations=("DEV-012",)
        ),
        case(
            "input: too many channels",
            input_data={f"c{i:02d}": f"s3://my-bucket/c{i}/" for i in range(21)},
            deviations=("DEV-012",),
        ),
        case(
            "input: an unknown field of a channel",
            input_data={"ref": {"s3_data": "s3://my-bucket/x", "contentType": "text/csv"}},
        ),
    ]


def configs() -> list[Case]:
    kms = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/1234"
    return [
        case("instance: type only", instance_config={"instanceType": "ml.c5.xlarge"}),
        case("instance: volume only", instance_config={"volumeSizeInGb": 100}),
        case("instance: count only", instance_config={"instanceCount": 2}),
        case(
            "instance: everything",
            instance_config={"instanceType": "ml.g4dn.xlarge", "volumeSizeInGb": 50, "instanceCount": 3},
        ),
        case("instance: empty", instance_config={}),
        case("instance: null", instance_config=None, deviations=("DEV-016",)),
        case("instance: not a mapping", instance_config=5, case_sdk_error="should be of"),
        case("instance: unknown field", instance_config={"instanceTyp": "ml.m5.large"}, case_sdk_error="instanceTyp"),
        case(
            "instance: a type the service dropped",
            instance_config={"instanceType": "ml.p3.2xlarge"},
            deviations=("DEV-012",),
        ),
        case("instance: zero volume", instance_config={"volumeSizeInGb": 0}, deviations=("DEV-012",)),
        case("stopping: empty", stopping_condition={}),
        case("stopping: given", stopping_condition={"maxRuntimeInSeconds": 3600}),
        case(
            "stopping: above the service maximum",
            stopping_condition={"maxRuntimeInSeconds": 432001},
            deviations=("DEV-012",),
        ),
        case("output: kms key only", output_data_config={"kmsKeyId": kms}),
        case("output: path only", output_data_config={"s3Path": "s3://my-bucket/out"}),
        case("output: everything", output_data_config={"s3Path": "s3://my-bucket/out", "kmsKeyId": kms}),
        case("output: empty path", output_data_config={"s3Path": ""}),
        case("output: empty", output_data_config={}),
        case("output: a path the service refuses", output_data_config={"s3Path": "out"}, deviations=("DEV-012",)),
        case("checkpoint: local path only", checkpoint_config={"localPath": "/opt/ckpt"}),
        case("checkpoint: S3 only", checkpoint_config={"s3Uri": "s3://my-bucket/ckpt"}),
        case("checkpoint: everything", checkpoint_config={"localPath": "/opt/ckpt", "s3Uri": "s3://my-bucket/ckpt"}),
        case("checkpoint: empty", checkpoint_config={}),
        case("checkpoint: empty local path", checkpoint_config={"localPath": ""}, deviations=("DEV-012",)),
        case("code location: given", code_location="s3://my-bucket/code"),
        case("code location: trailing slash", code_location="s3://my-bucket/code/"),
        case("code location: a bucket only", code_location="s3://my-bucket"),
        case(
            "code location: a bucket with dots",
            code_location="s3://my.bucket/code",
            case_sdk_error="Not a valid S3 uri",
        ),
        case("job name: given", job_name="vqe-h2-sweep"),
        case("job name: 50 characters", job_name="J" * 50),
        case("job name: 51 characters", job_name="J" * 51, case_sdk_error="Invalid quantum job name"),
        case("job name: underscore", job_name="bad_name", case_sdk_error="Invalid quantum job name"),
        case("job name: null", job_name=None, deviations=("DEV-016",)),
        case("role: given", role_arn=f"arn:aws:iam::{ACCOUNT}:role/MyJobsRole"),
        case("role: not an ARN", role_arn="my-role", deviations=("DEV-012",)),
    ]


def parameters_and_the_rest() -> list[Case]:
    return [
        case(
            "hyperparameters: str() of each type",
            hyperparameters={
                "int": 10,
                "float": 0.1,
                "tiny": 1e-07,
                "big": 1e16,
                "yes": True,
                "text": "0.010",
                "neg": -3,
            },
        ),
        case(
            "hyperparameters: YAML number texts",
            hyperparameters={"lr": 1.1, "n": 10, "s": "1.10"},
            case_yaml_text=(
                f"device: {LOCAL}\nsource_module: src/pkg\nhyperparameters:\n  lr: 1.10\n  n: 0010\n  s: '1.10'\n"
            ),
        ),
        case("hyperparameters: empty", hyperparameters={}),
        case("hyperparameters: null", hyperparameters=None, deviations=("DEV-016",)),
        case("hyperparameters: a null value", hyperparameters={"a": None}, deviations=("DEV-007",)),
        case("hyperparameters: a list value", hyperparameters={"a": [1, 2]}, deviations=("DEV-007",)),
        case("hyperparameters: a map value", hyperparameters={"a": {"b": 1}}, deviations=("DEV-007",)),
        case("hyperparameters: an empty value", hyperparameters={"a": ""}, deviations=("DEV-012",)),
        case(
            "hyperparameters: a value over 2500 characters",
            hyperparameters={"a": "v" * 2501},
            deviations=("DEV-012",),
        ),
        case(
            "hyperparameters: more than 100",
            hyperparameters={f"p{i}": i for i in range(101)},
            deviations=("DEV-012",),
        ),
        case(
            "distribution: data_parallel",
            instance_config={"instanceType": "ml.g4dn.12xlarge", "instanceCount": 2},
            distribution="data_parallel",
            hyperparameters={"epochs": 5},
            image_uri="pytorch",
        ),
        case(
            "distribution: overrides a user key",
            distribution="data_parallel",
            hyperparameters={"sagemaker_instance_type": "mine", "z": 1},
        ),
        case("distribution: other values", distribution="DATA_PARALLEL", deviations=("DEV-008",)),
        case("tags: given", tags={"team": "algorithms", "cost-center": "1234"}),
        case("tags: empty", tags={}),
        case("tags: an int value", tags={"n": 1}, deviations=("DEV-012",)),
        case("tags: a reserved key", tags={"aws:x": "v"}, deviations=("DEV-012",)),
        case("reservation: given", device=FORTE, reservation_arn=RESERVATION),
        case("reservation: with a simulator", device=SV1, reservation_arn=RESERVATION, deviations=("DEV-018",)),
        case(
            "reservation: in another region than its device",
            device=GARNET,
            reservation_arn=RESERVATION,
            deviations=("DEV-018",),
        ),
        case("reservation: empty", reservation_arn=""),
        case(
            "reservation: not a Braket ARN", reservation_arn="arn:aws:braket:us-east-1:1:r/x", deviations=("DEV-012",)
        ),
        case("checkpoints: copied to the default location", copy_checkpoints_from_job=JOB_ARN),
        case(
            "checkpoints: copied to a given location",
            copy_checkpoints_from_job=JOB_ARN,
            checkpoint_config={"s3Uri": "s3://my-bucket/ckpt"},
        ),
        case(
            "checkpoints: copied to a bucket with dots",
            copy_checkpoints_from_job=JOB_ARN,
            checkpoint_config={"s3Uri": "s3://my.bucket/ckpt"},
            case_sdk_error="Not a valid S3 uri",
        ),
        case("checkpoints: empty job", copy_checkpoints_from_job=""),
        case(
            "checkpoints: not a job ARN",
            copy_checkpoints_from_job="arn:aws:braket:::job/x",
            deviations=("DEV-012",),
        ),
        case("spec: an unknown key", sdk_only_key=1, case_sdk_error="unexpected keyword argument"),
        case(
            "paths: the SDK resolves against its working folder",
            source_module="../src/pkg",
            input_data="../data/train",
            case_spec_path="jobs/job.yaml",
            case_sdk_cwd=".",
            case_sdk_error="Source module not found",
            deviations=("DEV-010",),
        ),
        case("request: clientToken", case_compare_client_token=True, deviations=("DEV-013",)),
        case("request: the stamp from content", context=Context(stamp=None), deviations=("DEV-014",)),
    ]


def catalogue() -> list[Case]:
    cases = sources() + entry_points() + defaults_and_images() + inputs() + configs() + parameters_and_the_rest()
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases
