"""Compile helpers for tests that look at the request itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from braket_jobspec.compile import Result, compile_spec
from braket_jobspec.config import Context
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.sdk.builder import BuildOptions

CTX = Context(region="us-west-2", account_id="123456789012", stamp="1700000000000")


def compile_file(spec: Path, ctx: Context = CTX, root: Path | None = None) -> Result:
    return compile_spec(spec, spec.name, ctx, BuildOptions(root or spec.parent))


def request_of(spec: Path, ctx: Context = CTX) -> dict[str, Any]:
    result = compile_file(spec, ctx)
    assert result.ok, "\n".join(map(str, result.diagnostics))
    assert result.compiled is not None
    request: dict[str, Any] = json.loads(result.request_json())
    return request


def errors_of(spec: Path, ctx: Context = CTX) -> list[Diagnostic]:
    result = compile_file(spec, ctx)
    assert not result.ok, "expected the spec to fail"
    return [d for d in result.diagnostics if d.is_error]
