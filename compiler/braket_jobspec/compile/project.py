"""The project around each spec: its config, root, context and environment layers, resolved once per folder.

A Project compiles specs through the incremental cache, on every core when there are
enough of them (parallel.py).
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from braket_jobspec.compile import Result, Settings, Writer, compile_spec, display_name, output_files, written
from braket_jobspec.compile.cache import Cache, Entry
from braket_jobspec.compile.parallel import compile_forked, look_up_forked, worker_count
from braket_jobspec.config import Context, ProjectConfig, check_context, find_config, read_config
from braket_jobspec.diagnostics import Diagnostic, has_errors
from braket_jobspec.load.bases import EnvironmentLayers

if TYPE_CHECKING:
    from braket_jobspec.sdk.workspace import Memo


class Project:
    """Resolves each spec's config, root and context; caches configs by folder."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # When the run started: a file modified since may have been read before the change
        # by one spec (the memo shares reads) and after it by the cache's stat, so no entry
        # that depends on it is kept (see Cache.entry).
        self.started_ns = time.time_ns()
        self.memo: Memo | None = None  # made with the first spec that is compiled, not cached
        self.caches: dict[str, Cache] = {}  # by project root
        self.kept: list[tuple[Path, Entry]] = []  # cache entries of this run's compiles, for flush()
        self._keys: dict[tuple[str, str], str] = {}  # each spec's cache key, made once
        self._places: dict[str, _Place] = {}

    @functools.cache  # noqa: B019 - a Project lives for one command run
    def config_for(self, folder: Path) -> tuple[ProjectConfig, list[Diagnostic]]:
        path = find_config(folder)
        if path is None:
            return ProjectConfig(None, {}, None), []
        return read_config(path, display_name(path))

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
        where = display_name(config.path) if config.path else "command line"
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
        return ctx, check_context(ctx, where, _regions)

    def cache_for(self, root: Path) -> Cache:
        cache = self.caches.get(str(root))
        if cache is None:
            cache = self.caches[str(root)] = Cache.at_root(root, self.started_ns)
        return cache

    def _place_of(self, spec: Path) -> _Place:
        """The spec's _place, memoized by the text of its folder (hashing a Path costs more)."""
        folder = os.path.dirname(str(spec))
        place = self._places.get(folder)
        if place is None:
            place = self._places[folder] = self._place(Path(folder))
        return place

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
            "tree_limits": list(self.settings.tree_limits),
            "strict_devices": self.settings.strict_devices,
        }
        return _Place(tuple(diags), config, ctx, root, layers, json.dumps(material, sort_keys=True))

    @functools.cache  # noqa: B019
    def _out(self, folder: Path) -> str:
        return str(folder.resolve())

    def cached(self, spec: Path, out_folder: Path | None) -> Result | None:
        """The spec's outputs from the incremental cache, if they are there and still hold."""
        if not self.settings.cache or out_folder is None:
            return None
        place = self._place_of(spec)
        if place.ctx is None or place.root is None:
            return None
        cache = self.cache_for(place.root)
        if not cache.readable():
            return None  # an empty cache: the key is made where the spec is compiled
        request, manifest = output_files(out_folder, spec.name)
        stored = cache.lookup(self._key(place, spec, out_folder), {"request": request, "manifest": manifest})
        if stored is None:
            return None
        return Result(spec, display_name(spec), [*place.diags, *stored.diagnostics], root=place.root, stored=stored)

    def _prefetch(self, items: list[tuple[Path, Path | None]]) -> None:
        """Read the cache rows of many specs at once (a query per few hundred, not one per spec)."""
        if not self.settings.cache:
            return
        keys: dict[str, list[str]] = {}
        for spec, out in items:
            place = self._place_of(spec)
            if out is None or place.ctx is None or place.root is None:
                continue
            if self.cache_for(place.root).readable():  # an empty cache: keys are made where specs compile
                keys.setdefault(str(place.root), []).append(self._key(place, spec, out))
        for root, wanted in keys.items():
            self.caches[root].prefetch(wanted)

    def _key(self, place: _Place, spec: Path, out_folder: Path) -> str:
        memo = (str(spec), str(out_folder))
        key = self._keys.get(memo)
        if key is None:
            assert place.root is not None
            parts = (place.material, spec.name, display_name(spec), self._out(out_folder))
            key = self._keys[memo] = self.cache_for(place.root).key(*parts)
        return key

    def compile(self, spec: Path, out_folder: Path | None = None) -> Result:
        """Compile one spec; with out_folder (where its manifest goes), through the incremental cache."""
        hit = self.cached(spec, out_folder)
        try:
            return hit if hit is not None else self._compile(spec, out_folder)
        finally:
            self.flush()

    def _compile(self, spec: Path, out_folder: Path | None) -> Result:
        """Compile one spec that the cache does not hold (and store it there, when in use)."""
        display = display_name(spec)
        place = self._place_of(spec)
        diags = list(place.diags)
        if place.ctx is None or place.root is None:
            return Result(spec, display, diags)
        ctx, root, config = place.ctx, place.root, place.config
        from braket_jobspec.sdk.workspace import BuildOptions, Memo

        self.memo = self.memo or Memo()

        settings = self.settings
        options = BuildOptions(
            root, settings.allow_outside_root, self.memo, settings.tree_limits, settings.strict_devices
        )
        if not self.settings.cache or out_folder is None:
            return compile_spec(spec, display, ctx, options, self.settings.max_bytes, diags, place.layers)
        result = compile_spec(spec, display, ctx, options, self.settings.max_bytes, diags, place.layers)
        if result.ok and result.compiled is not None:
            config_file = [config.path] if config is not None and config.path else []
            deps = [*result.reads, *config_file, *result.compiled.reads]
            outputs = {"request": result.request_json(), "manifest": result.manifest_json(out_folder)}
            entry = self.cache_for(root).entry(
                self._key(place, spec, out_folder),
                deps,
                outputs,
                result.diagnostics[len(diags) :],
                result.compiled.seen,
            )
            if entry is not None:
                self.kept.append((root, entry))
        return result

    def take_used(self) -> list[tuple[str, str]]:
        """(root, key) of the rows that hits since the last call found old (a forked lookup sends them back)."""
        return [(root, key) for root, cache in self.caches.items() for key in cache.take_used()]

    def give_used(self, used: list[tuple[str, str]]) -> None:
        for root, key in used:
            self.caches[root].mark_used([key])

    def take_kept(self) -> list[tuple[Path, Entry]]:
        """The cache entries made since the last call (a worker sends them to its parent)."""
        kept, self.kept = self.kept, []
        return kept

    def flush(self) -> None:
        """Write this run's cache entries: one transaction per project root."""
        for root, entry in self.take_kept():
            self.cache_for(root).keep([entry])
        for cache in self.caches.values():
            cache.flush()
            cache.close()

    def compile_each(self, items: list[tuple[Path, Path | None]], write: Writer | None = None) -> Iterator[Result]:
        """Compile (spec, out_folder) pairs in order, on every core when there are enough of them.

        Specs the incremental cache holds come from it, here; the rest are compiled, by
        forked workers when there are enough of them. write, if given, writes a result's
        outputs in the process that compiled it, so that files are written in parallel
        too; it returns how many it wrote (Result.written). Results come in order, each as
        soon as it is ready.
        """
        self._prefetch(items)
        for cache in self.caches.values():
            cache.close()  # before a fork; flush() opens it again (the rows are prefetched)
        hits = look_up_forked(self.cached, items, self.take_used, self.give_used)
        if hits is None:
            hits = [self.cached(spec, out) for spec, out in items]
        compiled = self._compile_each([item for item, hit in zip(items, hits, strict=True) if hit is None], write)
        try:
            for hit in hits:
                yield written(hit, write) if hit is not None else next(compiled)
        finally:
            compiled.close()  # lets the workers go
            self.flush()

    def _compile_each(
        self, items: list[tuple[Path, Path | None]], write: Writer | None
    ) -> Generator[Result, None, None]:
        workers = worker_count(len(items))
        if workers < 2:
            for spec, out in items:
                yield written(self._compile(spec, out), write)
            return
        # The first spec is compiled here: that imports every stage once, before the
        # workers are forked, instead of once in each of them.
        yield written(self._compile(*items[0]), write)
        yield from compile_forked(self, items[1:], write, workers, self.kept.extend)


class _Place(NamedTuple):
    """A spec folder's config and context (None when they have errors), and the common part of its cache keys."""

    diags: tuple[Diagnostic, ...]
    config: ProjectConfig | None = None
    ctx: Context | None = None
    root: Path | None = None
    layers: EnvironmentLayers | None = None
    material: str = ""


def _regions() -> list[str]:
    """The regions of the SDK's image registry (asked for only when a context region is refused)."""
    from braket_jobspec.sdk.images import regions

    return regions()
