"""Fixtures for `jobspec run`: small jobs compiled in a throwaway repository and run for real.

Every run here is offline: no AWS credentials are visible, the instance-metadata lookup
is off (boto3 would otherwise probe a link-local address), pip may not use an index, and
the virtualenv cache lives in the test's own folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from localrun.runjobs import Jobs


@pytest.fixture(autouse=True)
def offline_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith(("AMZN_BRAKET_", "AWS_")) or name in ("BRAKET_ENDPOINT", "PIP_INDEX_URL"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    yield


@pytest.fixture
def jobs(project: Any, cli: Callable[..., Any]) -> Jobs:
    """tests/conftest.py's throwaway repository and in-process CLI, for jobs."""
    return Jobs(project, cli)
