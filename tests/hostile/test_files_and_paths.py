"""Hostile inputs of the file system and the command line: nothing lost, nothing escapes, nothing hangs.

Every case runs `jobspec` as a real process, bounded by a timeout, and requires a clean end:
a positioned diagnostic or a usage error, never a traceback, a hang or a lost byte. Each
one failed (hung, crashed or said something untrue) before issue 14.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs, sockets and devices are POSIX")

CONTEXT = ["--region", "us-west-2", "--account-id", "123456789012", "--stamp", "1700000000000"]
SPEC = "device: local:braket/braket_sv\nsource_module: src/algo.py\n"
TIMEOUT = 60


class Done:
    def __init__(self, done: subprocess.CompletedProcess[bytes]) -> None:
        self.code = done.returncode
        self.out = done.stdout.decode("utf-8", "replace")
        self.err = done.stderr.decode("utf-8", "replace")


def jobspec(*args: str, cwd: Path, memory: int | None = None, stdout: int | None = None) -> Done:
    """`jobspec ARGS` in a process of its own (with an address-space cap, if given); never a traceback."""

    def cap() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    done = subprocess.run(
        [sys.executable, "-m", "braket_jobspec", *args],
        cwd=cwd,
        capture_output=stdout is None,
        stdout=stdout,
        stderr=subprocess.PIPE if stdout is not None else None,
        timeout=TIMEOUT,
        preexec_fn=cap,
        env={**os.environ, "NO_COLOR": "1"},
    )
    result = Done(subprocess.CompletedProcess(done.args, done.returncode, done.stdout or b"", done.stderr or b""))
    assert "Traceback" not in result.err, result.err
    return result


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "src").mkdir()
    (root / "src" / "algo.py").write_text("def main():\n    pass\n")
    return root


def sparse(path: Path, size: int, tail: bytes = b"end\n") -> None:
    with open(path, "wb") as f:
        f.truncate(size - len(tail))
        f.seek(size - len(tail))
        f.write(tail)


def sha256_of_sparse(size: int, tail: bytes = b"end\n") -> str:
    hasher, zeros, left = hashlib.sha256(), bytes(8 << 20), size - len(tail)
    while left:
        hasher.update(zeros[: min(left, len(zeros))])
        left -= min(left, len(zeros))
    hasher.update(tail)
    return hasher.hexdigest()


# --------------------------------------------------------------------------- 1. exact bytes

BIG = (1 << 31) + 4096 + 7  # past the 2,147,479,552 bytes that one read() returns on Linux


def test_an_input_over_2_gib_is_pinned_at_its_true_size_and_digest(repo: Path) -> None:
    sparse(repo / "big.bin", BIG)
    (repo / "job.yaml").write_text(SPEC + "input_data: big.bin\n")
    done = jobspec("compile", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 0, done.err
    (upload,) = json.loads((repo / "build" / "job.manifest.json").read_text())["inputs"]
    assert (upload["size"], upload["sha256"]) == (BIG, sha256_of_sparse(BIG))


def test_a_source_member_over_2_gib_is_pinned_at_its_true_size(repo: Path) -> None:
    sparse(repo / "src" / "weights.bin", BIG)
    (repo / "job.yaml").write_text("device: local:braket/braket_sv\nsource_module: src\nentry_point: src.algo\n")
    done = jobspec("compile", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 0, done.err
    members = json.loads((repo / "build" / "job.manifest.json").read_text())["source"]["members"]
    (weights,) = [m for m in members if m["name"] == "src/weights.bin"]
    assert (weights["size"], weights["sha256"]) == (BIG, sha256_of_sparse(BIG))


def test_a_spec_over_the_limit_is_refused_by_its_size_not_read_into_memory(repo: Path) -> None:
    sparse(repo / "huge.yaml", 1 << 30, b"x: 1\n")  # 1 GiB; the process may map 512 MiB in all
    done = jobspec("validate", "huge.yaml", *CONTEXT, cwd=repo, memory=512 << 20)
    assert done.code == 1
    assert f"huge.yaml:1:131073: E101 the file is {1 << 30} bytes, over the limit of 131072 bytes" in done.err


def test_a_base_over_the_limit_is_refused_by_its_size(repo: Path) -> None:
    sparse(repo / "_base.yaml", 1 << 30, b"x: 1\n")
    (repo / "job.yaml").write_text("extends: _base.yaml\n" + SPEC)
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo, memory=512 << 20)
    assert done.code == 1 and f"E101 the file is {1 << 30} bytes" in done.err


def test_a_project_config_over_a_mebibyte_is_an_error_of_the_config(repo: Path) -> None:
    sparse(repo / "jobspec.toml", 1 << 30, b"# end\n")
    (repo / "job.yaml").write_text(SPEC)
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo, memory=512 << 20)
    assert done.code == 1 and f"jobspec.toml: E301 the project config is {1 << 30} bytes" in done.err


# --------------------------------------------------------------------------- 2. regular files only


def test_a_fifo_spec_in_a_folder_is_reported_not_waited_on(repo: Path) -> None:
    (repo / "specs").mkdir()
    os.mkfifo(repo / "specs" / "pipe.yaml")
    (repo / "specs" / "job.yaml").write_text(SPEC.replace("src/", "../src/"))
    done = jobspec("compile", "specs", *CONTEXT, cwd=repo)
    assert done.code == 1
    assert "specs/pipe.yaml: E105 cannot read the spec: not a regular file: a FIFO (named pipe)" in done.err
    assert (repo / "build" / "job.json").is_file()  # the other spec still compiles


def test_a_fifo_spec_named_on_the_command_line_is_not_a_regular_file(repo: Path) -> None:
    os.mkfifo(repo / "pipe.yaml")
    done = jobspec("compile", "pipe.yaml", "-o", "-", *CONTEXT, cwd=repo)
    assert done.code == 1 and "pipe.yaml: E105 cannot read the spec: not a regular file: a FIFO" in done.err


def test_a_spec_linked_to_dev_zero_is_refused(repo: Path) -> None:
    (repo / "zero.yaml").symlink_to("/dev/zero")
    done = jobspec("validate", "zero.yaml", *CONTEXT, cwd=repo, memory=512 << 20)
    assert done.code == 1 and "zero.yaml: E106 the spec file is a link to /dev/zero, outside the repository" in done.err
    allowed = jobspec("validate", "zero.yaml", "--allow-outside-root", *CONTEXT, cwd=repo, memory=512 << 20)
    assert allowed.code == 1
    assert "E105 cannot read the spec: not a regular file: a character device" in allowed.err


def test_dev_stdin_is_named_for_what_it_is(repo: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "braket_jobspec", "compile", "/dev/stdin", "-o", "-"],
        cwd=repo,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 2 and "/dev/stdin: not a regular file: a character device" in done.stderr


def test_a_fifo_base_is_an_unreadable_base(repo: Path) -> None:
    os.mkfifo(repo / "_base.yaml")
    (repo / "job.yaml").write_text("extends: _base.yaml\n" + SPEC)
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1
    assert "job.yaml:1:10: E151 cannot read base '_base.yaml': not a regular file: a FIFO (named pipe)" in done.err


def test_a_fifo_project_config_is_an_error_of_the_config(repo: Path) -> None:
    os.mkfifo(repo / "jobspec.toml")
    (repo / "job.yaml").write_text(SPEC)
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1
    assert "jobspec.toml: E301 cannot read the project config: not a regular file: a FIFO" in done.err


def test_a_fifo_in_the_source_tree_cannot_be_archived(repo: Path) -> None:
    os.mkfifo(repo / "src" / "pipe")
    (repo / "job.yaml").write_text("device: local:braket/braket_sv\nsource_module: src\nentry_point: src.algo\n")
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1 and "E408 cannot archive source_module: pipe: not a regular file or folder" in done.err


def test_a_socket_in_the_source_tree_cannot_be_archived(repo: Path) -> None:
    (repo / "job.yaml").write_text("device: local:braket/braket_sv\nsource_module: src\nentry_point: src.algo\n")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(repo / "src" / "sock"))
        done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1 and "E408 cannot archive source_module: sock: not a regular file or folder" in done.err


def test_check_reports_an_output_that_is_a_fifo(repo: Path) -> None:
    (repo / "job.yaml").write_text(SPEC)
    assert jobspec("compile", "job.yaml", *CONTEXT, cwd=repo).code == 0
    (repo / "build" / "job.json").unlink()
    os.mkfifo(repo / "build" / "job.json")
    done = jobspec("check", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1 and "build/job.json: E801 unreadable: " in done.err and "not a regular file" in done.err


def test_deploy_dry_run_refuses_a_fifo_operand(repo: Path) -> None:
    os.mkfifo(repo / "job.json")
    done = jobspec("deploy", "--dry-run", "job.json", cwd=repo)
    assert done.code == 1 and "job.json: E601 cannot read the request: " in done.err


def test_diff_refuses_a_fifo_operand(repo: Path) -> None:
    os.mkfifo(repo / "a.json")
    (repo / "b.json").write_text("{}")
    done = jobspec("diff", "a.json", "b.json", cwd=repo)
    assert done.code == 1 and "a.json: E804" in done.err and "not a regular file" in done.err


# --------------------------------------------------------------------------- 5. failures are diagnostics


def test_a_project_config_that_is_not_utf8_is_positioned(repo: Path) -> None:
    (repo / "jobspec.toml").write_bytes(b'# caf\xe9\n[environments.dev]\nregion = "us-west-2"\n')
    (repo / "job.yaml").write_text(SPEC)
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1 and "jobspec.toml:1:6: E301 the project config is not UTF-8: byte 0xe9" in done.err


ROW_SHAPES = {
    "deps of another type": "UPDATE entries SET deps = 17",
    "a body that is text": "UPDATE entries SET body = 'not bytes'",
    "a body of garbage": "UPDATE entries SET body = x'00ff00ff'",
    "a header of the wrong shape": "UPDATE entries SET body = CAST('{\"outputs\": 5}' || char(10) AS BLOB)",
    "diagnostics of the wrong shape": (
        'UPDATE entries SET body = CAST(\'{"outputs": [], "diagnostics": [{"file": 1}]}\' || char(10) AS BLOB)'
    ),
    "a fingerprint of another type": "UPDATE entries SET fingerprint = 3.5",
    "used of another type": "UPDATE entries SET used = 'yesterday', fingerprint = 'x'",
}


@pytest.mark.parametrize("shape", sorted(ROW_SHAPES))
def test_a_damaged_cache_entry_of_any_shape_is_a_miss(repo: Path, shape: str) -> None:
    import sqlite3

    (repo / "job.yaml").write_text(SPEC)
    time.sleep(0.1)  # past the cache's racy window: the compile keeps its entry
    first = jobspec("compile", "job.yaml", *CONTEXT, cwd=repo)
    assert first.code == 0
    database = repo / ".jobspec-cache" / "cache.db"
    with sqlite3.connect(database) as con:
        assert con.execute("SELECT count(*) FROM entries").fetchone() == (1,)
        con.execute(ROW_SHAPES[shape])
    con.close()
    expected = (repo / "build" / "job.json").read_bytes()
    (repo / "build" / "job.json").unlink()
    again = jobspec("compile", "job.yaml", *CONTEXT, cwd=repo)
    assert again.code == 0, again.err
    assert (repo / "build" / "job.json").read_bytes() == expected


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_stdout_is_a_failure_not_a_traceback(repo: Path) -> None:
    (repo / "job.yaml").write_text(SPEC)
    with open("/dev/full", "wb") as full:
        done = jobspec("compile", "job.yaml", "-o", "-", *CONTEXT, cwd=repo, stdout=full.fileno())
    assert done.code == 1


def test_init_given_a_file_is_a_usage_error(repo: Path) -> None:
    (repo / "notes.txt").write_text("x")
    done = jobspec("init", "notes.txt", cwd=repo)
    assert done.code == 2 and "notes.txt" in done.err and "not a folder" in done.err


# --------------------------------------------------------------------------- 9. outputs come in pairs


def test_a_request_is_not_left_without_its_manifest(repo: Path) -> None:
    (repo / "job.yaml").write_text(SPEC)
    (repo / "build" / "job.manifest.json").mkdir(parents=True)  # the manifest cannot be written
    done = jobspec("compile", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1 and "E807" in done.err
    assert not (repo / "build" / "job.json").exists()  # rolled back: both or neither
    assert "0 file(s) written" in done.err


def test_a_failed_pair_keeps_the_previous_request(repo: Path) -> None:
    (repo / "job.yaml").write_text(SPEC)
    assert jobspec("compile", "job.yaml", *CONTEXT, cwd=repo).code == 0
    before = (repo / "build" / "job.json").read_bytes()
    (repo / "job.yaml").write_text(SPEC + "hyperparameters: {shots: 5}\n")
    (repo / "build" / "job.manifest.json").unlink()
    (repo / "build" / "job.manifest.json").mkdir()
    done = jobspec("compile", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1
    assert (repo / "build" / "job.json").read_bytes() == before


# --------------------------------------------------------------------------- 14. messages that tell the truth


@pytest.mark.parametrize(
    "args",
    [
        ["compile", ""],
        ["compile", "job.yaml", "-o", ""],
        ["validate", "job.yaml", ""],
        ["check", ""],
        ["explain", ""],
        ["run", ""],
        ["diff", "", "job.yaml"],
        ["deploy", "--dry-run", ""],
    ],
)
def test_an_empty_path_is_a_usage_error(repo: Path, args: Sequence[str]) -> None:
    (repo / "job.yaml").write_text(SPEC)
    done = jobspec(*args, cwd=repo)
    assert done.code == 2 and "an empty path names no" in done.err
    assert not (repo / "build").exists()


def test_a_spec_given_twice_is_compiled_once(repo: Path) -> None:
    (repo / "job.yaml").write_text(SPEC)
    done = jobspec("compile", "job.yaml", "job.yaml", "./job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 0, done.err
    assert "1 spec(s): 1 compiled, 0 failed" in done.err


def test_a_spec_and_its_folder_are_compiled_once(repo: Path) -> None:
    (repo / "specs").mkdir()
    (repo / "specs" / "job.yaml").write_text(SPEC.replace("src/", "../src/"))
    done = jobspec("validate", "specs/job.yaml", "specs", *CONTEXT, cwd=repo)
    assert done.code == 0, done.err
    assert "1 spec(s): 1 valid" in done.err


def test_utf32_is_named_utf32(repo: Path) -> None:
    (repo / "job.yaml").write_bytes(SPEC.encode("utf-32"))
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1 and "job.yaml:1:1: E103 the file is UTF-32 text" in done.err


def test_an_overlong_toml_integer_is_placed_with_no_python_advice(repo: Path) -> None:
    digits = "7" * 5000
    (repo / "job.toml").write_text(
        f'device = "local:braket/braket_sv"\nsource_module = "src/algo.py"\n[hyperparameters]\nn = {digits}\n'
    )
    done = jobspec("validate", "job.toml", *CONTEXT, cwd=repo)
    assert done.code == 1
    assert "job.toml:4:5: E120 an integer of 5000 digits" in done.err
    assert "sys.set_int_max_str_digits" not in done.err


# --------------------------------------------------------------------------- 10. every error at once


def test_no_region_is_reported_at_the_device_with_the_other_errors(repo: Path) -> None:
    (repo / "job.yaml").write_text(
        "device: arn:aws:braket:::device/quantum-simulator/amazon/sv1\nsource_module: src/gone.py\n"
    )
    done = jobspec("validate", "job.yaml", "--account-id", "123456789012", cwd=repo)
    assert "job.yaml:1:9: E304 no region" in done.err
    assert "job.yaml:2:16: E401 source_module 'src/gone.py' not found" in done.err


# --------------------------------------------------------------------------- 2. special files in inputs


def test_a_fifo_in_an_input_folder_is_reported_not_skipped(repo: Path) -> None:
    (repo / "data").mkdir()
    (repo / "data" / "a.csv").write_text("1\n")
    os.mkfifo(repo / "data" / "feed")
    (repo / "job.yaml").write_text(SPEC + "input_data: data\n")
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1
    assert "job.yaml:3:13: E414 input 'input': feed is a FIFO (named pipe), not a regular file" in done.err


def test_a_socket_in_an_input_folder_is_reported(repo: Path) -> None:
    (repo / "data").mkdir()
    (repo / "data" / "a.csv").write_text("1\n")
    (repo / "job.yaml").write_text(SPEC + "input_data: {train: data}\n")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(repo / "data" / "sock"))
        done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1 and "E414 input 'train': sock is a socket, not a regular file" in done.err


def test_a_link_to_a_fifo_in_an_input_folder_is_reported(repo: Path) -> None:
    (repo / "data").mkdir()
    os.mkfifo(repo / "data" / "feed")
    (repo / "data" / "link").symlink_to("feed")
    (repo / "job.yaml").write_text(SPEC + "input_data: {train: data}\n")
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1 and "E414 input 'train': link is a FIFO (named pipe), not a regular file" in done.err


def test_an_input_that_is_a_fifo_is_reported(repo: Path) -> None:
    os.mkfifo(repo / "feed.csv")
    (repo / "job.yaml").write_text(SPEC + "input_data: {train: feed.csv}\n")
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1 and "E414 input 'train': feed.csv is a FIFO (named pipe), not a regular file" in done.err


# --------------------------------------------------------------------------- 6. bounded work


def fan_out(folder: Path, levels: int) -> None:
    """levels folders, each linking twice to the one before: 2^levels paths, and no loop."""
    (folder / "l0").mkdir(parents=True)
    (folder / "l0" / "leaf.txt").write_text("x")
    for level in range(1, levels + 1):
        (folder / f"l{level}").mkdir()
        for name in ("a", "b"):
            (folder / f"l{level}" / name).symlink_to(folder / f"l{level - 1}")


def test_a_source_tree_that_fans_out_through_symlinks_is_refused_by_a_limit(repo: Path) -> None:
    fan_out(repo / "src" / "tree", 22)  # 4 million paths
    (repo / "job.yaml").write_text("device: local:braket/braket_sv\nsource_module: src\nentry_point: src.algo\n")
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1
    assert "E408 cannot archive source_module: the source holds more than 100000 files" in done.err
    assert "--max-tree-files" in done.err


def test_the_tree_limits_can_be_lowered_and_raised(repo: Path) -> None:
    fan_out(repo / "src" / "tree", 3)  # 8 paths to the leaf, 15 folders: 31 members with src and algo.py
    (repo / "job.yaml").write_text("device: local:braket/braket_sv\nsource_module: src\nentry_point: src.algo\n")
    low = jobspec("validate", "job.yaml", "--max-tree-files", "20", *CONTEXT, cwd=repo)
    assert low.code == 1 and "the source holds more than 20 files" in low.err
    few_bytes = jobspec("validate", "job.yaml", "--max-tree-bytes", "4", *CONTEXT, cwd=repo)
    assert few_bytes.code == 1 and "the source holds more than 4 bytes" in few_bytes.err
    assert jobspec("validate", "job.yaml", "--max-tree-files", "100", *CONTEXT, cwd=repo).code == 0


def test_an_input_folder_over_the_limit_is_refused(repo: Path) -> None:
    (repo / "data").mkdir()
    for i in range(5):
        (repo / "data" / f"{i}.csv").write_text("1\n")
    (repo / "job.yaml").write_text(SPEC + "input_data: {train: data}\n")
    done = jobspec("validate", "job.yaml", "--max-tree-files", "3", *CONTEXT, cwd=repo)
    assert done.code == 1 and "E415 input 'train': the folder holds more than 3 files" in done.err


# --------------------------------------------------------------------------- 3. names are names


@pytest.mark.parametrize(
    ("name", "line"),
    [("../../escaped", 1), ("ABSOLUTE", 1), ("", 1), (".", 1), ("..", 1), ("a/b", 1), ("a\\\\b", 1)],
)
def test_an_environment_name_that_is_a_path_is_an_error_of_the_config(repo: Path, name: str, line: int) -> None:
    absolute = repo.parent / "escaped-abs"  # an absolute name, where this test may look
    name = str(absolute) if name == "ABSOLUTE" else name
    escaped = name.replace("\\\\", "\\")
    (repo / "jobspec.toml").write_text(
        f'[environments."{name}"]\nregion = "us-west-2"\naccount_id = "123456789012"\n'
        '[environments.dev]\nregion = "us-west-2"\naccount_id = "123456789012"\n'
    )
    (repo / "job.yaml").write_text(SPEC)
    done = jobspec("compile", "job.yaml", "--all-envs", cwd=repo)
    assert done.code == 1
    assert f"jobspec.toml:{line}:2: E302 environment name {escaped!r} is not a plain name" in done.err
    assert not list(repo.rglob("*.json"))  # a config with errors compiles nothing, anywhere
    assert not (repo.parent / "escaped").exists() and not absolute.exists()


def test_environment_names_that_differ_in_case_only_are_refused(repo: Path) -> None:
    (repo / "jobspec.toml").write_text(
        '[environments.prod]\nregion = "us-west-2"\n[environments.Prod]\nregion = "us-east-1"\n'
    )
    (repo / "job.yaml").write_text(SPEC)
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1 and "jobspec.toml:3:2: E302 environment 'Prod' differs from 'prod' only in case" in done.err


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/escaped-abs", ".", ".."])
def test_env_flag_that_is_a_path_is_a_usage_error(repo: Path, name: str) -> None:
    (repo / "job.yaml").write_text(SPEC)
    done = jobspec("compile", "job.yaml", "--env", name, *CONTEXT, cwd=repo)
    assert done.code == 2 and "an environment's name is a plain name" in done.err
    assert not (repo / "build").exists()


def test_a_spec_linked_from_outside_the_repository_is_refused(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere.yaml").write_text(SPEC)
    (repo / "job.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    done = jobspec("compile", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1 and "job.yaml: E106 the spec file is a link to " in done.err
    assert not (repo / "build").exists()
    allowed = jobspec("compile", "job.yaml", "--allow-outside-root", *CONTEXT, cwd=repo)
    assert allowed.code == 0, allowed.err


def test_an_output_folder_inside_the_source_tree_is_refused(repo: Path) -> None:
    (repo / "job.yaml").write_text("device: local:braket/braket_sv\nsource_module: src\nentry_point: src.algo\n")
    done = jobspec("compile", "job.yaml", "-o", "src/out", *CONTEXT, cwd=repo)
    assert done.code == 1 and "E808 the output folder src/out/ is inside the source tree src" in done.err
    assert not (repo / "src" / "out").exists()


def test_an_output_folder_inside_an_input_folder_is_refused(repo: Path) -> None:
    (repo / "data").mkdir()
    (repo / "data" / "a.csv").write_text("1\n")
    (repo / "job.yaml").write_text(SPEC + "input_data: {train: data}\n")
    done = jobspec("compile", "job.yaml", "-o", "data/build", *CONTEXT, cwd=repo)
    assert done.code == 1 and "E808 the output folder data/build/ is inside the input folder data" in done.err
    assert not (repo / "data" / "build").exists()


# ------------------------------------------------------------------------- 4. the deployer trusts only its own compile


def compiled(repo: Path, extra: str = "") -> Path:
    (repo / "data").mkdir(exist_ok=True)
    (repo / "data" / "a.csv").write_text("1\n")
    (repo / "job.yaml").write_text(SPEC + "input_data: {train: data}\n" + extra)
    done = jobspec("compile", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 0, done.err
    return repo / "build" / "job.manifest.json"


def edit(path: Path, change: Any) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def test_a_manifest_edited_to_upload_a_file_outside_the_repository_is_refused(repo: Path) -> None:
    manifest = compiled(repo)
    target = Path("/etc/hostname")
    digest = hashlib.sha256(target.read_bytes()).hexdigest() if target.exists() else "0" * 64

    def point_outside(data: dict[str, Any]) -> None:
        data["inputs"][0].update(path="../../../../../../etc/hostname", sha256=digest, size=len(digest))

    edit(manifest, point_outside)
    done = jobspec("deploy", "--dry-run", "build/job.json", cwd=repo)
    assert done.code == 1
    assert "E601 the manifest reads ../../../../../../etc/hostname, outside the repository" in done.err
    assert "hostname" not in done.out


def test_a_manifest_edited_inside_the_repository_is_refused_with_what_differs(repo: Path) -> None:
    manifest = compiled(repo)
    (repo / "secret.txt").write_text("not reviewed\n")

    def another_file(data: dict[str, Any]) -> None:
        data["inputs"][0].update(path="secret.txt", size=13, sha256=hashlib.sha256(b"not reviewed\n").hexdigest())

    edit(manifest, another_file)
    done = jobspec("deploy", "--dry-run", "build/job.json", cwd=repo)
    assert done.code == 1
    assert "E605 the manifest is not what its spec job.yaml compiles to now (inputs differ)" in done.err


def test_a_spec_changed_since_the_compile_is_refused(repo: Path) -> None:
    compiled(repo)
    (repo / "job.yaml").write_text(SPEC + "input_data: {train: data}\nhyperparameters: {shots: 9}\n")
    done = jobspec("deploy", "--dry-run", "build/job.json", cwd=repo)
    assert done.code == 1 and "E605 the request is not what its spec job.yaml compiles to now" in done.err


def test_an_unchanged_artifact_still_deploys_dry(repo: Path) -> None:
    compiled(repo, "tags: {team: qc}\n")
    done = jobspec("deploy", "--dry-run", "build/job.json", cwd=repo)
    assert done.code == 0, done.err


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(source=5),
        lambda d: d.update(source={"kind": "local"}),
        lambda d: d.update(inputs=[{"channel": "train"}]),
        lambda d: d.update(inputs={"a": 1}),
        lambda d: d.update(inputs=[7]),
        lambda d: d["inputs"][0].update(size="many"),
        lambda d: d.update(checkpoint_copy=[1, 2]),
        lambda d: d.update(context=[]),
        lambda d: d.update(spec=3),
        lambda d: d.pop("spec"),
    ],
)
def test_a_damaged_manifest_is_an_error_not_a_traceback(repo: Path, damage: Any) -> None:
    edit(compiled(repo), damage)
    done = jobspec("deploy", "--dry-run", "build/job.json", cwd=repo)
    assert done.code == 1 and ("E601" in done.err or "E605" in done.err)


# --------------------------------------------------------------------------- 5. text no UTF-8 can hold


def test_a_lone_surrogate_in_a_value_or_a_key_is_positioned(repo: Path) -> None:
    (repo / "job.yaml").write_text(SPEC + 'hyperparameters:\n  x: "\\ud800"\ntags:\n  "\\udfff": v\n  team: qc\n')
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1
    assert "job.yaml:4:6: E124 a lone surrogate" in done.err and "job.yaml:6:3: E124 a lone surrogate" in done.err


def test_a_character_past_the_bmp_written_as_one_escape_compiles(repo: Path) -> None:
    (repo / "job.yaml").write_text(SPEC + 'tags:\n  mood: "\\U0001F600"\n')
    done = jobspec("compile", "job.yaml", "-o", "-", *CONTEXT, cwd=repo)
    assert done.code == 0, done.err
    assert json.loads(done.out)["tags"] == {"mood": "\U0001f600"}


def test_a_source_file_name_that_is_not_utf8_cannot_be_archived(repo: Path) -> None:
    (repo / "src" / os.fsdecode(b"caf\xe9.txt")).write_text("x")
    (repo / "job.yaml").write_text("device: local:braket/braket_sv\nsource_module: src\nentry_point: src.algo\n")
    done = jobspec("validate", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1 and "a file name that is not UTF-8 (rename it)" in done.err


def test_an_input_file_name_that_is_not_utf8_is_reported(repo: Path) -> None:
    (repo / "data").mkdir()
    (repo / "data" / "ok.csv").write_text("1\n")
    (repo / "data" / os.fsdecode(b"caf\xe9.csv")).write_text("2\n")
    (repo / "job.yaml").write_text(SPEC + "input_data: {train: data}\n")
    done = jobspec("compile", "job.yaml", *CONTEXT, cwd=repo)
    assert done.code == 1 and "E416 input 'train': 'caf\\udce9.csv' is a file name that is not UTF-8" in done.err


def test_a_spec_whose_name_is_not_utf8_is_reported_and_the_others_compile(repo: Path) -> None:
    (repo / "specs").mkdir()
    (repo / "specs" / os.fsdecode(b"j\xe9.yaml")).write_text(SPEC.replace("src/", "../src/"))
    (repo / "specs" / "ok.yaml").write_text(SPEC.replace("src/", "../src/"))
    done = jobspec("compile", "specs", *CONTEXT, cwd=repo)
    assert done.code == 1 and "E105 cannot read the spec: its name is not UTF-8" in done.err
    assert (repo / "build" / "ok.json").is_file()
