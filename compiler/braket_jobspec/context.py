"""What the SDK takes from the AWS session and the clock, made explicit.

The values come from flags, over a named environment of the project config
(`jobspec.toml` at the repository root). Nothing here reads the environment
variables, the clock or the network.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic

CONFIG_NAME = "jobspec.toml"
STAMP = re.compile(r"^[A-Za-z0-9]{1,32}$")
ACCOUNT = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
_FIELDS = ("region", "account_id", "default_bucket", "default_role_arn", "stamp")


@dataclasses.dataclass(frozen=True)
class Context:
    """The session and clock values one compile runs with (None: not given)."""

    region: str | None = None
    account_id: str | None = None
    default_bucket: str | None = None
    default_role_arn: str | None = None
    stamp: str | None = None
    environment: str | None = None

    def over(self, base: Context) -> Context:
        """This context's values where set, else base's."""
        merged = {
            f: getattr(self, f) if getattr(self, f) is not None else getattr(base, f) for f in (*_FIELDS, "environment")
        }
        return Context(**merged)


@dataclasses.dataclass(frozen=True)
class ProjectConfig:
    """The parsed project config: named environments and the default one."""

    path: Path | None
    environments: dict[str, Context]
    default_environment: str | None
    exclude: tuple[str, ...] = ()  # globs, relative to the config's folder, that are not specs

    @property
    def root(self) -> Path | None:
        return self.path.parent if self.path else None


def find_config(start: Path) -> Path | None:
    """The nearest jobspec.toml in start or its parents (start is a folder)."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def parse_config(text: str, file: str, path: Path | None) -> tuple[ProjectConfig, list[Diagnostic]]:
    """Parse a project config; unknown keys and bad values are diagnostics."""
    import tomli

    from .loader import locate_toml

    empty = ProjectConfig(path, {}, None)
    try:
        data = tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        return empty, [Diagnostic(file, exc.lineno, exc.colno, "E301", f"invalid TOML: {exc.msg}")]
    smap = locate_toml(text)
    diags: list[Diagnostic] = []

    def error(pointer: str, message: str, hint: str = "") -> None:
        span = smap.key(pointer)
        diags.append(
            Diagnostic(file, span.line if span else 0, span.col if span else 0, "E302", message, pointer, hint=hint)
        )

    for key in data:
        if key not in ("default_environment", "environments", "exclude"):
            error(
                f"/{key}",
                f"unknown key {key!r} in the project config",
                "expected default_environment, exclude and [environments.<name>] tables",
            )
    exclude = data.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(e, str) for e in exclude):
        error("/exclude", "exclude must be a list of glob patterns")
        exclude = []
    envs: dict[str, Context] = {}
    raw_envs = data.get("environments", {})
    if not isinstance(raw_envs, dict):
        error("/environments", "environments must be a table of [environments.<name>] tables")
        raw_envs = {}
    for name, values in raw_envs.items():
        base = f"/environments/{name}"
        if not isinstance(values, dict):
            error(base, f"environment {name!r} must be a table")
            continue
        fields: dict[str, Any] = {}
        for key, value in values.items():
            if key not in _FIELDS:
                error(
                    f"{base}/{key}",
                    f"unknown key {key!r} in environment {name!r}",
                    "expected region, account_id, default_bucket, default_role_arn, stamp",
                )
            elif not isinstance(value, str):
                error(f"{base}/{key}", f"{key} must be a string")
            else:
                fields[key] = value
        envs[name] = Context(**fields, environment=name)
    default = data.get("default_environment")
    if default is not None and default not in envs:
        error(
            "/default_environment",
            f"default_environment {default!r} is not an environment of this file",
            f"define [environments.{default}]",
        )
        default = None
    return ProjectConfig(path, envs, default, tuple(exclude)), diags


def check_context(ctx: Context, origin: str) -> list[Diagnostic]:
    """Formats of the context values; origin names where they came from (a flag or a file)."""
    diags = []

    def bad(field: str, value: str, rule: str, hint: str) -> None:
        diags.append(Diagnostic(origin, 0, 0, "E303", f"{field} {value!r} is not valid: {rule}", hint=hint))

    if ctx.region is not None and not REGION.match(ctx.region):
        from .images import regions
        from .suggest import did_you_mean

        hint = did_you_mean(ctx.region, regions()) or f"Braket job regions: {', '.join(regions())}"
        bad("region", ctx.region, "expected an AWS region such as us-west-2", hint)
    if ctx.account_id is not None and not ACCOUNT.match(ctx.account_id):
        bad("account_id", ctx.account_id, "expected 12 digits", "e.g. 123456789012 (leading zeros included)")
    if ctx.stamp is not None and not STAMP.match(ctx.stamp):
        bad(
            "stamp",
            ctx.stamp,
            "expected 1 to 32 letters and digits, such as a millisecond timestamp",
            "e.g. 1700000000000, or leave it out to derive the stamp from the content",
        )
    return diags
