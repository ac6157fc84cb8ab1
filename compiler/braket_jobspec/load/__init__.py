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

import re
from collections.abc import Callable
from typing import Any, Literal

from braket_jobspec.diagnostics import Diagnostic, Severity
from braket_jobspec.load.toml_positions import locate_toml
from braket_jobspec.pointer import SourceMap

__all__ = ["DEFAULT_MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "Document", "Format", "format_of", "load", "locate_toml"]

Format = Literal["yaml", "toml"]

# A spec is a few kilobytes; the service's own limits keep a valid one far below this.
# The cap also bounds the time a hostile file can cost: the pure-Python YAML parser
# reads about 200 KB/s of dense text.
DEFAULT_MAX_BYTES = 128 * 1024
# Deeper than any spec needs (the schema's deepest value is at depth 3).
MAX_DEPTH = 32
# Keys and values together: a spec at every service limit (100 hyperparameters,
# 20 channels, 50 tags) has under 600.
MAX_NODES = 5000

_BOM = b"\xef\xbb\xbf"


class Document:
    """A loaded spec: plain data, where each part of it stands, and the original scalar text.

    A plain class, not a dataclass: the records made at every start are NamedTuples or
    plain classes, so that the dataclasses module (and inspect, 10 ms) need not be imported.

    A reader may give, for the source map or the number texts, a function that finds them:
    it is called the first time they are read, which for the source map of a valid spec is
    mostly never (no diagnostic to place). The TOML reader does so for both, as tomli keeps
    no positions; the YAML reader for the source map, whose positions it keeps as numbers.
    """

    def __init__(
        self,
        file: str,
        format: Format,
        data: dict[str, Any],
        source_map: SourceMap | Callable[[], SourceMap],
        number_texts: dict[str, str] | Callable[[SourceMap], dict[str, str]] | None = None,
        text: str = "",
        dropped: frozenset[str] = frozenset(),
    ) -> None:
        self.file = file
        self.format = format
        self.data = data
        self._source_map = source_map
        self._number_texts = {} if number_texts is None else number_texts
        # The decoded file, for placing a diagnostic on one character of a value.
        self.text = text
        # Pointers whose values the loader refused (and reported): left out of data.
        self.dropped = dropped

    @property
    def source_map(self) -> SourceMap:
        if not isinstance(self._source_map, SourceMap):
            self._source_map = self._source_map()
        return self._source_map

    @property
    def number_texts(self) -> dict[str, str]:
        """The source text of numeric scalars, by pointer.

        `1.10` loads as 1.1, and only the text can tell the user that the string sent will be "1.1".
        """
        if not isinstance(self._number_texts, dict):
            self._number_texts = self._number_texts(self.source_map)
        return self._number_texts

    def _found(self) -> dict[str, Any]:
        """Every field, with the source map and number texts found."""
        fields = dict(vars(self))
        fields["_source_map"], fields["_number_texts"] = self.source_map, self.number_texts
        return fields

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and isinstance(other, Document) and other._found() == self._found()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __getstate__(self) -> dict[str, Any]:
        return self._found()  # a pickled document carries what was found, not how to find it

    def is_dropped(self, pointer: str) -> bool:
        """True when pointer or one of its ancestors was cut out by the loader."""
        return any(pointer == d or pointer.startswith(d + "/") for d in self.dropped)

    def diagnostic(
        self,
        pointer: str,
        code: str,
        message: str,
        hint: str = "",
        *,
        key: bool = False,
        severity: Severity = "error",
        unplaced: tuple[int, int] = (0, 0),
    ) -> Diagnostic:
        """A diagnostic at the value (or the key) that pointer names, or its nearest placed ancestor."""
        span = self.source_map.key(pointer) if key else self.source_map.value(pointer)
        if span is None:
            return Diagnostic(self.file, *unplaced, code, message, pointer, severity, hint)
        return Diagnostic(
            self.file, span.line, span.col, code, message, pointer, severity, hint, span.end_line, span.end_col
        )


def format_of(name: str) -> Format | None:
    lower = name.lower()
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    if lower.endswith(".toml"):
        return "toml"
    return None


def load(
    raw: bytes, file: str, fmt: Format, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[Document | None, list[Diagnostic]]:
    """Parse raw bytes; return the document (None when nothing usable is left) and the diagnostics.

    Never raises on any input: every problem is a diagnostic, and a None document comes
    with at least one error.
    """
    if len(raw) > max_bytes:
        line, col = _line_col(raw, max_bytes)
        return None, [
            Diagnostic(
                file,
                line,
                col,
                "E101",
                f"the file is {len(raw)} bytes, over the limit of {max_bytes} bytes (passed here)",
                hint="a job spec is a few kilobytes; if this one must be larger, raise the limit with --max-bytes",
            )
        ]
    diags: list[Diagnostic] = []
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [
            Diagnostic(
                file,
                1,
                1,
                "E103",
                "the file is UTF-16 text (it starts with a UTF-16 byte order mark), not UTF-8",
                hint="save the file as UTF-8 (editors call it 'UTF-8' or 'UTF-8 without BOM')",
            )
        ]
    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
        diags.append(
            Diagnostic(
                file,
                1,
                1,
                "W102",
                "byte order mark (BOM) at the start of the file",
                severity="warning",
                hint="save the file as UTF-8 without a BOM; some YAML and TOML tools refuse it",
                end_line=1,
                end_col=2,
            )
        )
    text = _decode(raw, file, diags)
    diags += _line_ending_warnings(text, file)
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


def _decode(raw: bytes, file: str, diags: list[Diagnostic]) -> str:
    """UTF-8 text; bytes that are not UTF-8 are reported once and replaced, so parsing goes on."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw, exc.start)
        bad = raw[exc.start : exc.end]
        text = raw.decode("utf-8", "replace")
        more = text.count("\ufffd") - raw.decode("utf-8", "ignore").count("\ufffd") - 1
        diags.append(
            Diagnostic(
                file,
                line,
                col,
                "E103",
                f"invalid UTF-8: byte 0x{bad[0]:02x} cannot start or continue a character"
                + (f" ({more} more invalid byte sequence{'s' if more != 1 else ''} further on)" if more > 0 else ""),
                hint="spec files must be UTF-8 text; re-save the file as UTF-8 (it may be Latin-1 or binary)",
                end_line=line,
                end_col=col + 1,
            )
        )
        return text


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset."""
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    return line, len(raw[start:offset].decode("utf-8", "replace")) + 1


_LINE_END = re.compile(r"\r\n|\r|\n")


def _line_ending_warnings(text: str, file: str) -> list[Diagnostic]:
    """Mixed line endings (one file, two conventions): the sign of a file pasted together.

    A file with CRLF endings throughout is fine (a Windows checkout) and positions are
    unaffected; a mix makes diffs noisy and multi-line strings differ by platform.
    """
    if "\r" not in text:  # LF throughout (or no line break): the usual file, told without a loop
        return []
    first: str | None = None
    line = 1
    for m in _LINE_END.finditer(text):
        ending = m.group(0)
        if first is None:
            first = ending
        elif ending != first:
            names = {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}
            col = m.start() - text.rfind("\n", 0, m.start())
            return [
                Diagnostic(
                    file,
                    line,
                    col,
                    "W106",
                    f"mixed line endings: this line ends with {names[ending]}, the first line with {names[first]}",
                    severity="warning",
                    hint="convert the file to one convention (LF is usual in repositories)",
                )
            ]
        line += 1
    return []
