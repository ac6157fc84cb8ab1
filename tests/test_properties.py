"""Properties over random valid specs: one spec, one request, whatever its spelling."""

from __future__ import annotations

import io
import json
import random
import tempfile
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from braket_jobspec.compile import compile_spec
from braket_jobspec.config import Context
from braket_jobspec.schemas import REQUEST_SCHEMA, schema
from braket_jobspec.sdk.builder import BuildOptions
from test_request_schema import botocore_errors

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
    return spec


def shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng) for k, v in items}
    return value


def write_tree(root: Path) -> None:
    (root / ".git").mkdir()
    (root / "algo.py").write_text("def main():\n    pass\n")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("def main():\n    pass\n")
    (root / "pkg" / "mod.py").write_text("def run(x=1):\n    return x\n")
    (root / "data").mkdir()
    (root / "data" / "one.csv").write_text("1,2\n")


def dump_yaml(spec: dict[str, Any]) -> str:
    # Block style: ruamel's emitter writes plain `?0` inside flow mappings, which its own
    # parser then refuses (found by this test); in block style both agree.
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump(spec, out)
    return out.getvalue()


def compile_text(root: Path, name: str, text: str) -> str:
    path = root / name
    path.write_text(text, "utf-8")
    result = compile_spec(path, name, CTX, BuildOptions(root))
    assert result.ok, "\n".join(map(str, result.diagnostics)) + "\n---\n" + text
    return result.request_json()


SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(spec=specs(), seed=st.integers(0, 2**32))
def test_yaml_toml_and_key_order_give_the_same_bytes(spec: dict[str, Any], seed: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tree(root)
        as_yaml = compile_text(root, "a.yaml", dump_yaml(spec))
        assert compile_text(root, "b.toml", tomli_w.dumps(spec)) == as_yaml
        assert compile_text(root, "c.yaml", dump_yaml(shuffled(spec, random.Random(seed)))) == as_yaml
        assert compile_text(root, "a.yaml", dump_yaml(spec)) == as_yaml  # and again: the same bytes


@SETTINGS
@given(spec=specs())
def test_every_request_passes_botocore_and_the_derived_schema(spec: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tree(root)
        request = json.loads(compile_text(root, "a.yaml", dump_yaml(spec)))
        assert botocore_errors(request) == ""
        assert [e.message for e in Draft202012Validator(schema(REQUEST_SCHEMA)).iter_errors(request)] == []
        assert set(request["hyperParameters"].values()) <= {
            str(v) for v in spec.get("hyperparameters", {}).values()
        } | {
            "true",
            *(request["instanceConfig"]["instanceType"],),
        }
