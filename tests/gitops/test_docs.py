"""Every code the GitOps modules emit has a section in docs/diagnostics.md."""

from __future__ import annotations

import re

from .support import REPO_ROOT

SOURCES = ["bases.py", "cache.py", "diff.py", "explain.py", "importer.py", "skeleton.py", "spectext.py"]
COMMANDS = ["diff.py", "explain.py", "importjob.py", "init.py"]


def test_each_code_has_a_section() -> None:
    package = REPO_ROOT / "compiler" / "braket_jobspec"
    files = [package / name for name in SOURCES] + [package / "commands" / name for name in COMMANDS]
    emitted = set(re.findall(r'"([EW]\d{3})"', "".join(f.read_text("utf-8") for f in files)))
    page = (REPO_ROOT / "docs" / "diagnostics.md").read_text("utf-8")
    documented = set(re.findall(r"^#{2,3} ([EW]\d{3})$", page, re.M))
    assert {"E150", "E151", "E152", "W157", "E804", "W805", "E806"} <= emitted
    assert emitted <= documented
