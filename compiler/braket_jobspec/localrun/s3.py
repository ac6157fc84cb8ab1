"""S3 reads of a local run: input channels that live in S3, and a source archive given as S3.

Only these touch the network, and only with credentials that boto3 finds the usual way
(environment, profile, SSO, instance role); without any, the run stops before the job
starts and names what needed them. The endpoint follows boto3's own settings
(AWS_ENDPOINT_URL_S3 included), which is how the tests point it at a local server.
"""

from __future__ import annotations

import importlib
import posixpath
from pathlib import Path
from typing import Any

from braket_jobspec.localrun.target import fail
from braket_jobspec.sdk.s3uri import s3_split


class S3Reader:
    """A boto3 S3 client, made when first needed, for one run."""

    def __init__(self, display: str, region: str | None) -> None:
        self.display = display
        self.region = region
        self._client: Any = None

    def client(self, needed_for: str) -> Any:
        if self._client is not None:
            return self._client
        try:
            # Through importlib: boto3 has no type stubs, and its client is dynamic anyway.
            boto3 = importlib.import_module("boto3")
        except ImportError:
            raise fail(
                self.display,
                "E704",
                f"{needed_for} is in S3 and boto3 is not installed",
                "pip install 'braket-jobspec[local]' (or [deploy]), or use local data for the run",
            ) from None
        session = boto3.Session(region_name=self.region)
        if session.get_credentials() is None:
            raise fail(
                self.display,
                "E704",
                f"{needed_for} is in S3 and no AWS credentials were found to download it",
                "configure credentials (AWS_PROFILE, `aws sso login`, AWS_ACCESS_KEY_ID/...), "
                "or point the input at local data for the run",
            )
        self._client = session.client("s3")
        return self._client

    def read_object(self, uri: str, needed_for: str) -> bytes:
        client = self.client(needed_for)
        bucket, key = s3_split(uri)
        try:
            body = client.get_object(Bucket=bucket, Key=key)["Body"]
            data: bytes = body.read()
        except Exception as exc:  # botocore's errors are not importable without it
            raise fail(self.display, "E705", f"{needed_for}: cannot download {uri}: {exc}") from None
        return data

    def download_channel(self, channel: str, uri: str, dest: Path) -> int:
        """Every object under the channel's prefix into dest; the number of files."""
        needed_for = f"input channel {channel!r}"
        client = self.client(needed_for)
        bucket, prefix = s3_split(uri)
        try:
            keys = [
                item["Key"]
                for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
                for item in page.get("Contents", [])
            ]
            files = 0
            for key in keys:
                if key.endswith("/"):
                    continue  # a "folder" marker object, not data
                target = inside(dest, channel_path(prefix, keys, key))
                target.parent.mkdir(parents=True, exist_ok=True)
                client.download_file(bucket, key, str(target))
                files += 1
        except Exception as exc:
            raise fail(self.display, "E705", f"{needed_for}: cannot download {uri}: {exc}") from None
        if not files:
            raise fail(
                self.display,
                "E705",
                f"{needed_for}: no data under {uri}",
                "the job would start with an empty channel; upload the data first (`jobspec deploy` uploads "
                "local inputs)",
            )
        return files


def channel_path(prefix: str, keys: list[str], key: str) -> str:
    """Where an object of a channel lands, relative to the channel's folder.

    The rule of the SDK's local mode: a prefix that is a whole folder (it ends with `/`,
    or every key is inside `<prefix>/`) puts the folder's contents in the channel; any
    other prefix (a file, or the start of several names) keeps the names that follow the
    prefix's parent folder.
    """
    whole_folder = prefix.endswith("/") or all(k.startswith(prefix + "/") for k in keys)
    top = prefix.rstrip("/") if whole_folder else posixpath.dirname(prefix)
    rel = key[len(top) :] if top and key.startswith(top) else key
    return rel.lstrip("/")


def inside(folder: Path, rel: str) -> Path:
    """folder/rel, refusing names that would climb out of folder (an S3 key may hold `..`)."""
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise ValueError(f"refusing to write {rel!r} outside {folder}")
    return folder.joinpath(*parts)
