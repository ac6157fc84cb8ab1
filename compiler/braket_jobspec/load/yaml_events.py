"""The YAML event reader: plain data, positions and number texts built from a parser's events.

Working on events keeps every bound in our hands: no alias is ever resolved (an alias
bomb costs what its text costs), nesting and the number of values are counted as they
come, and a refused value is skipped while the rest of the file is still read. It reads
the events of the pure parser, or of libyaml (yaml_fast.py) for a file the fast loop left.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import ScalarNode

from braket_jobspec import pointer as ptr
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.diagnostics.words import show
from braket_jobspec.load.document import MAX_DEPTH, MAX_NODES
from braket_jobspec.load.yaml_errors import Abandon, ParseFailure, parser_error
from braket_jobspec.load.yaml_fast import (
    CORE,
    LIBYAML_CONSTRUCTED,
    LIBYAML_RESOLVED,
    MAP,
    MAX_INT_DIGITS,
    MEMO_LIMIT,
    MERGE,
    NODE_TAG,
    SCALAR_TAGS,
    SEQ,
    STR,
    TIMESTAMP,
    libyaml_events,
    libyaml_helpers,
    tag_text,
)
from braket_jobspec.pointer import SourceMap, Span

if TYPE_CHECKING:
    from ruamel.yaml.error import StreamMark

_MISSING = object()  # not yet constructed
_REFUSED = object()  # a scalar that was refused (and reported)

# Beyond this depth the parser itself slows down (it keeps a stack per level), so the
# file is abandoned instead of skipped past.
_ABANDON_DEPTH = 4 * MAX_DEPTH


class _Frame:
    """An open mapping or sequence (container None: being skipped)."""

    __slots__ = ("container", "expect_key", "first_line", "key", "odd_keys", "pointer", "skip_value", "start")

    def __init__(self, pointer: str, container: dict[str, Any] | list[Any] | None, start: StreamMark) -> None:
        self.pointer = pointer
        self.container = container
        self.start = start
        self.key: str | None = None  # mappings: the key whose value comes next
        self.expect_key = True
        self.skip_value = False  # mappings: the next value belongs to a refused key
        self.first_line: dict[str, int] = {}
        self.odd_keys: list[tuple[Any, int]] = []


class EventReader:
    """Consumes parser events and builds the data, a step at a time."""

    def __init__(self, text: str, file: str, pure: bool = True) -> None:
        self.text = text
        self.file = file
        self.pure = pure
        self.resolved: dict[tuple[str, Any], str] = {} if pure else LIBYAML_RESOLVED
        self.constructed: dict[tuple[str, str], Any] = {} if pure else LIBYAML_CONSTRUCTED
        if len(self.resolved) > MEMO_LIMIT or len(self.constructed) > MEMO_LIMIT:
            self.resolved.clear()
            self.constructed.clear()
        self.empty_values = False  # a plain empty scalar was read (parsers place it differently)
        self.diags: list[Diagnostic] = []
        self.source_map = SourceMap()
        self.number_texts: dict[str, str] = {}
        self.dropped: set[str] = set()
        self.root: Any = None
        self.documents = 0
        self.nodes = 0
        self.stack: list[_Frame] = []
        self.skipping = 0  # depth inside a refused collection
        self.skipping_key = False  # the refused collection is a key, not a value
        self.resolver: Any = None
        self.constructor: Any = None

    # -- diagnostics ---------------------------------------------------------------

    def error(self, start: Any, end: Any, code: str, message: str, pointer: str, hint: str = "") -> None:
        self.diags.append(
            Diagnostic(
                self.file,
                start.line + 1,
                start.column + 1,
                code,
                message,
                pointer,
                hint=hint,
                end_line=end.line + 1 if end is not None else 0,
                end_col=end.column + 1 if end is not None else 0,
            )
        )

    # -- the event loop ------------------------------------------------------------

    def events(self) -> Iterator[Any]:
        from ruamel.yaml.error import MarkedYAMLError, YAMLError

        if self.pure:
            from ruamel.yaml import YAML

            yaml = YAML(typ="safe", pure=True)
            self.resolver, self.constructor = yaml.resolver, yaml.constructor
            stream = yaml.parse(self.text)
        else:
            self.resolver, self.constructor = libyaml_helpers()
            stream = libyaml_events(self.text)
        while True:
            try:
                event = next(stream)
            except StopIteration:
                return
            except MarkedYAMLError as exc:
                raise ParseFailure(parser_error(exc, self.file)) from None
            except (YAMLError, ValueError, IndexError, KeyError, AttributeError, TypeError, RecursionError) as exc:
                # The parser is third-party pure Python: whatever it raises on a broken
                # file is a broken file, said in its own words.
                raise ParseFailure(Diagnostic(self.file, 1, 1, "E111", f"invalid YAML: {exc}")) from None
            yield event

    def run(self) -> None:
        for event in self.events():
            if isinstance(event, DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    self.error(
                        event.start_mark,
                        event.end_mark,
                        "E112",
                        "a second YAML document; a spec file holds exactly one",
                        "",
                        "remove the `---` line and what follows, or move it to a spec file of its own",
                    )
                    return
                continue
            if isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                self.close(event)
                continue
            if not isinstance(event, (ScalarEvent, MappingStartEvent, SequenceStartEvent, AliasEvent)):
                continue
            self.nodes += 1
            if self.nodes > MAX_NODES:
                self.error(
                    event.start_mark,
                    event.end_mark,
                    "E123",
                    f"more than {MAX_NODES} keys and values; a spec has a few dozen",
                    "",
                    "this is not a job spec, or it was generated wrongly",
                )
                raise Abandon
            is_collection = isinstance(event, (MappingStartEvent, SequenceStartEvent))
            if self.skipping:
                if is_collection:
                    self.skipping += 1
                    self.check_abandon(event)
                continue
            self.node(event, is_collection)

    def check_abandon(self, event: Any) -> None:
        if len(self.stack) + self.skipping > _ABANDON_DEPTH:
            raise Abandon

    def close(self, event: Any) -> None:
        if self.skipping:
            self.skipping -= 1
            if self.skipping == 0:
                if self.skipping_key:
                    # A refused key is complete: its value comes next, and is skipped too.
                    self.skipping_key = False
                else:
                    self.after_value()
            return
        frame = self.stack.pop()
        self.source_map.values[frame.pointer] = Span(
            frame.start.line + 1, frame.start.column + 1, event.end_mark.line + 1, event.end_mark.column + 1
        )
        self.after_value()

    def after_value(self) -> None:
        """A value is complete: its mapping now expects a key again."""
        if self.stack:
            top = self.stack[-1]
            if isinstance(top.container, dict) or top.container is None:
                top.expect_key = True
                top.key = None
                top.skip_value = False

    # -- one node --------------------------------------------------------------------

    def node(self, event: Any, is_collection: bool) -> None:
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.container, dict) and top.expect_key:
            self.key(event, is_collection, top)
            return
        if top is not None and isinstance(top.container, dict) and top.skip_value:
            self.skip(is_collection)
            return
        if top is None:
            pointer = ""
        elif isinstance(top.container, list):
            pointer = ptr.join(top.pointer, len(top.container))
        else:
            assert top.key is not None
            pointer = ptr.join(top.pointer, top.key)
        self.value(event, is_collection, pointer, top)

    def skip(self, is_collection: bool) -> None:
        if is_collection:
            self.skipping = 1
        else:
            self.after_value()

    def drop(self, pointer: str, top: _Frame | None, is_collection: bool) -> None:
        """Leave a refused value out (a list keeps its place with None, so indices hold)."""
        self.dropped.add(pointer)
        if top is not None and isinstance(top.container, list):
            top.container.append(None)
        self.skip(is_collection)

    def key(self, event: Any, is_collection: bool, top: _Frame) -> None:
        top.expect_key = False
        top.skip_value = True
        if isinstance(event, AliasEvent):
            self.error(
                event.start_mark,
                event.end_mark,
                "E115",
                f"alias *{event.anchor} as a key is not allowed",
                top.pointer,
                "write the key out in full",
            )
            return
        if is_collection:
            self.error(
                event.start_mark,
                event.end_mark,
                "E116",
                "a key that is a list or a mapping",
                top.pointer,
                "keys are plain names; this may be a `? ` or a stray `[`/`{` at the start of a key",
            )
            self.skipping = 1
            self.skipping_key = True
            return
        if event.anchor is not None:
            self.error(
                event.start_mark,
                event.end_mark,
                "E115",
                f"anchor &{event.anchor} is not allowed",
                top.pointer,
                "remove the anchor",
            )
            return
        tag = self.tag_of(event)
        value = event.value
        if tag == MERGE:
            self.error(
                event.start_mark,
                event.end_mark,
                "E115",
                "merge key `<<` is not allowed",
                top.pointer,
                "merge keys copy fields from elsewhere and hide what is set; write the fields out in full",
            )
            return
        if tag != STR:
            self.odd_key(event, tag, top)
            return
        child = ptr.join(top.pointer, value)
        line = event.start_mark.line + 1
        if value in top.first_line:
            self.error(
                event.start_mark,
                event.end_mark,
                "E117",
                f"duplicate key {value!r} (first on line {top.first_line[value]})",
                child,
                "remove one of the two; YAML tools disagree on which one wins",
            )
            return
        top.first_line[value] = line
        self.source_map.keys[child] = Span(
            line, event.start_mark.column + 1, event.end_mark.line + 1, event.end_mark.column + 1
        )
        top.key = value
        top.skip_value = False

    def odd_key(self, event: Any, tag: str, top: _Frame) -> None:
        """A key that is a number, boolean, null or date: JSON has only string keys."""
        text = event.value
        kind = tag.replace(CORE, "")
        words = {"int": "a number", "float": "a number", "bool": "a boolean", "null": "null", "timestamp": "a date"}
        what = words.get(kind, f"tagged {tag.replace(CORE, '!!')}")
        value: Any = text
        try:
            value = self.construct(event, tag) if kind in ("int", "float", "bool", "null") else text
        except (ValueError, ArithmeticError):
            value = text
        clash = next((line for other, line in top.odd_keys if _same_key(other, value)), None)
        top.odd_keys.append((value, event.start_mark.line + 1))
        message = f"key {text!r} is {what}, not a string"
        if clash is not None:
            message += f"; it is also the same key as the one on line {clash} (YAML tools read 1 and true alike)"
        self.error(
            event.start_mark, event.end_mark, "E116", message, top.pointer, f'quote it to make it a string: "{text}"'
        )

    def value(self, event: Any, is_collection: bool, pointer: str, top: _Frame | None) -> None:
        start, end = event.start_mark, event.end_mark
        if isinstance(event, AliasEvent):
            self.error(
                start,
                end,
                "E115",
                f"alias *{event.anchor} is not allowed",
                pointer,
                "aliases repeat a value defined elsewhere and hide what a field is set to; write the value out in full",
            )
            self.drop(pointer, top, False)
            return
        self.source_map.values[pointer] = Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)
        if event.anchor is not None:
            self.error(
                start,
                end,
                "E115",
                f"anchor &{event.anchor} is not allowed",
                pointer,
                "anchors and aliases hide what a field is set to; remove the anchor and write values out in full",
            )
            self.drop(pointer, top, is_collection)
            return
        tag = self.tag_of(event)
        if is_collection:
            expected = MAP if isinstance(event, MappingStartEvent) else SEQ
            if tag != expected:
                self.bad_tag(event, tag, pointer)
                self.drop(pointer, top, True)
                return
            depth = len(self.stack) + 1
            if depth > MAX_DEPTH:
                self.error(
                    start,
                    end,
                    "E118",
                    f"nesting is too deep: more than {MAX_DEPTH} levels",
                    pointer,
                    "a spec is at most three levels deep; this is not a job spec",
                )
                self.drop(pointer, top, True)
                self.check_abandon(event)
                return
            container: dict[str, Any] | list[Any] = {} if isinstance(event, MappingStartEvent) else []
            self.place(pointer, top, container)
            self.stack.append(_Frame(pointer, container, start))
            return
        scalar = self.scalar(event, tag, pointer)
        if scalar is _REFUSED:
            self.drop(pointer, top, False)
            return
        self.place(pointer, top, scalar)
        self.after_value()

    def place(self, pointer: str, top: _Frame | None, value: Any) -> None:
        if top is None:
            self.root = value
        elif isinstance(top.container, list):
            top.container.append(value)
        else:
            assert isinstance(top.container, dict) and top.key is not None
            top.container[top.key] = value

    def tag_of(self, event: Any) -> str:
        ctag = event.ctag
        if ctag is not None and str(ctag) != "!":
            return str(ctag)
        if isinstance(event, MappingStartEvent):
            return MAP
        if isinstance(event, SequenceStartEvent):
            return SEQ
        key = (event.value, event.implicit)
        resolved = self.resolved.get(key)
        if resolved is None:
            resolved = self.resolved[key] = tag_text(self.resolver.resolve(ScalarNode, event.value, event.implicit))
        return resolved

    def construct(self, event: Any, tag: str) -> Any:
        key = (tag, event.value)
        value = self.constructed.get(key, _MISSING)
        if value is _MISSING:
            value = self.constructed[key] = self._construct(event, tag)
        return value

    def _construct(self, event: Any, tag: str) -> Any:
        kind = tag.replace(CORE, "")
        if kind == "int" and len(event.value) > MAX_INT_DIGITS:
            digits = sum(c.isdigit() for c in event.value)
            if digits > MAX_INT_DIGITS:
                raise ValueError(f"it has {digits} digits")
        node = ScalarNode(NODE_TAG, event.value, event.start_mark, event.end_mark, style=event.style)
        construct = getattr(self.constructor, f"construct_yaml_{kind}")
        return construct(node)

    def scalar(self, event: Any, tag: str, pointer: str) -> Any:
        start, end = event.start_mark, event.end_mark
        if event.value == "" and not event.style:  # plain: None (pure) or "" (libyaml)
            self.empty_values = True
        if tag == STR:
            return event.value
        if tag == TIMESTAMP:
            self.error(
                start,
                end,
                "E119",
                f"{event.value!r} is read as a date, not a string",
                pointer,
                f'quote it to keep it a string: "{event.value}"',
            )
            return _REFUSED
        if tag not in SCALAR_TAGS:
            self.bad_tag(event, tag, pointer)
            return _REFUSED
        try:
            value = self.construct(event, tag)
        except (ValueError, ArithmeticError, TypeError) as exc:
            kind = {"int": "an integer", "float": "a number", "bool": "a boolean", "null": "null"}
            reason = f": {exc}" if str(exc).startswith("it has") else ""
            self.error(
                start,
                end,
                "E120",
                f"{show(event.value, 40)} cannot be read as {kind.get(tag.replace(CORE, ''), 'a value')}{reason}",
                pointer,
                "quote it if it is meant as a string; a number this large is not a job setting",
            )
            return _REFUSED
        except Exception as exc:  # a ruamel constructor error: still the file's fault
            from ruamel.yaml.error import YAMLError

            if not isinstance(exc, YAMLError):
                raise
            self.error(start, end, "E120", f"{event.value[:40]!r} cannot be read: {exc}", pointer, "quote the value")
            return _REFUSED
        if isinstance(value, float) and not math.isfinite(value):
            self.error(
                start,
                end,
                "E120",
                f"{event.value!r} is not a finite number",
                pointer,
                f'JSON has no NaN or infinity; quote it if you mean the string: "{event.value}"',
            )
            return _REFUSED
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.number_texts[pointer] = event.value
        return value

    def bad_tag(self, event: Any, tag: str, pointer: str) -> None:
        shown = tag.replace(CORE, "!!")
        hint = "specs hold plain strings, numbers, booleans, lists and mappings; remove the tag"
        if "python/" in tag:
            hint = "Python tags would run code in other loaders; a spec never needs one: remove the tag"
        self.error(event.start_mark, event.end_mark, "E121", f"tag {shown} is not allowed", pointer, hint)


def _same_key(a: Any, b: Any) -> bool:
    """Whether two keys are one key to a reader that keeps their types (1 == true == 1.0)."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
