"""The spec against schema/jobspec.schema.json: each error placed at its key or value, in words, with a fix.

The generated validator (fastcheck/) answers for a valid spec; jsonschema explains a refused one.
The rules the schema cannot state run alongside (rules.py)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from braket_jobspec import pointer as ptr
from braket_jobspec.check import fastcheck
from braket_jobspec.diagnostics import Diagnostic

# formats (the formats in words), words' did-you-mean and importlib.resources are imported where
# a spec is refused: a valid spec does not need them, and they cost start-up time.
if TYPE_CHECKING:
    from jsonschema import ValidationError

    from braket_jobspec.load import Document

from braket_jobspec.check.place import place_at, source_text
from braket_jobspec.check.rules import check_rules
from braket_jobspec.diagnostics.words import TYPE_WORDS, describe, either, label, show
from braket_jobspec.schemas import SPEC_SCHEMA, schema, validator

# --------------------------------------------------------------------------- spec


def validate_spec(doc: Document) -> list[Diagnostic]:
    """Every schema error of the spec, each placed at its key or value, and the spec rules."""
    out: list[Diagnostic] = []
    refused = fastcheck.first_error(SPEC_SCHEMA, doc.data)
    if refused is not None:
        for error in validator(SPEC_SCHEMA).iter_errors(doc.data):
            out.extend(d for d in _spec_diagnostics(doc, error) if not doc.is_dropped(d.pointer))
        if not out:
            out.append(_refusal(doc, refused))
    out.extend(d for d in check_rules(doc) if not doc.is_dropped(d.pointer))
    return out


def refusal_words(refused: fastcheck.JsonSchemaValueException) -> str:
    return refused.message.split(" ", 1)[1] if " " in refused.message else refused.message


def _refusal(doc: Document, refused: fastcheck.JsonSchemaValueException) -> Diagnostic:
    """A refusal only the generated validator makes: a pattern's `$` read as the end of the text.

    Python's re (and so jsonschema) lets `$` match before a final newline; ECMA-262, the
    dialect of JSON Schema, does not, and neither does the service.
    """
    pointer = ptr.from_path(refused.path)
    return place_at(doc, pointer, "E205", f"{label(pointer)}: {refusal_words(refused)}", "remove the line break")


def _spec_diagnostics(doc: Document, error: ValidationError) -> Iterable[Diagnostic]:
    pointer = ptr.from_path(error.absolute_path)
    keyword = error.validator
    sub = error.schema if isinstance(error.schema, dict) else {}
    if "propertyNames" in error.absolute_schema_path:
        yield _key_diagnostic(doc, ptr.join(pointer, str(error.instance)), error)
        return
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        known = list(sub.get("properties", {}))
        for key in error.instance:
            if key not in known:
                yield _unknown_key(doc, pointer, key, known)
        return
    if keyword == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else error.message
        if doc.is_dropped(ptr.join(pointer, name)):
            return
        where = f" in {label(pointer)}" if pointer else ""
        yield place_at(doc, pointer, "E202", f"missing required key {name!r}{where}", _REQUIRED_HINTS.get(name, ""))
        return
    if keyword == "anyOf" and error.context:
        branch = _matching_branch(error)
        if branch is not None:
            for sub_error in branch:
                yield from _spec_diagnostics(doc, sub_error)
            return
        forms = _INPUT_FORMS.get(re.sub(r"/[^/]+$", "/*", pointer), _INPUT_FORMS.get(pointer, "another form"))
        yield place_at(
            doc,
            pointer,
            "E203",
            f"{label(pointer)}: expected {forms}, found {describe(error.instance)}",
            _INPUT_HINT,
        )
        return
    if keyword == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        expected = either([TYPE_WORDS.get(str(t), str(t)) for t in types])
        yield place_at(
            doc,
            pointer,
            "E203",
            f"{label(pointer)}: expected {expected}, found {describe(error.instance)}",
            _type_hint(doc, pointer, error.instance, [str(t) for t in types], str(sub.get("x-hint", "")))
            or _example_hint(doc, pointer, sub),
        )
        return
    if keyword == "enum":
        from braket_jobspec.diagnostics.words import one_of

        choices = [str(c) for c in _value(error)]
        if pointer == _INSTANCE_TYPE:
            from braket_jobspec.sdk import instances

            hint = instances.hint(str(error.instance), choices)
        else:
            hint = one_of(str(error.instance), choices)
        yield place_at(doc, pointer, "E204", f"{label(pointer)}: {show(error.instance)} is not an allowed value", hint)
        return
    if keyword == "pattern":
        yield _pattern_diagnostic(doc, pointer, str(error.instance), "E205")
        return
    yield place_at(
        doc, pointer, "E206", f"{label(pointer)}: {bounds_message(error)}", _BOUNDS_HINTS.get(str(keyword), "")
    )


def _matching_branch(error: ValidationError) -> list[ValidationError] | None:
    """The errors of the one anyOf branch whose type the value has (its other errors are the real ones)."""
    branches: dict[int, list[ValidationError]] = {}
    for sub_error in error.context or ():
        branches.setdefault(int(sub_error.relative_schema_path[0]), []).append(sub_error)
    typed = [
        errors for errors in branches.values() if not any(e.validator == "type" and not e.relative_path for e in errors)
    ]
    return typed[0] if len(typed) == 1 else None


def _unknown_key(doc: Document, pointer: str, key: str, known: list[str]) -> Diagnostic:
    from braket_jobspec.diagnostics.words import did_you_mean

    where = f"in {label(pointer)}" if pointer else "at the top level"
    hint = did_you_mean(key, known)
    if not hint:
        home = _homes().get(key)
        if home and home != pointer:
            hint = f"{key} belongs in {label(home)}"
        elif known:
            hint = f"expected one of: {', '.join(known)}"
    return place_at(doc, ptr.join(pointer, key), "E201", f"unknown key {show(key)} {where}", hint, key=True)


def _key_diagnostic(doc: Document, pointer: str, error: ValidationError) -> Diagnostic:
    """A key that breaks its mapping's rule for names (channel names, tag keys, hyperparameter names)."""
    from braket_jobspec.check import formats

    key = str(error.instance)
    rule = formats.rule_for(pointer)
    parent = label(ptr.parent(pointer))
    if rule is not None:
        flaw = rule.check(key)
        if flaw is not None:
            return place_at(
                doc,
                pointer,
                "E205",
                f"{parent} key {show(key)} is not valid: {flaw.reason}",
                flaw.hint or f"{rule.words}, e.g. {rule.example}",
                key=True,
                flaw=flaw,
            )
    limit = _value(error)
    if error.validator == "maxLength":
        message = f"{parent} key {show(key)} is {len(key)} characters long, over the maximum of {limit}"
        return place_at(doc, pointer, "E206", message, "shorten the key", key=True)
    if error.validator == "minLength":
        return place_at(doc, pointer, "E206", f"{parent} has an empty key", "give the entry a name", key=True)
    return place_at(doc, pointer, "E205", f"{parent} key {show(key)} is not valid: {error.message}", key=True)


def _pattern_diagnostic(doc: Document, pointer: str, value: str, code: str) -> Diagnostic:
    from braket_jobspec.check import formats

    rule = formats.rule_for(pointer)
    if rule is None:
        return place_at(doc, pointer, code, f"{label(pointer)}: {show(value)} is not valid")
    flaw = rule.check(value)
    reason = flaw.reason if flaw else "it does not have the expected form"
    return place_at(
        doc,
        pointer,
        code,
        f"{label(pointer)} {show(value)} is not valid: {reason}",
        (flaw.hint if flaw else "") or f"{rule.words}, e.g. {rule.example}",
        flaw=flaw,
    )


def _type_hint(doc: Document, pointer: str, value: Any, types: list[str], schema_hint: str) -> str:
    """How to write the value in the expected type, from the text as the user wrote it."""
    source = source_text(doc, pointer)
    name = ptr.split(pointer)[-1] if pointer else ""
    if pointer.startswith("/hyperparameters/") and (isinstance(value, (list, dict)) or value is None):
        if source:
            return (
                "hyperparameters are sent as strings, and the SDK would send Python's repr of this value; "
                f"quote it as the job should receive it: {_assignment(doc, name, json.dumps(source))}"
            )
        if value is None:
            return f"give {label(pointer)} a value (quoted if it is not a number or a boolean), or remove it"
        return "hyperparameters are sent as strings: write it as one quoted string, as the job should receive it"
    if pointer.startswith("/tags/") and isinstance(value, (int, float, bool)):
        return f"tag values are strings; quote it: {_assignment(doc, name, json.dumps(source or str(value)))}"
    if value is None:
        return f"give {label(pointer)} a value, or remove the key to take the default"
    if isinstance(value, str) and "integer" in types and re.fullmatch(r"-?\d+", value.strip()):
        return f"write the number without quotes: {value.strip()}"
    if isinstance(value, float) and "integer" in types:
        return f"write a whole number: {int(value)}" if value.is_integer() else "write a whole number, e.g. 1"
    if "string" in types and isinstance(value, (int, float, bool)):
        return f"quote it to make it a string: {json.dumps(source or str(value))}"
    return schema_hint


def _example_hint(doc: Document, pointer: str, sub: dict[str, Any]) -> str:
    """`e.g. key: <the schema's first example>`, written in the spec's own format."""
    examples = sub.get("examples")
    if not isinstance(examples, list) or not examples or not pointer:
        return ""
    return "e.g. " + _assignment(doc, ptr.split(pointer)[-1], _literal(doc, examples[0]))


def _literal(doc: Document, value: Any) -> str:
    if doc.format == "toml":
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{k} = {_literal(doc, v)}" for k, v in value.items()) + " }"
        if isinstance(value, list):
            return "[" + ", ".join(_literal(doc, v) for v in value) + "]"
        return json.dumps(value)
    if isinstance(value, str) and re.fullmatch(r"[\w./:@-]+", value) and not re.fullmatch(r"[\d.]+", value):
        return value
    return json.dumps(value)


def _assignment(doc: Document, name: str, value: str) -> str:
    """`name: value` in YAML, `name = value` in TOML."""
    key = name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)
    return f"{key} = {value}" if doc.format == "toml" else f"{key}: {value}"


# Spelling alone would answer a retired GPU type with a CPU one (ml.p3.2xlarge: ml.t3.2xlarge).
_INSTANCE_TYPE = "/instance_config/instanceType"
_REQUIRED_HINTS = {
    "device": "add e.g. `device: arn:aws:braket:::device/quantum-simulator/amazon/sv1` (or local:braket/braket_sv)",
    "source_module": "add `source_module:` naming the job's code: a .py file or a package folder, "
    "relative to the spec file",
    "s3_data": "add e.g. `s3_data: s3://my-bucket/datasets/train/`",
}
_INPUT_FORMS = {
    "/input_data": "a path, an S3 URI, or a mapping of channel names to them",
    "/input_data/*": "a path, an S3 URI, or a mapping with s3_data (and content_type)",
}
_INPUT_HINT = "e.g. `input_data: data/train` or `input_data: {train: data/train, ref: s3://my-bucket/ref/}`"
_BOUNDS_HINTS = {
    "maximum": "lower the value to the maximum",
    "minimum": "raise the value to the minimum",
    "maxLength": "shorten the value",
    "minLength": "give a value, or remove the key to take the default",
    "maxProperties": "remove entries, or combine several into one",
}


# Where a key that is unknown at one level belongs, for keys written at the wrong level.
@functools.cache
def _homes() -> dict[str, str]:
    """Where each key of a spec object belongs (`maxRuntimeInSeconds` in stopping_condition), from the schema."""
    homes = {"content_type": "/input_data/<channel>"}
    for name, sub in schema(SPEC_SCHEMA)["properties"].items():
        for key in sub.get("properties", {}):
            homes.setdefault(key, f"/{name}")
    return homes


def _value(error: ValidationError) -> Any:
    """The keyword's value in the schema (typed loosely by jsonschema's stubs)."""
    return error.validator_value


_ENTRIES = {"/input_data": "channels", "/hyperparameters": "hyperparameters", "/tags": "tags"}


def bounds_message(error: ValidationError) -> str:
    limit = _value(error)
    value: Any = error.instance
    messages: dict[str, Callable[[], str]] = {
        "maxLength": lambda: f"{show(value)} is {len(value)} characters long, over the maximum of {limit}",
        "minLength": lambda: (
            "an empty string is not allowed" if limit == 1 else f"{show(value)} is shorter than {limit} characters"
        ),
        "maximum": lambda: f"{value} is above the maximum of {limit}",
        "minimum": lambda: f"{value} is below the minimum of {limit}",
        "maxProperties": lambda: (
            f"{len(value)} {_ENTRIES.get(ptr.from_path(error.absolute_path), 'entries')}, over the maximum of {limit}"
        ),
        "minProperties": lambda: f"{len(value)} entries, under the minimum of {limit}",
        "maxItems": lambda: f"{len(value)} items, over the maximum of {limit}",
        "minItems": lambda: f"{len(value)} items, under the minimum of {limit}",
    }
    make = messages.get(str(error.validator))
    return make() if make else error.message
