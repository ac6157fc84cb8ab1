"""S3 for the deployer: put each object once, with a SHA-256 that S3 checks; copy server side.

An object is skipped when S3 already reports the SHA-256 checksum it would get from
this upload (HeadObject with ChecksumMode=ENABLED), so a re-run after a failure, or a
second deploy of the same artifact, sends nothing twice. Every PUT and every part of a
multipart upload carries its digest, and S3 refuses bytes that do not match it.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from braket_jobspec.artifact import Upload
from braket_jobspec.deploy.plan import size_text
from braket_jobspec.sdk.s3uri import s3_split

MIB = 1024 * 1024
DEFAULT_PART_SIZE = 16 * MIB
MIN_PART_SIZE = 5 * MIB  # S3's smallest part (but the last)
PROGRESS_MIN = 64 * MIB  # without a terminal, only uploads this large report progress
COPY_MAX = 5 * 1024 * MIB  # CopyObject's limit; larger objects go through the managed copy


class ChangedDuringUpload(Exception):
    """The file's bytes changed between verification and upload."""


class BucketMissing(Exception):
    """A destination bucket that does not exist (and is not the SDK's default bucket)."""


class Progress:
    """Upload progress on stderr: a live line on a terminal, a few lines for large uploads otherwise."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last = 0

    def start(self) -> None:
        self._last = 0

    def update(self, uri: str, done: int, total: int) -> None:
        if not (self.tty or total >= PROGRESS_MIN):
            return
        percent = done * 100 // max(total, 1)
        if self.tty:
            self.stream.write(f"\r  {uri}  {size_text(done)} / {size_text(total)} ({percent}%)")
            if done >= total:
                self.stream.write("\n")
        elif percent // 10 > self._last // 10 or done >= total:
            self.stream.write(f"  {uri}  {size_text(done)} / {size_text(total)} ({percent}%)\n")
        self._last = percent
        self.stream.flush()


class Transfer:
    def __init__(self, s3: Any, part_size: int = DEFAULT_PART_SIZE, progress: Progress | None = None) -> None:
        self.s3 = s3
        self.part_size = part_size
        self.progress = progress or Progress()
        self.owner: dict[str, str] = {}  # bucket -> the account that must own it

    def _owned(self, bucket: str) -> dict[str, str]:
        owner = self.owner.get(bucket)
        return {"ExpectedBucketOwner": owner} if owner else {}

    # -- buckets -------------------------------------------------------------------------

    def ensure_bucket(self, bucket: str, region: str, account: str | None, create: bool) -> bool:
        """True when the bucket was created. The SDK's default bucket is created when missing.

        With create, the bucket has a guessable name (amazon-braket-<region>-<account>), so
        it must also be owned by the caller: another account could have taken the name.
        """
        from botocore.exceptions import ClientError

        if create and account:
            self.owner[bucket] = account
        try:
            self.s3.head_bucket(Bucket=bucket, **self._owned(bucket))
            return False
        except ClientError as exc:
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
            if status != 404:
                raise
            if not create:
                raise BucketMissing(bucket) from exc
        config = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        try:
            self.s3.create_bucket(Bucket=bucket, **config)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise
        return True

    # -- uploads -------------------------------------------------------------------------

    def present(self, up: Upload) -> bool:
        """Does the object already hold exactly these bytes (by S3's own SHA-256)?"""
        from botocore.exceptions import ClientError

        bucket, key = s3_split(up.uri)
        try:
            head = self.s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED", **self._owned(bucket))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        if int(head.get("ContentLength", -1)) != up.size:
            return False
        reported = str(head.get("ChecksumSHA256") or "")
        digest, _, parts = reported.partition("-")
        if parts and parts != str(up.parts):
            return False
        return bool(digest) and digest == up.checksum(self.part_size)

    def put(self, up: Upload) -> None:
        """Upload, in one PUT or in parts, each with its SHA-256 for S3 to check."""
        if up.size <= self.part_size:
            self._put_single(up)
        else:
            self._put_multipart(up)

    def _put_single(self, up: Upload) -> None:
        bucket, key = s3_split(up.uri)
        with up.open() as stream:
            data = stream.read()
        # Hashed again as sent: a file edited since it was verified is refused, not uploaded.
        if hashlib.sha256(data).hexdigest() != up.sha256:
            raise ChangedDuringUpload(up.display)
        self.s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=data,
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=up.checksum(self.part_size),
            **self._owned(bucket),
        )

    def _put_multipart(self, up: Upload) -> None:
        bucket, key = s3_split(up.uri)
        owned = self._owned(bucket)
        upload_id = self.s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256", **owned)[
            "UploadId"
        ]
        try:
            parts = []
            whole = hashlib.sha256()
            done = 0
            self.progress.start()
            with up.open() as stream:
                for number, chunk in enumerate(_chunks(stream, self.part_size), 1):
                    whole.update(chunk)
                    checksum = base64.b64encode(hashlib.sha256(chunk).digest()).decode()
                    answer = self.s3.upload_part(
                        Bucket=bucket,
                        Key=key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=chunk,
                        ChecksumAlgorithm="SHA256",
                        ChecksumSHA256=checksum,
                        **owned,
                    )
                    parts.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": checksum})
                    done += len(chunk)
                    self.progress.update(up.uri, done, up.size)
            if whole.hexdigest() != up.sha256 or done != up.size:
                raise ChangedDuringUpload(up.display)
            self.s3.complete_multipart_upload(
                Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}, **owned
            )
        except BaseException:
            # Leave no half upload behind (S3 would keep, and bill, its parts).
            # Best effort: the original error is the one to show.
            with contextlib.suppress(Exception):
                self.s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id, **owned)
            raise

    # -- copies --------------------------------------------------------------------------

    def copy(self, source_uri: str, dest_uri: str, size: int | None = None, etag: str | None = None) -> bool:
        """Server-side copy; False when the destination already holds the same object."""
        from botocore.exceptions import ClientError

        src_bucket, src_key = s3_split(source_uri)
        bucket, key = s3_split(dest_uri)
        if size is None or etag is None:
            head = self.s3.head_object(Bucket=src_bucket, Key=src_key)
            size, etag = int(head["ContentLength"]), str(head["ETag"])
        try:
            existing = self.s3.head_object(Bucket=bucket, Key=key, **self._owned(bucket))
            if int(existing["ContentLength"]) == size and existing["ETag"] == etag:
                return False
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise
        if size > COPY_MAX:
            self.s3.copy({"Bucket": src_bucket, "Key": src_key}, bucket, key, ExtraArgs=self._owned(bucket) or None)
        else:
            self.s3.copy_object(
                CopySource={"Bucket": src_bucket, "Key": src_key}, Bucket=bucket, Key=key, **self._owned(bucket)
            )
        return True

    def copy_prefix(self, source_prefix: str, dest_prefix: str, page_size: int = 1000) -> tuple[int, int]:
        """Copy every object under source_prefix (the SDK's copy_s3_directory); (copied, unchanged)."""
        src_bucket, src_key = s3_split(source_prefix)
        bucket, key = s3_split(dest_prefix)
        copied = unchanged = 0
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=src_bucket, Prefix=src_key, PaginationConfig={"PageSize": page_size}
        )
        for page in pages:
            for item in page.get("Contents", []):
                # As the SDK does: the first occurrence of the source prefix becomes the destination's.
                dest_key = str(item["Key"]).replace(src_key, key, 1)
                fresh = self.copy(
                    f"s3://{src_bucket}/{item['Key']}", f"s3://{bucket}/{dest_key}", int(item["Size"]), item["ETag"]
                )
                copied += fresh
                unchanged += not fresh
        return copied, unchanged


def _chunks(stream: Any, size: int) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk
