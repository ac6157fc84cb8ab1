"""Every E7xx/W7xx code that `jobspec run` can emit is documented in docs/diagnostics.md and docs/local-run.md."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "compiler" / "braket_jobspec"
SOURCES = [
    "run.py",
    "local_job.py",
    "local_layout.py",
    "local_process.py",
    "local_runner.py",
    "local_s3.py",
    "local_venv.py",
]


def emitted() -> set[str]:
    text = "".join((PACKAGE / name).read_text("utf-8") for name in SOURCES)
    return set(re.findall(r'"([EW]7\d\d)"', text))


def test_each_local_run_code_has_a_section_in_the_diagnostics_page() -> None:
    page = (REPO / "docs" / "diagnostics.md").read_text("utf-8")
    section = page[page.index("## Local run (E7xx)") :]
    documented = set(re.findall(r"^#{2,3} ([EW]7\d\d)$", section, re.M))
    assert len(emitted()) >= 12
    assert emitted() <= documented


def test_each_local_run_code_is_in_the_table_of_the_guide() -> None:
    guide = (REPO / "docs" / "local-run.md").read_text("utf-8")
    listed = set(re.findall(r"^\| ([EW]7\d\d) \|", guide, re.M))
    assert emitted() == listed
