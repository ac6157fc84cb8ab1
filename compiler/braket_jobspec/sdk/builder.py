"""Build the CreateJob request from a validated spec, exactly as prepare_quantum_job does.

Every default and derivation of the SDK (docs: ../shared sdk-semantics sections 1 to 9)
is applied here, with the session and clock replaced by an explicit Context. Each
request field records its origin, so that a later finding about the request (or
`jobspec explain`) can point at the line of the spec it came from. The source module
is read by sources.py, the input channels by inputs.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from braket_jobspec import pointer as ptr
from braket_jobspec.canonical import digest
from braket_jobspec.config import Context
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.load.document import Document
from braket_jobspec.sdk import archive, devices, images
from braket_jobspec.sdk.fields import BY_SPEC, DATA_PARALLEL_KEYS, Field
from braket_jobspec.sdk.inputs import Channel, placed, read_inputs, request_channels, uploads
from braket_jobspec.sdk.s3uri import is_s3_uri
from braket_jobspec.sdk.sources import Source, read_source
from braket_jobspec.sdk.workspace import BuildOptions, Origin, Workspace

__all__ = ["BuildOptions", "Compiled", "Origin", "build_request", "client_token"]

DEFAULT_ROLE_NAME = "service-role/AmazonBraketJobsExecutionRole"
RESERVATION_TYPE = "RESERVATION_TIME_WINDOW_ARN"
# The manifest's shape; 2: the source by its members (no archive digest, which depends on zlib);
# 3: the spec and bases it was compiled from, and the context's default role (the deployer recompiles).
MANIFEST_FORMAT = 3
STAMP_LENGTH = 13  # as long as the SDK's millisecond timestamps, so default names keep their length


class Compiled(NamedTuple):
    request: dict[str, Any]
    manifest: dict[str, Any]
    origins: dict[str, Origin]
    archive: archive.Tree | None  # a local source's members
    reads: list[str | Path]  # files and folders read (incremental cache)
    seen: dict[str, tuple[int, ...]]  # files.signature of files among reads, taken as they were read


class _Builder(Workspace):
    def build(self) -> Compiled | None:
        spec = self.spec
        device: str = spec["device"]
        region = self.region(device)
        for found in devices.check(device, self.given("reservation_arn"), self.options.strict_devices):
            self.error(found.pointer, found.code, found.message, found.hint, severity=found.severity)
        # Without a region the image cannot be resolved, but the source and inputs are still
        # read: their errors are reported with the missing region's, not after it is fixed.
        user_image = self.image(region) if region is not None else None
        source = read_source(self)
        inputs = read_inputs(self)
        self.sdk_addressable(source)
        if region is None or any(d.is_error for d in self.diags):
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
            "scriptModeConfig": {"entryPoint": source.entry_point, "s3Uri": source_uri, "compressionType": "GZIP"},
            "containerImage": {"uri": image_uri},
        }
        self.origin(
            "/algorithmSpecification/scriptModeConfig/compressionType", "default", "/source_module", "always GZIP"
        )
        inputs = placed(self, inputs, base)
        request["inputDataConfig"] = request_channels(inputs)
        request["instanceConfig"] = self.config_object(BY_SPEC["instance_config"])
        output = self.config_object(BY_SPEC["output_data_config"])
        if not output.get("s3Path"):
            output["s3Path"] = f"{base}/data"
            self.origin(
                "/outputDataConfig/s3Path", "derived", "/output_data_config", "<bucket>/jobs/<job name>/<stamp>/data"
            )
        request["outputDataConfig"] = output
        checkpoint = self.config_object(BY_SPEC["checkpoint_config"])
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
        request["stoppingCondition"] = self.config_object(BY_SPEC["stopping_condition"])
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
                "default_role_arn": self.ctx.default_role_arn,
            },
            # The deployer uploads a local archive to s3Uri, or copies an S3 one there
            # (nothing to copy when the archive already is at that URI).
            "source": {**(source.manifest or {}), "s3Uri": source_uri},
            "inputs": uploads(self, inputs),
            "checkpoint_copy": (
                {"from_job": self.given("copy_checkpoints_from_job"), "to": checkpoint["s3Uri"]}
                if self.given("copy_checkpoints_from_job")
                else None
            ),
        }
        return Compiled(request, manifest, self.origins, source.archive, self.reads, self.seen)

    def sdk_addressable(self, source: Source) -> None:
        """S3 locations the SDK writes to itself must be URIs its parse_s3_uri can split.

        The SDK uploads (or copies) the source to <code_location>/source.tar.gz and copies
        earlier checkpoints to the checkpoint s3Uri; a bucket with dots or a URI without a
        key makes it fail with "Not a valid S3 uri" (before any region check).
        """
        code_location = self.given("code_location")
        if isinstance(code_location, str):
            target = f"{code_location}/source.tar.gz"
            if (source.manifest or {}).get("uri") != target and not is_s3_uri(target):
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
                "/device",
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

    def derive_stamp(self, region: str, bucket: str, source: Source, inputs: list[Channel]) -> str:
        """A stamp from content: the same inputs give the same paths, a changed source new ones."""
        # Local paths enter as the repository paths they resolve to, so that a spec moved
        # to another folder (or its TOML twin elsewhere) keeps its stamp.
        spec = dict(self.spec)
        if source.manifest is not None and source.is_local:
            spec["source_module"] = source.manifest["path"]
        local = {ch.name: self.rel(ch.path) for ch in inputs if ch.is_local and ch.path is not None}
        if local:
            raw = spec["input_data"]
            spec["input_data"] = {**raw, **local} if isinstance(raw, dict) else local["input"]
        material = {
            "spec": spec,
            "context": [region, self.ctx.account_id, bucket, self.ctx.default_role_arn],
            "source": source.archive.digest if source.archive is not None else (source.manifest or {}).get("uri"),
            "inputs": [[ch.name, [(f.rel, f.sha256) for f in ch.files]] for ch in inputs if ch.files is not None],
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

    def config_object(self, field: Field) -> dict[str, Any]:
        """A request object: the spec's value over the SDK's defaults, each key with its origin."""
        key, defaults = field.spec, field.default
        given = self.spec.get(key) or {}
        out = dict(defaults)
        for name in defaults:
            self.origin(f"{field.request}/{name}", "default", f"/{key}", f"the SDK's default {defaults[name]!r}")
        for name, value in given.items():
            out[name] = value
            self.origin(f"{field.request}/{name}", "spec", f"/{key}/{name}")
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
            for key, value in zip(DATA_PARALLEL_KEYS, ("true", instance_type), strict=True):
                out[key] = value
                self.origin(
                    ptr.join("/hyperParameters", key), "derived", "/distribution", "distribution: data_parallel"
                )
        return out


def client_token(request: dict[str, Any]) -> str:
    """SHA-256 hex of the request without clientToken, as compact canonical JSON: the idempotency token."""
    return digest({k: v for k, v in request.items() if k != "clientToken"})


def build_request(
    doc: Document, spec_dir: Path, ctx: Context, options: BuildOptions
) -> tuple[Compiled | None, list[Diagnostic]]:
    """The request, manifest and origins of a schema-valid spec, or the reasons there are none."""
    builder = _Builder(doc, spec_dir, ctx, options)
    compiled = builder.build()
    return compiled, builder.diags
