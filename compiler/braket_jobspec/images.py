"""The SDK's job-image registry: framework shorthands resolved per region."""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

# The name part of a default job name, read from a user's image URI as the SDK does:
# greedy `/amazon-braket-(.*)-jobs:` first, then `/amazon-braket-([^:/]*)`.
_JOBS_IMAGE = re.compile(r"/amazon-braket-(.*)-jobs:")
_BRAKET_IMAGE = re.compile(r"/amazon-braket-([^:/]*)")


@functools.cache
def _table() -> dict[str, Any]:
    text = resources.files("braket_jobspec").joinpath("data/images.json").read_text("utf-8")
    table: dict[str, Any] = json.loads(text)
    return table


def frameworks() -> list[str]:
    return list(_table()["frameworks"])


def regions() -> list[str]:
    return list(_table()["regions"])


def image_for(framework: str, region: str) -> str | None:
    """The framework's image URI in region, or None when it is not published there."""
    table = _table()
    if region not in table["regions"]:
        return None
    entry = table["frameworks"][framework]
    return f"{entry['registry']}.dkr.ecr.{region}.amazonaws.com/{entry['repository']}:latest"


def default_name_base(user_image_uri: str | None) -> str:
    """`braket-job[-<image>]`: the job-name prefix the SDK derives from the given image."""
    if not user_image_uri:
        return "braket-job-default"
    match = _JOBS_IMAGE.search(user_image_uri) or _BRAKET_IMAGE.search(user_image_uri)
    return f"braket-job-{match.group(1)}" if match else "braket-job"
