"""S3 URIs as the SDK reads them: which strings are S3 URIs, and their bucket and key."""

from __future__ import annotations

import re

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
