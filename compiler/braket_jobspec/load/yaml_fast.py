"""The libyaml happy path of the YAML reader: a valid spec read from libyaml's events in one loop.

libyaml's parser (ruamel.yaml.clib) reads a valid spec several times faster than the pure
parser (docs/performance.md). Whatever is unusual (a tag, an anchor, a duplicate key, a
parser error...) makes read_plain return None, and yaml.py reads that file itself, so that
every diagnostic has the same words and positions with or without libyaml. Its parity with
the general reader is tested in tests/load/test_yaml_fast_path.py.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from typing import Any

from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.tag import Tag

from braket_jobspec import pointer as ptr
from braket_jobspec.load.document import MAX_DEPTH, MAX_NODES
from braket_jobspec.pointer import SourceMap, Span

CORE = "tag:yaml.org,2002:"
STR, MAP, SEQ, MERGE, TIMESTAMP = (CORE + t for t in ("str", "map", "seq", "merge", "timestamp"))
SCALAR_TAGS = {CORE + t for t in ("str", "int", "float", "bool", "null")}
MAX_INT_DIGITS = 4000  # Python refuses to convert longer digit strings
NODE_TAG = Tag(suffix=STR)  # the constructors below read only a node's value


def _libyaml() -> Any:
    """libyaml's parser (ruamel.yaml.clib), or None when it is not installed."""
    try:
        from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
    except ImportError:
        return None
    return CParser


CPARSER = _libyaml()  # imported once, not at every file
HAS_LIBYAML = CPARSER is not None


# What the libyaml path resolves and constructs, by scalar text: the same for every file, as
# directives are neutralized (YAML 1.2 always), and immutable (str tags; ints, floats,
# booleans, None). Emptied when large, so that no run of odd values makes them grow.
LIBYAML_RESOLVED: dict[tuple[str, Any], str] = {}
LIBYAML_CONSTRUCTED: dict[tuple[str, str], Any] = {}
MEMO_LIMIT = 4096


@functools.cache
def libyaml_helpers() -> tuple[Any, Any]:
    """The resolver and constructor of the libyaml path, made once: they keep no state of a file."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    return yaml.resolver, yaml.constructor


def libyaml_events(text: str) -> Iterator[Any]:
    """libyaml's parser on its own (ruamel's YAML object makes a new loader class per file)."""
    parser = CPARSER(text)
    try:
        while parser.check_event():
            yield parser.get_event()
    finally:
        parser.dispose()


# What a plain scalar (no tag) resolves and constructs to, by its text: the tag, the value,
# and whether the value is a number (whose text is kept). _BAIL: a text the _Reader refuses
# (a date, NaN, an integer too long, a merge key...), so a file holding it is left to it.
_PLAIN: dict[str, tuple[str, Any, bool]] = {}
_BAIL = ("", None, False)  # compared by identity


def tag_text(tag: Tag) -> str:
    """A resolved tag as text: a full tag is in its suffix (str() would decode it again, slowly)."""
    return str(tag.suffix) if tag.handle is None else str(tag)


def _plain_scalar(text: str) -> tuple[str, Any, bool]:
    entry = _PLAIN.get(text)
    if entry is None:
        if len(_PLAIN) > MEMO_LIMIT:
            _PLAIN.clear()
        resolver, constructor = libyaml_helpers()
        tag = tag_text(resolver.resolve(ScalarNode, text, (True, False)))
        entry = _BAIL
        if tag == STR:
            entry = (tag, text, False)
        elif tag in SCALAR_TAGS and not (tag == CORE + "int" and len(text) > MAX_INT_DIGITS):
            try:
                value = getattr(constructor, f"construct_yaml_{tag.replace(CORE, '')}")(
                    ScalarNode(NODE_TAG, text, None, None)
                )
            except Exception:  # the _Reader says what is wrong with it
                value = None
            else:
                if not (isinstance(value, float) and not math.isfinite(value)):
                    entry = (tag, value, isinstance(value, (int, float)) and not isinstance(value, bool))
        _PLAIN[text] = entry
    return entry


def read_plain(text: str) -> tuple[dict[str, Any], Callable[[], SourceMap], dict[str, str]] | None:
    """The data, positions and number texts of a file with nothing to report, read from libyaml's events.

    What the _Reader does on such a file, without its steps for the unusual: None at the
    first tag, anchor, alias, duplicate or non-string key, empty value, date, NaN, second
    document, or mapping too deep or too large, and on a parser error, so that the _Reader
    reads that file (and says what is wrong with it).
    """
    parser = CPARSER(text)
    try:
        return _plain_events(parser.get_event)
    except Exception:  # a parser error, mostly: the _Reader reports it
        return None
    finally:
        parser.dispose()


def _plain_events(get: Any) -> tuple[dict[str, Any], Callable[[], SourceMap], dict[str, str]] | None:
    # Where each value and key starts and ends (0-based line and column of each), as four
    # numbers in one flat list, by the index of the first: made spans only if asked for
    # (_spans), and no object kept per value meanwhile (which would bring the garbage
    # collector's next pass closer). A collection's place is set when it starts, its
    # numbers when it ends.
    values: dict[str, int] = {}
    keys: dict[str, int] = {}
    places: list[int] = []
    numbers: dict[str, str] = {}
    root: dict[str, Any] | None = None
    # The open collection: the container, its pointer, whether it is a mapping, and in a
    # mapping, the key whose value comes next (None: a key comes next) and that value's pointer.
    container: Any = None
    pointer = ""
    in_map = False
    key: str | None = None
    here = ""
    stack: list[tuple[Any, str, bool, Any]] = []  # the enclosing collections, with the start mark of each child
    nodes = documents = 0
    memo = _PLAIN.get
    while True:
        event = get()
        kind = type(event)
        if kind is ScalarEvent:
            nodes += 1
            if nodes > MAX_NODES or event.anchor is not None or event.ctag is not None or container is None:
                return None
            value = event.value
            if event.implicit[0]:  # plain
                if value == "" and not event.style:
                    return None
                entry = memo(value) or _plain_scalar(value)
                if entry is _BAIL:
                    return None
                tag, data, number = entry
            else:  # quoted or a block: a non-specific tag, which is a string (YAML 1.2, 6.9.1)
                tag, data, number = STR, value, False
            if in_map and key is None:
                if tag != STR or value in container:
                    return None
                key = value
                here = f"{pointer}/{value}" if "~" not in value and "/" not in value else ptr.join(pointer, value)
                keys[here] = len(places)
                start, end = event.start_mark, event.end_mark
                places += (start.line, start.column, end.line, end.column)
                continue
            if not in_map:
                here = f"{pointer}/{len(container)}"
            values[here] = len(places)
            start, end = event.start_mark, event.end_mark
            places += (start.line, start.column, end.line, end.column)
            if number:
                numbers[here] = value
            if in_map:
                container[key] = data
                key = None
            else:
                container.append(data)
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            values[pointer] = len(places)
            start, end = stack[-1][3], event.end_mark
            places += (start.line, start.column, end.line, end.column)
            container, pointer, in_map, _ = stack.pop()
            key = None
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            nodes += 1
            if nodes > MAX_NODES or event.anchor is not None or event.ctag is not None or len(stack) >= MAX_DEPTH:
                return None
            new: Any = {} if kind is MappingStartEvent else []
            if container is None:
                if root is not None or kind is not MappingStartEvent:
                    return None
                root = new
                here = ""
            elif in_map:
                if key is None:
                    return None
                container[key] = new
            else:
                here = f"{pointer}/{len(container)}"
                container.append(new)
            values[here] = -1
            stack.append((container, pointer, in_map, event.start_mark))
            container, pointer, in_map, key = new, here, kind is MappingStartEvent, None
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                return None
        elif kind is AliasEvent:
            return None
        elif event is None or kind is StreamEndEvent:
            break
    if root is None or documents != 1:
        return None
    return root, functools.partial(_spans, values, keys, places), numbers


def _spans(values: dict[str, int], keys: dict[str, int], places: list[int]) -> SourceMap:
    """The source map of the positions _plain_events kept: 1-based, as the _Reader makes it."""

    def span(at: int) -> Span:
        return Span(places[at] + 1, places[at + 1] + 1, places[at + 2] + 1, places[at + 3] + 1)

    return SourceMap({p: span(at) for p, at in values.items()}, {p: span(at) for p, at in keys.items()})
