"""Spec bytes to text: the size cap, byte order marks, UTF-8, and mixed line endings."""

from __future__ import annotations

import re

from braket_jobspec.diagnostics import Diagnostic

_BOM = b"\xef\xbb\xbf"


def _wide_encoding(raw: bytes) -> str | None:
    """UTF-32 or UTF-16, by the byte order mark (UTF-32 LE's starts with UTF-16 LE's: tested first)."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    return None


def decode(raw: bytes, file: str, max_bytes: int, size: int | None = None) -> tuple[str | None, list[Diagnostic]]:
    """The file's text (None when it cannot be read as a spec at all) and what was found on the way.

    size: the whole file's, when raw is only its head (files.TooLarge).
    """
    if len(raw) > max_bytes:
        line, col = line_col(raw, max_bytes)
        return None, [
            Diagnostic(
                file,
                line,
                col,
                "E101",
                f"the file is {size or len(raw)} bytes, over the limit of {max_bytes} bytes (passed here)",
                hint="a job spec is a few kilobytes; if this one must be larger, raise the limit with --max-bytes",
            )
        ]
    diags: list[Diagnostic] = []
    wide = _wide_encoding(raw)
    if wide is not None:
        return None, [
            Diagnostic(
                file,
                1,
                1,
                "E103",
                f"the file is {wide} text (it starts with a {wide} byte order mark), not UTF-8",
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
    return text, diags


def _decode(raw: bytes, file: str, diags: list[Diagnostic]) -> str:
    """UTF-8 text; bytes that are not UTF-8 are reported once and replaced, so parsing goes on."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = line_col(raw, exc.start)
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


def line_col(raw: bytes, offset: int) -> tuple[int, int]:
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
