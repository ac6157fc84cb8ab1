"""Where a compile's time goes: each stage of the pipeline timed alone, over a tree of specs.

Runs in one process, without workers or output files: reading (loader.load), the spec
schema check, the request build (with and without the entry-point check, whose share is
the difference), the request check and canonical JSON. Wall time is the best of --repeat
passes; for figures that do not move with the machine's load, run it under
`valgrind --tool=callgrind` with `--upto K` (stages 1..K only) and subtract the totals.

    .venv/bin/python bench/stages.py TREE            # TREE: a folder made by bench/generate.py
    .venv/bin/python bench/stages.py TREE --upto 3   # stop after the build without entry checks
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STAGES = ["load", "spec schema", "build, no entry-point check", "build", "request check", "canonical JSON"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tree", type=Path, help="a tree from bench/generate.py (the folder holding specs/)")
    parser.add_argument("--repeat", type=int, default=5, help="passes per stage; the best is shown")
    parser.add_argument("--upto", type=int, default=len(STAGES), help="run stages 1..K only")
    args = parser.parse_args()
    os.chdir(args.tree)

    from braket_jobspec import canonical
    from braket_jobspec import load as loader
    from braket_jobspec.check.request import validate_request
    from braket_jobspec.check.spec import validate_spec
    from braket_jobspec.compile import Settings
    from braket_jobspec.compile.outputs import discover
    from braket_jobspec.compile.project import Project
    from braket_jobspec.sdk import entrypoint
    from braket_jobspec.sdk.builder import BuildOptions, build_request
    from braket_jobspec.sdk.workspace import Memo

    targets = discover([Path("specs")])
    place = Project(Settings())._place(targets[0].spec.parent)
    assert place.ctx is not None and place.root is not None, "the tree's jobspec.toml must give a context"
    raws = [(t.spec, t.spec.read_bytes(), loader.format_of(t.spec.name)) for t in targets]
    spec_dirs = [Memo().resolve(spec.parent) for spec, _, _ in raws]
    state: dict[str, Any] = {}

    def load() -> None:
        state["docs"] = [loader.load(raw, str(spec), fmt)[0] for spec, raw, fmt in raws]

    def check_spec() -> None:
        for doc in state["docs"]:
            validate_spec(doc)

    def build(check_entry: bool) -> Callable[[], None]:
        def run() -> None:
            real = entrypoint.check
            if not check_entry:
                entrypoint.check = lambda *_: None
            try:
                options = BuildOptions(place.root, False, Memo())
                state["compiled"] = [
                    build_request(doc, folder, place.ctx, options)[0]
                    for doc, folder in zip(state["docs"], spec_dirs, strict=True)
                ]
            finally:
                entrypoint.check = real

        return run

    def check_request() -> None:
        for doc, compiled in zip(state["docs"], state["compiled"], strict=True):
            validate_request(doc, compiled)

    def write_json() -> None:
        for compiled in state["compiled"]:
            canonical.canonical_json(compiled.request)
            canonical.canonical_json(compiled.manifest)

    steps = [load, check_spec, build(False), build(True), check_request, write_json]
    print(f"{len(raws)} specs; best of {args.repeat} passes, one process")
    for name, step in list(zip(STAGES, steps, strict=True))[: args.upto]:
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            step()
            best = min(best, time.perf_counter() - start)
        print(f"{name:<30} {best * 1000:8.1f} ms  {best / len(raws) * 1e6:7.0f} us/spec")
    return 0


if __name__ == "__main__":
    sys.exit(main())
