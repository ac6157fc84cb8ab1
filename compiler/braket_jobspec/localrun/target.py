"""What a local run starts from: a compiled request with its manifest, checked against the tree.

A run target is either a compiled request (`build/x.json`, with `build/x.manifest.json`
beside it) or a spec, compiled in memory first. Either way the run uses exactly the
source archive and input files that the manifest pins: a source or input that changed
since the compile is refused, because the run would not be the job that was reviewed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from braket_jobspec import files
from braket_jobspec.artifact import MANIFEST_SUFFIX, PairError, manifest_path_of, read_object, request_path_of
from braket_jobspec.diagnostics import Diagnostic

if TYPE_CHECKING:
    from braket_jobspec.compile import Settings
    from braket_jobspec.sdk.archive import Tree


class RunError(Exception):
    """A local run that cannot go on; the diagnostics say why."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


def fail(file: str, code: str, message: str, hint: str = "", pointer: str = "") -> RunError:
    return RunError([Diagnostic(file, 0, 0, code, message, pointer, "error", hint)])


@dataclasses.dataclass
class LocalJob:
    """A request, its manifest and the project root the manifest's paths are relative to."""

    display: str  # the target as the user named it, for diagnostics
    request: dict[str, Any]
    manifest: dict[str, Any]
    root: Path
    tree: Tree | None = None  # the source's members when already scanned (a spec compiled just now)
    warnings: list[Diagnostic] = dataclasses.field(default_factory=list)

    @property
    def job_name(self) -> str:
        name: str = self.request["jobName"]
        return name

    @property
    def entry_point(self) -> str:
        entry: str = self.request["algorithmSpecification"]["scriptModeConfig"]["entryPoint"]
        return entry

    @property
    def device(self) -> str:
        device: str = self.request["deviceConfig"]["device"]
        return device

    @property
    def region(self) -> str | None:
        region: str | None = self.manifest.get("context", {}).get("region")
        return region

    @property
    def max_runtime(self) -> int:
        seconds: int = self.request["stoppingCondition"]["maxRuntimeInSeconds"]
        return seconds


def load_target(target: Path, settings: Settings) -> LocalJob:
    """The job a run target names: a spec (compiled now) or a compiled request and its manifest."""
    from braket_jobspec.load import format_of

    if target.name.endswith(".json"):
        return load_compiled(target)
    if format_of(target.name) is not None:
        return compile_target(target, settings)
    raise fail(
        target.as_posix(),
        "E701",
        "not a run target",
        "name a compiled request (build/x.json, with build/x.manifest.json beside it) or a spec (.yaml, .yml, .toml)",
    )


def load_compiled(target: Path) -> LocalJob:
    """A compiled request and the manifest next to it (either file may be named)."""
    from braket_jobspec.sdk.builder import MANIFEST_FORMAT

    request_path = request_path_of(target)
    manifest_path = manifest_path_of(request_path)
    request = _read_json(request_path)
    manifest = _read_json(manifest_path)
    display = request_path.as_posix()
    for key in ("jobName", "algorithmSpecification", "deviceConfig", "hyperParameters", "stoppingCondition"):
        if key not in request:
            raise fail(display, "E701", f"not a CreateJob request of jobspec: no {key!r}", "run `jobspec compile`")
    if manifest.get("format") != MANIFEST_FORMAT or "source" not in manifest or "root" not in manifest:
        raise fail(
            manifest_path.as_posix(),
            "E701",
            f"not a manifest of this jobspec (format {MANIFEST_FORMAT})",
            "run `jobspec compile` again",
        )
    root = (manifest_path.parent / manifest["root"]).resolve()
    return LocalJob(display, request, manifest, root)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return read_object(path)
    except PairError as exc:
        shown, error = path.as_posix(), exc.error
        if exc.problem == "missing":
            hint = "compile the spec first: `jobspec compile`" if path.name.endswith(MANIFEST_SUFFIX) else ""
            raise fail(shown, "E701", "no such file", hint) from None
        if isinstance(error, json.JSONDecodeError):
            raise fail(shown, "E701", f"not JSON: {error.msg} at line {error.lineno}") from None
        if error is not None:
            raise fail(shown, "E701", f"cannot read: {error}") from None
        raise fail(shown, "E701", "not a JSON object") from None


def compile_target(spec: Path, settings: Settings) -> LocalJob:
    """Compile a spec in memory, with the usual project config and context."""
    from braket_jobspec.compile.project import Project

    result = Project(settings).compile(spec)
    if not result.ok or result.compiled is None or result.root is None:
        raise RunError(result.diagnostics)
    compiled = result.compiled
    # The manifest as `jobspec compile` writes it, with the paths relative to the root.
    manifest = {"root": ".", **compiled.manifest}
    warnings = [d for d in result.diagnostics if not d.is_error]
    return LocalJob(result.display, compiled.request, manifest, result.root.resolve(), compiled.archive, warnings)


def local_source_archive(job: LocalJob) -> bytes:
    """The source archive packed from the tree, refused when its members are not the compiled ones."""
    from braket_jobspec.sdk import archive

    source = job.manifest["source"]
    path = job.root / source["path"]
    try:
        members = source.get("members", [])
        tree = job.tree or archive.scan(path.resolve(strict=True), source.get("excludes", []), archive.pinned(members))
        changes = tree.differences(source.get("members", []))
        if not changes:
            return tree.pack()
    except (OSError, archive.SourceError) as exc:
        raise fail(
            job.display,
            "E702",
            f"cannot rebuild the source archive from {source['path']}: {exc}",
            "the source moved or is gone since the compile: run `jobspec compile`",
        ) from None
    raise fail(
        job.display,
        "E702",
        f"the source changed since the compile: {source['path']} ({changes})",
        "run `jobspec compile` (and review the new request), or restore the source",
    )


def local_input(job: LocalJob, item: dict[str, Any]) -> bytes:
    """One local input file of the manifest, refused when it changed since the compile."""
    path: Path = job.root / item["path"]
    try:
        data = files.read(path)
    except OSError as exc:
        raise fail(
            job.display,
            "E703",
            f"input {item['channel']!r}: cannot read {item['path']}: {exc.strerror or exc}",
            "the input moved or is gone since the compile: run `jobspec compile`",
        ) from None
    if hashlib.sha256(data).hexdigest() != item["sha256"]:
        raise fail(
            job.display,
            "E703",
            f"input {item['channel']!r}: {item['path']} changed since the compile",
            "run `jobspec compile` (and review the new request), or restore the file",
        )
    return data
