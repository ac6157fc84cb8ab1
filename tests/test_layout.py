"""The layout of docs/architecture.md: no import cycle, small modules, fields and schema in step.

The layers themselves are import-linter contracts ([tool.importlinter] in pyproject.toml),
run by `make lint`.
"""

from __future__ import annotations

from pathlib import Path

import grimp

from braket_jobspec.schemas import SPEC_SCHEMA, schema
from braket_jobspec.sdk.fields import FIELDS

PACKAGE = Path(__file__).resolve().parents[1] / "compiler" / "braket_jobspec"
GENERATED = {"check/fastcheck/_spec.py", "check/fastcheck/_request.py"}
MAX_LINES = 500


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("braket_jobspec", exclude_type_checking_imports=True)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if graph.chain_exists(importer=imported, imported=module):
                cycles.append(f"{module} -> {imported} -> ... -> {module}")
    assert cycles == []


def test_no_module_of_ours_is_over_500_lines() -> None:
    long = {}
    for path in PACKAGE.rglob("*.py"):
        name = path.relative_to(PACKAGE).as_posix()
        lines = path.read_text("utf-8").count("\n")
        if name not in GENERATED and lines > MAX_LINES:
            long[name] = lines
    assert long == {}


def test_the_fields_are_the_spec_schema_parameters_in_order() -> None:
    keys = [key for key in schema(SPEC_SCHEMA)["properties"] if key not in ("extends", "unset")]
    assert [field.spec for field in FIELDS] == keys
