"""The SDK's job-image registry: framework shorthands resolved per region."""

from __future__ import annotations

import re
from typing import Any

from braket_jobspec import sdk

# The name part of a default job name, read from a user's image URI as the SDK does:
# greedy `/amazon-braket-(.*)-jobs:` first, then `/amazon-braket-([^:/]*)` (compiled
# by re when first used: most specs name a framework, not an image).
_JOBS_IMAGE = r"/amazon-braket-(.*)-jobs:"
_BRAKET_IMAGE = r"/amazon-braket-([^:/]*)"


def _table() -> dict[str, Any]:
    return sdk.table("images.json")


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
    match = re.search(_JOBS_IMAGE, user_image_uri) or re.search(_BRAKET_IMAGE, user_image_uri)
    return f"braket-job-{match.group(1)}" if match else "braket-job"
