"""A stand-in for the SDK's AwsSession: fixed region, account, bucket and role; nothing is sent.

prepare_quantum_job (and AwsQuantumJob's session routing) call only a handful of session
methods. This class has exactly those, records each call, and keeps the bytes of every
file handed to upload_to_s3 (the SDK deletes its tarball right after the upload).
upload_local_data is the one method whose logic matters to the request and the upload
plan (prefix globbing, key building), so it runs the SDK's own implementation with this
object as `self`; that implementation only calls upload_to_s3, which is recorded here.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any


@dataclasses.dataclass(frozen=True)
class Upload:
    """One upload_to_s3 call: the local file as the SDK named it, where it went, its bytes."""

    local: str
    s3_uri: str
    data: bytes
    resolved: Path
    # (local_prefix, s3_prefix) of the upload_local_data call that made it; None for the source tarball
    channel_call: tuple[str, str] | None


@dataclasses.dataclass
class Journal:
    """Every session call of one SDK run, shared by the session and its regional copies."""

    calls: list[tuple[str, tuple[Any, ...]]] = dataclasses.field(default_factory=list)
    uploads: list[Upload] = dataclasses.field(default_factory=list)
    channel_call: tuple[str, str] | None = None  # the upload_local_data call in progress

    def record(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))

    def named(self, name: str) -> list[tuple[Any, ...]]:
        return [args for called, args in self.calls if called == name]


DEFAULT_ROLE_NAME = "service-role/AmazonBraketJobsExecutionRole"


class StubSession:
    """What the SDK asks of an AwsSession during job creation, answered from fixed values."""

    def __init__(
        self,
        region: str,
        account_id: str,
        default_bucket: str | None = None,
        default_role_arn: str | None = None,
        journal: Journal | None = None,
    ) -> None:
        self.region = region
        self.account_id = account_id
        self._custom_bucket = default_bucket
        self._default_role_arn = default_role_arn
        self.journal = journal or Journal()

    # -- identity and defaults ---------------------------------------------------------

    def default_bucket(self) -> str:
        self.journal.record("default_bucket")
        # AwsSession: the constructor's bucket, else amazon-braket-<region>-<account> (created if missing).
        return self._custom_bucket or f"amazon-braket-{self.region}-{self.account_id}"

    def get_default_jobs_role(self) -> str:
        self.journal.record("get_default_jobs_role")
        # IAM ListRoles would return the console-created role; an account may name another one.
        return self._default_role_arn or f"arn:aws:iam::{self.account_id}:role/{DEFAULT_ROLE_NAME}"

    def copy_session(self, region: str | None = None, max_connections: int | None = None) -> StubSession:
        """AwsSession.copy_session keeps a bucket given to the constructor, and re-derives it otherwise."""
        self.journal.record("copy_session", region)
        return StubSession(
            region or self.region, self.account_id, self._custom_bucket, self._default_role_arn, self.journal
        )

    def get_device(self, arn: str) -> dict[str, Any]:
        self.journal.record("get_device", arn)
        return {"deviceArn": arn}

    def get_job(self, arn: str) -> dict[str, Any]:
        self.journal.record("get_job", arn)
        return {"jobArn": arn, "checkpointConfig": {"s3Uri": checkpoints_of(arn)}}

    # -- S3 ----------------------------------------------------------------------------

    # Each S3 method refuses what AwsSession's refuses before it would send anything: URIs
    # that its parse_s3_uri cannot split (e.g. a bucket with dots), via the SDK's own parser.

    def upload_to_s3(self, filename: str, s3_uri: str) -> None:
        self.journal.record("upload_to_s3", filename, s3_uri)
        _parse(s3_uri)
        path = Path(filename)
        self.journal.uploads.append(
            Upload(filename, s3_uri, path.read_bytes(), path.resolve(), self.journal.channel_call)
        )

    def upload_local_data(self, local_prefix: str, s3_prefix: str) -> None:
        from braket.aws.aws_session import AwsSession

        self.journal.record("upload_local_data", local_prefix, s3_prefix)
        self.journal.channel_call = (local_prefix, s3_prefix)  # left set when the call fails: it names the channel
        AwsSession.upload_local_data(self, local_prefix, s3_prefix)  # type: ignore[arg-type]
        self.journal.channel_call = None

    def copy_s3_object(self, source_s3_uri: str, destination_s3_uri: str) -> None:
        self.journal.record("copy_s3_object", source_s3_uri, destination_s3_uri)
        if source_s3_uri != destination_s3_uri:
            _parse(source_s3_uri)
            _parse(destination_s3_uri)

    def copy_s3_directory(self, source_s3_path: str, destination_s3_path: str) -> None:
        self.journal.record("copy_s3_directory", source_s3_path, destination_s3_path)
        if source_s3_path != destination_s3_path:
            _parse(source_s3_path)
            _parse(destination_s3_path)


def _parse(uri: str) -> tuple[str, str]:
    from braket.aws.aws_session import AwsSession

    bucket, key = AwsSession.parse_s3_uri(uri)
    return bucket, key


def checkpoints_of(job_arn: str) -> str:
    """The checkpoint location GetJob reports for an earlier job (any fixed function of the ARN)."""
    return f"s3://earlier-jobs/checkpoints/{job_arn.rsplit('/', 1)[-1] or 'job'}"
