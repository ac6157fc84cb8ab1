"""The device catalogue: derived from the pinned SDK, and what a compile says of each device."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from braket_jobspec.sdk import devices
from conftest import CONTEXT, REPO, Project

sys.path.insert(0, str(REPO / "tools"))
from derive_devices import derive, dump

CATALOGUE = REPO / "compiler" / "braket_jobspec" / "sdk" / "data" / "devices.json"
LIVE = [d for d in devices.catalogue() if not d.retired]
QPUS = [d for d in LIVE if d.kind == "qpu" and d.region]
REGIONS = ["us-east-1", "us-west-1", "us-west-2", "eu-west-2", "eu-north-1"]


def test_the_catalogue_is_what_the_installed_sdk_gives() -> None:
    pytest.importorskip("braket.devices", reason="the Braket SDK (the `conformance` extra) needs Python >= 3.11")
    assert CATALOGUE.read_text("utf-8") == dump(derive()), "the SDK's devices moved: run `make devices` and review"


def test_the_drift_test_sees_a_device_the_sdk_lost(tmp_path: Path) -> None:
    """The comparison above is of the whole catalogue: one device fewer (or more) is a difference."""
    pytest.importorskip("braket.devices", reason="the Braket SDK (the `conformance` extra) needs Python >= 3.11")
    derived = derive()
    derived["devices"] = derived["devices"][1:]
    assert dump(derived) != CATALOGUE.read_text("utf-8")


def test_the_catalogue_names_each_device_as_the_sdk_does() -> None:
    table = json.loads(CATALOGUE.read_text("utf-8"))
    shorthands = {d["shorthand"]: d["arn"] for d in table["devices"]}
    assert shorthands["Devices.Amazon.SV1"] == "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
    assert shorthands["Devices.IonQ.Forte1"] == "arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"
    assert {"braket_sv", "braket_dm", "braket_ahs"} <= set(table["local"])
    assert all(d["retired"] == d["shorthand"].split(".")[-1].startswith("_") for d in table["devices"])


def _compile(cli: Any, project: Project, device: str, *flags: str, **fields: Any) -> tuple[int, str]:
    project.source()
    lines = [f"device: {device}", "source_module: algo.py"] + [f"{k}: {v}" for k, v in fields.items()]
    project.spec("\n".join(lines) + "\n")
    done = cli("validate", "job.yaml", *CONTEXT, *flags, cwd=project.root)
    return done.code, done.err


@pytest.mark.parametrize("device", [d.arn for d in LIVE] + [f"local:braket/{n}" for n in devices.local_simulators()])
def test_every_device_the_sdk_offers_compiles_clean(cli: Any, project: Project, device: str) -> None:
    code, err = _compile(cli, project, device)
    assert code == 0, err
    assert " W4" not in err and " E4" not in err, err


@pytest.mark.parametrize("device", [d for d in devices.catalogue() if d.retired], ids=lambda d: d.shorthand)
def test_a_retired_device_is_a_warning_naming_what_is_offered_now(
    cli: Any, project: Project, device: devices.Device
) -> None:
    code, err = _compile(cli, project, device.arn)
    assert code == 0, err
    assert f"W406 device {device.arn!r} is retired: the Braket SDK keeps it only as {device.shorthand}" in err


def _typos(device: devices.Device) -> list[str]:
    """One-character typos of a device ARN: a letter of its provider changed, one of its name doubled."""
    prefix, _, _ = device.arn.rpartition(f"/{device.provider}/{device.name}")
    provider = device.provider[:-1] + ("x" if device.provider[-1] != "x" else "y")
    doubled = device.name[:2] + device.name[1:]
    return [f"{prefix}/{provider}/{device.name}", f"{prefix}/{device.provider}/{doubled}"]


@pytest.mark.parametrize("device", LIVE, ids=lambda d: d.shorthand)
def test_a_one_character_typo_of_each_device_gets_it_as_did_you_mean(
    cli: Any, project: Project, device: devices.Device
) -> None:
    for typo in _typos(device):
        code, err = _compile(cli, project, typo)
        assert code == 0, err  # a warning: the device may be newer than the catalogue
        assert f"W405 device {typo!r} is not among" in err
        assert f"did you mean {device.arn!r}?" in err, (typo, err)


def test_strict_devices_makes_an_unknown_device_an_error(cli: Any, project: Project) -> None:
    code, err = _compile(cli, project, "arn:aws:braket:::device/quantum-simulator/amazon/sv2", "--strict-devices")
    assert code == 1
    assert "E421 device 'arn:aws:braket:::device/quantum-simulator/amazon/sv2' is not among" in err
    assert "did you mean 'arn:aws:braket:::device/quantum-simulator/amazon/sv1'?" in err


@pytest.mark.parametrize("device", QPUS, ids=lambda d: d.shorthand)
def test_a_qpu_in_another_region_is_refused(cli: Any, project: Project, device: devices.Device) -> None:
    for region in [r for r in REGIONS if r != device.region] + [""]:
        wrong = device.arn.replace(f":{device.region}:", f":{region}:")
        code, err = _compile(cli, project, wrong)
        assert code == 1, err
        assert f"E418 device {device.provider}/{device.name} is named" in err
        assert f"but it lives in {device.region}" in err and f"hint: use {device.arn}" in err


def test_a_local_simulator_the_sdk_lacks_is_refused_with_the_nearest(cli: Any, project: Project) -> None:
    code, err = _compile(cli, project, "local:braket/braket_xv")
    assert code == 1
    assert (
        "job.yaml:1:9: E417 device 'local:braket/braket_xv': the Braket SDK has no local simulator 'braket_xv'" in err
    )
    assert "did you mean 'local:braket/braket_sv'?" in err


def test_another_providers_local_simulator_is_not_ours_to_check(cli: Any, project: Project) -> None:
    code, err = _compile(cli, project, "local:pennylane/lightning.gpu")
    assert code == 0 and "E417" not in err, err


RESERVATION = "arn:aws:braket:{region}:123456789012:reservation/a1b2c3d4-5678-90ab-cdef-111122223333"


@pytest.mark.parametrize(
    "device",
    ["arn:aws:braket:::device/quantum-simulator/amazon/sv1", "arn:aws:braket:::device/quantum-simulator/amazon/dm1"]
    + [f"local:braket/{n}" for n in ("braket_sv", "braket_dm")],
)
def test_a_reservation_with_a_simulator_is_refused(cli: Any, project: Project, device: str) -> None:
    code, err = _compile(cli, project, device, reservation_arn=RESERVATION.format(region="us-east-1"))
    assert code == 1
    assert f"job.yaml:3:18: E419 a reservation is for a QPU, and device {device!r} is a simulator" in err


@pytest.mark.parametrize("device", QPUS, ids=lambda d: d.shorthand)
def test_a_reservation_must_be_in_its_devices_region(cli: Any, project: Project, device: devices.Device) -> None:
    assert device.region is not None
    code, err = _compile(cli, project, device.arn, reservation_arn=RESERVATION.format(region=device.region))
    assert code == 0 and "E420" not in err, err
    other = next(r for r in REGIONS if r != device.region)
    code, err = _compile(cli, project, device.arn, reservation_arn=RESERVATION.format(region=other))
    assert code == 1
    assert f"E420 the reservation is in {other}, its device in {device.region}" in err


def test_the_devices_command_lists_the_catalogue(cli: Any) -> None:
    listed = cli("devices")
    assert listed.code == 0
    assert "Devices.Amazon.SV1" in listed.out and "local:braket/braket_sv" in listed.out
    assert "_Harmony" not in listed.out
    assert "Devices.IonQ._Harmony" in cli("devices", "--all").out
    regional = cli("devices", "--region", "eu-north-1").out
    assert (
        "Devices.IQM.Garnet" in regional and "Devices.IonQ.Forte1" not in regional and "Devices.Amazon.SV1" in regional
    )
    as_json = json.loads(cli("devices", "--format", "json").out)
    assert {d["arn"] for d in as_json["devices"]} == {d.arn for d in LIVE}
    wrong = cli("devices", "--region", "us-east-l")
    assert wrong.code == 2 and "did you mean 'us-east-1'?" in wrong.err
