"""Diagnostics out: text for people, JSON for tools, workflow commands for GitHub, SARIF.

Every format carries the same fields; docs/diagnostics.md describes each one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

from braket_jobspec.diagnostics import Diagnostic

JSON_VERSION = 1

_COLORS = {"error": "\033[31m", "warning": "\033[33m", "hint": "\033[2m", "reset": "\033[0m", "bold": "\033[1m"}


def use_color(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Color only for a terminal, and never when NO_COLOR is set (https://no-color.org) or TERM=dumb."""
    env = os.environ if environ is None else environ
    if "NO_COLOR" in env or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def write(diagnostics: Sequence[Diagnostic], fmt: str, stream: TextIO, color: bool = False) -> None:
    """Diagnostics in one of FORMATS (the --format choices)."""
    stream.write(FORMATS[fmt](diagnostics, color))


def _sarif(diagnostics: Sequence[Diagnostic], color: bool) -> str:
    from braket_jobspec.diagnostics.sarif import render_sarif  # code scanning only: not at start-up

    return render_sarif(diagnostics)


def render_text(d: Diagnostic, color: bool = False) -> str:
    """`file:line:col: CODE message`, then `  hint: ...` (the compiler convention editors can click)."""
    if not color:
        return str(d)
    c = _COLORS
    text = f"{c['bold']}{d.location()}:{c['reset']} {c[d.severity]}{d.code}{c['reset']} {d.message}"
    if d.pointer and not d.line:
        text += f" (at {d.pointer})"
    if d.hint:
        text += f"\n  {c['hint']}hint: {d.hint}{c['reset']}"
    return text


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    """Version 1: {"version", "errors", "warnings", "diagnostics": [every field of each]}; keys sorted."""
    body = {
        "version": JSON_VERSION,
        "errors": sum(d.severity == "error" for d in diagnostics),
        "warnings": sum(d.severity == "warning" for d in diagnostics),
        "diagnostics": [d.as_dict() for d in diagnostics],
    }
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(d: Diagnostic) -> str:
    """A workflow command (::error file=…,line=…::message) that annotates the pull request."""
    props = [f"file={_escape_property(d.file)}"]
    if d.line:
        props.append(f"line={d.line}")
        props.append(f"col={d.col}")
        if d.end_line:
            props += [f"endLine={d.end_line}", f"endColumn={d.end_col}"]
    props.append(f"title={_escape_property(d.code)}")
    message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
    return f"::{d.severity} {','.join(props)}::{_escape_data(message)}"


# Every output format: its name (the --format choice) and how it renders a list of diagnostics.
FORMATS: dict[str, Callable[[Sequence[Diagnostic], bool], str]] = {
    "text": lambda diagnostics, color: "".join(render_text(d, color) + "\n" for d in diagnostics),
    "json": lambda diagnostics, color: render_json(diagnostics),
    "github": lambda diagnostics, color: "".join(render_github(d) + "\n" for d in diagnostics),
    "sarif": _sarif,
}
