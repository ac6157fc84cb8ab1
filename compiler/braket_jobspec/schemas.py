"""The JSON Schemas shipped with jobspec: each file, its parsed form, and its validator, made once per process.

The schemas live in schema/ of the repository and inside the installed package
(braket_jobspec/schema); an editable install reads the checkout's.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

SPEC_SCHEMA = "jobspec.schema.json"
REQUEST_SCHEMA = "createjob-request.schema.json"
PROJECT_SCHEMA = "project.schema.json"


def schema_path(name: str) -> Path:
    """A schema's file: inside the installed package, or schema/ of a source checkout."""
    from importlib import resources

    packaged = resources.files("braket_jobspec").joinpath("schema", name)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "schema" / name


def schema_text(name: str) -> str:
    return schema_path(name).read_text("utf-8")


@functools.cache
def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text(name))
    return loaded


@functools.cache
def validator(name: str) -> Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(name))
