"""The one diagnostic type, and how diagnostics are ordered and printed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, NamedTuple

Severity = Literal["error", "warning"]


# The records made at every start are NamedTuples: a frozen dataclass compiles its methods
# when it is created, several times the cost of a NamedTuple (docs/performance.md).
class Diagnostic(NamedTuple):
    """A finding about one place of one file.

    Lines and columns are 1-based; 0 means unknown (the file as a whole).
    The message says what was found and what is expected; the location lives in
    the fields, never in the message. Diagnostics sort by their fields, in order.
    """

    file: str
    line: int
    col: int
    code: str
    message: str
    pointer: str = ""
    severity: Severity = "error"
    hint: str = ""
    end_line: int = 0
    end_col: int = 0

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def location(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.col}"
        return self.file

    def __str__(self) -> str:
        text = f"{self.location()}: {self.code} {self.message}"
        if self.pointer and not self.line:
            text += f" (at {self.pointer})"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def as_dict(self) -> dict[str, object]:
        return self._asdict()


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def ordered(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sort by file and position and drop exact repeats."""
    return sorted(set(diagnostics))
