"""Files read whole or hashed in chunks, regular files only, with the fewest system calls.

Python's open() adds an isatty ioctl and a seek to each file, and read() then reads until
a second, empty read: here a file is open, fstat, one read and close. Every file the tool
reads goes through this module, so two promises hold everywhere:
- only a regular file is read: a FIFO, socket or device (or a link to one) is refused
  before any blocking read (NotRegularFile), so no input can hang a run or feed it forever;
- every byte is read: one read() returns at most about 2 GiB on Linux, so a short read is
  read on to the end of the file, never taken for it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat

# O_NONBLOCK: opening a FIFO must not wait for a writer (the fstat that follows refuses it).
_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
CHUNK = 8 << 20  # what a large file is hashed in; a file up to this size is read at once


class NotRegularFile(OSError):
    """A path that is a folder, FIFO, socket or device where a regular file is read."""


class TooLarge(OSError):
    """A file over the size its reader accepts: size is what fstat said, head its first limit + 1 bytes."""

    def __init__(self, path: str, size: int, limit: int, head: bytes) -> None:
        super().__init__(errno.EFBIG, f"{size} bytes, over the limit of {limit}", path)
        self.size, self.limit, self.head = size, limit, head


def kind(mode: int) -> str:
    """What a file that is not regular is, in words."""
    for test, words in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return words
    return "not a regular file"


def open_regular(path: str | os.PathLike[str]) -> tuple[int, os.stat_result]:
    """An open descriptor of a regular file and its stat; NotRegularFile for anything else."""
    name = os.fspath(path)
    try:
        fd = os.open(name, _FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ENXIO, errno.EOPNOTSUPP):  # a socket (open() cannot open one)
            raise NotRegularFile(exc.errno, "not a regular file: a socket", name) from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        what = kind(info.st_mode)
        raise NotRegularFile(
            errno.EISDIR if stat.S_ISDIR(info.st_mode) else errno.EINVAL, f"not a regular file: {what}", name
        )
    return fd, info


def read(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """A regular file's bytes; TooLarge when it is over limit bytes (only its head is read).

    OSError as open() raises it, with the path named (NotRegularFile for a folder or FIFO).
    """
    fd, info = open_regular(path)
    try:
        data = read_open(fd, info.st_size, limit)
        if limit is not None and len(data) > limit:  # said so by fstat, or grown since
            raise TooLarge(os.fspath(path), max(info.st_size, len(data)), limit, data)
        return data
    except TooLarge:
        raise
    except OSError as exc:  # named, as open() names it (os.read does not)
        raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None
    finally:
        os.close(fd)


def read_open(fd: int, size: int, limit: int | None = None) -> bytes:
    """What an open file holds, fstat having said size bytes: one read, more only if needed.

    A read that returns exactly size bytes ends it (the usual file). A shorter one (the
    kernel's 2 GiB cap per read, or a file that shrank) or a longer one (a file that grew)
    is read on to the end of the file; with a limit, to at most limit + 1 bytes, so that
    the caller can tell the file went over it without reading all of it.
    """
    cap = size + 1 if limit is None else min(size, limit) + 1
    data = os.read(fd, cap)
    if len(data) == size and (limit is None or size <= limit):
        return data
    chunks, total = [data], len(data)
    while limit is None or total <= limit:
        chunk = os.read(fd, CHUNK if limit is None else min(CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def digest_open(fd: int, size: int) -> tuple[int, str]:
    """(bytes read, SHA-256 hex) of an open file to its end, in chunks: never all of a large file in memory."""
    if size < CHUNK:
        data = read_open(fd, size)
        return len(data), hashlib.sha256(data).hexdigest()
    hasher, total = hashlib.sha256(), 0
    while chunk := os.read(fd, CHUNK):
        hasher.update(chunk)
        total += len(chunk)
    return total, hasher.hexdigest()


def digest(path: str | os.PathLike[str]) -> tuple[int, str, os.stat_result]:
    """(size, SHA-256 hex, its stat when opened) of a regular file, read to its end in chunks."""
    fd, info = open_regular(path)
    try:
        size, sha = digest_open(fd, info.st_size)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None
    finally:
        os.close(fd)
    return size, sha, info


def signature(info: os.stat_result) -> tuple[int, int, int, int]:
    """What tells a file's versions apart without reading it (as make and git do): size, mtime, ctime, inode."""
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
