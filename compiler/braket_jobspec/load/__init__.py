"""Load a spec file (YAML 1.2 or TOML) into JSON-native data plus a SourceMap.

The loader is strict on purpose: a spec is configuration reviewed in pull requests, so
every construct that could change meaning silently (anchors, tags, YAML 1.1 directives,
duplicate or non-string keys, dates, NaN) is refused with a positioned diagnostic.

It is also the part of the compiler that meets hostile files first, so it is bounded:
a size cap, a cap on the number of values, a nesting limit, and no alias is ever
expanded. Where a refused construct can be cut out (an anchored value, a date, a tag),
the rest of the file is still loaded, so that its other errors are reported too; the
pointers cut out are kept in Document.dropped, and later stages stay silent about them.
"""

from __future__ import annotations

import os
from typing import Any

from braket_jobspec import files
from braket_jobspec import pointer as ptr
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.load.document import DEFAULT_MAX_BYTES, MAX_DEPTH, MAX_NODES, Document, Format
from braket_jobspec.load.text import decode
from braket_jobspec.load.toml_positions import locate_toml

__all__ = ["DEFAULT_MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "Document", "Format", "format_of", "load", "locate_toml"]


def format_of(name: str) -> Format | None:
    lower = name.lower()
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    if lower.endswith(".toml"):
        return "toml"
    return None


def load(
    raw: bytes, file: str, fmt: Format, max_bytes: int = DEFAULT_MAX_BYTES, size: int | None = None
) -> tuple[Document | None, list[Diagnostic]]:
    """Parse raw bytes; return the document (None when nothing usable is left) and the diagnostics.

    Never raises on any input: every problem is a diagnostic, and a None document comes
    with at least one error. size: the file's, when raw is only its head (files.TooLarge).
    """
    text, diags = decode(raw, file, max_bytes, size)
    if text is None:
        return None, diags
    if fmt == "yaml":
        from braket_jobspec.load.yaml import read_yaml

        doc, more = read_yaml(text, file)
        if doc is not None and ("\\u" in text or "\\U" in text):  # only an escape makes a lone surrogate
            more += _surrogates(doc)
    else:
        from braket_jobspec.load.toml import read_toml

        doc, more = read_toml(text, file)
    diags += more
    if doc is not None and any(d.is_error for d in diags) and not doc.data:
        doc = None
    return doc, diags


def read(path: str | os.PathLike[str], max_bytes: int) -> tuple[bytes, int | None]:
    """A spec file's bytes for load(), and its size when only its head was read (over max_bytes).

    OSError when it cannot be read: missing, unreadable, or not a regular file.
    """
    try:
        return files.read(path, max_bytes), None
    except files.TooLarge as big:
        return big.head, big.size


def _surrogates(doc: Document) -> list[Diagnostic]:
    """Strings holding a lone surrogate (a YAML escape such as "\\ud800"): UTF-8 cannot carry one.

    Each is reported where it stands and cut out of the data, as the readers do with what
    they refuse, so that no later stage meets a string it cannot encode.
    """
    found: list[tuple[str, Any, Any]] = []  # (pointer, container, key)
    stack: list[tuple[str, Any]] = [("", doc.data)]
    while stack:
        here, node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            pointer = ptr.join(here, key)
            if any(_is_surrogate(s) for s in (key, value) if isinstance(s, str)):
                found.append((pointer, node, key))
            elif isinstance(value, (dict, list)):
                stack.append((pointer, value))
    diags = []
    # Deepest first, and a list's items from the last: no deletion moves what is still to go.
    for pointer, container, key in sorted(
        found, key=lambda f: (f[0].count("/"), f[2] if isinstance(f[2], int) else 0), reverse=True
    ):
        diags.append(
            doc.diagnostic(
                pointer,
                "E124",
                "a lone surrogate (an escape such as \\ud800 on its own): no UTF-8 text can hold it",
                "write the character itself, or its escape of eight hex digits (\\U0001F600)",
                key=isinstance(key, str) and _is_surrogate(key),
            )
        )
        del container[key]
    doc.dropped = doc.dropped | {p for p, _, _ in found}
    return diags[::-1]


def _is_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)
