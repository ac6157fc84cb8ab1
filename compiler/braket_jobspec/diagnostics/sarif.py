"""SARIF 2.1.0, for code scanning (GitHub's upload-sarif and other viewers).

One run, one rule per code that occurs (with its title and a link to its section of
docs/diagnostics.md, both from diagnostics.codes), one result per diagnostic. File names are relative URIs, as
code scanning resolves them against the repository; columns count characters.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from braket_jobspec import __version__
from braket_jobspec.diagnostics import Diagnostic
from braket_jobspec.diagnostics.codes import CODES, DOCS_URI

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def artifact_uri(file: str) -> str:
    """A file name as a URI reference: POSIX separators, unsafe characters percent-encoded."""
    return quote(file.replace("\\", "/"), safe="/:@!$&'()*+,;=-._~")


def render_sarif(diagnostics: Sequence[Diagnostic]) -> str:
    codes = sorted({d.code for d in diagnostics})
    results = []
    for d in diagnostics:
        location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(d.file)}}}
        if d.line:
            region: dict[str, Any] = {"startLine": d.line, "startColumn": max(d.col, 1)}
            if d.end_line >= d.line and d.end_col:
                region |= {"endLine": d.end_line, "endColumn": max(d.end_col, 1)}
            location["physicalLocation"]["region"] = region
        text = d.message + (f" (hint: {d.hint})" if d.hint else "")
        result: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": codes.index(d.code),
            "level": d.severity,
            "message": {"text": text},
            "locations": [location],
        }
        if d.pointer:
            result["properties"] = {"jsonPointer": d.pointer}
        results.append(result)
    rules = [
        {"id": code, "helpUri": CODES[code].help_uri, "shortDescription": {"text": CODES[code].title}} for code in codes
    ]
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "jobspec",
                        "informationUri": DOCS_URI,
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
