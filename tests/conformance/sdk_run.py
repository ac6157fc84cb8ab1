"""Run the real SDK on a case: AwsQuantumJob's session routing, then prepare_quantum_job.

Everything the SDK would take from outside the call is pinned: the session is a
StubSession, the clock returns the case's stamp, the SDK's environment variables are
removed, and the working directory is the spec's folder (the SDK resolves relative paths
against the CWD; our compiler against the spec's folder). Modules that the entry-point
check imports from the case tree are dropped from sys.modules afterwards, so one case's
packages never answer the next case's lookups.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from braket_jobspec import pointer as ptr

from .case import Case
from .stub_session import Journal, StubSession

FRAMEWORKS = {"base": "BASE", "pytorch": "PL_PYTORCH", "tensorflow": "PL_TENSORFLOW", "cudaq": "CUDAQ"}
CONFIG_CLASSES = ("instance_config", "stopping_condition", "output_data_config", "checkpoint_config")
OURS_ONLY = ("source_excludes",)  # spec keys the SDK has no parameter for
# Variables the SDK or a default AwsSession read during job creation.
SDK_ENVIRONMENT = ("BRAKET_JOBS_ROLE_ARN", "AMZN_BRAKET_OUT_S3_BUCKET", "AWS_REGION", "BRAKET_ENDPOINT")
LOGGER = logging.getLogger("conformance.sdk")
CLOCK_WITHOUT_STAMP = "1700000000000"  # the SDK's clock in a case that gives our compiler no stamp


class TranslationError(Exception):
    """The SDK's own types refused a spec value before prepare_quantum_job ran (e.g. an unknown field)."""

    def __init__(self, pointer: str, cause: BaseException) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.pointer = pointer
        self.cause = cause


@dataclasses.dataclass
class SdkRun:
    request: dict[str, Any] | None
    error: BaseException | None
    journal: Journal
    region: str  # the region of the session prepare_quantum_job ran with
    cwd: Path
    stamp: str  # the millisecond timestamp the frozen clock gave


def clock_at(stamp: str) -> types.SimpleNamespace:
    """A `time` module whose time() makes the SDK's str(int(time.time() * 1000)) equal stamp."""
    ms = int(stamp)
    seconds = ms / 1000
    for _ in range(4):  # the nearest float can fall a hair short of the millisecond
        if int(seconds * 1000) == ms:
            break
        seconds = math.nextafter(seconds, math.inf)
    assert str(int(seconds * 1000)) == stamp, f"no float time gives the stamp {stamp}"
    return types.SimpleNamespace(time=lambda: seconds)


def sdk_arguments(spec: dict[str, Any], region: str) -> dict[str, Any]:
    """The prepare_quantum_job keyword arguments a spec stands for.

    A framework shorthand is what `retrieve_image(Framework.X, region)` returns; a config
    mapping is the SDK's dataclass built from it; an input channel mapping is an
    S3DataSourceConfig. Anything else is passed as it is.
    """
    from braket.jobs import config
    from braket.jobs.image_uris import Framework, retrieve_image

    classes = {
        "instance_config": config.InstanceConfig,
        "stopping_condition": config.StoppingCondition,
        "output_data_config": config.OutputDataConfig,
        "checkpoint_config": config.CheckpointConfig,
    }
    args: dict[str, Any] = {}
    for key, value in copy.deepcopy(spec).items():
        if key in OURS_ONLY:
            continue
        if key == "image_uri" and isinstance(value, str) and value in FRAMEWORKS:
            try:
                value = retrieve_image(Framework[FRAMEWORKS[value]], region)
            except ValueError as exc:
                raise TranslationError("/image_uri", exc) from exc
        elif key in classes and isinstance(value, dict):
            value = _construct(classes[key], value, f"/{key}")
        elif key == "input_data" and isinstance(value, dict):
            value = {
                channel: _construct(config.S3DataSourceConfig, data, ptr.join("/input_data", channel))
                if isinstance(data, dict)
                else data
                for channel, data in value.items()
            }
        args[key] = value
    return args


def _construct(cls: type, fields: dict[str, Any], pointer: str) -> Any:
    try:
        return cls(**fields)
    except TypeError as exc:
        unknown = [k for k in fields if f"'{k}'" in str(exc)]
        raise TranslationError(ptr.join(pointer, unknown[0]) if unknown else pointer, exc) from exc


def run_sdk(case: Case, root: Path) -> SdkRun:
    from braket.aws.aws_quantum_job import AwsQuantumJob
    from braket.jobs import quantum_job_creation

    ctx = case.context
    journal = Journal()
    session = StubSession(ctx.region, ctx.account_id, ctx.default_bucket, ctx.default_role_arn, journal)
    cwd = (root / (case.sdk_cwd if case.sdk_cwd is not None else case.spec_dir)).resolve()
    stamp = ctx.stamp or CLOCK_WITHOUT_STAMP
    before = set(sys.modules)
    request: dict[str, Any] | None = None
    error: BaseException | None = None
    region = ctx.region
    with pytest.MonkeyPatch.context() as mp:
        for name in SDK_ENVIRONMENT:
            mp.delenv(name, raising=False)
        mp.setattr(quantum_job_creation, "time", clock_at(stamp))
        mp.setattr(sys, "dont_write_bytecode", not case.bytecode)
        # The entry-point check is an import lookup: let it see the import system of a plain
        # interpreter, without pytest's assertion-rewriting finder (which answers differently).
        mp.setattr(sys, "meta_path", [f for f in sys.meta_path if not type(f).__module__.startswith("_pytest")])
        mp.chdir(cwd)
        try:
            device = case.spec.get("device")
            if "device" in case.spec:
                # AwsQuantumJob.create moves the session to a regional device's region first.
                session = AwsQuantumJob._initialize_session(session, device, LOGGER)
            region = session.region
            args = sdk_arguments(case.spec, session.region)
            request = quantum_job_creation.prepare_quantum_job(aws_session=session, **args)
        except Exception as exc:  # every SDK failure is an outcome to compare, not a test error
            error = exc
        finally:
            _forget_modules(before, root.resolve())
    return SdkRun(copy.deepcopy(request), error, journal, region, cwd, stamp)


def _forget_modules(before: set[str], root: Path) -> None:
    """Drop modules imported from the case tree (the SDK's find_spec imports parent packages).

    A module counts as the tree's when its origin file is under root, or when it is a
    namespace package (no origin), which only a case tree brings in. `__path__` is not read:
    for a namespace package whose parent is gone that would try to import the parent again.
    """
    for name in set(sys.modules) - before:
        spec = getattr(sys.modules.get(name), "__spec__", None)
        origin = getattr(spec, "origin", None)
        if origin is None or origin == "namespace" or root in Path(origin).parents:
            sys.modules.pop(name, None)
