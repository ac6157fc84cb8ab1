"""Load a spec file (YAML 1.2 or TOML) into JSON-native data plus a SourceMap.

The loader is strict on purpose: a spec is configuration reviewed in pull requests, so
every construct that could change meaning silently (anchors, tags, YAML 1.1 directives,
duplicate or non-string keys, dates, NaN) is refused with a positioned diagnostic.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
from typing import TYPE_CHECKING, Any, Literal

from . import pointer as ptr
from .diagnostics import Diagnostic
from .pointer import SourceMap, Span

if TYPE_CHECKING:
    from ruamel.yaml.nodes import Node

Format = Literal["yaml", "toml"]

DEFAULT_MAX_BYTES = 1 << 20
MAX_DEPTH = 32

_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null")}
_YAMLISH_LINE = re.compile(r"^[A-Za-z_][\w-]*:(\s|$)", re.M)
_TOMLISH_LINE = re.compile(r"^\s*(\[[\w.\"' -]+\]|[A-Za-z_][\w.-]*\s*=)", re.M)


@dataclasses.dataclass
class Document:
    """A loaded spec: plain data, where each part of it stands, and the original scalar text."""

    file: str
    format: Format
    data: dict[str, Any]
    source_map: SourceMap
    # The source text of numeric scalars, by pointer: `1.10` loads as 1.1, and only the
    # text can tell the user that the string sent will be "1.1".
    number_texts: dict[str, str] = dataclasses.field(default_factory=dict)


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
    """Parse raw bytes; return the document, or None with at least one error."""
    if len(raw) > max_bytes:
        return None, [
            Diagnostic(
                file,
                0,
                0,
                "E101",
                f"file is {len(raw)} bytes, over the limit of {max_bytes} bytes",
                hint="a job spec is small; raise the limit with --max-bytes if this one must be large",
            )
        ]
    diags: list[Diagnostic] = []
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        diags.append(
            Diagnostic(
                file,
                1,
                1,
                "W102",
                "byte order mark at the start of the file",
                severity="warning",
                hint="save the file as UTF-8 without a BOM",
            )
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw, exc.start)
        return None, [
            *diags,
            Diagnostic(
                file,
                line,
                col,
                "E103",
                f"invalid UTF-8 (byte 0x{raw[exc.start]:02x})",
                hint="spec files must be UTF-8 text",
            ),
        ]
    if "\x00" in text:
        line, col = _line_col(raw, raw.index(b"\x00"))
        return None, [
            *diags,
            Diagnostic(file, line, col, "E103", "NUL character in the file", hint="spec files must be text"),
        ]
    loaded = _load_yaml(text, file) if fmt == "yaml" else _load_toml(text, file)
    doc, more = loaded
    return doc, diags + more


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    return line, len(raw[start:offset].decode("utf-8", "replace")) + 1


# --------------------------------------------------------------------------- YAML


def _load_yaml(text: str, file: str) -> tuple[Document | None, list[Diagnostic]]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    diags: list[Diagnostic] = []
    for m in re.finditer(r"^%(\S*)", text, re.M):
        line = text.count("\n", 0, m.start()) + 1
        what = "%YAML 1.1 directive" if m.group(1) == "YAML" else f"%{m.group(1)} directive"
        diags.append(
            Diagnostic(
                file,
                line,
                1,
                "E110",
                f"{what} is not allowed",
                hint="specs are YAML 1.2; a directive can switch parsing rules (`on` -> true); remove it",
            )
        )
    if diags:
        return None, diags
    yaml = YAML(typ="safe", pure=True)
    try:
        node = yaml.compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        if "expected a single document" in str(exc.context) or "another document" in str(exc.problem):
            return None, [
                Diagnostic(
                    file,
                    line,
                    col,
                    "E112",
                    "more than one YAML document in the file",
                    hint="a spec is one document: remove the `---` separator and what follows",
                )
            ]
        hint = "indent with spaces, never tabs" if "\t" in problem or "tab" in problem else ""
        return None, [Diagnostic(file, line, col, "E111", f"invalid YAML: {problem}", hint=hint)]
    except YAMLError as exc:
        return None, [Diagnostic(file, 0, 0, "E111", f"invalid YAML: {exc}")]
    except RecursionError:
        return None, [Diagnostic(file, 0, 0, "E118", f"nesting is too deep (more than {MAX_DEPTH} levels)")]
    if node is None:
        return None, [
            Diagnostic(
                file,
                0,
                0,
                "E113",
                "the file is empty; expected a mapping of spec fields",
                hint="start from `jobspec init`, or see specs/ for examples",
            )
        ]
    builder = _YamlBuilder(file, yaml)
    data = builder.build(node, "", 0)
    if builder.diags:
        return None, builder.diags
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single {_kind(data)}"
        hint = (
            "this looks like TOML: name the file .toml"
            if _TOMLISH_LINE.search(text)
            else "write `field: value` lines, e.g. `device: arn:aws:braket:::device/quantum-simulator/amazon/sv1`"
        )
        return None, [
            Diagnostic(file, 1, 1, "E114", f"the document is {kind}; expected a mapping of spec fields", hint=hint)
        ]
    return Document(file, "yaml", data, builder.source_map, builder.number_texts), []


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "string"


class _YamlBuilder:
    """Turn a composed node graph into plain data, refusing what a spec must not contain."""

    def __init__(self, file: str, yaml: Any) -> None:
        self.file = file
        self.yaml = yaml
        self.diags: list[Diagnostic] = []
        self.source_map = SourceMap()
        self.number_texts: dict[str, str] = {}
        self._anchored: set[int] = set()

    def _error(self, node: Node, code: str, message: str, pointer: str, hint: str = "") -> None:
        m = node.start_mark
        e = node.end_mark
        self.diags.append(
            Diagnostic(
                self.file,
                m.line + 1,
                m.column + 1,
                code,
                message,
                pointer,
                hint=hint,
                end_line=e.line + 1,
                end_col=e.column + 1,
            )
        )

    def build(self, node: Node, pointer: str, depth: int) -> Any:
        from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

        start, end = node.start_mark, node.end_mark
        self.source_map.values[pointer] = Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)
        if node.anchor is not None:
            # An anchor on a node is the only way to alias it; refusing anchors refuses
            # aliases, merge keys and alias bombs alike, before anything is expanded.
            if id(node) in self._anchored:
                self._error(
                    node, "E115", f"alias *{node.anchor} is not allowed", pointer, "write the value out in full"
                )
            else:
                self._anchored.add(id(node))
                self._error(
                    node,
                    "E115",
                    f"anchor &{node.anchor} is not allowed",
                    pointer,
                    "anchors and aliases hide what a field is set to; write values out in full",
                )
            return None
        if depth > MAX_DEPTH:
            self._error(node, "E118", f"nesting is too deep (more than {MAX_DEPTH} levels)", pointer)
            return None
        if isinstance(node, MappingNode):
            if node.tag != _YAML + "map":
                return self._bad_tag(node, pointer)
            return self._mapping(node, pointer, depth)
        if isinstance(node, SequenceNode):
            if node.tag != _YAML + "seq":
                return self._bad_tag(node, pointer)
            return [self.build(item, ptr.join(pointer, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node, pointer)

    def _mapping(self, node: Any, pointer: str, depth: int) -> dict[str, Any]:
        from ruamel.yaml.nodes import ScalarNode

        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _YAML + "merge":
                self._error(
                    key_node, "E115", "merge key `<<` is not allowed", pointer, "write the merged fields out in full"
                )
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != _YAML + "str":
                text = key_node.value if isinstance(key_node, ScalarNode) else "a collection"
                self._error(
                    key_node,
                    "E116",
                    f"key {text!r} is not a string",
                    pointer,
                    f'quote it: "{text}"' if isinstance(key_node, ScalarNode) else "keys must be plain strings",
                )
                continue
            key = key_node.value
            child = ptr.join(pointer, key)
            km, ke = key_node.start_mark, key_node.end_mark
            if key in out or key in first_seen:
                self._error(
                    key_node,
                    "E117",
                    f"duplicate key {key!r} (first defined on line {first_seen[key]})",
                    child,
                    "remove one of the two; YAML parsers disagree on which one wins",
                )
                continue
            first_seen[key] = km.line + 1
            self.source_map.keys[child] = Span(km.line + 1, km.column + 1, ke.line + 1, ke.column + 1)
            out[key] = self.build(value_node, child, depth + 1)
        return out

    def _scalar(self, node: Any, pointer: str) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            if tag == _YAML + "timestamp":
                self._error(
                    node,
                    "E119",
                    f"{node.value!r} is read as a date",
                    pointer,
                    f'quote it to keep it a string: "{node.value}"',
                )
                return None
            return self._bad_tag(node, pointer)
        if tag == _YAML + "str":
            return node.value
        value = self.yaml.constructor.construct_object(node, deep=True)
        if isinstance(value, float) and not math.isfinite(value):
            self._error(
                node,
                "E120",
                f"{node.value!r} is not a finite number",
                pointer,
                f'JSON has no NaN or infinity; quote it if you mean the string: "{node.value}"',
            )
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.number_texts[pointer] = node.value
        return value

    def _bad_tag(self, node: Any, pointer: str) -> None:
        tag = node.tag.replace(_YAML, "!!")
        self._error(
            node,
            "E121",
            f"tag {tag} is not allowed",
            pointer,
            "specs hold plain strings, numbers, booleans, lists and mappings; remove the tag",
        )
        return None


# --------------------------------------------------------------------------- TOML


def _load_toml(text: str, file: str) -> tuple[Document | None, list[Diagnostic]]:
    import tomli

    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        hint = "this looks like YAML: name the file .yaml" if _YAMLISH_LINE.search(text) else ""
        msg = exc.msg
        return None, [
            Diagnostic(file, exc.lineno, exc.colno, "E130", f"invalid TOML: {msg[:1].lower()}{msg[1:]}", hint=hint)
        ]
    source_map = locate_toml(text)
    diags: list[Diagnostic] = []
    _check_toml_values(data, "", file, source_map, diags)
    if diags:
        return None, diags
    if not data:
        return None, [
            Diagnostic(
                file,
                0,
                0,
                "E113",
                "the file is empty; expected spec fields",
                hint="start from `jobspec init`, or see specs/ for examples",
            )
        ]
    return Document(file, "toml", data, source_map), []


def _check_toml_values(value: Any, pointer: str, file: str, smap: SourceMap, diags: list[Diagnostic]) -> None:
    def error(code: str, message: str, hint: str) -> None:
        span = smap.value(pointer)
        line, col = (span.line, span.col) if span else (0, 0)
        diags.append(Diagnostic(file, line, col, code, message, pointer, hint=hint))

    if isinstance(value, dict):
        for k, v in value.items():
            _check_toml_values(v, ptr.join(pointer, k), file, smap, diags)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_toml_values(v, ptr.join(pointer, i), file, smap, diags)
    elif isinstance(value, (datetime.date, datetime.time)):
        error(
            "E119",
            f"{value.isoformat()!r} is read as a date or time",
            f'quote it to keep it a string: "{value.isoformat()}"',
        )
    elif isinstance(value, float) and not math.isfinite(value):
        error("E120", f"{value!r} is not a finite number", "JSON has no NaN or infinity; quote it if you mean a string")


_KEY_PART = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"\s*({_DOTTED})\s*=\s*")
_PART = re.compile(_KEY_PART)


def _key_tokens(dotted: str) -> list[str]:
    tokens = []
    for m in _PART.finditer(dotted):
        t = m.group(0)
        if t[0] == '"':
            t = t[1:-1].encode().decode("unicode_escape") if "\\" in t else t[1:-1]
        elif t[0] == "'":
            t = t[1:-1]
        tokens.append(t)
    return tokens


def locate_toml(text: str) -> SourceMap:
    """Best-effort positions of TOML keys and values (tomli keeps none for valid files).

    Understands table headers, arrays of tables, dotted keys and one-line inline tables;
    lines inside multi-line strings and arrays are skipped.
    """
    smap = SourceMap()
    smap.values[""] = Span(1, 1)
    table: list[str] = []
    array_counts: dict[str, int] = {}
    lines = text.splitlines()
    skip_until: str | None = None
    depth = 0
    for lineno, line in enumerate(lines, 1):
        if skip_until is not None:
            if skip_until in line:
                skip_until = None
            continue
        if depth > 0:
            depth += line.count("[") - line.count("]")
            continue
        header = _HEADER.match(line)
        if header:
            tokens = _key_tokens(header.group(2))
            base = ptr.from_path(tokens)
            if header.group(1) == "[[":
                index = array_counts.get(base, 0)
                array_counts[base] = index + 1
                tokens = [*tokens, str(index)]
            table = tokens
            here = ptr.from_path(table)
            col = line.index(header.group(2)) + 1
            smap.keys.setdefault(here, Span(lineno, col))
            smap.values.setdefault(here, Span(lineno, col))
            continue
        assign = _ASSIGN.match(line)
        if not assign:
            continue
        here = ptr.from_path([*table, *_key_tokens(assign.group(1))])
        key_col = assign.start(1) + 1
        value_col = assign.end() + 1
        smap.keys[here] = Span(lineno, key_col)
        smap.values[here] = Span(lineno, value_col)
        rest = line[assign.end() :]
        for quote in ('"""', "'''"):
            if rest.startswith(quote) and rest.count(quote) == 1:
                skip_until = quote
        if rest.startswith("["):
            depth = rest.count("[") - rest.count("]")
        elif rest.startswith("{"):
            for inner in _ASSIGN.finditer(rest, 1):
                if rest[inner.start() - 1] not in "{, ":
                    continue
                sub = ptr.join(here, *_key_tokens(inner.group(1)))
                offset = assign.end()
                smap.keys[sub] = Span(lineno, offset + inner.start(1) + 1)
                smap.values[sub] = Span(lineno, offset + inner.end() + 1)
    return smap
