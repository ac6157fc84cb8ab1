"""The incremental cache: a spec whose inputs did not change is not compiled again.

Layout, under `.jobspec-cache/` at the project root (git-ignored, safe to delete any time):

    v1/index/<key>    the files and folders the last compile of <key> read, and its entry
    v1/entry/<fp>     the outputs of one compile: a JSON header line, then the output bytes

<key> hashes what a compile is asked (the tool itself, the spec's path, context, flags,
environment and output folder). <fp>, the fingerprint, hashes the key with the stat
(size, mtime, ctime, inode) of every file and folder the compile read: the spec, its bases,
the project config, every file and folder of the source tree and of the local inputs.
A lookup reads the index, stats those paths and, when an entry exists for the resulting
fingerprint, returns its outputs without parsing anything. Entries are immutable and named
by their fingerprint, indexes are replaced by atomic renames: concurrent runs need no locks,
a reader never sees half a file, and a torn or foreign file is a miss, never an error.

Limits, as for make and git: a change is seen through a file's size, mtime or ctime (and
inode); a content change that keeps all of them is not. Files modified less than RACY_NS
before a compile read them are not cached (their timestamps cannot yet tell two versions
apart). `--no-cache` bypasses the cache.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from braket_jobspec import files
from braket_jobspec.diagnostics import Diagnostic

FOLDER = ".jobspec-cache"
FORMAT = "v1"
# A file whose mtime or ctime is this close to the start of the compile that read it may
# have changed again within one tick of the file system's clock: such entries are not kept.
# File systems with whole-second timestamps (FAT, HFS+) get a margin of two seconds.
RACY_NS = 50_000_000
COARSE_RACY_NS = 2_000_000_000


class Stored(NamedTuple):  # not a frozen dataclass: see diagnostics.Diagnostic
    """The outputs of a cache hit (request and manifest texts) and the diagnostics of their compile."""

    texts: dict[str, str]
    diagnostics: list[Diagnostic]

    def text(self, name: str) -> str:
        return self.texts[name]


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


def _mark_folder(folder: Path) -> None:
    """A new cache folder ignores itself in git and tells backup tools it is a cache."""
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitignore").write_text("# created by jobspec: the incremental cache\n*\n", "utf-8")
    (folder / "CACHEDIR.TAG").write_text(
        "Signature: 8a477f597d28d172789f06886806bc55\n# the incremental cache of jobspec (braket-jobspec)\n", "utf-8"
    )


def _stat(path: str) -> list[int]:
    try:
        st = os.stat(path)
    except OSError:
        return [-1]
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _stat_text(path: str) -> str:
    return ":".join(map(str, _stat(path)))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Cache:
    """One project's cache folder. Every failure to read or write is a miss, never an error."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.root = str(folder)
        self.hits = 0
        self.misses = 0
        # The stat of each path, once per run: specs that share a source tree stat it once.
        # A change during the run is seen by the next one (a store never records a stat
        # taken after its compile read the file: see _racy).
        self._stats: dict[str, str] = {}

    @classmethod
    def at_root(cls, root: Path) -> Cache:
        return cls(root / FOLDER)

    def key(self, *parts: str) -> str:
        """The key of a compile: what it is asked (parts, in order), with this tool's fingerprint."""
        # surrogateescape: a path from the file system may hold bytes that are not UTF-8
        return _digest("\0".join((tool_fingerprint(), *parts)).encode("utf-8", "surrogateescape"))

    def _path(self, kind: str, name: str) -> str:
        return os.path.join(self.root, FORMAT, kind, name[:2], name)

    def fingerprint(self, key: str, deps: Iterable[str]) -> str:
        """The key with the stat of each path a compile read: any change to one of them changes it."""
        stats = self._stats
        parts = [key]
        for dep in deps:
            stat = stats.get(dep)
            if stat is None:
                stat = stats[dep] = _stat_text(dep)
            parts.append(f"{dep}\0{stat}")
        return _digest("\n".join(parts).encode("utf-8", "surrogateescape"))

    def lookup(self, key: str) -> Stored | None:
        """The stored outputs for key, if no file or folder its compile read has changed since."""
        stored = self._lookup(key)
        if stored is None:
            self.misses += 1
        else:
            self.hits += 1
        return stored

    def _lookup(self, key: str) -> Stored | None:
        try:
            index = json.loads(files.read(self._path("index", key)))
            fp = self.fingerprint(key, index["deps"])
            path = self._path("entry", fp)
            raw = files.read(path)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        stored = _parse(raw)
        if stored is None:  # damaged: remove it, so that the next store writes it again
            with contextlib.suppress(OSError):
                os.unlink(path)
        return stored

    def store(
        self,
        key: str,
        deps: Iterable[str | Path],
        outputs: dict[str, str],
        diagnostics: Iterable[Diagnostic],
        started_ns: int,
    ) -> bool:
        """Keep the outputs of a compile that started at started_ns (time.time_ns) and read deps."""
        names = list(dict.fromkeys(str(d) for d in deps))
        if self._racy(names, started_ns):
            return False
        fp = self.fingerprint(key, names)
        blobs = {name: text.encode("utf-8") for name, text in outputs.items()}
        header = {
            "outputs": [[name, _digest(data), len(data)] for name, data in blobs.items()],
            "diagnostics": [d.as_dict() for d in diagnostics],
        }
        entry = json.dumps(header, sort_keys=True, ensure_ascii=True).encode() + b"\n" + b"".join(blobs.values())
        index_path = self._path("index", key)
        try:
            previous = json.loads(files.read(index_path)).get("entry")
        except (OSError, ValueError, AttributeError):
            previous = None
        try:
            _write(self._path("entry", fp), entry)
            _write(index_path, json.dumps({"deps": names, "entry": fp}).encode())
        except OSError:
            return False
        if previous and previous != fp:
            # The entry this key pointed to is superseded; another run may still read it,
            # and then simply misses.
            with contextlib.suppress(OSError):
                os.unlink(self._path("entry", previous))
        return True

    @staticmethod
    def _racy(deps: list[str], started_ns: int) -> bool:
        stats = [_stat(d) for d in deps]
        coarse = all(s[0] == -1 or s[1] % 1_000_000_000 == 0 for s in stats)
        margin = COARSE_RACY_NS if coarse else RACY_NS
        return any(s[0] != -1 and max(s[1], s[2]) >= started_ns - margin for s in stats)


def _parse(raw: bytes) -> Stored | None:
    """An entry's outputs and diagnostics; None when it is not a whole, intact entry."""
    try:
        head, _, body = raw.partition(b"\n")
        header = json.loads(head)
        texts: dict[str, str] = {}
        offset = 0
        for name, digest, size in header["outputs"]:
            data = body[offset : offset + size]
            offset += size
            if _digest(data) != digest:
                return None
            texts[name] = data.decode("utf-8")
        if offset != len(body):
            return None
        diagnostics = [Diagnostic(**d) for d in header["diagnostics"]]
    except (ValueError, KeyError, TypeError):
        return None
    return Stored(texts, diagnostics)


def _write(name: str, data: bytes) -> None:
    """Write a whole file under a temporary name and rename it into place."""
    import tempfile  # here, not at the top: a run that stores nothing does not need it

    path = Path(name)
    if not path.parent.is_dir():
        _mark_folder(path.parents[3])
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:8]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
