"""libyaml's parser (the fast path) and the pure parser read every file the same way."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from braket_jobspec.load import yaml as yaml_reader
from braket_jobspec.load import yaml_errors, yaml_events, yaml_fast

REPO = Path(__file__).resolve().parents[2]
FILES = sorted([*(REPO / "specs").rglob("*.yaml"), *(REPO / "tests" / "bad").glob("*.yaml")])

pytestmark = pytest.mark.skipif(not yaml_reader.HAS_LIBYAML, reason="ruamel.yaml.clib (libyaml) is not installed")


def both(text: str) -> tuple[object, object]:
    """What read_yaml gives with the fast path and without it."""
    results = []
    for fast in (True, False):
        saved = yaml_reader.HAS_LIBYAML
        yaml_reader.HAS_LIBYAML = fast
        try:
            doc, diags = yaml_reader.read_yaml(text, "spec.yaml")
        finally:
            yaml_reader.HAS_LIBYAML = saved
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


# --------------------------------------------------------------------------- the quick reader
# yaml_fast.read_plain reads a file with nothing to report in one loop over libyaml's
# events, and leaves every other file to the _Reader. It must give what the _Reader gives
# on libyaml's events, and answer for every valid example (else it is not the fast path).

EXAMPLES = sorted((REPO / "specs").rglob("*.yaml"))


def event_reader(text: str) -> tuple[object, object, object] | None:
    """What the _Reader on libyaml's events gives, when it has nothing to say."""
    reader = yaml_events.EventReader(text, "spec.yaml", pure=False)
    try:
        reader.run()
    except (yaml_errors.Abandon, yaml_errors.ParseFailure):
        return None
    if reader.diags or reader.empty_values or not isinstance(reader.root, dict) or reader.documents != 1:
        return None
    return reader.root, reader.source_map, reader.number_texts


def quick_reader(text: str) -> tuple[object, object, object] | None:
    read = yaml_fast.read_plain(text)
    return None if read is None else (read[0], read[1](), read[2])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_the_quick_reader_reads_every_valid_example(path: Path) -> None:
    text = path.read_text("utf-8")
    quick = quick_reader(text)
    assert quick is not None
    assert quick == event_reader(text)
    doc, diags = yaml_reader.read_yaml(text, "spec.yaml")
    assert doc is not None and not diags
    assert (doc.data, doc.source_map, doc.number_texts) == quick


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(
    cut=st.integers(0, len(VALID)),
    insert=st.sampled_from(
        ["&a ", "*a", "!!str ", "!!int ", "! ", "<<: ", "1: ", "null: ", "2001-01-01", ".nan", "-.inf", "~", "''",
         "a~b/c: ", "---\n", "...\n", "x: 0x1F\n", "x: 1_000\n", "? ", "- ", "x: |\n  a\n", "[", "{", "\n  "]
    ),
    drop=st.integers(0, 3),
)  # fmt: skip
def test_the_quick_reader_answers_only_as_the_event_reader_does(cut: int, insert: str, drop: int) -> None:
    text = VALID[:cut] + insert + VALID[cut + drop :]
    quick = quick_reader(text)
    if quick is not None:
        assert quick == event_reader(text)


scalars = st.one_of(
    st.text(max_size=8),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=6)
documents = st.dictionaries(
    keys,
    st.recursive(
        scalars,
        lambda inner: st.lists(inner, min_size=1, max_size=4) | st.dictionaries(keys, inner, min_size=1, max_size=4),
        max_leaves=12,
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=documents, flow=st.booleans())
def test_the_quick_reader_reads_what_a_yaml_writer_writes(data: dict[str, object], flow: bool) -> None:
    """Nested data with keys to escape (`~`, `/`) and numbers of every kind, in block and flow style."""
    import io

    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    out = io.StringIO()
    yaml.dump(data, out)
    text = out.getvalue()
    expected = event_reader(text)
    quick = quick_reader(text)
    assert quick == expected
    if expected is not None:  # the writer quotes what would read back otherwise; empty strings are '' not plain
        doc, diags = yaml_reader.read_yaml(text, "spec.yaml")
        assert doc is not None and not diags
        assert (doc.data, doc.source_map, doc.number_texts) == quick
