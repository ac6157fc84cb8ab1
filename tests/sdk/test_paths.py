"""Resolving spec paths and reading source trees: the short cuts taken for speed give the
answers of the slow, obvious calls (os.path.realpath, a stat per entry)."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from braket_jobspec.sdk import archive
from braket_jobspec.sdk.workspace import Memo


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "repo" / "specs" / "team").mkdir(parents=True)
    (tmp_path / "repo" / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "repo" / "src" / "pkg" / "mod.py").write_text("def main():\n    pass\n")
    (tmp_path / "elsewhere" / "deep").mkdir(parents=True)
    # A folder link whose `..` means the link target's parent, not the link's.
    (tmp_path / "repo" / "specs" / "linked").symlink_to(tmp_path / "elsewhere" / "deep")
    (tmp_path / "repo" / "src" / "alias").symlink_to("pkg")
    (tmp_path / "repo" / "src" / "chain").symlink_to("alias")
    (tmp_path / "repo" / "src" / "loop_a").symlink_to("loop_b")
    (tmp_path / "repo" / "src" / "loop_b").symlink_to("loop_a")
    (tmp_path / "repo" / "src" / "dangling").symlink_to("nowhere")
    return tmp_path / "repo"


RELATIVE = [
    "specs/team",
    "specs/team/../../src/pkg",
    "specs/team/./../team/../../src/pkg/mod.py",
    "specs/linked/..",
    "specs/linked/../deep",
    "src/alias",
    "src/alias/mod.py",
    "src/chain/mod.py",
    "src/chain/",
    "src//pkg",
    ".",
]


@pytest.mark.parametrize("relative", RELATIVE)
def test_real_is_realpath(tree: Path, relative: str) -> None:
    memo = Memo()
    for given in (str(tree / relative), os.path.join(str(tree), relative)):
        assert memo.real(given) == os.path.realpath(given, strict=True)
    # Asked again (now from the memo) and after its parent was memoized, the same answer.
    assert memo.real(str(tree / relative)) == os.path.realpath(tree / relative, strict=True)


@pytest.mark.parametrize("relative", ["src/missing", "src/pkg/mod.py/below", "src/loop_a", "src/dangling"])
def test_real_refuses_what_realpath_refuses(tree: Path, relative: str) -> None:
    with pytest.raises(OSError):
        os.path.realpath(tree / relative, strict=True)
    memo = Memo()
    memo.real(str(tree / "src"))  # the parent is known: only the last step is new
    with pytest.raises(OSError):
        memo.real(str(tree / relative))


def test_a_relative_path_resolves_against_the_working_directory(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree / "specs")
    assert Memo().real("team/../../src/alias") == str((tree / "src" / "pkg").resolve())


def test_scan_refuses_a_fifo_without_waiting_for_a_writer(tree: Path) -> None:
    os.mkfifo(tree / "src" / "pkg" / "pipe")
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            archive.scan((tree / "src" / "pkg").resolve())
        except BaseException as exc:  # the test looks at whatever it is
            outcome.append(exc)
        else:
            outcome.append(None)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert outcome, "scan blocked on the FIFO"
    assert isinstance(outcome[0], archive.SourceError)
    assert "pipe: not a regular file" in str(outcome[0])


def test_scan_reads_sizes_modes_and_bytes_as_stat_and_read_see_them(tree: Path) -> None:
    pkg = tree / "src" / "pkg"
    (pkg / "run.sh").write_bytes(b"#!/bin/sh\n")
    (pkg / "run.sh").chmod(0o755)
    (pkg / "empty.txt").write_bytes(b"")
    (pkg / "big.bin").write_bytes(os.urandom(3 << 20))
    scanned = archive.scan(pkg.resolve())
    files = scanned.files()
    assert sorted(files) == ["pkg/big.bin", "pkg/empty.txt", "pkg/mod.py", "pkg/run.sh"]
    for name, member in files.items():
        real = pkg / name.partition("/")[2]
        assert member.size == real.stat().st_size
        assert member.sha256 == hashlib.sha256(real.read_bytes()).hexdigest()
    assert files["pkg/run.sh"].mode == 0o755
    assert files["pkg/mod.py"].mode == 0o644


def test_excluded_matches_names_anywhere_and_paths_from_the_top() -> None:
    assert archive.excluded("a/b.pyc", "b.pyc", ["*.pyc"])
    assert archive.excluded("a/__pycache__", "__pycache__", ["__pycache__"])
    assert archive.excluded("data/x.csv", "x.csv", ["data/*"])
    assert not archive.excluded("x/data/x.csv", "x.csv", ["data/*"])
    assert archive.excluded("a/b", "b", ["/a/b/"])
    assert not archive.excluded("A.PYC", "A.PYC", ["*.pyc"])  # case matters, as in fnmatchcase
    assert not archive.excluded("foo", "foo", [])


def test_discovery_finds_specs_as_a_walk_of_the_folder_reads_them(tmp_path: Path) -> None:
    from braket_jobspec.compile.outputs import discover

    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "jobspec.toml").write_text('exclude = ["specs/drafts", "specs/team/*.toml", "elsewhere/real.yaml"]\n')
    specs = root / "specs"
    for name in [
        "a.yaml",
        "b.yml",
        "c.toml",
        "notes.txt",
        ".hidden.yaml",
        "_base.yaml",
        "team/x.yaml",
        "team/y.toml",  # excluded by a file pattern
        "team/deeper/z.yaml",
        "drafts/d.yaml",  # excluded folder
        "_partials/p.yaml",
        ".cache/q.yaml",
        "build/old.yaml",
        "pkg/__init__.py",
        "pkg/in_package.yaml",
    ]:
        (specs / name).parent.mkdir(parents=True, exist_ok=True)
        (specs / name).write_text("device: x\n")
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "real.yaml").write_text("device: x\n")
    (root / "elsewhere" / "kept.yaml").write_text("device: x\n")
    (specs / "linked.yaml").symlink_to(root / "elsewhere" / "real.yaml")  # excluded where it really is
    (specs / "kept-link.yaml").symlink_to(root / "elsewhere" / "kept.yaml")
    (specs / "linked-folder").symlink_to(root / "elsewhere")  # a walk does not enter folder links

    found = [(t.spec.as_posix(), t.stem) for t in discover([Path(os.path.relpath(specs))])]
    stems = [stem for _, stem in found]
    assert stems == ["a", "b", "c", "kept-link", "team/x", "team/deeper/z"]
    assert found[0][0] == Path(os.path.relpath(specs / "a.yaml")).as_posix()
