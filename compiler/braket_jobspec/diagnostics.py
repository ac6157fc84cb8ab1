"""The one diagnostic type, and how diagnostics are ordered and printed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, NamedTuple

Severity = Literal["error", "warning"]


# The records made at every start are NamedTuples: a frozen dataclass costs 1 to 2 ms to
# create (it compiles its methods), a NamedTuple a fifth of that.
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


# A short title per code, for SARIF rules and the docs (docs/diagnostics.md has one section
# per code, with its meaning and a bad and a fixed example).
TITLES: dict[str, str] = {
    "E101": "file over the size limit",
    "W102": "byte order mark",
    "E103": "not UTF-8 text",
    "E104": "unknown spec format",
    "E105": "spec file cannot be read",
    "W106": "mixed line endings",
    "E110": "YAML directive",
    "E111": "invalid YAML",
    "E112": "several YAML documents",
    "E113": "empty file",
    "E114": "document is not a mapping",
    "E115": "anchor, alias or merge key",
    "E116": "key that is not a string",
    "E117": "duplicate key",
    "E118": "nesting too deep",
    "E119": "date or time where a string is meant",
    "E120": "number JSON cannot carry",
    "E121": "YAML tag",
    "E122": "tab in indentation",
    "E123": "too many keys and values",
    "E130": "invalid TOML",
    "E201": "unknown key",
    "E202": "missing required key",
    "E203": "wrong type",
    "E204": "value not allowed",
    "E205": "value not in the required format",
    "E206": "value out of bounds",
    "E207": "reserved tag prefix",
    "E301": "invalid project config",
    "E302": "unknown or wrong key in the project config",
    "E303": "invalid context value",
    "E304": "no region",
    "E305": "no default bucket",
    "E306": "no role",
    "E307": "unknown environment",
    "E401": "path not found",
    "E402": "path outside the repository",
    "E403": "not a device ARN",
    "E404": "unknown image or framework",
    "E405": "image not published in the region",
    "E406": "S3 source without entry point",
    "E407": "S3 source is not a .tar.gz archive",
    "E408": "source cannot be archived",
    "E409": "entry point not found",
    "E410": "not an S3 URI",
    "E411": "input symlink out of its folder",
    "E412": "empty input folder",
    "E413": "S3 location the SDK cannot address",
    "W401": "number sent differently than written",
    "W402": "value looks like an AWS credential",
    "E501": "request breaks a CreateJob constraint",
    "E801": "compiled output missing",
    "E802": "compiled output stale",
    "E803": "compiled output without a spec",
}


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)


def ordered(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sort by file and position and drop exact repeats."""
    return sorted(set(diagnostics))
