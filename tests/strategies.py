"""What several test packages share: random valid specs (hypothesis), and botocore's verdict on a request."""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.validate import ParamValidator
from hypothesis import strategies as st

from braket_jobspec.config import Context

CTX = Context(region="us-west-2", account_id="123456789012")
REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-2", "eu-north-1"]
NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\x7f"),
    min_size=1,
    max_size=12,
)
scalar = st.one_of(
    text,
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
job_names = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(NAME_CHARS),
    st.text(NAME_CHARS + "-", max_size=30).map(lambda s: s.rstrip("-")),
)
devices = st.one_of(
    st.just("arn:aws:braket:::device/quantum-simulator/amazon/sv1"),
    st.just("local:braket/braket_sv"),
    st.sampled_from(REGIONS).map(lambda r: f"arn:aws:braket:{r}::device/qpu/vendor/Device-1"),
)


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    spec: dict[str, Any] = {"device": draw(devices), "source_module": draw(st.sampled_from(["algo.py", "pkg"]))}
    if spec["source_module"] == "pkg":
        spec["entry_point"] = draw(st.sampled_from(["pkg", "pkg:main", "pkg.mod:run"]))
    optional: dict[str, st.SearchStrategy[Any]] = {
        "job_name": job_names,
        "image_uri": st.sampled_from(["base", "pytorch", "tensorflow", "cudaq"]),
        "hyperparameters": st.dictionaries(text, scalar, max_size=6),
        "instance_config": st.fixed_dictionaries(
            {},
            optional={
                "instanceType": st.sampled_from(["ml.m5.large", "ml.c5.xlarge", "ml.g4dn.xlarge"]),
                "volumeSizeInGb": st.integers(1, 1000),
                "instanceCount": st.integers(1, 8),
            },
        ),
        "stopping_condition": st.fixed_dictionaries({"maxRuntimeInSeconds": st.integers(1, 432000)}),
        "output_data_config": st.fixed_dictionaries({}, optional={"kmsKeyId": st.just("alias/jobs")}),
        "checkpoint_config": st.fixed_dictionaries({}, optional={"localPath": st.just("/opt/ck")}),
        "tags": st.dictionaries(text.filter(lambda k: not k.lower().startswith("aws:")), text, max_size=4),
        "distribution": st.just("data_parallel"),
        "input_data": st.dictionaries(
            st.text(NAME_CHARS + "._-", min_size=1, max_size=10),
            st.sampled_from(["s3://bucket/a/", "s3://bucket/b.csv", "data", "data/one.csv"]),
            max_size=3,
        ),
        "reservation_arn": st.just("arn:aws:braket:us-east-1:123456789012:reservation/abc"),
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        spec[key] = draw(optional[key])
    if "reservation_arn" in spec:  # a reservation goes with a QPU, in the QPU's region
        fields = spec["device"].split(":")
        if "::device/qpu/" in spec["device"]:
            spec["reservation_arn"] = spec["reservation_arn"].replace(":us-east-1:", f":{fields[3]}:")
        else:
            del spec["reservation_arn"]
    return spec


def create_job_shape() -> Any:
    return botocore.session.get_session().get_service_model("braket").operation_model("CreateJob").input_shape


def botocore_errors(request: dict[str, Any]) -> str:
    report = ParamValidator().validate(request, create_job_shape())
    return report.generate_report() if report.has_errors() else ""
