"""One spec file through the stages: load, validate, build the request, check it, emit.

The stages are pure but for reading the spec's own source tree and input files; the
project around a spec (its config, root and context) is resolved by a Project
(project.py), once per folder; many specs are compiled on every core (parallel.py).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from braket_jobspec.compile.cache import Stored
from braket_jobspec.config import Context
from braket_jobspec.diagnostics import Diagnostic, has_errors
from braket_jobspec.load import DEFAULT_MAX_BYTES, Document
from braket_jobspec.load.bases import EnvironmentLayers
from braket_jobspec.sdk import archive
from braket_jobspec.sdk.archive import TreeLimits

# The stages are imported when a spec is compiled: a run whose specs all come from the
# incremental cache never loads them (nor tarfile, gzip and jsonschema behind them).
if TYPE_CHECKING:
    from braket_jobspec.sdk.builder import Compiled
    from braket_jobspec.sdk.workspace import BuildOptions


def compile_spec(
    spec: Path,
    display: str,
    ctx: Context,
    options: BuildOptions,
    max_bytes: int = DEFAULT_MAX_BYTES,
    diags: list[Diagnostic] | None = None,
    environment: EnvironmentLayers | None = None,
) -> Result:
    """Run every stage on one spec file; stop between stages once there are errors.

    environment: the default tags and overrides of the environment, merged with the
    spec's bases (see bases.py); errors in values they set are reported in their files.
    """
    from braket_jobspec.check.request import validate_request
    from braket_jobspec.check.spec import validate_spec
    from braket_jobspec.load import format_of, load, read
    from braket_jobspec.load.bases import Merged, relocate, resolve
    from braket_jobspec.sdk.builder import build_request

    diags = list(diags or [])
    fmt = format_of(spec.name)
    if fmt is None:
        diags.append(Diagnostic(display, 0, 0, "E104", "unknown spec format", hint="name it .yaml, .yml or .toml"))
        return Result(spec, display, diags)
    if not archive.utf8(str(spec)):
        diags.append(Diagnostic(display, 0, 0, "E105", "cannot read the spec: its name is not UTF-8 (rename it)"))
        return Result(spec, display, diags)
    outside = _outside_root(spec, options)
    if outside is not None:
        diags.append(
            Diagnostic(
                display,
                0,
                0,
                "E106",
                f"the spec file is a link to {outside}, outside the repository",
                hint="keep specs in the repository (a review sees only what is in it), or pass --allow-outside-root",
            )
        )
        return Result(spec, display, diags)
    try:
        raw, size = read(spec, max_bytes)
    except OSError as exc:
        diags.append(Diagnostic(display, 0, 0, "E105", f"cannot read the spec: {exc.strerror or exc}"))
        return Result(spec, display, diags)
    loaded, more = load(raw, display, fmt, max_bytes, size)
    diags += more
    spec_dir = options.memo.resolve(spec.parent)
    if loaded is None:
        return Result(spec, display, diags, reads=(spec_dir / spec.name,))
    doc, more = resolve(loaded, spec, environment, options.root, options.allow_outside_root, max_bytes)
    diags += more
    reads = (spec_dir / spec.name, *(doc.files if isinstance(doc, Merged) else ()))
    if doc is None:
        return Result(spec, display, diags, reads=reads)
    start = len(diags)
    diags += validate_spec(doc)
    if not has_errors(diags):
        compiled, more = build_request(doc, spec_dir, ctx, options)
        diags += more
        if compiled is not None and not has_errors(diags):
            diags += validate_request(doc, compiled)
            diags[start:] = relocate(diags[start:], doc)
            return Result(spec, display, diags, compiled, options.root, doc, reads)
    diags[start:] = relocate(diags[start:], doc)
    return Result(spec, display, diags, document=doc, reads=reads)


def _outside_root(spec: Path, options: BuildOptions) -> str | None:
    """Where a spec that is a link leads, when that is outside the repository (None: inside, or allowed)."""
    if options.allow_outside_root:
        return None
    try:
        real = options.memo.real(os.path.abspath(spec))  # memoized by folder: one lstat per spec
    except OSError:
        return None  # missing: reading it says so
    root = str(options.memo.resolve(options.root))
    return None if archive.inside(real, root) else real


class Settings(NamedTuple):
    """What the command line decides for every spec of a run."""

    flags: Context = Context()
    environment: str | None = None
    allow_outside_root: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    cache: bool = False  # use the incremental cache (.jobspec-cache/ at the project root)
    tree_limits: TreeLimits = TreeLimits()  # how much a source tree or input folder may hold
    strict_devices: bool = False  # a device the catalogue does not know is an error, not a warning


class Result:
    """The outcome of compiling one spec file."""

    def __init__(
        self,
        spec: Path,
        display: str,
        diagnostics: list[Diagnostic],
        compiled: Compiled | None = None,
        root: Path | None = None,
        document: Document | None = None,
        reads: tuple[Path, ...] = (),
        stored: Stored | None = None,
        written: int = 0,
    ) -> None:
        self.spec = spec
        self.display = display
        self.diagnostics = diagnostics
        self.compiled = compiled
        self.root = root
        self.document = document  # the spec merged with its bases and environment layers
        self.reads = reads  # the spec, its bases and config: the files read besides compiled.reads
        self.stored = stored  # outputs from the incremental cache (then compiled is None)
        self.written = written  # output files written for it (see Project.compile_each)
        self._texts: dict[tuple[str, Path | None], str] = {}  # written once, sent back from a worker

    @property
    def ok(self) -> bool:
        return (self.compiled is not None or self.stored is not None) and not has_errors(self.diagnostics)

    def request_json(self) -> str:
        if self.stored is not None:
            return self.stored.text("request")
        text = self._texts.get(("request", None))
        if text is None:
            from braket_jobspec.canonical import canonical_json

            assert self.compiled is not None
            text = self._texts["request", None] = canonical_json(self.compiled.request)
        return text

    def manifest_json(self, out_dir: Path) -> str:
        """The manifest; its paths are relative to the project root, which it locates from out_dir."""
        if self.stored is not None:
            return self.stored.text("manifest")  # stored for this out_dir: it is part of the key
        text = self._texts.get(("manifest", out_dir))
        if text is None:
            assert self.compiled is not None and self.root is not None
            from braket_jobspec.canonical import canonical_json

            # Which files it was compiled from (the spec, then its bases), for the deployer to compile
            # them again and compare: it deploys only what it can reproduce (artifact.reproduce).
            root = str(self.root)
            made_from = [Path(os.path.relpath(path, root)).as_posix() for path in self.reads]
            manifest: dict[str, Any] = {
                "root": _relative(self.root, out_dir),
                "spec": {"path": made_from[0], "bases": made_from[1:]},
                **self.compiled.manifest,
            }
            text = self._texts["manifest", out_dir] = canonical_json(manifest)
        return text


Writer = Callable[[Result], int]


def written(result: Result, write: Writer | None) -> Result:
    if write is not None:
        result.written = write(result)
    return result


@functools.cache
def _relative(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target.resolve(), start.resolve())).as_posix()


def output_files(folder: str | os.PathLike[str], spec_name: str) -> tuple[str, str]:
    """The request and manifest a spec (by its file name) compiles to, in its output folder."""
    stem = os.path.join(folder, spec_name.rsplit(".", 1)[0])
    return f"{stem}.json", f"{stem}.manifest.json"


def display_name(path: Path) -> str:
    """How a file is named in diagnostics: as given, POSIX style (a found absolute path: from cwd when inside it)."""
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            pass
    return path.as_posix()
