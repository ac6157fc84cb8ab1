"""Spec data written as YAML or TOML reads back as the same data (import and init rely on it)."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from braket_jobspec.gitops.spectext import modeline, render
from braket_jobspec.load import load

text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
scalar = st.one_of(
    text,
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.sampled_from(["true", "null", "on", "1e3", "0x10", "2024-01-01", "- x", "a: b", "#c", "x:", "'q'", "@at", "~"]),
)
key = st.one_of(st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,12}", fullmatch=True), text.filter(bool))
table = st.dictionaries(key, st.one_of(scalar, st.dictionaries(key, scalar, max_size=3)), max_size=4)
spec = st.dictionaries(key, st.one_of(scalar, st.lists(text, max_size=3), table), min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(spec, st.sampled_from(["yaml", "toml"]))
# A trailing line break passes a `$`-anchored pattern: such keys and values must be quoted.
@example({"A\n": ""}, "yaml")
@example({"a": "abc\n"}, "yaml")
@example({"a\n": 1}, "toml")
def test_render_then_load_gives_the_data_back(data: dict[str, Any], fmt: str) -> None:
    rendered = render(data, fmt, "../schema/jobspec.schema.json", ["a comment", "another: with # marks"])
    doc, diagnostics = load(rendered.encode("utf-8"), "x", fmt)  # type: ignore[arg-type]
    assert diagnostics == [], rendered
    assert doc is not None and doc.data == data, rendered
    assert rendered.splitlines()[0] == modeline(fmt, "../schema/jobspec.schema.json")
