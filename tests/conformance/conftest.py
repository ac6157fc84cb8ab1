"""Differential conformance against the real Braket SDK, run offline.

The SDK is a test-only dependency: `pip install -e '.[dev,conformance]'` (or
`make conformance`). Without it every test here is skipped, with that reason. The SDK
range the suite is written for is stated in pyproject.toml's `conformance` extra.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

SDK_MISSING = importlib.util.find_spec("braket") is None or importlib.util.find_spec("braket.jobs") is None
SKIP_REASON = (
    "the Amazon Braket SDK is not installed: the conformance suite compares our compiler with it; "
    "run `make conformance` (installs the `conformance` extra into .venv)"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "conformance" in item.nodeid.split("::")[0].split("/"):
            item.add_marker(pytest.mark.conformance)
            if SDK_MISSING:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: compares our compiler with the real Braket SDK")


def pytest_unconfigure(config: pytest.Config) -> None:
    """The suite's last line, after pytest's own summary: the counts over every case run."""
    tally = sys.modules.get(f"{__package__}.tally")  # loaded only when a case ran
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if tally is None or not tally.RECORDS or reporter is None:
        return
    counts = ", ".join(f"{dev} {n}" for dev, n in tally.by_deviation().items())
    reporter.write_line(f"conformance deviations hit: {counts or 'none'}")
    reporter.write_line(tally.summary())
