"""The job's process: started in a group of its own, its output streamed and logged, its runtime capped.

The job container is torn down when the job ends or its stoppingCondition runs out, with
everything the job started. Locally the job gets its own process group (session) for the
same effect: on the time limit, or when jobspec itself is interrupted (Ctrl-C, SIGTERM,
SIGHUP), the job's processes get SIGTERM, then SIGKILL after a grace period; when the job's
main process exits, whatever it left running is ended too.

A process of the job can leave the group (setsid, as a daemon does), where killpg does not
reach it. On Linux, jobspec is therefore a child subreaper while the job runs: a process
whose parent exits is re-parented to jobspec instead of init, so every process the job
started stays below jobspec in /proc's parent links, where _JobProcesses finds it.

The job's output is copied as bytes: it reaches our stdout and stderr unchanged, whatever
its encoding and wherever a read splits it.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import IO, TextIO

GRACE_SECONDS = 5.0
# Once the job's processes are ended its pipes reach their end at once; only a process outside
# the job (one the job handed its stdout to) can hold them open, and the run waits no longer.
DRAIN_SECONDS = 1.0
# SIGKILL cannot be caught, but a process forked between a reading of /proc and the kill is
# found in the next round; this bounds the rounds.
KILL_SECONDS = 2.0
# What a supervisor, `kill` or a closing terminal sends; Ctrl-C stays KeyboardInterrupt.
STOP_SIGNALS = ("SIGTERM", "SIGHUP")
_KILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has no SIGKILL; it kills with Popen.kill
_GONE = ("Z", "X")  # process states of /proc/<pid>/stat that run nothing any more
_PR_SET_CHILD_SUBREAPER, _PR_GET_CHILD_SUBREAPER = 36, 37  # from <linux/prctl.h>


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


class Stopped(BaseException):
    """jobspec got SIGTERM or SIGHUP. A BaseException, as KeyboardInterrupt: no `except Exception` goes on."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # what a shell reports for a program that a signal ended


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Inside, SIGTERM and SIGHUP raise Stopped in the main thread, once: a repeat is ignored while the job ends."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    raised = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal raised
        if not raised:
            raised = True
            raise Stopped(signum)

    signums = [getattr(signal, name) for name in STOP_SIGNALS if hasattr(signal, name)]
    # An ignored signal stays ignored: under `nohup jobspec run`, a hangup must not end the job.
    previous = {s: signal.signal(s, handler) for s in signums if signal.getsignal(s) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, signal.SIG_DFL if old is None else old)


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
    """Run argv to its end or to max_runtime seconds; its output goes to stdout/stderr and log_path.

    However it ends (its main process exits, the time limit, KeyboardInterrupt or Stopped in
    jobspec), no process of the job outlives the call.
    """
    with open(log_path, "ab") as log, _JobProcesses() as processes:
        start = time.monotonic()
        proc = subprocess.Popen(
            list(argv),
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=os.name == "posix",
        )
        processes.proc = proc
        with _copying(proc, stdout, stderr, log):
            try:
                timed_out = _wait(proc, processes, max_runtime, grace)
            finally:
                processes.kill()  # what the job left running, in its group or not; its pipes close with it
        seconds = time.monotonic() - start
    return Finished(proc.returncode, timed_out, seconds)


def _wait(proc: subprocess.Popen[bytes], processes: _JobProcesses, max_runtime: float, grace: float) -> bool:
    """Whether the job ran out of time; when jobspec is interrupted meanwhile, the job is stopped first."""
    try:
        proc.wait(timeout=max_runtime)
    except subprocess.TimeoutExpired:
        _stop(proc, processes, grace)
        return True
    except BaseException:  # Ctrl-C or Stopped: the job must not outlive jobspec
        _stop(proc, processes, grace)
        raise
    return False


def _stop(proc: subprocess.Popen[bytes], processes: _JobProcesses, grace: float) -> None:
    """SIGTERM to every process of the job; SIGKILL when its main process is still there after grace seconds."""
    processes.signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        processes.kill()
        proc.wait()


class _JobProcesses:
    """Every process of the job, found again at each use: its group, and on Linux all it started.

    Around the job: on entry jobspec notes its children of before and becomes a child
    subreaper; on exit whatever of the job still runs is killed and reaped, and the
    subreaper setting is put back. The job's processes are then jobspec's children that
    came after, and everything below them (jobspec has no other children meanwhile).
    """

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None  # the job's main process, leader of its group
        self._ours_before: set[int] = set()
        self._subreaper_before: bool | None = None

    def __enter__(self) -> _JobProcesses:
        self._ours_before = _children(os.getpid(), _process_table())
        self._subreaper_before = _set_subreaper(True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.kill()
        finally:
            if self._subreaper_before is not None:
                _set_subreaper(self._subreaper_before)

    def members(self) -> dict[int, str]:
        """pid -> state of the job's processes known to /proc (none where there is no /proc)."""
        table = _process_table()
        roots = _children(os.getpid(), table) - self._ours_before
        return {pid: table[pid][1] for pid in _below(roots, table)}

    def signal(self, sig: signal.Signals) -> set[int]:
        """Send sig to the job's group and to each of its processes; the pids that still ran."""
        if os.name != "posix":
            if self.proc is not None and self.proc.poll() is None:
                self.proc.kill()
            return set()
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone already
                os.killpg(self.proc.pid, sig)
        running = {pid for pid, state in self.members().items() if state not in _GONE}
        for pid in running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        return running

    def kill(self) -> None:
        """SIGKILL the job's processes, round after round until none runs; reap those re-parented to jobspec."""
        deadline = time.monotonic() + KILL_SECONDS
        while self.signal(_KILL) and time.monotonic() < deadline:
            time.sleep(0.01)
        orphans = self.members().keys() & _children(os.getpid(), _process_table())
        if self.proc is not None:
            orphans.discard(self.proc.pid)  # Popen waits for the job's main process itself
        for pid in orphans:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every process, from /proc (Linux); empty where there is none."""
    table: dict[int, tuple[int, str]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return table
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:  # it ended since the listing
            continue
        # "pid (command) state ppid ...": the command may hold spaces and ")", so read after the last ")".
        state, ppid = stat[stat.rfind(b")") + 2 :].split()[:2]
        table[int(name)] = (int(ppid), state.decode("ascii", "replace"))
    return table


def _children(pid: int, table: dict[int, tuple[int, str]]) -> set[int]:
    return {child for child, (parent, _) in table.items() if parent == pid}


def _below(roots: set[int], table: dict[int, tuple[int, str]]) -> set[int]:
    """roots and every process under them in the table's parent links."""
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _set_subreaper(on: bool) -> bool | None:
    """Make this process a child subreaper (Linux), or stop; the setting before, None where it cannot be done."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    before = ctypes.c_int(0)
    if prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(before), 0, 0, 0) != 0:
        return None
    if prctl(_PR_SET_CHILD_SUBREAPER, int(on), 0, 0, 0) != 0:
        return None
    return bool(before.value)


@contextlib.contextmanager
def _copying(
    proc: subprocess.Popen[bytes], stdout: Callable[[], TextIO], stderr: Callable[[], TextIO], log: IO[bytes]
) -> Iterator[None]:
    """The job's stdout and stderr copied while inside; on exit, a bounded wait for their end."""
    assert proc.stdout is not None and proc.stderr is not None
    lock = threading.Lock()
    pumps = [_Pump(proc.stdout, stdout, log, lock), _Pump(proc.stderr, stderr, log, lock)]
    for pump in pumps:
        pump.start()
    try:
        yield
    finally:
        _drain(pumps, DRAIN_SECONDS)


def _drain(pumps: list[_Pump], seconds: float) -> None:
    """Wait up to seconds for the pumps to reach the end of their pipes, then stop them and close the pipes."""
    deadline = time.monotonic() + seconds
    for pump in pumps:
        pump.join(max(0.0, deadline - time.monotonic()))
    for pump in pumps:
        pump.stopping.set()
    for pump in pumps:
        pump.join(seconds)
        # A pump still writing to a stream of ours that blocks keeps its pipe: closed under it,
        # the pipe's descriptor number could be given to another file, which it would then read.
        if not pump.is_alive():
            pump.pipe.close()


class _Pump(threading.Thread):
    """Copies one pipe of the job, as bytes, to a stream of ours (looked up at each write) and to the log."""

    def __init__(self, pipe: IO[bytes], stream: Callable[[], TextIO], log: IO[bytes], lock: threading.Lock) -> None:
        super().__init__(daemon=True)
        self.pipe, self.stream, self.log, self.lock = pipe, stream, log, lock
        self.stopping = threading.Event()  # set: stop reading, even if the pipe has not ended
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")  # for a stream without bytes
        self._broken = False

    def run(self) -> None:
        fd = self.pipe.fileno()
        poller = _poller(fd)
        while not self.stopping.is_set():
            if poller is not None and not poller.poll(100):  # look at stopping ten times a second
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the pipe was closed under us
                chunk = b""
            if not chunk:
                break
            self._copy(chunk)
        self._copy(b"")

    def _copy(self, chunk: bytes) -> None:
        """chunk to the log and our stream; b"" ends a text stream's last character."""
        with self.lock:
            self.log.write(chunk)
            self.log.flush()
            if self._broken:
                return
            try:
                _write(self.stream(), chunk, self._decoder)
            except (OSError, ValueError):  # our stream is gone (a reader that left): the log goes on
                self._broken = True


def _poller(fd: int) -> select.poll | None:
    """A poll object for fd; None on Windows, where poll does not take pipes and reads block."""
    if not hasattr(select, "poll"):
        return None
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return poller


def _write(stream: TextIO, chunk: bytes, decoder: codecs.IncrementalDecoder) -> None:
    """chunk to stream: as bytes to its binary buffer when it has one, else decoded as UTF-8."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        text = decoder.decode(chunk, final=not chunk)
        if text:
            stream.write(text)
            stream.flush()
        return
    if chunk:
        stream.flush()  # our own lines, written as text, go first
        buffer.write(chunk)
        buffer.flush()
