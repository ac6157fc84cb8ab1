"""What the SDK takes from the AWS session and the clock, made explicit.

The values come from flags, over a named environment of the project config
(`jobspec.toml` at the repository root). Nothing here reads the environment
variables, the clock or the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from braket_jobspec import pointer as ptr
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.load.bases import EnvironmentLayers, Layer
from braket_jobspec.pointer import SourceMap

CONFIG_NAME = "jobspec.toml"
# Formats of the context values (compiled by re when first used, not at every start).
STAMP = r"^[A-Za-z0-9]{1,32}$"
ACCOUNT = r"^\d{12}$"
REGION = r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$"
_FIELDS = ("region", "account_id", "default_bucket", "default_role_arn", "stamp")
# An environment's name is a folder's (build/<name>/): a plain name, never a path.
ENV_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


class Context(NamedTuple):
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


class ProjectConfig(NamedTuple):  # not a frozen dataclass: see diagnostics.Diagnostic
    """The parsed project config: named environments and the default one."""

    path: Path | None
    environments: dict[str, Context]
    default_environment: str | None
    exclude: tuple[str, ...] = ()  # globs, relative to the config's folder, that are not specs
    layers: Mapping[str, EnvironmentLayers] = MappingProxyType({})  # read-only: one default for all

    @property
    def root(self) -> Path | None:
        return self.path.parent if self.path else None


def find_config(start: Path) -> Path | None:
    """The nearest jobspec.toml in start or its parents (start is a folder)."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.exists() and not candidate.is_dir():  # not only a regular one: read_config says what is wrong
            return candidate
    return None


def parse_config(text: str, file: str, path: Path | None) -> tuple[ProjectConfig, list[Diagnostic]]:
    """Parse a project config; unknown keys and bad values are diagnostics."""
    import tomli

    from braket_jobspec.load import locate_toml

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
    layers: dict[str, EnvironmentLayers] = {}
    raw_envs = data.get("environments", {})
    if not isinstance(raw_envs, dict):
        error("/environments", "environments must be a table of [environments.<name>] tables")
        raw_envs = {}
    folded: dict[str, str] = {}  # each name in lower case: build/<name>/ on a case-insensitive disk
    for name, values in raw_envs.items():
        base = ptr.join("/environments", name)
        if not ENV_NAME.fullmatch(name) or name in (".", ".."):
            error(
                base,
                f"environment name {name!r} is not a plain name",
                "use letters, digits, '.', '_' and '-' (not '.' or '..'): it names the folder build/<name>/",
            )
            continue
        if name.lower() in folded:
            error(
                base,
                f"environment {name!r} differs from {folded[name.lower()]!r} only in case",
                "they would write the same folder on a case-insensitive disk: rename one",
            )
            continue
        folded[name.lower()] = name
        if not isinstance(values, dict):
            error(base, f"environment {name!r} must be a table")
            continue
        fields: dict[str, Any] = {}
        for key, value in values.items():
            if key in _LAYER_KEYS:
                continue
            if key not in _FIELDS:
                error(
                    f"{base}/{key}",
                    f"unknown key {key!r} in environment {name!r}",
                    "expected region, account_id, default_bucket, default_role_arn, stamp, [tags], [overrides]",
                )
            elif not isinstance(value, str):
                error(f"{base}/{key}", f"{key} must be a string")
            else:
                fields[key] = value
        envs[name] = Context(**fields, environment=name)
        layers[name] = _layers(name, values, base, smap, file, path, error)
    default = data.get("default_environment")
    if default is not None and default not in envs:
        error(
            "/default_environment",
            f"default_environment {default!r} is not an environment of this file",
            f"define [environments.{default}]",
        )
        default = None
    return ProjectConfig(path, envs, default, tuple(exclude), layers), diags


_LAYER_KEYS = ("tags", "overrides")


def _layers(
    name: str,
    values: dict[str, Any],
    base: str,
    smap: SourceMap,
    file: str,
    path: Path | None,
    error: Callable[[str, str, str], None],
) -> EnvironmentLayers:
    """An environment's [tags] (defaults under the spec) and [overrides] (over it), as spec layers."""
    folder = path.parent if path else None
    defaults = overrides = None
    tags = values.get("tags")
    if tags is not None:
        if not isinstance(tags, dict):
            error(f"{base}/tags", f"tags of environment {name!r} must be a table of strings", "")
        else:
            good = {}
            for key, value in tags.items():
                if isinstance(value, str):
                    good[key] = value
                else:
                    error(ptr.join(base, "tags", key), f"tag {key!r} must be a string", "quote it")
            data = {"tags": good}
            defaults = Layer(
                f"environment {name} (default tags)", data, _reroot(smap, f"{base}/tags", "/tags", file), file, folder
            )
    raw = values.get("overrides")
    if raw is not None:
        if not isinstance(raw, dict):
            error(f"{base}/overrides", f"overrides of environment {name!r} must be a table of spec fields", "")
        else:
            for key in ("extends", "unset"):
                if key in raw:
                    error(
                        ptr.join(base, "overrides", key),
                        f"{key!r} is not allowed in overrides",
                        "an environment's overrides are plain spec fields; put extends and unset in the spec",
                    )
            data = {k: v for k, v in raw.items() if k not in ("extends", "unset")}
            overrides = Layer(
                f"environment {name} (overrides)", data, _reroot(smap, f"{base}/overrides", "", file), file, folder
            )
    return EnvironmentLayers(defaults, overrides)


def _reroot(smap: SourceMap, old: str, new: str, file: str) -> SourceMap:
    """The spans under pointer old, moved under pointer new and marked as coming from file."""
    out = SourceMap()
    for source, target in ((smap.values, out.values), (smap.keys, out.keys)):
        for pointer, span in source.items():
            if pointer == old or pointer.startswith(old + "/"):
                target[new + pointer[len(old) :]] = span._replace(file=file)
    return out


def check_context(ctx: Context, origin: str, regions: Callable[[], Sequence[str]]) -> list[Diagnostic]:
    """Formats of the context values; origin names where they came from (a flag or a file).

    regions gives the known region names, for a did-you-mean (asked only for a bad region).
    """
    diags = []

    def bad(field: str, value: str, rule: str, hint: str) -> None:
        diags.append(Diagnostic(origin, 0, 0, "E303", f"{field} {value!r} is not valid: {rule}", hint=hint))

    if ctx.region is not None and not re.match(REGION, ctx.region):
        from braket_jobspec.diagnostics.words import did_you_mean

        known = regions()
        hint = did_you_mean(ctx.region, known) or f"Braket job regions: {', '.join(known)}"
        bad("region", ctx.region, "expected an AWS region such as us-west-2", hint)
    if ctx.account_id is not None and not re.match(ACCOUNT, ctx.account_id):
        bad("account_id", ctx.account_id, "expected 12 digits", "e.g. 123456789012 (leading zeros included)")
    if ctx.stamp is not None and not re.match(STAMP, ctx.stamp):
        bad(
            "stamp",
            ctx.stamp,
            "expected 1 to 32 letters and digits, such as a millisecond timestamp",
            "e.g. 1700000000000, or leave it out to derive the stamp from the content",
        )
    return diags


# Far beyond any project config; a bound on what a hostile one can cost.
MAX_CONFIG_BYTES = 1 << 20


def read_config(path: Path, file: str) -> tuple[ProjectConfig, list[Diagnostic]]:
    """The project config at path, parsed; a file that cannot be read or decoded is an E301, not an error raised."""
    from braket_jobspec import files

    empty = ProjectConfig(path, {}, None)
    try:
        raw = files.read(path, MAX_CONFIG_BYTES)
    except files.TooLarge as big:
        return empty, [Diagnostic(file, 0, 0, "E301", f"the project config is {big.size} bytes, over {big.limit}")]
    except OSError as exc:
        return empty, [Diagnostic(file, 0, 0, "E301", f"cannot read the project config: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return empty, [
            Diagnostic(
                file,
                line,
                col,
                "E301",
                f"the project config is not UTF-8: byte 0x{raw[exc.start]:02x}",
                hint="TOML files are UTF-8 text; re-save jobspec.toml as UTF-8",
            )
        ]
    return parse_config(text, file, path)
