"""What a deploy will do, in order, for people (text) and tools (JSON): `jobspec deploy --dry-run`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from braket_jobspec.artifact import Artifact


def size_text(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def steps(artifact: Artifact) -> list[dict[str, Any]]:
    """The steps of one job: uploads, copies, the checkpoint copy, then CreateJob."""
    out: list[dict[str, Any]] = []
    for up in artifact.uploads:
        step: dict[str, Any] = {
            "action": "upload",
            "what": "source archive" if up.kind == "source" else f"input channel {up.channel}",
            "from": up.display,
            "to": up.uri,
            "size": up.size,
            "sha256": up.sha256,
        }
        out.append(step)
    for copy in artifact.copies:
        out.append({"action": "copy", "what": "source archive", "from": copy.source, "to": copy.dest})
    if artifact.checkpoint_copy is not None:
        out.append(
            {
                "action": "copy-checkpoints",
                "from_job": artifact.checkpoint_copy.from_job,
                "to": artifact.checkpoint_copy.to,
            }
        )
    out.append({"action": "call", "api": "braket:CreateJob", "request": artifact.request})
    return out


def render_text(artifacts: Sequence[Artifact]) -> str:
    lines: list[str] = []
    for artifact in artifacts:
        account = artifact.account_id or "any account"
        lines.append(f"{artifact.display}: job {artifact.job_name} in {artifact.region} ({account})")
        for step in steps(artifact):
            action = step["action"]
            if action == "upload":
                lines.append(
                    f"  upload  {step['to']}  ({size_text(step['size'])}, {step['what']}, from {step['from'] or '.'})"
                )
            elif action == "copy":
                lines.append(f"  copy    {step['from']} -> {step['to']}  ({step['what']})")
            elif action == "copy-checkpoints":
                lines.append(
                    f"  copy    checkpoints of {step['from_job']} (GetJob, then every object under its "
                    f"checkpointConfig.s3Uri) -> {step['to']}"
                )
            else:
                request = step["request"]
                lines.append(
                    f"  call    braket:CreateJob  jobName={request['jobName']} "
                    f"device={request['deviceConfig']['device']} clientToken={request['clientToken'][:16]}…"
                )
        lines.append("")
    uploads = sum(len(a.uploads) for a in artifacts)
    total = sum(u.size for a in artifacts for u in a.uploads)
    lines.append(
        f"{len(artifacts)} job(s), {uploads} upload(s) of {size_text(total)} at most "
        "(objects already holding the same content are skipped); nothing was called"
    )
    return "\n".join(lines) + "\n"


def render_json(artifacts: Sequence[Artifact]) -> str:
    body = {
        "version": 1,
        "jobs": [
            {
                "artifact": a.display,
                "jobName": a.job_name,
                "region": a.region,
                "account_id": a.account_id,
                "clientToken": a.client_token,
                "steps": steps(a),
            }
            for a in artifacts
        ],
    }
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
