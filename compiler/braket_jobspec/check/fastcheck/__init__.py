"""Generated validators for the common case: a spec or request that is valid.

jsonschema builds every error with its path and context, which is what diagnostics
need, and costs 1 to 3 ms per document. The modules here are fastjsonschema's code for
the same two schemas, generated once by tools/generate_fastcheck.py (and checked for
drift by tests/check/test_fastcheck.py): a valid document passes in under 0.1 ms, without
importing jsonschema at all. Only a document they refuse goes through jsonschema.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

MODULES = {"jobspec.schema.json": "_spec", "createjob-request.schema.json": "_request"}


class Patterns(dict[str, re.Pattern[str]]):
    """The generated code's REGEX_PATTERNS: each compiled when a document first reaches it.

    A pattern costs up to a millisecond to compile, and a spec uses few of them.
    """

    def __init__(self, sources: dict[str, str]) -> None:
        super().__init__()
        self.sources = sources  # the schema's pattern -> the Python pattern fastjsonschema made of it

    def __missing__(self, pattern: str) -> re.Pattern[str]:
        compiled = self[pattern] = re.compile(self.sources[pattern])
        return compiled


class Decimal:
    """Stands for decimal.Decimal, which the generated code accepts as a number.

    The documents checked here are loaded from YAML or TOML, or built from them, and hold
    int and float, never a Decimal: no value is an instance of this class, and the decimal
    module (2 to 3 ms to import) is not loaded for nothing.
    """


class JsonSchemaValueException(ValueError):
    """What a generated validator raises: the first rule broken, and where (`data.a[0].b`)."""

    def __init__(
        self, message: str, value: Any = None, name: str | None = None, definition: Any = None, rule: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.value = value
        self.name = name
        self.definition = definition
        self.rule = rule

    @property
    def path(self) -> list[str]:
        return [part for part in re.split(r"[.\[\]]+", self.name or "") if part][1:]


class JsonSchemaValuesException(ValueError):
    """Raised by generated code in collect-all mode, which we do not generate; kept for its import."""


def validator(schema_name: str) -> Callable[[Any], Any]:
    module = importlib.import_module(f"{__name__}.{MODULES[schema_name]}")
    check: Callable[[Any], Any] = module.validate
    return check


def first_error(schema_name: str, instance: Any) -> JsonSchemaValueException | None:
    """None when instance is valid, else the first error the generated validator finds."""
    try:
        validator(schema_name)(instance)
    except JsonSchemaValueException as error:
        return error
    return None
