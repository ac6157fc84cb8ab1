"""The example job of specs/local-bell.yaml, end to end on the SDK's embedded simulator, offline."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "specs" / "local-bell.yaml"
BUILD = REPO / "build" / "local-bell.json"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("braket") is None,
    reason="amazon-braket-sdk is not installed: pip install -e '.[local]' (CI installs it) to run the example job",
)


def check_results(work: Path, request: dict[str, Any]) -> None:
    from braket.jobs.data_persistence import load_job_result

    shots = int(request["hyperParameters"]["shots"])
    # Read back with the SDK's own loader, as AwsQuantumJob.result() would read the job's output.
    result = load_job_result(work / "model" / "results.json")
    counts = result["counts"]
    assert result["shots"] == shots
    assert sum(counts.values()) == shots
    # A Bell pair measures 00 or 11, never 01 or 10, on a noiseless simulator.
    assert set(counts) <= {"00", "11"} and len(counts) == 2


def test_the_spec_runs_offline_through_the_console_command(tmp_path: Path) -> None:
    work = tmp_path / "bell"
    done = subprocess.run(
        [sys.executable, "-m", "braket_jobspec", "run", str(SPEC), "--no-install", "--workdir", str(work)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "bell counts over 1000 shots on local:braket/braket_sv" in done.stdout
    assert "the job succeeded" in done.stderr
    # The spec was compiled in memory with the repository's jobspec.toml; its hyperparameters are the spec's.
    assert json.loads((work / "input" / "config" / "hyperparameters.json").read_text()) == {"shots": "1000"}
    check_results(work, {"hyperParameters": {"shots": "1000"}})


def test_the_checked_in_build_runs_offline(tmp_path: Path, cli: Callable[..., Any]) -> None:
    work = tmp_path / "bell"
    done = cli("run", str(BUILD), "--no-install", "--workdir", str(work), cwd=tmp_path)
    assert done.code == 0, done.err
    assert "bell counts over 1000 shots" in done.out
    check_results(work, json.loads(BUILD.read_text()))
    assert "bell counts" in (work / "log.txt").read_text()
