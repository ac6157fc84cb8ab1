"""files.read: a whole file in four system calls, with open()'s errors."""

from __future__ import annotations

import os
import sys
import threading
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
def test_reads_a_pipe_to_its_end(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    payload = b"x" * 300_000  # more than one pipe buffer: several reads

    def feed() -> None:
        with open(fifo, "wb") as stream:
            stream.write(payload)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        assert files.read(fifo) == payload
    finally:
        writer.join(timeout=10)


def test_errors_are_opens_and_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        files.read(tmp_path / "missing")
    assert missing.value.filename == str(tmp_path / "missing")
    with pytest.raises(IsADirectoryError) as folder:
        files.read(tmp_path)
    assert folder.value.filename == str(tmp_path)
    assert folder.value.strerror  # "Is a directory", as open() says it
