"""One spec file through the stages: load, validate, build the request, check it, emit.

The stages are pure but for reading the spec's own source tree and input files; the
project around a spec (its config, root and context) is resolved by a Project, once.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

from .archive import Archive
from .context import Context, ProjectConfig, check_context, find_config, parse_config
from .diagnostics import Diagnostic, has_errors
from .loader import DEFAULT_MAX_BYTES, format_of, load
from .request import Compiled, Options, build_request, canonical_json
from .validate import validate_request, validate_spec


@dataclasses.dataclass(frozen=True)
class Settings:
    """What the command line decides for every spec of a run."""

    flags: Context = dataclasses.field(default_factory=Context)
    environment: str | None = None
    allow_outside_root: bool = False
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclasses.dataclass
class Result:
    """The outcome of compiling one spec file."""

    spec: Path
    display: str
    diagnostics: list[Diagnostic]
    compiled: Compiled | None = None
    root: Path | None = None

    @property
    def ok(self) -> bool:
        return self.compiled is not None and not has_errors(self.diagnostics)

    def request_json(self) -> str:
        assert self.compiled is not None
        return canonical_json(self.compiled.request)

    def manifest_json(self, out_dir: Path) -> str:
        """The manifest; its paths are relative to the project root, which it locates from out_dir."""
        assert self.compiled is not None and self.root is not None
        manifest: dict[str, Any] = {"root": _relative(self.root, out_dir), **self.compiled.manifest}
        return canonical_json(manifest)


def _relative(target: Path, start: Path) -> str:
    import os

    return Path(os.path.relpath(target.resolve(), start.resolve())).as_posix()


class Project:
    """Resolves each spec's config, root and context; caches configs by folder."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.archives: dict[tuple[Path, tuple[str, ...]], Archive] = {}

    @functools.cache  # noqa: B019 - a Project lives for one command run
    def config_for(self, folder: Path) -> tuple[ProjectConfig, list[Diagnostic]]:
        path = find_config(folder)
        if path is None:
            return ProjectConfig(None, {}, None), []
        return parse_config(path.read_text("utf-8"), _display(path), path)

    def root_for(self, spec: Path, config: ProjectConfig) -> Path:
        if config.root is not None:
            return config.root
        for folder in spec.parent.resolve().parents:
            if (folder / ".git").exists():
                return folder
        return spec.parent.resolve()

    def context_for(self, config: ProjectConfig) -> tuple[Context, list[Diagnostic]]:
        flags = self.settings.flags
        name = self.settings.environment or config.default_environment
        where = _display(config.path) if config.path else "command line"
        if name is None:
            ctx = flags
        elif name in config.environments:
            ctx = flags.over(config.environments[name])
        else:
            known = ", ".join(sorted(config.environments)) or "none defined"
            return flags, [
                Diagnostic(
                    where, 0, 0, "E307", f"no environment {name!r} in the project config", hint=f"environments: {known}"
                )
            ]
        return ctx, check_context(ctx, where)

    def compile(self, spec: Path) -> Result:
        display = _display(spec)
        config, diags = self.config_for(spec.parent.resolve())
        if has_errors(diags):
            return Result(spec, display, diags)
        ctx, more = self.context_for(config)
        diags = diags + more
        if has_errors(diags):
            return Result(spec, display, diags)
        root = self.root_for(spec, config)
        return compile_spec(
            spec,
            display,
            ctx,
            Options(root, self.settings.allow_outside_root, self.archives),
            self.settings.max_bytes,
            diags,
        )


def _display(path: Path) -> str:
    """How a file is named in diagnostics: as given, POSIX style."""
    return path.as_posix()


def compile_spec(
    spec: Path,
    display: str,
    ctx: Context,
    options: Options,
    max_bytes: int = DEFAULT_MAX_BYTES,
    diags: list[Diagnostic] | None = None,
) -> Result:
    """Run every stage on one spec file; stop between stages once there are errors."""
    diags = list(diags or [])
    fmt = format_of(spec.name)
    if fmt is None:
        diags.append(Diagnostic(display, 0, 0, "E104", "unknown spec format", hint="name it .yaml, .yml or .toml"))
        return Result(spec, display, diags)
    try:
        raw = spec.read_bytes()
    except OSError as exc:
        diags.append(Diagnostic(display, 0, 0, "E105", f"cannot read the spec: {exc.strerror or exc}"))
        return Result(spec, display, diags)
    doc, more = load(raw, display, fmt, max_bytes)
    diags += more
    if doc is None:
        return Result(spec, display, diags)
    diags += validate_spec(doc)
    if has_errors(diags):
        return Result(spec, display, diags)
    compiled, more = build_request(doc, spec.parent.resolve(), ctx, options)
    diags += more
    if compiled is None or has_errors(diags):
        return Result(spec, display, diags)
    diags += validate_request(doc, compiled)
    return Result(spec, display, diags, compiled, options.root)
