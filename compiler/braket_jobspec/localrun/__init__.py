"""Run a compiled job on this machine, with the job container's files, variables and entry-point rules.

The steps: rebuild and check the source archive, claim a work folder, lay out the
container's contract in it (local_layout), pick the interpreter and install the job's
requirements (local_venv), start the entry point through local_runner in a child process
and supervise it (local_process). The device string is passed through untouched: on a
`local:` device the job runs on the SDK's embedded simulator and needs no network.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path
from typing import TextIO

from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.localrun.layout import Layout, choose_workdir, discard_copies, environment, prepare, relative_to_cwd
from braket_jobspec.localrun.process import GRACE_SECONDS, Finished, Stopped, describe, run_job, stopped_by_signals
from braket_jobspec.localrun.s3 import S3Reader
from braket_jobspec.localrun.target import LocalJob, fail, local_source_archive
from braket_jobspec.localrun.venv import prepare_interpreter
from braket_jobspec.sdk.fields import DATA_PARALLEL_KEYS

RUNNER = Path(__file__).with_name("bootstrap.py")


@dataclasses.dataclass(frozen=True)
class RunOptions:
    workdir: Path | None = None  # None: a fresh folder under .jobspec-runs/<job name>/
    force: bool = False
    install: bool = True
    keep: bool = False
    checkpoints_from: Path | None = None
    grace: float = GRACE_SECONDS
    venv_root: Path | None = None  # None: the user's cache folder


@dataclasses.dataclass
class RunOutcome:
    exit_code: int  # 0: the job succeeded; 1: it failed, timed out, or could not start
    diagnostics: list[Diagnostic]
    workdir: Path | None = None
    finished: Finished | None = None


def run_local(job: LocalJob, options: RunOptions, messages: TextIO) -> RunOutcome:
    """Run job to its end; messages (not the job's output) go to the messages stream.

    SIGTERM or SIGHUP ends the job, with every process it started, and then the run: one
    line on messages and SystemExit with the signal's conventional code, 128 + its number.
    """
    with stopped_by_signals():
        try:
            return _run(job, options, messages)
        except Stopped as stop:
            messages.write(
                f"jobspec run: stopped by {stop.name} (exit code {stop.exit_code}); no process of the job is left\n"
            )
            messages.flush()
            raise SystemExit(stop.exit_code) from None


def _run(job: LocalJob, options: RunOptions, messages: TextIO) -> RunOutcome:
    """The steps of run_local, of the module's docstring, to the job's outcome."""

    def say(text: str) -> None:
        messages.write(f"jobspec run: {text}\n")
        messages.flush()

    diagnostics = list(job.warnings)
    if job.request["hyperParameters"].get(DATA_PARALLEL_KEYS[0], "").lower() == "true":
        diagnostics.append(
            Diagnostic(
                job.display,
                0,
                0,
                "W712",
                "distribution data_parallel: the local run starts one process, not one per GPU",
                severity="warning",
                hint="the job sees the hyperparameters the container sets for data parallelism",
            )
        )
    s3 = S3Reader(job.display, job.region)
    archive = _source_archive(job, s3)
    fresh = options.workdir is None
    workdir = choose_workdir(job.job_name, options.workdir, options.force, Path.cwd())
    layout = Layout(workdir)
    say(f"job {job.job_name} on {job.device}, entry point {job.entry_point!r}")
    say(f"work folder {relative_to_cwd(workdir)}")
    if not job.device.startswith("local:"):
        say("note: the device is not a local simulator, so the job's quantum tasks go to Amazon Braket")
    try:
        channels = prepare(layout, job, archive, s3, options.checkpoints_from)
        for name, count in channels.items():
            say(f"input channel {name!r}: {count} file(s) in {relative_to_cwd(layout.input_data / name)}")
        interpreter = prepare_interpreter(
            layout.code, _archive_sha256(archive), options.install, messages, job.display, options.venv_root
        )
    except BaseException:
        _clear(workdir, remove=fresh)
        raise
    if interpreter.venv is not None:
        state = "reused" if interpreter.reused else "created"
        say(f"virtualenv {state}: {interpreter.venv}")
    env = environment(layout, job, os.environ)
    say(f"starting the job (maxRuntimeInSeconds {job.max_runtime}); its output follows")
    finished = run_job(
        [str(interpreter.python), str(RUNNER), str(layout.code.resolve()), str(layout.failure.resolve())],
        env,
        layout.code,
        job.max_runtime,
        layout.log,
        grace=options.grace,
    )
    if not options.keep:
        discard_copies(layout)
    if finished.returncode == 0 and not finished.timed_out:
        say(f"the job succeeded in {finished.seconds:.1f} s")
    results = sorted(p.relative_to(layout.model).as_posix() for p in layout.model.rglob("*") if p.is_file())
    say(f"results folder {relative_to_cwd(layout.model)}: {', '.join(results) if results else 'empty'}")
    say(f"log {relative_to_cwd(layout.log)}")
    outcome = RunOutcome(0, diagnostics, workdir, finished)
    if finished.timed_out:
        outcome.exit_code = 1
        diagnostics.append(
            Diagnostic(
                job.display,
                0,
                0,
                "E709",
                f"the job ran past stoppingCondition.maxRuntimeInSeconds ({job.max_runtime} s) and was stopped",
                hint="raise stopping_condition.maxRuntimeInSeconds in the spec, or make the job faster",
            )
        )
    elif finished.returncode != 0:
        outcome.exit_code = 1
        failure = layout.failure.read_text("utf-8", "replace").strip() if layout.failure.is_file() else ""
        diagnostics.append(
            Diagnostic(
                job.display,
                0,
                0,
                "E708",
                f"the job failed with {describe(finished.returncode)} after {finished.seconds:.1f} s",
                hint=f"the job container reports: {failure}" if failure else "see the job's output above",
            )
        )
    return outcome


def _source_archive(job: LocalJob, s3: S3Reader) -> bytes:
    source = job.manifest["source"]
    if source["kind"] == "local":
        return local_source_archive(job)
    if source["kind"] == "s3":
        return s3.read_object(source["uri"], "the source archive (source_module)")
    raise fail(job.display, "E701", f"unknown source kind {source['kind']!r} in the manifest")


def _archive_sha256(archive: bytes) -> str:
    import hashlib

    return hashlib.sha256(archive).hexdigest()


def _clear(workdir: Path, remove: bool) -> None:
    """Undo a work folder that never got a job: remove ours, empty a given one."""
    if remove:
        shutil.rmtree(workdir, ignore_errors=True)
        return
    for child in workdir.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
