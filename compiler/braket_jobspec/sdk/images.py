"""The SDK's job-image registry: framework shorthands resolved per region."""

from __future__ import annotations

import functools
import json
import os
import re
from typing import Any

# The name part of a default job name, read from a user's image URI as the SDK does:
# greedy `/amazon-braket-(.*)-jobs:` first, then `/amazon-braket-([^:/]*)` (compiled
# by re when first used: most specs name a framework, not an image).
_JOBS_IMAGE = r"/amazon-braket-(.*)-jobs:"
_BRAKET_IMAGE = r"/amazon-braket-([^:/]*)"


@functools.cache
def _table() -> dict[str, Any]:
    # The package's loader reads the file from a folder or a zip, as importlib.resources
    # would, without importing importlib.resources and zipfile at start-up.
    loader: Any = __spec__.loader
    data = loader.get_data(os.path.join(os.path.dirname(__file__), "data", "images.json"))
    table: dict[str, Any] = json.loads(data.decode("utf-8"))
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
    match = re.search(_JOBS_IMAGE, user_image_uri) or re.search(_BRAKET_IMAGE, user_image_uri)
    return f"braket-job-{match.group(1)}" if match else "braket-job"
