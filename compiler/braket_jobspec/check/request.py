"""The built request against the CreateJob schema, each error mapped back to the spec line it came from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from braket_jobspec import pointer as ptr
from braket_jobspec.check import fastcheck
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.sdk.fields import REQUEST_TO_SPEC

# formats (the formats in words), words' did-you-mean and importlib.resources are imported where
# a spec is refused: a valid spec does not need them, and they cost start-up time.
if TYPE_CHECKING:
    from jsonschema import ValidationError

    from braket_jobspec.load import Document
    from braket_jobspec.sdk.builder import Compiled

from braket_jobspec.check.place import place_at
from braket_jobspec.check.spec import bounds_message, refusal_words
from braket_jobspec.diagnostics.words import TYPE_WORDS, describe, label, show
from braket_jobspec.schemas import REQUEST_SCHEMA, validator

# --------------------------------------------------------------------------- request


def validate_request(doc: Document, compiled: Compiled) -> list[Diagnostic]:
    """Every CreateJob constraint of the service model, and the service's unwritten rules."""
    out: list[Diagnostic] = []
    request = compiled.request
    refused = fastcheck.first_error(REQUEST_SCHEMA, request)
    if refused is not None:
        for error in validator(REQUEST_SCHEMA).iter_errors(request):
            path = list(error.absolute_path)
            rpointer = ptr.from_path(path)
            if "propertyNames" in error.absolute_schema_path:
                rpointer = ptr.join(rpointer, str(error.instance))
            out.append(_request_diagnostic(doc, compiled, rpointer, _request_message(error, rpointer)))
        if not out:
            rpointer = ptr.from_path(refused.path)
            out.append(_request_diagnostic(doc, compiled, rpointer, f"{label(rpointer)}: {refusal_words(refused)}"))
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
        from braket_jobspec.check import formats

        value = str(error.instance)
        rule = formats.rule_for(rpointer)
        flaw = rule.check(value) if rule else None
        if rule is not None:
            return f"{field} {show(value)} is not valid: {flaw.reason if flaw else rule.words}"
        return f"{field} {show(value)} is not valid: it must match {error.validator_value}"
    if error.validator == "enum":
        return f"{field} {show(error.instance)} is not an allowed value"
    if error.validator == "type":
        return (
            f"{field}: expected {TYPE_WORDS.get(str(error.validator_value), error.validator_value)}, "
            f"found {describe(error.instance)}"
        )
    return f"{field}: {bounds_message(error)}"


# Request fields with no origin of their own, and the spec field they are made from.
def _request_diagnostic(
    doc: Document, compiled: Compiled, rpointer: str, message: str, key: bool = False
) -> Diagnostic:
    """A finding about the request, placed at the spec field the value came from."""
    probe = rpointer
    while probe not in compiled.origins and probe and probe not in REQUEST_TO_SPEC:
        probe = ptr.parent(probe)
    origin = compiled.origins.get(probe)
    hint = "the request is built from the spec and the context; change the spec field it comes from"
    spec_pointer = REQUEST_TO_SPEC.get(probe, "")
    if origin is not None:
        spec_pointer = origin.pointer
        if origin.kind != "spec":
            hint = f"the value is {origin.kind}: {origin.note}" if origin.note else f"the value is {origin.kind}"
    return place_at(doc, spec_pointer, "E501", message, hint, key=key)
