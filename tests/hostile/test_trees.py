"""Generated file-system trees against compile, check, deploy --dry-run and run.

Hypothesis builds a source tree and an input folder from hostile parts: FIFOs, sockets,
links (inside, outside, dangling, to /dev/zero, fanning out through folders), names that
are odd or not UTF-8, and sparse files around 2 GiB. Whatever the tree, every command
ends within its timeout, with exit code 0 or 1, never a traceback; a compile that
succeeds pins every input byte (the manifest's size and digest are the file's), `check`
then finds its outputs current, and `deploy --dry-run` accepts them.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, sockets and devices are POSIX")

CONTEXT = ["--region", "us-west-2", "--account-id", "123456789012", "--stamp", "1700000000000"]
TIMEOUT = 120
GIB2 = 1 << 31

names = st.one_of(
    st.sampled_from(["a.txt", "b c", "-dash", "ünï", "x" * 200, ".hidden", "e.py"]),
    st.just(os.fsdecode(b"lat\xe9n")),  # not UTF-8
)
sizes = st.sampled_from([0, 1, 4096, GIB2 - 1, GIB2 + 4096 + 3])
files = st.tuples(st.just("file"), names, sizes)
entry = st.one_of(
    files,
    files,
    files,
    st.tuples(st.just("fifo"), names, st.just(0)),
    st.tuples(st.just("socket"), names, st.just(0)),
    st.tuples(st.just("link-inside"), names, st.just(0)),
    st.tuples(st.just("link-outside"), names, st.just(0)),
    st.tuples(st.just("link-dangling"), names, st.just(0)),
    st.tuples(st.just("link-zero"), names, st.just(0)),
    st.tuples(st.just("fan-out"), names, st.integers(1, 18)),
)
trees = st.fixed_dictionaries({"src": st.lists(entry, max_size=3), "data": st.lists(entry, max_size=3)})


def sparse(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        f.truncate(size)


def build(folder: Path, entries: list[tuple[str, str, int]], outside: Path, servers: list[socket.socket]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for kind, name, size in entries:
        path = folder / name
        if path.exists() or path.is_symlink():
            continue
        if kind == "file":
            sparse(path, size)
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "socket":
            server = socket.socket(socket.AF_UNIX)
            try:
                server.bind(str(path))
            except OSError:  # a name too long for a socket address
                server.close()
                continue
            servers.append(server)
        elif kind == "link-inside":
            path.symlink_to(".")
        elif kind == "link-outside":
            path.symlink_to(outside)
        elif kind == "link-dangling":
            path.symlink_to(folder / "gone")
        elif kind == "link-zero":
            path.symlink_to("/dev/zero")
        else:  # size levels of folders, each linking twice to the one before
            (path / "l0").mkdir(parents=True)
            (path / "l0" / "leaf").write_text("x")
            for level in range(1, size + 1):
                (path / f"l{level}").mkdir()
                for link in ("a", "b"):
                    (path / f"l{level}" / link).symlink_to(path / f"l{level - 1}")


def jobspec(*args: str, cwd: Path) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "braket_jobspec", *args], cwd=cwd, capture_output=True, timeout=TIMEOUT
    )
    err = done.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    assert done.returncode in (0, 1), (done.returncode, err)
    return done.returncode, done.stdout.decode("utf-8", "replace"), err


def digest_of(path: Path) -> tuple[int, str]:
    hasher, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(8 << 20):
            hasher.update(chunk)
            size += len(chunk)
    return size, hasher.hexdigest()


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,  # the same trees in every run: a CI failure can be replayed
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree=trees)
def test_any_tree_ends_cleanly_and_pins_every_byte(tree: dict[str, Any], tmp_path_factory: Any) -> None:
    base = tmp_path_factory.mktemp("tree")
    repo, outside = base / "repo", base / "outside"
    (repo / ".git").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret").write_text("not in the repository")
    servers: list[socket.socket] = []
    try:
        build(repo / "src", [("file", "algo.py", 0), *tree["src"]], outside, servers)
        (repo / "src" / "algo.py").write_text("def main():\n    pass\n")
        build(repo / "data", [("file", "keep.csv", 3), *tree["data"]], outside, servers)
        (repo / "job.yaml").write_text(
            "device: local:braket/braket_sv\nsource_module: src\nentry_point: src.algo:main\n"
            "input_data: {train: data}\n"
        )
        code, _, err = jobspec("compile", "job.yaml", *CONTEXT, cwd=repo)
        event(f"compile exit {code}")
        if code != 0:
            assert not (repo / "build" / "job.json").exists(), err  # a failed compile writes nothing
            assert any(f" E{n}" in err for n in ("105", "408", "414", "416")), err  # said why
            return
        manifest = json.loads((repo / "build" / "job.manifest.json").read_text())
        for upload in manifest["inputs"]:
            assert (upload["size"], upload["sha256"]) == digest_of(repo / upload["path"])
        assert jobspec("check", "job.yaml", *CONTEXT, cwd=repo)[0] == 0
        assert jobspec("deploy", "--dry-run", "build/job.json", cwd=repo)[0] == 0
        if all(upload["size"] < 1 << 20 for upload in manifest["inputs"]):  # run copies the inputs
            code, _, err = jobspec("run", "build/job.json", "--workdir", str(base / "work"), cwd=repo)
            assert code == 0, err
    finally:
        for server in servers:
            server.close()
