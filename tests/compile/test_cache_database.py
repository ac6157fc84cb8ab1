"""The cache database damaged in every way the issue names: a compile never fails and never serves a stale output.

Each case builds a warm cache for a small project, damages the database, changes the spec
(so that a stale output would show), and compiles again: the outputs must be exactly those
of a compile without the cache, and the next run must be served from a rebuilt cache.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from braket_jobspec.compile import cache as cache_module
from braket_jobspec.compile.cache import DATABASE, FOLDER, Cache
from conftest import outputs_on_disk, store

JOBSPEC = str(Path(sys.executable).with_name("jobspec"))
FLAGS = ["--region", "us-west-2", "--account-id", "123456789012", "--stamp", "1700000000000"]
SPEC = "device: local:braket/braket_sv\nsource_module: ../src/algo.py\nhyperparameters:\n  shots: {shots}\n"
LATER = time.time_ns() + 3600 * 10**9  # a compile that started after every file was written


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([JOBSPEC, *args, *FLAGS], cwd=root, capture_output=True, text=True, timeout=120)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of two specs whose cache holds both."""
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / ".git").mkdir()  # the project root
    (root / "src" / "algo.py").write_text("def main():\n    pass\n")
    for name in ("a", "b"):
        (root / "specs").mkdir(exist_ok=True)
        (root / "specs" / f"{name}.yaml").write_text(SPEC.format(shots=1))
    time.sleep(0.1)  # past the racy window
    assert run(root, "compile").returncode == 0
    assert _count(root) == 2
    return root


def _count(root: Path) -> int:
    with contextlib.closing(sqlite3.connect(root / FOLDER / DATABASE)) as con:
        return int(con.execute("SELECT count(*) FROM entries").fetchone()[0])


def _outputs(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "build").iterdir())}


def _truncate(size: Callable[[int], int]) -> Callable[[Path], None]:
    def damage(db: Path) -> None:
        with open(db, "r+b") as handle:
            handle.truncate(size(db.stat().st_size))

    return damage


def _scribble(db: Path) -> None:
    data = bytearray(db.read_bytes())
    for at in range(100, len(data), 997):  # the header's page size, then every page
        data[at] ^= 0x5A
    db.write_bytes(bytes(data))


def _sql(*statements: str) -> Callable[[Path], None]:
    def damage(db: Path) -> None:
        with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as con:
            for statement in statements:
                con.execute(statement)

    return damage


def _replace_with(make: Callable[[Path], None]) -> Callable[[Path], None]:
    def damage(db: Path) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{db}{suffix}")
        make(db)

    return damage


def _foreign(db: Path) -> None:
    with contextlib.closing(sqlite3.connect(db)) as con, con:
        con.execute("CREATE TABLE notes (text TEXT)")
        con.execute("INSERT INTO notes VALUES ('someone else''s database')")


DAMAGE: dict[str, Callable[[Path], None]] = {
    "truncated to nothing": _truncate(lambda size: 0),
    "truncated inside the header": _truncate(lambda size: 50),
    "truncated to half": _truncate(lambda size: size // 2),
    "truncated by one page": _truncate(lambda size: size - 4096),
    "bytes changed on every page": _scribble,
    "the wrong schema": _sql("DROP TABLE entries", "CREATE TABLE entries (key TEXT PRIMARY KEY, other TEXT)"),
    "another format's": _sql("PRAGMA user_version = 1"),
    "a later format's, with rows": _sql("PRAGMA user_version = 99", "UPDATE entries SET body = x'00'"),
    "another program's database": _replace_with(_foreign),
    "a text file": _replace_with(lambda db: db.write_text("not a database\n")),
    "a folder": _replace_with(lambda db: db.mkdir()),
    "a FIFO": _replace_with(lambda db: os.mkfifo(db)),
    "a dangling link": _replace_with(lambda db: db.symlink_to(db.parent / "gone")),
    "a WAL of garbage": lambda db: Path(f"{db}-wal").write_bytes(os.urandom(50_000)),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_database_is_a_miss_then_rebuilt(project: Path, damage: str) -> None:
    DAMAGE[damage](project / FOLDER / DATABASE)
    (project / "specs" / "a.yaml").write_text(SPEC.format(shots=2))  # a stale output would show
    time.sleep(0.1)
    done = run(project, "compile")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    cached = _outputs(project)
    assert run(project, "compile", "--no-cache", "-o", "plain").returncode == 0
    plain = {p.name: p.read_bytes() for p in sorted((project / "plain").iterdir())}
    assert {k: v for k, v in cached.items() if k.endswith(".json") and "manifest" not in k} == {
        k: v for k, v in plain.items() if "manifest" not in k
    }
    assert b'"shots":"2"' in cached["a.json"].replace(b" ", b"")
    if damage != "a folder":  # a folder cannot be removed by the cache: it simply works without one
        assert _count(project) >= 1  # made again; b, served from a damaged cache or not, is compiled or kept
        assert run(project, "check").returncode == 0


def test_a_run_killed_while_writing_leaves_nothing_half_written(project: Path) -> None:
    """A writer SIGKILLed inside its transaction: its rows never appear, and the database stays usable."""
    db = project / FOLDER / DATABASE
    script = (
        "import os, signal, sqlite3, sys\n"
        "con = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "con.execute('BEGIN IMMEDIATE')\n"
        "con.execute(\"UPDATE entries SET body = x'00', fingerprint = 'forged'\")\n"
        "con.execute('PRAGMA cache_spill = 1')\n"
        "con.execute(\"INSERT INTO entries VALUES ('k', '', 'f', randomblob(2000000), 0)\")\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    killed = subprocess.run([sys.executable, "-c", script, str(db)], timeout=60)
    assert killed.returncode == -signal.SIGKILL
    before = _outputs(project)
    (project / "build" / "a.json").unlink()
    done = run(project, "compile")
    assert done.returncode == 0, done.stderr
    assert _outputs(project) == before
    with contextlib.closing(sqlite3.connect(db)) as con:
        assert con.execute("SELECT count(*) FROM entries WHERE fingerprint = 'forged' OR key = 'k'").fetchone() == (0,)


def test_a_run_that_holds_the_write_lock_delays_storing_not_compiling(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another live run holds the write lock: this one still reads, compiles and returns; it keeps nothing."""
    monkeypatch.setattr(cache_module, "BUSY_SECONDS", 0.2)
    db = project / FOLDER / DATABASE
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        cache = Cache(project / FOLDER, started_ns=LATER)
        dep = project / "src" / "algo.py"
        paths = outputs_on_disk(project / "out", {"request": "r"})
        entry = cache.entry("k" * 64, [dep], {"request": "r"}, [])
        assert entry is not None
        cache.keep([entry])
        start = time.monotonic()
        assert cache.flush() == 0
        assert time.monotonic() - start < 5
        assert cache.lookup("k" * 64, paths) is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store(cache, "k" * 64, [dep], {"request": "r"}, [])
    stored = cache.lookup("k" * 64, paths)
    assert stored is not None and stored.text("request") == "r"
    cache.close()


def test_the_database_is_bounded_by_evicting_the_least_recently_used(tmp_path: Path) -> None:
    dep = tmp_path / "dep.txt"
    dep.write_text("x")
    cache = Cache(tmp_path / FOLDER, started_ns=LATER, max_bytes=4_000)
    paths = outputs_on_disk(tmp_path / "out", {"request": "y" * 5000})
    for i in range(30):
        assert store(cache, f"{i:064d}", [dep], {"request": "y" * 5000}, [])
        with contextlib.closing(sqlite3.connect(tmp_path / FOLDER / DATABASE)) as con:
            con.execute("UPDATE entries SET used = ? WHERE key = ?", (i, f"{i:064d}"))  # one second apart
            con.commit()
    with contextlib.closing(sqlite3.connect(tmp_path / FOLDER / DATABASE)) as con:
        total, rows = con.execute("SELECT sum(length(body) + length(deps)), count(*) FROM entries").fetchone()
    assert total <= 4_000
    assert 0 < rows < 30
    assert cache.lookup(f"{29:064d}", paths) is not None  # the newest stay
    assert cache.lookup(f"{0:064d}", paths) is None  # the oldest went
    cache.close()


def test_a_hit_marks_its_row_used_so_that_eviction_spares_it(tmp_path: Path) -> None:
    dep = tmp_path / "dep.txt"
    dep.write_text("x")
    cache = Cache(tmp_path / FOLDER, started_ns=LATER)
    paths = outputs_on_disk(tmp_path / "out", {"request": "r"})
    assert store(cache, "a" * 64, [dep], {"request": "r"}, [])
    cache.close()
    with contextlib.closing(sqlite3.connect(tmp_path / FOLDER / DATABASE)) as con:
        con.execute("UPDATE entries SET used = 5")
        con.commit()
    again = Cache(tmp_path / FOLDER)
    assert again.lookup("a" * 64, paths) is not None
    again.flush()
    again.close()
    with contextlib.closing(sqlite3.connect(tmp_path / FOLDER / DATABASE)) as con:
        (used,) = con.execute("SELECT used FROM entries").fetchone()
    assert used > time.time() - 60
