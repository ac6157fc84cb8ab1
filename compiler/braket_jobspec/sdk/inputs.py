"""The job's input channels: S3 URIs taken as they are, local files and folders read and hashed for upload."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from braket_jobspec import files
from braket_jobspec import pointer as ptr
from braket_jobspec.sdk import archive
from braket_jobspec.sdk.s3uri import is_s3_uri
from braket_jobspec.sdk.workspace import Workspace


class InputFile(NamedTuple):
    path: str
    rel: str  # under the channel's prefix; '' for a single-file input
    size: int
    sha256: str

    @classmethod
    def read(cls, path: str, rel: str) -> InputFile:
        data = files.read(path)
        return cls(path, rel, len(data), hashlib.sha256(data).hexdigest())


class Channel(NamedTuple):
    name: str
    pointer: str  # the spec value it comes from
    uri: str  # the S3 URI the job reads (of a local channel: set by channels())
    content_type: str | None = None
    value: str = ""  # a local channel's path as the spec writes it
    path: Path | None = None  # ... resolved
    files: list[InputFile] | None = None  # a local channel's files; None for S3

    @property
    def is_local(self) -> bool:
        return self.files is not None


def read_inputs(ws: Workspace) -> list[Channel]:
    """The spec's channels, in name order; local ones with their files."""
    raw = ws.spec.get("input_data") or {}
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
            if not is_s3_uri(value["s3_data"]):
                ws.error(
                    ptr.join(pointer, "s3_data"),
                    "E410",
                    f"s3_data {value['s3_data']!r} is not an S3 URI of the form s3://bucket/key",
                    "S3 bucket names with dots and URIs without a key are not accepted",
                )
            channels.append(Channel(name, pointer, value["s3_data"], value.get("content_type")))
        elif is_s3_uri(value):
            channels.append(Channel(name, pointer, value))
        else:
            path = ws.local_path(value, pointer, f"input {name!r}")
            found = [] if path is None else _input_files(ws, path, pointer, name)
            channels.append(Channel(name, pointer, "", None, value, path, found))
    return channels


def _input_files(ws: Workspace, path: Path, pointer: str, channel: str) -> list[InputFile]:
    """The channel's files; the key suffix is '' for a single-file input."""
    top = str(path)
    if os.path.isfile(top):
        ws.reads.append(top)
        return [InputFile.read(top, "")]
    found: list[InputFile] = []
    _walk(ws, top, top, "", found, pointer, channel)
    if not found:
        ws.error(
            pointer,
            "E412",
            f"input {channel!r} folder has no files",
            "the job would start with an empty channel; add data or remove the channel",
        )
    found.sort(key=lambda f: f.rel)
    return found


def _walk(
    ws: Workspace, top: str, folder: str, prefix: str, found: list[InputFile], pointer: str, channel: str
) -> None:
    """Read folder's files into found, then its sub-folders', depth first, as os.walk goes."""
    ws.reads.append(folder)
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        rel = prefix + entry.name
        if entry.is_symlink():  # read as what it points to, if that is a file in the folder
            real = os.path.realpath(entry.path)
            if not archive.inside(real, top):
                ws.error(
                    pointer,
                    "E411",
                    f"input {channel!r}: {rel} is a symlink out of the input folder",
                    "copy the file into the folder, or make it a channel of its own",
                )
            elif os.path.isfile(real):
                ws.reads.append(entry.path)
                found.append(InputFile.read(entry.path, rel))
        elif entry.is_file(follow_symlinks=False):
            ws.reads.append(entry.path)
            found.append(InputFile.read(entry.path, rel))
    for entry in entries:
        if not entry.is_symlink() and entry.is_dir(follow_symlinks=False):
            _walk(ws, top, entry.path, f"{prefix}{entry.name}/", found, pointer, channel)


def placed(ws: Workspace, inputs: list[Channel], base: str) -> list[Channel]:
    """The channels with each local one's S3 URI: <base>/data/<channel>/<name>, where the deployer uploads it."""
    out = []
    for index, ch in enumerate(inputs):
        if ch.is_local:
            ch = ch._replace(uri=f"{base}/data/{ch.name}/{PurePosixPath(ch.value).name}")
            note = "<bucket>/jobs/<job name>/<stamp>/data/<channel>/<name>"
            ws.origin(f"/inputDataConfig/{index}", "derived", ch.pointer, note)
        else:
            ws.origin(f"/inputDataConfig/{index}", "spec", ch.pointer)
        out.append(ch)
    return out


def request_channels(inputs: list[Channel]) -> list[dict[str, Any]]:
    """inputDataConfig: each channel's name, S3 URI and content type."""
    out = []
    for ch in inputs:
        entry: dict[str, Any] = {"channelName": ch.name, "dataSource": {"s3DataSource": {"s3Uri": ch.uri}}}
        if ch.content_type is not None:
            entry["contentType"] = ch.content_type
        out.append(entry)
    return out


def uploads(ws: Workspace, inputs: list[Channel]) -> list[dict[str, Any]]:
    """Each local input file with its S3 destination under its channel's prefix (the manifest's inputs)."""
    out = []
    for ch in inputs:
        prefix = ch.uri
        for f in ch.files or ():
            dest = prefix if not f.rel else (prefix + f.rel if prefix.endswith("/") else f"{prefix}/{f.rel}")
            out.append({"channel": ch.name, "path": ws.rel(f.path), "s3Uri": dest, "size": f.size, "sha256": f.sha256})
    return out
