"""Helpers shared by the tests of `jobspec run`."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

# As tests/conftest.py's CONTEXT: a fixed stamp keeps job names stable.
CONTEXT = ["--region", "us-west-2", "--account-id", "123456789012", "--stamp", "1700000000000"]


def read_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


@dataclasses.dataclass
class Jobs:
    """Write a job's source and spec into the project, compile it, run it."""

    project: Any  # tests/conftest.py's Project
    cli: Callable[..., Any]  # its in-process `jobspec`, returning a Run (code, out, err)

    @property
    def root(self) -> Path:
        root: Path = self.project.root
        return root

    def source(self, rel: str, text: str) -> Path:
        path: Path = self.project.write(rel, textwrap.dedent(text))
        return path

    def spec(self, text: str, name: str = "job.yaml") -> Path:
        path: Path = self.project.spec(text, name)
        return path

    def compile(self, text: str, name: str = "job.yaml") -> Path:
        """Compile the spec into build/; returns build/<name>.json."""
        spec = self.spec(text, name)
        done = self.cli("compile", str(spec), "-o", str(self.root / "build"), *CONTEXT, cwd=self.root)
        assert done.code == 0, done.err
        return self.root / "build" / (name.rsplit(".", 1)[0] + ".json")

    def run(self, target: Path, *flags: str) -> Any:
        return self.cli("run", str(target), *flags, cwd=self.root)

    def request(self, target: Path) -> dict[str, Any]:
        data: dict[str, Any] = read_json(target)
        return data


# A bare module that records what the job container gave it, into the results folder,
# and leaves a file in the checkpoint folder.
ENV_DUMP = """\
import json, os, sys
from pathlib import Path

def files_under(var):
    top = os.environ.get(var)
    if not top:
        return None
    return sorted(p.relative_to(top).as_posix() for p in Path(top).rglob("*") if p.is_file())

with open(os.environ["AMZN_BRAKET_HP_FILE"]) as f:
    hyperparameters = json.load(f)
record = {
    "env": {k: v for k, v in os.environ.items() if k.startswith("AMZN_BRAKET_") or k == "AWS_DEFAULT_REGION"},
    "name": __name__,
    "cwd": os.getcwd(),
    "code_on_path": sys.path[-1],
    "hyperparameters": hyperparameters,
    "inputs": files_under("AMZN_BRAKET_INPUT_DIR"),
    "checkpoints": files_under("AMZN_BRAKET_CHECKPOINT_DIR"),
}
Path(os.environ["AMZN_BRAKET_CHECKPOINT_DIR"], "step.txt").write_text("3")
with open(Path(os.environ["AMZN_BRAKET_JOB_RESULTS_DIR"]) / "env.json", "w") as f:
    json.dump(record, f)
print("dumped the environment")
"""
