"""Canonical JSON: the bytes reviewers read, and the text digests are taken of.

Both are json.dumps's output with keys sorted and UTF-8 text: indented for the outputs,
compact for digests. orjson, where it is installed, writes the same bytes about ten times
faster (json indents in pure Python). They differ only in how floats below 1e-4 are
written (json: 1e-05, 1e-07; orjson: 0.00001, 1e-7), so a text of orjson's that holds
`0.0000` or a digit before `e-` is written again by json (rarely needed, and a string
that holds them is only a false alarm), as is whatever orjson refuses. Values never hold
NaN or infinity (the loaders refuse them); json would refuse them too, orjson would
write null.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> str:
    """Keys sorted, indent 2, trailing newline: the bytes of every output."""
    fast = _orjson()
    if fast is not None:
        try:
            data = fast.dumps(value, option=fast.OPT_INDENT_2 | fast.OPT_SORT_KEYS | fast.OPT_APPEND_NEWLINE)
        except TypeError:  # orjson.JSONEncodeError, e.g. an int past 64 bits
            pass
        else:
            if _same_as_json(data):
                return str(data, "utf-8")
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False, indent=2) + "\n"


def digest(value: Any) -> str:
    """SHA-256 hex of the compact canonical JSON of value (no whitespace says anything of content)."""
    fast = _orjson()
    if fast is not None:
        try:
            data = fast.dumps(value, option=fast.OPT_SORT_KEYS)
        except TypeError:
            pass
        else:
            if _same_as_json(data):
                return hashlib.sha256(data).hexdigest()
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _same_as_json(data: bytes) -> bool:
    """No float in orjson's text is one that json writes otherwise (tests/test_canonical_json.py).

    Such a float holds `0.0000` or a digit before `e-`; a match followed (after its digits)
    by a quote is inside a string (a number never ends at one), e.g. a "1e-05" hyperparameter.
    """
    for marker in (b"0.0000", b"e-"):
        at = data.find(marker)
        while at != -1:
            end = at + len(marker)
            while end < len(data) and data[end] in _DIGITS:
                end += 1
            number = marker != b"e-" or (at > 0 and data[at - 1] in _DIGITS)
            if number and data[end : end + 1] != b'"':
                return False
            at = data.find(marker, end)
    return True


_DIGITS = frozenset(b"0123456789")


# Importing orjson costs more than json takes to write a few documents (docs/performance.md):
# worth it for a tree of specs, not for one. The bytes are the same either way.
ORJSON_AFTER = 64  # documents written by json first
_documents = 0


def _orjson() -> Any:
    global _documents
    _documents += 1
    return _load_orjson() if _documents > ORJSON_AFTER else None


def preload() -> None:
    """Use orjson from now on (a run of many specs, before it forks its workers)."""
    global _documents
    _documents = max(_documents, ORJSON_AFTER)
    _load_orjson()


@functools.cache
def _load_orjson() -> Any:
    try:
        import orjson
    except ImportError:  # not installed (PyPy has no wheels): json alone gives the same bytes
        return None
    return orjson
