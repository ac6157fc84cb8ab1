"""Specs compiled on every core: a pool of forked workers, each compiling contiguous chunks of specs.

Forked workers inherit the loaded modules and the calling project (its settings, configs,
cache keys and what it has read) for free. Where fork is not the safe default (macOS,
Windows) every spec is compiled in the calling process.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, TypeVar

from braket_jobspec.compile import Result, Writer, output_files, written
from braket_jobspec.compile.cache import Stored

_SHARES_PER_WORKER = 4
_SMALLEST_CHUNK = 4
_PER_WORKER = 50  # below this many specs per core, forking costs more than it saves
_MAX_WORKERS = 8
_LOOKUPS_PER_FORK = 400  # below this many specs, a fork costs what half the lookups do
_worker_project: Any = None
_worker_write: Writer | None = None


def _start_worker(project: Any, write: Writer | None) -> None:
    global _worker_project, _worker_write
    project.take_kept()  # the parent's own cache entries: the parent writes them
    _worker_project, _worker_write = project, write


def _compile_chunk(items: list[tuple[Path, Path | None]]) -> tuple[list[Result], list[Any]]:
    """The chunk's results, and the cache entries their compiles made (the parent writes them)."""
    assert _worker_project is not None
    write = _worker_write
    results = [
        _portable(written(_worker_project._compile(spec, out), write), out, write is None) for spec, out in items
    ]
    return results, _worker_project.take_kept()


def _portable(result: Result, out_folder: Path | None, texts: bool) -> Result:
    """The result to send back from a worker: its texts (if the caller wants them), no source members or document.

    Without texts, the outputs are where the worker wrote them (or found them current):
    a run that writes them wants only how it went, which keeps a large run's memory flat.
    """
    stored = result.stored
    if stored is None and result.ok and not texts and out_folder is not None:
        request, manifest = output_files(out_folder, result.spec.name)
        stored = Stored({}, [], {"request": request, "manifest": manifest})
    elif stored is None and result.ok:
        made = {"request": result.request_json()}
        if out_folder is not None:
            made["manifest"] = result.manifest_json(out_folder)
        stored = Stored(made, [])
    return Result(
        result.spec, result.display, result.diagnostics, root=result.root, stored=stored, written=result.written
    )


def look_up_forked(
    look: Callable[[Path, Path | None], Result | None],
    items: list[tuple[Path, Path | None]],
    take_used: Callable[[], list[Any]],
    give_used: Callable[[list[Any]], None],
) -> list[Result | None] | None:
    """look(spec, out) of each item, half of them in a forked child; None when not worth a fork.

    A warm cache's lookups are stats, reads and hashes of thousands of files: with many
    specs, a child does the second half while this process does the first. The child
    sends back its results and the rows it used (take_used there, give_used here); if it
    fails, its half is looked up here. The caller closes its database connections first: the child only
    reads files and the rows prefetched into memory.
    """
    if worker_count(len(items)) < 2 or len(items) < _LOOKUPS_PER_FORK:
        return None
    import pickle

    half = len(items) // 2
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the second half, pickled into the pipe, then gone
        code = 1
        try:
            os.close(read_end)
            done = pickle.dumps(([look(*item) for item in items[half:]], take_used()))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(done)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    first = [look(*item) for item in items[:half]]
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    try:
        if os.waitstatus_to_exitcode(status) != 0:
            raise ValueError("the lookup child failed")
        second, used = pickle.loads(data)
    except Exception:  # its half is looked up here: a lookup only reads
        return first + [look(*item) for item in items[half:]]
    give_used(used)
    return [*first, *second]


def worker_count(specs: int) -> int:
    """How many workers a run of this many specs is worth (below 2: none)."""
    if sys.platform != "linux":
        return 1
    return min(specs // _PER_WORKER, os.cpu_count() or 1, _MAX_WORKERS)


def compile_forked(
    project: Any,
    items: list[tuple[Path, Path | None]],
    write: Writer | None,
    workers: int,
    keep: Callable[[list[Any]], None],
) -> Generator[Result, None, None]:
    """Compile items with project._compile in forked workers (each a copy of project); results in order.

    keep receives the cache entries each chunk made, for the parent to write in one transaction.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # What other specs may need is imported before the fork too (the other format's
    # reader, orjson for many documents): once here, not once in each worker.
    from braket_jobspec import canonical
    from braket_jobspec.load import toml, yaml  # noqa: F401

    canonical.preload()
    # Workers send each result back as text (request and manifest), all a caller of many
    # specs uses.
    chunks = _chunks(items, workers)
    context = multiprocessing.get_context("fork")
    # Frozen, what the workers inherit is never scanned by their collector, which would
    # otherwise write to (and so copy) every page of it.
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(project, write)
        ) as pool:
            for chunk, kept in pool.map(_compile_chunk, chunks):
                keep(kept)
                yield from chunk
    finally:
        gc.unfreeze()


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
