"""How reading YAML fails: the reader's two ways to stop, and the parser's errors in words."""

from __future__ import annotations

from typing import Any

from braket_jobspec.diagnostics import Diagnostic


class Abandon(Exception):
    """Stop reading: what is left cannot be read safely or meaningfully."""


class ParseFailure(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def parser_error(exc: Any, file: str) -> Diagnostic:
    """A MarkedYAMLError of the parser as an E111 at the place to look, with a hint for the usual causes."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = str(exc.problem or exc.context or "invalid YAML")
    context, where = exc.context, exc.context_mark
    if context and where is not None and exc.problem and "end of stream" in problem:
        # Unclosed at the end of the file: the place to look is where it was opened.
        line, col = where.line + 1, where.column + 1
        problem += f" {context} that starts here"
    elif context and where is not None and exc.problem and (where.line, where.column) != (line - 1, col - 1):
        problem += f", {context} that starts on line {where.line + 1}, column {where.column + 1}"
    hint = ""
    if "\t" in problem or "'\\t'" in problem or "tab" in problem:
        hint = "replace the tab with spaces: YAML refuses tabs in indentation, and this reader after `:` too"
    elif "mapping values are not allowed" in problem:
        hint = "a plain value cannot contain ': '; quote the value, or check the indentation of this line"
    elif "could not find expected ':'" in problem or "simple key" in problem:
        hint = "each line of a mapping is `key: value`; check this line and the one before"
    elif "found unexpected end of stream" in problem or "found unexpected end" in problem:
        hint = "a quoted string or a bracket is not closed"
    elif "undefined tag handle" in problem:
        hint = "the tag needs a %TAG directive, and specs use neither; remove the tag"
    elif "expected <block end>" in problem:
        hint = "check the indentation: items of one mapping or list line up in the same column"
    return Diagnostic(file, line, col, "E111", f"invalid YAML: {problem}", hint=hint)
