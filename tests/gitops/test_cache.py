"""The incremental cache: hits skip the compile, every kind of input change is seen, concurrent runs are safe."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from braket_jobspec.compile import Result, project
from braket_jobspec.compile.cache import DATABASE, FOLDER, RACY_NS, Cache
from braket_jobspec.diagnostics import Diagnostic
from conftest import outputs_on_disk, store

from .support import Repo

JOBSPEC = str(Path(sys.executable).with_name("jobspec"))


def settle() -> None:
    """Let the files just written age past the cache's racy window, so that entries are kept."""
    time.sleep(RACY_NS / 1e9 * 1.5)


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The specs that were really compiled (not served by the cache), in order."""
    seen: list[str] = []
    real = project.compile_spec

    def counting(spec: Path, *args: Any, **kwargs: Any) -> Result:
        seen.append(spec.as_posix())
        return real(spec, *args, **kwargs)

    monkeypatch.setattr(project, "compile_spec", counting)
    return seen


@pytest.fixture
def tree(layered: Repo, cli: Any) -> Repo:
    layered.write("data/in/a.csv", "1,2\n")
    layered.write(
        "specs/data.yaml",
        "extends: _bases/common.yaml\ninput_data:\n  train: ../data/in\nhyperparameters:\n  shots: 7\n",
    )
    settle()
    assert cli("compile", cwd=layered.root).code == 0
    assert cli("compile", "--env", "prod", cwd=layered.root).code == 0
    return layered


def test_an_unchanged_tree_is_checked_without_compiling(tree: Repo, cli: Any, compiles: list[str]) -> None:
    run = cli("check", cwd=tree.root)
    assert run.code == 0, run.err
    assert compiles == []
    assert cli("check", "--env", "prod", cwd=tree.root).code == 0
    assert compiles == []
    assert cli("check", "--no-cache", cwd=tree.root).code == 0
    assert compiles == ["specs/data.yaml", "specs/job.yaml"]


def test_a_hit_replays_the_warnings(tree: Repo, cli: Any, compiles: list[str]) -> None:
    tree.write("specs/job.yaml", tree.read("specs/job.yaml").replace("shots: 1000", "shots: 1.10"))
    settle()
    first = cli("compile", cwd=tree.root)
    assert "W401 1.10 is read as a number" in first.err
    second = cli("check", cwd=tree.root)
    assert compiles == ["specs/job.yaml"]
    assert second.code == 0 and "W401 1.10 is read as a number" in second.err


def _append(rel: str, text: str) -> Callable[[Repo], None]:
    return lambda repo: repo.write(rel, repo.read(rel) + text)


def _same_size_same_mtime(repo: Repo) -> None:
    path = repo.root / "src/algo/run.py"
    st = path.stat()
    path.write_text(path.read_text().replace("pass", "0x00"))  # four characters for four
    assert path.stat().st_size == st.st_size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _replace(rel: str, old: str, new: str) -> Callable[[Repo], None]:
    return lambda repo: repo.write(rel, repo.read(rel).replace(old, new))


CHANGES: dict[str, Callable[[Repo], None]] = {
    "the spec": _replace("specs/job.yaml", "shots: 1000", "shots: 999"),
    "a base": _replace("specs/_bases/common.yaml", "volumeSizeInGb: 50", "volumeSizeInGb: 60"),
    "the project config": _replace("jobspec.toml", "111111111111", "333333333333"),
    "a source file": _append("src/algo/run.py", "# more\n"),
    "a source file, same size and mtime": _same_size_same_mtime,
    "a new source file": lambda repo: repo.write("src/algo/extra.py", "X = 1\n"),
    "a new source folder": lambda repo: (repo.root / "src/algo/empty").mkdir(),
    "an input file": _append("data/in/a.csv", "3,4\n"),
    "a new input file deep down": lambda repo: repo.write("data/in/more/b.csv", "5\n"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_kind_of_input_change_is_seen(tree: Repo, cli: Any, change: str) -> None:
    CHANGES[change](tree)
    cached = cli("check", cwd=tree.root)
    uncached = cli("check", "--no-cache", cwd=tree.root)
    assert cached.code == uncached.code == 1
    assert cached.err == uncached.err
    assert "E802 stale" in cached.err or "E801" in cached.err


def test_flags_and_environments_are_part_of_the_key(tree: Repo, cli: Any, compiles: list[str]) -> None:
    run = cli("check", "--stamp", "42", cwd=tree.root)
    assert run.code == 1 and "E802 stale" in run.err
    assert compiles == ["specs/data.yaml", "specs/job.yaml"]
    # Outputs that differ from what the specs compile to are compiled again (a hit is the
    # output files as a compile made them), which also tells where they differ.
    again = cli("check", "--stamp", "42", cwd=tree.root)
    assert again.code == 1 and again.err == run.err
    assert cli("check", cwd=tree.root).code == 0  # the entries of the other flags are still there
    assert cli("check", "--env", "prod", cwd=tree.root).code == 0
    assert compiles == ["specs/data.yaml", "specs/job.yaml"] * 2


def test_a_hit_needs_the_same_output_folder_for_the_manifest(tree: Repo, cli: Any) -> None:
    assert cli("compile", "-o", "out/deeper", cwd=tree.root).code == 0
    manifest = json.loads(tree.read("out/deeper/job.manifest.json"))
    assert manifest["root"] == "../.."
    assert json.loads(tree.read("build/job.manifest.json"))["root"] == ".."


def test_racy_files_are_not_cached(repo: Repo, cli: Any, compiles: list[str]) -> None:
    """A file modified during (or just before) the compile that read it may hide a second change."""
    source = repo.write("a.py", "def main():\n    pass\n")
    repo.write("specs/a.yaml", "device: local:braket/braket_sv\nsource_module: ../a.py\n")
    soon = time.time_ns() + 2 * 10**9
    os.utime(source, ns=(soon, soon))  # as if written while the compile ran
    flags = ("--region", "us-west-2", "--account-id", "123456789012")
    assert cli("compile", *flags, cwd=repo.root).code == 0
    assert cli("check", *flags, cwd=repo.root).code == 0
    assert compiles == ["specs/a.yaml", "specs/a.yaml"]
    past = time.time_ns() - 10**9
    os.utime(source, ns=(past, past))
    settle()
    assert cli("check", *flags, cwd=repo.root).code == 0  # kept now
    assert cli("check", *flags, cwd=repo.root).code == 0  # served
    assert compiles == ["specs/a.yaml"] * 3


def _rows(root: Path) -> list[tuple[str, bytes]]:
    with contextlib.closing(sqlite3.connect(root / FOLDER / DATABASE)) as con:
        return list(con.execute("SELECT key, body FROM entries ORDER BY key"))


def test_damaged_entries_are_misses(tree: Repo, cli: Any, compiles: list[str]) -> None:
    rows = _rows(tree.root)
    assert len(rows) == 4  # two specs, two environments
    with contextlib.closing(sqlite3.connect(tree.root / FOLDER / DATABASE)) as con, con:
        for key, body in rows[:3]:  # one bit of the first output's digest
            at = body.index(b" ") + 5
            damaged = body[:at] + bytes([body[at] ^ 1]) + body[at + 1 :]
            con.execute("UPDATE entries SET body = ? WHERE key = ?", (damaged, key))
        con.execute("UPDATE entries SET deps = 'nowhere' WHERE key = ?", (rows[3][0],))
    assert cli("check", cwd=tree.root).code == 0
    assert cli("check", "--env", "prod", cwd=tree.root).code == 0
    assert sorted(compiles) == ["specs/data.yaml", "specs/data.yaml", "specs/job.yaml", "specs/job.yaml"]
    assert cli("check", cwd=tree.root).code == 0  # repaired by the compile that missed
    assert cli("check", "--env", "prod", cwd=tree.root).code == 0
    assert len(compiles) == 4


def test_the_cache_folder_ignores_itself_and_keeps_one_entry_per_key(tree: Repo, cli: Any) -> None:
    folder = tree.root / FOLDER
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert tree.git("status", "--porcelain", "--untracked-files=all").count(FOLDER) == 0
    assert tree.git("check-ignore", f"{FOLDER}/{DATABASE}").strip() == f"{FOLDER}/{DATABASE}"
    keys = [key for key, _ in _rows(tree.root)]
    for shots in (1, 2, 3):
        tree.write("specs/job.yaml", tree.read("specs/job.yaml").replace("shots: 1000", f"shots: 1000{shots}"))
        settle()
        assert cli("compile", cwd=tree.root).code == 0
        tree.write("specs/job.yaml", tree.read("specs/job.yaml").replace(f"shots: 1000{shots}", "shots: 1000"))
    assert [key for key, _ in _rows(tree.root)] == keys


# --------------------------------------------------------------------------- concurrency


LATER = time.time_ns() + 3600 * 10**9  # a compile that started after every file was written


def _hammer(args: tuple[str, int]) -> list[str]:
    """Store outputs under one key again and again while reading it: what each read saw."""
    folder, worker = args
    cache = Cache(Path(folder), started_ns=LATER)
    dep = Path(folder).parent / "dep.txt"
    seen = []
    for round_ in range(60):
        text = f"worker {worker} round {round_} " + "x" * (1000 * (worker + 1))
        texts = {"request": text, "manifest": text[::-1]}
        paths = outputs_on_disk(Path(folder).parent / f"out{worker}", texts)
        store(cache, "k" * 64, [dep], texts, [])
        reader = Cache(Path(folder))  # a run of its own: reads the database
        stored = reader.lookup("k" * 64, paths)
        reader.close()
        if stored is not None:  # only while the row is this worker's: it matches no other's files
            assert {name: stored.text(name) for name in texts} == texts  # never two halves of two writes
            seen.append(text[:20])
    cache.close()
    return seen


def test_concurrent_writers_and_readers_of_one_key(tmp_path: Path) -> None:
    (tmp_path / "dep.txt").write_text("a dependency\n")
    folder = tmp_path / FOLDER
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_hammer, [(str(folder), w) for w in range(4)])
    assert all(results), "every worker read back complete entries"
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(DATABASE)) == [DATABASE]  # checkpointed


def test_concurrent_checks_of_one_tree(tree: Repo) -> None:
    import shutil

    shutil.rmtree(tree.root / FOLDER)
    procs = [
        subprocess.Popen(
            [JOBSPEC, "check", *(("--env", "prod") if i % 2 else ())],
            cwd=tree.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(6)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, outs
    again = subprocess.run([JOBSPEC, "check"], cwd=tree.root, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr


def test_store_refuses_entries_newer_than_their_compile(tmp_path: Path) -> None:
    dep = tmp_path / "dep.txt"
    dep.write_text("x")
    paths = outputs_on_disk(tmp_path / "out", {"request": "r"})
    assert not store(Cache(tmp_path / FOLDER), "a" * 64, [dep], {"request": "r"}, [])  # a run that starts now
    assert Cache(tmp_path / FOLDER).lookup("a" * 64, paths) is None
    cache = Cache(tmp_path / FOLDER, started_ns=LATER)
    assert store(cache, "a" * 64, [dep], {"request": "r"}, [Diagnostic("f", 1, 2, "W1", "m")])
    stored = cache.lookup("a" * 64, paths)
    assert stored is not None and stored.text("request") == "r" and stored.on_disk
    assert stored.diagnostics == [Diagnostic("f", 1, 2, "W1", "m")]
    dep.unlink()
    assert cache.lookup("a" * 64, paths) is not None  # within one run, each path is stat'ed once
    assert Cache(tmp_path / FOLDER).lookup("a" * 64, paths) is None  # the next run sees that a dependency is gone


def test_a_hit_is_the_output_files_as_its_compile_made_them(tmp_path: Path) -> None:
    """The outputs are not stored: a hit reads them from the output folder, and an edited or missing one misses."""
    dep = tmp_path / "dep.txt"
    dep.write_text("x")
    texts = {"request": "{}\n", "manifest": '{"a": 1}\n'}
    paths = outputs_on_disk(tmp_path / "out", texts)
    assert store(Cache(tmp_path / FOLDER, started_ns=LATER), "a" * 64, [dep], texts, [])
    stored = Cache(tmp_path / FOLDER).lookup("a" * 64, paths)
    assert (
        stored is not None
        and stored.text("request") == texts["request"]
        and stored.text("manifest") == texts["manifest"]
    )
    Path(paths["manifest"]).write_text('{"a": 2}\n')  # the same size, other bytes
    assert Cache(tmp_path / FOLDER).lookup("a" * 64, paths) is None
    Path(paths["manifest"]).write_text(texts["manifest"])
    assert Cache(tmp_path / FOLDER).lookup("a" * 64, paths) is not None
    Path(paths["request"]).unlink()
    assert Cache(tmp_path / FOLDER).lookup("a" * 64, paths) is None
    assert Cache(tmp_path / FOLDER).lookup("a" * 64, {"request": paths["request"]}) is None  # an output not named


def test_a_file_changed_during_the_run_is_not_cached_for_specs_that_share_its_read(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two specs share one source read (the run's memo); the source changes between their compiles.

    The second spec's outputs are made from the read before the change, so no entry may pair
    them with the file's later stat: the next run must compile it again, not serve it.
    """
    from braket_jobspec.compile import Settings
    from braket_jobspec.compile.project import Project
    from braket_jobspec.config import Context

    source = repo.write("src/algo.py", "def main():\n    pass\n")
    for name in ("a", "b"):
        repo.write(f"specs/{name}.yaml", "device: local:braket/braket_sv\nsource_module: ../src/algo.py\n")
    settle()
    real = project.compile_spec
    calls: list[str] = []

    def then_edit(spec: Path, *args: Any, **kwargs: Any) -> Result:
        result = real(spec, *args, **kwargs)
        calls.append(spec.name)
        if len(calls) == 1:
            source.write_text("def main():\n    return 1\n")
            time.sleep(RACY_NS / 1e9 * 4)  # the edit is well before the second spec's compile
        return result

    settings = Settings(Context(region="us-west-2", account_id="123456789012", stamp="1700000000000"), cache=True)
    monkeypatch.setattr(project, "compile_spec", then_edit)
    out = repo.root / "build"
    specs = [(repo.root / "specs" / f"{name}.yaml", out) for name in ("a", "b")]
    list(Project(settings).compile_each(specs))
    assert calls == ["a.yaml", "b.yaml"]
    monkeypatch.setattr(project, "compile_spec", real)
    again = list(Project(settings).compile_each(specs))
    fresh = list(Project(settings._replace(cache=False)).compile_each(specs))
    assert [r.manifest_json(out) for r in again] == [r.manifest_json(out) for r in fresh]
