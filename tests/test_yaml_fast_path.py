"""libyaml's parser (the fast path) and the pure parser read every file the same way."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from braket_jobspec import yaml_reader

REPO = Path(__file__).resolve().parents[1]
FILES = sorted([*(REPO / "specs").rglob("*.yaml"), *(REPO / "tests" / "bad").glob("*.yaml")])

pytestmark = pytest.mark.skipif(not yaml_reader._HAS_LIBYAML, reason="ruamel.yaml.clib (libyaml) is not installed")


def both(text: str) -> tuple[object, object]:
    """What read_yaml gives with the fast path and without it."""
    results = []
    for fast in (True, False):
        saved = yaml_reader._HAS_LIBYAML
        yaml_reader._HAS_LIBYAML = fast
        try:
            doc, diags = yaml_reader.read_yaml(text, "spec.yaml")
        finally:
            yaml_reader._HAS_LIBYAML = saved
        results.append((doc and (doc.data, doc.source_map, doc.number_texts), diags))
    return results[0], results[1]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_example_and_bad_input_reads_the_same(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", "replace")
    fast, pure = both(text)
    assert fast == pure


VALID = (REPO / "specs" / "sv1-with-data.yaml").read_text("utf-8")


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(
    cut=st.integers(0, len(VALID)),
    insert=st.sampled_from(["", " ", "\n", ":", "- ", "  ", "'", '"', "#", "{", "}", "[", "]", ",", "?", "~", "x: "]),
    drop=st.integers(0, 3),
)
def test_mutated_specs_read_the_same(cut: int, insert: str, drop: int) -> None:
    text = VALID[:cut] + insert + VALID[cut + drop :]
    fast, pure = both(text)
    assert fast == pure
