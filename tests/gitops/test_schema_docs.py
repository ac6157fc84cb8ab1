"""The spec schema in editors: every property explained, with examples that are valid."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator

from braket_jobspec.schemas import SPEC_SCHEMA, schema_text

from .support import Repo


def subschemas(node: dict[str, Any], path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema a value is checked against: the root, properties, items, additionalProperties, anyOf branches."""
    yield path, node
    for name, sub in node.get("properties", {}).items():
        yield from subschemas(sub, f"{path}/properties/{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from subschemas(node[key], f"{path}/{key}")
    for index, sub in enumerate(node.get("anyOf", [])):
        yield from subschemas(sub, f"{path}/anyOf/{index}")


def test_every_schema_has_a_description_and_valid_examples() -> None:
    root = json.loads(schema_text(SPEC_SCHEMA))
    found = list(subschemas(root))
    assert len(found) > 30
    for path, node in found:
        assert node.get("description", "").strip(), f"{path}: no description"
        assert node.get("examples"), f"{path}: no examples"
        for example in node["examples"]:
            errors = list(Draft202012Validator(node).iter_errors(example))
            assert errors == [], f"{path}: example {example!r}: {errors[0].message}"


def test_extends_and_unset_are_in_the_schema_and_accepted(layered: Repo, cli: Any) -> None:
    root = json.loads(schema_text(SPEC_SCHEMA))
    assert {"extends", "unset"} <= set(root["properties"])
    assert cli("schema", cwd=layered.root).out == schema_text(SPEC_SCHEMA)
    assert cli("validate", "specs/job.yaml", cwd=layered.root).code == 0
