"""The interpreter a local run starts the job with, and the job's requirements installed into it.

The job container runs `pip install -r` for every requirements.txt anywhere in the
extracted source. A local run does the same, into a virtualenv of its own that is cached
by what it was built from (the requirements files, this Python, this environment), so a
second run of the same job starts at once. The virtualenv sees the packages of the
environment jobspec runs in (a .pth file lists its site-packages after the virtualenv's
own), so amazon-braket-sdk installed next to jobspec is there without a download, and a
requirement that pins another version wins because the virtualenv's own folder comes first.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from braket_jobspec.localrun.target import fail

FORMAT = "braket-jobspec venv 1"  # bump when the way a virtualenv is built changes
READY = ".jobspec-ready"
PTH = "_braket_jobspec_parent.pth"


@dataclasses.dataclass(frozen=True)
class Interpreter:
    python: Path
    venv: Path | None = None  # None: the interpreter jobspec runs with
    reused: bool = False


def requirement_files(code: Path) -> list[Path]:
    """Every requirements.txt in the extracted source, in a stable order."""
    found = []
    for folder, dirs, files in os.walk(code):
        dirs.sort()
        if "requirements.txt" in files:
            found.append(Path(folder) / "requirements.txt")
    return found


def cache_root(env: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "braket-jobspec" / "venvs"


def cache_key(code: Path, files: list[Path], source_sha256: str) -> str:
    """What the virtualenv depends on: the files' text and places, this Python and environment.

    A requirement naming a path (`./pkg`, `-e .`, `file:`) installs from the source itself,
    so then the source archive's hash is part of the key too.
    """
    digest = hashlib.sha256()
    for part in (FORMAT, sys.version, sys.prefix, *_parent_site_packages()):
        digest.update(part.encode() + b"\0")
    local = False
    for path in files:
        text = path.read_bytes()
        digest.update(path.relative_to(code).as_posix().encode() + b"\0" + text + b"\0")
        local = local or any(_names_a_path(line) for line in text.decode("utf-8", "replace").splitlines())
    if local:
        digest.update(b"source\0" + source_sha256.encode())
    return digest.hexdigest()[:24]


def _names_a_path(line: str) -> bool:
    words = line.split("#", 1)[0].split()
    while words and words[0] in ("-e", "--editable"):
        words = words[1:]
    return bool(words) and words[0].startswith((".", "/", "~", "file:"))


def _parent_site_packages() -> list[str]:
    """The site-packages folders of the running environment, which the virtualenv also sees."""
    folders = [*site.getsitepackages(), sysconfig.get_path("purelib"), sysconfig.get_path("platlib")]
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    seen: list[str] = []
    for folder in folders:
        if folder and folder not in seen and folder in sys.path and Path(folder).is_dir():
            seen.append(folder)
    return seen


def venv_python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def prepare_interpreter(
    code: Path, source_sha256: str, install: bool, log: TextIO, display: str, root: Path | None = None
) -> Interpreter:
    """The current interpreter (no requirements, or --no-install), or the cached virtualenv with them."""
    files = requirement_files(code)
    current = Interpreter(Path(sys.executable))
    if not files:
        return current
    shown = ", ".join(p.relative_to(code).as_posix() for p in files)
    if not install:
        log.write(f"jobspec run: --no-install: not installing {shown}\n")
        return current
    key = cache_key(code, files, source_sha256)
    folder = (root or cache_root()) / key
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _locked(folder.parent / f"{key}.lock"):
        if (folder / READY).is_file():
            return Interpreter(venv_python(folder), folder, reused=True)
        if folder.exists():
            shutil.rmtree(folder)  # a build that did not finish
        log.write(f"jobspec run: installing {shown} into {folder}\n")
        log.flush()
        try:
            python = _create(folder)
            for path in files:
                _pip_install(python, path, code, display, log)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        (folder / READY).write_text("".join(p.relative_to(code).as_posix() + "\n" for p in files), "utf-8")
        return Interpreter(python, folder)


def _create(folder: Path) -> Path:
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(folder)
    python = venv_python(folder)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # addsitedir, not a plain path line: the parent's own .pth files (editable installs,
    # say) are processed too, and its folders come after the virtualenv's own.
    lines = [f"import site; site.addsitedir({folder!r})\n" for folder in _parent_site_packages()]
    Path(purelib, PTH).write_text("".join(lines), "utf-8")
    return python


def _pip_install(python: Path, requirements: Path, code: Path, display: str, log: TextIO) -> None:
    # As the container does: from the code folder, so relative paths in the file resolve
    # against it. pip itself comes from the parent environment through the .pth file.
    argv = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-r", str(requirements)]
    with subprocess.Popen(
        argv,
        cwd=code,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            log.flush()
    if proc.returncode != 0:
        rel = requirements.relative_to(code).as_posix()
        raise fail(
            display,
            "E707",
            f"pip could not install {rel} (exit code {proc.returncode})",
            "see pip's output above; fix the file, or run with --no-install to use the current environment",
        )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One run at a time builds a given virtualenv (others wait, then reuse it)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; a race costs a rebuild, not a broken run
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
