"""Whole files read with the fewest system calls: open, fstat, one read, close.

Python's open() adds an isatty ioctl and a seek to each file, and read() then reads until
a second, empty read. A compile reads each spec and entry module this way, and a check
each cache entry and output: a check of 1,000 specs makes 24,700 system calls instead of
44,600 (strace -f -c).
"""

from __future__ import annotations

import os

_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def read(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes; OSError as open() raises it (IsADirectoryError for a folder included)."""
    fd = os.open(path, _FLAGS)
    try:
        return read_open(fd, os.fstat(fd).st_size)
    except OSError as exc:  # named, as open() names it (os.read does not)
        raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None
    finally:
        os.close(fd)


def read_open(fd: int, size: int) -> bytes:
    """What an open file holds, fstat having said size bytes: one read, more only if it grew."""
    data = os.read(fd, size + 1)  # one byte more than fstat said: a short read is the end
    if len(data) <= size:
        return data
    chunks = [data]  # the file grew since fstat (or is a pipe): read on to its end
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)
