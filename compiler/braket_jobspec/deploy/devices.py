"""Devices through braket:GetDevice: `deploy --check-devices`, and the device line of `status`.

A deploy with --check-devices asks about each device before anything is uploaded, so a
retired or offline device costs no upload and no failed CreateJob. Each device is asked
once per region, in the region of the jobs that name it (where their other calls go): a
simulator's ARN names no region, and each region offers it, or not, on its own.

Only the device's existence and status are judged. Whether it runs hybrid jobs is not:
the device capabilities schema (amazon-braket-schemas, braket.device_schema) has no field
for it (its actions are the program types of quantum tasks), and the SDK itself checks
only that the device exists before CreateJob.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

from braket_jobspec.artifact import Artifact
from braket_jobspec.deploy.aws import AwsSettings, Clients, aws_errors, describe, error_code, error_message
from braket_jobspec.diagnostics import Diagnostic

LOCAL = "local:"  # embedded simulators run in the job's container: the service knows nothing of them
POINTER = "/deviceConfig/device"
REVIEW = "recompile, review and deploy the new outputs"


def device_of(request: dict[str, Any]) -> str:
    return str((request.get("deviceConfig") or {}).get("device", ""))


def wanted(artifacts: Sequence[Artifact]) -> dict[tuple[str, str], list[Artifact]]:
    """(region, device) -> the artifacts naming that device, in their order; local devices left out."""
    found: dict[tuple[str, str], list[Artifact]] = {}
    for artifact in artifacts:
        device = device_of(artifact.request)
        if device and not device.startswith(LOCAL):
            found.setdefault((artifact.region, device), []).append(artifact)
    return found


def label(answer: dict[str, Any]) -> str:
    """'IonQ Forte-1': the provider and name a GetDevice answer gives, for people."""
    return " ".join(str(answer[k]) for k in ("providerName", "deviceName") if answer.get(k))


def status_text(answer: dict[str, Any]) -> str:
    """'OFFLINE (MAINTENANCE, until 2025-01-01T10:00:00+00:00)': the status and, when given, its reason."""
    status = str(answer.get("deviceStatus") or "unknown")
    reason = answer.get("deviceStatusReason") or {}
    if not reason.get("reason"):
        return status
    until = reason.get("estimatedEndAt")
    return f"{status} ({reason['reason']}{f', until {_text(until)}' if until else ''})"


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime.datetime) else str(value)


def refusal(artifact: Artifact, device: str, answer: dict[str, Any]) -> Diagnostic | None:
    """None when the device takes jobs now (ONLINE); else why the deploy stops, for this artifact."""
    status = str(answer.get("deviceStatus") or "")
    if status == "ONLINE":
        return None
    named = f"{device} ({label(answer)})" if label(answer) else device
    if status == "RETIRED":
        return artifact.error(
            "E632",
            f"device {named} is RETIRED: it takes no new jobs",
            f"choose a current device in the spec (`aws braket search-devices`), {REVIEW}",
            POINTER,
        )
    # OFFLINE, PAUSED, or a status this version does not know: no job would start now.
    return artifact.error(
        "E631",
        f"device {named} is {status_text(answer)}, not ONLINE",
        "deploy again once it is ONLINE (its availability window, or the end of the maintenance), "
        f"or choose another device in the spec and {REVIEW}",
        POINTER,
    )


def check(
    artifacts: Sequence[Artifact], braket_in: Callable[[str], Any], say: Callable[[str], None]
) -> list[Diagnostic]:
    """GetDevice for each device the artifacts name; a diagnostic for each artifact it refuses."""
    found: list[Diagnostic] = []
    for (region, device), users in wanted(artifacts).items():
        try:
            answer: dict[str, Any] = braket_in(region).get_device(deviceArn=device)
        except aws_errors() as exc:
            if error_code(exc) != "ResourceNotFoundException":
                # Credentials, access, throttling, network: the next devices would fail alike.
                found.append(describe(exc, users[0].display, f"calling braket:GetDevice for {device}", device))
                return found
            found += [
                a.error(
                    "E633",
                    f"no device {device} in {region}: {error_message(exc)}",
                    "check the device ARN in the spec (`aws braket search-devices` lists the devices "
                    f"of a region) and the region it is compiled for, then {REVIEW}",
                    POINTER,
                )
                for a in users
            ]
            continue
        refused = [d for d in (refusal(a, device, answer) for a in users) if d is not None]
        if not refused:
            say(f"device {device} ({label(answer) or 'no name given'}) in {region}: ONLINE")
        found += refused
    return found


# -- `jobspec status` ------------------------------------------------------------------------


def brief(device: str, settings: AwsSettings, region: str) -> dict[str, Any]:
    """GetDevice in a few fields, or why it is unknown: best effort, a failure is a field here."""
    try:
        answer: dict[str, Any] = Clients(settings, region).braket.get_device(deviceArn=device)
    except aws_errors() as exc:
        return {
            "deviceArn": device,
            "deviceStatus": None,
            "error": f"{error_code(exc) or type(exc).__name__}: {error_message(exc)}",
        }
    keep = ("deviceArn", "deviceName", "providerName", "deviceType", "deviceStatus")
    out = {k: answer[k] for k in keep if k in answer}
    reason = answer.get("deviceStatusReason")
    if reason:
        out["deviceStatusReason"] = {k: _text(v) for k, v in reason.items()}
    return out


def line(shown: dict[str, Any]) -> str:
    """'arn:... (IonQ Forte-1): ONLINE', or 'arn:...: unknown (why)'."""
    device = str(shown.get("deviceArn", ""))
    if shown.get("deviceStatus") is None:
        return f"{device}: unknown (braket:GetDevice failed: {shown.get('error', 'no answer')})"
    named = f" ({label(shown)})" if label(shown) else ""
    return f"{device}{named}: {status_text(shown)}"
