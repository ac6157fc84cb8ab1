"""SARIF 2.1.0, for code scanning."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from . import __version__
from .diagnostics import Diagnostic

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/braket-jobspec/braket-jobspec/blob/main/docs/diagnostics.md"


def render_sarif(diagnostics: Sequence[Diagnostic]) -> str:
    codes = sorted({d.code for d in diagnostics})
    results = []
    for d in diagnostics:
        region: dict[str, Any] = {}
        if d.line:
            region = {"startLine": d.line, "startColumn": d.col}
            if d.end_line:
                region |= {"endLine": d.end_line, "endColumn": d.end_col}
        location: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": d.file}}}
        if region:
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
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "jobspec",
                        "informationUri": INFO_URI,
                        "version": __version__,
                        "rules": [{"id": c, "helpUri": f"{INFO_URI}#{c.lower()}"} for c in codes],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
