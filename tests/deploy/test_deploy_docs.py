"""Every E6xx code the deployer can emit is documented in docs/diagnostics.md and docs/deploying.md."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["deploy.py", "deploy_artifact.py", "deploy_aws.py", "deploy_s3.py", "deploy_watch.py"]


def emitted() -> set[str]:
    package = REPO / "compiler" / "braket_jobspec"
    text = "".join((package / name).read_text("utf-8") for name in SOURCES)
    return set(re.findall(r'"(E6\d\d)"', text))


def test_each_deploy_code_has_a_section_in_the_diagnostics_page() -> None:
    page = (REPO / "docs" / "diagnostics.md").read_text("utf-8")
    documented = set(re.findall(r"^#{2,3} (E6\d\d)$", page, re.M))
    assert len(emitted()) >= 20
    assert emitted() <= documented


def test_each_deploy_code_is_in_the_table_of_the_deploying_guide() -> None:
    guide = (REPO / "docs" / "deploying.md").read_text("utf-8")
    listed = set(re.findall(r"E6\d\d", guide))
    assert emitted() <= listed
