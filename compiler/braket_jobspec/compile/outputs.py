"""Which files are specs, where their outputs go, writing them without tearing, and outputs that drifted."""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from braket_jobspec import files
from braket_jobspec.compile import Result, Writer, output_files
from braket_jobspec.config import CONFIG_NAME, find_config, read_config
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.load import format_of
from braket_jobspec.sdk.archive import inside

_NOT_SPECS = {CONFIG_NAME, "pyproject.toml", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml"}
_SKIP_DIRS = {"__pycache__", "node_modules", ".venv", "venv", "build", "dist"}


class Target(NamedTuple):  # not a frozen dataclass: see diagnostics.Diagnostic
    """A spec and the stem of its outputs, relative to the output folder (e.g. `sub/x`)."""

    spec: Path
    stem: str


def output_folders(targets: Sequence[Target], out_dir: Path) -> list[Path]:
    """Each target's output folder: out_dir, or the folder under it that mirrors the spec's.

    One Path per folder, not three per spec: this runs before the workers start, where
    the time is spent on one core while the other waits.
    """
    made: dict[str, Path] = {}
    folders = []
    for target in targets:
        sub = target.stem.rpartition("/")[0]
        folder = made.get(sub)
        if folder is None:
            folder = made[sub] = out_dir / sub if sub else out_dir
        folders.append(folder)
    return folders


class DiscoveryError(Exception):
    """Paths that name no specs, or specs whose outputs would collide."""


def discover(paths: Sequence[Path]) -> list[Target]:
    """Spec files of the given files and folders; a folder's sub-folders are mirrored."""
    targets: list[Target] = []
    reals: list[str | None] = []  # known from the walk: no realpath (a dozen system calls) per spec
    for given in paths:
        if given.is_dir():
            for spec, rel, real in _walk(given, _config_excludes(given)):
                targets.append(Target(Path(spec), rel.rsplit(".", 1)[0]))
                reals.append(real)
        elif given.exists():  # a file; one that is not regular (a FIFO) is refused when read (E105)
            if format_of(given.name) is None:
                mode = given.stat().st_mode
                if not stat.S_ISREG(mode):
                    raise DiscoveryError(f"{given.as_posix()}: not a regular file: {files.kind(mode)}")
                raise DiscoveryError(f"{given.as_posix()}: not a spec file (expected .yaml, .yml or .toml)")
            targets.append(Target(given, given.name.rsplit(".", 1)[0]))
            reals.append(None)
        else:
            raise DiscoveryError(f"{given.as_posix()}: no such file or folder")
    seen: dict[str, Path] = {}
    files_seen: set[str] = set()
    unique = []
    for target, known in zip(targets, reals, strict=True):
        real = known or os.path.realpath(target.spec)
        if real in files_seen and seen.get(target.stem) is not None:
            continue  # the same spec named twice (or a file and its folder): compiled once
        files_seen.add(real)
        unique.append(target)
        if target.stem in seen:
            raise DiscoveryError(
                f"{seen[target.stem].as_posix()} and {target.spec.as_posix()} would both write "
                f"{target.stem}.json: rename one of them"
            )
        seen[target.stem] = target.spec
    return unique


def _config_excludes(folder: Path) -> list[str]:
    """The project config's exclude globs, as absolute POSIX patterns."""
    config = find_config(folder.resolve())
    if config is None:
        return []
    parsed, _ = read_config(config, config.as_posix())
    return [(config.parent / pattern).as_posix() for pattern in parsed.exclude]


def _walk(folder: Path, excludes: list[str]) -> Iterator[tuple[str, str, str]]:
    """(path, path from folder in POSIX form, real path) of each spec file, in os.walk's order
    (a folder's files, then its sub-folders, sorted), not entering symlinked folders (os.walk's
    default)."""
    excluded = _excluder(tuple(excludes))

    def walk(here: str, real: str, prefix: str) -> Iterator[tuple[str, str, str]]:
        with os.scandir(here) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        folders = []
        for entry in entries:
            name = entry.name
            if name.startswith((".", "_")):  # _name: bases and other partial specs (docs/gitops.md)
                continue
            if entry.is_dir():
                if not entry.is_symlink() and name not in _SKIP_DIRS:
                    folders.append(entry)
            elif name not in _NOT_SPECS and format_of(name) is not None:
                # Excludes match where files really are.
                where = os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real, name)
                if not excluded(where):
                    yield entry.path, prefix + name, where
        for entry in folders:
            if not os.path.exists(os.path.join(entry.path, "__init__.py")):  # a Python package: source, not specs
                inside = os.path.join(real, entry.name)
                if not excluded(inside):
                    yield from walk(entry.path, inside, f"{prefix}{entry.name}/")

    yield from walk(str(folder), str(folder.resolve()), "")


@functools.lru_cache(maxsize=8)
def _excluder(patterns: tuple[str, ...]) -> Callable[[str], bool]:
    """Whether a real path is excluded: it or a folder above it matches a pattern (POSIX)."""
    if not patterns:
        return lambda path: False
    import re

    either = [fnmatch.translate(p) for p in patterns] + [fnmatch.translate(p.rstrip("/") + "/*") for p in patterns]
    match = re.compile("|".join(either)).match
    if os.sep == "/":
        return lambda path: match(path) is not None
    return lambda path: match(path.replace(os.sep, "/")) is not None


def write_pair(request_path: str, request: str, manifest_path: str, manifest: str) -> int:
    """Write a request and its manifest both or neither; how many changed (0 when both were current).

    Each is written under a temporary name of this process beside its target, then renamed
    into place (atomic for readers; like git and make we do not fsync, which would cost more
    than the compile of a tree). When the second rename fails, the first file gets its
    previous content back: a request never stands beside another request's manifest.
    """
    staged: list[tuple[str, str, bytes | None]] = []  # (temporary, target, previous bytes)
    try:
        for target, text in ((request_path, request), (manifest_path, manifest)):
            data = text.encode("utf-8")
            try:
                previous: bytes | None = files.read(target)
            except OSError:
                previous = None
            if previous != data:
                staged.append((_stage(target, data), target, previous))
    except BaseException:
        _discard(staged)
        raise
    done: list[tuple[str, str, bytes | None]] = []
    try:
        for entry in staged:
            os.replace(entry[0], entry[1])
            done.append(entry)
    except BaseException:
        _discard([e for e in staged if e not in done])
        for _, target, previous in done:  # roll back what was already renamed
            if previous is None:
                os.unlink(target)
            else:
                os.replace(_stage(target, previous), target)
        raise
    return len(staged)


def _stage(target: str, data: bytes) -> str:
    """data in a new temporary file beside target (0666 less the umask, as any new file); its name."""
    folder, name = os.path.split(target)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(tmp, flags, 0o666)
    except FileNotFoundError:  # the first output of its folder
        os.makedirs(folder or ".", exist_ok=True)
        fd = os.open(tmp, flags, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    os.close(fd)
    return tmp


def _discard(staged: list[tuple[str, str, bytes | None]]) -> None:
    for tmp, _, _ in staged:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def existing_outputs(out_dir: Path, given: Sequence[Path]) -> list[str]:
    """The output files a run over folders answers for: every .json under out_dir (POSIX paths).

    A run over single spec files answers only for their own outputs, so it finds no extra ones.
    """
    if not any(g.is_dir() for g in given) or not out_dir.is_dir():
        return []
    found = []
    for folder, _, names in os.walk(out_dir):
        posix = folder.replace(os.sep, "/")
        found += [f"{posix}/{name}" for name in names if name.endswith(".json")]
    return found


def _fed_back(result: Result, folder: Path) -> str | None:
    """What the output folder lies in, when that is the spec's source tree or one of its input folders."""
    compiled, root = result.compiled, result.root
    if compiled is None or root is None:
        return None  # from the cache: a compile that wrote before has been checked
    out = os.path.realpath(folder)
    source = compiled.manifest.get("source") or {}
    if source.get("kind") == "local":
        tree = os.path.realpath(root / source["path"])
        if inside(out, tree):
            return f"the source tree {source['path']}"
    for read in compiled.reads:  # the folders an input channel was read from are among them
        path = os.fspath(read)
        if inside(out, path) and os.path.isdir(path):
            return f"the input folder {Path(os.path.relpath(path, root)).as_posix()}"
    return None


def writer(targets: Sequence[Target], out_dir: Path) -> Writer:
    """Writes an ok result's request and manifest (atomically, only when they changed)."""
    places: dict[Path, tuple[Path, str, str]] = {}  # spec: its output folder, request and manifest
    for target, folder in zip(targets, output_folders(targets, out_dir), strict=True):
        places[target.spec] = (folder, *output_files(folder, target.spec.name))

    def write(result: Result) -> int:
        if not result.ok:
            return 0  # a spec with errors keeps its previous outputs
        if result.stored is not None and result.stored.on_disk:
            return 0  # a cache hit: its outputs were just read from these files
        folder, request_path, manifest_path = places[result.spec]
        feeds = _fed_back(result, folder)
        if feeds is not None:
            result.diagnostics.append(
                Diagnostic(
                    result.display,
                    0,
                    0,
                    "E808",
                    f"the output folder {Path(folder).as_posix()}/ is inside {feeds}: its outputs would change "
                    "what they are compiled from at every compile",
                    hint="write the outputs elsewhere (-o), or move the data out of the way",
                )
            )
            return 0
        try:
            return write_pair(request_path, result.request_json(), manifest_path, result.manifest_json(folder))
        except OSError as exc:
            failed = manifest_path if os.path.basename(manifest_path) in str(exc.filename) else request_path
            result.diagnostics.append(
                Diagnostic(
                    Path(failed).as_posix(),
                    0,
                    0,
                    "E807",
                    f"cannot write the outputs of {result.display}: {exc.strerror or exc}",
                    hint="choose an output folder (-o) that can be written, and that no file stands in the way of",
                )
            )
            return 0

    return write


def find_drift(
    targets: Sequence[Target],
    results: Sequence[Result],
    out_dir: Path,
    given: Sequence[Path],
    environments: Sequence[str] = (),
) -> list[Diagnostic]:
    """Outputs that are missing, stale or extra compared with what the specs compile to.

    Files under out_dir/<env>/ of the given environments belong to `--env` builds: not extra.
    """
    expected: dict[str, str | None] = {}  # by POSIX path; None: a cache hit read it as it should be
    failed: set[str] = set()
    base = out_dir.as_posix()
    # A manifest locates the project root from its folder.
    for target, result, folder in zip(targets, results, output_folders(targets, out_dir), strict=True):
        request, manifest = f"{base}/{target.stem}.json", f"{base}/{target.stem}.manifest.json"
        if result.ok and result.stored is not None and result.stored.on_disk:
            expected[request] = expected[manifest] = None
        elif result.ok:
            expected[request] = result.request_json()
            expected[manifest] = result.manifest_json(folder)
        else:
            failed.update((request, manifest))
    hint = "run `jobspec compile` and commit the result"
    out: list[Diagnostic] = []
    for shown, text in expected.items():
        if text is None:
            continue
        try:
            current = files.read(shown)
        except FileNotFoundError:
            out.append(
                Diagnostic(shown, 0, 0, "E801", "missing: its spec compiles to a file that is not there", hint=hint)
            )
            continue
        except OSError as exc:
            out.append(Diagnostic(shown, 0, 0, "E801", f"unreadable: {exc}", hint=hint))
            continue
        if current != text.encode("utf-8"):
            out.append(
                Diagnostic(
                    shown,
                    _first_difference(current.decode("utf-8", "replace"), text),
                    1,
                    "E802",
                    "stale: differs from what its spec compiles to",
                    hint=hint,
                )
            )
    written = {t.stem.split("/", 1)[0] for t in targets if "/" in t.stem}
    others = tuple(f"{base}/{name}/" for name in environments if name not in written)
    for shown in existing_outputs(out_dir, given):
        if shown not in expected and shown not in failed and not shown.startswith(others):
            out.append(
                Diagnostic(
                    shown,
                    0,
                    0,
                    "E803",
                    "extra: no spec compiles to this file",
                    hint="delete it, or restore the spec it came from",
                )
            )
    # Missing and stale outputs, then extra ones, each in path order (by folder, then name).
    return sorted(out, key=lambda d: (d.code == "E803", Path(d.file).parts))


def _first_difference(a: str, b: str) -> int:
    for number, (x, y) in enumerate(zip(a.splitlines(), b.splitlines(), strict=False), 1):
        if x != y:
            return number
    return min(a.count("\n"), b.count("\n")) + 1
