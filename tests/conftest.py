"""Shared fixtures: throwaway projects on disk, and running the CLI in-process."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path
from typing import Any

import pytest

from braket_jobspec.cli import main

REPO = Path(__file__).resolve().parents[1]
CONTEXT = ["--region", "us-west-2", "--account-id", "123456789012", "--stamp", "1700000000000"]


@dataclasses.dataclass
class Run:
    code: int
    out: str
    err: str


@dataclasses.dataclass
class Project:
    """A temporary repository: write files into it, compile specs in it."""

    root: Path

    def write(self, rel: str, text: str = "") -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), "utf-8")
        return path

    def spec(self, text: str, name: str = "job.yaml") -> Path:
        return self.write(name, text)

    def source(self, rel: str = "algo.py", text: str = "def main():\n    pass\n") -> Path:
        return self.write(rel, text)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    (tmp_path / ".git").mkdir()  # marks the repository root
    return Project(tmp_path)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run `jobspec ARGS` in-process (from cwd, if given); returns exit code, stdout and stderr."""

    def run(*args: str, cwd: Path | None = None) -> Run:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse usage errors, --help, --version
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def outputs_on_disk(folder: Path, texts: dict[str, str]) -> dict[str, str]:
    """Write outputs as a compile would (one file per name) and return their paths, for Cache.lookup."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in texts.items():
        path = folder / f"{name}.json"
        path.write_text(text, "utf-8")
        paths[name] = str(path)
    return paths


def store(cache: Any, key: str, deps: list[Path], outputs: dict[str, str], diagnostics: list[Any]) -> bool:
    """Cache.entry, kept and flushed at once, as a run's end does; whether it was written."""
    made = cache.entry(key, deps, outputs, diagnostics)
    if made is None:
        return False
    cache.keep([made])
    return bool(cache.flush())
