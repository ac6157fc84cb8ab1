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

from braket_jobspec import files
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
