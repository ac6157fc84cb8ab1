"""The job's source module: an S3 archive, or a local file or folder scanned, hashed and its entry point checked."""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from braket_jobspec.sdk import archive, entrypoint
from braket_jobspec.sdk.s3uri import is_s3_uri
from braket_jobspec.sdk.workspace import Workspace

_ENTRY = "/algorithmSpecification/scriptModeConfig/entryPoint"


class Source(NamedTuple):
    entry_point: str  # "" when the source could not be read (its error is reported)
    manifest: dict[str, Any] | None = None  # the manifest's "source" entry (its s3Uri is added by the builder)
    archive: archive.Tree | None = None  # a local source's members

    @property
    def is_local(self) -> bool:
        return self.manifest is not None and self.manifest["kind"] == "local"


def read_source(ws: Workspace) -> Source:
    """The source module of the spec, as the SDK would package it, with its entry point checked."""
    value: str = ws.spec["source_module"]
    entry = ws.spec.get("entry_point")
    if is_s3_uri(value):
        if entry is None:
            ws.error(
                "/source_module",
                "E406",
                "an S3 source_module needs an entry_point",
                "add entry_point: module[:callable] naming the code inside the archive",
            )
        elif not value.lower().endswith(".tar.gz"):
            ws.error(
                "/source_module",
                "E407",
                f"an S3 source_module must be a .tar.gz archive: {value!r}",
                "point at the archive object, not a folder",
            )
        ws.origin(_ENTRY, "spec", "/entry_point")
        return Source(entry or "", {"kind": "s3", "uri": value})
    path = ws.local_path(value, "/source_module", "source_module")
    if path is None:
        return Source("")
    excludes = tuple(ws.spec.get("source_excludes") or ())
    memo = ws.options.memo
    try:
        built = memo.archives.get((path, excludes))
        if built is None:
            built = memo.archives[path, excludes] = archive.scan(path, excludes, ws.options.limits)
    except (archive.SourceError, OSError) as exc:
        ws.error("/source_module", "E408", f"cannot archive source_module: {exc}")
        return Source("")
    parent = os.path.dirname(path)
    ws.reads += [m.path or os.path.join(parent, m.name) for m in built.members]
    ws.seen.update((m.path, m.seen) for m in built.members if m.path is not None)
    if entry:
        ws.origin(_ENTRY, "spec", "/entry_point")
        entry_pointer = "/entry_point"
    else:
        entry = path.stem
        ws.origin(_ENTRY, "derived", "/source_module", "the source module's name without its last suffix")
        entry_pointer = "/source_module"
    key = (built.digest, entry)
    if key not in memo.entry_checks:
        dirs = frozenset(m.name for m in built.members if m.is_dir)
        memo.entry_checks[key] = entrypoint.check(entry, built.files(), dirs)
    problem = memo.entry_checks[key]
    if problem:
        ws.error(entry_pointer, "E409", problem.message, problem.hint)
    manifest = {
        "kind": "local",
        "path": ws.rel(path),
        "excludes": list(archive.DEFAULT_EXCLUDES) + list(excludes),
        "members": [m.describe() for m in built.members],
    }
    return Source(entry, manifest, built)
