"""The job's process: started in a group of its own, its output streamed and logged, its runtime capped.

The job container is torn down when the job ends or its stoppingCondition runs out, with
everything the job started. Locally the job gets its own process group (session) for the
same effect: on the time limit, or when jobspec itself is interrupted, the whole group
gets SIGTERM, then SIGKILL after a grace period; when the job's main process exits,
whatever it left running in its group is ended too.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TextIO

GRACE_SECONDS = 5.0


@dataclasses.dataclass(frozen=True)
class Finished:
    returncode: int
    timed_out: bool
    seconds: float


def describe(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


class _Pump(threading.Thread):
    """Copies one pipe of the job to a stream of ours (looked up at each write) and to the log."""

    def __init__(self, pipe: IO[bytes], stream: Callable[[], TextIO], log: IO[bytes], lock: threading.Lock) -> None:
        super().__init__(daemon=True)
        self.pipe, self.stream, self.log, self.lock = pipe, stream, log, lock

    def run(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        fd = self.pipe.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the pipe was closed under us: a process outside the group held it
                chunk = b""
            text = decoder.decode(chunk, final=not chunk)
            with self.lock:
                self.log.write(chunk)
                self.log.flush()
                if text:
                    out = self.stream()
                    out.write(text)
                    out.flush()
            if not chunk:
                return


def run_job(
    argv: Sequence[str],
    env: dict[str, str],
    cwd: Path,
    max_runtime: float,
    log_path: Path,
    stdout: Callable[[], TextIO] = lambda: sys.stdout,
    stderr: Callable[[], TextIO] = lambda: sys.stderr,
    grace: float = GRACE_SECONDS,
) -> Finished:
    """Run argv to its end or to max_runtime seconds; its output goes to stdout/stderr and log_path."""
    posix = os.name == "posix"
    lock = threading.Lock()
    with open(log_path, "ab") as log:
        start = time.monotonic()
        proc = subprocess.Popen(
            list(argv),
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=posix,
        )
        assert proc.stdout is not None and proc.stderr is not None
        pumps = [_Pump(proc.stdout, stdout, log, lock), _Pump(proc.stderr, stderr, log, lock)]
        for pump in pumps:
            pump.start()
        timed_out = False
        try:
            try:
                proc.wait(timeout=max_runtime)
            except subprocess.TimeoutExpired:
                timed_out = True
                _stop(proc, grace)
        except BaseException:  # Ctrl-C in jobspec: the job must not outlive it
            _stop(proc, grace)
            raise
        finally:
            _signal_group(proc, signal.SIGKILL if posix else None)  # leftovers of the job
            for pump in pumps:
                pump.join(timeout=grace)
            proc.stdout.close()
            proc.stderr.close()
        seconds = time.monotonic() - start
    return Finished(proc.returncode, timed_out, seconds)


def _stop(proc: subprocess.Popen[bytes], grace: float) -> None:
    _signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        _signal_group(proc, signal.SIGKILL if os.name == "posix" else None)
        proc.wait()


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals | None) -> None:
    if os.name != "posix" or sig is None:
        if proc.poll() is None:
            proc.kill()
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone already
        os.killpg(proc.pid, sig)
