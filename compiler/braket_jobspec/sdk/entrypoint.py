"""Check an entry point against the archived source, without running any of it.

The SDK checks with importlib.find_spec, which imports parent packages (running user
code) and accepts anything importable on the submitting machine. The job container can
only import what the archive holds, so that is where we look.

Every module the container imports to reach the entry point (its packages' __init__.py,
the module, and the __main__.py that a bare package name runs) is compiled as an import
compiles it, with or without a callable: compile() makes the code object and never runs
it, so a NUL byte, an unknown or contradicted coding cookie, bytes that are not UTF-8, a
nesting too deep for the parser and the errors only the bytecode compiler finds
(`return` outside a function, more than 20 nested blocks) are all refused here, not in
the job. Whether the module binds the callable is read from that code object when a
top-level def or class makes it (nearly every spec); any other binding (def, class,
import, assignment, for, with, match, in any block) is named by symtable. Only a refusal
reads the tree with ast, for what symtable does not record (`import *`) and for the hint.
"""

from __future__ import annotations

import ast
import re
import symtable
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from braket_jobspec import files
from braket_jobspec.sdk.archive import Member

if TYPE_CHECKING:
    from types import CodeType

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
    # Importing a.b.c imports a and a.b first: their __init__.py must compile too.
    parents = [f"{'/'.join(parts[:depth])}/__init__.py" for depth in range(1, len(parts))]
    parents = [p for p in parents if p in members]  # a namespace package has none
    main = f"{base}/__main__.py"
    if f"{base}.py" in members:
        path = f"{base}.py"
    elif f"{base}/__init__.py" in members:
        path = f"{base}/__init__.py"
    elif base in dirs:
        if func is None and main in members:
            # A namespace package runs its __main__ (runpy.run_module), as the SDK accepts.
            return _first_problem(members, [*parents, main])
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
        # A bare module runs as __main__; a package imports its __init__.py, then runs its __main__.py.
        runs = [*parents, path, main] if path.endswith("/__init__.py") and main in members else [*parents, path]
        return _first_problem(members, runs)
    problem = _first_problem(members, parents)
    if problem is not None:
        return problem
    loaded = _load(members, path)
    if isinstance(loaded, Problem):
        return loaded
    source, code = loaded
    if _defines(code, func) or _defines(code, "__getattr__"):  # a module __getattr__ answers any name
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # Bytes, as compile() takes them, so that a coding cookie is honoured (CPython takes
            # them on every version we support; typeshed knows only str).
            table = symtable.symtable(source, path, "exec")  # type: ignore[arg-type]
            if _binds(table, func) or _binds(table, "__getattr__"):
                return None
            names, open_ended = _top_level_names(ast.parse(source, filename=path))
    except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError):  # compile() read it: not expected
        return _too_deep(path)
    if func in names or open_ended:
        return None
    callables = sorted(n for n, kind in names.items() if kind == "callable")
    return Problem(
        f"{path} defines no top-level {func!r}",
        f"callables defined there: {', '.join(callables)}" if callables else f"define `def {func}(...)` in {path}",
    )


# --------------------------------------------------------------------------- compiling

_IMPORT_FAILS = "the container would fail to import it"
# PEP 263: a coding cookie on line 1, or on line 2 below a line that is blank or a comment.
_COOKIE = rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)"
_BLANK_OR_COMMENT = rb"^[ \t\f]*(?:[#\r]|$)"
_BOM = b"\xef\xbb\xbf"


def _first_problem(members: Mapping[str, Member], paths: list[str]) -> Problem | None:
    """The first of these modules, in the container's import order, that does not compile."""
    for path in paths:
        loaded = _load(members, path)
        if isinstance(loaded, Problem):
            return loaded
    return None


def _load(members: Mapping[str, Member], path: str) -> tuple[bytes, CodeType] | Problem:
    """The module's bytes and its code object, compiled as an import compiles it and never run."""
    member = members[path]
    assert member.path is not None
    try:
        source = files.read(member.path)
    except OSError as exc:
        return Problem(f"{path} cannot be read: {exc.strerror or exc}", "check the file's permissions")
    nul = source.find(b"\0")
    if nul >= 0:
        return Problem(
            f"{path} has a syntax error on line {_line(source, nul)}: source code string cannot contain null bytes",
            f"{_IMPORT_FAILS}; Python refuses a NUL byte anywhere in a module; is it a binary file, or saved as "
            "UTF-16? Save it as UTF-8 text",
        )
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as exc:
        cookie = _coding_cookie(source)
        if cookie is None or _is_utf8(cookie[0]):
            return Problem(
                f"{path} is not UTF-8: byte 0x{source[exc.start]:02x} on line {_line(source, exc.start)} "
                "is not part of a UTF-8 character",
                "Python reads a module as UTF-8 unless a coding comment on its first or second line names another "
                "encoding (PEP 263): save the file as UTF-8, or declare its encoding, e.g. `# -*- coding: latin-1 -*-`",
            )
    try:
        # Warnings off: compile() warns about code it accepts (`x is 1`), which would print
        # into the compile's output, and become errors under -W error.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return source, compile(source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, OverflowError) as exc:
        return _syntax_error(path, source, exc)
    except (MemoryError, RecursionError):  # the parser's own limits, which an import meets too
        return _too_deep(path)


def _syntax_error(path: str, source: bytes, exc: Exception) -> Problem:
    line = getattr(exc, "lineno", None)
    message = str(getattr(exc, "msg", None) or exc)
    advice = ""
    if message.startswith(("unknown encoding", "encoding problem")):
        cookie = _coding_cookie(source)
        line = line or (cookie[1] if cookie else None)
        if source.startswith(_BOM) and "with BOM" in message:
            advice = (
                "the file starts with a UTF-8 byte order mark, which says UTF-8, and its coding comment names another "
                "encoding: remove the comment (or the mark, if the file is in the comment's encoding)"
            )
        else:
            advice = (
                "the coding comment names an encoding Python cannot read a module in: "
                "write `# -*- coding: utf-8 -*-`, or remove the comment"
            )
    elif message.startswith("(unicode error)"):
        advice = "the bytes do not decode in the module's encoding: save the file in it, or as UTF-8"
    elif message.startswith("too many"):  # nested parentheses, levels of indentation, statically nested blocks
        advice = "Python limits how deeply code nests: move the inner parts into functions or variables"
    return Problem(
        f"{path} has a syntax error{f' on line {line}' if line else ''}: {message}",
        f"{_IMPORT_FAILS}; {advice}" if advice else _IMPORT_FAILS,
    )


def _too_deep(path: str) -> Problem:
    return Problem(
        f"{path} is nested too deeply for Python's parser",
        f"{_IMPORT_FAILS}; move the inner parts of the deepest expression into functions or variables",
    )


def _line(source: bytes, offset: int) -> int:
    return source.count(b"\n", 0, offset) + 1


def _coding_cookie(source: bytes) -> tuple[str, int] | None:
    """The encoding a PEP 263 coding comment declares, and its line; None without one."""
    for number, text in enumerate(source.removeprefix(_BOM).split(b"\n", 2)[:2], 1):
        found = re.match(_COOKIE, text)
        if found:
            return found.group(1).decode("ascii"), number
        if not re.match(_BLANK_OR_COMMENT, text):
            return None
    return None


def _is_utf8(encoding: str) -> bool:
    import codecs

    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False  # compile() names it: unknown encoding


def _defines(code: CodeType, name: str) -> bool:
    """Whether a top-level def or class of the module (in any block) makes name.

    Their code objects are constants of the module's code, named as they are; a def in a
    function or class is a constant of that code instead. A def compile() drops as
    unreachable (`if 0:`) is not there, and symtable answers for it.
    """
    kind = type(code)
    return any(isinstance(const, kind) and const.co_name == name for const in code.co_consts)


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
