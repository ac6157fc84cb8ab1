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
from braket_jobspec.diagnostics.words import show

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


def _credential_warning(doc: Document, pointer: str, what: str, found: credentials.Finding) -> Diagnostic:
    from braket_jobspec.check.formats import Flaw

    return place_at(
        doc,
        pointer,
        "W402",
        f"{what} looks like {found.what}",
        "never put credentials in a spec: it is committed, and hyperparameters and tags are visible to anyone "
        "who can describe the job; the job gets credentials from its role (role_arn)",
        severity="warning",
        flaw=Flaw(found.offset, 4, found.what),
    )
