"""Compare one case's two outcomes and say whether they agree, differ as documented, or not.

Compared: the request without clientToken; the source archive (member names, types and
bytes, in order) and where it goes; every local input file's S3 destination; the S3
source copy; the checkpoint copy. Errors: when the SDK raises, we must report an error
on the spec field the SDK's error is about; when we reject what the SDK accepts, each of
our errors must be a documented deviation.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

from braket_jobspec import pointer as ptr
from braket_jobspec.sdk.builder import client_token

from .case import Case
from .deviations import explain_rejection
from .our_run import OurRun
from .sdk_run import SdkRun, TranslationError

# What DEV-004 documents as always left out of our archive (spelled out here, not imported,
# so that a change to the compiler's list shows up as a difference until it is documented).
DOCUMENTED_EXCLUDES = ("__pycache__", "*.pyc", ".git")


@dataclasses.dataclass
class Verdict:
    case_id: str
    deviations: set[str] = dataclasses.field(default_factory=set)
    problems: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    # Set when we stopped on documented errors before reaching the SDK's: the fields of
    # those errors (to drop from the spec and try again) and the SDK's error fields.
    reduce: set[str] | None = None
    reduce_for: str = ""  # "ours": our documented errors hide the SDK's; "sdk": the SDK's first error hides ours
    pending: set[str] = dataclasses.field(default_factory=set)  # our fields the SDK must reject once past its first
    sdk_fields: set[str] | None = None
    both_reject: bool = False  # the SDK and we both reject the spec (on the same field, or in another order)

    @property
    def kind(self) -> str:
        if self.problems:
            return "unexplained"
        return "deviation" if self.deviations else "identical"

    def deviation(self, dev_id: str, note: str) -> None:
        self.deviations.add(dev_id)
        self.notes.append(f"{dev_id}: {note}")

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def report(self) -> str:
        lines = [f"case {self.case_id}: {self.kind}"]
        lines += [f"  UNEXPLAINED {p}" for p in self.problems]
        lines += [f"  {n}" for n in self.notes]
        return "\n".join(lines)


# --------------------------------------------------------------------------- SDK errors


def error_fields(error: BaseException, case: Case, sdk: SdkRun) -> set[str] | None:
    """The spec fields an SDK error is about (None: an error the suite cannot place)."""
    spec = case.spec
    if isinstance(error, TranslationError):
        return {error.pointer}
    message = str(error)
    entry_field = "/entry_point" if spec.get("entry_point") else "/source_module"
    if isinstance(error, TypeError) and "unexpected keyword argument" in message:
        return {"/" + message.rsplit("'", 2)[-2]}
    if isinstance(error, TypeError) and "required positional argument" in message:
        return {""}
    if message.startswith("Invalid quantum job name"):
        return {"/job_name"} if spec.get("job_name") else {"/image_uri"}
    if message.startswith("Source module not found"):
        return {"/source_module"}
    if message.startswith("If source_module is an S3 URI, entry_point must be provided"):
        return {"/source_module", "/entry_point"}
    if message.startswith("If source_module is an S3 URI, it must point to a tar.gz file"):
        return {"/source_module"}
    if (
        message.startswith("Entry point module was not found")
        or "relative import beyond top-level package" in message
        or message == "Empty module name"
    ):
        return {entry_field}
    if message.startswith("Unsupported region"):
        return {"/image_uri"} if spec.get("image_uri") else {"/device"}
    if message.startswith("Device ARN is not a valid format"):
        return {"/device"}
    if "' should be of '<class" in message:
        return {"/" + message.split("'", 2)[1]}
    if message.startswith("Not a valid S3 uri"):
        return _s3_call_fields(case, sdk)
    return None


def _s3_call_fields(case: Case, sdk: SdkRun) -> set[str] | None:
    """The field behind the S3 call that refused a URI: an input channel, the code location, the checkpoints."""
    name, _args = sdk.journal.calls[-1]
    if name == "upload_to_s3" and sdk.journal.channel_call is not None:
        return {_channel_pointer(case.spec, sdk.journal.channel_call[0])}
    if name in ("upload_to_s3", "copy_s3_object"):
        return {"/code_location"}
    if name == "copy_s3_directory":
        return {"/checkpoint_config/s3Uri", "/checkpoint_config", "/copy_checkpoints_from_job"}
    return None


def _channel_pointer(spec: dict[str, Any], local_prefix: str) -> str:
    raw = spec.get("input_data")
    if not isinstance(raw, dict):
        return "/input_data"
    for channel, value in raw.items():
        if value == local_prefix:
            return ptr.join("/input_data", channel)
    return "/input_data"


def _flags(diags: list[Any], fields: set[str]) -> bool:
    """Whether one of our errors is on one of the fields (or inside it)."""
    for diag in diags:
        for field in fields:
            if diag.pointer == field or (field and diag.pointer.startswith(field + "/")):
                return True
    return False


# --------------------------------------------------------------------------- archives


@dataclasses.dataclass(frozen=True)
class TarMember:
    name: str
    kind: str
    data: bytes
    meta: tuple[Any, ...]  # mode, mtime, uid, gid, uname, gname: compared only on request


def read_tar(data: bytes) -> list[TarMember]:
    out = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for info in tar.getmembers():
            kind = "dir" if info.isdir() else "file" if info.isfile() else f"type {info.type!r}"
            extracted = tar.extractfile(info) if info.isfile() else None
            body = extracted.read() if extracted is not None else b""
            out.append(
                TarMember(info.name, kind, body, (info.mode, info.mtime, info.uid, info.gid, info.uname, info.gname))
            )
    return out


def gzip_header(data: bytes) -> tuple[int, bytes]:
    """(mtime, original file name) of a gzip stream: the parts that vary between machines."""
    mtime = int.from_bytes(data[4:8], "little")
    name = b""
    if data[3] & 0x08:  # FNAME
        name = data[10 : data.index(b"\0", 10)]
    return mtime, name


def _excluded(member: str, patterns: list[str]) -> bool:
    """Whether an archive member sits under a name or path our archive leaves out."""
    parts = member.split("/")[1:]  # below the archive's top folder
    for pattern in patterns:
        clean = pattern.strip("/")
        if "/" in clean:
            if any(fnmatch.fnmatchcase("/".join(parts[:i]), clean) for i in range(1, len(parts) + 1)):
                return True
        elif any(fnmatch.fnmatchcase(p, clean) for p in parts):
            return True
    return False


# --------------------------------------------------------------------------- the judge


def judge(case: Case, ours: OurRun, sdk: SdkRun) -> Verdict:
    verdict = Verdict(case.id)
    if sdk.error is not None:
        _judge_sdk_error(case, ours, sdk, verdict)
    elif ours.errors:
        for diag in ours.errors:
            dev = explain_rejection(diag, case.spec, sdk)
            if dev is None:
                verdict.problem(f"we reject what the SDK accepts: {diag.code} {diag.message} (at {diag.pointer!r})")
            else:
                verdict.deviation(dev, f"we reject: {diag.code} {diag.message} (at {diag.pointer!r})")
    else:
        _compare(case, ours, sdk, verdict)
    return verdict


def _judge_sdk_error(case: Case, ours: OurRun, sdk: SdkRun, verdict: Verdict) -> None:
    error = sdk.error
    assert error is not None
    text = f"{type(error).__name__}: {error}"
    fields = error_fields(error, case, sdk)
    if fields is None:
        verdict.problem(f"the SDK raised an error the suite cannot place on a field: {text}")
        return
    if _flags(ours.errors, fields):
        verdict.sdk_fields = fields
        verdict.both_reject = True
        verdict.notes.append(f"both reject on {sorted(fields)}: SDK {text}")
        return
    if not ours.errors:
        if case.sdk_cwd is not None and "not found" in str(error):
            verdict.deviation("DEV-010", f"the SDK, run in {case.sdk_cwd!r}, resolves against its CWD: {text}")
        elif str(error).startswith("Not a valid S3 uri") and sdk.journal.channel_call is not None:
            verdict.deviation("DEV-005", f"the SDK's key for an input file is not an S3 URI: {text}")
        else:
            verdict.problem(f"the SDK rejects what we accept: {text}")
        return
    # We report other errors. Each is either a documented deviation (and then, without the
    # fields it is about, we must flag the SDK's field), or one the SDK also makes once past
    # its first error (checked by dropping the SDK's field: it must then fail where we do).
    pending = []
    for diag in ours.errors:
        dev = explain_rejection(diag, case.spec, sdk)
        if dev is None:
            pending.append(diag)
        else:
            verdict.deviation(dev, f"we reject first: {diag.code} {diag.message} (at {diag.pointer!r})")
    verdict.sdk_fields = fields
    verdict.notes.append(f"SDK: {text}")
    if pending:
        verdict.reduce = fields
        verdict.reduce_for = "sdk"
        verdict.pending = {d.pointer for d in pending}
        for diag in pending:
            verdict.notes.append(f"we reject elsewhere: {diag.code} {diag.message} (at {diag.pointer!r})")
    else:
        verdict.reduce = {d.pointer for d in ours.errors}
        verdict.reduce_for = "ours"


def _compare(case: Case, ours: OurRun, sdk: SdkRun, verdict: Verdict) -> None:
    assert sdk.request is not None
    if case.context.stamp is None:
        ours = _restamped(ours, sdk, verdict)
    _compare_request(case, ours, sdk, verdict)
    manifest = ours.manifest
    source = manifest["source"]
    journal = sdk.journal
    if source["kind"] == "s3":
        sdk_copies = [tuple(a) for a in journal.named("copy_s3_object")]
        if sdk_copies != [(source["uri"], source["s3Uri"])]:
            verdict.problem(f"source copy: SDK {sdk_copies}, ours {[(source['uri'], source['s3Uri'])]}")
    else:
        _compare_archive(case, ours, sdk, verdict)
    _compare_inputs(case, ours, sdk, verdict)
    sdk_checkpoints = [("GetJob", a[0]) for a in journal.named("get_job")]
    sdk_checkpoints += [("copy to", a[1]) for a in journal.named("copy_s3_directory")]
    copy = manifest["checkpoint_copy"]
    our_checkpoints = [("GetJob", copy["from_job"]), ("copy to", copy["to"])] if copy else []
    if sdk_checkpoints != our_checkpoints:
        verdict.problem(f"checkpoint copy: SDK {sdk_checkpoints}, ours {our_checkpoints}")


def _compare_request(case: Case, ours: OurRun, sdk: SdkRun, verdict: Verdict) -> None:
    assert sdk.request is not None
    request = {k: v for k, v in ours.request.items() if k != "clientToken"}
    if case.compare_client_token:
        token = ours.request.get("clientToken")
        if "clientToken" not in sdk.request and token == client_token(ours.request):
            verdict.deviation("DEV-013", "we send clientToken, the SHA-256 of the canonical request; the SDK none")
        elif token != sdk.request.get("clientToken"):
            verdict.problem(f"clientToken: SDK {sdk.request.get('clientToken')!r}, ours {token!r}")
    sdk_request = sdk.request
    sdk_channels = sdk_request.get("inputDataConfig", [])
    by_name = sorted(sdk_channels, key=lambda c: c["channelName"])
    if request == sdk_request:
        return
    if by_name != sdk_channels and request.get("inputDataConfig") == by_name:
        verdict.deviation("DEV-017", "our input channels are in name order; the SDK's in mapping order")
        sdk_request = {**sdk_request, "inputDataConfig": by_name}
        if request == sdk_request:
            return
    for line in _differences(sdk_request, request):
        verdict.problem(f"request {line}")


def _restamped(ours: OurRun, sdk: SdkRun, verdict: Verdict) -> OurRun:
    """Our outputs with our content-derived stamp replaced by the SDK's clock stamp (DEV-014)."""
    assert sdk.request is not None
    ours_stamp = ours.manifest["context"]["stamp"]
    sdk_stamp = sdk.stamp
    if ours_stamp == sdk_stamp:
        return ours
    verdict.deviation("DEV-014", f"our stamp {ours_stamp} is derived from content; the SDK's {sdk_stamp} is the clock")

    def swap(value: Any) -> Any:
        return json.loads(json.dumps(value).replace(ours_stamp, sdk_stamp))

    request = {**swap({k: v for k, v in ours.request.items() if k != "clientToken"}), "clientToken": "restamped"}
    return dataclasses.replace(ours, request=request, manifest=swap(ours.manifest))


def _differences(sdk: Any, ours: Any, at: str = "") -> list[str]:
    if isinstance(sdk, dict) and isinstance(ours, dict):
        out = []
        for key in list(sdk) + [k for k in ours if k not in sdk]:
            where = ptr.join(at, key)
            if key not in ours:
                out.append(f"{where}: SDK {sdk[key]!r}, ours absent")
            elif key not in sdk:
                out.append(f"{where}: SDK absent, ours {ours[key]!r}")
            else:
                out += _differences(sdk[key], ours[key], where)
        return out
    if isinstance(sdk, list) and isinstance(ours, list) and len(sdk) == len(ours):
        return [
            line for i, (a, b) in enumerate(zip(sdk, ours, strict=True)) for line in _differences(a, b, f"{at}/{i}")
        ]
    return [] if sdk == ours and type(sdk) is type(ours) else [f"{at or '/'}: SDK {sdk!r}, ours {ours!r}"]


def _compare_archive(case: Case, ours: OurRun, sdk: SdkRun, verdict: Verdict) -> None:
    tarballs = [u for u in sdk.journal.uploads if u.channel_call is None]
    source = ours.manifest["source"]
    if [u.s3_uri for u in tarballs] != [source["s3Uri"]]:
        verdict.problem(f"archive destination: SDK {[u.s3_uri for u in tarballs]}, ours {source['s3Uri']!r}")
        return
    our_data = ours.archive
    assert our_data is not None
    sdk_members, our_members = read_tar(tarballs[0].data), read_tar(our_data)
    sdk_view = [(m.name, m.kind, m.data) for m in sdk_members]
    our_view = [(m.name, m.kind, m.data) for m in our_members]
    if sdk_view != our_view:
        patterns = [*DOCUMENTED_EXCLUDES, *(case.spec.get("source_excludes") or [])]
        kept = [m for m in sdk_view if not _excluded(m[0], patterns)]
        left_out = sorted({m[0] for m in sdk_view} - {m[0] for m in kept})
        if kept == our_view and left_out:
            verdict.deviation("DEV-004", f"left out of our archive: {', '.join(left_out[:6])}")
        else:
            only_sdk = [m[0] for m in sdk_view if m not in our_view]
            only_ours = [m[0] for m in our_view if m not in sdk_view]
            verdict.problem(f"archive members: only in the SDK's {only_sdk}, only in ours {only_ours}")
            return
    if case.compare_metadata:
        pairs = {m.name: m for m in sdk_members}
        differing = [m.name for m in our_members if m.name in pairs and m.meta != pairs[m.name].meta]
        headers = (gzip_header(tarballs[0].data), gzip_header(our_data))
        if (differing or headers[0] != headers[1]) and _reproducible(our_members, our_data):
            verdict.deviation(
                "DEV-009",
                f"metadata differs for {len(differing)} members; gzip headers SDK {headers[0]}, ours {headers[1]}",
            )
        elif differing or headers[0] != headers[1]:
            verdict.problem("archive metadata differs but ours is not the documented fixed metadata")


def _reproducible(members: list[TarMember], data: bytes) -> bool:
    """Our documented metadata: mtime 0, uid/gid 0, no names, modes 0644/0755; gzip without time or name."""
    fixed = all(m.meta[1:] == (0, 0, 0, "", "") and m.meta[0] in (0o644, 0o755) for m in members)
    return fixed and gzip_header(data) == (0, b"")


def _compare_inputs(case: Case, ours: OurRun, sdk: SdkRun, verdict: Verdict) -> None:
    sdk_plan = sorted((u.s3_uri, str(u.resolved)) for u in sdk.journal.uploads if u.channel_call is not None)
    our_plan = sorted((i["s3Uri"], str((ours.root / i["path"]).resolve())) for i in ours.manifest["inputs"])
    if sdk_plan == our_plan:
        return
    exact = _exact_plan(sdk)
    if our_plan == exact:
        extra = [u for u in sdk_plan if u not in our_plan]
        missing = [u for u in our_plan if u not in sdk_plan]
        verdict.deviation(
            "DEV-005",
            f"the SDK matches input paths as string prefixes: {len(extra)} uploads only in the SDK's plan "
            f"(e.g. {extra[:1]}), {len(missing)} only in ours (e.g. {missing[:1]})",
        )
    else:
        verdict.problem(f"input uploads: SDK {sdk_plan}, ours {our_plan}, exact {exact}")


def _exact_plan(sdk: SdkRun) -> list[tuple[str, str]]:
    """Each channel's files taken as an exact file or folder: file -> prefix, folder/x -> prefix/x."""
    plan = []
    for local, prefix in sdk.journal.named("upload_local_data"):
        base = Path(os.path.normpath(sdk.cwd / local))
        if base.is_file():
            plan.append((prefix, str(base.resolve())))
            continue
        for folder, _dirs, names in os.walk(base):
            for name in names:
                path = Path(folder) / name
                if path.is_file():
                    rel = path.relative_to(base).as_posix()
                    plan.append((prefix + rel if prefix.endswith("/") else f"{prefix}/{rel}", str(path.resolve())))
    return sorted(plan)
