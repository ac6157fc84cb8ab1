"""Schema checks: the spec against schema/jobspec.schema.json, the request against CreateJob.

Both validators are built once per process. Errors become diagnostics at the key or
value they are about, with the rule in words and, where it helps, a did-you-mean.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import pointer as ptr
from .diagnostics import Diagnostic
from .suggest import did_you_mean

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

    from .loader import Document
    from .request import Compiled

SPEC_SCHEMA = "jobspec.schema.json"
REQUEST_SCHEMA = "createjob-request.schema.json"


def schema_text(name: str) -> str:
    """A schema file's text: inside the installed package, or schema/ of a source checkout."""
    packaged = resources.files("braket_jobspec").joinpath("schema", name)
    if packaged.is_file():
        return packaged.read_text("utf-8")
    return (Path(__file__).resolve().parents[2] / "schema" / name).read_text("utf-8")


@functools.cache
def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text(name))
    return loaded


@functools.cache
def _validator(name: str) -> Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(name))


# --------------------------------------------------------------------------- rules in words

NAME_RULE = "1 to 50 ASCII letters, digits and hyphens, not starting or ending with a hyphen"
S3_RULE = "an S3 URI such as s3://my-bucket/path"
RULES: list[tuple[re.Pattern[str], str, str]] = [
    # (pointer pattern, rule in words, the characters allowed, for marking the offending one)
    (re.compile(r"^/(job_name|jobName)$"), f"a job name is {NAME_RULE}", "A-Za-z0-9-"),
    (re.compile(r"^/(role_arn|roleArn)$"), "a role ARN is arn:aws:iam::<12-digit account>:role/<name>", ""),
    (
        re.compile(r"^/(reservation_arn|copy_checkpoints_from_job|associations/0/arn)$"),
        "a Braket ARN is arn:aws:braket:<region>:<12-digit account>:<resource>",
        "",
    ),
    (re.compile(r"(s3Path|s3Uri|s3_data|code_location)$"), S3_RULE, ""),
    (
        re.compile(r"^/algorithmSpecification/containerImage/uri$"),
        "an ECR image URI is <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>",
        "",
    ),
    (
        re.compile(r"^/(input_data|inputDataConfig/\d+/channelName)"),
        "a channel name is 1 to 64 letters, digits, '.', '-' and '_'",
        "A-Za-z0-9._-",
    ),
]


def _rule_for(pointer: str) -> tuple[str, str]:
    for pattern, words, allowed in RULES:
        if pattern.search(pointer):
            return words, allowed
    return "", ""


def _mark(value: str, allowed: str) -> str:
    """Name the first character outside the allowed class, with its position."""
    if not allowed:
        return ""
    bad = re.search(f"[^{re.escape(allowed).replace(chr(92) + '-', '-')}]", value)
    if bad is None:
        return ""
    return f"; {bad.group(0)!r} at position {bad.start() + 1} is not allowed"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


# --------------------------------------------------------------------------- spec


def validate_spec(doc: Document) -> list[Diagnostic]:
    """Every schema error of the spec, each placed at its key or value."""
    out: list[Diagnostic] = []
    for error in _validator(SPEC_SCHEMA).iter_errors(doc.data):
        out.extend(_spec_diagnostics(doc, error))
    return out


def _at(
    doc: Document, pointer: str, code: str, message: str, hint: str = "", key: bool = False, severity: str = "error"
) -> Diagnostic:
    span = doc.source_map.key(pointer) if key else doc.source_map.value(pointer)
    line, col, end_line, end_col = (span.line, span.col, span.end_line, span.end_col) if span else (0, 0, 0, 0)
    return Diagnostic(
        doc.file,
        line,
        col,
        code,
        message,
        pointer,
        "warning" if severity == "warning" else "error",
        hint,
        end_line,
        end_col,
    )


def _spec_diagnostics(doc: Document, error: ValidationError) -> Iterable[Diagnostic]:
    pointer = ptr.from_path(error.absolute_path)
    keyword = error.validator
    sub = error.schema if isinstance(error.schema, dict) else {}
    if "propertyNames" in error.absolute_schema_path:
        pointer = ptr.join(pointer, str(error.instance))
        words, allowed = _rule_for(pointer)
        yield _at(
            doc,
            pointer,
            "E205",
            f"key {error.instance!r} is not valid: {error.message}"
            if not words
            else f"key {error.instance!r} is not valid: {words}{_mark(str(error.instance), allowed)}",
            key=True,
        )
        return
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        known = list(sub.get("properties", {}))
        for key in error.instance:
            if key not in known:
                where = f"in {pointer}" if pointer else "at the top level"
                yield _at(
                    doc,
                    ptr.join(pointer, key),
                    "E201",
                    f"unknown key {key!r} {where}",
                    did_you_mean(key, known) or (f"expected one of: {', '.join(known)}" if known else ""),
                    key=True,
                )
        return
    if keyword == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else error.message
        yield _at(
            doc,
            pointer,
            "E202",
            f"missing required key {name!r}" + (f" in {pointer}" if pointer else ""),
            _REQUIRED_HINTS.get(name, ""),
        )
        return
    if keyword == "anyOf" and error.context:
        from jsonschema.exceptions import best_match

        # Report the branch written for this kind of value (a mapping's own errors, say),
        # not the type mismatch of a branch the user never meant.
        fitting = [e for e in error.context if e.validator != "type" or len(e.path) > 0]
        best = best_match(fitting or error.context)
        if best.validator == "type" and not fitting:
            yield _at(
                doc,
                pointer,
                "E203",
                f"expected {_INPUT_FORMS.get(pointer[:11], 'another form')}, found {_describe(error.instance)}",
            )
            return
        yield from _spec_diagnostics(doc, best)
        return
    if keyword == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        expected = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in types)
        yield _at(
            doc, pointer, "E203", f"expected {expected}, found {_describe(error.instance)}", str(sub.get("x-hint", ""))
        )
        return
    if keyword == "enum":
        choices = [str(c) for c in _value(error)]
        hint = did_you_mean(str(error.instance), choices)
        if not hint:
            hint = (
                f"expected one of: {', '.join(choices)}"
                if len(choices) <= 8
                else f"see the {len(choices)} allowed values in the schema"
            )
        yield _at(doc, pointer, "E204", f"{error.instance!r} is not an allowed value", hint)
        return
    if keyword == "pattern":
        words, allowed = _rule_for(pointer)
        value = str(error.instance)
        yield _at(
            doc,
            pointer,
            "E205",
            f"{value!r} is not valid: "
            + (f"{words}{_mark(value, allowed)}" if words else f"it must match {error.validator_value}"),
        )
        return
    yield _at(doc, pointer, "E206", _bounds_message(error))


_REQUIRED_HINTS = {
    "device": "e.g. device: arn:aws:braket:::device/quantum-simulator/amazon/sv1",
    "source_module": "the job's code: a .py file or a package folder, relative to the spec file",
    "s3_data": "e.g. s3_data: s3://my-bucket/datasets/train/",
}
_INPUT_FORMS = {"/input_data": "a path, an S3 URI, or a mapping of channel names to them"}


def _value(error: ValidationError) -> Any:
    """The keyword's value in the schema (typed loosely by jsonschema's stubs)."""
    return error.validator_value


def _bounds_message(error: ValidationError) -> str:
    limit = _value(error)
    value: Any = error.instance
    messages: dict[str, Callable[[], str]] = {
        "maxLength": lambda: f"{value!r} is {len(value)} characters long, over the maximum of {limit}",
        "minLength": lambda: (
            "an empty string is not allowed" if limit == 1 else f"{value!r} is shorter than {limit} characters"
        ),
        "maximum": lambda: f"{value} is above the maximum of {limit}",
        "minimum": lambda: f"{value} is below the minimum of {limit}",
        "maxProperties": lambda: f"{len(value)} entries, over the maximum of {limit}",
        "minProperties": lambda: f"{len(value)} entries, under the minimum of {limit}",
        "maxItems": lambda: f"{len(value)} items, over the maximum of {limit}",
        "minItems": lambda: f"{len(value)} items, under the minimum of {limit}",
    }
    make = messages.get(str(error.validator))
    return make() if make else error.message


# --------------------------------------------------------------------------- request


def validate_request(doc: Document, compiled: Compiled) -> list[Diagnostic]:
    """Every CreateJob constraint of the service model, and the service's unwritten rules."""
    out: list[Diagnostic] = []
    request = compiled.request
    for error in _validator(REQUEST_SCHEMA).iter_errors(request):
        path = list(error.absolute_path)
        rpointer = ptr.from_path(path)
        if "propertyNames" in error.absolute_schema_path:
            rpointer = ptr.join(rpointer, str(error.instance))
        out.append(_request_diagnostic(doc, compiled, rpointer, _request_message(error, rpointer)))
    seen: set[str] = set()
    for index, channel in enumerate(request.get("inputDataConfig", [])):
        name = channel["channelName"]
        if name in seen:
            out.append(
                _request_diagnostic(doc, compiled, f"/inputDataConfig/{index}", f"channel name {name!r} is used twice")
            )
        seen.add(name)
    for key, value in request.get("tags", {}).items():
        rpointer = ptr.join("/tags", key)
        if key.lower().startswith("aws:"):
            out.append(
                _request_diagnostic(
                    doc, compiled, rpointer, f"tag key {key!r} starts with the reserved prefix 'aws:'", key=True
                )
            )
        if len(key) > 128:
            out.append(
                _request_diagnostic(
                    doc, compiled, rpointer, f"tag key is {len(key)} characters long, over the maximum of 128", key=True
                )
            )
        if len(value) > 256:
            out.append(
                _request_diagnostic(
                    doc, compiled, rpointer, f"tag value is {len(value)} characters long, over the maximum of 256"
                )
            )
    return out


def _request_message(error: ValidationError, rpointer: str) -> str:
    field = rpointer or "the request"
    if error.validator == "pattern":
        words, allowed = _rule_for(rpointer)
        value = str(error.instance)
        return f"{field} {value!r} is not valid: " + (
            f"{words}{_mark(value, allowed)}" if words else f"it must match {error.validator_value}"
        )
    if error.validator == "enum":
        return f"{field} {error.instance!r} is not an allowed value"
    if error.validator == "type":
        return (
            f"{field}: expected {_TYPE_WORDS.get(str(error.validator_value), error.validator_value)}, "
            f"found {_describe(error.instance)}"
        )
    return f"{field}: {_bounds_message(error)}"


def _request_diagnostic(
    doc: Document, compiled: Compiled, rpointer: str, message: str, key: bool = False
) -> Diagnostic:
    """A finding about the request, placed at the spec field the value came from."""
    probe = rpointer
    while probe not in compiled.origins and probe:
        probe = ptr.parent(probe)
    origin = compiled.origins.get(probe)
    hint = ""
    spec_pointer = ""
    if origin is not None:
        spec_pointer = origin.pointer
        if origin.kind != "spec":
            hint = f"the value is {origin.kind}: {origin.note}" if origin.note else f"the value is {origin.kind}"
    return _at(doc, spec_pointer, "E501", message, hint, key=key)
