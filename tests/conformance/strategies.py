"""Random cases: small source trees and input folders, and specs over them, valid and not.

Values are drawn from pools that mix what the SDK and the service accept with what one or
both refuse, so that every branch of both sides (and of the comparison) is reached.
Module names start with `jq` so that no installed module answers for them by accident;
a few draws name installed or sibling modules on purpose.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .case import ACCOUNT, FOLDER, Case, Context, Entry

SUPPORTED_REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-2", "eu-north-1"]
DEVICES = [
    "local:braket/braket_sv",
    "local:braket/braket_dm",
    "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
    "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1",
    "arn:aws:braket:eu-north-1::device/qpu/iqm/Garnet",
    "arn:aws:braket:us-west-1::device/qpu/rigetti/Ankaa-3",
    "arn:aws:braket:ap-southeast-2::device/qpu/example/Qpu",  # a region without Braket images
    "sv1",  # not an ARN
    "arn:aws:braket",  # too few fields
]
IMAGES = [
    "base",
    "pytorch",
    "tensorflow",
    "cudaq",
    "pytorh",  # not a framework
    "",
    "123456789012.dkr.ecr.us-west-2.amazonaws.com/amazon-braket-custom-jobs:1.0",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-own-image:latest",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/amazon-braket-my_image:1.0",  # default name invalid
    "other.uri/amazon-braket-custom-name:tag",  # not an ECR URI
]
INSTANCE_TYPES = ["ml.m5.large", "ml.c5.xlarge", "ml.g4dn.xlarge", "ml.p3.2xlarge", "ml.foo"]
MODULE_NAMES = ["jqalpha", "jqbeta", "jq_gamma", "jq-delta"]
FUNCTIONS = ["main", "run", "start"]
CHANNELS = ["train", "test", "input", "my.data", "a_b-1"]
BAD_CHANNELS = ["bad name", "c" * 65, "é"]
S3_URIS = [
    "s3://my-bucket/datasets/train/",
    "s3://my-bucket/datasets/file.csv",
    "https://my-bucket.s3.us-west-2.amazonaws.com/datasets/x",
]
NOT_S3 = ["s3://my-bucket", "s3://my.bucket/key", "http://my-bucket/key", "S3://my-bucket/upper"]
S3_SOURCES = [
    "s3://my-bucket/code/source.tar.gz",
    "s3://my-bucket/code/SRC.TAR.GZ",
    "https://my-bucket.s3.us-west-2.amazonaws.com/code/x.tar.gz",
]
BROKEN_S3_SOURCES = ["s3://my-bucket/code/source.zip", "s3://my.bucket/code/source.tar.gz", "s3://my-bucket"]
JOB_ARNS = [
    "arn:aws:braket:us-west-2:123456789012:job/0f6f8c2a-8a8f-4b84-9c3e-6c3a6c9a7c11",
    "arn:aws:braket:us-east-1:123456789012:job/my-earlier-job",
    "arn:aws:braket:::job/no-account",
]
RESERVATIONS = [
    "arn:aws:braket:us-east-1:123456789012:reservation/a1b2c3d4-5678-90ab-cdef-111122223333",
    "arn:aws:braket:us-east-1:12345:reservation/short-account",
    "",
]


def _module_text(functions: list[str]) -> str:
    body = "".join(f"def {f}(*args, **kwargs):\n    return None\n\n" for f in functions)
    return "import os\n\n" + body + "VALUE = 1\n"


@st.composite
def source_trees(draw: st.DrawFn) -> tuple[dict[str, Entry], str, list[str]]:
    """Files under code/, the source_module path relative to the root, and module names to aim at."""
    files: dict[str, Entry] = {}
    names = draw(st.lists(st.sampled_from(MODULE_NAMES), min_size=1, max_size=3, unique=True))
    kind = draw(st.sampled_from(["file", "package", "package", "nested"]))
    top = names[0]
    targets: list[str] = []

    def module(rel: str, dotted: str) -> None:
        funcs = draw(st.lists(st.sampled_from(FUNCTIONS), max_size=2, unique=True))
        files[rel] = _module_text(funcs)
        targets.append(dotted)
        targets.extend(f"{dotted}:{f}" for f in funcs)

    if kind == "file":
        module(f"code/{top}.py", top)
        source = f"code/{top}.py"
    else:
        if draw(st.integers(0, 2)):
            files[f"code/{top}/__init__.py"] = "" if draw(st.booleans()) else _module_text(["main"])
            targets.append(top)
        if draw(st.integers(0, 3)) == 0:
            files[f"code/{top}/__main__.py"] = "print('running')\n"  # what runs a package without a callable
        for name in names[1:] or ["jqmain"]:
            module(f"code/{top}/{name}.py", f"{top}.{name}")
        if kind == "nested":
            if draw(st.booleans()):
                files[f"code/{top}/jqsub/__init__.py"] = ""
            module(f"code/{top}/jqsub/jqleaf.py", f"{top}.jqsub.jqleaf")
        for extra in draw(st.lists(st.sampled_from(["data.txt", "requirements.txt", ".hidden", "notes/n.md"]))):
            files[f"code/{top}/{extra}"] = f"{extra}\n"
        if draw(st.integers(0, 9)) == 0:
            files[f"code/{top}/__pycache__/x.cpython-311.pyc"] = b"\x00pyc"
        if draw(st.integers(0, 9)) == 0:
            files[f"code/{top}/.git/HEAD"] = "ref: refs/heads/main\n"
        if draw(st.integers(0, 5)) == 0:
            files[f"code/{top}/jqempty"] = FOLDER
        source = f"code/{top}" + draw(st.sampled_from(["", "", "/"]))
    if draw(st.integers(0, 4)) == 0:
        files["code/jqsibling.py"] = _module_text(["main"])  # importable next to the source, not in it
    return files, source, targets


@st.composite
def entry_points(draw: st.DrawFn, targets: list[str], broken: bool) -> str | None:
    if broken or not targets:
        return draw(
            st.sampled_from(
                ["", ".", ".:main", ".jqalpha", "jqsibling", "json", "jqnope", "jqalpha..x", ":main", "jqalpha."]
                + [f"{t.split(':')[0]}:jqmissing" for t in targets[:2]]
            )
        )
    return draw(st.one_of(st.none(), st.sampled_from(targets)))


@st.composite
def data_trees(draw: st.DrawFn) -> dict[str, Entry]:
    files: dict[str, Entry] = {"data/train/a.csv": "1,2\n", "data/train/sub/b.csv": "3,4\n"}
    if draw(st.booleans()):
        files["data/train_extra.csv"] = "5\n"  # shares the prefix data/train
    if draw(st.booleans()):
        files["data/file.json"] = "{}\n"
        files["data/file.json.bak"] = "{}\n"
    if draw(st.booleans()):
        files["data/empty"] = FOLDER
    if draw(st.booleans()):
        files["data/data/nested.txt"] = "nested\n"  # the prefix `data` occurs twice in the path
    return files


LOCAL_INPUTS = ["data/train", "data/train/", "data/file.json", "data"]
BROKEN_LOCAL_INPUTS = ["data/empty", "data/missing", "data/tr", "./data/train", "", "."]


@st.composite
def channel_values(draw: st.DrawFn, prefix: str, broken: bool) -> Any:
    kind = draw(st.integers(0, 9))
    if kind < 5:
        path = draw(st.sampled_from(BROKEN_LOCAL_INPUTS if broken else LOCAL_INPUTS))
        return prefix + path if path else path
    if kind < 7:
        return draw(st.sampled_from(NOT_S3 if broken else S3_URIS))
    config: dict[str, Any] = {"s3_data": draw(st.sampled_from(NOT_S3 if broken else S3_URIS))}
    if draw(st.booleans()):
        config["content_type"] = draw(st.sampled_from(["text/csv", "application/json"]))
    return config


@st.composite
def inputs(draw: st.DrawFn, prefix: str, broken: bool) -> Any:
    if draw(st.integers(0, 3)) == 0:
        return draw(channel_values(prefix, broken).filter(lambda v: isinstance(v, str)))
    names = st.sampled_from(BAD_CHANNELS if broken and draw(st.booleans()) else CHANNELS)
    return draw(st.dictionaries(names, channel_values(prefix, broken), min_size=1, max_size=3))


TEXT = st.text(alphabet=st.sampled_from("abcxyzABC019 _-.:/@+=é中"), min_size=1, max_size=12)
HYPERPARAMETER_VALUES = st.one_of(
    TEXT,
    st.integers(-(10**6), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)


def _config(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


# Per optional spec key: (values the SDK and the service both take, values one of them refuses).
FIELDS: dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]] = {
    "image_uri": (st.sampled_from(IMAGES[:4] + IMAGES[5:8]), st.sampled_from([IMAGES[4], *IMAGES[8:]])),
    "job_name": (
        st.one_of(st.just(""), st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?", fullmatch=True)),
        st.sampled_from(["bad_name", "-lead", "trail-", "x" * 51, "a.b"]),
    ),
    "code_location": (
        st.sampled_from(["s3://my-bucket/code", "s3://my-bucket/a/b/", ""]),
        st.sampled_from(["s3://my.bucket/code", "s3://b", "code", "S3://my-bucket/code"]),
    ),
    "role_arn": (
        st.sampled_from(["arn:aws:iam::123456789012:role/MyRole", ""]),
        st.sampled_from(["my-role", "arn:aws:iam::1234:role/x"]),
    ),
    "hyperparameters": (
        st.dictionaries(TEXT, HYPERPARAMETER_VALUES, max_size=4),
        st.dictionaries(
            st.one_of(TEXT, st.just(""), st.just("k" * 257)),
            st.one_of(st.sampled_from([None, [1, 2], {"a": 1}, "", "v" * 2501])),
            min_size=1,
            max_size=2,
        ),
    ),
    "instance_config": (
        _config(
            {
                "instanceType": st.sampled_from(INSTANCE_TYPES[:3]),
                "volumeSizeInGb": st.sampled_from([1, 30, 100]),
                "instanceCount": st.sampled_from([1, 2]),
            }
        ),
        st.one_of(
            st.fixed_dictionaries({"instanceType": st.sampled_from(INSTANCE_TYPES[3:])}),
            st.fixed_dictionaries({"volumeSizeInGb": st.just(0)}),
            st.fixed_dictionaries({"instanceCount": st.just(0)}),
        ),
    ),
    "distribution": (st.just("data_parallel"), st.sampled_from(["DATA_PARALLEL", "x", ""])),
    "stopping_condition": (
        _config({"maxRuntimeInSeconds": st.integers(1, 432000)}),
        st.fixed_dictionaries({"maxRuntimeInSeconds": st.sampled_from([0, 432001])}),
    ),
    "output_data_config": (
        _config(
            {
                "s3Path": st.sampled_from(["s3://my-bucket/out", "", "s3://my.bucket/out"]),
                "kmsKeyId": st.just("arn:aws:kms:us-west-2:123456789012:key/k"),
            }
        ),
        st.one_of(
            st.fixed_dictionaries({"s3Path": st.sampled_from(["out", "S3://my-bucket/out"])}),
            st.fixed_dictionaries({"kmsKeyId": st.just("")}),
        ),
    ),
    "checkpoint_config": (
        _config(
            {
                "localPath": st.sampled_from(["/opt/jobs/checkpoints", "/opt/ckpt"]),
                "s3Uri": st.sampled_from(["s3://my-bucket/ckpt", ""]),
            }
        ),
        st.one_of(
            st.fixed_dictionaries({"localPath": st.just("")}),
            st.fixed_dictionaries({"s3Uri": st.sampled_from(["s3://my.bucket/ckpt", "s3://b", "ckpt"])}),
        ),
    ),
    "copy_checkpoints_from_job": (st.sampled_from(JOB_ARNS[:2]), st.sampled_from(JOB_ARNS[2:])),
    "tags": (
        st.dictionaries(TEXT, st.one_of(TEXT, st.just("")), max_size=3),
        st.dictionaries(
            st.sampled_from(["aws:reserved", "k" * 129, ""]), st.sampled_from(["v", "v" * 257]), min_size=1, max_size=2
        ),
    ),
    "reservation_arn": (st.sampled_from(RESERVATIONS[::2]), st.sampled_from(RESERVATIONS[1:2])),
    "source_excludes": (
        st.lists(st.sampled_from(["*.txt", "notes", "jqsub/*", ".hidden"]), max_size=2),
        st.nothing(),
    ),
}
BREAKABLE = [k for k, (_, bad) in FIELDS.items() if not bad.is_empty] + [
    "device",
    "source_module",
    "entry_point",
    "input_data",
    "region",
    "null",
]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A case whose values are all acceptable, or with one or two fields broken on purpose."""
    broken = set(draw(st.lists(st.sampled_from(BREAKABLE), max_size=2))) if draw(st.booleans()) else set()
    files, source, targets = draw(source_trees())
    files.update(draw(data_trees()))
    spec_dir = draw(st.sampled_from(["", "jobs"]))
    up = "../" if spec_dir else ""
    spec: dict[str, Any] = {"device": draw(st.sampled_from(DEVICES[6:] if "device" in broken else DEVICES[:6]))}
    if draw(st.integers(0, 7)) == 0:
        spec["source_module"] = draw(st.sampled_from(BROKEN_S3_SOURCES if "source_module" in broken else S3_SOURCES))
        if "entry_point" not in broken:
            spec["entry_point"] = draw(st.sampled_from(["jqalpha.main:run", ""]))
    else:
        spec["source_module"] = up + source if "source_module" not in broken else up + "code/jqmissing.py"
        entry = draw(entry_points(targets, "entry_point" in broken))
        if entry is not None:
            spec["entry_point"] = entry
    if draw(st.booleans()) or "input_data" in broken:
        spec["input_data"] = draw(inputs(up, "input_data" in broken))
    for key, (good, bad) in FIELDS.items():
        if key in broken:
            spec[key] = draw(bad)
        elif draw(st.integers(0, 2)) == 0:
            spec[key] = draw(good)
    if (
        spec.get("reservation_arn")
        and "reservation_arn" not in broken
        and "us-east-1::device/qpu/" not in spec["device"]
    ):
        del spec["reservation_arn"]  # a reservation is acceptable only with a QPU of its region (DEV-018)
    if "null" in broken:
        spec[draw(st.sampled_from(["job_name", "instance_config", "hyperparameters", "tags", "entry_point"]))] = None
    context = Context(
        region=draw(st.sampled_from(["eu-west-3", "ap-south-1"] if "region" in broken else SUPPORTED_REGIONS)),
        account_id=ACCOUNT,
        default_bucket=draw(st.one_of(st.none(), st.none(), st.just("my-default-bucket"))),
        default_role_arn=draw(
            st.one_of(
                st.none(),
                st.none(),
                st.just(f"arn:aws:iam::{ACCOUNT}:role/service-role/AmazonBraketJobsExecutionRole-2"),
            )
        ),
        stamp=str(draw(st.integers(1_600_000_000_000, 1_999_999_999_999))),
    )
    return Case("generated", spec, files, context, spec_path=f"{spec_dir}/job.yaml" if spec_dir else "job.yaml")
