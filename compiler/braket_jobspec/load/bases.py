"""A spec's bases (`extends`) and its environment's layers, deep-merged into one document.

Layers, lowest first: the environment's default tags, the bases (the furthest first), the
spec itself, the environment's overrides. Maps merge key by key; lists and scalars
replace. A file's `unset` removes values from everything merged below it. The merged
document keeps, for every value, the position in the file it came from, so a diagnostic
about a value set in a base is reported in that base.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from braket_jobspec import pointer as ptr
from braket_jobspec.diagnostics import Diagnostic, Severity
from braket_jobspec.load import Document, format_of, load, read
from braket_jobspec.pointer import SourceMap, Span

EXTENDS, UNSET = "extends", "unset"
MAX_CHAIN = 16
SPEC_LABEL = "spec"


class Layer(NamedTuple):  # not a frozen dataclass: see diagnostics.Diagnostic
    """Spec fields an environment adds: its default tags (under the spec) or its overrides (over it)."""

    label: str  # how explain names it, e.g. "environment prod (overrides)"
    data: dict[str, Any]
    source_map: SourceMap  # pointers of data; spans name the config file
    file: str = ""  # the config file, as diagnostics name it
    folder: Path | None = None  # relative paths in data are relative to it (the config's folder)


class EnvironmentLayers(NamedTuple):
    """An environment's spec layers; either may be None."""

    defaults: Layer | None = None
    overrides: Layer | None = None


class Merged(Document):
    """A spec merged with its layers: provenance names the layer of each value not set by the spec.

    Every other field of the spec's document (its text, what the loader dropped) is kept.
    """

    def __init__(
        self,
        spec: Document,
        data: dict[str, Any],
        source_map: SourceMap,
        number_texts: dict[str, str],
        provenance: dict[str, str],
        files: tuple[Path, ...] = (),
    ) -> None:
        super().__init__(spec.file, spec.format, data, source_map, number_texts, spec.text, spec.dropped)
        self.provenance = provenance
        self.files = files  # the base files read, for the incremental cache


class _Piece(NamedTuple):  # not a dataclass: see diagnostics.Diagnostic
    """One layer: its data (extends and unset removed), where its values stand, and its own unset."""

    label: str
    data: dict[str, Any]
    source_map: SourceMap
    number_texts: dict[str, str]
    unset: list[tuple[str, str]]  # (pointer, the pointer of the unset entry in this layer)
    file: str  # display name ("" for the spec itself)


def has_layers(doc: Document, env: EnvironmentLayers | None) -> bool:
    return EXTENDS in doc.data or UNSET in doc.data or (env is not None and (env.defaults or env.overrides) is not None)


def resolve(
    doc: Document,
    spec: Path,
    env: EnvironmentLayers | None,
    root: Path,
    allow_outside_root: bool = False,
    max_bytes: int = 1 << 20,
) -> tuple[Document | None, list[Diagnostic]]:
    """The spec merged with its bases and environment layers (doc itself when it has none)."""
    if not has_layers(doc, env):
        return doc, []
    chain = _Chain(doc, spec.resolve(), root.resolve(), allow_outside_root, max_bytes)
    pieces = chain.collect()
    if chain.failed:
        return None, chain.diags
    spec_dir = spec.resolve().parent
    layers: list[_Piece] = []
    if env is not None and env.defaults is not None:
        layers.append(_env_piece(env.defaults, spec_dir))
    layers += pieces
    if env is not None and env.overrides is not None:
        layers.append(_env_piece(env.overrides, spec_dir))
    return _fold(layers, doc, chain.diags, tuple(chain.files)), chain.diags


# --------------------------------------------------------------------------- reading the chain


class _Chain:
    """Loads the spec's extends chain, base by base, refusing cycles and files outside the root."""

    def __init__(self, doc: Document, spec: Path, root: Path, allow_outside_root: bool, max_bytes: int) -> None:
        self.doc = doc
        self.spec = spec
        self.root = root
        self.allow_outside_root = allow_outside_root
        self.max_bytes = max_bytes
        self.diags: list[Diagnostic] = []
        self.failed = False
        self.files: list[Path] = []

    def error(
        self, doc: Document, pointer: str, code: str, message: str, hint: str = "", severity: Severity = "error"
    ) -> None:
        self.diags.append(doc.diagnostic(pointer, code, message, hint, severity=severity))
        if severity != "warning":
            self.failed = True

    def collect(self) -> list[_Piece]:
        """The spec and its bases as pieces, the furthest base first."""
        pieces: list[_Piece] = []
        doc: Document | None = self.doc
        path = self.spec
        seen = [path]
        label = SPEC_LABEL
        while doc is not None:
            pieces.append(self.piece(doc, path, label))
            target = doc.data.get(EXTENDS)
            if target is None:
                break
            doc, path = self.next_base(doc, path, target, seen)
            if doc is not None:
                seen.append(path)
                label = f"base {doc.file}"
        return pieces[::-1]

    def next_base(self, doc: Document, path: Path, target: Any, seen: list[Path]) -> tuple[Document | None, Path]:
        if not isinstance(target, str) or not target:
            self.error(doc, "/extends", "E150", "extends must be a path to a base file", "e.g. extends: _base.yaml")
            return None, path
        if format_of(target) is None:
            self.error(doc, "/extends", "E153", f"base {target!r} is not a spec file", "name it .yaml, .yml or .toml")
            return None, path
        base = Path(target) if Path(target).is_absolute() else path.parent / target
        try:
            resolved = base.resolve(strict=True)
        except (OSError, RuntimeError):
            self.error(
                doc,
                "/extends",
                "E151",
                f"base {target!r} not found",
                f"extends is relative to the folder of the file that declares it ({_shown(path.parent)})",
            )
            return None, path
        if not self.allow_outside_root and not (resolved == self.root or self.root in resolved.parents):
            self.error(
                doc,
                "/extends",
                "E154",
                f"base {target!r} is outside the repository ({resolved})",
                "keep bases in the repository, or pass --allow-outside-root",
            )
            return None, path
        if resolved in seen:
            names = " -> ".join(_shown(p) for p in [*seen, resolved])
            self.error(doc, "/extends", "E152", f"extends makes a cycle: {names}", "a base cannot extend itself")
            return None, path
        if len(seen) > MAX_CHAIN:
            self.error(doc, "/extends", "E155", f"extends chain is longer than {MAX_CHAIN} files")
            return None, path
        display = _display_of(doc.file, target)
        try:
            raw, size = read(resolved, self.max_bytes)
        except OSError as exc:
            self.error(doc, "/extends", "E151", f"cannot read base {target!r}: {exc.strerror or exc}")
            return None, path
        self.files.append(resolved)
        fmt = format_of(resolved.name)
        assert fmt is not None
        loaded, diags = load(raw, display, fmt, self.max_bytes, size)
        self.diags += diags
        if loaded is None:
            self.failed = True
            return None, resolved
        return loaded, resolved

    def piece(self, doc: Document, path: Path, label: str) -> _Piece:
        data = {k: v for k, v in doc.data.items() if k not in (EXTENDS, UNSET)}
        unset = self.unset_entries(doc)
        file = "" if label == SPEC_LABEL else doc.file
        smap = doc.source_map if not file else _marked(doc.source_map, file)
        if file:
            data = _rebase_paths(data, path.parent, self.spec.parent)
        return _Piece(label, data, smap, dict(doc.number_texts), unset, file)

    def unset_entries(self, doc: Document) -> list[tuple[str, str]]:
        raw = doc.data.get(UNSET)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.error(
                doc,
                "/unset",
                "E156",
                "unset must be a list of JSON pointers or dotted paths",
                'e.g. unset: ["/tags/owner", "reservation_arn"]',
            )
            return []
        out = []
        for index, entry in enumerate(raw):
            where = ptr.join("/unset", index)
            if not isinstance(entry, str) or not entry.strip("/."):
                self.error(
                    doc,
                    where,
                    "E156",
                    "each unset entry is a JSON pointer or a dotted path",
                    "e.g. /tags/owner or tags.owner",
                )
                continue
            out.append((to_pointer(entry), where))
        return out


def to_pointer(entry: str) -> str:
    """A JSON pointer for an unset entry: `/a/b` as it is, `a.b` as /a/b."""
    if entry.startswith("/"):
        return entry
    return ptr.from_path(entry.split("."))


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _display_of(referrer: str, target: str) -> str:
    """How a base is named in diagnostics: its path beside the file that names it, as given."""
    if os.path.isabs(target):
        return Path(target).as_posix()
    return Path(os.path.normpath(os.path.join(os.path.dirname(referrer), target))).as_posix()


def _marked(smap: SourceMap, file: str) -> SourceMap:
    return SourceMap(
        {p: s._replace(file=file) for p, s in smap.values.items()},
        {p: s._replace(file=file) for p, s in smap.keys.items()},
    )


def _env_piece(layer: Layer, spec_dir: Path) -> _Piece:
    data = dict(layer.data)
    if layer.folder is not None:
        data = _rebase_paths(data, layer.folder.resolve(), spec_dir)
    return _Piece(layer.label, data, layer.source_map, {}, [], layer.file)


def _rebase_paths(data: dict[str, Any], folder: Path, spec_dir: Path) -> dict[str, Any]:
    """Local paths of a layer, made relative to the spec's folder (they are written relative to the layer's)."""

    def rebase(value: Any) -> Any:
        if not isinstance(value, str) or "://" in value or not value or os.path.isabs(value):
            return value
        return Path(os.path.relpath(folder / value, spec_dir)).as_posix()

    out = dict(data)
    if "source_module" in out:
        out["source_module"] = rebase(out["source_module"])
    inputs = out.get("input_data")
    if isinstance(inputs, str):
        out["input_data"] = rebase(inputs)
    elif isinstance(inputs, dict):
        out["input_data"] = {k: rebase(v) for k, v in inputs.items()}
    return out


# --------------------------------------------------------------------------- merging


def merge(lower: Any, upper: Any) -> Any:
    """Deep merge: maps merge key by key, anything else in upper replaces lower."""
    if isinstance(lower, dict) and isinstance(upper, dict):
        out = dict(lower)
        for key, value in upper.items():
            out[key] = merge(lower[key], value) if key in lower else value
        return out
    return upper


def remove(data: dict[str, Any], pointer: str) -> bool:
    """Delete the value at pointer from data in place; False when there is none."""
    tokens = ptr.split(pointer)
    if not tokens:
        return False
    node: Any = data
    for token in tokens[:-1]:
        node = _child(node, token)
        if node is None:
            return False
    last = tokens[-1]
    if isinstance(node, dict) and last in node:
        del node[last]
        return True
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        del node[int(last)]
        return True
    return False


def _child(node: Any, token: str) -> Any:
    if isinstance(node, dict):
        return node.get(token)
    if isinstance(node, list) and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    return None


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _pointers(value: Any, here: str = "") -> set[str]:
    out = {here}
    if isinstance(value, dict):
        for key, child in value.items():
            out |= _pointers(child, ptr.join(here, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out |= _pointers(child, ptr.join(here, index))
    return out


def _fold(layers: list[_Piece], doc: Document, diags: list[Diagnostic], files: tuple[Path, ...]) -> Merged:
    data: dict[str, Any] = {}
    for layer in layers:
        for pointer, where in layer.unset:
            if not remove(data, pointer):
                at = layer.source_map.value(where)
                diags.append(
                    Diagnostic(
                        layer.file or doc.file,
                        at.line if at else 0,
                        at.col if at else 0,
                        "W157",
                        f"unset {pointer}: nothing below this file sets it",
                        where,
                        "warning",
                        "check the path against the bases; JSON pointers look like /tags/owner",
                    )
                )
        data = merge(data, _copy(layer.data))
    spec_layer = next(layer for layer in layers if layer.label == SPEC_LABEL)
    present = [(layer, _pointers(layer.data)) for layer in layers]
    spec_pointers = next(p for layer, p in present if layer is spec_layer)
    smap = SourceMap()
    numbers: dict[str, str] = {}
    provenance: dict[str, str] = {}
    for pointer in _pointers(data):
        if pointer == "" or (pointer in spec_pointers and isinstance(_get(data, pointer), dict)):
            source = spec_layer
        else:
            source = next(layer for layer, ps in reversed(present) if pointer in ps)
        for table, target in ((source.source_map.values, smap.values), (source.source_map.keys, smap.keys)):
            span: Span | None = table.get(pointer)
            if span is not None:
                target[pointer] = span
        if pointer in source.number_texts:
            numbers[pointer] = source.number_texts[pointer]
        if source is not spec_layer:
            provenance[pointer] = source.label
    return Merged(doc, data, smap, numbers, provenance, files)


def _get(data: Any, pointer: str) -> Any:
    node = data
    for token in ptr.split(pointer):
        node = _child(node, token)
    return node


def relocate(diagnostics: list[Diagnostic], doc: Document) -> list[Diagnostic]:
    """Diagnostics placed at a value that came from another file, moved to that file."""
    out = []
    for d in diagnostics:
        if d.file == doc.file and d.line:
            for span in (doc.source_map.keys.get(d.pointer), doc.source_map.value(d.pointer)):
                if span is not None and span.file and (span.line, span.col) == (d.line, d.col):
                    d = d._replace(file=span.file)
                    break
        out.append(d)
    return out
