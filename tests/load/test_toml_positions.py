"""TOML positions: the scanner places every value where its text is, and the loader finds them only when asked."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
import tomli
from hypothesis import given, settings
from hypothesis import strategies as st

from braket_jobspec import pointer as ptr
from braket_jobspec.load import load
from braket_jobspec.load import toml as toml_reader
from braket_jobspec.load.toml_positions import locate_toml
from braket_jobspec.pointer import SourceMap, Span

tomli_w = pytest.importorskip("tomli_w", reason="tomli-w (dev extra) writes the TOML under test")

# Every construct the scanner has a step for: strings of the four kinds (with quotes and
# escapes at their ends), dotted and quoted keys, arrays over several lines with comments,
# inline tables, arrays of tables and tables under them, dates, CRLF line ends.
TRICKY = """\
device = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"  # a comment
"quoted \\" key" = 'literal \\ text'
'single/~key' = 1_000
a.b."c/d" = 0x1F
spaced . dotted = +1.5e-3
n = 3   # three, with spaces before the comment
yes = true \t
when = 1979-05-27 07:32:00Z
day = 1979-05-27
multi = \"\"\"
line one \\
  "two" \"\"\"\"\"
raw = '''it's ''here'''''
list = [ 1, [2, 3], { x = 1, y.z = "}" }, # inside
  "four",  # and a comment
]
empty = []
inline = { a = { b = [1.10, 2] }, "k e y" = true }
[table]
x = 1
[table.sub]
y = [
  'a', "b",
]
[[runs]]
n = 1
[[runs]]
n = 2
[runs.extra]
m = 3
[[runs.steps]]
s = "first"
[ "quoted table" . 'part' ]
v = -0.0
"""


def leaves(value: Any, here: str = "") -> list[tuple[str, Any, bool]]:
    """Every pointer in value, with the value there and whether it is a mapping's (so has a key)."""
    out: list[tuple[str, Any, bool]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += [(ptr.join(here, k), v, True), *leaves(v, ptr.join(here, k))]
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += [(ptr.join(here, i), v, False), *leaves(v, ptr.join(here, i))]
    return out


def text_at(text: str, span: Span) -> str:
    lines = text.split("\n")
    if span.line == span.end_line:
        return lines[span.line - 1][span.col - 1 : span.end_col - 1]
    first = lines[span.line - 1][span.col - 1 :]
    middle = lines[span.line : span.end_line - 1]
    return "\n".join([first, *middle, lines[span.end_line - 1][: span.end_col - 1]])


def key_parts(name: str) -> list[str]:
    """The parts of a dotted (and maybe quoted) key, as TOML reads them."""
    value: Any = tomli.loads(f"{name} = 1")
    parts = []
    while isinstance(value, dict):
        parts.append(next(iter(value)))
        value = value[parts[-1]]
    return parts


def assert_placed(text: str) -> None:
    """Each value's span holds text that TOML reads back as that value; each key's span, a key naming it."""
    data = tomli.loads(text)
    smap = locate_toml(text)
    for pointer, value, keyed in leaves(data):
        written = text_at(text, smap.values[pointer])
        assert written == written.strip(), (pointer, written)  # the value, not the spaces around it
        if isinstance(value, (dict, list)) and not written.startswith(("{", "[")):
            # A table from a header, or an array of tables: placed at the header's name.
            assert ptr.split(pointer)[-1] in key_parts(written) or not keyed, (pointer, written)
        else:
            assert tomli.loads(f"k = {written}")["k"] == value, (pointer, written)
        if keyed:
            # A dotted key (or a header) also places the tables it defines on the way.
            assert ptr.split(pointer)[-1] in key_parts(text_at(text, smap.keys[pointer])), pointer


def test_every_value_of_a_file_with_every_construct_is_placed() -> None:
    assert_placed(TRICKY)
    assert_placed(TRICKY.replace("\n", "\r\n"))


values = st.recursive(
    st.text(max_size=10) | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.booleans(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(min_size=1, max_size=5), inner, max_size=3),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=st.dictionaries(st.text(min_size=1, max_size=6), values, min_size=1, max_size=6), multiline=st.booleans())
def test_every_value_tomli_w_writes_is_placed(data: dict[str, Any], multiline: bool) -> None:
    assert_placed(tomli_w.dumps(data, multiline_strings=multiline))


# --------------------------------------------------------------------------- found when asked

VALID = """\
device = "local:braket/braket_sv"
source_module = "algo.py"

[hyperparameters]
rate = 1.10
steps = 1_000
name = "adam"
"""


def test_a_valid_file_is_placed_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counting(text: str) -> SourceMap:
        calls.append(text)
        return locate_toml(text)

    monkeypatch.setattr(toml_reader, "locate_toml", counting)
    doc, diags = load(VALID.encode(), "spec.toml", "toml")
    assert doc is not None and not diags
    assert calls == []
    texts = doc.number_texts
    smap = doc.source_map
    assert len(calls) == 1  # once, for both
    assert smap == locate_toml(VALID)
    assert texts == {"/hyperparameters/rate": "1.10", "/hyperparameters/steps": "1_000"}


def test_found_number_texts_are_those_of_the_careful_walk() -> None:
    """The lazy path gives what _check_values (run on files with something to report) gives."""
    without_dates = "\n".join(line for line in TRICKY.split("\n") if "1979" not in line)
    for text in (VALID, without_dates):
        doc, diags = load(text.encode(), "spec.toml", "toml")
        assert doc is not None and not diags
        careful: dict[str, str] = {}
        reported: list[Any] = []
        toml_reader._check_values(tomli.loads(text), "spec.toml", locate_toml(text), text, reported, set(), careful)
        assert not reported
        assert doc.number_texts == careful
        assert list(doc.number_texts) == list(careful)


def test_a_diagnostic_on_a_lazy_document_is_placed() -> None:
    doc, _ = load(VALID.encode(), "spec.toml", "toml")
    assert doc is not None
    line = VALID.split("\n").index("steps = 1_000") + 1
    placed = doc.diagnostic("/hyperparameters/steps", "W401", "a message")
    assert (placed.line, placed.col, placed.end_col) == (line, len("steps = ") + 1, len("steps = 1_000") + 1)
    key = doc.diagnostic("/hyperparameters/steps", "E200", "a message", key=True)
    assert (key.line, key.col) == (line, 1)


def test_a_lazy_document_equals_and_pickles_as_a_found_one() -> None:
    first, _ = load(VALID.encode(), "spec.toml", "toml")
    second, _ = load(VALID.encode(), "spec.toml", "toml")
    assert first is not None and second is not None
    assert first == second
    copy = pickle.loads(pickle.dumps(second))
    assert copy == first and copy.source_map == locate_toml(VALID)


def test_a_file_with_something_to_report_is_placed_at_once() -> None:
    text = VALID + "when = 1979-05-27\n"
    doc, diags = load(text.encode(), "spec.toml", "toml")
    assert doc is not None
    assert [(d.code, d.line) for d in diags] == [("E119", text.split("\n").index("when = 1979-05-27") + 1)]
    assert "/hyperparameters/when" in doc.dropped
    assert doc.number_texts == {"/hyperparameters/rate": "1.10", "/hyperparameters/steps": "1_000"}


@pytest.mark.parametrize(
    ("hyperparameters", "scans", "warned"),
    [
        ('rate = "1.10"', 0, False),  # only strings: nothing to compare with its text
        ("rate = 1.10", 1, True),  # a number sent as "1.1": its text is looked up, and differs
        ("rate = 1.5", 1, False),
    ],
)
def test_a_compile_looks_for_positions_only_for_numeric_hyperparameters(
    project: Any, monkeypatch: pytest.MonkeyPatch, hyperparameters: str, scans: int, warned: bool
) -> None:
    from helpers import compile_file

    calls: list[str] = []

    def counting(text: str) -> SourceMap:
        calls.append(text)
        return locate_toml(text)

    monkeypatch.setattr(toml_reader, "locate_toml", counting)
    project.source()
    spec = project.spec(
        'device = "local:braket/braket_sv"\nsource_module = "algo.py"\n'
        f"[instance_config]\nvolumeSizeInGb = 40\n[hyperparameters]\n{hyperparameters}\n",
        "job.toml",
    )
    result = compile_file(spec)
    assert result.ok, [str(d) for d in result.diagnostics]
    assert len(calls) == scans
    assert any(d.code == "W401" for d in result.diagnostics) == warned
