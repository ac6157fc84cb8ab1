"""The job's source: its files, read and hashed at compile time, packed only to upload or run.

A compile needs to know what the archive will hold, not its bytes: the manifest pins every
member (name, type, size, SHA-256, executable bit), and the deployer packs the archive
from the tree and refuses it when a member differs. The archive's own bytes also depend
on the zlib build that compresses them (zlib-ng gives other bytes than zlib), so a digest
of them in a reviewed file would not be reproducible across machines; the members are.

Members are laid out as the SDK's `tarfile.add(path, arcname=path.name,
dereference=True)` lays them out (the folder, then its entries depth-first in sorted
order; symlinks stored as what they point to), with the metadata that varies between
machines fixed: mtime 0, uid/gid 0, no user or group names, modes 0644/0755, and a gzip
header without a time or a file name.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from braket_jobspec import canonical, files

# Left out of every archive: caches that differ between machines and runs (the SDK's
# own entry-point check writes __pycache__ into the source folder before tarring it).
DEFAULT_EXCLUDES = ("__pycache__", "*.pyc", ".git")


class SourceError(Exception):
    """A source tree that cannot be archived; the message says why."""


class Member(NamedTuple):
    """One archive member; path is the real file it is read from (None for folders)."""

    name: str
    is_dir: bool
    size: int = 0
    mode: int = 0o755
    sha256: str = ""
    path: str | None = None

    def describe(self) -> dict[str, object]:
        if self.is_dir:
            return {"name": self.name, "type": "dir"}
        described: dict[str, object] = {"name": self.name, "type": "file", "size": self.size, "sha256": self.sha256}
        if self.mode & stat.S_IXUSR:
            described["executable"] = True
        return described


class Tree:
    """The members of a source, each file read and hashed once."""

    def __init__(self, members: tuple[Member, ...]) -> None:
        self.members = members

    @functools.cached_property
    def digest(self) -> str:
        return digest([m.describe() for m in self.members])

    def files(self) -> dict[str, Member]:
        return {m.name: m for m in self.members if not m.is_dir}

    def differences(self, described: Sequence[Mapping[str, Any]]) -> str:
        """How these members differ from a manifest's description of them ("" when they do not)."""
        before = {str(m.get("name")): dict(m) for m in described}
        after = {m.name: m.describe() for m in self.members}
        changed = sorted(name for name in before.keys() & after.keys() if before[name] != after[name])
        words = [
            f"{label}: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}"
            for label, names in (
                ("changed", changed),
                ("added", sorted(after.keys() - before.keys())),
                ("removed", sorted(before.keys() - after.keys())),
            )
            if names
        ]
        return "; ".join(words)

    def pack(self) -> bytes:
        """The reproducible tar.gz; SourceError when a file changed since it was scanned."""
        import gzip
        import io
        import tarfile

        raw = io.BytesIO()
        with (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as zipped,
            tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
        ):
            for member in self.members:
                info = tarfile.TarInfo(member.name)
                info.mtime = 0
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = member.mode
                if member.is_dir:
                    info.type = tarfile.DIRTYPE
                    tar.addfile(info)
                    continue
                assert member.path is not None
                data = files.read(member.path)
                if hashlib.sha256(data).hexdigest() != member.sha256:
                    raise SourceError(f"{member.name} changed while it was being archived")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return raw.getvalue()


def digest(described: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 of members' descriptions (as the manifest lists them): what it pins, as one value."""
    return canonical.digest(described)


def excluded(relpath: str, name: str, patterns: Iterable[str]) -> bool:
    """A pattern without `/` matches a name at any depth; one with `/` the path from the source."""
    return _excluder(tuple(patterns))(relpath, name)


@functools.lru_cache(maxsize=64)
def _excluder(patterns: tuple[str, ...]) -> Callable[[str, str], bool]:
    """excluded() for these patterns: one compiled regex for names, one for paths."""
    import re

    stripped = [p.strip("/") for p in patterns]
    by_name = re.compile("|".join(fnmatch.translate(p) for p in stripped if "/" not in p) or "(?!)").match
    by_path = re.compile("|".join(fnmatch.translate(p) for p in stripped if "/" in p) or "(?!)").match
    return lambda relpath, name: by_name(name) is not None or by_path(relpath) is not None


def scan(source: Path, excludes: Sequence[str] = ()) -> Tree:
    """The members of the archive of source (a resolved file or folder), every file hashed."""
    top = str(source)
    if not source.is_dir():
        return Tree((_file_member(top, source.name),))
    members: list[Member] = []
    _walk(members, _excluder((*DEFAULT_EXCLUDES, *excludes)), top, top, source.name, "", (top,))
    return Tree(tuple(members))


# Module functions, not closures inside scan: a closure that calls itself is a reference
# cycle, which keeps what it sees alive until the collector runs (and makes it run).
def _walk(
    members: list[Member],
    skip: Callable[[str, str], bool],
    top: str,
    folder: str,
    arcname: str,
    relpath: str,
    active: tuple[str, ...],
) -> None:
    """Add folder and what is below it, depth first in name order, as tarfile.add does."""
    members.append(Member(arcname, True))
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        name = entry.name
        rel = f"{relpath}/{name}" if relpath else name
        if skip(rel, name):
            continue
        # The entry's type comes with the folder listing: no stat for a plain file or folder.
        if entry.is_symlink():
            real = os.path.realpath(entry.path)
            if not os.path.exists(real):
                raise SourceError(f"{rel}: broken symlink")
            if not inside(real, top):
                raise SourceError(f"{rel}: symlink points outside the source folder ({real})")
            is_dir = os.path.isdir(real)
        else:
            real, is_dir = entry.path, entry.is_dir(follow_symlinks=False)
        if is_dir:
            if real in active:
                raise SourceError(f"{rel}: symlink loop")
            _walk(members, skip, top, real, f"{arcname}/{name}", rel, (*active, real))
        else:
            members.append(_file_member(real, f"{arcname}/{name}"))


def _file_member(real: str, arcname: str) -> Member:
    data, mode = _read_regular(real, arcname)
    executable = 0o755 if mode & stat.S_IXUSR else 0o644
    return Member(arcname, False, len(data), executable, hashlib.sha256(data).hexdigest(), real)


def inside(path: str, folder: str) -> bool:
    """path is folder or below it (both resolved); by text, as Path.parents builds a path per level."""
    return path == folder or path.startswith(folder if folder.endswith(os.sep) else folder + os.sep)


# O_NONBLOCK: a FIFO found where a file was listed must not hang the compile.
_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _read_regular(path: str, arcname: str) -> tuple[bytes, int]:
    """A regular file's bytes and mode, as files.read reads them, refusing anything else."""
    fd = os.open(path, _READ_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(f"{arcname.partition('/')[2] or arcname}: not a regular file or folder")
        return files.read_open(fd, info.st_size), info.st_mode
    finally:
        os.close(fd)
