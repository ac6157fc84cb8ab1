"""`jobspec explain`: every field of a compiled request, its value, and where it came from.

The request builder records an Origin for each request field (a spec field, the context,
an SDK default, or a derivation); the merged spec knows, for each of its values, the file
and line it was written on and the layer it belongs to (the spec, a base, an environment).
This module joins the two, and says the same of the context values.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from braket_jobspec import files
from braket_jobspec import pointer as ptr
from braket_jobspec.compile import Result, Settings
from braket_jobspec.config import ProjectConfig
from braket_jobspec.load import Document, locate_toml
from braket_jobspec.sdk.workspace import Origin

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_EMPTY_NOTES = {
    "/hyperParameters": "none: the spec sets no hyperparameters",
    "/inputDataConfig": "none: the spec has no input_data",
    "/tags": "none: neither the spec nor the environment sets tags",
}


@dataclasses.dataclass(frozen=True)
class Where:
    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}" if self.line else self.file


@dataclasses.dataclass(frozen=True)
class Row:
    """One value and its provenance: `source` is spec, base, env <name>, context, default or derived."""

    pointer: str
    field: str
    value: Any
    source: str
    where: Where | None = None
    spec_pointer: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        where = dataclasses.asdict(self.where) if self.where else None
        return {
            "pointer": self.pointer,
            "field": self.field,
            "value": self.value,
            "from": self.source,
            "where": where,
            "spec_pointer": self.spec_pointer,
            "note": self.note,
        }


@dataclasses.dataclass(frozen=True)
class Explanation:
    spec: str
    environment: str | None
    context: list[Row]
    fields: list[Row]


def field_name(pointer: str) -> str:
    """A request pointer for people: /a/b/0/c~1d -> a.b[0]["c/d"]."""
    out = ""
    for token in ptr.split(pointer):
        if token.isdigit():
            out += f"[{token}]"
        elif _PLAIN_KEY.match(token):
            out += f".{token}" if out else token
        else:
            out += f"[{json.dumps(token, ensure_ascii=False)}]"
    return out


def leaves(value: Any, here: str = "") -> list[tuple[str, Any]]:
    """(pointer, value) of every scalar and every empty container, in the order of the canonical JSON."""
    if isinstance(value, dict) and value:
        return [pair for key in sorted(value) for pair in leaves(value[key], ptr.join(here, key))]
    if isinstance(value, list) and value:
        return [pair for index, item in enumerate(value) for pair in leaves(item, ptr.join(here, index))]
    return [(here, value)]


class _Explainer:
    def __init__(self, result: Result, config: ProjectConfig, settings: Settings) -> None:
        assert result.compiled is not None and result.document is not None
        self.result = result
        self.compiled = result.compiled
        self.doc: Document = result.document
        self.config = config
        self.settings = settings
        self.environment = settings.environment or config.default_environment
        self.provenance: dict[str, str] = getattr(self.doc, "provenance", {})

    def where(self, spec_pointer: str) -> Where | None:
        """The file and position a spec value was written at (None when no file sets it)."""
        smap = self.doc.source_map
        span = smap.keys.get(spec_pointer) or smap.values.get(spec_pointer)
        if span is None or not spec_pointer:
            return None
        return Where(span.file or self.doc.file, span.line, span.col)

    def layer(self, spec_pointer: str) -> str:
        label = self.provenance.get(spec_pointer, "")
        if label.startswith("base "):
            return "base"
        if label.startswith("environment "):
            return f"env {label.split()[1]}"
        return "spec"

    def origin_of(self, pointer: str) -> tuple[str, Origin | None]:
        """The origin recorded for pointer or its nearest ancestor."""
        probe = pointer
        while True:
            origin = self.compiled.origins.get(probe)
            if origin is not None or not probe:
                return probe, origin
            probe = ptr.parent(probe)

    def row(self, pointer: str, value: Any) -> Row:
        _, origin = self.origin_of(pointer)
        name = field_name(pointer)
        if origin is None:
            if pointer in _EMPTY_NOTES:
                return Row(pointer, name, value, "default", None, "", _EMPTY_NOTES[pointer])
            return Row(pointer, name, value, "default")
        spec_pointer = origin.pointer
        if origin.kind == "spec":
            return Row(
                pointer, name, value, self.layer(spec_pointer), self.where(spec_pointer), spec_pointer, origin.note
            )
        if origin.kind == "context":
            return Row(
                pointer,
                name,
                value,
                "context",
                None,
                spec_pointer,
                f"{origin.note} ({self.context_source(origin.note)})",
            )
        # A default was written nowhere; a derivation is placed at the field it was derived from.
        where = self.where(spec_pointer) if origin.kind == "derived" else None
        note = origin.note
        if origin.kind == "derived" and where is not None:
            note = f"from {spec_pointer[1:]}: {note}" if note else f"from {spec_pointer[1:]}"
        return Row(pointer, name, value, origin.kind, where, spec_pointer, note)

    def context_source(self, field: str) -> str:
        if getattr(self.settings.flags, field, None) is not None:
            return f"flag --{field.replace('_', '-')}"
        env = self.config.environments.get(self.environment or "")
        if env is not None and getattr(env, field) is not None:
            return f"env {self.environment}"
        return "not set"

    def config_where(self, field: str) -> Where | None:
        path = self.config.path
        if path is None or self.environment is None:
            return None
        span = locate_toml(files.read(path).decode("utf-8", "replace")).keys.get(
            ptr.join("/environments", self.environment, field)
        )
        display = self.config_display()
        return Where(display, span.line, span.col) if span else Where(display)

    def config_display(self) -> str:
        from braket_jobspec.compile import display_name

        assert self.config.path is not None
        return display_name(self.config.path)

    def context_rows(self) -> list[Row]:
        ctx = self.compiled.manifest["context"]
        rows = []
        for field in ("region", "account_id", "default_bucket", "default_role_arn", "stamp"):
            value = ctx.get(field)
            if field == "default_role_arn":
                value = self.settings.flags.default_role_arn or (
                    self.config.environments[self.environment].default_role_arn
                    if self.environment in self.config.environments
                    else None
                )
            source = self.context_source(field)
            where = self.config_where(field) if source.startswith("env ") else None
            note = ""
            if field == "region" and value is not None and self.device_region():
                source, where, note = "derived", self.where("/device"), "the regional device ARN decides the region"
            elif field == "default_bucket" and source == "not set" and value is not None:
                source, note = "derived", "amazon-braket-<region>-<account_id>, as the SDK's default bucket"
            elif field == "stamp" and ctx.get("stamp_from") == "content":
                source, note = "derived", "a digest of the spec, the source's members and the inputs"
            rows.append(Row(f"/{field}", field, value, source, where, "", note))
        return rows

    def device_region(self) -> str:
        device = str(self.doc.data.get("device", ""))
        fields = device.split(":")
        return fields[3] if device.startswith("arn:") and len(fields) > 3 else ""

    def explain(self) -> Explanation:
        fields = [self.row(p, v) for p, v in leaves(self.compiled.request)]
        return Explanation(self.result.display, self.environment, self.context_rows(), fields)


def explain(result: Result, config: ProjectConfig, settings: Settings) -> Explanation:
    """The provenance of every request field of a compiled spec (result.ok must hold)."""
    return _Explainer(result, config, settings).explain()


def _value_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def render_text(explanation: Explanation) -> str:
    """Aligned columns: FIELD, FROM, WHERE, then the value (the longest column, last) and a note."""
    lines = [f"{explanation.spec}" + (f" (environment {explanation.environment})" if explanation.environment else "")]
    for title, rows in (("context", explanation.context), ("request", explanation.fields)):
        table = [(r.field, r.source, str(r.where) if r.where else "-", _value_text(r.value), r.note) for r in rows]
        widths = [max(len(cells[i]) for cells in [*table, ("FIELD", "FROM", "WHERE")]) for i in range(3)]
        lines += ["", f"{title}:"]
        lines.append(
            "  " + "  ".join(h.ljust(w) for h, w in zip(("FIELD", "FROM", "WHERE"), widths, strict=True)) + "  VALUE"
        )
        for field, source, where, value, note in table:
            text = f"  {field.ljust(widths[0])}  {source.ljust(widths[1])}  {where.ljust(widths[2])}  {value}"
            lines.append(text + (f"  ({note})" if note else ""))
    return "\n".join(lines) + "\n"


def render_json(explanation: Explanation) -> str:
    body = {
        "version": 1,
        "spec": explanation.spec,
        "environment": explanation.environment,
        "context": [r.as_dict() for r in explanation.context],
        "fields": [r.as_dict() for r in explanation.fields],
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
