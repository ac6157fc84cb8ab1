"""The incremental cache: hits skip the compile, every kind of input change is seen, concurrent runs are safe."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from braket_jobspec.compile import Result, project
from braket_jobspec.compile.cache import FOLDER, RACY_NS, Cache
from braket_jobspec.diagnostics import Diagnostic

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
    assert cli("check", "--stamp", "42", cwd=tree.root).code == 1  # served from its own entries
    assert cli("check", cwd=tree.root).code == 0
    assert cli("check", "--env", "prod", cwd=tree.root).code == 0
    assert compiles == ["specs/data.yaml", "specs/job.yaml"]


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


def test_damaged_entries_are_misses(tree: Repo, cli: Any, compiles: list[str]) -> None:
    entries = sorted((tree.root / FOLDER / "v1" / "entry").rglob("*"))
    entries = [e for e in entries if e.is_file()]
    assert len(entries) == 4  # two specs, two environments
    for entry in entries:
        data = entry.read_bytes()
        entry.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit of the stored outputs
    index = [i for i in (tree.root / FOLDER / "v1" / "index").rglob("*") if i.is_file()]
    index[0].write_text("{not json")
    assert cli("check", cwd=tree.root).code == 0
    assert sorted(compiles) == ["specs/data.yaml", "specs/job.yaml"]
    assert cli("check", cwd=tree.root).code == 0  # repaired by the compile that missed
    assert len(compiles) == 2


def test_the_cache_folder_ignores_itself_and_keeps_one_entry_per_key(tree: Repo, cli: Any) -> None:
    folder = tree.root / FOLDER
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    assert (folder / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert tree.git("status", "--porcelain", "--untracked-files=all").count(FOLDER) == 0
    assert tree.git("check-ignore", f"{FOLDER}/v1").strip() == f"{FOLDER}/v1"
    for shots in (1, 2, 3):
        tree.write("specs/job.yaml", tree.read("specs/job.yaml").replace("shots: 1000", f"shots: 1000{shots}"))
        settle()
        assert cli("compile", cwd=tree.root).code == 0
        tree.write("specs/job.yaml", tree.read("specs/job.yaml").replace(f"shots: 1000{shots}", "shots: 1000"))
    entries = [e for e in (folder / "v1" / "entry").rglob("*") if e.is_file()]
    assert len(entries) == 4


# --------------------------------------------------------------------------- concurrency


LATER = time.time_ns() + 3600 * 10**9  # a compile that started after every file was written


def _hammer(args: tuple[str, int]) -> list[str]:
    """Store outputs under one key again and again while reading it: what each read saw."""
    folder, worker = args
    cache = Cache(Path(folder))
    dep = Path(folder).parent / "dep.txt"
    seen = []
    for round_ in range(60):
        text = f"worker {worker} round {round_} " + "x" * (1000 * (worker + 1))
        cache.store("k" * 64, [dep], {"request": text, "manifest": text[::-1]}, [], started_ns=LATER)
        stored = cache.lookup("k" * 64)
        if stored is not None:
            assert stored.text("manifest") == stored.text("request")[::-1]  # never two halves of two writes
            seen.append(stored.text("request")[:20])
    return seen


def test_concurrent_writers_and_readers_of_one_key(tmp_path: Path) -> None:
    (tmp_path / "dep.txt").write_text("a dependency\n")
    folder = tmp_path / FOLDER
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.map(_hammer, [(str(folder), w) for w in range(4)])
    assert all(results), "every worker read back complete entries"
    leftovers = [p for p in folder.rglob("*.tmp")]
    assert leftovers == []


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
    cache = Cache(tmp_path / FOLDER)
    assert not cache.store("a" * 64, [dep], {"request": "r"}, [], started_ns=time.time_ns())
    assert cache.lookup("a" * 64) is None
    assert cache.store("a" * 64, [dep], {"request": "r"}, [Diagnostic("f", 1, 2, "W1", "m")], started_ns=LATER)
    stored = cache.lookup("a" * 64)
    assert stored is not None and stored.text("request") == "r"
    assert stored.diagnostics == [Diagnostic("f", 1, 2, "W1", "m")]
    dep.unlink()
    assert cache.lookup("a" * 64) is not None  # within one run, each path is stat'ed once
    assert Cache(tmp_path / FOLDER).lookup("a" * 64) is None  # the next run sees that a dependency is gone
