"""One conformance case: a spec, the files around it, and the session/clock context.

The spec is kept as the Python values a user would pass to the SDK; it is written as
YAML for our compiler (so the loader is part of what is compared) and handed, translated
into SDK objects, to prepare_quantum_job.
"""

from __future__ import annotations

import dataclasses
import io
import os
from pathlib import Path, PurePosixPath
from typing import Any

ACCOUNT = "123456789012"
STAMP = "1700000000000"


@dataclasses.dataclass(frozen=True)
class Link:
    """A symlink in a case tree, pointing at target (as written, relative to the link's folder)."""

    target: str


class Folder:
    """An empty folder in a case tree."""


FOLDER = Folder()
Entry = str | bytes | Link | Folder


@dataclasses.dataclass(frozen=True)
class Context:
    region: str = "us-west-2"
    account_id: str = ACCOUNT
    default_bucket: str | None = None
    default_role_arn: str | None = None
    stamp: str | None = STAMP  # None: our stamp is derived from content, the SDK's from the clock


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    spec: dict[str, Any]
    files: dict[str, Entry] = dataclasses.field(default_factory=dict)
    context: Context = Context()
    spec_path: str = "job.yaml"  # relative to the case root, which is our compiler's repository root
    yaml_text: str | None = None  # the spec file verbatim, when the YAML form itself is under test
    deviations: frozenset[str] = frozenset()  # documented deviations this case must hit, no more, no less
    sdk_error: str | None = None  # a piece of the SDK's error message this case must provoke
    sdk_cwd: str | None = None  # where the SDK runs, relative to the root (default: the spec's folder)
    bytecode: bool = False  # let the SDK's entry-point import write __pycache__ into the source
    compare_metadata: bool = False  # also compare tar member metadata and the gzip header
    compare_client_token: bool = False  # also compare clientToken

    @property
    def spec_dir(self) -> str:
        return str(PurePosixPath(self.spec_path).parent)


ROOT = "{root}"  # in a spec string: the case root's absolute path, known only once the case is on disk


def concretize(case: Case, root: Path) -> Case:
    """The case with every {root} in its spec (and YAML text) replaced by root."""

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(ROOT, root.as_posix())
        if isinstance(value, dict):
            return {fill(k): fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value

    yaml_text = fill(case.yaml_text) if case.yaml_text is not None else None
    return dataclasses.replace(case, spec=fill(case.spec), yaml_text=yaml_text)


def write_tree(root: Path, files: dict[str, Entry]) -> None:
    """Write files (paths relative to root; `../x` lands beside the root, outside the repository)."""
    root.mkdir(parents=True, exist_ok=True)
    links = []
    for rel, entry in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(entry, Folder):
            path.mkdir(parents=True, exist_ok=True)
        elif isinstance(entry, Link):
            links.append((path, entry.target))
        elif isinstance(entry, bytes):
            path.write_bytes(entry)
        else:
            path.write_text(entry, "utf-8")
    for path, target in links:  # after the files, so a link never stands where a file goes
        os.symlink(target, path)


def yaml_of(spec: dict[str, Any]) -> str:
    """Block-style YAML 1.2 of plain data, without anchors (our loader refuses them)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.representer.ignore_aliases = lambda *_: True
    yaml.representer.sort_base_mapping_type_on_output = False  # channel order is request order
    out = io.StringIO()
    yaml.dump(spec, out)
    return out.getvalue()


def materialize(case: Case, root: Path) -> Path:
    """Write the case's files and spec under root; return the spec file."""
    write_tree(root, case.files)
    spec = root / case.spec_path
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(case.yaml_text if case.yaml_text is not None else yaml_of(case.spec), "utf-8")
    return spec
