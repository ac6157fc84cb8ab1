"""One spec file through the stages: load, validate, build the request, check it, emit.

The stages are pure but for reading the spec's own source tree and input files; the
project around a spec (its config, root and context) is resolved by a Project, once.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import sys
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from braket_jobspec import files
from braket_jobspec.compile.cache import Cache, Stored
from braket_jobspec.config import Context, EnvironmentLayers, ProjectConfig, check_context, find_config, parse_config
from braket_jobspec.diagnostics import Diagnostic, has_errors
from braket_jobspec.load import DEFAULT_MAX_BYTES, Document

# The stages are imported when a spec is compiled: a run whose specs all come from the
# incremental cache never loads them (nor tarfile, gzip and jsonschema behind them).
if TYPE_CHECKING:
    from braket_jobspec.sdk.builder import Compiled
    from braket_jobspec.sdk.workspace import Memo, Options


class Settings(NamedTuple):
    """What the command line decides for every spec of a run."""

    flags: Context = Context()
    environment: str | None = None
    allow_outside_root: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES
    cache: bool = False  # use the incremental cache (.jobspec-cache/ at the project root)


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

            manifest: dict[str, Any] = {"root": _relative(self.root, out_dir), **self.compiled.manifest}
            text = self._texts["manifest", out_dir] = canonical_json(manifest)
        return text


@functools.cache
def _relative(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target.resolve(), start.resolve())).as_posix()


class Project:
    """Resolves each spec's config, root and context; caches configs by folder."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.memo: Memo | None = None  # made with the first spec that is compiled, not cached
        self.caches: dict[Path, Cache] = {}

    @functools.cache  # noqa: B019 - a Project lives for one command run
    def config_for(self, folder: Path) -> tuple[ProjectConfig, list[Diagnostic]]:
        path = find_config(folder)
        if path is None:
            return ProjectConfig(None, {}, None), []
        return parse_config(path.read_text("utf-8"), _display(path), path)

    def root_for(self, spec: Path, config: ProjectConfig) -> Path:
        if config.root is not None:
            return config.root
        for folder in spec.parent.resolve().parents:
            if (folder / ".git").exists():
                return folder
        return spec.parent.resolve()

    def context_for(self, config: ProjectConfig) -> tuple[Context, list[Diagnostic]]:
        flags = self.settings.flags
        name = self.settings.environment or config.default_environment
        where = _display(config.path) if config.path else "command line"
        if name is None:
            ctx = flags
        elif name in config.environments:
            ctx = flags.over(config.environments[name])
        else:
            known = ", ".join(sorted(config.environments)) or "none defined"
            return flags, [
                Diagnostic(
                    where, 0, 0, "E307", f"no environment {name!r} in the project config", hint=f"environments: {known}"
                )
            ]
        return ctx, check_context(ctx, where)

    def cache_for(self, root: Path) -> Cache:
        if root not in self.caches:
            self.caches[root] = Cache.at_root(root)
        return self.caches[root]

    @functools.cache  # noqa: B019 - a Project lives for one command run
    def _place(self, folder: Path) -> _Place:
        """What the specs of one folder share: config, context, root, layers, and their part of a cache key."""
        resolved = folder.resolve()
        config, diags = self.config_for(resolved)
        if has_errors(diags):
            return _Place(tuple(diags))
        ctx, more = self.context_for(config)
        diags = diags + more
        if has_errors(diags):
            return _Place(tuple(diags))
        root = self.root_for(resolved / "spec", config)
        layers = config.layers.get(ctx.environment) if ctx.environment else None
        material = {
            "folder": str(resolved),
            "context": ctx._asdict(),
            "config": str(config.path) if config.path else None,
            "root": str(root.resolve()),
            "allow_outside_root": self.settings.allow_outside_root,
            "max_bytes": self.settings.max_bytes,
        }
        return _Place(tuple(diags), config, ctx, root, layers, json.dumps(material, sort_keys=True))

    @functools.cache  # noqa: B019
    def _out(self, folder: Path) -> str:
        return str(folder.resolve())

    def cached(self, spec: Path, out_folder: Path | None) -> Result | None:
        """The spec's outputs from the incremental cache, if they are there and still hold."""
        if not self.settings.cache or out_folder is None:
            return None
        place = self._place(spec.parent)
        if place.ctx is None or place.root is None:
            return None
        stored = self.cache_for(place.root).lookup(self._key(place, spec, out_folder))
        if stored is None:
            return None
        return Result(spec, _display(spec), [*place.diags, *stored.diagnostics], root=place.root, stored=stored)

    def _key(self, place: _Place, spec: Path, out_folder: Path) -> str:
        assert place.root is not None
        return self.cache_for(place.root).key(place.material, spec.name, _display(spec), self._out(out_folder))

    def compile(self, spec: Path, out_folder: Path | None = None) -> Result:
        """Compile one spec; with out_folder (where its manifest goes), through the incremental cache."""
        hit = self.cached(spec, out_folder)
        return hit if hit is not None else self._compile(spec, out_folder)

    def _compile(self, spec: Path, out_folder: Path | None) -> Result:
        """Compile one spec that the cache does not hold (and store it there, when in use)."""
        display = _display(spec)
        place = self._place(spec.parent)
        diags = list(place.diags)
        if place.ctx is None or place.root is None:
            return Result(spec, display, diags)
        ctx, root, config = place.ctx, place.root, place.config
        from braket_jobspec.sdk.workspace import Memo, Options

        self.memo = self.memo or Memo()

        options = Options(root, self.settings.allow_outside_root, self.memo)
        if not self.settings.cache or out_folder is None:
            return compile_spec(spec, display, ctx, options, self.settings.max_bytes, diags, place.layers)
        started = time.time_ns()
        result = compile_spec(spec, display, ctx, options, self.settings.max_bytes, diags, place.layers)
        if result.ok and result.compiled is not None:
            config_file = [config.path] if config is not None and config.path else []
            deps = [*result.reads, *config_file, *result.compiled.reads]
            outputs = {"request": result.request_json(), "manifest": result.manifest_json(out_folder)}
            self.cache_for(root).store(
                self._key(place, spec, out_folder), deps, outputs, result.diagnostics[len(diags) :], started
            )
        return result

    def compile_each(self, items: list[tuple[Path, Path | None]], write: Writer | None = None) -> Iterator[Result]:
        """Compile (spec, out_folder) pairs in order, on every core when there are enough of them.

        Specs the incremental cache holds come from it, here; the rest are compiled, by
        forked workers when there are enough of them. write, if given, writes a result's
        outputs in the process that compiled it, so that files are written in parallel
        too; it returns how many it wrote (Result.written). Results come in order, each as
        soon as it is ready.
        """
        hits = [self.cached(spec, out) for spec, out in items]
        compiled = self._compile_each([item for item, hit in zip(items, hits, strict=True) if hit is None], write)
        try:
            for hit in hits:
                yield _written(hit, write) if hit is not None else next(compiled)
        finally:
            compiled.close()  # lets the workers go

    def _compile_each(
        self, items: list[tuple[Path, Path | None]], write: Writer | None
    ) -> Generator[Result, None, None]:
        workers = min(len(items) // _PER_WORKER, os.cpu_count() or 1, _MAX_WORKERS)
        # Forked workers inherit the loaded modules, settings and writer for free; where
        # fork is not the safe default (macOS, Windows) the specs are compiled in this process.
        if workers < 2 or sys.platform != "linux":
            for spec, out in items:
                yield _written(self._compile(spec, out), write)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # The first spec is compiled here: that imports every stage once, before the
        # workers are forked, instead of once in each of them; so are what other specs
        # may need (the other format's reader, orjson for many documents).
        yield _written(self._compile(*items[0]), write)
        from braket_jobspec import canonical
        from braket_jobspec.load import toml, yaml  # noqa: F401

        canonical.preload()
        # Workers send each result back as text (request and manifest), all a caller of many
        # specs uses.
        chunks = _chunks(items[1:], workers)
        context = multiprocessing.get_context("fork")
        # Frozen, what the workers inherit is never scanned by their collector, which would
        # otherwise write to (and so copy) every page of it.
        gc.freeze()
        try:
            with ProcessPoolExecutor(
                workers, mp_context=context, initializer=_start_worker, initargs=(self.settings, write)
            ) as pool:
                for chunk in pool.map(_compile_chunk, chunks):
                    yield from chunk
        finally:
            gc.unfreeze()


Writer = Callable[[Result], int]


def _written(result: Result, write: Writer | None) -> Result:
    if write is not None:
        result.written = write(result)
    return result


T = TypeVar("T")


def _chunks(items: list[T], workers: int) -> list[list[T]]:
    """Contiguous chunks, each a share of what is left: large first, small last.

    Contiguous, so that a folder's specs (which often share a source) stay together; ever
    smaller, so that the workers run out of work at nearly the same moment.
    """
    chunks, start = [], 0
    while start < len(items):
        size = max(_SMALLEST_CHUNK, (len(items) - start) // (workers * _SHARES_PER_WORKER))
        chunks.append(items[start : start + size])
        start += size
    return chunks


_SHARES_PER_WORKER = 4
_SMALLEST_CHUNK = 4
_PER_WORKER = 50  # below this many specs per core, forking costs more than it saves
_MAX_WORKERS = 8
_worker_project: Project | None = None
_worker_write: Writer | None = None


def _start_worker(settings: Settings, write: Writer | None) -> None:
    global _worker_project, _worker_write
    _worker_project, _worker_write = Project(settings), write


def _compile_chunk(items: list[tuple[Path, Path | None]]) -> list[Result]:
    assert _worker_project is not None
    return [_portable(_written(_worker_project._compile(spec, out), _worker_write), out) for spec, out in items]


def _portable(result: Result, out_folder: Path | None) -> Result:
    """The result as text, to send back from a worker (no source members, no parsed document)."""
    stored = result.stored
    if stored is None and result.ok:
        texts = {"request": result.request_json()}
        if out_folder is not None:
            texts["manifest"] = result.manifest_json(out_folder)
        stored = Stored({}, texts, [])
    return Result(
        result.spec, result.display, result.diagnostics, root=result.root, stored=stored, written=result.written
    )


class _Place(NamedTuple):
    """A spec folder's config and context (None when they have errors), and the common part of its cache keys."""

    diags: tuple[Diagnostic, ...]
    config: ProjectConfig | None = None
    ctx: Context | None = None
    root: Path | None = None
    layers: EnvironmentLayers | None = None
    material: str = ""


def _display(path: Path) -> str:
    """How a file is named in diagnostics: as given, POSIX style (a found absolute path: from cwd when inside it)."""
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def compile_spec(
    spec: Path,
    display: str,
    ctx: Context,
    options: Options,
    max_bytes: int = DEFAULT_MAX_BYTES,
    diags: list[Diagnostic] | None = None,
    environment: EnvironmentLayers | None = None,
) -> Result:
    """Run every stage on one spec file; stop between stages once there are errors.

    environment: the default tags and overrides of the environment, merged with the
    spec's bases (see bases.py); errors in values they set are reported in their files.
    """
    from braket_jobspec.check import validate_request, validate_spec
    from braket_jobspec.load import format_of, load
    from braket_jobspec.load.bases import Merged, relocate, resolve
    from braket_jobspec.sdk.builder import build_request

    diags = list(diags or [])
    fmt = format_of(spec.name)
    if fmt is None:
        diags.append(Diagnostic(display, 0, 0, "E104", "unknown spec format", hint="name it .yaml, .yml or .toml"))
        return Result(spec, display, diags)
    try:
        raw = files.read(spec)
    except OSError as exc:
        diags.append(Diagnostic(display, 0, 0, "E105", f"cannot read the spec: {exc.strerror or exc}"))
        return Result(spec, display, diags)
    loaded, more = load(raw, display, fmt, max_bytes)
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
