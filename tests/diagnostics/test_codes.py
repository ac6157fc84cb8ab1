"""The catalogue of codes (diagnostics/codes.py) against the source and docs/diagnostics.md.

One test over the one list: every code the package emits is in the catalogue, every
catalogue code is emitted somewhere, and each has a section of the diagnostics page
with a bad and a fixed example.
"""

from __future__ import annotations

import re
from pathlib import Path

from braket_jobspec.diagnostics.codes import CODES

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "compiler" / "braket_jobspec"
CODE = re.compile(r"[\"']([EW]\d{3})[\"']")


def emitted() -> dict[str, list[str]]:
    """Each code quoted in the package's source (the catalogue aside), with the files that quote it."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "codes.py":
            continue
        for code in set(CODE.findall(path.read_text("utf-8"))):
            found.setdefault(code, []).append(path.relative_to(PACKAGE).as_posix())
    return found


def doc_sections() -> dict[str, str]:
    """Each `### CODE` section of docs/diagnostics.md, by code."""
    page = (REPO / "docs" / "diagnostics.md").read_text("utf-8")
    parts = re.split(r"^(#{2,3} .*)$", page, flags=re.M)
    sections: dict[str, str] = {}
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        m = re.fullmatch(r"#{2,3} ([EW]\d{3})", heading.strip())
        if m:
            assert m.group(1) not in sections, f"{m.group(1)} is documented twice"
            sections[m.group(1)] = body
    return sections


def test_the_catalogue_the_source_and_the_docs_name_the_same_codes() -> None:
    source = emitted()
    sections = doc_sections()
    assert len(CODES) >= 100
    assert not sorted(set(source) - set(CODES)), "emitted but not in diagnostics/codes.py"
    assert not sorted(set(CODES) - set(source)), "in diagnostics/codes.py but emitted nowhere"
    assert not sorted(set(CODES) - set(sections)), "without a section in docs/diagnostics.md"
    assert not sorted(set(sections) - set(CODES)), "documented but not in diagnostics/codes.py"
    for code, entry in CODES.items():
        assert entry.code == code and entry.title and entry.title == entry.title.strip(), code
        assert entry.severity == ("warning" if code[0] == "W" else "error")
        words = sections[code].lower()
        assert "bad" in words and "fixed" in words, f"{code}: the section needs a bad and a fixed example"
