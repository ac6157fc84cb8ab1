"""TOML text to plain data: tomli parses, toml_positions places, and values JSON cannot carry are cut out."""

from __future__ import annotations

import datetime
import functools
import math
import re
from collections.abc import Callable
from typing import Any

from braket_jobspec import pointer as ptr
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.load.document import MAX_DEPTH, MAX_NODES, Document
from braket_jobspec.load.toml_positions import locate_toml
from braket_jobspec.pointer import SourceMap

_YAMLISH_LINE = re.compile(r"^[A-Za-z_][\w-]*:(\s|$)", re.M)

# Python refuses to convert longer digit strings (sys.get_int_max_str_digits()).
_MAX_INT_DIGITS = 4300


def read_toml(text: str, file: str) -> tuple[Document | None, list[Diagnostic]]:
    import tomli

    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        return None, [_syntax_error(exc, text, file)]
    except RecursionError:
        return None, [
            Diagnostic(
                file,
                1,
                1,
                "E118",
                "nesting is too deep for a TOML reader",
                hint="a spec is at most three levels deep; this is not a job spec",
            )
        ]
    except ValueError as exc:  # an integer with more digits than Python converts, mostly
        return None, [_value_error(exc, text, file)]
    if not data:
        return None, [
            Diagnostic(
                file,
                1,
                1,
                "E113",
                "no spec in the file: it is empty or has only comments",
                hint='a spec needs at least `device = "..."` and `source_module = "..."`; see specs/ for examples',
            )
        ]
    numbers = _numbers_if_plain(data)
    if numbers is not None:
        # Nothing to report: positions are found when something asks for them (a later
        # diagnostic, explain), and so are the texts of the numbers, if there are any
        # (request reads them for each hyperparameter).
        located = functools.partial(locate_toml, text)
        texts: dict[str, str] | Callable[[SourceMap], dict[str, str]] = {}
        if numbers:
            texts = functools.partial(_number_texts, text, numbers)
        return Document(file, "toml", data, located, texts, text), []
    smap = locate_toml(text)
    diags: list[Diagnostic] = []
    dropped: set[str] = set()
    number_texts: dict[str, str] = {}
    _check_values(data, file, smap, text, diags, dropped, number_texts)
    if any(d.code == "E123" for d in diags):
        return None, diags
    return Document(file, "toml", data, smap, number_texts, text, frozenset(dropped)), diags


# A run of digits (with TOML's underscores) longer than Python turns into an int.
_LONG_NUMBER = re.compile(rf"[-+]?(?:0[xob])?[0-9A-Fa-f](?:_?[0-9A-Fa-f]){{{_MAX_INT_DIGITS},}}")


def _value_error(exc: ValueError, text: str, file: str) -> Diagnostic:
    """A value tomli could read but Python cannot hold: placed at the value, in TOML's words."""
    long = _LONG_NUMBER.search(text)
    if long is None:
        return Diagnostic(file, 1, 1, "E130", f"invalid TOML: {exc}", hint="check the numbers in the file")
    line = text.count("\n", 0, long.start()) + 1
    col = long.start() - text.rfind("\n", 0, long.start())
    digits = sum(c.isalnum() for c in long.group(0))
    return Diagnostic(
        file,
        line,
        col,
        "E120",
        f"an integer of {digits} digits: no number in a spec is this long",
        hint="quote it to send it as a string, or shorten it",
        end_line=line,
        end_col=col + len(long.group(0)),
    )


def _syntax_error(exc: Any, text: str, file: str) -> Diagnostic:
    msg = str(exc.msg)
    message = f"invalid TOML: {msg[:1].lower()}{msg[1:]}"
    hint = ""
    if _YAMLISH_LINE.search(text):
        hint = "this looks like YAML: name the file .yaml"
    elif "overwrite" in msg or "twice" in msg:
        hint = "each key and table is defined once in TOML; remove or merge the repeated one"
    elif "Invalid value" in msg or "Invalid initial character" in msg:
        hint = 'TOML strings are quoted: key = "value"'
    elif "Unclosed" in msg or "unclosed" in msg:
        hint = "a quoted string, an array or an inline table is not closed"
    line, col = exc.lineno, exc.colno
    if "overwrite" in msg or "twice" in msg:
        # tomli points past the repeated key or table: point at it instead.
        source = text.split("\n")[line - 1] if 0 < line <= text.count("\n") + 1 else ""
        col = len(source) - len(source.lstrip()) + 1
        message += " (a key or table is defined twice)"
    return Diagnostic(file, line, col, "E130", message, hint=hint)


def _numbers_if_plain(data: dict[str, Any]) -> list[tuple[str | int, ...]] | None:
    """The paths of the numbers in data, in document order; None when _check_values has something to say.

    The same walk as _check_values, without pointers or positions: on a file it finds
    nothing in, it is all the loader does, and the positions of the numbers are looked up
    only when their texts are asked for.
    """
    numbers: list[tuple[str | int, ...]] = []
    nodes = 0
    todo: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while todo:
        value, path = todo.pop()
        nodes += 1
        kind = type(value)
        if nodes > MAX_NODES or len(path) > MAX_DEPTH:
            return None
        if kind is str or kind is bool:
            continue
        if kind is dict:
            todo.extend((v, (*path, k)) for k, v in reversed(value.items()))
        elif kind is list:
            todo.extend((v, (*path, i)) for i, v in reversed(list(enumerate(value))))
        elif kind is int or (kind is float and math.isfinite(value)):
            numbers.append(path)
        else:  # a date or time, NaN or infinity (or a type tomli does not make): reported there
            return None
    return numbers


def _number_texts(text: str, numbers: list[tuple[str | int, ...]], smap: SourceMap) -> dict[str, str]:
    """The source text of the numbers that _numbers_if_plain found, placed by smap."""
    lines = text.split("\n")
    number_texts: dict[str, str] = {}
    for path in numbers:
        pointer = ptr.from_path(path)
        source = _source(lines, smap, pointer)
        if source is not None:
            number_texts[pointer] = source
    return number_texts


def _check_values(
    data: dict[str, Any],
    file: str,
    smap: SourceMap,
    text: str,
    diags: list[Diagnostic],
    dropped: set[str],
    number_texts: dict[str, str],
) -> None:
    """Cut out (and report) what JSON cannot carry; walk without recursion, counting values."""

    def error(pointer: str, code: str, message: str, hint: str) -> None:
        span = smap.value(pointer)
        line, col, end_line, end_col = (span.line, span.col, span.end_line, span.end_col) if span else (1, 1, 0, 0)
        diags.append(Diagnostic(file, line, col, code, message, pointer, hint=hint, end_line=end_line, end_col=end_col))

    lines = text.split("\n")
    nodes = 0
    todo: list[tuple[Any, str, Any, int]] = [(data, "", None, 0)]
    while todo:
        value, pointer, parent, depth = todo.pop()
        nodes += 1
        if nodes > MAX_NODES:
            error(
                pointer,
                "E123",
                f"more than {MAX_NODES} keys and values; a spec has a few dozen",
                "this is not a job spec",
            )
            return
        refused = False
        if depth > MAX_DEPTH:
            error(
                pointer,
                "E118",
                f"nesting is too deep: more than {MAX_DEPTH} levels",
                "a spec is at most three levels deep; this is not a job spec",
            )
            refused = True
        elif isinstance(value, dict):
            todo.extend((v, ptr.join(pointer, k), value, depth + 1) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            todo.extend((v, ptr.join(pointer, i), value, depth + 1) for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, (datetime.date, datetime.time)):
            shown = value.isoformat()
            error(pointer, "E119", f"{shown!r} is read as a date or time, not a string", f'quote it: "{shown}"')
            refused = True
        elif isinstance(value, float) and not math.isfinite(value):
            written = _source(lines, smap, pointer) or str(value)
            error(
                pointer,
                "E120",
                f"{written!r} is not a finite number",
                f'JSON has no NaN or infinity; quote it if you mean the string: "{written}"',
            )
            refused = True
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            source = _source(lines, smap, pointer)
            if source is not None:
                number_texts[pointer] = source
        if refused:
            dropped.add(pointer)
            if isinstance(parent, dict):
                del parent[ptr.split(pointer)[-1]]
            elif isinstance(parent, list):
                parent[int(ptr.split(pointer)[-1])] = None


def _source(lines: list[str], smap: SourceMap, pointer: str) -> str | None:
    """The text of a one-line value, as written (lines: the file's, split at "\\n")."""
    span = smap.values.get(pointer)
    if span is None or span.end_line != span.line or not span.end_col or span.line > len(lines):
        return None
    return lines[span.line - 1][span.col - 1 : span.end_col - 1] or None
