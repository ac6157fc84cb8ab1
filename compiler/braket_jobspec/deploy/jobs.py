"""Deployed jobs by name or ARN: find one, compare it with a request, read its status, cancel it."""

from __future__ import annotations

from typing import Any

from braket_jobspec.deploy.aws import AwsSettings, Clients, aws_errors, describe, error_code, error_message
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.sdk.fields import COMPARED

SEARCH_PAGES = 10  # SearchJobs pages (of 100) looked through for a job of a given name


def find_job(braket: Any, name: str) -> dict[str, Any] | None:
    """The newest job of that name (SearchJobs' jobName filter; names are compared here too)."""
    best: dict[str, Any] | None = None
    pages = braket.get_paginator("search_jobs").paginate(
        filters=[{"name": "jobName", "operator": "EQUAL", "values": [name]}],
        PaginationConfig={"PageSize": 100, "MaxItems": 100 * SEARCH_PAGES},
    )
    for page in pages:
        for job in page.get("jobs", []):
            if job.get("jobName") == name and (best is None or job["createdAt"] > best["createdAt"]):
                best = job
    return best


def _normal(value: Any) -> Any:
    """None, [] and {} alike: the service may leave out what the request gave empty."""
    return None if value in (None, [], {}) else value


def differences(answer: dict[str, Any], request: dict[str, Any]) -> list[str]:
    """The request fields (sdk.fields.COMPARED) in which a GetJob answer differs from the request."""
    return [key for key in COMPARED if _normal(answer.get(key)) != _normal(request.get(key))]


def same_job(answer: dict[str, Any], request: dict[str, Any]) -> bool:
    return answer.get("jobName") == request["jobName"] and not differences(answer, request)


def region_of(arn: str) -> str | None:
    fields = arn.split(":")
    return fields[3] if len(fields) > 5 and fields[0] == "arn" and fields[3] else None


def job_status(arn: str, settings: AwsSettings, region: str) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    try:
        answer: dict[str, Any] = Clients(settings, region).braket.get_job(jobArn=arn)
    except aws_errors() as exc:
        return None, [_job_failure(exc, arn, "calling braket:GetJob")]
    return answer, []


def cancel_job(arn: str, settings: AwsSettings, region: str) -> tuple[str | None, list[Diagnostic]]:
    try:
        answer = Clients(settings, region).braket.cancel_job(jobArn=arn)
    except aws_errors() as exc:
        if error_code(exc) == "ConflictException":
            return None, [
                Diagnostic(
                    arn,
                    0,
                    0,
                    "E628",
                    f"the job cannot be cancelled: {error_message(exc)}",
                    hint="it has ended, or a cancellation is under way: see `jobspec status`",
                )
            ]
        return None, [_job_failure(exc, arn, "calling braket:CancelJob")]
    return str(answer.get("cancellationStatus", "")), []


def _job_failure(exc: BaseException, arn: str, doing: str) -> Diagnostic:
    if error_code(exc) == "ResourceNotFoundException":
        return Diagnostic(
            arn,
            0,
            0,
            "E627",
            f"no such job: {error_message(exc)}",
            hint="check the ARN, the region it names and the account of the credentials",
        )
    return describe(exc, arn, doing)
