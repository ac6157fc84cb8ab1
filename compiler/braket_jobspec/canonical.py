"""Canonical JSON: the bytes reviewers read, and the text digests are taken of.

Both are json.dumps's output with keys sorted and UTF-8 text: indented for the outputs,
compact for digests. orjson, where it is installed, writes the same bytes about ten times
faster (json indents in pure Python). Floats are where the two differ (1e-05 against
0.00001): a text of orjson's with a number token that has a fraction or an exponent is
written again by json, as is whatever orjson refuses. Values never hold NaN or infinity
(the loaders refuse them); json would refuse them too, orjson would write null.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
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
            if not _INDENTED_FLOAT.search(data):
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
            if not _COMPACT_FLOAT.search(data):
                return hashlib.sha256(data).hexdigest()
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# A number token with a fraction or an exponent: every float orjson writes has one. A
# token starts a value: after `: ` or an indent (each array item has its own line) in the
# indented form, first or after `:`, `,` or `[` in the compact one; strings never hold a raw line
# break, so a match inside a string is only ever a false alarm, answered by json.
_INDENTED_FLOAT = re.compile(rb"(?:: |^ *)-?[0-9]+(?:\.|[eE])", re.M)
_COMPACT_FLOAT = re.compile(rb"(?:^|[:,\[])-?[0-9]+(?:\.|[eE])")


@functools.cache
def _orjson() -> Any:
    try:
        import orjson
    except ImportError:  # not installed (PyPy has no wheels): json alone gives the same bytes
        return None
    return orjson
