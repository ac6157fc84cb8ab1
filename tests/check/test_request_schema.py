"""The CreateJob schema against botocore's service model, and every compiled request against both."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from braket_jobspec.schemas import REQUEST_SCHEMA, SPEC_SCHEMA, schema
from strategies import botocore_errors

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tools"))
from derive_request_schema import derive_installed, dump  # noqa: E402


def test_checked_in_request_schema_is_what_the_installed_botocore_model_gives() -> None:
    checked_in = (REPO / "schema" / REQUEST_SCHEMA).read_text("utf-8")
    assert checked_in == dump(derive_installed()), "botocore's model moved: run `make request-schema` and review"


@pytest.mark.parametrize("name", [SPEC_SCHEMA, REQUEST_SCHEMA])
def test_schemas_are_valid_2020_12(name: str) -> None:
    Draft202012Validator.check_schema(schema(name))


def test_spec_schema_constraints_match_the_model() -> None:
    """The limits the spec schema repeats for editors are the model's own."""
    model = schema(REQUEST_SCHEMA)["$defs"]
    spec = schema(SPEC_SCHEMA)["properties"]
    instance = spec["instance_config"]["properties"]
    assert instance["instanceType"]["enum"] == model["InstanceType"]["enum"]
    assert instance["volumeSizeInGb"]["minimum"] == model["InstanceConfigVolumeSizeInGbInteger"]["minimum"]
    assert instance["instanceCount"]["minimum"] == model["InstanceConfigInstanceCountInteger"]["minimum"]
    runtime = spec["stopping_condition"]["properties"]["maxRuntimeInSeconds"]
    limit = model["JobStoppingConditionMaxRuntimeInSecondsInteger"]
    assert (runtime["minimum"], runtime["maximum"]) == (limit["minimum"], limit["maximum"])
    assert spec["hyperparameters"]["maxProperties"] == model["HyperParameters"]["maxProperties"]
    assert spec["input_data"]["anyOf"][1]["maxProperties"] == model["CreateJobRequestInputDataConfigList"]["maxItems"]
    channel = spec["input_data"]["anyOf"][1]["propertyNames"]
    model_channel = model["InputFileConfigChannelNameString"]
    assert channel["maxLength"] == model_channel["maxLength"]
    assert channel["pattern"] == model_channel["pattern"]
    assert spec["job_name"]["maxLength"] == model["CreateJobRequestJobNameString"]["maxLength"]
    output = spec["output_data_config"]["properties"]["kmsKeyId"]
    assert output["maxLength"] == model["String2048"]["maxLength"]
    assert output["minLength"] == model["String2048"]["minLength"]
    local = spec["checkpoint_config"]["properties"]["localPath"]
    assert (local["minLength"], local["maxLength"]) == (
        model["String4096"]["minLength"],
        model["String4096"]["maxLength"],
    )
    # Neither has a pattern in the model: their lengths are all the service states.
    assert "pattern" not in model["String2048"] and "pattern" not in model["String4096"]


def test_spec_schema_maxima_are_the_models_integer_type() -> None:
    """The model gives instanceCount and volumeSizeInGb no maximum but their type: a 32-bit integer."""
    import botocore.session

    shapes = botocore.session.get_session().get_service_data("braket")["shapes"]
    instance = schema(SPEC_SCHEMA)["properties"]["instance_config"]["properties"]
    for field, shape in (
        ("instanceCount", "InstanceConfigInstanceCountInteger"),
        ("volumeSizeInGb", "InstanceConfigVolumeSizeInGbInteger"),
    ):
        assert shapes[shape]["type"] == "integer" and "max" not in shapes[shape]  # else: the model's own max
        assert instance[field]["maximum"] == 2**31 - 1


def test_the_spec_schemas_tag_rules_are_not_the_models() -> None:
    """The model's tags are any strings: 50 tags and one line each are AWS's tag rules (and the spec's)."""
    model = schema(REQUEST_SCHEMA)["$defs"]
    assert model["TagsMap"] == {
        "additionalProperties": {"$ref": "#/$defs/String"},
        "propertyNames": {"$ref": "#/$defs/String"},
        "type": "object",
    }
    assert schema(SPEC_SCHEMA)["properties"]["tags"]["maxProperties"] == 50


REQUESTS = sorted(p for p in (REPO / "build").rglob("*.json") if not p.name.endswith(".manifest.json"))


@pytest.mark.parametrize("path", REQUESTS, ids=lambda p: p.relative_to(REPO / "build").as_posix())
def test_checked_in_requests_pass_botocore_and_the_schema(path: Path) -> None:
    request = json.loads(path.read_text("utf-8"))
    assert botocore_errors(request) == ""
    assert list(Draft202012Validator(schema(REQUEST_SCHEMA)).iter_errors(request)) == []


def test_botocore_and_the_schema_both_catch_a_bad_request() -> None:
    """Guards the guard: a request botocore rejects is rejected by the derived schema too."""
    request = json.loads((REPO / "build" / "local-bell.json").read_text("utf-8"))
    request["instanceConfig"]["volumeSizeInGb"] = "30"
    assert "Invalid type" in botocore_errors(request)
    assert list(Draft202012Validator(schema(REQUEST_SCHEMA)).iter_errors(request))
