"""Upload progress: a live line on a terminal; without one, a few lines for large uploads only."""

from __future__ import annotations

import io

from braket_jobspec.deploy.s3 import MIB, PROGRESS_MIN, Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def feed(progress: Progress, total: int, step: int) -> None:
    progress.start()
    for done in range(step, total + 1, step):
        progress.update("s3://b/k", done, total)


def test_a_small_upload_without_a_terminal_shows_nothing() -> None:
    stream = io.StringIO()
    feed(Progress(stream), 32 * MIB, 16 * MIB)
    assert stream.getvalue() == ""


def test_a_large_upload_without_a_terminal_shows_tens_of_percent() -> None:
    stream = io.StringIO()
    total = 10 * PROGRESS_MIN
    feed(Progress(stream), total, PROGRESS_MIN // 4)  # 40 parts
    lines = stream.getvalue().splitlines()
    assert [line.rsplit("(", 1)[1] for line in lines] == [f"{p}%)" for p in range(10, 101, 10)]
    assert lines[-1] == "  s3://b/k  640.0 MiB / 640.0 MiB (100%)"


def test_a_terminal_gets_one_line_rewritten_in_place() -> None:
    stream = Terminal()
    feed(Progress(stream), 32 * MIB, 16 * MIB)
    assert stream.getvalue() == "\r  s3://b/k  16.0 MiB / 32.0 MiB (50%)\r  s3://b/k  32.0 MiB / 32.0 MiB (100%)\n"
