"""`jobspec deploy`: submit exactly what was reviewed, exactly once.

The order is the point:
1. load every artifact and verify it against the tree (no network): a source or input
   that changed since compiling stops the deploy before anything is sent;
2. check the caller's account (STS) against the one the artifacts were compiled for;
   with --check-devices, ask each device's status (GetDevice): one not ONLINE stops here;
3. upload what S3 does not already hold, each object with a SHA-256 that S3 checks;
   copy S3 sources and checkpoints server side;
4. CreateJob with the compiled request as it is: its clientToken (a digest of the
   request) makes a retry, a re-run or a concurrent deploy of the same artifact return
   the same job instead of a second one;
5. optionally follow the jobs to their end.
Steps 3 and 4 only start once the previous step succeeded for every artifact.
"""

from __future__ import annotations

import dataclasses
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from braket_jobspec.artifact import Artifact, load_all, reproduce, verify
from braket_jobspec.deploy.aws import (
    AwsSettings,
    Clients,
    MissingBoto3,
    aws_errors,
    describe,
    error_code,
    error_message,
)
from braket_jobspec.deploy.devices import check as check_devices
from braket_jobspec.deploy.jobs import differences, find_job, same_job
from braket_jobspec.deploy.plan import render_json, render_text, size_text
from braket_jobspec.deploy.s3 import DEFAULT_PART_SIZE, BucketMissing, ChangedDuringUpload, Progress, Transfer
from braket_jobspec.deploy.watch import TERMINAL, Backoff, Followed, Watcher
from braket_jobspec.diagnostics import Diagnostic, has_errors


@dataclasses.dataclass(frozen=True)
class DeployOptions:
    dry_run: bool = False
    wait: bool = False
    allow_account_mismatch: bool = False
    part_size: int = DEFAULT_PART_SIZE
    aws: AwsSettings = dataclasses.field(default_factory=AwsSettings)
    backoff: Backoff = dataclasses.field(default_factory=Backoff)
    wait_timeout: float | None = None
    fmt: str = "text"
    check_devices: bool = False


@dataclasses.dataclass
class DeployOutcome:
    artifact: Artifact
    arn: str | None = None
    how: str = ""  # "created" (by this call or an earlier one with the same token) | "existing"
    uploaded: int = 0
    unchanged: int = 0
    copied: int = 0
    status: str = ""
    failure: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "artifact": self.artifact.display,
            "jobName": self.artifact.job_name,
            "jobArn": self.arn,
            "how": self.how,
            "uploaded": self.uploaded,
            "unchanged": self.unchanged,
            "copied": self.copied,
            "status": self.status or None,
            "failureReason": self.failure or None,
        }


class Deployment:
    """One `jobspec deploy` run over one or more artifacts."""

    def __init__(self, options: DeployOptions, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.options = options
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.diagnostics: list[Diagnostic] = []
        self.outcomes: list[DeployOutcome] = []
        self._clients: dict[str, Clients] = {}
        self.caller = ""  # the account of the credentials, once checked

    @property
    def chatty(self) -> bool:
        """Progress lines for people: in text, and in CI logs (github); not in JSON or SARIF."""
        return self.options.fmt in ("text", "github")

    def say(self, text: str) -> None:
        if self.chatty:
            self.err.write(f"jobspec: {text}\n")
            self.err.flush()

    def clients(self, region: str) -> Clients:
        if region not in self._clients:
            self._clients[region] = Clients(self.options.aws, region)
        return self._clients[region]

    # -- the run -------------------------------------------------------------------------

    def run(self, paths: Sequence[Path]) -> bool:
        artifacts, diags = load_all(paths)
        self.diagnostics += diags
        if has_errors(diags):
            return False
        for artifact in artifacts:
            # The tree first (a changed source or input says so: E602, E603), then everything
            # else: the request and manifest must be what the spec compiles to now (E605).
            self.diagnostics += verify(artifact, self.options.part_size) or reproduce(artifact)
        if has_errors(self.diagnostics):
            self.say("nothing was uploaded or created")
            return False
        try:
            if self.options.dry_run:
                # --check-devices asks even now (GetDevice changes nothing): the dry run fails
                # where the deploy would, and shows no plan for a device that takes no jobs.
                if not self.check_devices(artifacts):
                    return False
                self.out.write(render_json(artifacts) if self.options.fmt == "json" else render_text(artifacts))
                return True
            self.outcomes = [DeployOutcome(a) for a in artifacts]
            ok = self.check_account(artifacts) and self.check_devices(artifacts) and self.transfer() and self.create()
        except MissingBoto3:
            self.diagnostics.append(
                Diagnostic(
                    artifacts[0].display,
                    0,
                    0,
                    "E630",
                    "deploying needs boto3, which is not installed",
                    hint="pip install 'braket-jobspec[deploy]'",
                )
            )
            return False
        if ok and self.options.wait:
            ok = self.follow()
        if self.options.fmt == "json":
            body = {"version": 1, "jobs": [o.as_dict() for o in self.outcomes]}
            self.out.write(json.dumps(body, indent=2, sort_keys=True) + "\n")
        return ok and not has_errors(self.diagnostics)

    def fail(self, exc: BaseException, artifact: Artifact, doing: str) -> bool:
        device = str(artifact.request.get("deviceConfig", {}).get("device", ""))
        self.diagnostics.append(describe(exc, artifact.display, doing, device))
        return False

    # -- 2. the account --------------------------------------------------------------------

    def check_account(self, artifacts: Sequence[Artifact]) -> bool:
        first = artifacts[0]
        try:
            self.caller = str(self.clients(first.region).sts.get_caller_identity()["Account"])
        except aws_errors() as exc:
            return self.fail(exc, first, "checking the caller's account with sts:GetCallerIdentity")
        ok = True
        for artifact in artifacts:
            expected = artifact.account_id
            if expected is None or expected == self.caller:
                continue
            if self.options.allow_account_mismatch:
                self.say(f"{artifact.display}: compiled for account {expected}, deploying to {self.caller} (allowed)")
                continue
            ok = False
            self.diagnostics.append(
                artifact.error(
                    "E611",
                    f"compiled for account {expected}, but the credentials are of account {self.caller}",
                    "use the credentials (or --profile) of that account, or compile for this one; "
                    "--allow-account-mismatch deploys anyway",
                )
            )
        return ok

    def check_devices(self, artifacts: Sequence[Artifact]) -> bool:
        """--check-devices: each device's status, before anything is uploaded (devices.py)."""
        if not self.options.check_devices:
            return True
        found = check_devices(artifacts, lambda region: self.clients(region).braket, self.say)
        self.diagnostics += found
        if has_errors(found):
            self.say("nothing was uploaded or created")
            return False
        return True

    # -- 3. uploads and copies -------------------------------------------------------------

    def transfer(self) -> bool:
        total = sum(len(o.artifact.uploads) for o in self.outcomes)
        finished = 0
        for outcome in self.outcomes:
            artifact = outcome.artifact
            progress = Progress(self.err if self.chatty else io.StringIO())
            transfer = Transfer(self.clients(artifact.region).s3, self.options.part_size, progress)
            doing = "checking the destination buckets"
            try:
                self.ensure_buckets(artifact, transfer)
                for up in artifact.uploads:
                    doing = f"uploading {up.display} to {up.uri}"
                    if transfer.present(up):
                        outcome.unchanged += 1
                        self.say(f"unchanged {up.uri} (S3 holds the same SHA-256)")
                    else:
                        transfer.put(up)
                        outcome.uploaded += 1
                        self.say(f"uploaded  {up.uri} ({size_text(up.size)}, SHA-256 checked by S3)")
                    finished += 1
                for copy in artifact.copies:
                    doing = f"copying {copy.source} to {copy.dest}"
                    fresh = transfer.copy(copy.source, copy.dest)
                    outcome.copied += fresh
                    self.say(f"{'copied' if fresh else 'unchanged'} {copy.dest}")
                if artifact.checkpoint_copy is not None:
                    doing = f"copying the checkpoints of {artifact.checkpoint_copy.from_job}"
                    if not self.copy_checkpoints(outcome, transfer):
                        return False
            except BucketMissing as exc:
                self.diagnostics.append(
                    artifact.error(
                        "E615",
                        f"bucket {exc} does not exist in the deploying account",
                        "create it (aws s3 mb s3://NAME --region REGION), or compile for a bucket that exists",
                    )
                )
                return False
            except ChangedDuringUpload as exc:
                self.diagnostics.append(
                    artifact.error(
                        "E616",
                        f"{exc} changed while it was being uploaded; the upload was abandoned",
                        "leave the tree alone while deploying, then re-run",
                    )
                )
                return False
            except aws_errors() as exc:
                self.fail(exc, artifact, doing)
                self.say(
                    f"{finished} of {total} upload(s) done; no job was created. "
                    "Re-run to finish: done uploads are skipped"
                )
                return False
        return True

    def ensure_buckets(self, artifact: Artifact, transfer: Transfer) -> None:
        from braket_jobspec.sdk.s3uri import s3_split

        default = f"amazon-braket-{artifact.region}-{self.caller}"
        buckets = dict.fromkeys(s3_split(u.uri)[0] for u in artifact.uploads)
        buckets.update(dict.fromkeys(s3_split(c.dest)[0] for c in artifact.copies))
        for bucket in buckets:
            # The SDK creates its default bucket when missing; any other bucket must exist.
            create = bucket == default and bucket == artifact.default_bucket
            if transfer.ensure_bucket(bucket, artifact.region, self.caller, create):
                self.say(f"created bucket {bucket} (the SDK's default bucket)")

    def copy_checkpoints(self, outcome: DeployOutcome, transfer: Transfer) -> bool:
        artifact = outcome.artifact
        copy = artifact.checkpoint_copy
        assert copy is not None
        answer = self.clients(artifact.region).braket.get_job(jobArn=copy.from_job)
        source = (answer.get("checkpointConfig") or {}).get("s3Uri")
        if not source:
            self.diagnostics.append(
                artifact.error(
                    "E617",
                    f"job {copy.from_job} has no checkpoint location to copy from",
                    "remove copy_checkpoints_from_job from the spec, or name a job that wrote checkpoints",
                )
            )
            return False
        if source == copy.to:
            self.say("checkpoints: the source and destination are the same place; nothing to copy")
            return True
        copied, unchanged = transfer.copy_prefix(source, copy.to)
        outcome.copied += copied
        self.say(f"checkpoints: {copied} object(s) copied, {unchanged} unchanged, from {source} to {copy.to}")
        return True

    # -- 4. CreateJob --------------------------------------------------------------------

    def create(self) -> bool:
        ok = True
        for outcome in self.outcomes:
            artifact = outcome.artifact
            braket = self.clients(artifact.region).braket
            try:
                # Sent as compiled: the clientToken in it is what makes this call idempotent.
                outcome.arn = str(braket.create_job(**artifact.request)["jobArn"])
                outcome.how = "created"
            except aws_errors() as exc:
                if error_code(exc) != "ConflictException":
                    ok = self.fail(exc, artifact, "calling braket:CreateJob")
                    continue
                if not self.adopt_existing(outcome, exc):
                    ok = False
                    continue
            if self.options.fmt == "text":
                self.out.write(f"{outcome.arn}\n")
                self.out.flush()
            self.say(
                f"{artifact.job_name}: {outcome.arn}" + (" (already deployed)" if outcome.how == "existing" else "")
            )
        return ok

    def adopt_existing(self, outcome: DeployOutcome, exc: BaseException) -> bool:
        """After a ConflictException: True when the job of that name is this very request."""
        artifact = outcome.artifact
        braket = self.clients(artifact.region).braket
        try:
            found = find_job(braket, artifact.job_name)
            answer = braket.get_job(jobArn=found["jobArn"]) if found else None
        except aws_errors() as lookup:
            found, answer = None, None
            note = f"; looking it up failed: {error_message(lookup)}"
        else:
            note = ""
        if answer is not None and same_job(answer, artifact.request):
            outcome.arn, outcome.how, outcome.status = str(answer["jobArn"]), "existing", str(answer.get("status", ""))
            return True
        shown = (
            f": {answer['jobArn']} ({answer.get('status')}, created {answer.get('createdAt')})"
            if answer is not None
            else note
        )
        differs = f" differs: {', '.join(differences(answer, artifact.request))}" if answer is not None else ""
        self.diagnostics.append(
            artifact.error(
                "E620",
                f"a job named {artifact.job_name!r} already exists{shown}{differs} ({error_message(exc)})",
                "job names are used once: set another job_name in the spec (or none, for a name derived "
                "from the content), recompile and review",
                "/jobName",
            )
        )
        return False

    # -- 5. following ----------------------------------------------------------------------

    def follow(self) -> bool:
        jobs = []
        for o in self.outcomes:
            if o.arn:
                clients = self.clients(o.artifact.region)  # jobs of several regions: each its own clients
                jobs.append(Followed(o.arn, o.artifact.job_name, braket=clients.braket, logs=clients.logs))
        clients = self.clients(self.outcomes[0].artifact.region)
        quiet = io.StringIO()  # JSON and SARIF keep stdout and stderr for the machine-readable result
        watcher = Watcher(
            clients.braket,
            clients.logs,
            self.out if self.chatty else quiet,
            self.err if self.chatty else quiet,
            self.options.backoff,
            self.options.wait_timeout,
        )
        ended = watcher.follow(jobs)
        by_arn = {j.arn: j for j in jobs}
        ok = ended
        for outcome in self.outcomes:
            job = by_arn.get(outcome.arn or "")
            if job is None:
                continue
            outcome.status, outcome.failure = job.status, job.failure
            if job.status not in TERMINAL:
                self.diagnostics.append(
                    outcome.artifact.error(
                        "E626",
                        f"job {job.arn} is still {job.status or 'starting'} after --wait-timeout",
                        "it keeps running: follow it with `jobspec status`, stop it with `jobspec cancel`",
                    )
                )
                ok = False
            elif job.status != "COMPLETED":
                reason = f": {job.failure}" if job.failure else ""
                self.diagnostics.append(outcome.artifact.error("E625", f"job {job.arn} ended {job.status}{reason}"))
                ok = False
        return ok
