"""YAML 1.2 text to plain data, built from the parser's events rather than its node graph.

Working on events keeps every bound in our hands: no alias is ever resolved (an alias
bomb costs what its text costs), nesting and the number of values are counted as they
come, and a refused value is skipped while the rest of the file is still read. The
ruamel parser is pure Python and has no such limits of its own.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

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
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.load import MAX_DEPTH, MAX_NODES, Document
from braket_jobspec.pointer import SourceMap, Span

if TYPE_CHECKING:
    from ruamel.yaml.error import StreamMark

_CORE = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ, _MERGE, _TIMESTAMP = (_CORE + t for t in ("str", "map", "seq", "merge", "timestamp"))
_SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null")}
_DIRECTIVE = re.compile(r"^%(\S*)(.*)$", re.M)
# YAML's printable set (spec 5.1); anything else makes the reader give up on the file.
_NOT_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# Tabs the parser refuses: in indentation, and between a key's `:` (or a `-`) and its value.
_INDENT_TABS = re.compile(r"^[ ]*\t[ \t]*(?=\S)|(?<=[^\s]:)[ ]*\t[ \t]*(?=\S)|(?<=^- )[ ]*\t[ \t]*", re.M)
_BRACKET_RUN = re.compile(rf"(?:[\[{{][ \t\r\n]*){{{MAX_DEPTH + 1},}}")
_TOMLISH_LINE = re.compile(r"^\s*(\[[\w.\"' -]+\]|[A-Za-z_][\w.-]*\s*=)", re.M)
# Beyond this depth the parser itself slows down (it keeps a stack per level), so the
# file is abandoned instead of skipped past.
_ABANDON_DEPTH = 4 * MAX_DEPTH
_MAX_INT_DIGITS = 4000  # Python refuses to convert longer digit strings
_NODE_TAG = Tag(suffix=_STR)  # the constructors below read only a node's value


def _libyaml() -> Any:
    """libyaml's parser (ruamel.yaml.clib), or None when it is not installed."""
    try:
        from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
    except ImportError:
        return None
    return CParser


_CPARSER = _libyaml()  # imported once: an import statement costs a microsecond at every file
_HAS_LIBYAML = _CPARSER is not None


# What the libyaml path resolves and constructs, by scalar text: the same for every file, as
# directives are neutralized (YAML 1.2 always), and immutable (str tags; ints, floats,
# booleans, None). Emptied when large, so that no run of odd values makes them grow.
_LIBYAML_RESOLVED: dict[tuple[str, Any], str] = {}
_LIBYAML_CONSTRUCTED: dict[tuple[str, str], Any] = {}
_MEMO_LIMIT = 4096
_MISSING = object()


@functools.cache
def _libyaml_helpers() -> tuple[Any, Any]:
    """The resolver and constructor of the libyaml path, made once: they keep no state of a file."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    return yaml.resolver, yaml.constructor


def _libyaml_events(text: str) -> Iterator[Any]:
    """libyaml's parser on its own (ruamel's YAML object makes a new loader class per file)."""
    parser = _CPARSER(text)
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


def _tag_text(tag: Tag) -> str:
    """A resolved tag as text: a full tag is in its suffix (str() would decode it again, slowly)."""
    return str(tag.suffix) if tag.handle is None else str(tag)


def _plain_scalar(text: str) -> tuple[str, Any, bool]:
    entry = _PLAIN.get(text)
    if entry is None:
        if len(_PLAIN) > _MEMO_LIMIT:
            _PLAIN.clear()
        resolver, constructor = _libyaml_helpers()
        tag = _tag_text(resolver.resolve(ScalarNode, text, (True, False)))
        entry = _BAIL
        if tag == _STR:
            entry = (tag, text, False)
        elif tag in _SCALAR_TAGS and not (tag == _CORE + "int" and len(text) > _MAX_INT_DIGITS):
            try:
                value = getattr(constructor, f"construct_yaml_{tag.replace(_CORE, '')}")(
                    ScalarNode(_NODE_TAG, text, None, None)
                )
            except Exception:  # the _Reader says what is wrong with it
                value = None
            else:
                if not (isinstance(value, float) and not math.isfinite(value)):
                    entry = (tag, value, isinstance(value, (int, float)) and not isinstance(value, bool))
        _PLAIN[text] = entry
    return entry


def _read_plain(text: str) -> tuple[dict[str, Any], Callable[[], SourceMap], dict[str, str]] | None:
    """The data, positions and number texts of a file with nothing to report, read from libyaml's events.

    What the _Reader does on such a file, without its steps for the unusual: None at the
    first tag, anchor, alias, duplicate or non-string key, empty value, date, NaN, second
    document, or mapping too deep or too large, and on a parser error, so that the _Reader
    reads that file (and says what is wrong with it).
    """
    parser = _CPARSER(text)
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
                tag, data, number = _STR, value, False
            if in_map and key is None:
                if tag != _STR or value in container:
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


class _Abandon(Exception):
    """Stop reading: what is left cannot be read safely or meaningfully."""


def read_yaml(text: str, file: str) -> tuple[Document | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    text = _neutralize_directives(text, file, diags)
    text = _replace_unprintable(text, file, diags)
    # A run needs more brackets than MAX_DEPTH; counting them costs a tenth of the search.
    bomb = _BRACKET_RUN.search(text) if text.count("[") + text.count("{") > MAX_DEPTH else None
    if bomb is not None:
        # The parser looks ahead through a run of opening brackets (each may start a key)
        # at a cost that grows with the square of the run: refuse before parsing.
        at = bomb.start() + _nth_bracket(bomb.group(0), MAX_DEPTH + 1)
        line = text.count("\n", 0, at) + 1
        col = at - text.rfind("\n", 0, at)
        diags.append(
            Diagnostic(
                file,
                line,
                col,
                "E118",
                f"nesting is too deep: more than {MAX_DEPTH} levels of brackets",
                hint="a spec is at most three levels deep; this is not a job spec",
            )
        )
        return None, diags
    if _HAS_LIBYAML and not diags and "\t" not in text and text.endswith("\n"):
        # Fast path: libyaml's parser (ruamel.yaml.clib) reads a valid spec about eight
        # times faster. Anything it finds to say is said again by the pure parser below,
        # so every diagnostic keeps the same words and positions whichever is installed.
        # Files with tabs go to the pure parser, which refuses some that libyaml reads, and
        # so do files with an empty value or without a final newline, where the two
        # parsers place values (or the ends of mappings) differently. _read_plain reads
        # the usual file (no tag, anchor or anything to report) in one tight loop; the
        # rest goes through the _Reader on libyaml's events, then the pure parser.
        quick = _read_plain(text)
        if quick is not None:
            return Document(file, "yaml", quick[0], quick[1], quick[2], text, frozenset()), []
        fast = _Reader(text, file, pure=False)
        try:
            fast.run()
        except (_Abandon, _ParseFailure):
            pass
        else:
            if not fast.diags and not fast.empty_values and isinstance(fast.root, dict) and fast.documents == 1:
                return Document(file, "yaml", fast.root, fast.source_map, fast.number_texts, text, frozenset()), []
    reader = _Reader(text, file)
    try:
        reader.run()
    except _Abandon:
        return None, diags + reader.diags
    except _ParseFailure as failure:
        tabs = _indentation_tabs(text, file)
        if not tabs:
            return None, [*diags, *reader.diags, failure.diagnostic]
        # Tabs in indentation are the likely cause: report each, then read the file as
        # if they were spaces (same columns) so the file's other errors show too.
        diags += tabs
        reader = _Reader(_INDENT_TABS.sub(lambda m: m.group(0).replace("\t", " "), text), file)
        try:
            reader.run()
        except _Abandon:
            return None, diags + reader.diags
        except _ParseFailure as again:
            return None, [*diags, *reader.diags, again.diagnostic]
    diags += reader.diags
    data = reader.root
    if not reader.documents or (data is None and not reader.dropped):
        diags.append(
            Diagnostic(
                file,
                1,
                1,
                "E113",
                "no spec in the file: it is empty or has only comments",
                hint="a spec is a mapping with at least `device:` and `source_module:`; see specs/ for examples",
            )
        )
        return None, diags
    if not isinstance(data, dict):
        if "" in reader.dropped:
            return None, diags
        kind = "a list" if isinstance(data, list) else f"a single {_kind(data)}"
        hint = (
            "this looks like TOML: name the file .toml"
            if _TOMLISH_LINE.search(text)
            else "write `field: value` lines, e.g. `device: arn:aws:braket:::device/quantum-simulator/amazon/sv1`"
        )
        span = reader.source_map.values.get("")
        line, col = (span.line, span.col) if span else (1, 1)
        diags.append(
            Diagnostic(file, line, col, "E114", f"the document is {kind}; expected a mapping of spec fields", hint=hint)
        )
        return None, diags
    doc = Document(file, "yaml", data, reader.source_map, reader.number_texts, text, frozenset(reader.dropped))
    return doc, diags


def _nth_bracket(run: str, n: int) -> int:
    """Offset in run of its n-th (1-based) opening bracket."""
    seen = 0
    for offset, char in enumerate(run):
        if char in "[{":
            seen += 1
            if seen == n:
                return offset
    return 0


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "string"


def _neutralize_directives(text: str, file: str, diags: list[Diagnostic]) -> str:
    """Report each %-directive and turn it into a comment, so the file is still read as YAML 1.2."""
    if "%" not in text:  # the usual file, told at the cost of a byte search
        return text

    def replace(m: re.Match[str]) -> str:
        line = text.count("\n", 0, m.start()) + 1
        name = m.group(1)
        if name == "YAML":
            what = f"%YAML{m.group(2).rstrip()} directive"
            hint = (
                "specs are YAML 1.2; %YAML 1.1 would switch the rules "
                "(`on` and `yes` become true, 0777 octal); remove the line"
            )
        else:
            what = f"%{name} directive"
            hint = "tag directives only serve tags, which specs do not use; remove the line"
        diags.append(
            Diagnostic(
                file, line, 1, "E110", f"{what} is not allowed", hint=hint, end_line=line, end_col=len(m.group(0)) + 1
            )
        )
        return "#" + m.group(0)[1:]

    return _DIRECTIVE.sub(replace, text)


def _replace_unprintable(text: str, file: str, diags: list[Diagnostic]) -> str:
    first = _NOT_PRINTABLE.search(text)
    if first is None:
        return text
    count = len(_NOT_PRINTABLE.findall(text))
    line = text.count("\n", 0, first.start()) + 1
    col = first.start() - text.rfind("\n", 0, first.start())
    diags.append(
        Diagnostic(
            file,
            line,
            col,
            "E103",
            f"control character U+{ord(first.group(0)):04X} is not allowed in YAML"
            + (f" ({count - 1} more further on)" if count > 1 else ""),
            hint='spec files are text: remove it, or write it as an escape in a double-quoted string ("\\x00")',
            end_line=line,
            end_col=col + 1,
        )
    )
    return _NOT_PRINTABLE.sub("\ufffd", text)


def _indentation_tabs(text: str, file: str) -> list[Diagnostic]:
    out = []
    for m in _INDENT_TABS.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        col = m.start() - text.rfind("\n", 0, m.start()) + m.group(0).index("\t")
        indentation = not text[text.rfind("\n", 0, m.start()) + 1 : m.start()].strip()
        out.append(
            Diagnostic(
                file,
                line,
                col,
                "E122",
                "tab character in indentation" if indentation else "tab character between a key and its value",
                hint="YAML indents with spaces only; replace the tab with spaces"
                if indentation
                else "write a space after the `:` instead of the tab",
                end_line=line,
                end_col=col + 1,
            )
        )
    return out


class _ParseFailure(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


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


class _Reader:
    """Consumes parser events and builds the data, a step at a time."""

    def __init__(self, text: str, file: str, pure: bool = True) -> None:
        self.text = text
        self.file = file
        self.pure = pure
        self.resolved: dict[tuple[str, Any], str] = {} if pure else _LIBYAML_RESOLVED
        self.constructed: dict[tuple[str, str], Any] = {} if pure else _LIBYAML_CONSTRUCTED
        if len(self.resolved) > _MEMO_LIMIT or len(self.constructed) > _MEMO_LIMIT:
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
            self.resolver, self.constructor = _libyaml_helpers()
            stream = _libyaml_events(self.text)
        while True:
            try:
                event = next(stream)
            except StopIteration:
                return
            except MarkedYAMLError as exc:
                raise _ParseFailure(self._parse_error(exc)) from None
            except (YAMLError, ValueError, IndexError, KeyError, AttributeError, TypeError, RecursionError) as exc:
                # The parser is third-party pure Python: whatever it raises on a broken
                # file is a broken file, said in its own words.
                raise _ParseFailure(Diagnostic(self.file, 1, 1, "E111", f"invalid YAML: {exc}")) from None
            yield event

    def _parse_error(self, exc: Any) -> Diagnostic:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = str(exc.problem or exc.context or "invalid YAML")
        context, where = exc.context, exc.context_mark
        if context and where is not None and exc.problem and "end of stream" in problem:
            # Unclosed at the end of the file: the place to look is where it was opened.
            line, col = where.line + 1, where.column + 1
            problem += f" {context} that starts here"
        elif context and where is not None and exc.problem and (where.line, where.column) != (line - 1, col - 1):
            problem += f", {context} that starts on line {where.line + 1}, column {where.column + 1}"
        hint = ""
        if "\t" in problem or "'\\t'" in problem or "tab" in problem:
            hint = "replace the tab with spaces: YAML refuses tabs in indentation, and this reader after `:` too"
        elif "mapping values are not allowed" in problem:
            hint = "a plain value cannot contain ': '; quote the value, or check the indentation of this line"
        elif "could not find expected ':'" in problem or "simple key" in problem:
            hint = "each line of a mapping is `key: value`; check this line and the one before"
        elif "found unexpected end of stream" in problem or "found unexpected end" in problem:
            hint = "a quoted string or a bracket is not closed"
        elif "undefined tag handle" in problem:
            hint = "the tag needs a %TAG directive, and specs use neither; remove the tag"
        elif "expected <block end>" in problem:
            hint = "check the indentation: items of one mapping or list line up in the same column"
        return Diagnostic(self.file, line, col, "E111", f"invalid YAML: {problem}", hint=hint)

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
                raise _Abandon
            is_collection = isinstance(event, (MappingStartEvent, SequenceStartEvent))
            if self.skipping:
                if is_collection:
                    self.skipping += 1
                    self.check_abandon(event)
                continue
            self.node(event, is_collection)

    def check_abandon(self, event: Any) -> None:
        if len(self.stack) + self.skipping > _ABANDON_DEPTH:
            raise _Abandon

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
        if tag == _MERGE:
            self.error(
                event.start_mark,
                event.end_mark,
                "E115",
                "merge key `<<` is not allowed",
                top.pointer,
                "merge keys copy fields from elsewhere and hide what is set; write the fields out in full",
            )
            return
        if tag != _STR:
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
        kind = tag.replace(_CORE, "")
        words = {"int": "a number", "float": "a number", "bool": "a boolean", "null": "null", "timestamp": "a date"}
        what = words.get(kind, f"tagged {tag.replace(_CORE, '!!')}")
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
            expected = _MAP if isinstance(event, MappingStartEvent) else _SEQ
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
            return _MAP
        if isinstance(event, SequenceStartEvent):
            return _SEQ
        key = (event.value, event.implicit)
        resolved = self.resolved.get(key)
        if resolved is None:
            resolved = self.resolved[key] = _tag_text(self.resolver.resolve(ScalarNode, event.value, event.implicit))
        return resolved

    def construct(self, event: Any, tag: str) -> Any:
        key = (tag, event.value)
        value = self.constructed.get(key, _MISSING)
        if value is _MISSING:
            value = self.constructed[key] = self._construct(event, tag)
        return value

    def _construct(self, event: Any, tag: str) -> Any:
        kind = tag.replace(_CORE, "")
        if kind == "int" and len(event.value) > _MAX_INT_DIGITS:
            digits = sum(c.isdigit() for c in event.value)
            if digits > _MAX_INT_DIGITS:
                raise ValueError(f"it has {digits} digits")
        node = ScalarNode(_NODE_TAG, event.value, event.start_mark, event.end_mark, style=event.style)
        construct = getattr(self.constructor, f"construct_yaml_{kind}")
        return construct(node)

    def scalar(self, event: Any, tag: str, pointer: str) -> Any:
        start, end = event.start_mark, event.end_mark
        if event.value == "" and not event.style:  # plain: None (pure) or "" (libyaml)
            self.empty_values = True
        if tag == _STR:
            return event.value
        if tag == _TIMESTAMP:
            self.error(
                start,
                end,
                "E119",
                f"{event.value!r} is read as a date, not a string",
                pointer,
                f'quote it to keep it a string: "{event.value}"',
            )
            return _REFUSED
        if tag not in _SCALAR_TAGS:
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
                f"{show_text(event.value)} cannot be read as {kind.get(tag.replace(_CORE, ''), 'a value')}{reason}",
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
        shown = tag.replace(_CORE, "!!")
        hint = "specs hold plain strings, numbers, booleans, lists and mappings; remove the tag"
        if "python/" in tag:
            hint = "Python tags would run code in other loaders; a spec never needs one: remove the tag"
        self.error(event.start_mark, event.end_mark, "E121", f"tag {shown} is not allowed", pointer, hint)


_REFUSED = object()


def show_text(text: str, limit: int = 40) -> str:
    return repr(text) if len(text) <= limit else repr(text[: limit - 10] + "…") + f" ({len(text)} characters)"


def _same_key(a: Any, b: Any) -> bool:
    """Whether two keys are one key to a reader that keeps their types (1 == true == 1.0)."""
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
