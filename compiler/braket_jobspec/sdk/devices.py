"""The devices the Braket SDK knows (data/devices.json, derived from it), and what a spec may name.

A device ARN of the right shape that the catalogue does not know is a warning: devices
appear before the catalogue learns them (`--strict-devices` makes it an error). A known
device named in another region than its own, a `local:braket/...` simulator the SDK does
not have, and a reservation that cannot apply (to a simulator, or in another region) are
errors: the service or the job container would refuse them, after the uploads.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from braket_jobspec import sdk
from braket_jobspec.diagnostics import Severity

_ARN_PREFIX = "arn:aws:braket:"
_SIMULATOR = "quantum-simulator"


class Device(NamedTuple):
    arn: str
    shorthand: str  # as the SDK names it: Devices.IonQ.Forte1
    provider: str
    name: str
    kind: str  # qpu or simulator
    region: str | None  # None: not regional (the on-demand simulators, early QPUs)
    retired: bool  # the SDK keeps its name for old code (Devices.IonQ._Harmony) but no longer offers it

    @property
    def resource(self) -> str:
        """What names the device whatever the region: device/<kind>/<provider>/<name>."""
        return self.arn.split(":", 5)[5]


class Finding(NamedTuple):
    pointer: str
    code: str
    message: str
    hint: str
    severity: Severity = "error"


def _table() -> dict[str, Any]:
    return sdk.table("devices.json")


@functools.cache
def catalogue() -> tuple[Device, ...]:
    return tuple(Device(**{f: d[f] for f in Device._fields}) for d in _table()["devices"])


def local_simulators() -> list[str]:
    """The simulators of `local:braket/<name>`: the SDK's braket.simulators entry points."""
    return list(_table()["local"])


def sdk_version() -> str:
    return str(_table()["sdk"])


@functools.cache
def _by_arn() -> dict[str, Device]:
    return {d.arn: d for d in catalogue()}


@functools.cache
def _by_resource() -> dict[str, Device]:
    return {d.resource: d for d in catalogue()}


def find(arn: str) -> Device | None:
    return _by_arn().get(arn)


def region_of(device: str) -> str | None:
    """The region a device lives in: its own for a known regional device, else the ARN's."""
    known = _by_resource().get(device.split(":", 5)[5]) if device.startswith(_ARN_PREFIX) else None
    if known is not None and known.region:
        return known.region
    fields = device.split(":")
    return fields[3] or None if len(fields) > 3 else None


def check(device: str, reservation: str | None, strict: bool) -> list[Finding]:
    """What is wrong with the device (and the reservation that goes with it)."""
    if device.startswith("local:"):
        found = _check_local(device)
    elif device.startswith("arn:"):
        found = _check_arn(device, strict)
    else:
        return []  # not a device ARN at all: the builder says so (E403)
    if reservation and not any(f.severity == "error" for f in found):
        found += _check_reservation(device, reservation)
    return found


def _check_local(device: str) -> list[Finding]:
    provider, _, simulator = device[len("local:") :].partition("/")
    if provider != "braket":
        return []  # another provider's embedded simulator (local:pennylane/lightning.gpu): not ours to know
    names = local_simulators()
    if simulator in names:
        return []
    from braket_jobspec.diagnostics.words import did_you_mean

    hint = did_you_mean(simulator, names)
    hint = hint.replace("did you mean '", "did you mean 'local:braket/") if hint else ""
    return [
        Finding(
            "/device",
            "E417",
            f"device {device!r}: the Braket SDK has no local simulator {simulator!r}",
            hint or "local simulators: " + ", ".join(f"local:braket/{n}" for n in names),
        )
    ]


def _check_arn(device: str, strict: bool) -> list[Finding]:
    known = find(device)
    if known is not None:
        if not known.retired:
            return []
        return [
            Finding(
                "/device",
                "W406",
                f"device {device!r} is retired: the Braket SDK keeps it only as {known.shorthand}",
                _alternatives(known),
                "warning",
            )
        ]
    fields = device.split(":", 5)
    if len(fields) == 6 and device.startswith(_ARN_PREFIX):
        same = _by_resource().get(fields[5])
        if same is not None:
            where = f"in {fields[3]}" if fields[3] else "without a region"
            return [
                Finding(
                    "/device",
                    "E418",
                    f"device {same.provider}/{same.name} is named {where}, but it lives in "
                    f"{same.region or 'no region (its ARN has none)'}",
                    f"use {same.arn}",
                )
            ]
    return [_unknown(device, strict)]


def _unknown(device: str, strict: bool) -> Finding:
    from braket_jobspec.diagnostics.words import closest

    live = [d for d in catalogue() if not d.retired]
    resource = device.split(":", 5)[5] if device.count(":") >= 5 else device
    near = closest(resource, [d.resource for d in live])
    hint = f"did you mean {_by_resource()[near].arn!r}?" if near else "`jobspec devices` lists the devices"
    catalogued = f"the Braket SDK {sdk_version()}'s devices"
    if strict:
        return Finding("/device", "E421", f"device {device!r} is not among {catalogued} (--strict-devices)", hint)
    return Finding(
        "/device",
        "W405",
        f"device {device!r} is not among {catalogued}",
        f"{hint} (a device newer than the catalogue is fine: --strict-devices makes this an error)",
        "warning",
    )


def _alternatives(retired: Device) -> str:
    same = [d.arn for d in catalogue() if not d.retired and d.provider == retired.provider and d.kind == retired.kind]
    if same:
        return f"{retired.provider}'s devices offered now: {', '.join(same)}"
    return "`jobspec devices` lists the devices offered now"


def _check_reservation(device: str, reservation: str) -> list[Finding]:
    known = find(device)
    if device.startswith("local:") or (known.kind == "simulator" if known else f"/{_SIMULATOR}/" in device):
        return [
            Finding(
                "/reservation_arn",
                "E419",
                f"a reservation is for a QPU, and device {device!r} is a simulator",
                "remove reservation_arn, or name the reserved QPU as the device",
            )
        ]
    fields = reservation.split(":")
    device_region = region_of(device)
    if len(fields) > 3 and fields[3] and device_region and fields[3] != device_region:
        return [
            Finding(
                "/reservation_arn",
                "E420",
                f"the reservation is in {fields[3]}, its device in {device_region}",
                "a reservation is made for one device in its region: use that device's reservation",
            )
        ]
    return []
