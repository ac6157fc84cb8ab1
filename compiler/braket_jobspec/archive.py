"""The job's source archive: the same tree gives the same bytes on any machine.

Members are laid out as the SDK's `tarfile.add(path, arcname=path.name,
dereference=True)` lays them out (the folder, then its entries depth-first in sorted
order; symlinks stored as what they point to), with the metadata that varies between
machines fixed: mtime 0, uid/gid 0, no user or group names, modes 0644/0755, and a gzip
header without a time or a file name.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import gzip
import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Iterable, Sequence
from pathlib import Path

# Left out of every archive: caches that differ between machines and runs (the SDK's
# own entry-point check writes __pycache__ into the source folder before tarring it).
DEFAULT_EXCLUDES = ("__pycache__", "*.pyc", ".git")


class SourceError(Exception):
    """A source tree that cannot be archived; the message says why."""


@dataclasses.dataclass(frozen=True)
class Member:
    """One archive member; path is the real file it is read from (None for folders)."""

    name: str
    is_dir: bool
    size: int = 0
    mode: int = 0o755
    sha256: str = ""
    path: Path | None = None

    def describe(self) -> dict[str, object]:
        if self.is_dir:
            return {"name": self.name, "type": "dir"}
        return {"name": self.name, "type": "file", "size": self.size, "sha256": self.sha256}


@dataclasses.dataclass(frozen=True)
class Archive:
    members: tuple[Member, ...]
    data: bytes

    @functools.cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def files(self) -> dict[str, Member]:
        return {m.name: m for m in self.members if not m.is_dir}


def excluded(relpath: str, name: str, patterns: Iterable[str]) -> bool:
    """A pattern without `/` matches a name at any depth; one with `/` the path from the source."""
    for pattern in patterns:
        target = relpath if "/" in pattern.strip("/") else name
        if fnmatch.fnmatchcase(target, pattern.strip("/")):
            return True
    return False


def scan(source: Path, excludes: Sequence[str] = ()) -> tuple[Member, ...]:
    """The members of the archive of source (a resolved file or folder)."""
    patterns = (*DEFAULT_EXCLUDES, *excludes)
    members: list[Member] = []
    top = source.name

    def add_file(real: Path, arcname: str) -> None:
        executable = real.stat().st_mode & stat.S_IXUSR
        members.append(Member(arcname, False, mode=0o755 if executable else 0o644, path=real))

    def walk(folder: Path, arcname: str, relpath: str, active: tuple[Path, ...]) -> None:
        members.append(Member(arcname, True))
        for name in sorted(os.listdir(folder)):
            child = folder / name
            rel = f"{relpath}/{name}" if relpath else name
            if excluded(rel, name, patterns):
                continue
            real = child.resolve() if child.is_symlink() else child
            if child.is_symlink():
                if not real.exists():
                    raise SourceError(f"{rel}: broken symlink")
                if not _inside(real, source):
                    raise SourceError(f"{rel}: symlink points outside the source folder ({real})")
            if real.is_dir():
                if real in active:
                    raise SourceError(f"{rel}: symlink loop")
                walk(real, f"{arcname}/{name}", rel, (*active, real))
            elif real.is_file():
                add_file(real, f"{arcname}/{name}")
            else:
                raise SourceError(f"{rel}: not a regular file or folder")

    if source.is_dir():
        walk(source, top, "", (source,))
    else:
        add_file(source, top)
    return tuple(members)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def build(members: Sequence[Member]) -> Archive:
    """Write the reproducible tar.gz of members, reading (and hashing) each file once."""
    done: list[Member] = []
    raw = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for member in members:
            info = tarfile.TarInfo(member.name)
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if member.is_dir:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
                done.append(member)
            else:
                assert member.path is not None
                data = member.path.read_bytes()
                info.size = len(data)
                info.mode = member.mode
                tar.addfile(info, io.BytesIO(data))
                digest = hashlib.sha256(data).hexdigest()
                done.append(dataclasses.replace(member, size=len(data), sha256=digest))
    return Archive(tuple(done), raw.getvalue())
