"""Check an entry point against the archived source, without running any of it.

The SDK checks with importlib.find_spec, which imports parent packages (running user
code) and accepts anything importable on the submitting machine. The job container can
only import what the archive holds, so that is where we look.

The entry module is read by Python's own parser through symtable, which names every
binding of the module's top level (def, class, import, assignment, for, with, match, in
any block) without making the syntax tree: a quarter to a third cheaper than ast, for a
check that nearly every spec makes. Only a refusal reads the tree with ast, for what symtable does
not record (`import *`) and for the hint.
"""

from __future__ import annotations

import ast
import re
import symtable
from collections.abc import Mapping
from typing import NamedTuple

from braket_jobspec import files
from braket_jobspec.sdk.archive import Member

_MODULE_PART = re.compile(r"^[^\s.:]+$")


class Problem(NamedTuple):  # not a frozen dataclass: see diagnostics.Diagnostic
    message: str
    hint: str = ""


def split(entry_point: str) -> tuple[str, str | None]:
    module, sep, func = entry_point.partition(":")
    return module, (func if sep else None)


def check(entry_point: str, members: Mapping[str, Member], dirs: frozenset[str]) -> Problem | None:
    """None when the container can import entry_point from the archive, else why not."""
    module, func = split(entry_point)
    if module.startswith(".") or module == "":
        return Problem(
            f"relative entry point {entry_point!r} cannot run: the job container imports the entry "
            "point as a top-level module",
            "name the module from the top of the source, e.g. "
            f"{_examples(members, dirs)[0] if _examples(members, dirs) else 'my_module:main'!r}",
        )
    parts = module.split(".")
    if not all(_MODULE_PART.match(p) for p in parts):
        return Problem(
            f"entry point {entry_point!r} is not of the form module[.submodule][:callable]",
            "e.g. algorithm:main or vqe.run",
        )
    base = "/".join(parts)
    for depth in range(1, len(parts)):
        prefix = "/".join(parts[:depth])
        if prefix not in dirs:
            return _missing(module, members, dirs)
    if f"{base}.py" in members:
        path = f"{base}.py"
    elif f"{base}/__init__.py" in members:
        path = f"{base}/__init__.py"
    elif base in dirs:
        if func is None and f"{base}/__main__.py" in members:
            return None  # a namespace package runs its __main__ (runpy.run_module), as the SDK accepts
        if func is not None:
            return Problem(
                f"{module!r} is a folder without __init__.py, so it has no callable {func!r}",
                f"add {base}/__init__.py defining {func}, or name a module inside the folder",
            )
        return Problem(
            f"{module!r} is a folder without __init__.py or __main__.py: the container has nothing to run",
            "name a module inside it, e.g. " + (", ".join(_examples(members, dirs, base)[:3]) or f"{module}.main"),
        )
    else:
        return _missing(module, members, dirs)
    if func is None:
        return None
    member = members[path]
    assert member.path is not None
    source = files.read(member.path)
    try:
        # Bytes, as compile() takes them, so that a coding cookie is honoured (CPython takes
        # them on every version we support; typeshed knows only str).
        table = symtable.symtable(source, path, "exec")  # type: ignore[arg-type]
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return Problem(
            f"{path} has a syntax error{f' on line {line}' if line else ''}: {getattr(exc, 'msg', exc)}",
            "the container would fail to import it",
        )
    except (MemoryError, RecursionError):  # the parser's own limits, which an import meets too
        return Problem(f"{path} is nested too deeply for Python's parser", "the container would fail to import it")
    if _binds(table, func) or _binds(table, "__getattr__"):  # a module __getattr__ answers any name
        return None
    names, open_ended = _top_level_names(ast.parse(source, filename=path))
    if func in names or open_ended:
        return None
    callables = sorted(n for n, kind in names.items() if kind == "callable")
    return Problem(
        f"{path} defines no top-level {func!r}",
        f"callables defined there: {', '.join(callables)}" if callables else f"define `def {func}(...)` in {path}",
    )


def _binds(table: symtable.SymbolTable, name: str) -> bool:
    """Whether the module's own code binds name (a use alone does not)."""
    try:
        symbol = table.lookup(name)
    except KeyError:
        return False
    return (symbol.is_assigned() or symbol.is_imported()) and not _comprehension_only(symbol)


# CPython's flag for a name bound only as a comprehension's variable. Since 3.12 (PEP 709)
# comprehensions are inlined and their variables appear in the module's table as assigned,
# though they never bind there; a name the module also binds itself does not carry it.
# Python 3.14 names it Symbol.is_comp_iter(); before, it is only in the symbol's flags.
_DEF_COMP_ITER = 2 << 8


def _comprehension_only(symbol: symtable.Symbol) -> bool:
    public = getattr(symbol, "is_comp_iter", None)
    if public is not None:
        return bool(public())
    return bool(getattr(symbol, "_Symbol__flags", 0) & _DEF_COMP_ITER)


def _top_level_names(tree: ast.Module) -> tuple[dict[str, str], bool]:
    """Names bound at module level ('callable' for def/class), and whether there may be more."""
    names: dict[str, str] = {}
    return names, _visit(tree.body, names)


# Module functions, not closures: a closure that calls itself is a reference cycle, which
# keeps the whole syntax tree alive until the collector runs.
def _visit(body: list[ast.stmt], names: dict[str, str]) -> bool:
    """Add the names body binds; True when it may bind any name (import *, module __getattr__)."""
    open_ended = False
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[stmt.name] = "callable"
            open_ended |= stmt.name == "__getattr__"
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                _bind(target, names)
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            _bind(stmt.target, names)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                if alias.name == "*":
                    open_ended = True
                else:
                    names.setdefault(alias.asname or alias.name.split(".")[0], "value")
        elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
            # Conditional definitions (try/except ImportError fallbacks, platform checks)
            # are still top-level bindings once the module has run.
            for block in _blocks(stmt):
                open_ended |= _visit(block, names)
    return open_ended


def _bind(target: ast.expr, names: dict[str, str]) -> None:
    if isinstance(target, ast.Name):
        names.setdefault(target.id, "value")
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            _bind(elt, names)


def _blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    if isinstance(stmt, ast.If):
        return [stmt.body, stmt.orelse]
    if isinstance(stmt, ast.Try):
        return [stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)]
    if isinstance(stmt, ast.With):
        return [stmt.body]
    return []


def _missing(module: str, members: Mapping[str, Member], dirs: frozenset[str]) -> Problem:
    found = _examples(members, dirs)
    hint = f"modules in the source: {', '.join(found[:12])}" if found else "the source has no Python modules"
    return Problem(f"entry point module {module!r} is not in the source", hint)


def _examples(members: Mapping[str, Member], dirs: frozenset[str], under: str = "") -> list[str]:
    """Importable module names of the archive (under a folder, if given)."""
    out = []
    for name in members:
        if not name.endswith(".py") or (under and not name.startswith(under + "/")):
            continue
        stem = name[:-3]
        if stem.endswith("/__init__"):
            stem = stem[: -len("/__init__")]
        parts = stem.split("/")
        if all("/".join(parts[:i]) in dirs for i in range(1, len(parts))):
            out.append(".".join(parts))
    return sorted(out)
