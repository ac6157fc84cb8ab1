"""Derive the device catalogue (compiler/braket_jobspec/sdk/data/devices.json) from the Braket SDK.

The SDK's `Devices` enum names every device it knows, by provider, with its ARN; a member
whose name starts with `_` is one the SDK keeps for old code but no longer offers (retired).
The local simulators a `local:braket/<name>` device may name are the SDK's `braket.simulators`
entry points. Run by `make devices`; tests/sdk/test_devices.py derives it again from the
installed SDK and fails when the checked-in catalogue has drifted from it.
"""

from __future__ import annotations

import enum
import json
import sys
from importlib.metadata import entry_points, version
from typing import Any


def derive() -> dict[str, Any]:
    from braket.devices import Devices

    devices = []
    for provider in sorted(name for name in vars(Devices) if not name.startswith("_")):
        members = getattr(Devices, provider)
        if not (isinstance(members, type) and issubclass(members, enum.Enum)):
            continue
        for member in members:
            retired = member.name.startswith("_")
            devices.append(describe(f"Devices.{provider}.{member.name}", str(member.value), retired))
    local = sorted(e.name for e in entry_points(group="braket.simulators"))
    sdk = version("amazon-braket-sdk")
    return {
        "_comment": (
            f"Derived by tools/derive_devices.py from amazon-braket-sdk {sdk} (braket.devices.Devices and the "
            "braket.simulators entry points). Do not edit: run `make devices`."
        ),
        "sdk": sdk,
        "devices": sorted(devices, key=lambda d: d["arn"]),
        "local": local,
    }


def describe(shorthand: str, arn: str, retired: bool) -> dict[str, Any]:
    """arn:aws:braket:<region>::device/<qpu|quantum-simulator>/<provider>/<name>, as catalogue fields."""
    fields = arn.split(":")
    _, kind, provider, name = fields[5].split("/")
    return {
        "arn": arn,
        "shorthand": shorthand,
        "provider": provider,
        "name": name,
        "kind": "qpu" if kind == "qpu" else "simulator",
        "region": fields[3] or None,
        "retired": retired,
    }


def dump(catalogue: dict[str, Any]) -> str:
    return json.dumps(catalogue, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(dump(derive()))
