"""Rules of the spec that the schema cannot state: the `aws:` tag prefix, hyperparameters as the
service receives them, integers written as floats, the buckets of S3 URIs that may also be local
paths, and values that look like credentials."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from braket_jobspec import pointer as ptr
from braket_jobspec.check import credentials
from braket_jobspec.config import bucket_flaw
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.sdk.fields import DATA_PARALLEL_KEYS
from braket_jobspec.sdk.s3uri import is_s3_uri, s3_split

# formats (the formats in words), words' did-you-mean and importlib.resources are imported where
# a spec is refused: a valid spec does not need them, and they cost start-up time.
if TYPE_CHECKING:
    from braket_jobspec.load import Document

from braket_jobspec.check.place import place_at
from braket_jobspec.diagnostics.words import describe, label, show

# --------------------------------------------------------------------------- spec rules

MAX_HYPERPARAMETERS = 100
MAX_HYPERPARAMETER_LENGTH = 2500
# The spec's integer fields (tests/hostile/test_service_rules.py holds the list to the schema).
# JSON Schema counts 30.0 as an integer; botocore and the service take only 30.
INTEGER_FIELDS = (
    ("instance_config", "volumeSizeInGb"),
    ("instance_config", "instanceCount"),
    ("stopping_condition", "maxRuntimeInSeconds"),
)
# Line breaks to the service (Java's `.`, of the model's pattern for values, matches none of them).
_LINE_BREAKS = {"\x85": "U+0085 NEXT LINE", "\u2028": "U+2028 LINE SEPARATOR", "\u2029": "U+2029 PARAGRAPH SEPARATOR"}


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
    for parent, name in INTEGER_FIELDS:
        section = data.get(parent)
        number = section.get(name) if isinstance(section, dict) else None
        if isinstance(number, float) and number.is_integer():
            out.append(_whole_float(doc, f"/{parent}/{name}", number))
    # The bucket of an S3 URI where a local path may stand too (the schema states it for S3-only fields).
    source = data.get("source_module")
    if isinstance(source, str):
        out += _bucket_rules(doc, "/source_module", source)
    inputs = data.get("input_data")
    if isinstance(inputs, str):
        out += _bucket_rules(doc, "/input_data", inputs)
    elif isinstance(inputs, dict):
        for name, value in inputs.items():
            if isinstance(value, str):
                out += _bucket_rules(doc, ptr.join("/input_data", name), value)
    image = data.get("image_uri")
    if isinstance(image, str) and ("/" in image or ":" in image):
        from braket_jobspec.check import formats

        flaw = formats.check_ecr_uri(image)
        if flaw is not None:
            out.append(
                place_at(
                    doc,
                    "/image_uri",
                    "E205",
                    f"image_uri {show(image)} is not valid: {flaw.reason}",
                    f"{formats.ECR_URI.words}, or a framework: base, pytorch, tensorflow, cudaq",
                    flaw=flaw,
                )
            )
    _secret_rules(doc, data, "", out)
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
                place_at(
                    doc,
                    pointer,
                    "E206",
                    f"hyperparameter {show(key)} is empty; the service refuses empty values",
                    "give it a value, or remove it",
                )
            )
        elif len(sent) > MAX_HYPERPARAMETER_LENGTH:
            out.append(
                place_at(
                    doc,
                    pointer,
                    "E206",
                    f"hyperparameter {show(key)} is {len(sent)} characters long, over the service's maximum of "
                    f"{MAX_HYPERPARAMETER_LENGTH}",
                    "pass large values as input data (input_data) and read them from the channel",
                )
            )
        elif not sent.isprintable():
            out += _control_rule(doc, pointer, key, sent)
        if isinstance(value, str):
            found = credentials.find(key, value)
            if found is not None:
                out.append(_credential_warning(doc, pointer, f"hyperparameter {show(key)}", found))
    added = [k for k in DATA_PARALLEL_KEYS if k not in hyper] if distribution == "data_parallel" else []
    if len(hyper) <= MAX_HYPERPARAMETERS < len(hyper) + len(added):
        out.append(
            place_at(
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


def _control_rule(doc: Document, pointer: str, key: str, sent: str) -> list[Diagnostic]:
    """A line break or another control character in a hyperparameter's value."""
    from braket_jobspec.check.formats import CONTROL, Flaw, control_words

    found = CONTROL.search(sent)
    if found is None:
        return []  # printable to the service: a format character, a space other than ' '
    char, at = found.group(0), found.start()
    if char in "\n\r" or char in _LINE_BREAKS:
        what = f"a line break ({_LINE_BREAKS[char]})" if char in _LINE_BREAKS else "a line break"
        message = f"has {what} at position {at + 1}; the service accepts one line per value"
        hint = "join the lines, or pass the text as input data"
    else:
        message = f"has {control_words(char)} at position {at + 1}; a value is one line of text"
        hint = "remove it, or pass the text as input data"
    return [place_at(doc, pointer, "E205", f"hyperparameter {show(key)} {message}", hint, flaw=Flaw(at, 1, "control"))]


def _whole_float(doc: Document, pointer: str, number: float) -> Diagnostic:
    whole = f": {int(number)}" if abs(number) <= 2**53 else ""
    return place_at(
        doc,
        pointer,
        "E203",
        f"{label(pointer)}: expected an integer, found {describe(number)}",
        f"write it without the decimal point{whole}; the service refuses {number!r} where it takes an integer",
    )


def _bucket_rules(doc: Document, pointer: str, value: str) -> list[Diagnostic]:
    """S3's naming rules for the bucket of a value the SDK reads as an S3 URI (else it is a local path)."""
    if not is_s3_uri(value):
        return []
    bucket, _ = s3_split(value)
    start = len("s3://") if value[:5].lower() == "s3://" else len("https://")
    if bucket_flaw(bucket, start) is None:
        return []
    from braket_jobspec.check.formats import check_bucket

    flaw = check_bucket(bucket, start)
    assert flaw is not None
    return [
        place_at(
            doc, pointer, "E205", f"{label(pointer)} {show(value)} is not valid: {flaw.reason}", flaw.hint, flaw=flaw
        )
    ]


def _tag_rules(doc: Document, tags: dict[str, Any]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for key, value in tags.items():
        pointer = ptr.join("/tags", key)
        if key[:4].lower() == "aws:":
            from braket_jobspec.check.formats import Flaw

            out.append(
                place_at(
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


def _credential_warning(
    doc: Document, pointer: str, what: str, found: credentials.Finding, *, key: bool = False
) -> Diagnostic:
    from braket_jobspec.check.formats import Flaw

    return place_at(
        doc,
        pointer,
        "W402",
        f"{what} looks like {found.what}",
        "never put credentials in a spec: it is committed, and hyperparameters and tags are visible to anyone "
        "who can describe the job; the job gets credentials from its role (role_arn)",
        key=key,
        severity="warning",
        flaw=Flaw(found.offset, 4, found.what),
    )


# --------------------------------------------------------------------------- secrets anywhere

# Values whose AWS credentials _hyperparameter_rules and _tag_rules report, in their words.
_NAMED_VALUES = {"/hyperparameters": "hyperparameter", "/tags": "tag"}
_KEY_WORDS = {"/hyperparameters": "a hyperparameter name", "/tags": "a tag key", "/input_data": "an input channel name"}


# A module function, not a closure: a closure that calls itself is a reference cycle.
def _secret_rules(doc: Document, value: Any, pointer: str, out: list[Diagnostic]) -> None:
    """W402 and W403 for every key and string value below pointer (cheap tests first, in credentials)."""
    if isinstance(value, dict):
        for key, item in value.items():
            child = ptr.join(pointer, str(key))
            if isinstance(key, str):
                _secret_check(doc, child, key, "", partial(_key_words, pointer), out, key=True)
            if pointer in _NAMED_VALUES and isinstance(item, str):
                # Its AWS credentials are reported by its own rule; other secrets here.
                _secret_check(doc, child, item, None, partial(_named, pointer, key), out)
            else:
                _secret_rules(doc, item, child, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _secret_rules(doc, item, ptr.join(pointer, str(index)), out)
    elif isinstance(value, str) and pointer:
        _secret_check(doc, pointer, value, ptr.split(pointer)[-1], partial(label, pointer), out)


# How a value is named in a W402/W403 message, made only when there is one to write (these
# rules see every key and string of every spec, and the words cost more than the tests).
def _key_words(pointer: str) -> str:
    """The key of the mapping at pointer."""
    if pointer in _KEY_WORDS:
        return _KEY_WORDS[pointer]
    return f"a key of {label(pointer)}" if pointer else "a top-level key"


def _named(pointer: str, key: Any) -> str:
    return f"{_NAMED_VALUES[pointer]} {show(key)}"


def _secret_check(
    doc: Document,
    pointer: str,
    text: str,
    name: str | None,
    what: Callable[[], str],
    out: list[Diagnostic],
    *,
    key: bool = False,
) -> None:
    """An AWS credential (W402; not looked for when name is None) and a token or password (W403) in text."""
    if name is not None:
        found = credentials.find(name, text)
        if found is not None:
            out.append(_credential_warning(doc, pointer, what(), found, key=key))
    secret = credentials.find_secret(text)
    if secret is not None:
        from braket_jobspec.check.formats import Flaw

        advice = "revoke the token" if "token" in secret.what else "remove the password from the URL and change it"
        out.append(
            place_at(
                doc,
                pointer,
                "W403",
                f"{what()} contains {secret.what}",
                "never put secrets in a spec: it is committed, and hyperparameters and tags are visible to anyone "
                f"who can describe the job; {advice}, and let the job read the secret from AWS Secrets Manager "
                "with its role (role_arn)",
                key=key,
                severity="warning",
                flaw=Flaw(secret.offset, secret.length, secret.what),
            )
        )
