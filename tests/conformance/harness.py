"""One case end to end: write it out, run the SDK and our compiler, judge, and count."""

from __future__ import annotations

import copy
import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from braket_jobspec import pointer as ptr

from . import tally
from .case import Case, concretize, materialize
from .judge import Verdict, judge
from .our_run import run_ours, run_ours_cli
from .sdk_run import run_sdk

MAX_REDUCTIONS = 3


REQUIRED = {"", "/device", "/source_module"}


def run_case(case: Case, *, count: bool = True, cli: bool = False) -> Verdict:
    """Judge one case; with cli, our side runs `jobspec compile` instead of the pipeline in-process."""
    verdict = _run(case, 0, cli)
    if count:
        tally.record(verdict)
    return verdict


def _run(case: Case, depth: int, cli: bool = False) -> Verdict:
    with tempfile.TemporaryDirectory(prefix="conformance-") as tmp:
        root = Path(tmp).resolve() / "repo"
        case = concretize(case, root)
        spec = materialize(case, root)
        sdk = run_sdk(case, root)
        ours = (run_ours_cli if cli else run_ours)(case, root, spec)
        verdict = judge(case, ours, sdk)
    if verdict.reduce is not None:
        _check_reduced(case, verdict, depth)
    if case.sdk_error is not None:
        text = f"{type(sdk.error).__name__}: {sdk.error}" if sdk.error is not None else "no error"
        if case.sdk_error not in text:
            verdict.problem(f"the case expects the SDK to fail with {case.sdk_error!r}; it gave {text}")
    return verdict


def _check_reduced(case: Case, verdict: Verdict, depth: int) -> None:
    """Drop the fields that one side stops at first, and see that the other side's error holds.

    "ours": our errors are documented deviations; without their fields we must flag the
    field the SDK's error is about. "sdk": we report errors the SDK had not reached; without
    the SDK's field, the SDK must fail on a field we flag.
    """
    assert verdict.reduce is not None and verdict.sdk_fields is not None
    label = f"reduced by {sorted(verdict.reduce)}"
    if verdict.reduce_for == "sdk" and verdict.reduce & REQUIRED:
        verdict.problem(f"the SDK rejects {sorted(verdict.sdk_fields)}; we reject {sorted(verdict.pending)} instead")
        return
    if "" in verdict.reduce or depth >= MAX_REDUCTIONS or case.yaml_text is not None:
        if verdict.reduce_for == "sdk":
            verdict.problem(f"cannot check that the SDK also rejects {sorted(verdict.pending)}")
        else:
            verdict.notes.append("not reduced further")
        return
    spec = without(case.spec, verdict.reduce)
    reduced = dataclasses.replace(case, id=f"{case.id} {label}", spec=spec, sdk_error=None, deviations=frozenset())
    again = _run(reduced, depth + 1)
    both_reject = again.both_reject
    if again.problems:
        verdict.problems += [f"{label}: {p}" for p in again.problems]
    elif verdict.reduce_for == "sdk":
        if not (both_reject and again.sdk_fields is not None and _overlap(again.sdk_fields, verdict.pending)):
            verdict.problem(
                f"the SDK rejects {sorted(verdict.sdk_fields)}; we reject {sorted(verdict.pending)}, "
                f"which the SDK does not reject without {sorted(verdict.reduce)}: {again.kind} {again.notes}"
            )
        else:
            verdict.notes.append(
                f"{label}: the SDK rejects {sorted(again.sdk_fields)} too (it checks in another order)"
            )
            verdict.deviations |= again.deviations
            verdict.both_reject = True
    elif again.kind == "identical" and not both_reject:
        verdict.problem(f"{label}, the SDK and we both accept the spec")
    else:
        verdict.notes.append(f"{label}: {again.kind}")
        verdict.deviations |= again.deviations
        verdict.both_reject = both_reject


def _overlap(fields: set[str], pointers: set[str]) -> bool:
    return any(p == f or p.startswith(f + "/") or f.startswith(p + "/") for f in fields for p in pointers)


def without(spec: dict[str, Any], pointers: set[str]) -> dict[str, Any]:
    """A copy of spec with the values at pointers removed (longest first, so parents go last)."""
    out = copy.deepcopy(spec)
    for pointer in sorted(pointers, key=len, reverse=True):
        tokens = ptr.split(pointer)
        if tokens[:1] == ["input_data"] and len(tokens) > 2:
            tokens = tokens[:2]  # a channel without one of its fields is another error: drop the channel
        parent: Any = out
        for token in tokens[:-1]:
            parent = parent.get(token) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            parent.pop(tokens[-1], None)
    return out
