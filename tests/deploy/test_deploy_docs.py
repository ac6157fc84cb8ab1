"""Every E6xx code the deployer can emit is in the table of docs/deploying.md (test_codes.py: diagnostics.md)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "compiler" / "braket_jobspec"
SOURCES = [PACKAGE / "artifact.py", *sorted((PACKAGE / "deploy").glob("*.py"))]


def emitted() -> set[str]:
    text = "".join(path.read_text("utf-8") for path in SOURCES)
    return set(re.findall(r'"(E6\d\d)"', text))


def test_each_deploy_code_is_in_the_table_of_the_deploying_guide() -> None:
    guide = (REPO / "docs" / "deploying.md").read_text("utf-8")
    listed = set(re.findall(r"E6\d\d", guide))
    assert len(emitted()) >= 20
    assert emitted() <= listed
