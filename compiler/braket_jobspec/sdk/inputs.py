"""The job's input channels: S3 URIs taken as they are, local files and folders read and hashed for upload.

A folder's `.git` is never uploaded (as it is never archived with a source); a file that
looks like a secret (a private key, a .env file, a credentials file) is uploaded, with a
warning (W404): it is the data the spec names, but rarely what its author meant to share.
"""

from __future__ import annotations

import os
import re
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
        size, sha256, _ = files.digest(path)  # in chunks: an input of any size, never whole in memory
        return cls(path, rel, size, sha256)


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
    if _GIT in PurePosixPath(ws.rel(path)).parts:
        ws.error(
            pointer,
            "W404",
            f"input {channel!r} would upload a Git folder ({ws.rel(path)})",
            "a repository's .git holds its whole history, and its config may hold credentials; point the channel "
            "at the data instead",
            severity="warning",
        )
    if os.path.isfile(top):
        ws.reads.append(top)
        single = InputFile.read(top, "")
        _secret_warning(ws, single, pointer, channel)
        return [single]
    if not os.path.isdir(top):
        _special(ws, pointer, channel, ws.rel(path) or top, top)
        return []
    found = _Found(ws.options.limits)
    try:
        _walk(ws, top, top, "", found, pointer, channel)
    except archive.SourceError as over:
        ws.error(pointer, "E415", f"input {channel!r}: {over}", "point the channel at less data, or raise the limit")
        return []
    if not found:
        ws.error(
            pointer,
            "E412",
            f"input {channel!r} folder has no files",
            "the job would start with an empty channel; add data or remove the channel",
        )
    return sorted(found, key=lambda f: f.rel)


class _Found(list[InputFile]):
    """A folder's files so far, refused past the tree limits (archive.TreeLimits)."""

    def __init__(self, limits: archive.TreeLimits) -> None:
        super().__init__()
        self.limits, self.bytes = limits, 0

    def add(self, item: InputFile) -> None:
        self.append(item)
        self.bytes += item.size
        self.limits.check(len(self), self.bytes, "the folder")


def _walk(ws: Workspace, top: str, folder: str, prefix: str, found: _Found, pointer: str, channel: str) -> None:
    """Read folder's files into found, then its sub-folders', depth first, as os.walk goes."""
    ws.reads.append(folder)
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        rel = prefix + entry.name
        if entry.name == _GIT:
            continue  # never uploaded, as never archived (archive.DEFAULT_EXCLUDES)
        if not archive.utf8(entry.name):
            ws.error(
                pointer,
                "E416",
                f"input {channel!r}: {rel!a} is a file name that is not UTF-8",
                "rename it: S3 keys and the manifest are UTF-8",
            )
            continue
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
                found.add(InputFile.read(entry.path, rel))
                _secret_warning(ws, found[-1], pointer, channel)
            elif not os.path.isdir(real):
                _special(ws, pointer, channel, rel, real)
        elif entry.is_file(follow_symlinks=False):
            ws.reads.append(entry.path)
            found.add(InputFile.read(entry.path, rel))
            _secret_warning(ws, found[-1], pointer, channel)
        elif not entry.is_dir(follow_symlinks=False):
            _special(ws, pointer, channel, rel, entry.path)
    for entry in entries:
        if entry.name != _GIT and not entry.is_symlink() and entry.is_dir(follow_symlinks=False):
            _walk(ws, top, entry.path, f"{prefix}{entry.name}/", found, pointer, channel)


def _special(ws: Workspace, pointer: str, channel: str, rel: str, path: str) -> None:
    """A FIFO, socket or device where input data is: reported, never read (nor skipped in silence)."""
    try:
        what = files.kind(os.stat(path).st_mode)
    except OSError:
        what = "gone or unreadable"
    ws.error(
        pointer,
        "E414",
        f"input {channel!r}: {rel} is {what}, not a regular file",
        "input channels upload regular files only: replace it with the data it stands for, or remove it",
    )


# --------------------------------------------------------------------------- secrets

_GIT = ".git"
_SSH_KEYS = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"})
_CREDENTIAL_FILES = frozenset({"credentials.json", ".netrc", "_netrc", ".pypirc"})
_ENV_TEMPLATES = frozenset({"example", "sample", "template", "dist"})  # .env.example holds no secrets
# A PEM private key (PKCS#1, PKCS#8, OpenSSH, EC, encrypted); looked for in files up to this size only.
_PRIVATE_KEY = rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"
_KEY_FILE_MAX = 64 << 10
_HEAD_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _secret_warning(ws: Workspace, f: InputFile, pointer: str, channel: str) -> None:
    what = _secret_kind(f.path, f.size)
    if what is not None:
        ws.error(
            pointer,
            "W404",
            f"input {channel!r} would upload {ws.rel(f.path)}, which looks like {what}",
            "input files are uploaded to S3 as they are, readable by the job and by anyone who can read the bucket; "
            "move the file out of the input, or point the channel at a folder without it",
            severity="warning",
        )


def _secret_kind(path: str, size: int) -> str | None:
    """The secret the file looks like, by its name, or by its first bytes (a small file only)."""
    folder, name = os.path.split(path)
    if name in _SSH_KEYS:
        return "an SSH private key"
    if name == ".env" or (name.startswith(".env.") and name[5:].lower() not in _ENV_TEMPLATES):
        return "an environment file (.env)"
    if name in _CREDENTIAL_FILES or (name == "credentials" and os.path.basename(folder) == ".aws"):
        return "a credentials file"
    if not 27 <= size <= _KEY_FILE_MAX:  # shorter than "-----BEGIN PRIVATE KEY-----", or data
        return None
    try:
        fd = os.open(path, _HEAD_FLAGS)
        try:
            # A .pem may hold a certificate before its key: all of it; any other file starts with its key.
            head = os.read(fd, _KEY_FILE_MAX if name.endswith(".pem") else 100)
        finally:
            os.close(fd)
    except OSError:
        return None  # read and hashed just before: not ours to report
    if re.match(_PRIVATE_KEY, head.lstrip()) or (name.endswith(".pem") and re.search(_PRIVATE_KEY, head)):
        return "a private key"
    return None


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
