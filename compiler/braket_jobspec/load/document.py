"""The loaded spec (Document) and the bounds every reader keeps.

The readers (yaml.py, toml.py) import this module, never the load/ facade, so that the
facade may import them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from braket_jobspec.diagnostics import Diagnostic, Severity
from braket_jobspec.pointer import SourceMap

Format = Literal["yaml", "toml"]

# A spec is a few kilobytes; the service's own limits keep a valid one far below this.
# The cap also bounds the time a hostile file can cost (the pure-Python YAML parser is
# slow on dense text: docs/performance.md, measured costs).
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
    plain classes, so that the dataclasses module (and inspect) need not be imported at start-up.

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
