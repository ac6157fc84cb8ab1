"""YAML 1.2 text to plain data: the text checked and prepared, then read by the fastest reader that can.

A spec with nothing to report is read by libyaml's loop (yaml_fast.py); any other file by
the event reader (yaml_events.py) on the pure parser, which says what is wrong and where.
Before parsing, what the parser would take badly is dealt with here: directives (YAML 1.2
always), unprintable characters, bracket runs that would cost the parser quadratic time,
and tabs in indentation.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.load.document import MAX_DEPTH, Document
from braket_jobspec.load.yaml_errors import Abandon, ParseFailure
from braket_jobspec.load.yaml_events import EventReader
from braket_jobspec.load.yaml_fast import (
    HAS_LIBYAML,
    read_plain,
)

if TYPE_CHECKING:
    pass

_DIRECTIVE = re.compile(r"^%(\S*)(.*)$", re.M)
# YAML's printable set (spec 5.1); anything else makes the reader give up on the file.
_NOT_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# Tabs the parser refuses: in indentation, and between a key's `:` (or a `-`) and its value.
_INDENT_TABS = re.compile(r"^[ ]*\t[ \t]*(?=\S)|(?<=[^\s]:)[ ]*\t[ \t]*(?=\S)|(?<=^- )[ ]*\t[ \t]*", re.M)
_BRACKET_RUN = re.compile(rf"(?:[\[{{][ \t\r\n]*){{{MAX_DEPTH + 1},}}")
_TOMLISH_LINE = re.compile(r"^\s*(\[[\w.\"' -]+\]|[A-Za-z_][\w.-]*\s*=)", re.M)


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
    if HAS_LIBYAML and not diags and "\t" not in text and text.endswith("\n"):
        # Fast path: libyaml's parser (ruamel.yaml.clib) reads a valid spec several times
        # faster (docs/performance.md). Anything it finds to say is said again by the pure parser below,
        # so every diagnostic keeps the same words and positions whichever is installed.
        # Files with tabs go to the pure parser, which refuses some that libyaml reads, and
        # so do files with an empty value or without a final newline, where the two
        # parsers place values (or the ends of mappings) differently. read_plain reads
        # the usual file (no tag, anchor or anything to report) in one tight loop; the
        # rest goes through the EventReader on libyaml's events, then the pure parser.
        quick = read_plain(text)
        if quick is not None:
            return Document(file, "yaml", quick[0], quick[1], quick[2], text, frozenset()), []
        fast = EventReader(text, file, pure=False)
        try:
            fast.run()
        except (Abandon, ParseFailure):
            pass
        else:
            if not fast.diags and not fast.empty_values and isinstance(fast.root, dict) and fast.documents == 1:
                return Document(file, "yaml", fast.root, fast.source_map, fast.number_texts, text, frozenset()), []
    reader = EventReader(text, file)
    try:
        reader.run()
    except Abandon:
        return None, diags + reader.diags
    except ParseFailure as failure:
        tabs = _indentation_tabs(text, file)
        if not tabs:
            return None, [*diags, *reader.diags, failure.diagnostic]
        # Tabs in indentation are the likely cause: report each, then read the file as
        # if they were spaces (same columns) so the file's other errors show too.
        diags += tabs
        reader = EventReader(_INDENT_TABS.sub(lambda m: m.group(0).replace("\t", " "), text), file)
        try:
            reader.run()
        except Abandon:
            return None, diags + reader.diags
        except ParseFailure as again:
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
