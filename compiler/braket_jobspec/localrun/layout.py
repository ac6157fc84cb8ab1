"""The work folder of a local run: the job container's file layout and environment, in one folder.

    container path                              work folder
    /opt/braket/code/customer_code/extracted    code/
    /opt/braket/input/data/<channel>            input/data/<channel>/
    /opt/braket/input/config/hyperparameters.json  input/config/hyperparameters.json
    /opt/braket/model                           model/          (AMZN_BRAKET_JOB_RESULTS_DIR)
    checkpointConfig.localPath                  checkpoints/    (AMZN_BRAKET_CHECKPOINT_DIR)
    /opt/ml/output/failure                      output/failure
                                                log.txt         (the job's stdout and stderr)

The environment variables are those the SDK's local mode gives the container
(sdk-semantics section 10), with the paths pointing into the work folder.
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import tarfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from braket_jobspec.localrun.s3 import S3Reader, channel_path, inside
from braket_jobspec.localrun.target import LocalJob, fail, local_input
from braket_jobspec.sdk.s3uri import s3_split

RUNS_FOLDER = ".jobspec-runs"
MARKER = ".jobspec-run.json"


@dataclasses.dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def code(self) -> Path:
        return self.root / "code"

    @property
    def input_data(self) -> Path:
        return self.root / "input" / "data"

    @property
    def hp_file(self) -> Path:
        return self.root / "input" / "config" / "hyperparameters.json"

    @property
    def model(self) -> Path:
        return self.root / "model"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def failure(self) -> Path:
        return self.root / "output" / "failure"

    @property
    def log(self) -> Path:
        return self.root / "log.txt"


def choose_workdir(job_name: str, given: Path | None, force: bool, cwd: Path) -> Path:
    """A fresh work folder: <cwd>/.jobspec-runs/<job>/<n>, or the given one if empty (or ours, with force).

    A relative given folder is taken against cwd here, once: later steps run in other
    folders (pip in the code folder), where the relative path would name another place.
    """
    if given is None:
        parent = cwd / RUNS_FOLDER / job_name
        parent.mkdir(parents=True, exist_ok=True)
        taken = [int(p.name) for p in parent.iterdir() if p.name.isdigit()]
        number = max(taken, default=0) + 1
        while True:  # mkdir is the claim: two runs started at once get different folders
            folder = parent / str(number)
            try:
                folder.mkdir()
                return folder
            except FileExistsError:
                number += 1
    shown = given.as_posix()
    given = cwd / given
    if given.exists() and not given.is_dir():
        raise fail(shown, "E706", "the work folder is a file")
    if given.is_dir() and any(given.iterdir()):
        if not (given / MARKER).is_file():
            raise fail(
                shown,
                "E706",
                "the work folder is not empty and is not the work folder of an earlier run",
                "name a new or empty folder; --force only replaces the folder of an earlier `jobspec run`",
            )
        if not force:
            raise fail(
                shown, "E706", "the work folder holds an earlier run", "pass --force to replace it, or name another"
            )
        for child in given.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    given.mkdir(parents=True, exist_ok=True)
    return given


def prepare(
    layout: Layout, job: LocalJob, archive: bytes, s3: S3Reader, checkpoints_from: Path | None = None
) -> dict[str, int]:
    """Lay out code, inputs, hyperparameters, results and checkpoint folders; files per channel."""
    (layout.root / MARKER).write_text(
        json.dumps({"job": job.job_name, "target": job.display, "paths": _container_paths(job)}, indent=2) + "\n",
        "utf-8",
    )
    try:
        unpack(archive, layout.code)
    except (tarfile.TarError, ValueError, OSError) as exc:
        raise fail(job.display, "E701", f"cannot unpack the source archive: {exc}") from None
    channels = lay_out_inputs(layout, job, s3)
    layout.hp_file.parent.mkdir(parents=True, exist_ok=True)
    with open(layout.hp_file, "w", encoding="utf-8") as f:
        json.dump(job.request["hyperParameters"], f)
    layout.model.mkdir(parents=True, exist_ok=True)
    if checkpoints_from is not None:
        # The service syncs checkpointConfig.s3Uri into localPath before the job starts;
        # a local run seeds the folder from one the user names (an earlier run's, say).
        shutil.copytree(checkpoints_from, layout.checkpoints)
    layout.checkpoints.mkdir(parents=True, exist_ok=True)
    return channels


def _container_paths(job: LocalJob) -> dict[str, str]:
    return {
        "/opt/braket/code/customer_code/extracted": "code",
        "/opt/braket/input/data": "input/data",
        "/opt/braket/input/config/hyperparameters.json": "input/config/hyperparameters.json",
        "/opt/braket/model": "model",
        job.request["checkpointConfig"]["localPath"]: "checkpoints",
        "/opt/ml/output/failure": "output/failure",
    }


def unpack(archive: bytes, dest: Path) -> None:
    """Extract the source archive as the container does (into its `extracted` folder)."""
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
        # The "data" filter refuses absolute names, `..` and links out of dest: an S3
        # archive is anybody's, and even ours is only trusted because we check its hash.
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
            return
        for member in tar.getmembers():  # Python without extraction filters (3.10 before 3.10.12)
            if not (member.isfile() or member.isdir()):
                raise ValueError(f"source archive member {member.name!r} is not a file or folder")
            inside(dest, member.name)
        tar.extractall(dest)


def lay_out_inputs(layout: Layout, job: LocalJob, s3: S3Reader) -> dict[str, int]:
    """Each channel of the request under input/data/<channel>: local files copied, S3 ones downloaded."""
    local: dict[str, list[dict[str, Any]]] = {}
    for item in job.manifest.get("inputs", []):
        local.setdefault(item["channel"], []).append(item)
    counts: dict[str, int] = {}
    for channel in job.request.get("inputDataConfig", []):
        name = channel["channelName"]
        uri = channel["dataSource"]["s3DataSource"]["s3Uri"]
        folder = layout.input_data / name
        if folder.exists():
            raise fail(job.display, "E705", f"duplicate input channel {name!r}")
        folder.mkdir(parents=True)
        if name in local:
            # Lay the files out where the container would find them once the deployer
            # has uploaded them: by their keys under the channel's prefix.
            _, prefix = s3_split(uri)
            keys = [s3_split(item["s3Uri"])[1] for item in local[name]]
            for item, key in zip(local[name], keys, strict=True):
                target = inside(folder, channel_path(prefix, keys, key))
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(local_input(job, item))
            counts[name] = len(keys)
        else:
            counts[name] = s3.download_channel(name, uri, folder)
    return counts


def environment(layout: Layout, job: LocalJob, base: Mapping[str, str]) -> dict[str, str]:
    """The job's environment: the caller's, without stale AMZN_BRAKET_*, plus the container's variables."""
    request = job.request
    script = request["algorithmSpecification"]["scriptModeConfig"]
    bucket, key = s3_split(request["outputDataConfig"]["s3Path"])
    env = {k: v for k, v in base.items() if not k.startswith("AMZN_BRAKET_")}
    env["AMZN_BRAKET_SCRIPT_S3_URI"] = script["s3Uri"]
    env["AMZN_BRAKET_SCRIPT_ENTRY_POINT"] = script["entryPoint"]
    if "compressionType" in script:
        env["AMZN_BRAKET_SCRIPT_COMPRESSION_TYPE"] = script["compressionType"]
    env["AMZN_BRAKET_JOB_NAME"] = job.job_name
    env["AMZN_BRAKET_DEVICE_ARN"] = job.device
    env["AMZN_BRAKET_JOB_RESULTS_DIR"] = str(layout.model.resolve())
    env["AMZN_BRAKET_CHECKPOINT_DIR"] = str(layout.checkpoints.resolve())
    env["AMZN_BRAKET_OUT_S3_BUCKET"] = bucket
    env["AMZN_BRAKET_TASK_RESULTS_S3_URI"] = f"s3://{bucket}/jobs/{job.job_name}/tasks"
    env["AMZN_BRAKET_JOB_RESULTS_S3_PATH"] = PurePosixPath(key, job.job_name, "output").as_posix()
    if "hyperParameters" in request:
        env["AMZN_BRAKET_HP_FILE"] = str(layout.hp_file.resolve())
    if request.get("inputDataConfig"):
        env["AMZN_BRAKET_INPUT_DIR"] = str(layout.input_data.resolve())
    if job.region:
        env["AWS_DEFAULT_REGION"] = job.region
    # The job's prints reach the terminal as they happen, not when a buffer fills.
    env["PYTHONUNBUFFERED"] = "1"
    return env


def discard_copies(layout: Layout) -> None:
    """Remove what the run can recreate (code and input copies); results, checkpoints and logs stay."""
    for folder in (layout.code, layout.input_data):
        if folder.exists():
            shutil.rmtree(folder)


def relative_to_cwd(path: Path) -> str:
    """path as people read it: relative when it is under the current folder, else absolute."""
    full, cwd = path.resolve(), Path.cwd().resolve()
    return full.relative_to(cwd).as_posix() if full.is_relative_to(cwd) else full.as_posix()
