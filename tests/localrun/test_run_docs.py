"""Every E7xx/W7xx code that `jobspec run` can emit is in the table of docs/local-run.md."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "compiler" / "braket_jobspec"
SOURCES = sorted((PACKAGE / "localrun").glob("*.py"))


def emitted() -> set[str]:
    text = "".join(path.read_text("utf-8") for path in SOURCES)
    return set(re.findall(r'"([EW]7\d\d)"', text))


def test_each_local_run_code_is_in_the_table_of_the_guide() -> None:
    guide = (REPO / "docs" / "local-run.md").read_text("utf-8")
    assert len(emitted()) >= 12
    listed = set(re.findall(r"^\| ([EW]7\d\d) \|", guide, re.M))
    assert emitted() == listed
