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


class TreeLimits(NamedTuple):
    """How much a source tree or input folder may hold: a bound on what a tree can cost.

    Symlinked folders are followed in a source tree, so a few links can make millions of
    paths (each folder linking twice to the one before: 2^n); the bound refuses such a
    tree by its count instead of reading it. `--max-tree-files` and `--max-tree-bytes` raise them.
    """

    files: int = 100_000
    bytes: int = 100 << 30

    def check(self, files: int, size: int, what: str) -> None:
        if files > self.files:
            raise SourceError(f"{what} holds more than {self.files} files (raise the limit with --max-tree-files)")
        if size > self.bytes:
            raise SourceError(f"{what} holds more than {self.bytes} bytes (raise the limit with --max-tree-bytes)")


class Member(NamedTuple):
    """One archive member; path is the real file it is read from (None for folders)."""

    name: str
    is_dir: bool
    size: int = 0
    mode: int = 0o755
    sha256: str = ""
    path: str | None = None
    seen: tuple[int, ...] = ()  # files.signature of the file when it was read (the incremental cache's)

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
                info.size = member.size
                with _Hashing(member.path) as data:  # streamed: a large member is never whole in memory
                    try:
                        tar.addfile(info, data)
                    except OSError as exc:  # shorter than scanned ("unexpected end of data")
                        raise SourceError(f"{member.name} changed while it was being archived") from exc
                    if data.read(1) or data.hexdigest() != member.sha256:
                        raise SourceError(f"{member.name} changed while it was being archived")
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


def pinned(described: Sequence[Mapping[str, Any]]) -> TreeLimits:
    """Limits for rescanning a tree a manifest pins: the defaults, or twice what it pins if that is more.

    Bounded (a tree grown by a symlink fan-out stops early), and loose enough that an ordinary
    change is still listed as one (added, removed, changed files) rather than cut short.
    """
    size = sum(m["size"] for m in described if isinstance(m, Mapping) and isinstance(m.get("size"), int))
    default = TreeLimits()
    return TreeLimits(max(default.files, 2 * len(described)), max(default.bytes, 2 * size))


def scan(source: Path, excludes: Sequence[str] = (), limits: TreeLimits | None = None) -> Tree:
    """The members of the archive of source (a resolved file or folder), every file hashed."""
    top = str(source)
    if not source.is_dir():
        return Tree((_file_member(top, source.name),))
    members: list[Member] = []
    _walk(
        members,
        _excluder((*DEFAULT_EXCLUDES, *excludes)),
        top,
        top,
        source.name,
        "",
        (top,),
        _Count(limits or TreeLimits()),
    )
    return Tree(tuple(members))


class _Count:
    """Members and bytes so far, against the limits."""

    def __init__(self, limits: TreeLimits) -> None:
        self.limits, self.files, self.bytes = limits, 0, 0

    def add(self, member: Member) -> Member:
        self.files += 1
        self.bytes += member.size
        self.limits.check(self.files, self.bytes, "the source")
        return member


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
    count: _Count,
) -> None:
    """Add folder and what is below it, depth first in name order, as tarfile.add does."""
    members.append(count.add(Member(arcname, True)))
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        name = entry.name
        rel = f"{relpath}/{name}" if relpath else name
        if skip(rel, name):
            continue
        if not utf8(name):  # the manifest and the tar header name each member: in UTF-8
            raise SourceError(f"{rel!a}: a file name that is not UTF-8 (rename it)")
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
            _walk(members, skip, top, real, f"{arcname}/{name}", rel, (*active, real), count)
        else:
            members.append(count.add(_file_member(real, f"{arcname}/{name}")))


def _file_member(real: str, arcname: str) -> Member:
    try:
        size, sha256, info = files.digest(real)  # in chunks: a member of any size is hashed whole
    except files.NotRegularFile:
        raise SourceError(f"{arcname.partition('/')[2] or arcname}: not a regular file or folder") from None
    executable = 0o755 if info.st_mode & stat.S_IXUSR else 0o644
    return Member(arcname, False, size, executable, sha256, real, files.signature(info))


class _Hashing:
    """A regular file read by tarfile, hashed on the way (a FIFO put in its place is refused, not waited on)."""

    def __init__(self, path: str) -> None:
        self.fd, _ = files.open_regular(path)
        self.hasher = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = os.read(self.fd, size if size >= 0 else files.CHUNK)
        self.hasher.update(chunk)
        return chunk

    def hexdigest(self) -> str:
        return self.hasher.hexdigest()

    def __enter__(self) -> _Hashing:
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)


def utf8(name: str) -> bool:
    """Whether a name from the file system is UTF-8 (Python keeps other bytes as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def inside(path: str, folder: str) -> bool:
    """path is folder or below it (both resolved); by text, as Path.parents builds a path per level."""
    return path == folder or path.startswith(folder if folder.endswith(os.sep) else folder + os.sep)
