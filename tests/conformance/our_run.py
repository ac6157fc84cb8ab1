"""Run our compiler on a case, with the same context the SDK's session and clock give."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from braket_jobspec.compile import Result, compile_spec
from braket_jobspec.config import Context as OurContext
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.sdk.builder import BuildOptions

from .case import Case


@dataclasses.dataclass
class OurRun:
    result: Result
    root: Path
    request: dict[str, Any] = dataclasses.field(default_factory=dict)  # empty when we reject the spec
    manifest: dict[str, Any] = dataclasses.field(default_factory=dict)
    archive: bytes | None = None  # the source archive's bytes, for a local source

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.result.diagnostics if d.is_error]


def run_ours(case: Case, root: Path, spec: Path) -> OurRun:
    ctx = case.context
    context = OurContext(
        region=ctx.region,
        account_id=ctx.account_id,
        default_bucket=ctx.default_bucket,
        default_role_arn=ctx.default_role_arn,
        stamp=ctx.stamp,
    )
    result = compile_spec(spec, spec.relative_to(root).as_posix(), context, BuildOptions(root.resolve()))
    compiled = result.compiled if result.ok else None
    if compiled is None:
        return OurRun(result, root.resolve())
    data = compiled.archive.pack() if compiled.archive is not None else None
    return OurRun(result, root.resolve(), compiled.request, compiled.manifest, data)


def run_ours_cli(case: Case, root: Path, spec: Path) -> OurRun:
    """The same compile through `jobspec compile` with context flags; the archive rebuilt from the manifest."""
    import contextlib
    import io
    import json

    from braket_jobspec.cli import main
    from braket_jobspec.sdk import archive

    # An empty project config at the case root: the nearest one wins, so no jobspec.toml
    # further up (in a shared temp folder, say) can add an environment.
    (root / "jobspec.toml").write_text("", "utf-8")
    ctx = case.context
    flags = ["--region", ctx.region, "--account-id", ctx.account_id]
    for flag, value in (
        ("--default-bucket", ctx.default_bucket),
        ("--default-role-arn", ctx.default_role_arn),
        ("--stamp", ctx.stamp),
    ):
        if value is not None:
            flags += [flag, value]
    out = root.parent / "out"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = main(["compile", str(spec), "-o", str(out), *flags])
    assert code == 0, f"jobspec compile exited {code}: {stderr.getvalue()}"
    request = json.loads((out / f"{spec.stem}.json").read_text("utf-8"))
    manifest = json.loads((out / f"{spec.stem}.manifest.json").read_text("utf-8"))
    project = (out / manifest["root"]).resolve()
    data = None
    source = manifest["source"]
    if source["kind"] == "local":
        patterns = source["excludes"][len(archive.DEFAULT_EXCLUDES) :]
        tree = archive.scan(project / source["path"], patterns)
        assert not tree.differences(source["members"]), "the tree's members are not the ones the manifest lists"
        data = tree.pack()
    result = Result(spec, spec.name, [])
    return OurRun(result, project, request, manifest, data)
