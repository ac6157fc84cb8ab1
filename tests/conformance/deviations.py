"""The documented deviations (docs/deviations.md) and the rules that recognise each one.

A difference between the SDK and us is explained only by a rule that checks the
specific condition the deviation is about; a rule never excuses a difference in general.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from braket_jobspec import pointer as ptr
from braket_jobspec.diagnostics import Diagnostic

if TYPE_CHECKING:
    from .sdk_run import SdkRun

DOC = Path(__file__).resolve().parents[2] / "docs" / "deviations.md"
_HEADING = re.compile(r"^## (DEV-\d{3})\b", re.M)
MISSING = object()


@functools.cache
def documented() -> frozenset[str]:
    """The deviation ids that docs/deviations.md has a section for."""
    return frozenset(_HEADING.findall(DOC.read_text("utf-8")))


def lookup(data: Any, pointer: str) -> Any:
    """The value at a JSON pointer, or MISSING."""
    for token in ptr.split(pointer):
        if isinstance(data, dict) and token in data:
            data = data[token]
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return MISSING
    return data


# --------------------------------------------------------------------------- the service's rules


@functools.cache
def _request_defs() -> dict[str, Any]:
    from braket_jobspec.schemas import schema

    defs: dict[str, Any] = schema("createjob-request.schema.json")["$defs"]
    return defs


def _fits(definition: str | dict[str, Any], value: Any) -> bool:
    """Whether value satisfies a definition of the CreateJob request schema (derived from botocore)."""
    from jsonschema import Draft202012Validator

    sub = {"$ref": f"#/$defs/{definition}"} if isinstance(definition, str) else definition
    return bool(Draft202012Validator({"$defs": _request_defs(), **sub}).is_valid(value))


def _property(definition: str, field: str) -> dict[str, Any] | None:
    prop: dict[str, Any] | None = _request_defs()[definition].get("properties", {}).get(field)
    return prop


@functools.cache
def _job_arn_pattern() -> re.Pattern[str]:
    """GetJob's jobArn pattern from botocore's service model (copy_checkpoints_from_job is read with GetJob)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("braket")
    shape = model.operation_model("GetJob").input_shape.members["jobArn"]
    return re.compile(shape.metadata["pattern"])


_TOP_LEVEL_STRINGS = {
    "job_name": "CreateJobRequestJobNameString",
    "role_arn": "RoleArn",
    "device": "String256",
    "image_uri": "Uri",
    "reservation_arn": "BraketResourceArn",
}
_CONFIG_DEFS = {
    "instance_config": "InstanceConfig",
    "stopping_condition": "JobStoppingCondition",
    "output_data_config": "JobOutputDataConfig",
    "checkpoint_config": "JobCheckpointConfig",
}


def service_rejects(pointer: str, spec: dict[str, Any]) -> bool:
    """Whether the value at pointer, sent as the SDK sends it, breaks a CreateJob/GetJob constraint.

    The constraints are botocore's service model (patterns, enums, lengths, bounds, types)
    and the service's documented tag rules; the SDK checks none of them.
    """
    parts = ptr.split(pointer)
    if not parts:
        return False
    top, rest = parts[0], parts[1:]
    value = lookup(spec, pointer)
    if value is MISSING and len(rest) == 1:
        value = lookup(spec, ptr.parent(pointer))  # a diagnostic on a key: judge the mapping holding it
        rest = []
    if top in _TOP_LEVEL_STRINGS and not rest:
        return not _fits(_TOP_LEVEL_STRINGS[top], value)
    if top == "code_location" and not rest:
        return not isinstance(value, str) or not _fits("S3Path", f"{value}/source.tar.gz")
    if top == "copy_checkpoints_from_job" and not rest:
        return not isinstance(value, str) or not _job_arn_pattern().fullmatch(value)
    if top == "hyperparameters":
        return _hyperparameters_rejected(spec.get("hyperparameters"), rest)
    if top == "input_data":
        return _channels_rejected(spec.get("input_data"), rest)
    if top in _CONFIG_DEFS and len(rest) == 1:
        prop = _property(_CONFIG_DEFS[top], rest[0])
        return prop is not None and not _fits(prop, value)
    if top in _CONFIG_DEFS and not rest and isinstance(value, dict):
        return not _fits(_CONFIG_DEFS[top], value)
    if top == "tags":
        return _tags_rejected(spec.get("tags"), rest)
    return False


def _hyperparameters_rejected(raw: Any, rest: list[str]) -> bool:
    if not isinstance(raw, dict):
        return not _fits("HyperParameters", raw)
    sent = {str(k): str(v) for k, v in raw.items()}
    if not rest:
        return not _fits("HyperParameters", sent)
    key = rest[0]
    return not _fits("String256", key) or (key in sent and not _fits("HyperParametersValueString", sent[key]))


def _channels_rejected(raw: Any, rest: list[str]) -> bool:
    if not isinstance(raw, dict):
        return _s3_location_rejected(raw)
    if not rest:
        return len(raw) > 20
    if len(rest) == 1:
        return not _fits("InputFileConfigChannelNameString", rest[0]) or _s3_location_rejected(raw.get(rest[0]))
    if rest[1:] == ["content_type"] and isinstance(raw.get(rest[0]), dict):
        return not _fits("String256", raw[rest[0]].get("content_type"))
    if rest[1:] == ["s3_data"] and isinstance(raw.get(rest[0]), dict):
        # S3DataSourceConfig(s3_data) is sent as it is: `S3://...` passes the SDK, not the model.
        return _s3_location_rejected(raw[rest[0]].get("s3_data"))
    return False


def _s3_location_rejected(value: Any) -> bool:
    """An S3 channel value (the SDK sends it as it is) that the model's S3Path pattern refuses."""
    from braket.aws.aws_session import AwsSession

    return isinstance(value, str) and AwsSession.is_s3_uri(value) and not _fits("S3Path", value)


def _tags_rejected(raw: Any, rest: list[str]) -> bool:
    if not isinstance(raw, dict):
        return not _fits("TagsMap", raw)
    if not rest:
        return not _fits("TagsMap", raw) or any(_tag_rejected(k, v) for k, v in raw.items())
    return rest[0] in raw and _tag_rejected(rest[0], raw[rest[0]])


def _tag_rejected(key: str, value: Any) -> bool:
    # Tag rules of the service (not in the model): keys of 1 to 128 characters and not under
    # the reserved aws: prefix, values up to 256 characters.
    return not isinstance(value, str) or not 1 <= len(key) <= 128 or key.lower().startswith("aws:") or len(value) > 256


# --------------------------------------------------------------------------- rules


# Spec keys whose empty string the spec schema documents as "use the default", as the SDK's `or` does.
_EMPTY_MEANS_DEFAULT = {
    "job_name",
    "role_arn",
    "image_uri",
    "code_location",
    "entry_point",
    "reservation_arn",
    "copy_checkpoints_from_job",
}


def _sdk_treats_as_absent(top: str, parts: list[str], value: Any) -> bool:
    """A null, empty or falsy wrong-typed value the SDK's `x or default` silently replaces (DEV-016)."""
    if len(parts) == 1:
        if value == "":
            return top not in _EMPTY_MEANS_DEFAULT
        return value is None or value is False or value == 0 or value == []
    return top == "input_data" and len(parts) == 2 and value == ""


def _inside(path: Path, base: Path) -> bool:
    return path == base or base in path.parents


def _sdk_found_files(channel_value: Any, sdk: SdkRun | None) -> bool:
    """Whether the SDK uploaded a file inside the exact local path of a channel (so it is not missing)."""
    if sdk is None or not isinstance(channel_value, str):
        return False
    base = (sdk.cwd / channel_value).resolve()
    return any(u.channel_call is not None and _inside(u.resolved, base) for u in sdk.journal.uploads)


def explain_rejection(diag: Diagnostic, spec: dict[str, Any], sdk: SdkRun | None = None) -> str | None:
    """The deviation that explains one of our errors on a spec the SDK does not reject there."""
    from braket.aws.aws_session import AwsSession

    pointer, code, message = diag.pointer, diag.code, diag.message
    parts = ptr.split(pointer)
    value = lookup(spec, pointer)
    top = parts[0] if parts else ""
    if (
        top == "hyperparameters"
        and len(parts) == 2
        and code == "E203"
        and (value is None or isinstance(value, (list, dict)))
    ):
        return "DEV-007"
    if pointer == "/distribution" and value != "data_parallel":
        return "DEV-008"
    s3_data = lookup(spec, pointer if parts[-1:] == ["s3_data"] else ptr.join(pointer, "s3_data"))
    if (
        top == "input_data"
        and (parts[-1:] == ["s3_data"] or code == "E410")
        and not (isinstance(s3_data, str) and AwsSession.is_s3_uri(s3_data))
    ):
        return "DEV-011"
    if code.startswith("E2") and _sdk_treats_as_absent(top, parts, value):
        return "DEV-016"
    if code == "E409":
        if "relative entry point" in message or "is not of the form" in message:
            return "DEV-001"
        if "defines no top-level" in message or "syntax error" in message or "has no callable" in message:
            return "DEV-003"
        if "is not in the source" in message or "folder without __init__.py" in message:
            return "DEV-002"
    if ((code == "E401" and top == "input_data") or code == "E412") and not _sdk_found_files(value, sdk):
        return "DEV-006"
    if code in ("E402", "E411") or (code == "E408" and "symlink points outside" in message):
        return "DEV-015"
    if code == "E403" or service_rejects(pointer, spec) or (code == "E205" and _breaks_s3_bucket_rules(value)):
        return "DEV-012"
    if code in ("E417", "E418", "E419", "E420"):
        return "DEV-018"
    return None


def _breaks_s3_bucket_rules(value: Any) -> bool:
    """An s3:// location whose bucket S3 refuses (its naming rules, checked here on their own)."""
    if not isinstance(value, str) or not value.lower().startswith("s3://"):
        return False
    bucket = value[5:].split("/", 1)[0]
    fits = re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket) is not None
    return not fits or ".." in bucket or bucket.startswith("xn--") or bucket.endswith("-s3alias")
