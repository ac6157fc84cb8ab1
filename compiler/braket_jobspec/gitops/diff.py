"""Semantic differences between two CreateJob requests: paths of changed, added and removed values.

Maps are compared key by key. Lists are compared item by item, except the lists whose items
have a name (input channels by channelName, associations by arn), which are compared by
that name, so that adding a channel shows one added channel and not every later one changed.
A live job (GetJob's answer) is compared through the CreateJob fields it returns.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from braket_jobspec import pointer as ptr
from braket_jobspec.gitops.explain import field_name
from braket_jobspec.sdk.fields import KEYED


@dataclasses.dataclass(frozen=True)
class Change:
    """One difference: op is changed, added or removed; pointer is where it is (in new, or in old when removed)."""

    op: str
    pointer: str
    field: str
    old: Any = None
    new: Any = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "pointer": self.pointer, "field": self.field}
        if self.op != "added":
            out["old"] = self.old
        if self.op != "removed":
            out["new"] = self.new
        return out


def compare(old: Any, new: Any) -> list[Change]:
    """Every difference from old to new, in the order of the canonical JSON."""
    out: list[Change] = []
    _compare(old, new, "", "", out)
    return out


def _compare(old: Any, new: Any, here: str, name: str, out: list[Change]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            child, child_name = ptr.join(here, key), _join_name(name, key)
            if key not in new:
                out.append(Change("removed", child, child_name, old=old[key]))
            elif key not in old:
                out.append(Change("added", child, child_name, new=new[key]))
            else:
                _compare(old[key], new[key], child, child_name, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        key = KEYED.get(here)
        if key is not None and _named(old, key) and _named(new, key):
            _compare_named(old, new, key, here, name, out)
            return
        for index in range(max(len(old), len(new))):
            child, child_name = ptr.join(here, index), f"{name}[{index}]"
            if index >= len(new):
                out.append(Change("removed", child, child_name, old=old[index]))
            elif index >= len(old):
                out.append(Change("added", child, child_name, new=new[index]))
            else:
                _compare(old[index], new[index], child, child_name, out)
        return
    if type(old) is not type(new) or old != new:
        out.append(Change("changed", here, name, old, new))


def _named(items: list[Any], key: str) -> bool:
    names = [item.get(key) if isinstance(item, dict) else None for item in items]
    return all(isinstance(n, str) for n in names) and len(set(names)) == len(names)


def _compare_named(old: list[Any], new: list[Any], key: str, here: str, name: str, out: list[Change]) -> None:
    old_by = {item[key]: (index, item) for index, item in enumerate(old)}
    new_by = {item[key]: (index, item) for index, item in enumerate(new)}
    for item_name in sorted(set(old_by) | set(new_by)):
        label = f"{name}[{json.dumps(item_name, ensure_ascii=False)}]"
        if item_name not in new_by:
            index, item = old_by[item_name]
            out.append(Change("removed", ptr.join(here, index), label, old=item))
        elif item_name not in old_by:
            index, item = new_by[item_name]
            out.append(Change("added", ptr.join(here, index), label, new=item))
        else:
            index, item = new_by[item_name]
            _compare(old_by[item_name][1], item, ptr.join(here, index), label, out)


def _join_name(name: str, key: str) -> str:
    shown = field_name(ptr.join("", key))
    if not name:
        return shown
    return f"{name}{shown}" if shown.startswith("[") else f"{name}.{shown}"


# --------------------------------------------------------------------------- live jobs


def request_of_job(job: dict[str, Any], new: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """The live job's CreateJob fields and new, made comparable; and the fields GetJob never returns.

    A field GetJob may leave out (tags, hyperParameters, ...) compares as absent, except
    when new has it empty: the service does not echo what was sent as an empty map or list.
    """
    create, get = operation_fields()
    never = sorted(create - get)
    live = {k: _plain(v) for k, v in job.items() if k in create}
    ours = {k: v for k, v in new.items() if k in get and not (k not in live and v in ({}, []))}
    return live, ours, never


def _plain(value: Any) -> Any:
    """JSON-native data (boto3 answers hold datetimes)."""
    return json.loads(json.dumps(value, default=str))


def operation_fields() -> tuple[set[str], set[str]]:
    """The members of CreateJob's input and of GetJob's output, from botocore's service model."""
    import importlib

    # Imported by name: botocore ships no type information, and only --job needs it.
    session: Any = importlib.import_module("botocore.session")
    model = session.get_session().get_service_model("braket")
    create = set(model.operation_model("CreateJob").input_shape.members)
    get = set(model.operation_model("GetJob").output_shape.members)
    return create, get


# --------------------------------------------------------------------------- output


def render_text(changes: list[Change], old_name: str, new_name: str, ignored: Sequence[str] = ()) -> str:
    lines = [f"--- {old_name}", f"+++ {new_name}"]
    marks = {"changed": "~", "added": "+", "removed": "-"}
    for change in changes:
        if change.op == "changed":
            lines.append(f"~ {change.field}: {_text(change.old)} -> {_text(change.new)}")
        else:
            value = change.new if change.op == "added" else change.old
            lines.append(f"{marks[change.op]} {change.field}: {_text(value)}")
    if ignored:
        lines.append(f"(not compared: {', '.join(ignored)}: the live job does not return them)")
    lines.append(f"{len(changes)} difference(s)" if changes else "no differences")
    return "\n".join(lines) + "\n"


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def render_json(changes: list[Change], old_name: str, new_name: str, ignored: Sequence[str] = ()) -> str:
    body = {
        "version": 1,
        "old": old_name,
        "new": new_name,
        "changes": [c.as_dict() for c in changes],
        "not_compared": list(ignored),
    }
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
