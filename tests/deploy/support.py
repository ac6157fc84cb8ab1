"""What the deploy tests share besides fixtures: the test context, the fake environment, compiled projects."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

REGION = "us-west-2"
ACCOUNT = "123456789012"
BUCKET = f"amazon-braket-{REGION}-{ACCOUNT}"
COMPILE_CONTEXT = ["--region", REGION, "--account-id", ACCOUNT]


def aws_environment(home: Path) -> dict[str, str]:
    """Fake credentials, and no file or service of this machine that boto3 could read."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=str(home / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


SOURCE = "def main():\n    print('hello from the job')\n"


def make_project(project: Any, cli: Any, inputs: dict[str, bytes] | None = None, spec_extra: str = "") -> Path:
    """A repository with one spec (a package source and, optionally, input files), compiled into build/."""
    project.write("algo/__init__.py", "")
    project.write("algo/run.py", SOURCE)
    input_line = ""
    for rel, data in (inputs or {}).items():
        path = project.root / "data" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        input_line = "input_data:\n  training: ../data\n"
    project.write(
        "specs/job.yaml",
        "device: arn:aws:braket:::device/quantum-simulator/amazon/sv1\n"
        "source_module: ../algo\n"
        "entry_point: algo.run:main\n"
        "hyperparameters:\n  shots: 100\n" + input_line + spec_extra,
    )
    result = cli("compile", "specs", "-o", "build", *COMPILE_CONTEXT, cwd=project.root)
    assert result.code == 0, result.err
    return project.root / "build" / "job.json"


def request_of(build_json: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(build_json.read_text("utf-8"))
    return loaded
