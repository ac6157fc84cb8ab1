"""The generated validators: current with schema/, and of one mind with jsonschema."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from braket_jobspec.check import fastcheck
from braket_jobspec.schemas import REQUEST_SCHEMA, SPEC_SCHEMA, schema
from conftest import REPO
from strategies import specs

sys.path.insert(0, str(REPO / "tools"))
from generate_fastcheck import SCHEMAS, TARGET, generate


@pytest.mark.parametrize(("module", "schema_file"), sorted(SCHEMAS.items()))
def test_generated_code_is_current(module: str, schema_file: str) -> None:
    checked_in = (TARGET / f"{module}.py").read_text("utf-8")
    assert checked_in == generate(schema_file), "schema/ changed: run `make fastcheck`"


def same_verdict(name: str, instance: Any) -> None:
    expected = Draft202012Validator(schema(name)).is_valid(instance)
    found = fastcheck.first_error(name, instance)
    if found is not None and expected:
        # The one known difference: Python's `$` also matches before a final newline
        # (jsonschema), ECMA-262's does not (the generated code, and the service).
        assert "\n" in str(found.value), found.message
        return
    assert (found is None) == expected, found and found.message


# Values that break one rule or another of either schema, to graft onto valid documents.
BAD = st.sampled_from(
    [None, "", "x\n", "bad_name", -1, 0, 432001, 10**9, 1.5, True, [], {}, "s3://", "S3://b/k", "a" * 300, {"k": []}]
)


def graft(document: dict[str, Any], where: list[str], value: Any) -> dict[str, Any]:
    """document with the value at a path of keys replaced (or added)."""
    out = json.loads(json.dumps(document))
    node = out
    for key in where[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[where[-1]] = value
    return out


SPEC_PATHS = [
    ["device"],
    ["job_name"],
    ["entry_point"],
    ["instance_config", "volumeSizeInGb"],
    ["instance_config", "instanceType"],
    ["stopping_condition", "maxRuntimeInSeconds"],
    ["hyperparameters", "a"],
    ["tags", "t"],
    ["input_data"],
    ["input_data", "c"],
    ["input_data", "c", "s3_data"],
    ["unknown"],
    ["distribution"],
    ["reservation_arn"],
    ["output_data_config", "kmsKeyId"],
    ["source_excludes"],
]
REQUEST = json.loads((REPO / "build" / "sv1-with-data.json").read_text("utf-8"))
REQUEST_PATHS = [
    ["jobName"],
    ["roleArn"],
    ["clientToken"],
    ["instanceConfig", "instanceCount"],
    ["tags", "t"],
    ["hyperParameters", "h"],
    ["stoppingCondition", "maxRuntimeInSeconds"],
    ["deviceConfig", "device"],
    ["algorithmSpecification", "containerImage", "uri"],
    ["outputDataConfig", "s3Path"],
    ["associations"],
]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(spec=specs(), where=st.sampled_from(SPEC_PATHS), value=BAD, graft_it=st.booleans())
def test_spec_verdicts_agree(spec: dict[str, Any], where: list[str], value: Any, graft_it: bool) -> None:
    same_verdict(SPEC_SCHEMA, graft(spec, where, value) if graft_it else spec)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(where=st.sampled_from(REQUEST_PATHS), value=BAD)
def test_request_verdicts_agree(where: list[str], value: Any) -> None:
    same_verdict(REQUEST_SCHEMA, REQUEST)
    same_verdict(REQUEST_SCHEMA, graft(REQUEST, where, value))


def test_a_trailing_newline_is_refused_with_a_diagnostic(tmp_path: Path) -> None:
    from helpers import errors_of

    (tmp_path / "algo.py").write_text("def main():\n    pass\n")
    spec = tmp_path / "job.yaml"
    spec.write_text('device: local:braket/braket_sv\nsource_module: algo.py\njob_name: "vqe\\n"\n')
    (error,) = errors_of(spec)
    assert (error.code, error.pointer, error.line) == ("E205", "/job_name", 3)
