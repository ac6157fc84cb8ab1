"""Rules of the spec that the schema cannot state: the `aws:` tag prefix, hyperparameters as the
service receives them, and values that look like credentials."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from braket_jobspec import pointer as ptr
from braket_jobspec.check import credentials
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.sdk.fields import DATA_PARALLEL_KEYS

# formats (the formats in words), words' did-you-mean and importlib.resources are imported where
# a spec is refused: a valid spec does not need them, and they cost start-up time.
if TYPE_CHECKING:
    from braket_jobspec.load import Document

from braket_jobspec.check.place import place_at
from braket_jobspec.diagnostics.words import label, show

# --------------------------------------------------------------------------- spec rules

MAX_HYPERPARAMETERS = 100
MAX_HYPERPARAMETER_LENGTH = 2500


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
        elif "\n" in sent or "\r" in sent:
            from braket_jobspec.check.formats import Flaw

            newline = sent.find("\n") if "\n" in sent else sent.find("\r")
            out.append(
                place_at(
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
                owner = f"a key of {label(pointer)}" if pointer else "a top-level key"
                _secret_check(doc, child, key, "", _KEY_WORDS.get(pointer, owner), out, key=True)
            if pointer in _NAMED_VALUES and isinstance(item, str):
                # Its AWS credentials are reported by its own rule; other secrets here.
                _secret_check(doc, child, item, None, f"{_NAMED_VALUES[pointer]} {show(key)}", out)
            else:
                _secret_rules(doc, item, child, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _secret_rules(doc, item, ptr.join(pointer, str(index)), out)
    elif isinstance(value, str) and pointer:
        _secret_check(doc, pointer, value, ptr.split(pointer)[-1], label(pointer), out)


def _secret_check(
    doc: Document, pointer: str, text: str, name: str | None, what: str, out: list[Diagnostic], *, key: bool = False
) -> None:
    """An AWS credential (W402; not looked for when name is None) and a token or password (W403) in text."""
    if name is not None:
        found = credentials.find(name, text)
        if found is not None:
            out.append(_credential_warning(doc, pointer, what, found, key=key))
    secret = credentials.find_secret(text)
    if secret is not None:
        from braket_jobspec.check.formats import Flaw

        advice = "revoke the token" if "token" in secret.what else "remove the password from the URL and change it"
        out.append(
            place_at(
                doc,
                pointer,
                "W403",
                f"{what} contains {secret.what}",
                "never put secrets in a spec: it is committed, and hyperparameters and tags are visible to anyone "
                f"who can describe the job; {advice}, and let the job read the secret from AWS Secrets Manager "
                "with its role (role_arn)",
                key=key,
                severity="warning",
                flaw=Flaw(secret.offset, secret.length, secret.what),
            )
        )
