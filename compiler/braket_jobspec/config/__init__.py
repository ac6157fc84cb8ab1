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
# Formats of the context values (compiled by re when first used, not at every start), in ASCII:
# Python's \d also takes other scripts' digits, which the service refuses.
STAMP = r"^[A-Za-z0-9]{1,32}$"
ACCOUNT = r"^[0-9]{12}$"
REGION = r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$"
PARTITIONS = ("aws", "aws-cn", "aws-us-gov")
ROLE_NAME = r"[A-Za-z0-9_+=,.@/-]+"
BUCKET_WORDS = (
    "a bucket name is 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit"
)
BUCKET_EXAMPLE = "amazon-braket-us-west-2-123456789012"
# S3's reserved bucket name prefixes and suffixes (the suffixes name access point aliases).
_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3")
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


def bucket_flaw(name: str, start: int = 0) -> tuple[int, int, str] | None:
    """Where an S3 bucket name breaks S3's naming rules: (offset, length, why), or None.

    start is the name's offset in the value it was taken from (positions in the reason count from there).
    The spec schema states the same rules as a pattern (schema/jobspec.schema.json, the s3:// locations).
    """
    bad = re.search(r"[^a-z0-9.-]", name)
    if bad is not None:
        char, at = bad.group(0), bad.start()
        shown = repr(char) if char.isprintable() and char != " " else f"U+{ord(char):04X}"
        why = " (bucket names are lower-case)" if char.isupper() else ""
        return start + at, 1, f"{shown} at position {start + at + 1} is not allowed in a bucket name{why}"
    if len(name) < 3:
        return start, len(name), f"the bucket name {name!r} is {len(name)} characters long, under the minimum of 3"
    if len(name) > 63:
        return start + 63, len(name) - 63, f"the bucket name is {len(name)} characters long, over the maximum of 63"
    for at, what in ((0, "starts"), (len(name) - 1, "ends")):
        if name[at] in ".-":
            return start + at, 1, f"a bucket name {what} with a letter or digit, not {name[at]!r}"
    if ".." in name:
        return start + name.index(".."), 2, "a bucket name has no two dots in a row"
    if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,3}){3}", name):
        return start, len(name), "a bucket name is not an IP address"
    for prefix in _BUCKET_PREFIXES:
        if name.startswith(prefix):
            return start, len(prefix), f"the prefix {prefix!r} is reserved by S3"
    for suffix in _BUCKET_SUFFIXES:
        if name.endswith(suffix):
            at = len(name) - len(suffix)
            return start + at, len(suffix), f"the suffix {suffix!r} is reserved by S3 for access point aliases"
    return None


def _role_arn_problem(value: str) -> str | None:
    """Why value is not an IAM role ARN of a known partition (check/formats.py places the same in a spec)."""
    parts = value.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return "expected an ARN: arn:<partition>:iam::<12-digit account>:role/<name>"
    if parts[1] not in PARTITIONS:
        return f"the partition is {parts[1]!r}; expected aws (or aws-cn, aws-us-gov)"
    if parts[2] != "iam":
        return f"the service is {parts[2]!r}; expected iam"
    if parts[3]:
        return f"IAM ARNs have no region, found {parts[3]!r}"
    if not re.fullmatch(r"[0-9]{12}", parts[4]):
        return f"the account is {parts[4]!r}; expected 12 digits 0-9"
    if not parts[5].startswith("role/") or not re.fullmatch(ROLE_NAME, parts[5][5:]):
        return f"the resource is {parts[5][:40]!r}; expected role/<name>"
    return None


def check_context(ctx: Context, origin: str, regions: Callable[[], Sequence[str]]) -> list[Diagnostic]:
    """Formats of the context values; origin names where they came from (a flag or a file).

    regions gives the known region names, for a did-you-mean (asked only for a bad region).
    """
    diags = []

    def bad(field: str, value: str, rule: str, hint: str) -> None:
        diags.append(Diagnostic(origin, 0, 0, "E303", f"{field} {value!r} is not valid: {rule}", hint=hint))

    for field in _FIELDS:
        value = getattr(ctx, field)
        if value is not None and value != value.strip():
            bad(
                field,
                value,
                "it has spaces or line breaks around it",
                f"write it without them: {value.strip()!r}" if value.strip() else f"give a {field}, or leave it out",
            )
        elif value is not None:
            _check_value(field, value, bad, regions)
    return diags


def _check_value(
    field: str, value: str, bad: Callable[[str, str, str, str], None], regions: Callable[[], Sequence[str]]
) -> None:
    if field == "region" and not re.fullmatch(REGION, value):
        from braket_jobspec.diagnostics.words import did_you_mean

        known = regions()
        hint = did_you_mean(value, known) or f"Braket job regions: {', '.join(known)}"
        bad("region", value, "expected an AWS region such as us-west-2", hint)
    elif field == "account_id" and not re.fullmatch(ACCOUNT, value):
        rule = "expected 12 ASCII digits (0-9), not another script's" if value.isdigit() else "expected 12 digits"
        bad("account_id", value, rule, "e.g. 123456789012 (leading zeros included)")
    elif field == "default_bucket":
        flaw = bucket_flaw(value)
        if flaw is not None:
            name = value.removeprefix("s3://").split("/", 1)[0]
            if "/" in value:
                rule, hint = (
                    "a bucket name has no '/'",
                    f"give the bucket's name only ({name}); a spec sets its S3 prefixes with code_location, "
                    "output_data_config.s3Path and checkpoint_config.s3Uri",
                )
            else:
                rule, hint = flaw[2], f"{BUCKET_WORDS}, e.g. {BUCKET_EXAMPLE}"
            bad("default_bucket", value, rule, hint)
    elif field == "default_role_arn":
        problem = _role_arn_problem(value)
        if problem is not None:
            bad(
                "default_role_arn",
                value,
                problem,
                "e.g. arn:aws:iam::123456789012:role/service-role/AmazonBraketJobsExecutionRole",
            )
    elif field == "stamp" and not re.fullmatch(STAMP, value):
        bad(
            "stamp",
            value,
            "expected 1 to 32 letters and digits, such as a millisecond timestamp",
            "e.g. 1700000000000, or leave it out to derive the stamp from the content",
        )


# Far beyond any project config; a bound on what a hostile one can cost.
MAX_CONFIG_BYTES = 1 << 20


def read_config(path: Path, file: str) -> tuple[ProjectConfig, list[Diagnostic]]:
    """The project config at path, parsed; a file that cannot be read or decoded is an E301, not an error raised."""
    from braket_jobspec import files
    from braket_jobspec.load.text import line_col

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
        line, col = line_col(raw, exc.start)
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
