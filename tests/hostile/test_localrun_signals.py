"""`jobspec run` ends cleanly: on SIGTERM and SIGHUP, with processes that left the job's group, with
output pipes held open after the job ended, with a relative work folder, and with output that is
not valid UTF-8 (issue 14).

Each test runs `jobspec run` as a real program (a signal must not reach pytest) on a tiny job of
plain Python. The job starts helper processes (src/helper.py) that record their pids in the
results folder and then wait to be ended. Every wait has a deadline, and the `leftovers` fixture
kills whatever a test started that is still running, even when the test failed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and /proc: Linux")

CONTEXT = ["--region", "us-west-2", "--account-id", "123456789012", "--stamp", "1700000000000"]
SPEC = "device: local:braket/braket_sv\nsource_module: src\nentry_point: src.algo\n"
RUN_TIMEOUT = 60.0  # no run here should take more than a few seconds

# Started by the job: `helper.py RESULTS ROLE [setsid] [quiet] [via-parent]`. With via-parent
# it starts itself again without that flag, waits for the new process's pid file and exits:
# the double fork of a daemon, which leaves the process with no parent inside the job.
HELPER = """\
import os, subprocess, sys, time

def pid_file(results, role):
    return os.path.join(results, role + ".pid")

def record(results, role):
    path = pid_file(results, role)
    with open(path + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.replace(path + ".tmp", path)

def wait_for(results, role):
    deadline = time.monotonic() + 30
    while not os.path.exists(pid_file(results, role)):
        if time.monotonic() > deadline:
            sys.exit(f"{role} did not start")
        time.sleep(0.02)

def start(results, role, *flags):
    return subprocess.Popen([sys.executable, os.path.abspath(__file__), results, role, *flags])

if __name__ == "__main__":
    results, role, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
    if "via-parent" in flags:
        start(results, role, *(f for f in flags if f != "via-parent"))
        wait_for(results, role)
        sys.exit(0)
    if "setsid" in flags:
        os.setsid()
    if "quiet" in flags:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
    record(results, role)
    print(role, "up", flush=True)
    time.sleep(120)
"""

JOB_HEADER = """\
import os, sys, time
from src.helper import record, start, wait_for

RESULTS = os.environ["AMZN_BRAKET_JOB_RESULTS_DIR"]
"""


@pytest.fixture
def leftovers(tmp_path: Path) -> Iterator[None]:
    """After the test, SIGKILL every process whose command line names the test's folder."""
    yield
    marks = {str(tmp_path), str(tmp_path.resolve())}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if any(mark in cmdline for mark in marks):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Offline, as tests/localrun/conftest.py: no AWS credentials, no pip index, a private cache."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AMZN_BRAKET_", "AWS_")) and k not in ("BRAKET_ENDPOINT", "PIP_INDEX_URL")
    }
    clean.update(
        AWS_EC2_METADATA_DISABLED="true",
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        PIP_NO_INDEX="1",
    )
    clean.pop("PYTHONIOENCODING", None)
    return clean


def project(tmp_path: Path, env: dict[str, str], body: str, requirements: str | None = None) -> Path:
    """A repository with the job src/algo.py (JOB_HEADER + body), compiled; returns build/job.json."""
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "src" / "__init__.py").write_text("")
    (root / "src" / "helper.py").write_text(HELPER)
    (root / "src" / "algo.py").write_text(JOB_HEADER + textwrap.dedent(body), "utf-8")
    if requirements is not None:
        (root / "src" / "requirements.txt").write_text(requirements)
    (root / "job.yaml").write_text(SPEC)
    done = subprocess.run(
        [sys.executable, "-m", "braket_jobspec", "compile", "job.yaml", "-o", "build", *CONTEXT],
        cwd=root,
        env=env,
        capture_output=True,
        timeout=RUN_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr.decode()
    return root / "build" / "job.json"


def start_run(target: Path, env: dict[str, str], *flags: str, via: Sequence[str] = ()) -> subprocess.Popen[bytes]:
    """`jobspec run TARGET --no-install FLAGS` from the project's folder, in a session of its own.

    via: a program that starts it (argv before jobspec's).
    """
    return subprocess.Popen(
        [*via, sys.executable, "-m", "braket_jobspec", "run", str(target), "--no-install", *flags],
        cwd=target.parent.parent,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def finish(run: subprocess.Popen[bytes]) -> tuple[int, bytes, bytes]:
    try:
        out, err = run.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        run.kill()
        run.communicate()
        raise
    return run.returncode, out, err


def pids(results: Path, *roles: str, timeout: float = 30.0) -> dict[str, int]:
    """The pids the job's processes recorded, once all of them have."""
    deadline = time.monotonic() + timeout
    while not all((results / f"{role}.pid").is_file() for role in roles):
        assert time.monotonic() < deadline, f"not all of {roles} started"
        time.sleep(0.02)
    return {role: int((results / f"{role}.pid").read_text()) for role in roles}


def running(pid: int) -> bool:
    """Whether pid is a live process (a zombie no longer runs anything)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 :].split()[0] not in (b"Z", b"X")


def still_running(recorded: dict[str, int], timeout: float = 5.0) -> list[str]:
    """The roles whose process is still running after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [role for role, pid in recorded.items() if running(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


# 1. SIGTERM and SIGHUP end the job's processes, in its group or not, and the run exits 128 + N.

SIGNALLED_JOB = """\
start(RESULTS, "member")  # stays in the job's process group
start(RESULTS, "daemon", "setsid", "via-parent").wait()  # a session of its own, its parent gone
wait_for(RESULTS, "member")
wait_for(RESULTS, "daemon")
record(RESULTS, "main")
print("job running", flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
@pytest.mark.usefixtures("leftovers")
def test_a_signal_ends_every_process_of_the_job_and_the_run(
    tmp_path: Path, env: dict[str, str], sig: signal.Signals
) -> None:
    target = project(tmp_path, env, SIGNALLED_JOB)
    work = tmp_path / "w"
    run = start_run(target, env, "--workdir", str(work))
    try:
        recorded = pids(work / "model", "main", "member", "daemon")
        run.send_signal(sig)
        code, out, err = finish(run)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    text = err.decode()
    assert code == 128 + sig, text
    assert b"job running" in out
    assert "Traceback" not in text
    said = [line for line in text.splitlines() if sig.name in line]
    assert len(said) == 1 and said[0].startswith("jobspec run: "), text
    assert still_running(recorded) == []


@pytest.mark.usefixtures("leftovers")
def test_an_ignored_sighup_stays_ignored(tmp_path: Path, env: dict[str, str]) -> None:
    """As under `nohup jobspec run`: the hangup must not end the run (this held before the fix too)."""
    target = project(
        tmp_path,
        env,
        """\
        record(RESULTS, "main")
        wait_for(RESULTS, "go")
        print("job went on", flush=True)
        """,
    )
    work = tmp_path / "w"
    # As nohup does: SIGHUP ignored, then jobspec started (exec keeps an ignored signal ignored).
    ignoring = (
        "import os, signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])"
    )
    run = start_run(target, env, "--workdir", str(work), via=[sys.executable, "-c", ignoring])
    try:
        pids(work / "model", "main")
        run.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert run.poll() is None
        (work / "model" / "go.pid").write_text("0")
        code, out, err = finish(run)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    assert code == 0, err.decode()
    assert b"job went on" in out


# 1. The same without a signal: a daemon the job left behind ends with the run.


@pytest.mark.usefixtures("leftovers")
def test_a_daemon_the_job_left_behind_is_ended_with_the_run(tmp_path: Path, env: dict[str, str]) -> None:
    target = project(
        tmp_path,
        env,
        """\
        start(RESULTS, "daemon", "setsid", "quiet", "via-parent").wait()
        wait_for(RESULTS, "daemon")
        print("job done", flush=True)
        """,
    )
    work = tmp_path / "w"
    code, out, err = finish(start_run(target, env, "--workdir", str(work)))
    assert code == 0, err.decode()
    assert b"job done" in out
    assert still_running(pids(work / "model", "daemon", timeout=0)) == []


# 2. A relative --workdir: pip runs from the code folder, so a relative path would name nothing.


@pytest.mark.usefixtures("leftovers")
def test_a_relative_workdir_is_resolved_before_anything_changes_folder(tmp_path: Path, env: dict[str, str]) -> None:
    target = project(tmp_path, env, 'print("ran in", RESULTS, flush=True)\n', requirements="# nothing to install\n")
    run = subprocess.Popen(
        [sys.executable, "-m", "braket_jobspec", "run", "build/job.json", "--workdir", "runs/w"],
        cwd=target.parent.parent,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    code, out, err = finish(run)
    assert code == 0, err.decode()
    results = (target.parent.parent / "runs" / "w" / "model").resolve()
    assert f"ran in {results}".encode() in out
    assert b"work folder runs/w\n" in err


# 3. Output pipes held open after the job's main process exited do not hold the run.


@pytest.mark.usefixtures("leftovers")
def test_a_descendant_holding_the_output_open_does_not_delay_the_end(tmp_path: Path, env: dict[str, str]) -> None:
    target = project(
        tmp_path,
        env,
        """\
        start(RESULTS, "holder", "setsid", "via-parent").wait()  # keeps stdout and stderr open
        wait_for(RESULTS, "holder")
        print("job done", flush=True)
        """,
    )
    work = tmp_path / "w"
    started = time.monotonic()
    code, out, err = finish(start_run(target, env, "--workdir", str(work)))
    elapsed = time.monotonic() - started
    assert code == 0, err.decode()
    assert b"job done" in out and b"holder up" in out
    assert elapsed < 8.0, elapsed  # was 10 s and more: each pump waited the whole grace
    assert still_running(pids(work / "model", "holder", timeout=0)) == []


@pytest.mark.usefixtures("leftovers")
def test_a_holder_outside_the_job_does_not_delay_the_end(tmp_path: Path, env: dict[str, str]) -> None:
    """The job hands its stdout to this test's process, which jobspec cannot end: the wait is bounded."""
    name = f"braket-jobspec-test-{uuid.uuid4().hex}"  # in Linux's abstract namespace: no file to clean up
    target = project(
        tmp_path,
        env,
        """\
        import socket
        with socket.socket(socket.AF_UNIX) as s:
            s.connect("\\0" + os.environ["HOLDER_NAME"])
            socket.send_fds(s, [b"stdout"], [1])
        print("handed over", flush=True)
        """,
    )
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("\0" + name)
        server.listen(1)
        server.settimeout(30)
        run = start_run(target, {**env, "HOLDER_NAME": name}, "--workdir", str(tmp_path / "w"))
        held: list[int] = []
        try:
            conn, _ = server.accept()
            with conn:
                _, held, _, _ = socket.recv_fds(conn, 16, 1)
            handed = time.monotonic()
            code, out, err = finish(run)
            after = time.monotonic() - handed
        finally:
            for fd in held:
                os.close(fd)
            if run.poll() is None:
                run.kill()
                run.communicate()
    assert code == 0, err.decode()
    assert b"handed over" in out
    assert after < 3.5, after  # was the whole grace (5 s) for the stdout pump


# 4. The job's bytes reach our stdout and stderr unchanged.


def output_of(tmp_path: Path, env: dict[str, str], body: str) -> tuple[bytes, bytes, Path]:
    target = project(tmp_path, env, body)
    work = tmp_path / "w"
    code, out, err = finish(start_run(target, env, "--workdir", str(work)))
    assert code == 0, err.decode("utf-8", "replace")
    return out, err, work / "log.txt"


@pytest.mark.usefixtures("leftovers")
def test_invalid_utf8_passes_through_byte_for_byte(tmp_path: Path, env: dict[str, str]) -> None:
    out, err, log = output_of(
        tmp_path,
        env,
        """\
        sys.stdout.buffer.write(b"out \\xff\\xfe \\x80 latin-1 caf\\xe9\\n")
        sys.stdout.flush()
        sys.stderr.buffer.write(b"err \\xc3\\x28 \\xed\\xa0\\x80 surrogate\\n")
        sys.stderr.flush()
        """,
    )
    assert b"out \xff\xfe \x80 latin-1 caf\xe9\n" in out
    assert b"err \xc3\x28 \xed\xa0\x80 surrogate\n" in err
    assert b"\xef\xbf\xbd" not in out + err  # no U+FFFD put in place of a byte
    assert b"caf\xe9" in log.read_bytes()


@pytest.mark.usefixtures("leftovers")
def test_split_and_cut_multibyte_sequences_pass_through(tmp_path: Path, env: dict[str, str]) -> None:
    out, _, _ = output_of(
        tmp_path,
        env,
        """\
        for byte in "é€😀".encode():  # one byte per write, so one sequence spans several reads
            sys.stdout.buffer.write(bytes([byte]))
            sys.stdout.flush()
            time.sleep(0.02)
        sys.stdout.buffer.write(b"\\ncut at the end \\xe2\\x82")  # the output ends inside a character
        sys.stdout.flush()
        """,
    )
    assert "é€😀".encode() + b"\ncut at the end \xe2\x82" in out
    assert out.endswith(b"\xe2\x82")


@pytest.mark.usefixtures("leftovers")
def test_the_bytes_do_not_depend_on_the_encoding_of_our_streams(tmp_path: Path, env: dict[str, str]) -> None:
    env = {**env, "PYTHONIOENCODING": "latin-1"}  # "€" has no latin-1 byte; "é" has another one
    out, err, _ = output_of(tmp_path, env, 'sys.stdout.buffer.write("é€\\n".encode())\n')
    assert "é€\n".encode() in out, err
    assert b"Exception in thread" not in err
