"""files.read: a whole file in four system calls, with open()'s errors."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

from braket_jobspec import files


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 1 << 20, (1 << 20) + 3])
def test_reads_every_byte(tmp_path: Path, size: int) -> None:
    path = tmp_path / "f"
    path.write_bytes(os.urandom(size))
    assert files.read(path) == path.read_bytes()
    assert files.read(str(path)) == path.read_bytes()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc, whose files have st_size 0")
def test_reads_past_a_size_that_is_too_small() -> None:
    data = files.read("/proc/self/status")
    assert data.startswith(b"Name:") and data.endswith(b"\n") and len(data) > 100


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_a_fifo_is_refused_at_once_without_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(files.NotRegularFile) as refused:
        files.read(fifo)  # a blocking read here would wait for a writer forever
    assert refused.value.filename == str(fifo)
    assert refused.value.strerror == "not a regular file: a FIFO (named pipe)"
    with pytest.raises(files.NotRegularFile):
        files.digest(fifo)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_device_is_refused_not_read(tmp_path: Path) -> None:
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")  # a link to a device is the device
    for path in ("/dev/zero", link):
        with pytest.raises(files.NotRegularFile) as refused:
            files.read(path)
        assert refused.value.strerror == "not a regular file: a character device"


@pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets")
def test_a_socket_is_refused(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(files.NotRegularFile) as refused:
            files.read(path)
    assert refused.value.strerror == "not a regular file: a socket"


def test_errors_are_opens_and_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        files.read(tmp_path / "missing")
    assert missing.value.filename == str(tmp_path / "missing")
    with pytest.raises(files.NotRegularFile) as folder:
        files.read(tmp_path)
    assert folder.value.filename == str(tmp_path)
    assert folder.value.strerror == "not a regular file: a folder"


def test_a_file_over_the_limit_is_refused_by_its_size_with_its_head(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: 1\n" * 1000)
    assert files.read(path, limit=5000) == path.read_bytes()
    with pytest.raises(files.TooLarge) as big:
        files.read(path, limit=100)
    assert (big.value.size, big.value.limit, big.value.head) == (5000, 100, path.read_bytes()[:101])


class ShortReads:
    """os.read as Linux does it for a large file: at most cap bytes per call."""

    def __init__(self, cap: int) -> None:
        self.cap, self.real, self.calls = cap, os.read, 0

    def __call__(self, fd: int, n: int) -> bytes:
        self.calls += 1
        return self.real(fd, min(n, self.cap))


@pytest.mark.parametrize("size", [1, 4096, 100_000, files.CHUNK + 5])
def test_short_reads_are_read_on_to_the_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    path = tmp_path / "f"
    data = os.urandom(size)
    path.write_bytes(data)
    short = ShortReads(max(1, size // 3))
    monkeypatch.setattr(files.os, "read", short)
    assert files.read(path) == data
    assert files.digest(path)[:2] == (size, hashlib.sha256(data).hexdigest())
    assert short.calls > 1


def _sparse(path: Path, size: int, tail: bytes) -> None:
    with open(path, "wb") as f:
        f.truncate(size - len(tail))
        f.seek(size - len(tail))
        f.write(tail)


@pytest.mark.skipif(sys.platform == "win32", reason="sparse files and the 2 GiB read cap are Linux's")
def test_a_sparse_file_over_2_gib_is_hashed_to_its_last_byte(tmp_path: Path) -> None:
    """Linux returns at most 2,147,479,552 bytes per read(): the hash must cover what follows."""
    size = (1 << 31) + 12_345
    path = tmp_path / "big.bin"
    try:
        _sparse(path, size, b"the end")
    except OSError as exc:  # a file system without sparse files or room: nothing to test here
        pytest.skip(f"cannot make a sparse {size}-byte file here: {exc}")
    hasher = hashlib.sha256()
    zeros = bytes(files.CHUNK)
    left = size - 7
    while left:
        step = min(left, len(zeros))
        hasher.update(zeros[:step])
        left -= step
    hasher.update(b"the end")
    assert files.digest(path)[:2] == (size, hasher.hexdigest())
