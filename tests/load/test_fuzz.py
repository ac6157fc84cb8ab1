"""Fuzzing: the loader on random bytes and text, the whole pipeline on mutated example specs.

Properties, for every input: no exception escapes (so no traceback), the CLI exits 0, 1
or 2, a refused file comes with an error, loaded data is JSON-native, and each file
takes well under a second. Time is measured per file; the assertion uses a generous
bound (CI machines stall now and then) and the last test prints the maximum observed.
Sized to run in CI with the other tests (about 20 seconds on 2 cores).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from braket_jobspec.cli import main
from braket_jobspec.load import MAX_DEPTH, load, locate_toml

REPO = Path(__file__).resolve().parents[2]
CONTEXT = ["--region", "us-west-2", "--account-id", "123456789012", "--stamp", "1700000000000"]
# A second is the goal (issue 4); the bound leaves room for a loaded CI machine.
BOUND_SECONDS = 5.0
# CI runs the same examples every time (a failure there must be reproducible);
# elsewhere each run explores new ones.
_BASE = settings(
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def fuzz(examples: int) -> settings:
    return settings(_BASE, max_examples=examples)


TIMES: dict[str, list[float]] = {}
T = TypeVar("T")


def timed(target: str, run: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - start
    TIMES.setdefault(target, []).append(elapsed)
    assert elapsed < BOUND_SECONDS, f"{target}: one file took {elapsed:.2f} s"
    return result


# --------------------------------------------------------------------------- the loader

# Pieces of YAML and TOML syntax, hostile constructs among them, for text that gets
# past the first character more often than random text does.
TOKENS = [
    "device", "source_module", "hyperparameters", "tags", "input_data", "lr", "key", "x",
    ": ", ":", "- ", "-", "\n", "\n  ", "\n    ", "  ", "\t", "\r\n", "\r", " ", "#", "# c\n",
    "[", "]", "{", "}", ",", "[[", "]]", ".", "=", " = ", '"', "'", '"""', "'''", "\\", "\\n",
    "&a ", "*a", "&b ", "*b", "<<: ", "? ", "!!python/object:os.system ", "!!str ", "!!binary ", "!Ref ",
    "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "---\n", "...\n", "|\n", ">-\n",
    "1", "0", "-1", "1.5", "1_000", "0x1F", "0o17", "1e400", "9" * 50, ".nan", ".inf", "nan", "inf", "-inf",
    "true", "false", "on", "null", "~", "2024-01-01", "07:32:00", "1979-05-27T07:32:00Z",
    "s3://b/k", "src/algo.py", "local:braket/braket_sv", "\ufeff", "\x00", "\x1b", "é", "😀", "\u2028",
]  # fmt: skip
syntax_text = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


def check_load(raw: bytes, fmt: str) -> None:
    doc, diags = timed(f"load {fmt}", lambda: load(raw, "fuzz." + fmt, fmt))  # type: ignore[arg-type]
    for d in diags:
        assert re.fullmatch(r"[EW]\d{3}", d.code), d
        assert d.line >= 0 and d.col >= 0 and d.message, d
        assert d.severity == ("error" if d.code[0] == "E" else "warning"), d
    if doc is None:
        assert any(d.is_error for d in diags), "a refused file must say why"
        return
    assert isinstance(doc.data, dict)
    assert_json_native(doc.data, 0)
    json.dumps(doc.data, allow_nan=False)


def assert_json_native(value: Any, depth: int) -> None:
    assert depth <= MAX_DEPTH + 1
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str)
            assert_json_native(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            assert_json_native(v, depth + 1)
    else:
        assert value is None or isinstance(value, (str, bool, int, float)), repr(value)
        assert not isinstance(value, float) or math.isfinite(value)


@fuzz(300)
@given(st.binary(max_size=3000))
def test_load_random_bytes_as_yaml(raw: bytes) -> None:
    check_load(raw, "yaml")


@fuzz(300)
@given(st.binary(max_size=3000))
def test_load_random_bytes_as_toml(raw: bytes) -> None:
    check_load(raw, "toml")


@fuzz(200)
@given(st.text(max_size=2000))
def test_load_random_text(text: str) -> None:
    check_load(text.encode("utf-8", "surrogatepass"), "yaml")
    check_load(text.encode("utf-8", "surrogatepass"), "toml")


@fuzz(300)
@given(syntax_text)
def test_load_yaml_and_toml_syntax(text: str) -> None:
    check_load(text.encode("utf-8"), "yaml")
    check_load(text.encode("utf-8"), "toml")


@fuzz(150)
@given(st.dictionaries(st.text(min_size=1, max_size=8), st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=4),
    max_leaves=20,
), max_size=6))  # fmt: skip
def test_toml_positions_cover_every_value(data: dict[str, Any]) -> None:
    """For any valid TOML, the position scanner places every key and value that tomli reads."""
    tomli_w = pytest.importorskip("tomli_w", reason="tomli-w (dev extra) writes the TOML under test")
    data = _without_none(data)
    text = tomli_w.dumps(data)
    import tomli

    parsed = tomli.loads(text)
    smap = timed("locate toml", lambda: locate_toml(text))
    for pointer in _pointers(parsed):
        assert pointer in smap.values, (pointer, text)
        if pointer.count("/") and not re.search(r"/\d+$", pointer):
            assert pointer in smap.keys, (pointer, text)


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value if v is not None]
    return value


def _pointers(value: Any, here: str = "") -> Iterator[str]:
    if here:
        yield here
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _pointers(v, here + "/" + k.replace("~", "~0").replace("/", "~1"))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _pointers(v, f"{here}/{i}")


# --------------------------------------------------------------------------- hostile files at the limits


def _laughs(levels: int, width: int) -> bytes:
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return ("\n".join(lines) + "\n").encode()


LIMIT = 128 * 1024
WORST = {
    "billion laughs (9 x 9)": _laughs(9, 9),
    "alias bomb (20 x 20)": _laughs(20, 20),
    "blank lines to the cap": b"a: 1\n" + b"\n" * (LIMIT - 10) + b"b: 2\n",
    "multi-line plain scalar to the cap": b"x:\n" + b" a\n" * ((LIMIT - 3) // 3),
    "folded scalar to the cap": b"x: >\n" + b"  a\n" * ((LIMIT - 5) // 4),
    "flow items to the cap": b"x: [" + b"1," * ((LIMIT - 6) // 2) + b"]\n",
    "keys to the cap": b"".join(b"k%d: v\n" % i for i in range(LIMIT // 10)),
    "nested brackets to the cap": b"x: " + b"[" * (LIMIT // 2 - 4) + b"]" * (LIMIT // 2 - 4) + b"\n",
    "nested sequences to the cap": b"- " * (LIMIT // 2 - 1) + b"x\n",
    "nested mappings": b"".join(b"  " * i + b"k:\n" for i in range(300)),
    "brackets with spaces": b"x: " + b"[ " * (LIMIT // 4) + b"\n",
    "quoted escapes to the cap": b'x: "' + b"\\t" * ((LIMIT - 6) // 2) + b'"\n',
    "toml: keys to the cap": b"".join(b'k%d = "v"\n' % i for i in range(LIMIT // 14)),
    "toml: nested arrays": b"x = " + b"[" * 60 + b"]" * 60 + b"\n",
}


@pytest.mark.parametrize("name", list(WORST))
def test_hostile_files_are_refused_or_read_within_a_second(name: str) -> None:
    raw = WORST[name]
    assert len(raw) <= LIMIT
    fmt = "toml" if name.startswith("toml") else "yaml"
    check_load(raw, fmt)
    elapsed = TIMES[f"load {fmt}"][-1]
    TIMES.setdefault("worst cases", []).append(elapsed)
    if name.startswith(("billion", "alias")):
        assert elapsed < 1.0, f"{name}: {elapsed:.2f} s"  # the bound, with a wide margin in practice


# --------------------------------------------------------------------------- the whole pipeline


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example project (specs, their sources and data, the project config)."""
    root = tmp_path_factory.mktemp("fuzz-project")
    shutil.copytree(REPO / "specs", root / "specs", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(REPO / "jobspec.toml", root / "jobspec.toml")
    return root


EXAMPLES = sorted(p for p in (REPO / "specs").rglob("*") if p.suffix in (".yaml", ".yml", ".toml"))
HOSTILE_LINES = [
    "&a", "*a", "<<: *a", "!!python/object/apply:os.system [x]", "%YAML 1.1", "---", "? [a]", "1: x", "true: y",
    "lr: .nan", "d: 2024-01-01", "\tx: 1", "x: [[[[[[[[", "k = 1", "[table]", 'q = """', "\x00", "\ufeff",
    "job_name: a_b", "instanceType: ml.m5.hugeee", "tags:\n  aws:x: y", "x = nan", "y = 1979-05-27",
    "hyperparameters: [1, 2]", "input_data: s3://b", "entry_point: .rel", "source_module: ../..", "device: 5",
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> tuple[Path, bytes]:
    base = draw(st.sampled_from([p for p in EXAMPLES if (p.suffix == ".toml") == (fmt == "toml")]))
    lines = base.read_text("utf-8").splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            lines = ["\n"]
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "hostile", "indent", "chars"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            lines.insert(i, draw(syntax_text) + "\n")
        elif op == "hostile":
            lines.insert(i, draw(st.sampled_from(HOSTILE_LINES)) + "\n")
        elif op == "indent":
            lines[i] = draw(st.sampled_from(["", " ", "  ", "\t", "    "])) + lines[i].lstrip(" ")
        else:
            line = lines[i]
            at = draw(st.integers(0, len(line)))
            cut = draw(st.integers(0, 3))
            lines[i] = line[:at] + draw(st.text(max_size=3)) + line[at + cut :]
    return base, "".join(lines).encode("utf-8", "surrogatepass")


def check_pipeline(project: Path, base: Path, raw: bytes) -> None:
    target = project / base.relative_to(REPO).parent / f"fuzz{base.suffix}"
    target.write_bytes(raw)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = timed("pipeline", lambda: main(["validate", *CONTEXT, str(target)]))
    assert code in (0, 1, 2)
    text = err.getvalue()
    assert "Traceback" not in text
    assert (code == 1) == bool(re.search(r": E\d{3} ", text)), text


@fuzz(150)
@given(mutated("yaml"))
def test_pipeline_on_mutated_yaml_specs(project: Path, case: tuple[Path, bytes]) -> None:
    check_pipeline(project, *case)


@fuzz(80)
@given(mutated("toml"))
def test_pipeline_on_mutated_toml_specs(project: Path, case: tuple[Path, bytes]) -> None:
    check_pipeline(project, *case)


def test_the_examples_themselves_pass(project: Path) -> None:
    """The unmutated examples compile cleanly: the mutations above start from valid specs."""
    for spec in EXAMPLES:
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = main(["validate", *CONTEXT, str(project / spec.relative_to(REPO))])
        assert code == 0, err.getvalue()


def test_zz_report_the_slowest_file() -> None:
    """Runs last (in file order): the numbers for the record, `pytest -s tests/load/test_fuzz.py` shows them."""
    assert TIMES, "the fuzz tests above ran no example"
    for target, times in sorted(TIMES.items()):
        print(f"fuzz {target}: {len(times)} files, max {max(times):.3f} s, mean {sum(times) / len(times):.4f} s")
        assert max(times) < BOUND_SECONDS
