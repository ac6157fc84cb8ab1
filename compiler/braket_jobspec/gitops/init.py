"""`jobspec init`: a new spec with its source package (and a project config if there is none).

The files compile as they are, and the spec's first line points editors at the schema: the
repository's schema/jobspec.schema.json when there is one above the spec, else the schema
file installed with jobspec.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from braket_jobspec.config import CONFIG_NAME, find_config
from braket_jobspec.gitops.spectext import modeline, render
from braket_jobspec.schemas import PROJECT_SCHEMA, SPEC_SCHEMA, schema_path

DEFAULT_DEVICE = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,49}$")


def schema_reference(folder: Path, name: str = SPEC_SCHEMA) -> str:
    """How a file in folder names a schema: relative to the repository's schema/, else the installed file."""
    folder = folder.resolve()
    for parent in (folder, *folder.parents):
        candidate = parent / "schema" / name
        if candidate.is_file():
            return Path(os.path.relpath(candidate, folder)).as_posix()
        if (parent / ".git").exists() or (parent / CONFIG_NAME).is_file():
            break  # the top of the project: a schema above it is not the project's
    return schema_path(name).as_posix()


CONFIG = """\
# Project config of braket-jobspec: the context that the Braket SDK would take from the
# AWS session, per environment (docs/gitops.md). Replace the account with yours.
default_environment = "dev"

[environments.dev]
region = "us-west-2"
account_id = "123456789012"

# [environments.prod]
# region = "us-east-1"
# account_id = "210987654321"
#
# [environments.prod.tags]
# env = "prod"
"""

JOB = '''\
"""The job's entry point: Braket runs main() in the job container.

The device and the hyperparameters come from the container's environment through the
SDK's in-job helpers (hyperparameters are strings). The dict given to save_job_result is
the job's result.
"""

from braket.circuits import Circuit
from braket.devices import Device
from braket.jobs import get_hyperparameters, get_job_device_arn, save_job_result


def device_for(arn: str) -> Device:
    if arn.startswith("local:"):
        from braket.devices import LocalSimulator

        return LocalSimulator(arn.split("/", 1)[1])
    from braket.aws import AwsDevice

    return AwsDevice(arn)


def main() -> None:
    shots = int(get_hyperparameters().get("shots", "100"))
    device = device_for(get_job_device_arn())
    bell = Circuit().h(0).cnot(0, 1)
    counts = dict(device.run(bell, shots=shots).result().measurement_counts)
    print(f"counts over {shots} shots: {counts}")
    save_job_result({"counts": counts})
'''


def module_name(name: str) -> str:
    return name.replace("-", "_")


def files(folder: Path, name: str, fmt: str = "yaml", device: str = DEFAULT_DEVICE) -> dict[Path, str]:
    """The files of a new job named name in the project at folder: path -> text."""
    module = module_name(name)
    specs = folder / "specs"
    spec = {
        "device": device,
        "source_module": f"src/{module}",
        "entry_point": f"{module}.job:main",
        "hyperparameters": {"shots": 100},
        "stopping_condition": {"maxRuntimeInSeconds": 3600},
        "tags": {"job": name},
    }
    comments = [
        f"The hybrid job {name}: `jobspec compile` writes its CreateJob request to build/{name}.json.",
        "Every field: `jobspec schema`, or your editor's completion; the context (region, account): jobspec.toml.",
    ]
    out = {
        specs / f"{name}.{fmt}": render(spec, fmt, schema_reference(specs), comments),
        specs / "src" / module / "__init__.py": "",
        specs / "src" / module / "job.py": JOB,
    }
    if find_config(folder.resolve()) is None:
        out[folder / CONFIG_NAME] = f"{modeline('toml', schema_reference(folder, PROJECT_SCHEMA))}\n{CONFIG}"
    return out
