"""Where each key and value of a valid TOML file stands (tomli keeps no positions).

A small scanner over the TOML grammar, run only on text that tomli has accepted, so it
can trust the structure: table headers, arrays of tables, dotted and quoted keys,
inline tables and arrays (nested, over several lines, with comments), and the four
kinds of strings. Each key gets the span of its name and each value the span of its
text, as the YAML loader records them, so that a diagnostic about a TOML spec points
at the line and column of the offending key or value.
"""

from __future__ import annotations

import bisect
import contextlib

from braket_jobspec import pointer as ptr
from braket_jobspec.pointer import SourceMap, Span

_BARE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
_BARE = frozenset(_BARE_CHARS)
_SPACE = " \t"
_BLANK = frozenset(" \t\n\r")
_SCALAR_END = frozenset(",]}#\n\r")


def locate_toml(text: str) -> SourceMap:
    """Best-effort positions of keys and values, by JSON pointer."""
    scanner = _Scanner(text)
    with contextlib.suppress(_Stop):
        scanner.document()
    return scanner.smap


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.smap = SourceMap()
        self.smap.values[""] = Span(1, 1)
        self.lines = [0]  # the offset where each line starts
        end = text.find("\n")
        while end >= 0:
            self.lines.append(end + 1)
            end = text.find("\n", end + 1)
        self.array_tables: dict[str, int] = {}

    # -- positions -----------------------------------------------------------------

    def span(self, start: int, end: int) -> Span:
        line, col = self.line_col(start)
        end_line, end_col = self.line_col(end)
        return Span(line, col, end_line, end_col)

    def line_col(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self.lines, offset) - 1
        return index + 1, offset - self.lines[index] + 1

    # -- lexing ----------------------------------------------------------------------

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _SPACE:
            self.pos += 1

    def skip_comment(self) -> None:
        if self.peek() == "#":
            end = self.text.find("\n", self.pos)
            self.pos = len(self.text) if end < 0 else end

    def skip_blank(self) -> None:
        """Spaces, newlines and comments (inside arrays and, in TOML 1.1, inline tables)."""
        text, pos = self.text, self.pos
        while pos < len(text):
            char = text[pos]
            if char in _BLANK:
                pos += 1
            elif char == "#":
                end = text.find("\n", pos)
                pos = len(text) if end < 0 else end
            else:
                break
        self.pos = pos

    # -- grammar ---------------------------------------------------------------------

    def document(self) -> None:
        table: list[str] = []
        table_pointer = ""
        while self.pos < len(self.text):
            self.skip_blank()
            if self.pos >= len(self.text):
                return
            before = self.pos
            if self.text.startswith("[[", before):
                table = self.header(2)
                table_pointer = ptr.from_path(table)
            elif self.text.startswith("[", before):
                table = self.header(1)
                table_pointer = ptr.from_path(table)
            elif not self.simple_line(table_pointer):
                self.keyval(table)
            self.skip_space()
            self.skip_comment()
            if self.pos == before:
                raise _Stop

    def simple_line(self, table: str) -> bool:
        """`bare_key = value`, the value a one-line string without escapes or a scalar: most lines of a spec.

        Placed here, as keyval would place it, with a few searches of the line instead of a
        step per character; False (and nothing done) for any other line.
        """
        text, start = self.text, self.pos
        eol = text.find("\n", start)
        if eol < 0:
            eol = len(text)
        key, equals, rest = text[start:eol].partition("=")
        name = key.rstrip(_SPACE)
        if not equals or not name or name.strip(_BARE_CHARS):
            return False  # no key, or a dotted, quoted or odd one
        written = rest.lstrip(_SPACE)
        value = eol - len(written)
        char = written[:1]
        if char == '"' or char == "'":
            close = written.find(char, 1)
            if close < 0 or written.startswith(char * 3) or (char == '"' and "\\" in written[:close]):
                return False  # a multi-line string, or escapes: keyval reads them
            end = value + close + 1
            tail = written[close + 1 :].lstrip(_SPACE)
        elif char == "[" or char == "{":
            return False
        else:  # a scalar ends where a comment starts, or at a CR; ",]}" would end it in an array
            scalar = written.partition("#")[0].partition("\r")[0]
            if "," in scalar or "]" in scalar or "}" in scalar:
                return False
            end = value + len(scalar.rstrip(_SPACE))
            tail = written[len(scalar) :]
        if tail and tail[0] != "#" and tail[0] != "\r":
            return False  # more on the line
        # What keyval leaves, and the document loop's skip_space and skip_comment after it.
        self.pos = eol if tail[:1] == "#" else eol - len(tail)
        line = bisect.bisect_right(self.lines, start)
        offset = self.lines[line - 1] - 1  # column = offset in the text - offset
        here = f"{table}/{name}"  # a bare key has nothing to escape
        self.smap.keys[here] = Span(line, start - offset, line, start + len(name) - offset)
        self.smap.values[here] = Span(line, value - offset, line, end - offset)
        return True

    def header(self, brackets: int) -> list[str]:
        self.pos += brackets
        self.skip_space()
        start = self.pos
        tokens = self.key()
        end = self.pos
        self.skip_space()
        self.pos += brackets
        # A header names its table from the top, and a name that is an array of tables
        # means the array's last element so far: [[a]] then [a.b] is /a/<last>/b.
        resolved: list[str] = []
        for i, token in enumerate(tokens):
            resolved.append(token)
            count = self.array_tables.get(ptr.from_path(resolved))
            if count is not None and i < len(tokens) - 1:
                resolved.append(str(count - 1))
        if brackets == 2:
            base = ptr.from_path(resolved)
            index = self.array_tables.get(base, 0)
            self.array_tables[base] = index + 1
            resolved.append(str(index))
        tokens = resolved
        span = self.span(start, end)
        for depth in range(1, len(tokens) + 1):
            # [a.b] also defines the table a, if nothing did before: place it at the header.
            self.smap.keys.setdefault(ptr.from_path(tokens[:depth]), span)
            self.smap.values.setdefault(ptr.from_path(tokens[:depth]), span)
        return tokens

    def key(self) -> list[str]:
        """A dotted key; positions of its parts are recorded by the caller."""
        tokens = [self.simple_key()]
        while True:
            save = self.pos
            self.skip_space()
            if self.peek() == ".":
                self.pos += 1
                self.skip_space()
                tokens.append(self.simple_key())
            else:
                self.pos = save
                return tokens

    def simple_key(self) -> str:
        char = self.peek()
        if char == '"' or char == "'":
            start = self.pos
            self.string()
            return _decode_string(self.text[start : self.pos])
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in _BARE:
            self.pos += 1
        if self.pos == start:
            raise _Stop
        return self.text[start : self.pos]

    def keyval(self, table: list[str]) -> None:
        start = self.pos
        tokens = self.key()
        key_end = self.pos
        here = ptr.from_path([*table, *tokens])
        for depth in range(1, len(tokens)):
            # `a.b = 1` also defines the table a: place it at the key.
            parent = ptr.from_path([*table, *tokens[:depth]])
            self.smap.keys.setdefault(parent, self.span(start, key_end))
            self.smap.values.setdefault(parent, self.span(start, key_end))
        self.smap.keys[here] = self.span(start, key_end)
        self.skip_space()
        if self.peek() != "=":
            raise _Stop
        self.pos += 1
        self.skip_space()
        self.value(here)

    def value(self, here: str) -> None:
        start = self.pos
        char = self.peek()
        if char in ('"', "'"):
            self.string()
        elif char == "[":
            self.array(here)
        elif char == "{":
            self.inline_table(here)
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in _SCALAR_END:
                self.pos += 1
            end = self.pos
            while end > start and self.text[end - 1] in _SPACE:
                end -= 1
            self.smap.values[here] = self.span(start, end)
            return
        self.smap.values[here] = self.span(start, self.pos)

    def string(self) -> None:
        quote = self.peek()
        if self.peek(3) == quote * 3:
            self.pos += 3
            while self.pos < len(self.text):
                if quote == '"' and self.text[self.pos] == "\\":
                    self.pos += 2
                    continue
                if self.peek(3) == quote * 3:
                    self.pos += 3
                    # Up to two quotes may end the content right before the delimiter.
                    for _ in range(2):
                        if self.peek() == quote:
                            self.pos += 1
                    return
                self.pos += 1
            return
        self.pos += 1
        while self.pos < len(self.text) and self.text[self.pos] != quote:
            if quote == '"' and self.text[self.pos] == "\\":
                self.pos += 1
            self.pos += 1
        self.pos += 1

    def array(self, here: str) -> None:
        self.pos += 1
        index = 0
        while True:
            self.skip_blank()
            if self.peek() == "]" or not self.peek():
                self.pos += 1
                return
            before = self.pos
            self.value(ptr.join(here, index))
            if self.pos == before:
                raise _Stop
            index += 1
            self.skip_blank()
            if self.peek() == ",":
                self.pos += 1

    def inline_table(self, here: str) -> None:
        self.pos += 1
        while True:
            self.skip_blank()
            if self.peek() == "}" or not self.peek():
                self.pos += 1
                return
            start = self.pos
            tokens = self.key()
            key_end = self.pos
            sub = ptr.join(here, *tokens)
            for depth in range(1, len(tokens)):
                parent = ptr.join(here, *tokens[:depth])
                self.smap.keys.setdefault(parent, self.span(start, key_end))
                self.smap.values.setdefault(parent, self.span(start, key_end))
            self.smap.keys[sub] = self.span(start, key_end)
            self.skip_space()
            if self.peek() != "=":
                raise _Stop
            self.pos += 1
            self.skip_space()
            self.value(sub)
            self.skip_blank()
            if self.peek() == ",":
                self.pos += 1


class _Stop(Exception):
    """The text is not what the scanner understands: keep the positions found so far."""


def _decode_string(token: str) -> str:
    """The value of a quoted key, decoded by tomli itself (escapes are TOML's, not Python's)."""
    if "\\" not in token and len(token) >= 2 and token[-1] == token[0] and token.count(token[0]) == 2:
        return token[1:-1]  # two quotes and no escape: the text between them is the key
    import tomli

    try:
        return str(tomli.loads(f"k = {token}")["k"])
    except tomli.TOMLDecodeError:
        return token.strip("\"'")
