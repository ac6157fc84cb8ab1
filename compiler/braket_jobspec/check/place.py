"""Where a finding about a value goes: at its key or value, or at the very character that breaks a format."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from braket_jobspec import pointer as ptr
from braket_jobspec.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from braket_jobspec.check.formats import Flaw
    from braket_jobspec.load import Document


# --------------------------------------------------------------------------- placing


def place_at(
    doc: Document,
    pointer: str,
    code: str,
    message: str,
    hint: str = "",
    *,
    key: bool = False,
    severity: Severity = "error",
    flaw: Flaw | None = None,
) -> Diagnostic:
    placed = doc.diagnostic(pointer, code, message, hint, key=key, severity=severity, unplaced=(1, 1))
    span = doc.source_map.key(pointer) if key else doc.source_map.value(pointer)
    if flaw is not None and span is not None and not getattr(span, "file", ""):
        # Narrow the place to the offending character of the value (or key).
        text = ptr.split(pointer)[-1] if key else value_at(doc, pointer)
        if isinstance(text, str):
            found = char_column(doc, span.line, span.col, text, flaw.offset)
            if found is not None:
                return placed._replace(col=found, end_line=placed.line, end_col=found + max(flaw.length, 1))
    return placed


def value_at(doc: Document, pointer: str) -> Any:
    value: Any = doc.data
    for token in ptr.split(pointer):
        if isinstance(value, dict):
            value = value.get(token)
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            return None
    return value


def char_column(doc: Document, line: int, col: int, value: str, offset: int) -> int | None:
    """The column of value[offset] when the value is written on one line, plain or quoted."""
    lines = doc.text.split("\n", line)
    if len(lines) < line:
        return None
    source = lines[line - 1]
    start = col - 1
    if source[start : start + 1] in ("'", '"'):
        start += 1
    prefix = value[:offset]
    if source[start : start + len(prefix)] != prefix:
        return None  # escapes or folding: the text is not the value character for character
    return start + offset + 1


def source_text(doc: Document, pointer: str) -> str | None:
    """The text of a value as written, when it is on one line."""
    span = doc.source_map.values.get(pointer)
    if span is None or not span.end_col or span.end_line != span.line:
        return None
    lines = doc.text.split("\n", span.line)
    if len(lines) < span.line:
        return None
    return lines[span.line - 1][span.col - 1 : span.end_col - 1].strip() or None
