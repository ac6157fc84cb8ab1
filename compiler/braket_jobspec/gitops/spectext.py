"""Spec data written out as YAML or TOML text, for `jobspec import` and `jobspec init`.

The output is meant to be read and edited by people: block style, keys in the order given,
strings quoted only when a plain scalar could be read as something else, and a header of
comments (the editor's schema modeline first). Loading the text gives back the same data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

# A plain YAML scalar that stays a string: starts with a letter or `/`, has no spaces and
# no character YAML gives a meaning to; the words YAML 1.1 or 1.2 read as booleans or null
# are quoted as well.
_PLAIN = re.compile(r"[A-Za-z/][A-Za-z0-9_./:@+=-]*\Z")  # \Z, not $: "a\n" is not plain
_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")
_TOML_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")


# Characters a YAML or a TOML file may not hold as they are, or reads as line breaks
# (JSON escapes those below 0x20).
_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def _quoted(text: str) -> str:
    """A double-quoted string, valid in YAML and in TOML: JSON's escapes, and \\uXXXX for the rest."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(text, ensure_ascii=False))


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _WORDS and not text.endswith(":"):
        return text
    return _quoted(text)


def _yaml_key(key: str) -> str:
    return key if _KEY.match(key) and key.lower() not in _WORDS else _quoted(key)


def _yaml_lines(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{_yaml_key(key)}:")
                lines += _yaml_lines(item, indent + 1)
            else:
                lines.append(f"{pad}{_yaml_key(key)}: {_yaml_inline(item)}")
    else:
        for item in value:
            if isinstance(item, (dict, list)) and item:
                nested = _yaml_lines(item, indent + 1)
                lines.append(f"{pad}- {nested[0].lstrip()}")
                lines += nested[1:]
            else:
                lines.append(f"{pad}- {_yaml_inline(item)}")
    return lines


def _yaml_inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _yaml_scalar(value)


def _header(fmt: str, schema: str | None, comments: Sequence[str]) -> list[str]:
    lines = [modeline(fmt, schema)] if schema else []
    return lines + [f"# {line}".rstrip() for line in comments]


def render_yaml(data: dict[str, Any], schema: str | None = None, comments: Sequence[str] = ()) -> str:
    """YAML 1.2 block text of data, after the schema modeline and comment lines."""
    return "\n".join([*_header("yaml", schema, comments), *_yaml_lines(data, 0)]) + "\n"


def _toml_key(key: str) -> str:
    return key if _TOML_KEY.match(key) else _quoted(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # JSON's string escapes are all valid in a TOML basic string.
    return _quoted(str(value))


def render_toml(data: dict[str, Any], schema: str | None = None, comments: Sequence[str] = ()) -> str:
    """TOML text of data: scalars and lists first, then one [table] per map (deeper maps inline)."""
    lines = _header("toml", schema, comments)
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    for key, value in data.items():
        if key not in tables:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, table in tables.items():
        lines += ["", f"[{_toml_key(key)}]"]
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def render(data: dict[str, Any], fmt: str, schema: str | None = None, comments: Sequence[str] = ()) -> str:
    return render_toml(data, schema, comments) if fmt == "toml" else render_yaml(data, schema, comments)


def modeline(fmt: str, schema: str) -> str:
    """The first line that points an editor at the schema (yaml-language-server, or Taplo/Even Better TOML)."""
    return f"#:schema {schema}" if fmt == "toml" else f"# yaml-language-server: $schema={schema}"
