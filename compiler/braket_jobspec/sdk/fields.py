"""One row per parameter of the SDK's AwsQuantumJob.create that a spec can give: the one list of them.

Everything that treats fields one by one is derived from these rows: the builder's defaults
(builder.py), the mapping of request errors back to spec keys (check/request.py), the
fields `jobspec import` copies (gitops/importer.py), what diff matches by name
(gitops/diff.py) and what deploy compares with a job that exists (deploy/jobs.py). The spec
schema (schema/jobspec.schema.json) defines the same keys, in the same order; a test keeps
the two in step. docs/architecture.md walks through adding a parameter.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, NamedTuple


class Field(NamedTuple):
    spec: str  # the spec key (the SDK's parameter name)
    request: str  # where its value lands in the CreateJob request ("" for none of its own)
    default: Any = None  # a request object's defaults, filled in where the spec leaves them out
    compared: bool = False  # deploy: a job that exists must have the same value to be this job
    keyed_by: str = ""  # a list of named items: diff matches them by this key, not by position
    copied: bool = False  # the request object is the spec's (defaults filled in): import copies it back


FIELDS: tuple[Field, ...] = (
    Field("device", "/deviceConfig/device", compared=True),
    Field("source_module", "/algorithmSpecification/scriptModeConfig/s3Uri", compared=True),
    Field("entry_point", "/algorithmSpecification/scriptModeConfig/entryPoint"),
    Field("image_uri", "/algorithmSpecification/containerImage/uri"),
    Field("job_name", "/jobName"),
    Field("code_location", "/algorithmSpecification/scriptModeConfig/s3Uri"),
    Field("role_arn", "/roleArn", compared=True),
    Field("hyperparameters", "/hyperParameters", compared=True),
    Field("input_data", "/inputDataConfig", compared=True, keyed_by="channelName"),
    Field(
        "instance_config",
        "/instanceConfig",
        MappingProxyType({"instanceType": "ml.m5.large", "volumeSizeInGb": 30, "instanceCount": 1}),
        compared=True,
        copied=True,
    ),
    Field("distribution", "/hyperParameters"),
    Field(
        "stopping_condition",
        "/stoppingCondition",
        MappingProxyType({"maxRuntimeInSeconds": 432000}),
        compared=True,
        copied=True,
    ),
    Field("output_data_config", "/outputDataConfig", MappingProxyType({}), compared=True, copied=True),
    Field("copy_checkpoints_from_job", ""),
    Field(
        "checkpoint_config",
        "/checkpointConfig",
        MappingProxyType({"localPath": "/opt/jobs/checkpoints"}),
        compared=True,
        copied=True,
    ),
    Field("tags", "/tags", compared=True),
    Field("reservation_arn", "/associations", compared=True, keyed_by="arn"),
    Field("source_excludes", ""),
)

# What `distribution: data_parallel` adds to the hyperparameters: "true", and the instance type.
DATA_PARALLEL_KEYS = ("sagemaker_distributed_dataparallel_enabled", "sagemaker_instance_type")

BY_SPEC: MappingProxyType[str, Field] = MappingProxyType({f.spec: f for f in FIELDS})


def _top(pointer: str) -> str:
    return "/" + pointer.split("/")[1] if pointer else ""


# The request's top-level keys a deployed job must match, in the SDK's parameter order.
COMPARED: tuple[str, ...] = tuple(dict.fromkeys(_top(f.request)[1:] for f in FIELDS if f.compared))
# Lists whose items diff matches by a key, by the list's request pointer.
KEYED: MappingProxyType[str, str] = MappingProxyType({f.request: f.keyed_by for f in FIELDS if f.keyed_by})
# The spec key that gives each top-level request field (the first, where several feed one):
# a request error under one of them is that spec field's.
REQUEST_TO_SPEC: MappingProxyType[str, str] = MappingProxyType(
    {f.request: f"/{f.spec}" for f in reversed(FIELDS) if f.request.count("/") == 1}
)
# Request objects that `jobspec import` copies back as they are, in the spec's order.
COPIED: tuple[Field, ...] = tuple(f for f in FIELDS if f.copied)
