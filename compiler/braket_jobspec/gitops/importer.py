"""`jobspec import`: a spec written from a job that exists (GetJob), to bring it under review.

Every field GetJob returns is written out explicitly (job name, role, S3 locations, instance,
stopping condition), so the spec compiles back to the live job's request; what only the
SDK's defaults would have made is written as the values the job got. What GetJob cannot
tell (the local source tree, local input paths, the checkpoint copy) comes back as warnings.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from braket_jobspec.sdk import images
from braket_jobspec.sdk.builder import RESERVATION_TYPE
from braket_jobspec.sdk.fields import COPIED, DATA_PARALLEL_KEYS

ARCHIVE_NAME = "/source.tar.gz"


@dataclasses.dataclass(frozen=True)
class Imported:
    """The spec's fields, in the order they are written, and what could not be recovered."""

    data: dict[str, Any]
    warnings: list[tuple[str, str]]  # (spec pointer, message)


def _framework_of(uri: str, region: str) -> str | None:
    for name in images.frameworks():
        if images.image_for(name, region) == uri:
            return name
    return None


def spec_from_job(job: dict[str, Any], region: str) -> Imported:
    """The spec of a job from its GetJob answer (region: the job's, from its ARN)."""
    warnings: list[tuple[str, str]] = []
    algorithm = job.get("algorithmSpecification", {})
    script = algorithm.get("scriptModeConfig", {})
    data: dict[str, Any] = {"device": job.get("deviceConfig", {}).get("device", "")}
    source = str(script.get("s3Uri", ""))
    data["source_module"] = source
    data["entry_point"] = script.get("entryPoint", "")
    warnings.append(
        (
            "/source_module",
            "the source is the job's uploaded archive in S3: to review its code, unpack it into the "
            "repository and point source_module at the folder",
        )
    )
    if source.endswith(ARCHIVE_NAME):
        data["code_location"] = source[: -len(ARCHIVE_NAME)]
    else:
        warnings.append(
            (
                "/code_location",
                f"the archive is not named source.tar.gz ({source}): a compiled spec uploads it to "
                "<code_location>/source.tar.gz instead",
            )
        )
    if script.get("compressionType", "GZIP") != "GZIP":
        warnings.append(("/source_module", f"compressionType {script['compressionType']!r}: specs always send GZIP"))
    if "containerImage" in algorithm:
        uri = str(algorithm["containerImage"].get("uri", ""))
        framework = _framework_of(uri, region)
        if framework != "base":
            data["image_uri"] = framework or uri
    data["job_name"] = job.get("jobName", "")
    data["role_arn"] = job.get("roleArn", "")

    instance = dict(job.get("instanceConfig", {}))
    hyper = dict(job.get("hyperParameters") or {})
    if hyper.get(DATA_PARALLEL_KEYS[0]) == "true" and hyper.get(DATA_PARALLEL_KEYS[1]) == instance.get("instanceType"):
        data["distribution"] = "data_parallel"
        for key in DATA_PARALLEL_KEYS:
            del hyper[key]
    if hyper:
        data["hyperparameters"] = hyper
    inputs = _inputs(job.get("inputDataConfig") or [], str(job.get("jobName", "")), warnings)
    if inputs:
        data["input_data"] = inputs
    for field in COPIED:  # the request objects that are the spec's, with the SDK's defaults filled in
        if job.get(field.request[1:]):
            data[field.spec] = dict(job[field.request[1:]])
    if job.get("tags"):
        data["tags"] = dict(job["tags"])
    for association in job.get("associations") or []:
        if association.get("type") == RESERVATION_TYPE:
            data["reservation_arn"] = association["arn"]
        else:
            warnings.append(("", f"association {association!r} has no spec field"))
    warnings.append(
        (
            "",
            "copy_checkpoints_from_job and source_excludes are not part of a job: add them again if the job used them",
        )
    )
    return Imported(data, warnings)


def _inputs(channels: list[dict[str, Any]], job_name: str, warnings: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for channel in channels:
        name = channel.get("channelName", "")
        uri = channel.get("dataSource", {}).get("s3DataSource", {}).get("s3Uri", "")
        if "contentType" in channel:
            out[name] = {"s3_data": uri, "content_type": channel["contentType"]}
        else:
            out[name] = uri
        if f"/jobs/{job_name}/" in uri:
            warnings.append(
                (
                    f"/input_data/{name}",
                    f"channel {name!r} points at the data this job uploaded; to upload data from the "
                    "repository instead, replace it with a local path",
                )
            )
    return out
