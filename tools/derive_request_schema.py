"""Derive the JSON Schema of Braket's CreateJob request from botocore's service model.

Run by `make request-schema`; tests/check/test_request_schema.py re-derives it from the
installed botocore and fails when the checked-in schema drifts from the model.
Every constraint of the model is kept, including those botocore never checks
client-side (max, pattern, enum); the model's patterns are unanchored, so they are
anchored here, as the service applies them to the whole value.
"""

from __future__ import annotations

import json
import sys
from typing import Any

SCHEMA_ID = "urn:braket-jobspec:schema:createjob-request"


def derive(service: dict[str, Any], botocore_version: str) -> dict[str, Any]:
    shapes: dict[str, Any] = service["shapes"]
    top = service["operations"]["CreateJob"]["input"]["shape"]
    defs: dict[str, Any] = {}

    def ref(name: str) -> dict[str, Any]:
        if name not in defs:
            defs[name] = {}
            defs[name] = convert(shapes[name])
        return {"$ref": f"#/$defs/{name}"}

    def convert(shape: dict[str, Any]) -> dict[str, Any]:
        kind = shape["type"]
        out: dict[str, Any]
        if kind == "structure":
            out = {
                "type": "object",
                "properties": {m: ref(spec["shape"]) for m, spec in shape["members"].items()},
                "additionalProperties": False,
            }
            if shape.get("required"):
                out["required"] = sorted(shape["required"])
        elif kind == "list":
            out = {"type": "array", "items": ref(shape["member"]["shape"])}
            _bounds(out, shape, "minItems", "maxItems")
        elif kind == "map":
            out = {
                "type": "object",
                "propertyNames": ref(shape["key"]["shape"]),
                "additionalProperties": ref(shape["value"]["shape"]),
            }
            _bounds(out, shape, "minProperties", "maxProperties")
        elif kind == "string":
            out = {"type": "string"}
            if "enum" in shape:
                out["enum"] = list(shape["enum"])
            _bounds(out, shape, "minLength", "maxLength")
            if "pattern" in shape:
                out["pattern"] = f"^(?:{shape['pattern']})$"
        elif kind in ("integer", "long"):
            out = {"type": "integer"}
            _bounds(out, shape, "minimum", "maximum")
        elif kind == "boolean":
            out = {"type": "boolean"}
        else:
            raise ValueError(f"unsupported shape type {kind!r}")
        return out

    body = ref(top)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Amazon Braket CreateJob request",
        "description": f"Derived from botocore {botocore_version}, service model braket "
        f"{service['metadata']['apiVersion']}, by tools/derive_request_schema.py. Do not edit.",
        "x-botocore-version": botocore_version,
        **body,
        "$defs": dict(sorted(defs.items())),
    }


def _bounds(out: dict[str, Any], shape: dict[str, Any], low: str, high: str) -> None:
    if "min" in shape:
        out[low] = shape["min"]
    if "max" in shape:
        out[high] = shape["max"]


def derive_installed() -> dict[str, Any]:
    import botocore
    import botocore.session

    service = botocore.session.get_session().get_service_data("braket")
    return derive(service, botocore.__version__)


def dump(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(dump(derive_installed()))
