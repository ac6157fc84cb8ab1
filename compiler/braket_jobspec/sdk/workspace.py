"""What one spec's build works in: its document, the repository, the run's memo, and what it found.

sources.py, inputs.py and builder.py all read local paths against the spec's folder and
the repository root, report diagnostics at spec pointers, and record each request field's
origin; they share this one object to do so.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from braket_jobspec.config import Context
from braket_jobspec.diagnostics import Diagnostic, Severity
from braket_jobspec.load.document import Document
from braket_jobspec.sdk import archive

if TYPE_CHECKING:
    from braket_jobspec.sdk import entrypoint


class Origin(NamedTuple):
    """Where a request value came from: a spec field, the context, an SDK default, or a derivation."""

    kind: str  # "spec" | "context" | "default" | "derived"
    pointer: str = ""  # the spec field it was read or derived from
    note: str = ""


class BuildOptions:
    """Choices of the caller that change what is accepted, never what is emitted."""

    def __init__(
        self,
        root: Path,
        allow_outside_root: bool = False,
        memo: Memo | None = None,
        limits: archive.TreeLimits | None = None,
        strict_devices: bool = False,
    ) -> None:
        self.root = root  # the repository: sources and inputs must stay inside it
        self.allow_outside_root = allow_outside_root
        self.memo = Memo() if memo is None else memo
        self.limits = limits or archive.TreeLimits()  # how much a source tree or an input folder may hold
        self.strict_devices = strict_devices  # a device the catalogue does not know is an error


class Memo:
    """Work shared by the specs of one run: specs that share a source folder scan,
    hash and parse it once."""

    def __init__(self) -> None:
        self.archives: dict[tuple[Path, tuple[str, ...]], archive.Tree] = {}
        self.entry_checks: dict[tuple[str, str], entrypoint.Problem | None] = {}
        self.resolved: dict[Path, Path] = {}
        self.reals: dict[str, str] = {}

    def resolve(self, path: Path) -> Path:
        """path.resolve(strict=True), once per path and run: specs share roots and sources."""
        real = self.resolved.get(path)
        if real is None:
            real = self.resolved[path] = Path(self.real(os.fspath(path)))
        return real

    def real(self, path: str) -> str:
        """os.path.realpath(path, strict=True), built on its folder's: one lstat for a new path.

        Specs of one folder name sources in a few shared folders; resolving each path from
        the top (as realpath does) would lstat every folder above it again and again.
        """
        real = self.reals.get(path)
        if real is None:
            head, tail = os.path.split(path.rstrip(os.sep) or path)
            if not head or not tail:  # a bare name, or the root: nothing to build on
                real = os.path.realpath(path, strict=True)
            elif tail == ".":
                real = self.real(head)
            elif tail == "..":
                real = os.path.dirname(self.real(head))  # the resolved folder's parent, as realpath does
            else:
                real = os.path.join(self.real(head), tail)
                if stat.S_ISLNK(os.lstat(real).st_mode):  # FileNotFoundError when it is missing
                    real = os.path.realpath(real, strict=True)
            self.reals[path] = real
        return real


class Workspace:
    def __init__(self, doc: Document, spec_dir: Path, ctx: Context, options: BuildOptions) -> None:
        self.doc = doc
        self.spec = doc.data
        self.spec_dir = spec_dir
        self.spec_dir_text = str(spec_dir)
        self.root = options.memo.resolve(options.root)
        self.root_text = str(self.root)
        self.ctx = ctx
        self.options = options
        self.diags: list[Diagnostic] = []
        self.origins: dict[str, Origin] = {}
        self.reads: list[str | Path] = []  # files and folders read (incremental cache)
        self.seen: dict[str, tuple[int, ...]] = {}  # files.signature of files among them, taken as they were read

    # -- diagnostics -------------------------------------------------------------------

    def error(
        self, pointer: str, code: str, message: str, hint: str = "", *, key: bool = False, severity: Severity = "error"
    ) -> None:
        self.diags.append(self.doc.diagnostic(pointer, code, message, hint, key=key, severity=severity))

    def origin(self, request_pointer: str, kind: str, spec_pointer: str = "", note: str = "") -> None:
        self.origins[request_pointer] = Origin(kind, spec_pointer, note)

    def given(self, key: str) -> Any:
        """The spec's value, or None when absent or falsy (the SDK's `x or default`)."""
        value = self.spec.get(key)
        return value if value else None

    # -- paths ---------------------------------------------------------------------------

    def local_path(self, value: str, pointer: str, what: str) -> Path | None:
        """value resolved against the spec's folder, refused if missing or outside the repository."""
        try:
            resolved = self.options.memo.real(os.path.join(self.spec_dir_text, value))  # an absolute value stands alone
        except (OSError, RuntimeError):
            self.error(
                pointer,
                "E401",
                f"{what} {value!r} not found",
                "it is read as a local path: the SDK takes an S3 URI only as s3://<bucket>/<key>, "
                "with no dot in the bucket name"
                if value[:3].lower() == "s3:"
                else f"paths are relative to the spec file's folder ({self.rel(self.spec_dir) or '.'})",
            )
            return None
        if not self.options.allow_outside_root and not archive.inside(resolved, self.root_text):
            self.error(
                pointer,
                "E402",
                f"{what} {value!r} is outside the repository: it resolves to "
                f"{Path(os.path.relpath(resolved, self.root)).as_posix()}, relative to the repository root",
                "keep sources and inputs in the repository, or pass --allow-outside-root",
            )
            return None
        return Path(resolved)

    def rel(self, path: Path | str) -> str:
        """A resolved path relative to the repository root, POSIX style ('' for the root itself)."""
        text, root = os.fspath(path), self.root_text
        if text == root:
            return ""
        if archive.inside(text, root):
            text = text[len(root) :].lstrip(os.sep)
        return text.replace(os.sep, "/") if os.sep != "/" else text
