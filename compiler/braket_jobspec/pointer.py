"""RFC 6901 JSON pointers, and the side table that maps them to source positions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


def escape(token: str) -> str:
    if "~" in token or "/" in token:  # rare: two searches cost less than two replacements
        return token.replace("~", "~0").replace("/", "~1")
    return token


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join(base: str, *tokens: str | int) -> str:
    """Extend a pointer by reference tokens: join("/a", "b/c") == "/a/b~1c"."""
    if len(tokens) == 1:  # the common case, without a generator
        return f"{base}/{escape(str(tokens[0]))}"
    return base + "".join("/" + escape(str(t)) for t in tokens)


def from_path(path: Iterable[str | int]) -> str:
    return join("", *path)


def split(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [unescape(t) for t in pointer[1:].split("/")]


def parent(pointer: str) -> str:
    return pointer[: pointer.rfind("/")] if pointer else ""


class Span(NamedTuple):  # not a frozen dataclass: see diagnostics.Diagnostic
    """A 1-based region of a file; file is "" for the document's own file, else the one it came from."""

    line: int
    col: int
    end_line: int = 0
    end_col: int = 0
    file: str = ""


class SourceMap:
    """Where each value (and each mapping key) of a loaded document stands.

    A plain class, not a dataclass: see loader.Document.
    """

    def __init__(self, values: dict[str, Span] | None = None, keys: dict[str, Span] | None = None) -> None:
        self.values: dict[str, Span] = {} if values is None else values
        self.keys: dict[str, Span] = {} if keys is None else keys

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (self.values, self.keys) == (other.values, other.keys)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def value(self, pointer: str) -> Span | None:
        """The span of the value at pointer, or of its nearest located ancestor."""
        while True:
            span = self.values.get(pointer)
            if span is not None or not pointer:
                return span
            pointer = parent(pointer)

    def key(self, pointer: str) -> Span | None:
        """The span of the key naming pointer, else of the value (or an ancestor)."""
        return self.keys.get(pointer) or self.value(pointer)
