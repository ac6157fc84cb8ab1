"""A compiled job on disk (build/x.json and build/x.manifest.json): read it, and prove it still holds.

read_pair is the one reader of the two files, for deploy and for `jobspec run`; each says
what went wrong in its own words and code. For the deployer, loading also checks that the
two files belong together and were not edited after compiling, and verifying rebuilds the
source archive and hashes every local input, so that what is uploaded is, byte for byte,
what the manifest (and so the reviewer) saw. Nothing here talks to AWS.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from braket_jobspec import files
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.sdk.archive import inside

MANIFEST_SUFFIX = ".manifest.json"
RECOMPILE = "recompile (jobspec compile), review the new outputs and deploy those"


@dataclasses.dataclass(frozen=True)
class Upload:
    """One object to put in S3: the source archive (held in memory) or a local input file."""

    kind: str  # "source" | "input"
    display: str  # the local path as people know it (repository-relative)
    uri: str
    size: int  # of an input: from the manifest; of the source archive: once packed (verify)
    sha256: str  # hex digest, the same way
    identity: str  # what the manifest pins: the input's sha256, the source's member digest
    path: Path | None = None
    data: bytes | None = None
    channel: str | None = None
    part_digests: tuple[bytes, ...] = ()  # SHA-256 of each part, once verified

    def open(self) -> IO[bytes]:
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        fd, _ = files.open_regular(self.path)  # a FIFO put in the file's place is refused, not waited on
        return os.fdopen(fd, "rb")

    def checksum(self, part_size: int) -> str:
        """The ChecksumSHA256 S3 reports for this object when uploaded with part_size parts.

        A single PUT gives the digest of the bytes; a multipart upload the digest of the
        parts' digests (S3 appends "-<parts>", compared separately).
        """
        if self.size <= part_size:
            return base64.b64encode(bytes.fromhex(self.sha256)).decode()
        return base64.b64encode(hashlib.sha256(b"".join(self.part_digests)).digest()).decode()

    @property
    def parts(self) -> int:
        return max(1, len(self.part_digests))


@dataclasses.dataclass(frozen=True)
class Copy:
    """An S3 source archive copied, server side, to the job's code location."""

    source: str
    dest: str


@dataclasses.dataclass(frozen=True)
class CheckpointCopy:
    """copy_checkpoints_from_job: every object under that job's checkpoint prefix, to ours."""

    from_job: str
    to: str


@dataclasses.dataclass
class Artifact:
    path: Path
    display: str
    request: dict[str, Any]
    manifest: dict[str, Any]
    root: Path
    uploads: list[Upload]
    copies: list[Copy]
    checkpoint_copy: CheckpointCopy | None

    @property
    def job_name(self) -> str:
        return str(self.request["jobName"])

    @property
    def client_token(self) -> str:
        return str(self.request["clientToken"])

    @property
    def context(self) -> dict[str, Any]:
        context: dict[str, Any] = self.manifest.get("context") or {}
        return context

    @property
    def region(self) -> str:
        return str(self.context["region"])

    @property
    def account_id(self) -> str | None:
        """The account the job was compiled for: the context's, else the role's."""
        account = self.context.get("account_id")
        if account:
            return str(account)
        fields = str(self.request.get("roleArn", "")).split(":")
        return fields[4] if len(fields) > 5 and fields[4].isdigit() else None

    @property
    def default_bucket(self) -> str | None:
        bucket = self.context.get("default_bucket")
        return str(bucket) if bucket else None

    def error(self, code: str, message: str, hint: str = "", pointer: str = "") -> Diagnostic:
        return Diagnostic(self.display, 0, 0, code, message, pointer, "error", hint)


def request_path_of(path: Path) -> Path:
    """build/x.manifest.json names the same artifact as build/x.json (so a shell glob is fine)."""
    if path.name.endswith(MANIFEST_SUFFIX):
        return path.with_name(path.name[: -len(MANIFEST_SUFFIX)] + ".json")
    return path


def manifest_path_of(request_path: Path) -> Path:
    return request_path.with_name(request_path.name[: -len(".json")] + MANIFEST_SUFFIX)


class PairError(Exception):
    """Why a compiled request or its manifest cannot be read: which file, and how."""

    def __init__(self, path: Path, problem: str, error: Exception | None = None) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem  # "missing" | "unreadable" | "not json" | "not an object"
        self.error = error


def read_object(path: Path) -> dict[str, Any]:
    """A JSON object from a file, or a PairError saying what is wrong with it."""
    try:
        data = json.loads(files.read(path))
    except FileNotFoundError as exc:
        raise PairError(path, "missing", exc) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PairError(path, "unreadable", exc) from None
    except json.JSONDecodeError as exc:
        raise PairError(path, "not json", exc) from None
    if not isinstance(data, dict):
        raise PairError(path, "not an object")
    return data


def load(path: Path) -> tuple[Artifact | None, list[Diagnostic]]:
    """Read a request and its manifest; refuse a pair that does not belong together."""
    from braket_jobspec.sdk.builder import MANIFEST_FORMAT, client_token

    path = request_path_of(path)
    display = path.as_posix()

    def fail(message: str, hint: str = "", pointer: str = "") -> tuple[None, list[Diagnostic]]:
        return None, [Diagnostic(display, 0, 0, "E601", message, pointer, "error", hint)]

    if not path.name.endswith(".json"):
        return fail("not a compiled request (expected build/<name>.json)", "deploy the outputs of jobspec compile")
    manifest_path = manifest_path_of(path)
    try:
        request = read_object(path)
        manifest = read_object(manifest_path)
    except PairError as exc:
        if exc.problem == "not an object":
            return fail("the request and its manifest must be JSON objects", RECOMPILE)
        if exc.path == path:
            if exc.problem == "missing":
                return fail("no such file", "deploy the outputs of jobspec compile, e.g. build/<name>.json")
            return fail(f"cannot read the request: {exc.error}")
        if exc.problem == "missing":
            return fail(f"its manifest {manifest_path.as_posix()} is missing", RECOMPILE)
        return fail(f"cannot read the manifest {manifest_path.as_posix()}: {exc.error}")
    if manifest.get("format") != MANIFEST_FORMAT:
        return fail(
            f"manifest format {manifest.get('format')!r} is not {MANIFEST_FORMAT}",
            "compile and deploy with the same version of jobspec",
        )
    try:
        root = (manifest_path.parent / str(manifest["root"])).resolve()
        region = manifest["context"]["region"]
        source = manifest["source"]
        script_uri = request["algorithmSpecification"]["scriptModeConfig"]["s3Uri"]
        token = request["clientToken"]
        checkpoint_uri = (request.get("checkpointConfig") or {}).get("s3Uri")
        source_uri = source.get("s3Uri")
    except (KeyError, TypeError, AttributeError) as exc:
        return fail(f"the request or its manifest lacks {exc}", RECOMPILE)
    if not region:
        return fail("the manifest names no region", RECOMPILE)
    # The clientToken is the digest of the rest of the request: a request edited by hand
    # after compiling no longer matches it, and the service would see a token reused for
    # another body.
    if token != client_token(request):
        return fail(
            "the request was edited after it was compiled: its clientToken is not the digest of its content",
            RECOMPILE,
            "/clientToken",
        )
    if source_uri != script_uri:
        return fail(
            "the manifest uploads the source to another place than the request reads it from",
            RECOMPILE,
            "/algorithmSpecification/scriptModeConfig/s3Uri",
        )
    try:
        return _parts(Artifact(path, display, request, manifest, root, [], [], None), script_uri, checkpoint_uri)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a manifest edited into another shape
        return fail(f"the manifest is damaged: {type(exc).__name__} {exc}", RECOMPILE)


def _parts(artifact: Artifact, script_uri: str, checkpoint_uri: Any) -> tuple[Artifact | None, list[Diagnostic]]:
    """What the manifest says to upload and copy, each checked against the request and the repository."""
    manifest, request, root = artifact.manifest, artifact.request, artifact.root
    source = manifest["source"]

    def fail(message: str, hint: str = "", pointer: str = "") -> tuple[None, list[Diagnostic]]:
        return None, [Diagnostic(artifact.display, 0, 0, "E601", message, pointer, "error", hint)]

    # Every local path the deployer will read lies in the repository (reproduce() then holds
    # them to what the spec names): a manifest edited to read /etc/hostname is refused here.
    local = [str(source["path"])] if source.get("kind") == "local" else []
    for read in [*local, *(str(entry["path"]) for entry in manifest.get("inputs") or [])]:
        if not inside(os.path.realpath(root / read), str(root)):
            return fail(f"the manifest reads {read}, outside the repository", RECOMPILE)
    if source.get("kind") == "local":
        from braket_jobspec.sdk.archive import digest

        members = source.get("members")
        if not isinstance(members, list):
            return fail("the manifest lists no source members", RECOMPILE)
        artifact.uploads.append(Upload("source", str(source["path"]), script_uri, 0, "", digest(members)))
    elif source.get("kind") == "s3":
        if source["uri"] != script_uri:
            artifact.copies.append(Copy(str(source["uri"]), script_uri))
    else:
        return fail(f"unknown source kind {source.get('kind')!r} in the manifest", RECOMPILE)
    channels = {c["channelName"]: c["dataSource"]["s3DataSource"]["s3Uri"] for c in request.get("inputDataConfig", [])}
    for entry in manifest.get("inputs") or []:
        prefix = channels.get(entry["channel"])
        if prefix is None or not str(entry["s3Uri"]).startswith(prefix):
            return fail(
                f"the manifest uploads {entry['path']} outside its channel {entry['channel']!r} of the request",
                RECOMPILE,
            )
        artifact.uploads.append(
            Upload(
                "input",
                str(entry["path"]),
                str(entry["s3Uri"]),
                int(entry["size"]),
                str(entry["sha256"]),
                str(entry["sha256"]),
                channel=str(entry["channel"]),
            )
        )
    copy = manifest.get("checkpoint_copy")
    if copy:
        if copy.get("to") != checkpoint_uri:
            return fail("the manifest copies checkpoints to another place than the request names", RECOMPILE)
        artifact.checkpoint_copy = CheckpointCopy(str(copy["from_job"]), str(copy["to"]))
    return artifact, []


def reproduce(artifact: Artifact) -> list[Diagnostic]:
    """The artifact's spec compiled again, with the context it records: it must give these very bytes.

    What is deployed is what the compiler makes of the reviewed files, never a request or a
    manifest edited by hand: any difference is refused, naming the fields that differ.
    """
    from braket_jobspec.compile import Settings
    from braket_jobspec.compile.project import Project
    from braket_jobspec.config import Context

    made_from, context = artifact.manifest.get("spec"), artifact.context
    if not isinstance(made_from, dict) or not isinstance(made_from.get("path"), str):
        return [artifact.error("E605", "the manifest names no spec to compile again", RECOMPILE, "/spec")]
    spec = artifact.root / made_from["path"]
    if not inside(os.path.realpath(spec), str(artifact.root)):
        return [artifact.error("E605", f"the manifest's spec {made_from['path']} is outside the repository", RECOMPILE)]
    try:
        flags = Context(
            region=context["region"],
            account_id=context.get("account_id"),
            default_bucket=context.get("default_bucket"),
            default_role_arn=context.get("default_role_arn"),
            stamp=context.get("stamp") if context.get("stamp_from") == "context" else None,
        )
        result = Project(Settings(flags, context.get("environment"))).compile(spec)
    except (KeyError, TypeError, ValueError) as exc:
        return [artifact.error("E605", f"the manifest's context is damaged: {exc}", RECOMPILE, "/context")]
    if not result.ok:
        first = next((d for d in result.diagnostics if d.is_error), None)
        why = f": {first.location()}: {first.code} {first.message}" if first else ""
        return [artifact.error("E605", f"its spec {made_from['path']} does not compile now{why}", RECOMPILE)]
    manifest_path = manifest_path_of(artifact.path)
    out: list[Diagnostic] = []
    for name, path, text in (
        ("request", artifact.path, result.request_json()),
        ("manifest", manifest_path, result.manifest_json(manifest_path.parent)),
    ):
        try:
            given = files.read(path)
        except OSError as exc:
            out.append(artifact.error("E605", f"cannot read the {name} again: {exc.strerror or exc}", RECOMPILE))
            continue
        if given != text.encode("utf-8"):
            fields = _differing(given, text)
            out.append(
                artifact.error(
                    "E605",
                    f"the {name} is not what its spec {made_from['path']} compiles to now"
                    + (f" ({', '.join(fields)} differ)" if fields else ""),
                    "it was edited by hand, or the spec, its bases, sources or jobspec.toml changed since: "
                    + RECOMPILE,
                )
            )
    return out


def _differing(given: bytes, expected: str) -> list[str]:
    """The top-level fields in which two JSON objects differ ([] when given is not one)."""
    try:
        old, new = json.loads(given), json.loads(expected)
    except ValueError:
        return []
    if not isinstance(old, dict):
        return []
    return sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))


def load_all(paths: Sequence[Path]) -> tuple[list[Artifact], list[Diagnostic]]:
    """Every artifact named (each once, in the order given), or why some cannot be deployed."""
    artifacts: list[Artifact] = []
    diags: list[Diagnostic] = []
    seen: set[Path] = set()
    for given in paths:
        key = request_path_of(given).resolve()
        if key in seen:
            continue
        seen.add(key)
        artifact, more = load(given)
        diags += more
        if artifact is not None:
            artifacts.append(artifact)
    diags += conflicts(artifacts)
    return artifacts, diags


def conflicts(artifacts: Sequence[Artifact]) -> list[Diagnostic]:
    """Two artifacts that would write different bytes to one object, or claim one job name."""
    out: list[Diagnostic] = []
    objects: dict[str, tuple[str, Artifact]] = {}
    names: dict[tuple[str, str], Artifact] = {}
    for artifact in artifacts:
        for up in artifact.uploads:
            earlier = objects.setdefault(up.uri, (up.identity, artifact))
            if earlier[0] != up.identity:
                out.append(
                    artifact.error(
                        "E604",
                        f"{up.uri} would receive different content from {earlier[1].display}",
                        "give the jobs different code_location or input paths, or deploy them one at a time",
                    )
                )
        key = (artifact.region, artifact.job_name)
        other = names.setdefault(key, artifact)
        if other is not artifact and other.client_token != artifact.client_token:
            out.append(
                artifact.error(
                    "E604",
                    f"job name {artifact.job_name!r} is also used by {other.display}",
                    "a job name is used once per region: give the specs different job_name values",
                    "/jobName",
                )
            )
    return out


# --------------------------------------------------------------------------- verification


def _read_parts(stream: IO[bytes], part_size: int) -> Iterator[bytes]:
    while chunk := stream.read(part_size):
        yield chunk


def digest_parts(stream: IO[bytes], part_size: int) -> tuple[str, int, tuple[bytes, ...]]:
    """(sha256 hex, size, SHA-256 of each part) of a stream, read once."""
    whole = hashlib.sha256()
    size = 0
    parts: list[bytes] = []
    for chunk in _read_parts(stream, part_size):
        whole.update(chunk)
        size += len(chunk)
        parts.append(hashlib.sha256(chunk).digest())
    return whole.hexdigest(), size, tuple(parts)


def verify(artifact: Artifact, part_size: int) -> list[Diagnostic]:
    """Rebuild the source archive and hash each input; replace the uploads by verified ones."""
    diags: list[Diagnostic] = []
    verified: list[Upload] = []
    for up in artifact.uploads:
        checked = (
            _verify_source(artifact, up, part_size) if up.kind == "source" else _verify_input(artifact, up, part_size)
        )
        if isinstance(checked, Diagnostic):
            diags.append(checked)
        else:
            verified.append(checked)
    if not diags:
        artifact.uploads = verified
    return diags


def _verify_source(artifact: Artifact, up: Upload, part_size: int) -> Upload | Diagnostic:
    from braket_jobspec.sdk import archive

    source = artifact.manifest["source"]
    folder = artifact.root / up.display
    try:
        members = source.get("members") or []
        tree = archive.scan(folder.resolve(strict=True), tuple(source.get("excludes") or ()), archive.pinned(members))
        changes = tree.differences(source.get("members") or [])
        data = b"" if changes else tree.pack()
    except (OSError, RuntimeError, archive.SourceError) as exc:
        return artifact.error(
            "E602",
            f"the source changed since it was compiled: cannot archive {up.display}: {exc}",
            RECOMPILE,
        )
    if changes:
        return artifact.error(
            "E602", f"the source changed since it was compiled: recompile and review ({changes})", RECOMPILE
        )
    sha, size, parts = digest_parts(io.BytesIO(data), part_size)
    return dataclasses.replace(up, data=data, size=size, sha256=sha, part_digests=parts)


def _verify_input(artifact: Artifact, up: Upload, part_size: int) -> Upload | Diagnostic:
    path = artifact.root / up.display
    try:
        fd, _ = files.open_regular(path)
        with os.fdopen(fd, "rb") as stream:
            sha, size, parts = digest_parts(stream, part_size)
    except OSError as exc:
        return artifact.error(
            "E603",
            f"input {up.display} of channel {up.channel!r} cannot be read: {exc.strerror or exc}",
            RECOMPILE,
        )
    if sha != up.sha256 or size != up.size:
        return artifact.error(
            "E603",
            f"the source changed since it was compiled: recompile and review (input {up.display} "
            f"of channel {up.channel!r} differs: {size} bytes, sha256 {sha[:12]}…, compiled {up.sha256[:12]}…)",
            RECOMPILE,
        )
    return dataclasses.replace(up, path=path, part_digests=parts)
