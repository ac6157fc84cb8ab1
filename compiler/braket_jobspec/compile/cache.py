"""The incremental cache: a spec whose inputs did not change is not compiled again.

One SQLite database, `.jobspec-cache/cache.db` at the project root (git-ignored, safe to
delete any time), with one row per key:

    key          hashes what a compile is asked: the tool itself, the spec's path, the
                 context, flags, environment and output folder
    deps         the files and folders that compile read
    fingerprint  hashes the key with the stat (size, mtime, ctime, inode) of each of deps
    body         each output's SHA-256 and size, and the compile's diagnostics (see _read)
    used         when a run last used the row (seconds), for eviction

The outputs themselves are not stored: they are in the output folder, where the compile
wrote (or found) them. A lookup reads the row, stats its deps and, when the fingerprint
still holds, reads the output files and checks them against the digests: a hit is outputs
that a compile of exactly these inputs made, read from where they already are, without
parsing anything. An output that is missing or was edited is a miss, compiled again. So
the cache stays small (a row is its paths and digests), a miss costs a row, and a hit costs
what comparing the outputs costs anyway. A run's new rows are written in one transaction at
its end, and forked workers send theirs to the parent, which writes them.

Damage is never an error: a file that is not a database, a database of another program or
format, a torn write or a row that does not parse is a miss; a database that cannot be
read is deleted and made again. SQLite's WAL mode lets concurrent runs read
while one writes; a writer that cannot get the lock within BUSY_SECONDS keeps nothing
(the next run compiles those specs again), and a run killed mid-write leaves a
transaction SQLite rolls back. The database is kept under MAX_BYTES of rows by
evicting the rows used least recently.

Limits, as for make and git: a change is seen through a file's size, mtime or ctime (and
inode); a content change that keeps all of them is not. Files modified since the run
started, or less than RACY_NS before, are not cached (their timestamps cannot yet tell
two versions apart). `--no-cache` bypasses the cache.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import stat
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from braket_jobspec import files
from braket_jobspec.diagnostics import Diagnostic

if TYPE_CHECKING:
    import sqlite3

FOLDER = ".jobspec-cache"
DATABASE = "cache.db"
FORMAT = 2  # PRAGMA user_version: a database of another format is made again
APPLICATION_ID = 0x4A534348  # "JSCH": PRAGMA application_id, so that a foreign database is not read
MAX_BYTES = 64 * 2**20  # of rows (about a kilobyte each); beyond it, the least recently used go
BUSY_SECONDS = 5.0  # how long a run waits for another run's write before it keeps nothing
# A row is marked as used again when a hit finds it older than this: a warm run writes nothing.
TOUCH_SECONDS = 3600
_BATCH = 500  # keys per prefetch query (SQLite allows 32,766 parameters)
# A file whose mtime or ctime is this close to the start of the run that read it may have
# changed again within one tick of the file system's clock: such entries are not kept.
# File systems with whole-second timestamps (FAT, HFS+) get a margin of two seconds.
RACY_NS = 50_000_000
COARSE_RACY_NS = 2_000_000_000

_SCHEMA = """
CREATE TABLE entries (
    key TEXT PRIMARY KEY,
    deps TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    body BLOB NOT NULL,
    used INTEGER NOT NULL
) WITHOUT ROWID
"""


class Stored(NamedTuple):  # not a frozen dataclass: see diagnostics.Diagnostic
    """Outputs (request and manifest texts) made elsewhere, and the diagnostics of their compile."""

    texts: dict[str, str]
    diagnostics: list[Diagnostic]
    paths: Mapping[str, str] | None = None  # a cache hit: the output files it checked, which hold the texts

    @property
    def on_disk(self) -> bool:
        """Whether the outputs are files that already hold them (a cache hit): nothing to write or compare."""
        return self.paths is not None

    def text(self, name: str) -> str:
        if name in self.texts or self.paths is None:
            return self.texts[name]
        return files.read(self.paths[name]).decode("utf-8")  # a hit keeps no texts: few callers want them


class Entry(NamedTuple):
    """One compile's row, made where it compiled (maybe a worker) and written by the run's parent."""

    key: str
    deps: str  # the paths, joined by NUL (no path holds one)
    fingerprint: str
    body: bytes


@functools.cache
def tool_fingerprint() -> str:
    """This installation of jobspec: its version and the stat of its code, schemas and data."""
    from braket_jobspec import __version__

    package = Path(__file__).resolve().parents[1]
    parts = [__version__]
    # Every folder of the package (its sub-packages, data and, installed, schema), and the
    # checkout's schema/ in an editable install.
    folders = [root for root, _, _ in os.walk(package) if "__pycache__" not in root]
    for folder in [*sorted(folders), str(package.parents[1] / "schema")]:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.is_file() and entry.name.endswith((".py", ".json")):
                st = entry.stat()
                parts.append(f"{entry.path}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _stat(path: str) -> tuple[int, ...]:
    try:
        return files.signature(os.stat(path))
    except OSError:
        return (-1,)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Cache:
    """One project's cache database. Every failure to read or write it is a miss, never an error."""

    def __init__(self, folder: Path, started_ns: int | None = None, max_bytes: int = MAX_BYTES) -> None:
        """The cache in folder, for a run that started at started_ns (time.time_ns(); default: now)."""
        self.folder = folder
        self.started_ns = time.time_ns() if started_ns is None else started_ns
        self.path = folder / DATABASE
        self.max_bytes = max_bytes
        self._con: sqlite3.Connection | None = None
        self._broken = False  # the database could not be opened or made again: no cache this run
        self._absent = False  # there was no database when a lookup looked (until a flush makes one)
        self._pending: list[Entry] = []
        self._used: list[str] = []  # keys of hits whose rows should be marked as used
        # The stat of each path, once per run: specs that share a source tree stat it once.
        # A change during the run is seen by the next one (see entry()).
        self._stats: dict[str, tuple[int, ...]] = {}
        self._racy: set[str] = set()  # paths among them modified since the run started (or just before)
        self._rows: dict[str, tuple[object, ...] | None] = {}  # prefetched rows (None: no row)

    @classmethod
    def at_root(cls, root: Path, started_ns: int | None = None) -> Cache:
        return cls(root / FOLDER, started_ns)

    def key(self, *parts: str) -> str:
        """The key of a compile: what it is asked (parts, in order), with this tool's fingerprint."""
        return _digest("\0".join((tool_fingerprint(), *parts)).encode("utf-8", "surrogateescape"))

    # ------------------------------------------------------------------ reading

    def take_used(self) -> list[str]:
        """The keys whose rows flush() would mark as used, taken out (see look_up_forked)."""
        used, self._used = self._used, []
        return used

    def mark_used(self, keys: Iterable[str]) -> None:
        self._used.extend(keys)

    def readable(self) -> bool:
        """Whether there is a database to look in (none: every lookup of this run misses)."""
        return self._connection(create=False) is not None

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read the rows of many keys in a few queries, for the lookups that follow."""
        import sqlite3

        wanted = [key for key in dict.fromkeys(keys) if key not in self._rows]
        con = self._connection(create=False) if wanted else None
        if con is None:
            return
        try:
            for start in range(0, len(wanted), _BATCH):
                batch = wanted[start : start + _BATCH]
                self._rows.update(dict.fromkeys(batch))
                marks = ",".join("?" * len(batch))
                query = f"SELECT key, deps, fingerprint, body, used FROM entries WHERE key IN ({marks})"
                self._rows.update((row[0], row[1:]) for row in con.execute(query, batch))
        except sqlite3.Error:
            self._rows.clear()
            self._damaged()

    def lookup(self, key: str, outputs: Mapping[str, str]) -> Stored | None:
        """The outputs of key's compile, read from their files (outputs: name -> path).

        None unless no file or folder its compile read has changed since, and each output
        file holds exactly what that compile made.
        """
        import sqlite3

        if key in self._rows:
            row = self._rows.pop(key)
        else:
            con = self._connection(create=False)
            if con is None:
                return None
            try:
                row = con.execute("SELECT deps, fingerprint, body, used FROM entries WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error:
                self._damaged()
                return None
        if row is None:
            return None
        deps, fingerprint, body, used = row
        if not (isinstance(deps, str) and isinstance(body, bytes)):
            return None
        if self._fingerprint(key, deps, deps.split("\0") if deps else []) != fingerprint:
            return None
        stored = _read(body, outputs)
        if stored is not None and isinstance(used, int) and used < time.time() - TOUCH_SECONDS:
            self._used.append(key)
        return stored

    def _fingerprint(
        self, key: str, deps: str, names: list[str], seen: Mapping[str, tuple[int, ...]] | None = None
    ) -> str:
        """The key hashed with deps (the paths, NUL-joined) and each path's stat.

        Each path is stat'ed once per run (unless seen has its stat), and found racy or not
        then. The stats are hashed as one repr, made in C: a string per path cost a third
        of a miss.
        """
        stats = self._stats
        for name in names:
            if name not in stats:
                stat = stats[name] = (seen.get(name) if seen else None) or _stat(name)
                # Racy: modified since the run started, or within a tick of the file system's
                # clock before (whole-second times are given two seconds).
                if stat[0] == -1:
                    continue  # missing: its appearing changes the stat
                margin = COARSE_RACY_NS if stat[1] % 1_000_000_000 == 0 else RACY_NS
                if max(stat[1], stat[2]) >= self.started_ns - margin:
                    self._racy.add(name)
        values = [stats[name] for name in names]
        # surrogateescape: a path from the file system may hold bytes that are not UTF-8
        return _digest(f"{key}\n{deps}\n{values!r}".encode("utf-8", "surrogateescape"))

    # ------------------------------------------------------------------ writing

    def entry(
        self,
        key: str,
        deps: Iterable[str | Path],
        outputs: dict[str, str],
        diagnostics: Iterable[Diagnostic],
        seen: Mapping[str, tuple[int, ...]] | None = None,
    ) -> Entry | None:
        """The row for the outputs of a compile of this run that read deps.

        None when a file it read is racy: modified since the run started (or so close
        before that its stat cannot tell this version from the next). Stats come from the
        run's memo, each taken once, after the run started (seen: the stats a compile took
        as it opened files, files.signature): if a file changed between a read and its
        stat, its new mtime is racy; if after its stat, the next run's stat differs and
        misses. Either way no entry pairs a stat with an older content.
        """
        names = list(dict.fromkeys(str(d) for d in deps))
        joined = "\0".join(names)
        fingerprint = self._fingerprint(key, joined, names, seen)
        if self._racy and not self._racy.isdisjoint(names):
            return None
        lines = []
        for name, text in outputs.items():
            data = text.encode("utf-8")
            lines.append(f"{name} {_digest(data)} {len(data)}\n")
        notes = [d.as_dict() for d in diagnostics]
        if notes:
            lines.append(f"diagnostics {json.dumps(notes, sort_keys=True, ensure_ascii=True)}\n")
        return Entry(key, joined, fingerprint, "".join(lines).encode())

    def keep(self, entries: Iterable[Entry]) -> None:
        """Entries to write at the next flush()."""
        self._pending.extend(entries)

    def flush(self) -> int:
        """Write the kept entries (and the marks of used rows) in one transaction; how many were written."""
        import sqlite3

        pending, used = self._pending, self._used
        self._pending, self._used = [], []
        if not pending and not used:
            return 0
        now = int(time.time())
        for attempt in range(2):
            con = self._connection(create=True)
            if con is None:
                return 0
            try:
                con.execute("BEGIN IMMEDIATE")
                con.executemany(
                    "INSERT OR REPLACE INTO entries (key, deps, fingerprint, body, used) VALUES (?, ?, ?, ?, ?)",
                    [(*e, now) for e in pending],
                )
                con.executemany("UPDATE entries SET used = ? WHERE key = ?", [(now, key) for key in used])
                if pending:
                    self._evict(con)
                con.execute("COMMIT")
                return len(pending)
            except sqlite3.OperationalError as error:
                with contextlib.suppress(sqlite3.Error):
                    con.execute("ROLLBACK")
                if "locked" in str(error) or "busy" in str(error):
                    return 0  # another run holds the database: these specs are compiled again next time
                self._damaged()
            except sqlite3.Error:
                with contextlib.suppress(sqlite3.Error):
                    con.execute("ROLLBACK")
                self._damaged()
            if attempt:
                break
        return 0

    def _evict(self, con: sqlite3.Connection) -> None:
        """Remove the least recently used rows while the rows stored exceed max_bytes."""
        (total,) = con.execute("SELECT coalesce(sum(length(body) + length(deps)), 0) FROM entries").fetchone()
        if total <= self.max_bytes:
            return
        goal = total - self.max_bytes * 3 // 4  # leave room, so that the next runs need not evict
        doomed = []
        for key, size in con.execute("SELECT key, length(body) + length(deps) FROM entries ORDER BY used, key"):
            if goal <= 0:
                break
            doomed.append((key,))
            goal -= size
        con.executemany("DELETE FROM entries WHERE key = ?", doomed)

    # ------------------------------------------------------------------ the database

    def close(self) -> None:
        """Close the connection (before a fork: a child must not use its parent's). Kept entries stay kept."""
        if self._con is not None:
            with contextlib.suppress(Exception):
                self._con.close()
            self._con = None

    def _connection(self, create: bool) -> sqlite3.Connection | None:
        """The open database; None when there is none (and create is False) or it cannot be had."""
        if self._con is not None or self._broken or (self._absent and not create):
            return self._con
        try:
            mode = os.stat(self.path).st_mode
        except OSError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            self._remove()  # a FIFO would block SQLite's first read; anything but a file is not ours
        elif mode is None and not create:
            self._absent = True
            return None
        try:
            self._con = _open(self.path)
        except Exception:  # any failure to open it: make it again, once
            self._remove()
            try:
                self._con = _open(self.path)
            except Exception:  # no cache this run; the compile goes on
                self._broken = True
        return self._con

    def _damaged(self) -> None:
        """A query failed on a database that opened: start again from an empty one."""
        self.close()
        self._remove()

    def _remove(self) -> None:
        self.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")


def _open(path: Path) -> sqlite3.Connection:
    """Connect, and make the schema in a new database; raise for a foreign, damaged or other-format one."""
    import sqlite3

    _mark_folder(path.parent)
    con = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
    try:
        # No fsync: measured at 40 to 80 ms a run here, more than the rest of a cache write.
        # A power cut may then damage the database; a damaged database is made again, and
        # an output is served only if its file matches the row's SHA-256: a cache may lose
        # rows, it never serves a wrong output.
        con.execute("PRAGMA synchronous = OFF")
        app = con.execute("PRAGMA application_id").fetchone()[0]
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if (app, version) != (APPLICATION_ID, FORMAT):
            if (app, version) != (0, 0) or con.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]:
                raise sqlite3.DatabaseError(f"not a jobspec cache of format {FORMAT}: {path}")
            # Pages of 64 KiB: measured, 2,000 rows written in 8 ms instead of 14 ms (4 KiB pages).
            con.execute("PRAGMA page_size = 65536")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("BEGIN IMMEDIATE")
            if con.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0] == 0:  # no other run made it
                con.execute(_SCHEMA)
                con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                con.execute(f"PRAGMA user_version = {FORMAT}")
            con.execute("COMMIT")
    except BaseException:
        con.close()
        raise
    return con


def _mark_folder(folder: Path) -> None:
    """A new cache folder ignores itself in git and tells backup tools it is a cache."""
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitignore").write_text("# created by jobspec: the incremental cache\n*\n", "utf-8")
    (folder / "CACHEDIR.TAG").write_text(
        "Signature: 8a477f597d28d172789f06886806bc55\n# the incremental cache of jobspec (braket-jobspec)\n", "utf-8"
    )


def _read(body: bytes, paths: Mapping[str, str]) -> Stored | None:
    """The outputs a row names, read from paths; None unless each file holds exactly what the row says.

    A row's body is lines: `<output> <sha256> <size>` for each output, then, if the compile
    warned, `diagnostics <JSON list>`.
    """
    try:
        checked = 0
        diagnostics: list[Diagnostic] = []
        for line in body.decode("utf-8").splitlines():
            name, _, rest = line.partition(" ")
            if name == "diagnostics":
                diagnostics = [Diagnostic(**d) for d in json.loads(rest)]
                continue
            digest, size = rest.split(" ")
            data = files.read(paths[name], limit=int(size))
            if len(data) != int(size) or _digest(data) != digest:
                return None
            data.decode("utf-8")  # what text() will do
            checked += 1
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Stored({}, diagnostics, paths) if checked else None
