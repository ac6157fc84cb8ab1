"""Canonical JSON: orjson, where installed, must write exactly json.dumps's bytes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from braket_jobspec import canonical
from braket_jobspec.canonical import canonical_json, digest

orjson = pytest.importorskip("orjson", reason="orjson is a CPython-only dependency; without it json alone is used")


@pytest.fixture(autouse=True)
def _orjson_from_the_first_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process writes its first documents with json (importing orjson costs more): not here."""
    monkeypatch.setattr(canonical, "ORJSON_AFTER", 0)


# Any JSON value our outputs could hold: every code point but lone surrogates (which no
# encoder writes as UTF-8), control characters included; ints past 64 bits; floats too.
_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=20) | st.floats().map(repr)  # "1e-05" strings
_numbers = st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
_scalars = st.none() | st.booleans() | _numbers | _text
_values = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4), max_leaves=30
)


def reference(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False, indent=2) + "\n"


@settings(max_examples=400, deadline=None)
@given(_values)
def test_the_bytes_are_json_dumps_bytes(value: Any) -> None:
    assert canonical_json(value) == reference(value)
    compact = json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    assert digest(value) == hashlib.sha256(compact.encode()).hexdigest()


def test_floats_go_to_json_where_the_two_differ() -> None:
    value = {"small": 1e-05, "nested": [{"x": -5.384300113446376e-05}]}
    # The reason for the fallback: orjson's own bytes differ for these floats.
    assert orjson.dumps(1e-05) != json.dumps(1e-05).encode()
    assert canonical_json(value) == reference(value)


def test_the_first_documents_are_json_s_then_orjson_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(canonical, "ORJSON_AFTER", 2)
    monkeypatch.setattr(canonical, "_documents", 0)
    assert [canonical._orjson() is None for _ in range(4)] == [True, True, False, False]


def test_json_is_asked_only_for_floats(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[Any] = []
    real_dumps = json.dumps

    def spy(value: Any, **options: Any) -> str:
        asked.append(value)
        return real_dumps(value, **options)

    monkeypatch.setattr(canonical.json, "dumps", spy)
    plain = {"jobName": "a", "hyperParameters": {"lr": "0.01", "shots": "100"}, "instanceConfig": {"instanceCount": 1}}
    assert canonical_json(plain) == reference(plain) and digest(plain)
    assert asked == [plain]  # only by reference() above: orjson wrote both forms
    asked.clear()
    # Floats that both write alike stay with orjson; json is asked for the others only.
    for value, differs in (({"x": 0.5}, False), ({"a": [{"b": -2.5e20}]}, False), ([1e-05], True), (1e-07, True)):
        assert (orjson.dumps(value) != real_dumps(value, separators=(",", ":")).encode()) is differs
        assert canonical_json(value) == reference(value)
        compact = real_dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert digest(value) == hashlib.sha256(compact.encode()).hexdigest()
        assert len(asked) == (3 if differs else 1)  # reference(), then json for both forms
        asked.clear()


def test_every_float_orjson_writes_otherwise_is_caught() -> None:
    # Across magnitudes, signs and digit counts: where orjson's float differs from json's,
    # canonical_json must have noticed and asked json (its output equals json's).
    values = [
        sign * mantissa * 10.0**exponent
        for exponent in range(-30, 31)
        for mantissa in (1, 1.5, 9.999, 123456789.0, 0.1, 3.14159, 2.0**-20)
        for sign in (1, -1)
    ]
    values += [5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 0.0, -0.0]
    differing = [v for v in values if orjson.dumps(v) != json.dumps(v).encode()]
    assert differing  # the sweep does reach the floats the two write differently
    for value in values:
        assert canonical_json({"v": [value]}) == reference({"v": [value]})
        assert digest([value]) == hashlib.sha256(json.dumps([value], separators=(",", ":")).encode()).hexdigest()
