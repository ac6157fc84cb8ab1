"""Schema checks: the spec against schema/jobspec.schema.json, the request against CreateJob.

Both validators are built once per process. Errors become diagnostics at the key or
value they are about (at the very character, for names, ARNs and URIs), saying what
was found, what is expected, and how to fix it, with a did-you-mean where it helps.
A few rules that the schema cannot state (the `aws:` tag prefix, hyperparameters as
the service will receive them, values that look like credentials) run alongside it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from braket_jobspec import pointer as ptr
from braket_jobspec.check import credentials, fastcheck
from braket_jobspec.diagnostics import Diagnostic, Severity

# fieldrules (the formats in words), suggest and importlib.resources are imported where a
# spec is refused: a valid spec does not need them, and they cost start-up time.
if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

    from braket_jobspec.check.formats import Flaw
    from braket_jobspec.load import Document
    from braket_jobspec.sdk.builder import Compiled

SPEC_SCHEMA = "jobspec.schema.json"
REQUEST_SCHEMA = "createjob-request.schema.json"
MAX_HYPERPARAMETERS = 100
MAX_HYPERPARAMETER_LENGTH = 2500
# What `distribution: data_parallel` adds to the hyperparameters (request.py sets them).
DATA_PARALLEL_KEYS = ("sagemaker_distributed_dataparallel_enabled", "sagemaker_instance_type")


def schema_text(name: str) -> str:
    """A schema file's text: inside the installed package, or schema/ of a source checkout."""
    from importlib import resources

    packaged = resources.files("braket_jobspec").joinpath("schema", name)
    if packaged.is_file():
        return packaged.read_text("utf-8")
    return (Path(__file__).resolve().parents[3] / "schema" / name).read_text("utf-8")


@functools.cache
def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text(name))
    return loaded


@functools.cache
def _validator(name: str) -> Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(name))


# --------------------------------------------------------------------------- words


def label(pointer: str) -> str:
    """A field as people write it: /hyperparameters/lr -> hyperparameters.lr, /a/0 -> a[0]."""
    out = ""
    for token in ptr.split(pointer):
        if token.isdigit() and out:
            out += f"[{token}]"
        elif re.fullmatch(r"[A-Za-z_][\w-]*", token):
            out += f".{token}" if out else token
        else:
            out += f"[{token!r}]" if out else repr(token)
    return out or "the spec"


def show(value: Any, limit: int = 60) -> str:
    """A value quoted for a message, cut short when long."""
    if isinstance(value, str) and len(value) > limit:
        return repr(value[: limit - 10] + "…") + f" ({len(value)} characters)"
    return repr(value)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {show(value)}"
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


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


# --------------------------------------------------------------------------- placing


def _at(
    doc: Document,
    pointer: str,
    code: str,
    message: str,
    hint: str = "",
    *,
    key: bool = False,
    severity: Severity = "error",
    flaw: Flaw | None = None,
) -> Diagnostic:
    placed = doc.diagnostic(pointer, code, message, hint, key=key, severity=severity, unplaced=(1, 1))
    span = doc.source_map.key(pointer) if key else doc.source_map.value(pointer)
    if flaw is not None and span is not None and not getattr(span, "file", ""):
        # Narrow the place to the offending character of the value (or key).
        text = ptr.split(pointer)[-1] if key else _value_at(doc, pointer)
        if isinstance(text, str):
            found = _char_column(doc, span.line, span.col, text, flaw.offset)
            if found is not None:
                return placed._replace(col=found, end_line=placed.line, end_col=found + max(flaw.length, 1))
    return placed


def _value_at(doc: Document, pointer: str) -> Any:
    value: Any = doc.data
    for token in ptr.split(pointer):
        if isinstance(value, dict):
            value = value.get(token)
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return None
    return value


def _char_column(doc: Document, line: int, col: int, value: str, offset: int) -> int | None:
    """The column of value[offset] when the value is written on one line, plain or quoted."""
    lines = doc.text.split("\n", line)
    if len(lines) < line:
        return None
    source = lines[line - 1]
    start = col - 1
    if source[start : start + 1] in ("'", '"'):
        start += 1
    prefix = value[:offset]
    if source[start : start + len(prefix)] != prefix:
        return None  # escapes or folding: the text is not the value character for character
    return start + offset + 1


def _source_text(doc: Document, pointer: str) -> str | None:
    """The text of a value as written, when it is on one line."""
    span = doc.source_map.values.get(pointer)
    if span is None or not span.end_col or span.end_line != span.line:
        return None
    lines = doc.text.split("\n", span.line)
    if len(lines) < span.line:
        return None
    return lines[span.line - 1][span.col - 1 : span.end_col - 1].strip() or None


# --------------------------------------------------------------------------- spec


def validate_spec(doc: Document) -> list[Diagnostic]:
    """Every schema error of the spec, each placed at its key or value, and the spec rules."""
    out: list[Diagnostic] = []
    refused = fastcheck.first_error(SPEC_SCHEMA, doc.data)
    if refused is not None:
        for error in _validator(SPEC_SCHEMA).iter_errors(doc.data):
            out.extend(d for d in _spec_diagnostics(doc, error) if not doc.is_dropped(d.pointer))
        if not out:
            out.append(_refusal(doc, refused))
    out.extend(d for d in check_rules(doc) if not doc.is_dropped(d.pointer))
    return out


def _refusal_words(refused: fastcheck.JsonSchemaValueException) -> str:
    return refused.message.split(" ", 1)[1] if " " in refused.message else refused.message


def _refusal(doc: Document, refused: fastcheck.JsonSchemaValueException) -> Diagnostic:
    """A refusal only the generated validator makes: a pattern's `$` read as the end of the text.

    Python's re (and so jsonschema) lets `$` match before a final newline; ECMA-262, the
    dialect of JSON Schema, does not, and neither does the service.
    """
    pointer = ptr.from_path(refused.path)
    return _at(doc, pointer, "E205", f"{label(pointer)}: {_refusal_words(refused)}", "remove the line break")


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
        yield _at(doc, pointer, "E202", f"missing required key {name!r}{where}", _REQUIRED_HINTS.get(name, ""))
        return
    if keyword == "anyOf" and error.context:
        branch = _matching_branch(error)
        if branch is not None:
            for sub_error in branch:
                yield from _spec_diagnostics(doc, sub_error)
            return
        forms = _INPUT_FORMS.get(re.sub(r"/[^/]+$", "/*", pointer), _INPUT_FORMS.get(pointer, "another form"))
        yield _at(
            doc,
            pointer,
            "E203",
            f"{label(pointer)}: expected {forms}, found {_describe(error.instance)}",
            _INPUT_HINT,
        )
        return
    if keyword == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        expected = _either([_TYPE_WORDS.get(str(t), str(t)) for t in types])
        yield _at(
            doc,
            pointer,
            "E203",
            f"{label(pointer)}: expected {expected}, found {_describe(error.instance)}",
            _type_hint(doc, pointer, error.instance, [str(t) for t in types], str(sub.get("x-hint", "")))
            or _example_hint(doc, pointer, sub),
        )
        return
    if keyword == "enum":
        from braket_jobspec.diagnostics.words import closest_few, did_you_mean

        choices = [str(c) for c in _value(error)]
        hint = did_you_mean(str(error.instance), choices)
        if not hint:
            hint = (
                f"expected one of: {', '.join(choices)}"
                if len(choices) <= 8
                else f"the nearest of the {len(choices)} allowed values: "
                + ", ".join(closest_few(str(error.instance), choices))
            )
        yield _at(doc, pointer, "E204", f"{label(pointer)}: {show(error.instance)} is not an allowed value", hint)
        return
    if keyword == "pattern":
        yield _pattern_diagnostic(doc, pointer, str(error.instance), "E205")
        return
    yield _at(doc, pointer, "E206", f"{label(pointer)}: {_bounds_message(error)}", _BOUNDS_HINTS.get(str(keyword), ""))


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
        home = _HOMES.get(key)
        if home and home != pointer:
            hint = f"{key} belongs in {label(home)}"
        elif known:
            hint = f"expected one of: {', '.join(known)}"
    return _at(doc, ptr.join(pointer, key), "E201", f"unknown key {show(key)} {where}", hint, key=True)


def _key_diagnostic(doc: Document, pointer: str, error: ValidationError) -> Diagnostic:
    """A key that breaks its mapping's rule for names (channel names, tag keys, hyperparameter names)."""
    from braket_jobspec.check import formats as fieldrules

    key = str(error.instance)
    rule = fieldrules.rule_for(pointer)
    parent = label(ptr.parent(pointer))
    if rule is not None:
        flaw = rule.check(key)
        if flaw is not None:
            return _at(
                doc,
                pointer,
                "E205",
                f"{parent} key {show(key)} is not valid: {flaw.reason}",
                f"{rule.words}, e.g. {rule.example}",
                key=True,
                flaw=flaw,
            )
    limit = _value(error)
    if error.validator == "maxLength":
        message = f"{parent} key {show(key)} is {len(key)} characters long, over the maximum of {limit}"
        return _at(doc, pointer, "E206", message, "shorten the key", key=True)
    if error.validator == "minLength":
        return _at(doc, pointer, "E206", f"{parent} has an empty key", "give the entry a name", key=True)
    return _at(doc, pointer, "E205", f"{parent} key {show(key)} is not valid: {error.message}", key=True)


def _pattern_diagnostic(doc: Document, pointer: str, value: str, code: str) -> Diagnostic:
    from braket_jobspec.check import formats as fieldrules

    rule = fieldrules.rule_for(pointer)
    if rule is None:
        return _at(doc, pointer, code, f"{label(pointer)}: {show(value)} is not valid")
    flaw = rule.check(value)
    reason = flaw.reason if flaw else "it does not have the expected form"
    return _at(
        doc,
        pointer,
        code,
        f"{label(pointer)} {show(value)} is not valid: {reason}",
        f"{rule.words}, e.g. {rule.example}",
        flaw=flaw,
    )


def _type_hint(doc: Document, pointer: str, value: Any, types: list[str], schema_hint: str) -> str:
    """How to write the value in the expected type, from the text as the user wrote it."""
    source = _source_text(doc, pointer)
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
_HOMES = {
    "instanceType": "/instance_config",
    "volumeSizeInGb": "/instance_config",
    "instanceCount": "/instance_config",
    "maxRuntimeInSeconds": "/stopping_condition",
    "s3Path": "/output_data_config",
    "kmsKeyId": "/output_data_config",
    "localPath": "/checkpoint_config",
    "s3Uri": "/checkpoint_config",
    "content_type": "/input_data/<channel>",
}


def _value(error: ValidationError) -> Any:
    """The keyword's value in the schema (typed loosely by jsonschema's stubs)."""
    return error.validator_value


_ENTRIES = {"/input_data": "channels", "/hyperparameters": "hyperparameters", "/tags": "tags"}


def _bounds_message(error: ValidationError) -> str:
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


# --------------------------------------------------------------------------- spec rules


def check_rules(doc: Document) -> list[Diagnostic]:
    """What the schema cannot say; each rule looks only at values of the type it expects."""
    out: list[Diagnostic] = []
    data = doc.data
    hyper = data.get("hyperparameters")
    if isinstance(hyper, dict):
        out += _hyperparameter_rules(doc, hyper, data.get("distribution"))
    tags = data.get("tags")
    if isinstance(tags, dict):
        out += _tag_rules(doc, tags)
    image = data.get("image_uri")
    if isinstance(image, str) and ("/" in image or ":" in image):
        from braket_jobspec.check import formats as fieldrules

        flaw = fieldrules.check_ecr_uri(image)
        if flaw is not None:
            out.append(
                _at(
                    doc,
                    "/image_uri",
                    "E205",
                    f"image_uri {show(image)} is not valid: {flaw.reason}",
                    f"{fieldrules.ECR_URI.words}, or a framework: base, pytorch, tensorflow, cudaq",
                    flaw=flaw,
                )
            )
    return out


def _hyperparameter_rules(doc: Document, hyper: dict[str, Any], distribution: Any) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for key, value in hyper.items():
        pointer = ptr.join("/hyperparameters", key)
        if not isinstance(value, (str, int, float)):
            continue  # the schema reports it
        sent = str(value)
        if isinstance(value, str) and not value:
            out.append(
                _at(
                    doc,
                    pointer,
                    "E206",
                    f"hyperparameter {show(key)} is empty; the service refuses empty values",
                    "give it a value, or remove it",
                )
            )
        elif len(sent) > MAX_HYPERPARAMETER_LENGTH:
            out.append(
                _at(
                    doc,
                    pointer,
                    "E206",
                    f"hyperparameter {show(key)} is {len(sent)} characters long, over the service's maximum of "
                    f"{MAX_HYPERPARAMETER_LENGTH}",
                    "pass large values as input data (input_data) and read them from the channel",
                )
            )
        elif "\n" in sent or "\r" in sent:
            from braket_jobspec.check.formats import Flaw

            newline = sent.find("\n") if "\n" in sent else sent.find("\r")
            out.append(
                _at(
                    doc,
                    pointer,
                    "E205",
                    f"hyperparameter {show(key)} has a line break at position {newline + 1}; "
                    "the service accepts one line per value",
                    "join the lines, or pass the text as input data",
                    flaw=Flaw(newline, 1, "line break"),
                )
            )
        if isinstance(value, str):
            found = credentials.find(key, value)
            if found is not None:
                out.append(_credential_warning(doc, pointer, f"hyperparameter {show(key)}", found))
    added = [k for k in DATA_PARALLEL_KEYS if k not in hyper] if distribution == "data_parallel" else []
    if len(hyper) <= MAX_HYPERPARAMETERS < len(hyper) + len(added):
        out.append(
            _at(
                doc,
                "/hyperparameters",
                "E206",
                f"{len(hyper)} hyperparameters and the {len(added)} that distribution: data_parallel adds make "
                f"{len(hyper) + len(added)}, over the service's maximum of {MAX_HYPERPARAMETERS}",
                "remove hyperparameters, or pass them as input data",
                key=True,
            )
        )
    return out


def _tag_rules(doc: Document, tags: dict[str, Any]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for key, value in tags.items():
        pointer = ptr.join("/tags", key)
        if key[:4].lower() == "aws:":
            from braket_jobspec.check.formats import Flaw

            out.append(
                _at(
                    doc,
                    pointer,
                    "E207",
                    f"tag key {show(key)} starts with the prefix 'aws:', which AWS reserves for its own tags",
                    f"rename it, e.g. {key[4:] or 'team'!r}",
                    key=True,
                    flaw=Flaw(0, 4, "reserved prefix"),
                )
            )
        if isinstance(value, str):
            found = credentials.find(key, value)
            if found is not None:
                out.append(_credential_warning(doc, pointer, f"tag {show(key)}", found))
    return out


def _credential_warning(doc: Document, pointer: str, what: str, found: credentials.Finding) -> Diagnostic:
    from braket_jobspec.check.formats import Flaw

    return _at(
        doc,
        pointer,
        "W402",
        f"{what} looks like {found.what}",
        "never put credentials in a spec: it is committed, and hyperparameters and tags are visible to anyone "
        "who can describe the job; the job gets credentials from its role (role_arn)",
        severity="warning",
        flaw=Flaw(found.offset, 4, found.what),
    )


# --------------------------------------------------------------------------- request


def validate_request(doc: Document, compiled: Compiled) -> list[Diagnostic]:
    """Every CreateJob constraint of the service model, and the service's unwritten rules."""
    out: list[Diagnostic] = []
    request = compiled.request
    refused = fastcheck.first_error(REQUEST_SCHEMA, request)
    if refused is not None:
        for error in _validator(REQUEST_SCHEMA).iter_errors(request):
            path = list(error.absolute_path)
            rpointer = ptr.from_path(path)
            if "propertyNames" in error.absolute_schema_path:
                rpointer = ptr.join(rpointer, str(error.instance))
            out.append(_request_diagnostic(doc, compiled, rpointer, _request_message(error, rpointer)))
        if not out:
            rpointer = ptr.from_path(refused.path)
            out.append(_request_diagnostic(doc, compiled, rpointer, f"{label(rpointer)}: {_refusal_words(refused)}"))
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
                    doc, compiled, rpointer, f"tag key {show(key)} starts with the reserved prefix 'aws:'", key=True
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
    field = f"request field {label(rpointer)}" if rpointer else "the request"
    if error.validator == "pattern":
        from braket_jobspec.check import formats as fieldrules

        value = str(error.instance)
        rule = fieldrules.rule_for(rpointer)
        flaw = rule.check(value) if rule else None
        if rule is not None:
            return f"{field} {show(value)} is not valid: {flaw.reason if flaw else rule.words}"
        return f"{field} {show(value)} is not valid: it must match {error.validator_value}"
    if error.validator == "enum":
        return f"{field} {show(error.instance)} is not an allowed value"
    if error.validator == "type":
        return (
            f"{field}: expected {_TYPE_WORDS.get(str(error.validator_value), error.validator_value)}, "
            f"found {_describe(error.instance)}"
        )
    return f"{field}: {_bounds_message(error)}"


# Request fields with no origin of their own, and the spec field they are made from.
_REQUEST_TO_SPEC = {
    "/hyperParameters": "/hyperparameters",
    "/inputDataConfig": "/input_data",
    "/tags": "/tags",
    "/instanceConfig": "/instance_config",
    "/stoppingCondition": "/stopping_condition",
    "/outputDataConfig": "/output_data_config",
    "/checkpointConfig": "/checkpoint_config",
}


def _request_diagnostic(
    doc: Document, compiled: Compiled, rpointer: str, message: str, key: bool = False
) -> Diagnostic:
    """A finding about the request, placed at the spec field the value came from."""
    probe = rpointer
    while probe not in compiled.origins and probe and probe not in _REQUEST_TO_SPEC:
        probe = ptr.parent(probe)
    origin = compiled.origins.get(probe)
    hint = "the request is built from the spec and the context; change the spec field it comes from"
    spec_pointer = _REQUEST_TO_SPEC.get(probe, "")
    if origin is not None:
        spec_pointer = origin.pointer
        if origin.kind != "spec":
            hint = f"the value is {origin.kind}: {origin.note}" if origin.note else f"the value is {origin.kind}"
    return _at(doc, spec_pointer, "E501", message, hint, key=key)
