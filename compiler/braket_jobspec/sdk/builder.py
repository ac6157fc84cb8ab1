"""Build the CreateJob request from a validated spec, exactly as prepare_quantum_job does.

Every default and derivation of the SDK (docs: ../shared sdk-semantics sections 1 to 9)
is applied here, with the session and clock replaced by an explicit Context. Each
request field records its origin, so that a later finding about the request (or
`jobspec explain`) can point at the line of the spec it came from.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from braket_jobspec import files
from braket_jobspec import pointer as ptr
from braket_jobspec.canonical import digest
from braket_jobspec.config import Context
from braket_jobspec.diagnostics import Diagnostic, Severity
from braket_jobspec.load import Document
from braket_jobspec.sdk import archive, entrypoint, images

DEFAULT_INSTANCE = {"instanceType": "ml.m5.large", "volumeSizeInGb": 30, "instanceCount": 1}
DEFAULT_MAX_RUNTIME = 432000
DEFAULT_CHECKPOINT_PATH = "/opt/jobs/checkpoints"
DEFAULT_ROLE_NAME = "service-role/AmazonBraketJobsExecutionRole"
RESERVATION_TYPE = "RESERVATION_TIME_WINDOW_ARN"
# The manifest's shape; 2: the source by its members (no archive digest, which depends on zlib).
MANIFEST_FORMAT = 2
STAMP_LENGTH = 13  # as long as the SDK's millisecond timestamps, so default names keep their length

# AwsSession.is_s3_uri: a bucket without dots and a non-empty key, in either URL form.
_S3_URI = re.compile(r"^[sS]3://([^./]+)/(.+)$|^https://([^./]+)\.[sS]3\.[^/]+/(.+)$")
_S3_PARTS = re.compile(r"^(?:[sS]3://([^/]+)/?(.*)|https://([^./]+)\.[sS]3\.[^/]+/?(.*))$")


def is_s3_uri(value: str) -> bool:
    return bool(_S3_URI.match(value))


def s3_split(uri: str) -> tuple[str, str]:
    """(bucket, key) of an s3:// or virtual-host https:// URI."""
    m = _S3_PARTS.match(uri)
    if not m:
        raise ValueError(f"not an S3 URI: {uri}")
    return (m.group(1) or m.group(3)), (m.group(2) if m.group(1) else m.group(4)) or ""


class Origin(NamedTuple):
    """Where a request value came from: a spec field, the context, an SDK default, or a derivation."""

    kind: str  # "spec" | "context" | "default" | "derived"
    pointer: str = ""  # the spec field it was read or derived from
    note: str = ""


class Compiled(NamedTuple):
    request: dict[str, Any]
    manifest: dict[str, Any]
    origins: dict[str, Origin]
    archive: archive.Tree | None  # a local source's members
    reads: list[str | Path]  # files and folders read (incremental cache)


class Options:
    """Choices of the caller that change what is accepted, never what is emitted."""

    def __init__(self, root: Path, allow_outside_root: bool = False, memo: Memo | None = None) -> None:
        self.root = root  # the repository: sources and inputs must stay inside it
        self.allow_outside_root = allow_outside_root
        self.memo = Memo() if memo is None else memo


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


class _Builder:
    def __init__(self, doc: Document, spec_dir: Path, ctx: Context, options: Options) -> None:
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
        self.reads: list[str | Path] = []

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

    # -- the build ---------------------------------------------------------------------

    def build(self) -> Compiled | None:
        spec = self.spec
        device: str = spec["device"]
        region = self.region(device)
        if region is None:
            return None

        user_image = self.image(region)
        source = self.source()
        inputs = self.inputs()
        self.sdk_addressable(source)
        if self.diags and any(d.is_error for d in self.diags):
            return None

        account = self.ctx.account_id
        bucket = self.ctx.default_bucket
        if bucket is None:
            if account is None:
                self.error(
                    "",
                    "E305",
                    "no default bucket: the context has neither default_bucket nor account_id",
                    "give --account-id (or --default-bucket), or set them in an environment of jobspec.toml",
                )
                return None
            bucket = f"amazon-braket-{region}-{account}"

        stamp = self.ctx.stamp or self.derive_stamp(region, bucket, source, inputs)
        job_name = self.job_name(user_image, stamp)
        base = f"s3://{bucket}/jobs/{job_name}/{stamp}"

        request: dict[str, Any] = {}
        request["jobName"] = job_name
        request["roleArn"] = self.role_arn()
        if request["roleArn"] is None:
            return None
        code_location = self.given("code_location")
        if code_location is None:
            code_location = f"{base}/script"
            self.origin(
                "/algorithmSpecification/scriptModeConfig/s3Uri",
                "derived",
                "/code_location",
                "<bucket>/jobs/<job name>/<stamp>/script + /source.tar.gz",
            )
        else:
            self.origin(
                "/algorithmSpecification/scriptModeConfig/s3Uri",
                "spec",
                "/code_location",
                "code_location + /source.tar.gz",
            )
        source_uri = f"{code_location}/source.tar.gz"
        image_uri = user_image or images.image_for("base", region)
        assert image_uri is not None  # region support was checked by image()
        if user_image is None:
            self.origin(
                "/algorithmSpecification/containerImage/uri", "default", "/image_uri", f"the base image in {region}"
            )
        request["algorithmSpecification"] = {
            "scriptModeConfig": {"entryPoint": source["entry_point"], "s3Uri": source_uri, "compressionType": "GZIP"},
            "containerImage": {"uri": image_uri},
        }
        self.origin(
            "/algorithmSpecification/scriptModeConfig/compressionType", "default", "/source_module", "always GZIP"
        )
        request["inputDataConfig"] = self.channels(inputs, base)
        request["instanceConfig"] = self.config_object("instance_config", "/instanceConfig", DEFAULT_INSTANCE)
        output = self.config_object("output_data_config", "/outputDataConfig", {})
        if not output.get("s3Path"):
            output["s3Path"] = f"{base}/data"
            self.origin(
                "/outputDataConfig/s3Path", "derived", "/output_data_config", "<bucket>/jobs/<job name>/<stamp>/data"
            )
        request["outputDataConfig"] = output
        checkpoint = self.config_object(
            "checkpoint_config", "/checkpointConfig", {"localPath": DEFAULT_CHECKPOINT_PATH}
        )
        if not checkpoint.get("s3Uri"):
            checkpoint["s3Uri"] = f"{base}/checkpoints"
            self.origin(
                "/checkpointConfig/s3Uri",
                "derived",
                "/checkpoint_config",
                "<bucket>/jobs/<job name>/<stamp>/checkpoints",
            )
        request["checkpointConfig"] = checkpoint
        request["deviceConfig"] = {"device": device}
        self.origin("/deviceConfig/device", "spec", "/device")
        request["hyperParameters"] = self.hyperparameters(request["instanceConfig"]["instanceType"])
        request["stoppingCondition"] = self.config_object(
            "stopping_condition", "/stoppingCondition", {"maxRuntimeInSeconds": DEFAULT_MAX_RUNTIME}
        )
        request["tags"] = dict(spec.get("tags") or {})
        for key in request["tags"]:
            self.origin(ptr.join("/tags", key), "spec", ptr.join("/tags", key))
        reservation = self.given("reservation_arn")
        if reservation:
            request["associations"] = [{"arn": reservation, "type": RESERVATION_TYPE}]
            self.origin("/associations", "spec", "/reservation_arn")
        request["clientToken"] = client_token(request)
        self.origin("/clientToken", "derived", "", "SHA-256 of the canonical request without clientToken")

        manifest = {
            "format": MANIFEST_FORMAT,
            "context": {
                "region": region,
                "account_id": account,
                "default_bucket": bucket,
                "stamp": stamp,
                "stamp_from": "context" if self.ctx.stamp else "content",
                "environment": self.ctx.environment,
            },
            # The deployer uploads a local archive to s3Uri, or copies an S3 one there
            # (nothing to copy when the archive already is at that URI).
            "source": {**source["manifest"], "s3Uri": source_uri},
            "inputs": self.uploads(inputs),
            "checkpoint_copy": (
                {"from_job": self.given("copy_checkpoints_from_job"), "to": checkpoint["s3Uri"]}
                if self.given("copy_checkpoints_from_job")
                else None
            ),
        }
        return Compiled(request, manifest, self.origins, source.get("archive"), self.reads)

    def sdk_addressable(self, source: dict[str, Any]) -> None:
        """S3 locations the SDK writes to itself must be URIs its parse_s3_uri can split.

        The SDK uploads (or copies) the source to <code_location>/source.tar.gz and copies
        earlier checkpoints to the checkpoint s3Uri; a bucket with dots or a URI without a
        key makes it fail with "Not a valid S3 uri" (before any region check).
        """
        code_location = self.given("code_location")
        if isinstance(code_location, str):
            target = f"{code_location}/source.tar.gz"
            if source.get("manifest", {}).get("uri") != target and not is_s3_uri(target):
                self.unaddressable("/code_location", "code_location", code_location)
        checkpoint = self.spec.get("checkpoint_config") or {}
        s3_uri = checkpoint.get("s3Uri") if isinstance(checkpoint, dict) else None
        if self.given("copy_checkpoints_from_job") and s3_uri and not is_s3_uri(s3_uri):
            self.unaddressable("/checkpoint_config/s3Uri", "checkpoint_config.s3Uri", s3_uri)

    def unaddressable(self, pointer: str, what: str, value: str) -> None:
        self.error(
            pointer,
            "E413",
            f"{what} {value!r} is not an S3 location the SDK can write to",
            "the SDK splits it as s3://<bucket>/<key> with a bucket name without dots (or "
            "https://<bucket>.s3.<region>.amazonaws.com/<key>) and fails otherwise",
        )

    def region(self, device: str) -> str | None:
        """The job's region: a regional device ARN decides it, as AwsQuantumJob.create does."""
        if device.startswith("local:"):
            region = self.ctx.region
        else:
            fields = device.split(":")
            if len(fields) < 4 or not device.startswith("arn:"):
                self.error(
                    "/device",
                    "E403",
                    f"device {device!r} is not a Braket device ARN or a local: simulator",
                    "e.g. arn:aws:braket:::device/quantum-simulator/amazon/sv1 or local:braket/braket_sv",
                )
                return None
            region = fields[3] or self.ctx.region
        if region is None:
            self.error(
                "",
                "E304",
                "no region: the device ARN names none and the context gives none",
                "give --region, or set region in an environment of jobspec.toml",
            )
        return region

    def image(self, region: str) -> str | None:
        """The user's image URI with a framework shorthand resolved (None: not given)."""
        value = self.given("image_uri")
        if value is None:
            if images.image_for("base", region) is None:
                self.unsupported_region("/device", region, "the default (base) image")
            return None
        if "/" not in value and ":" not in value:
            if value not in images.frameworks():
                from braket_jobspec.diagnostics.words import did_you_mean

                self.error(
                    "/image_uri",
                    "E404",
                    f"image_uri {value!r} is neither an ECR image URI nor a framework",
                    did_you_mean(value, images.frameworks())
                    or f"frameworks: {', '.join(images.frameworks())}; or a full ECR image URI",
                )
                return None
            uri = images.image_for(value, region)
            if uri is None:
                self.unsupported_region("/image_uri", region, f"the {value} image")
            self.origin(
                "/algorithmSpecification/containerImage/uri", "spec", "/image_uri", f"framework {value!r} in {region}"
            )
            return uri
        self.origin("/algorithmSpecification/containerImage/uri", "spec", "/image_uri")
        return str(value)

    def unsupported_region(self, pointer: str, region: str, what: str) -> None:
        from braket_jobspec.diagnostics.words import did_you_mean

        self.error(
            pointer,
            "E405",
            f"{what} is not published in region {region!r}",
            did_you_mean(region, images.regions())
            or f"supported regions: {', '.join(images.regions())}; or give a full image_uri",
        )

    def source(self) -> dict[str, Any]:
        value: str = self.spec["source_module"]
        entry = self.spec.get("entry_point")
        if is_s3_uri(value):
            if entry is None:
                self.error(
                    "/source_module",
                    "E406",
                    "an S3 source_module needs an entry_point",
                    "add entry_point: module[:callable] naming the code inside the archive",
                )
            elif not value.lower().endswith(".tar.gz"):
                self.error(
                    "/source_module",
                    "E407",
                    f"an S3 source_module must be a .tar.gz archive: {value!r}",
                    "point at the archive object, not a folder",
                )
            self.origin("/algorithmSpecification/scriptModeConfig/entryPoint", "spec", "/entry_point")
            return {"entry_point": entry or "", "manifest": {"kind": "s3", "uri": value}}
        path = self.local_path(value, "/source_module", "source_module")
        if path is None:
            return {"entry_point": ""}
        excludes = tuple(self.spec.get("source_excludes") or ())
        try:
            built = self.options.memo.archives.get((path, excludes))
            if built is None:
                built = self.options.memo.archives[path, excludes] = archive.scan(path, excludes)
        except (archive.SourceError, OSError) as exc:
            self.error("/source_module", "E408", f"cannot archive source_module: {exc}")
            return {"entry_point": ""}
        parent = os.path.dirname(path)
        self.reads += [m.path or os.path.join(parent, m.name) for m in built.members]
        if entry:
            self.origin("/algorithmSpecification/scriptModeConfig/entryPoint", "spec", "/entry_point")
            entry_pointer = "/entry_point"
        else:
            entry = path.stem
            self.origin(
                "/algorithmSpecification/scriptModeConfig/entryPoint",
                "derived",
                "/source_module",
                "the source module's name without its last suffix",
            )
            entry_pointer = "/source_module"
        key = (built.digest, entry)
        if key not in self.options.memo.entry_checks:
            dirs = frozenset(m.name for m in built.members if m.is_dir)
            self.options.memo.entry_checks[key] = entrypoint.check(entry, built.files(), dirs)
        problem = self.options.memo.entry_checks[key]
        if problem:
            self.error(entry_pointer, "E409", problem.message, problem.hint)
        return {
            "entry_point": entry,
            "archive": built,
            "manifest": {
                "kind": "local",
                "path": self.rel(path),
                "excludes": list(archive.DEFAULT_EXCLUDES) + list(self.spec.get("source_excludes") or ()),
                "members": [m.describe() for m in built.members],
            },
        }

    def inputs(self) -> list[dict[str, Any]]:
        """Channels in spec order; local ones with their files (None for S3 channels)."""
        raw = self.spec.get("input_data") or {}
        if not isinstance(raw, dict):
            raw, pointer_of = {"input": raw}, {"input": "/input_data"}
        else:
            pointer_of = {name: ptr.join("/input_data", name) for name in raw}
        channels = []
        # Channels in name order, not spec order: the order of keys in a mapping must not
        # change the request (the SDK keeps dict order; the service does not care).
        for name, value in sorted(raw.items()):
            pointer = pointer_of[name]
            if isinstance(value, dict):
                entry = {
                    "channel": name,
                    "uri": value["s3_data"],
                    "content_type": value.get("content_type"),
                    "files": None,
                    "pointer": pointer,
                }
                if not is_s3_uri(value["s3_data"]):
                    self.error(
                        ptr.join(pointer, "s3_data"),
                        "E410",
                        f"s3_data {value['s3_data']!r} is not an S3 URI of the form s3://bucket/key",
                        "S3 bucket names with dots and URIs without a key are not accepted",
                    )
                channels.append(entry)
            elif is_s3_uri(value):
                channels.append(
                    {"channel": name, "uri": value, "content_type": None, "files": None, "pointer": pointer}
                )
            else:
                path = self.local_path(value, pointer, f"input {name!r}")
                files: list[InputFile] = []
                if path is not None:
                    files = self.input_files(path, pointer, name)
                channels.append(
                    {
                        "channel": name,
                        "value": value,
                        "path": path,
                        "content_type": None,
                        "files": files,
                        "pointer": pointer,
                    }
                )
        return channels

    def input_files(self, path: Path, pointer: str, channel: str) -> list[InputFile]:
        """The channel's files; the key suffix is '' for a single-file input."""
        top = str(path)
        if os.path.isfile(top):
            self.reads.append(top)
            return [InputFile.read(top, "")]
        found: list[InputFile] = []
        self.walk_inputs(top, top, "", found, pointer, channel)
        if not found:
            self.error(
                pointer,
                "E412",
                f"input {channel!r} folder has no files",
                "the job would start with an empty channel; add data or remove the channel",
            )
        found.sort(key=lambda f: f.rel)
        return found

    def walk_inputs(
        self, top: str, folder: str, prefix: str, found: list[InputFile], pointer: str, channel: str
    ) -> None:
        """Read folder's files into found, then its sub-folders', depth first, as os.walk goes."""
        self.reads.append(folder)
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_symlink():  # read as what it points to, if that is a file in the folder
                real = os.path.realpath(entry.path)
                if not archive.inside(real, top):
                    self.error(
                        pointer,
                        "E411",
                        f"input {channel!r}: {rel} is a symlink out of the input folder",
                        "copy the file into the folder, or make it a channel of its own",
                    )
                elif os.path.isfile(real):
                    self.reads.append(entry.path)
                    found.append(InputFile.read(entry.path, rel))
            elif entry.is_file(follow_symlinks=False):
                self.reads.append(entry.path)
                found.append(InputFile.read(entry.path, rel))
        for entry in entries:
            if not entry.is_symlink() and entry.is_dir(follow_symlinks=False):
                self.walk_inputs(top, entry.path, f"{prefix}{entry.name}/", found, pointer, channel)

    def derive_stamp(self, region: str, bucket: str, source: dict[str, Any], inputs: list[dict[str, Any]]) -> str:
        """A stamp from content: the same inputs give the same paths, a changed source new ones."""
        # Local paths enter as the repository paths they resolve to, so that a spec moved
        # to another folder (or its TOML twin elsewhere) keeps its stamp.
        spec = dict(self.spec)
        if source["manifest"]["kind"] == "local":
            spec["source_module"] = source["manifest"]["path"]
        local = {ch["channel"]: self.rel(ch["path"]) for ch in inputs if ch["files"] is not None}
        if local:
            raw = spec["input_data"]
            spec["input_data"] = {**raw, **local} if isinstance(raw, dict) else local["input"]
        material = {
            "spec": spec,
            "context": [region, self.ctx.account_id, bucket, self.ctx.default_role_arn],
            "source": source["archive"].digest if "archive" in source else source["manifest"].get("uri"),
            "inputs": [
                [ch["channel"], [(f.rel, f.sha256) for f in ch["files"]]] for ch in inputs if ch["files"] is not None
            ],
        }
        return digest(material)[:STAMP_LENGTH]

    def job_name(self, user_image: str | None, stamp: str) -> str:
        given = self.given("job_name")
        if given is not None:
            self.origin("/jobName", "spec", "/job_name")
            return str(given)
        self.origin(
            "/jobName",
            "derived",
            "/image_uri" if user_image else "",
            "braket-job[-<image>]-<stamp>, as the SDK names jobs",
        )
        return f"{images.default_name_base(user_image)}-{stamp}"

    def role_arn(self) -> str | None:
        given = self.given("role_arn")
        if given is not None:
            self.origin("/roleArn", "spec", "/role_arn")
            return str(given)
        if self.ctx.default_role_arn is not None:
            self.origin("/roleArn", "context", "", "default_role_arn")
            return self.ctx.default_role_arn
        if self.ctx.account_id is None:
            self.error(
                "",
                "E306",
                "no role: the spec has no role_arn and the context neither default_role_arn nor account_id",
                "give role_arn in the spec, or --account-id / --default-role-arn",
            )
            return None
        self.origin("/roleArn", "default", "", "the console-created AmazonBraketJobsExecutionRole")
        return f"arn:aws:iam::{self.ctx.account_id}:role/{DEFAULT_ROLE_NAME}"

    def config_object(self, key: str, request_key: str, defaults: dict[str, Any]) -> dict[str, Any]:
        given = self.spec.get(key) or {}
        out = dict(defaults)
        for field in defaults:
            self.origin(f"{request_key}/{field}", "default", f"/{key}", f"the SDK's default {defaults[field]!r}")
        for field, value in given.items():
            out[field] = value
            self.origin(f"{request_key}/{field}", "spec", f"/{key}/{field}")
        return out

    def hyperparameters(self, instance_type: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in (self.spec.get("hyperparameters") or {}).items():
            pointer = ptr.join("/hyperparameters", key)
            out[key] = str(value)
            self.origin(ptr.join("/hyperParameters", key), "spec", pointer)
            # Only a number can be written otherwise than it is sent (and asking for the texts
            # of numbers makes a TOML reader find every position).
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            text = self.doc.number_texts.get(pointer) if number else None
            if text is not None and text != out[key]:
                self.error(
                    pointer,
                    "W401",
                    f"{text} is read as a number and sent as {out[key]!r}",
                    f'quote it to send it as written: "{text}"',
                    severity="warning",
                )
        if self.spec.get("distribution") == "data_parallel":
            for key, value in (
                ("sagemaker_distributed_dataparallel_enabled", "true"),
                ("sagemaker_instance_type", instance_type),
            ):
                out[key] = value
                self.origin(
                    ptr.join("/hyperParameters", key), "derived", "/distribution", "distribution: data_parallel"
                )
        return out

    def channels(self, inputs: list[dict[str, Any]], base: str) -> list[dict[str, Any]]:
        out = []
        for index, ch in enumerate(inputs):
            if ch["files"] is None:
                uri = ch["uri"]
                self.origin(f"/inputDataConfig/{index}", "spec", ch["pointer"])
            else:
                uri = f"{base}/data/{ch['channel']}/{PurePosixPath(ch['value']).name}"
                ch["uri"] = uri
                self.origin(
                    f"/inputDataConfig/{index}",
                    "derived",
                    ch["pointer"],
                    "<bucket>/jobs/<job name>/<stamp>/data/<channel>/<name>",
                )
            entry: dict[str, Any] = {"channelName": ch["channel"], "dataSource": {"s3DataSource": {"s3Uri": uri}}}
            if ch["content_type"] is not None:
                entry["contentType"] = ch["content_type"]
            out.append(entry)
        return out

    def uploads(self, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each local input file with its S3 destination under its channel's prefix."""
        out = []
        for ch in inputs:
            prefix = ch["uri"]
            for f in ch["files"] or ():
                dest = prefix if not f.rel else (prefix + f.rel if prefix.endswith("/") else f"{prefix}/{f.rel}")
                out.append(
                    {
                        "channel": ch["channel"],
                        "path": self.rel(f.path),
                        "s3Uri": dest,
                        "size": f.size,
                        "sha256": f.sha256,
                    }
                )
        return out


class InputFile(NamedTuple):
    path: str
    rel: str
    size: int
    sha256: str

    @classmethod
    def read(cls, path: str, rel: str) -> InputFile:
        data = files.read(path)
        return cls(path, rel, len(data), hashlib.sha256(data).hexdigest())


def client_token(request: dict[str, Any]) -> str:
    """SHA-256 hex of the request without clientToken, as compact canonical JSON: the idempotency token."""
    return digest({k: v for k, v in request.items() if k != "clientToken"})


def build_request(
    doc: Document, spec_dir: Path, ctx: Context, options: Options
) -> tuple[Compiled | None, list[Diagnostic]]:
    """The request, manifest and origins of a schema-valid spec, or the reasons there are none."""
    builder = _Builder(doc, spec_dir, ctx, options)
    compiled = builder.build()
    return compiled, builder.diags
