"""`jobspec results`: a job's output archive, fetched, unpacked safely, and its results.json read as the SDK does.

The SDK's AwsQuantumJob.result() downloads <outputDataConfig.s3Path>/output/model.tar.gz,
extracts all of it with tarfile (no filter), and reads the results.json at its top: a
{"braketSchemaHeader", "dataDictionary", "dataFormat"} object whose values are as they
are for "plaintext" and base64 of a protocol-4 pickle each for "pickled_v4".

The archive is written by the job, that is by code and dependencies the reader may not
control, so each member is judged before anything is written, and written by this module
rather than by tarfile. tarfile's `data` filter (Python 3.11.4+, not on every Python we
support) strips a leading '/' instead of refusing it, has no limit on members or bytes,
lets a name appear twice, and, before 3.11.13/3.12.11/3.13.4, could be led out of the
folder through chains of symlinks (CVE-2025-4517 and its siblings). Here: absolute names,
'..', devices and FIFOs, names given twice, anything beneath a file or a link, links that
point out or through another link, and archives over the limits are refused; symlinks are
made after every file, so no file is ever written through one; the whole tree is built in
a temporary folder next to the destination and renamed into place at the end.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import gzip
import io
import json
import os
import pickle
import re
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path
from typing import IO, Any

from braket_jobspec.artifact import load
from braket_jobspec.deploy.aws import AwsSettings, Clients, aws_errors, describe, error_code, error_message
from braket_jobspec.deploy.jobs import find_job
from braket_jobspec.deploy.plan import size_text
from braket_jobspec.deploy.watch import TERMINAL
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.sdk.s3uri import s3_split

ARCHIVE = "output/model.tar.gz"  # under outputDataConfig.s3Path (AwsQuantumJob.download_result)
RESULTS = "results.json"  # at the archive's top (AwsQuantumJob.RESULTS_FILENAME)
HEADER = {"name": "braket.jobs_data.persisted_job_data", "version": "1"}
PICKLED = "pickled_v4"
DEFAULT_MEMBERS = 10_000
DEFAULT_BYTES = 1024**3
# The tar stream may exceed its members' bytes by their headers (a long name adds a header
# of its own) and padding, and by the end-of-archive blocks: more than this is not a tar
# that the limits allow, however its headers describe it.
MEMBER_OVERHEAD = 8 * 1024
END_OVERHEAD = 64 * 1024
CHUNK = 1024 * 1024
PICKLE_HINT = "only for a job you trust: unpickling runs whatever code the pickled data names"


class Refused(Exception):
    """The archive or its results.json cannot be used: a diagnostic's code, message and hint."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


def unsafe(message: str) -> Refused:
    return Refused("E648", message, "nothing was written; the archive is not what a job's save_job_result leaves")


@dataclasses.dataclass(frozen=True)
class Limits:
    members: int = DEFAULT_MEMBERS
    bytes: int = DEFAULT_BYTES

    @property
    def stream(self) -> int:
        """The most bytes of tar stream (decompressed) an archive within these limits can have."""
        return self.bytes + self.members * MEMBER_OVERHEAD + END_OVERHEAD


@dataclasses.dataclass(frozen=True)
class Job:
    display: str  # what the user named: the ARN, or the build file
    arn: str
    name: str
    status: str
    output: str  # outputDataConfig.s3Path
    failure: str
    clients: Any


@dataclasses.dataclass(frozen=True)
class Unpacked:
    folder: Path
    files: int
    size: int


@dataclasses.dataclass(frozen=True)
class Results:
    values: dict[str, Any]
    data_format: str  # "" when the archive holds no results.json (the SDK's result() is {} then)


# -- finding the job -------------------------------------------------------------------------


def locate(target: str, settings: AwsSettings, region: str | None) -> tuple[Job | None, list[Diagnostic]]:
    """The job of an ARN (GetJob), or of a compiled request (SearchJobs by its jobName, then GetJob)."""
    listed = not target.startswith("arn:")
    if listed:
        artifact, diags = load(Path(target))
        if artifact is None:
            return None, diags
        display, region = artifact.display, region or artifact.region
        clients = Clients(settings, region)
        try:
            found = find_job(clients.braket, artifact.job_name)
        except aws_errors() as exc:
            return None, [describe(exc, display, "calling braket:SearchJobs")]
        if found is None:
            message = f"no job named {artifact.job_name} in {region} (SearchJobs)"
            hint = f"deploy it first (jobspec deploy {display}), or check the credentials' account"
            return None, [Diagnostic(display, 0, 0, "E645", message, hint=hint)]
        arn = str(found["jobArn"])
    else:
        display, arn = target, target
        clients = Clients(settings, str(region))
    try:
        answer = clients.braket.get_job(jobArn=arn)
    except aws_errors() as exc:
        if error_code(exc) != "ResourceNotFoundException":
            return None, [describe(exc, display, "calling braket:GetJob")]
        # SearchJobs listed it a moment ago: it was deleted in between.
        gone = f"{arn}, listed by SearchJobs, no longer exists" if listed else "no such job"
        hint = "check the ARN, the region it names and the account of the credentials"
        return None, [Diagnostic(display, 0, 0, "E627", f"{gone}: {error_message(exc)}", hint=hint)]
    output = str((answer.get("outputDataConfig") or {}).get("s3Path") or "")
    status, failure = str(answer.get("status", "")), str(answer.get("failureReason") or "")
    return Job(display, arn, str(answer.get("jobName", "")), status, output, failure, clients), []


def default_folder(job: Job) -> Path:
    """results/<jobName>: the SDK's download_result() extracts to <folder>/<jobName> too."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*", job.name):  # service-given: never a path of its own
        raise ValueError(f"the job's name {job.name!r} is not a folder name")
    return Path("results") / job.name


# -- downloading and unpacking ---------------------------------------------------------------


def fetch(job: Job, dest: Path, limits: Limits, replace: bool = False) -> tuple[Unpacked | None, list[Diagnostic]]:
    """Download the job's output archive and unpack it into dest: all of it, or nothing."""

    def diag(code: str, message: str, hint: str = "") -> list[Diagnostic]:
        return [Diagnostic(job.display, 0, 0, code, message, hint=hint)]

    if job.status not in TERMINAL:
        hint = f"see `jobspec status {job.arn}`, and ask again once it has ended"
        return None, diag("E646", f"job {job.name} is {job.status}: its results come when it ends", hint)
    uri = f"{job.output}/{ARCHIVE}"
    created = _make_parents(dest.parent)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    done = False
    try:
        archive = work / "model.tar.gz"
        _download(job.clients.s3, uri, archive, limits)
        tree = work / "tree"
        tree.mkdir()
        files, size = unpack(archive, tree, limits)
        if replace and os.path.lexists(dest):
            os.rename(dest, work / "replaced")  # removed with the work folder
        os.rename(tree, dest)  # onto nothing, or an empty folder: atomic
        done = True
        return Unpacked(dest, files, size), []
    except Refused as exc:
        return None, diag(exc.code, f"{uri}: {exc.message}", exc.hint)
    except aws_errors() as exc:
        if error_code(exc) in ("NoSuchKey", "404", "NoSuchBucket"):
            ended = f"{job.status}: {job.failure}" if job.failure else job.status
            hint = "a job's results are what it saved (save_job_result) before it ended; read its logs"
            return None, diag("E646", f"job {job.name} ({ended}) left no output archive at {uri}", hint)
        return None, [describe(exc, job.display, f"downloading {uri}")]
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for folder in [] if done else created:
            with contextlib.suppress(OSError):
                folder.rmdir()


def _make_parents(folder: Path) -> list[Path]:
    """Create the folder and its missing parents; those created, deepest first (removed on failure)."""
    missing = []
    while not os.path.lexists(folder):
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
    return missing


def _download(s3: Any, uri: str, path: Path, limits: Limits) -> None:
    bucket, key = s3_split(uri)
    answer = s3.get_object(Bucket=bucket, Key=key)
    # A gzip larger than the tar stream it may hold is refused before it is read.
    if int(answer.get("ContentLength") or 0) > limits.stream:
        raise _too_large(limits)
    received = 0
    with answer["Body"] as body, path.open("wb") as out:
        while chunk := body.read(CHUNK):
            received += len(chunk)
            if received > limits.stream:
                raise _too_large(limits)
            out.write(chunk)


def _too_large(limits: Limits) -> Refused:
    return Refused(
        "E648",
        f"the archive unpacks to more than {size_text(limits.bytes)} ({limits.bytes} bytes, --max-bytes)",
        "nothing was written; if you trust the job, raise --max-bytes",
    )


class _Capped(io.RawIOBase):
    """The decompressed tar stream, of which no more than the limits allow is ever decompressed.

    tarfile reads a pax or long-name header whole, of whatever size it claims: this cap
    makes a gzip bomb an error, not an exhausted memory or disk.
    """

    def __init__(self, stream: gzip.GzipFile, limits: Limits) -> None:
        super().__init__()
        self.stream, self.limits = stream, limits

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        at = self.stream.tell()
        room = self.limits.stream + 1 - at
        data = self.stream.read(room if size is None or size < 0 else min(size, room))
        if at + len(data) > self.limits.stream:
            raise _too_large(self.limits)
        return data

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET and offset > self.limits.stream:
            raise _too_large(self.limits)
        return self.stream.seek(offset, whence)

    def tell(self) -> int:
        return self.stream.tell()


def unpack(archive: Path, into: Path, limits: Limits) -> tuple[int, int]:
    """Judge every member, then write them into the (empty) folder; (files written, bytes)."""
    try:
        with gzip.open(archive, "rb") as stream, _Capped(stream, limits) as capped:
            with tarfile.open(fileobj=capped, mode="r:") as tar:
                entries = judge(tar, limits)
                written = _write(tar, entries, into)
            # The rest of the stream, read to its end: the gzip trailer's CRC and length
            # catch an archive cut short or damaged after its last member.
            capped.seek(tar.offset)
            while capped.read(CHUNK):
                pass
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise Refused("E647", f"the archive is damaged: {exc or type(exc).__name__}", "nothing was written") from None
    except (FileExistsError, NotADirectoryError) as exc:  # names equal on this file system (case, normalization)
        raise unsafe(f"two members clash on this file system: {exc.filename}") from None
    return written


@dataclasses.dataclass(frozen=True)
class Entry:
    parts: tuple[str, ...]
    kind: str  # "file" | "folder" | "symlink" | "hardlink"
    member: tarfile.TarInfo
    target: tuple[str, ...] = ()  # a hardlink's file


def judge(tar: tarfile.TarFile, limits: Limits) -> list[Entry]:
    """Every member, or Refused: the first problem found, before anything is written."""
    entries: dict[tuple[str, ...], Entry] = {}
    total = 0
    for count, member in enumerate(tar, 1):
        if count > limits.members:
            raise Refused(
                "E648",
                f"the archive has more than {limits.members} members (--max-members)",
                "nothing was written; if you trust the job, raise --max-members",
            )
        parts = _parts(member.name, "member")
        if not parts:
            if member.isdir():  # "./": the folder itself
                continue
            raise unsafe(f"a member has no name ({member.name!r})")
        shown, kind = "/".join(parts), _kind(member)
        target: tuple[str, ...] = ()
        if parts in entries:
            raise unsafe(f"{shown} appears twice in the archive")
        if kind == "file":
            total += member.size
        elif kind == "hardlink":
            target = _parts(member.linkname, f"hardlink {shown} points to")
            linked = entries.get(target)
            if linked is None or linked.kind != "file":
                raise unsafe(f"hardlink {shown} points to {member.linkname!r}, which is no file before it")
            total += linked.member.size  # written as a copy
        if total > limits.bytes:
            raise _too_large(limits)
        entries[parts] = Entry(parts, kind, member, target)
    for entry in entries.values():
        shown = "/".join(entry.parts)
        for depth in range(1, len(entry.parts)):
            above = entries.get(entry.parts[:depth])
            if above is not None and above.kind != "folder":
                raise unsafe(f"{shown} lies beneath the {above.kind} {'/'.join(above.parts)}")
        if entry.kind == "symlink":
            _symlink_inside(entry, entries)
    return list(entries.values())


def _parts(name: str, what: str) -> tuple[str, ...]:
    """A member's path, as names of folders and of itself; absolute names and '..' are refused."""
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[/\\]", name):
        raise unsafe(f"{what} {name!r}: an absolute path")
    if ".." in re.split(r"[/\\]", name):
        raise unsafe(f"{what} {name!r}: '..' climbs out of the folder")
    return tuple(part for part in name.split("/") if part not in ("", "."))


def _kind(member: tarfile.TarInfo) -> str:
    if member.isreg() and not member.issparse():
        return "file"
    if member.isdir():
        return "folder"
    if member.issym():
        return "symlink"
    if member.islnk():
        return "hardlink"
    what = "a device" if member.ischr() or member.isblk() else "a FIFO" if member.isfifo() else "of an unknown type"
    raise unsafe(f"member {member.name!r} is {what}: a job's results hold files, folders and links only")


def _symlink_inside(entry: Entry, entries: dict[tuple[str, ...], Entry]) -> None:
    """The link's target, walked from its folder, stays inside and passes through no other link.

    A walk by names is what the file system does only while no folder on the way is a link:
    "d -> ." then "e -> d/d/.." would be inside by names and outside on disk.
    """
    shown, target = "/".join(entry.parts), entry.member.linkname
    if not target or target.startswith(("/", "\\")) or re.match(r"[A-Za-z]:[/\\]", target):
        raise unsafe(f"symlink {shown} points to {target!r}: not a relative path")
    where = list(entry.parts[:-1])
    steps = [step for step in re.split(r"[/\\]", target) if step not in ("", ".")]
    for number, step in enumerate(steps, 1):
        if step == "..":
            if not where:
                raise unsafe(f"symlink {shown} points outside the folder: {target!r}")
            where.pop()
            continue
        where.append(step)
        passed = entries.get(tuple(where))
        if passed is not None and passed.kind == "symlink" and number < len(steps):
            raise unsafe(f"symlink {shown} points through the symlink {'/'.join(where)}: {target!r}")


def _write(tar: tarfile.TarFile, entries: list[Entry], into: Path) -> tuple[int, int]:
    files = size = 0
    for entry in entries:
        path = into.joinpath(*entry.parts)
        if entry.kind == "folder":
            path.mkdir(parents=True, exist_ok=True)
        elif entry.kind != "symlink":
            path.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(entry.member) if entry.kind == "file" else into.joinpath(*entry.target).open("rb")
            assert source is not None  # a regular member always has a reader
            with source, _create(path, entry.member.mode) as out:
                shutil.copyfileobj(source, out, CHUNK)
                size += out.tell()
            files += 1
    # Last, once every file is written: nothing is ever written through a link made here.
    for entry in entries:
        if entry.kind == "symlink":
            path = into.joinpath(*entry.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(entry.member.linkname, path)
            files += 1
    return files, size


def _create(path: Path, mode: int) -> IO[bytes]:
    """A new file (never an existing one, never through a link), executable when its member was."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(path, flags, 0o755 if mode & 0o100 else 0o644), "wb")


# -- results.json ----------------------------------------------------------------------------


def read_results(folder: Path, allow_pickle: bool) -> tuple[Results | None, list[Diagnostic]]:
    """results.json as the SDK's load_job_result() reads it: {} when there is none."""
    path = folder / RESULTS
    shown = path.as_posix()

    def damaged(message: str, pointer: str = "", line: int = 0, col: int = 0) -> tuple[None, list[Diagnostic]]:
        hint = "the job wrote it another way than save_job_result; its files are unpacked, read them there"
        return None, [Diagnostic(shown, line, col, "E647", message, pointer, "error", hint)]

    try:
        text = path.read_text("utf-8")  # its size is within the unpack limits
    except FileNotFoundError:
        return Results({}, ""), []
    except (OSError, UnicodeDecodeError) as exc:
        return damaged(f"results.json cannot be read: {exc}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return damaged(f"results.json is not JSON: {exc.msg}", line=exc.lineno, col=exc.colno)
    if not isinstance(data, dict):
        return damaged("results.json is not a JSON object")
    if data.get("braketSchemaHeader", HEADER) != HEADER:
        return damaged(f"results.json is not {HEADER['name']} version 1", "/braketSchemaHeader")
    values, data_format = data.get("dataDictionary"), data.get("dataFormat")
    if not isinstance(values, dict):
        return damaged("results.json has no dataDictionary object", "/dataDictionary")
    if not isinstance(data_format, str):
        return damaged("results.json has no dataFormat string", "/dataFormat")
    if data_format != PICKLED:  # plaintext, and as the SDK does, any other format: the values as they are
        return Results(values, data_format), []
    if not allow_pickle:
        message = "results.json holds pickled values (pickled_v4): they are unpickled only with --allow-pickle"
        return None, [Diagnostic(shown, 0, 0, "E649", message, "/dataFormat", "error", PICKLE_HINT)]
    unpickled = {}
    for key, value in values.items():
        pointer = f"/dataDictionary/{key.replace('~', '~0').replace('/', '~1')}"
        if not isinstance(value, str):
            return damaged(f"the pickled value of {key!r} is not a base64 string", pointer)
        try:
            # Decoded as the SDK decodes it (codecs' base64); unpickled because --allow-pickle asked.
            unpickled[key] = pickle.loads(base64.decodebytes(value.encode()))
        except Exception as exc:  # unpickling runs the archive's choice of code: it may raise anything
            why = f"{type(exc).__name__}: {exc}"
            return damaged(f"the pickled value of {key!r} cannot be unpickled here: {why}", pointer)
    return Results(unpickled, data_format), []
