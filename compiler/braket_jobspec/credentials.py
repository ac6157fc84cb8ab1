"""Values that look like AWS credentials: a spec is committed, and its hyperparameters and
tags are visible to anyone who can describe the job."""

from __future__ import annotations

import dataclasses
import re

# Access key ids: AKIA (long-term) and ASIA (temporary), 16 more upper-case letters and digits.
_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
_SECRET_KEY = re.compile(r"^[A-Za-z0-9/+=]{40}$")
_SECRET_NAME = re.compile(r"secret|passw|credential|private|aws_?key|access_?key", re.I)
# Session tokens are long base64; the usual ones start with these (their decoded
# prefixes are the token format's own header bytes).
_SESSION_TOKEN = re.compile(r"^(IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{80,}$")
_TOKEN_NAME = re.compile(r"session|token", re.I)
_LONG_BASE64 = re.compile(r"^[A-Za-z0-9/+=]{100,}$")


@dataclasses.dataclass(frozen=True)
class Finding:
    what: str  # "an AWS access key id", ...
    offset: int  # where in the value it starts


def find(key: str, value: str) -> Finding | None:
    """The kind of credential value looks like (key is its name), or None."""
    m = _ACCESS_KEY_ID.search(value)
    if m:
        kind = "temporary " if m.group(1) == "ASIA" else ""
        return Finding(f"an AWS {kind}access key id", m.start())
    if _SECRET_KEY.match(value) and _SECRET_NAME.search(key):
        return Finding("an AWS secret access key", 0)
    if _SESSION_TOKEN.match(value) or (_LONG_BASE64.match(value) and _TOKEN_NAME.search(key)):
        return Finding("an AWS session token", 0)
    return None
