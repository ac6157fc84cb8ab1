"""Values that look like credentials (AWS keys, GitHub tokens, URLs with a password): a spec
is committed, and its hyperparameters and tags are visible to anyone who can describe the job."""

from __future__ import annotations

import re
from typing import NamedTuple

# The patterns are compiled (by re, which keeps them) only for a value that passes the
# cheap test in front of each: most values are short words, and compiling all of them at
# start-up costs more than checking every value of a spec.
# Access key ids: AKIA (long-term) and ASIA (temporary), 16 more upper-case letters and digits.
_ACCESS_KEY_ID = r"(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])"
_SECRET_KEY = r"^[A-Za-z0-9/+=]{40}$"  # 40 characters (`$` also matches before a final newline)
_SECRET_NAME = r"secret|passw|credential|private|aws_?key|access_?key"
# Session tokens are long base64; the usual ones start with these (their decoded
# prefixes are the token format's own header bytes).
_TOKEN_PREFIXES = ("IQoJb3JpZ2lu", "FwoGZXIvYXdz", "FQoGZXIvYXdz")
_SESSION_TOKEN = r"^(IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{80,}$"
_TOKEN_NAME = r"session|token"
_LONG_BASE64 = r"^[A-Za-z0-9/+=]{100,}$"


class Finding(NamedTuple):
    what: str  # "an AWS access key id", ...
    offset: int  # where in the value it starts


def find(key: str, value: str) -> Finding | None:
    """The kind of credential value looks like (key is its name), or None."""
    m = re.search(_ACCESS_KEY_ID, value) if "AKIA" in value or "ASIA" in value else None
    if m:
        kind = "temporary " if m.group(1) == "ASIA" else ""
        return Finding(f"an AWS {kind}access key id", m.start())
    if len(value) in (40, 41) and re.match(_SECRET_KEY, value) and re.search(_SECRET_NAME, key, re.I):
        return Finding("an AWS secret access key", 0)
    if (value.startswith(_TOKEN_PREFIXES) and re.match(_SESSION_TOKEN, value)) or (
        len(value) >= 100 and re.match(_LONG_BASE64, value) and re.search(_TOKEN_NAME, key, re.I)
    ):
        return Finding("an AWS session token", 0)
    return None


# GitHub tokens name their kind in a prefix, then 36 letters and digits (ghp_, gho_, ...);
# fine-grained personal access tokens are github_pat_ and 82 letters, digits and `_`.
_GITHUB_TOKEN = r"(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{36,})(?![A-Za-z0-9_])"
_GITHUB_KINDS = {
    "ghp": "a GitHub personal access token",
    "gho": "a GitHub OAuth token",
    "ghu": "a GitHub user-to-server token",
    "ghs": "a GitHub server-to-server token",
    "ghr": "a GitHub refresh token",
    "git": "a GitHub fine-grained personal access token",
}
# scheme://user:password@host (the user may be empty: redis://:password@host).
_URL_PASSWORD = r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*:([^\s/?#@]+)@[^\s/?#@]"
# Passwords that stand for one: ${VAR}, $VAR, {{ var }}, <password>, ***.
_PLACEHOLDER = r"^(\$|\{|<|%\(|\*+$|x+$)"


class Secret(NamedTuple):
    what: str  # "a GitHub personal access token", "a URL with a password"
    offset: int  # where in the text the secret starts
    length: int


def find_secret(text: str) -> Secret | None:
    """A GitHub token or a URL's password in text (a value or a key), or None."""
    if len(text) >= 40 and "_" in text and ("gh" in text or "github_pat_" in text):
        m = re.search(_GITHUB_TOKEN, text)
        if m:
            return Secret(_GITHUB_KINDS[m.group(1)[:3]], m.start(1), len(m.group(1)))
    if "://" in text and "@" in text:
        for m in re.finditer(_URL_PASSWORD, text):
            if not re.match(_PLACEHOLDER, m.group(1)):
                return Secret("a URL with a password", m.start(1), len(m.group(1)))
    return None
