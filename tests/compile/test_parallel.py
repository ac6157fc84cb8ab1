"""Many specs compile on every core, to exactly the bytes of compiling them one by one."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from braket_jobspec.compile import Result, Settings, parallel
from braket_jobspec.compile.outputs import discover
from braket_jobspec.compile.project import Project
from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
from generate import generate


def test_parallel_compile_gives_the_sequential_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = generate(tmp_path / "project", 120)
    items = [(t.spec, tmp_path / "out" / Path(t.stem).parent) for t in discover([specs])]
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)  # two workers, whatever this machine has

    def outputs(results: list[Result]) -> list[tuple[str, str, str]]:
        return [(r.display, r.request_json(), r.manifest_json(out)) for r, (_, out) in zip(results, items, strict=True)]

    forked = list(Project(Settings()).compile_each(items))
    sequential = [Project(Settings()).compile(spec, out) for spec, out in items]
    assert all(r.ok for r in forked)
    assert outputs(forked) == outputs(sequential)


def test_errors_come_back_from_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = generate(tmp_path / "project", 110)
    broken = sorted(specs.rglob("job7.*"))[0]
    broken.write_text(broken.read_text() + ("\nbogus: 1\n" if broken.suffix == ".yaml" else "\nbogus = 1\n"))
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    results = list(Project(Settings()).compile_each([(t.spec, None) for t in discover([specs])]))
    failed = [r for r in results if not r.ok]
    assert [r.spec for r in failed] == [broken]
    assert [d.code for d in failed[0].diagnostics] == ["E201"]


def test_workers_write_the_outputs_and_a_failed_spec_keeps_its_old_ones(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    specs = generate(tmp_path / "project", 120)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    first = cli("compile", "specs", "--no-cache", cwd=specs.parent)
    assert first.code == 0, first.err
    assert "240 file(s) written" in first.err
    outputs = sorted((specs.parent / "build").rglob("*.json"))
    assert len(outputs) == 240
    before = {p: p.read_bytes() for p in outputs}
    # The same bytes as one spec compiled on its own (in this process, no workers).
    some = sorted(specs.rglob("job1*.yaml"))[0]
    alone = Project(Settings()).compile(some, None)
    request = specs.parent / "build" / some.relative_to(specs).with_suffix(".json")
    assert alone.request_json().encode() == before[request]

    broken = sorted(specs.rglob("job7.*"))[0]
    broken.write_text(broken.read_text() + ("\nbogus: 1\n" if broken.suffix == ".yaml" else "\nbogus = 1\n"))
    again = cli("compile", "specs", "--no-cache", cwd=specs.parent)
    assert again.code == 1 and "0 file(s) written" in again.err and "E201" in again.err
    assert {p: p.read_bytes() for p in outputs} == before
    assert not [p for p in (specs.parent / "build").rglob("*") if p.name.endswith(".tmp")]


def test_cache_hits_and_fresh_compiles_interleave_in_order(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
) -> None:
    specs = generate(tmp_path / "project", 240)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    time.sleep(0.1)  # files written within the cache's racy window of a run are not cached
    assert cli("compile", "specs", cwd=specs.parent).code == 0  # fills the cache
    changed = sorted(specs.rglob("job*.yaml"))[::2][:110]  # enough misses for the workers
    for spec in changed:
        spec.write_text(spec.read_text() + "# edited\n")
    items = [(t.spec, specs.parent / "build" / Path(t.stem).parent) for t in discover([specs])]
    cached = Project(Settings(cache=True))
    results = list(cached.compile_each(items))
    assert [r.spec for r in results] == [spec for spec, _ in items]
    hits = [r.spec for r in results if r.stored is not None and r.stored.on_disk]
    assert len(hits) == len(items) - len(changed) and not set(hits) & set(changed)
    fresh = [Project(Settings()).compile(spec, out) for spec, out in items]
    assert [r.request_json() for r in results] == [r.request_json() for r in fresh]
    assert [r.manifest_json(out) for r, (_, out) in zip(results, items, strict=True)] == [
        r.manifest_json(out) for r, (_, out) in zip(fresh, items, strict=True)
    ]


@pytest.mark.parametrize("count", [0, 1, 5, 99, 999, 5000])
@pytest.mark.parametrize("workers", [2, 3, 8])
def test_chunks_cover_every_item_in_order_and_shrink(count: int, workers: int) -> None:
    from braket_jobspec.compile.parallel import _chunks

    chunks = _chunks(list(range(count)), workers)
    assert [i for chunk in chunks for i in chunk] == list(range(count))
    sizes = [len(c) for c in chunks]
    assert all(size > 0 for size in sizes)
    assert sizes == sorted(sizes, reverse=True)  # the last ones are the smallest
    if count >= 1000:
        assert sizes[-2] <= 4 < sizes[0]  # the workers finish within a few specs of each other


@pytest.mark.parametrize("child", ["works", "fails"])
def test_forked_lookups_give_what_looking_up_here_gives(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli,  # type: ignore[no-untyped-def]
    child: str,
) -> None:
    """A warm cache's lookups, half of them in a forked child: the same results, in order, and
    the rows it used marked; a child that fails leaves its half to the parent."""
    import contextlib
    import os
    import sqlite3

    from braket_jobspec.compile.cache import DATABASE, FOLDER

    specs = generate(tmp_path / "project", 130)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(parallel, "_LOOKUPS_PER_FORK", 10)
    time.sleep(0.1)
    assert cli("compile", "specs", cwd=specs.parent).code == 0  # fills the cache
    changed = sorted(specs.rglob("job*.yaml"))[1::7]
    for spec in changed:
        spec.write_text(spec.read_text() + "# edited\n")
    time.sleep(0.1)  # so that the compiles of the edited specs are kept
    database = specs.parent / FOLDER / DATABASE
    with contextlib.closing(sqlite3.connect(database)) as con, con:
        con.execute("UPDATE entries SET used = 5")  # long unused: a hit marks its row
    items = [(t.spec, specs.parent / "build" / Path(t.stem).parent) for t in discover([specs])]
    parent = os.getpid()
    forks: list[int] = []
    real_fork = os.fork

    def counted_fork() -> int:
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(parallel.os, "fork", counted_fork)
    if child == "fails":
        real_cached = Project.cached

        def failing_in_the_child(self: Project, spec: Path, out: Path | None) -> Result | None:
            if os.getpid() != parent:
                raise RuntimeError("a child that fails")
            return real_cached(self, spec, out)

        monkeypatch.setattr(Project, "cached", failing_in_the_child)
    results = list(Project(Settings(cache=True)).compile_each(items))
    assert forks, "the lookups were forked"
    assert [r.spec for r in results] == [spec for spec, _ in items]
    hits = {r.spec for r in results if r.stored is not None and r.stored.on_disk}
    assert hits == {spec for spec, _ in items} - set(changed)
    fresh = [Project(Settings()).compile(spec, out) for spec, out in items]
    assert [r.request_json() for r in results] == [r.request_json() for r in fresh]
    with contextlib.closing(sqlite3.connect(database)) as con:
        stale = con.execute("SELECT count(*) FROM entries WHERE used = 5").fetchone()[0]
    assert stale == 0  # every hit's row marked, the child's included; the edited specs' rows replaced
