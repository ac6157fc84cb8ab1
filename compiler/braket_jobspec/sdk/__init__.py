"""The SDK's semantics: a merged spec and its context to the CreateJob request and the manifest.

fields.py lists the parameters; builder.py applies the SDK's defaults and derivations, with
sources.py (the source module) and inputs.py (the channels) over one workspace.py; archive.py,
entrypoint.py and images.py are what the SDK packs, runs and pulls; s3uri.py reads S3 URIs;
devices.py and instances.py know the devices and instance types (tables in data/).
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any


@functools.cache
def table(name: str) -> dict[str, Any]:
    """A table of data/ (images.json, devices.json, ...), parsed once.

    The package's loader reads the file from a folder or a zip, as importlib.resources
    would, without importing importlib.resources and zipfile at start-up.
    """
    loader: Any = __spec__.loader
    data = loader.get_data(os.path.join(os.path.dirname(__file__), "data", name))
    parsed: dict[str, Any] = json.loads(data.decode("utf-8"))
    return parsed
