"""The job's first Python code in a local run: start the entry point as the job container does.

`jobspec run` executes this file (never imports it) with the job's interpreter, in a
work folder laid out like the container's, with the AMZN_BRAKET_* variables set:

    python bootstrap.py CODE_DIR FAILURE_FILE

Standard library only: the interpreter may be a virtualenv that has nothing of ours.
What it does, and why, follows the container's start script (braket_container.py):
- the code folder is *appended* to sys.path, so installed packages win over same-named
  modules of the job;
- `module:callable` is imported, then called with the hyperparameters as keyword
  arguments, but only when the whole set binds to its signature; each value is converted
  by calling the parameter's annotation on the string (`str` when there is none);
- a bare `module` runs with runpy.run_module(module, run_name="__main__");
- the callable runs with the code folder as the working directory; an exception is
  written as `<type>: <message>` to the failure file (the container's
  /opt/ml/output/failure) and then raised, so the exit code is 1, as in the container.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Strings that people mean as false, and that bool() turns into True.
_FALSE_WORDS = frozenset({"false", "no", "off", "0", "none"})


def _warn(code: str, message: str) -> None:
    sys.stderr.write(f"jobspec run: {code} {message}\n")
    sys.stderr.flush()


def load_entry_point(entry_point: str) -> Callable[..., Any]:
    """The callable the container runs for entry_point."""
    if ":" in entry_point:
        module_name, _, attribute = entry_point.partition(":")
        module = importlib.import_module(module_name)
        return getattr(module, attribute)  # type: ignore[no-any-return]

    def run_module() -> None:
        runpy.run_module(entry_point, run_name="__main__")

    return run_module


def bind_hyperparameters(function: Callable[..., Any], hyperparameters: dict[str, str]) -> dict[str, Any] | None:
    """Keyword arguments for function, or None when the hyperparameters do not bind to it.

    As in the container: the signature must accept every hyperparameter by name (or
    through **kwargs) and get every required parameter; then each value is passed through
    the annotation of its parameter. That is a plain call: `bool("False")` is True, and an
    annotation that is a string (`from __future__ import annotations`) cannot be called.
    """
    try:
        inspect.signature(function).bind(**hyperparameters)
    except (TypeError, ValueError):
        return None
    try:
        annotations = inspect.getfullargspec(function).annotations
    except TypeError:
        annotations = {}
    arguments: dict[str, Any] = {}
    for name, value in hyperparameters.items():
        convert = annotations.get(name, str)
        if isinstance(convert, str):
            raise HyperparameterError(
                f"hyperparameter {name!r}: the annotation of the parameter is the string {convert!r} "
                "(from `from __future__ import annotations`?); the job container calls the annotation to "
                "convert the value and fails the same way: annotate with a real type or drop the future import"
            )
        if convert is bool and value.strip().lower() in _FALSE_WORDS:
            _warn(
                "W711",
                f"hyperparameter {name!r} is {value!r} and its parameter is annotated bool: the job container "
                f"converts it with bool({value!r}), which is True; annotate it str and parse it in the job",
            )
        try:
            arguments[name] = convert(value)
        except Exception as exc:
            raise HyperparameterError(
                f"hyperparameter {name!r}: {getattr(convert, '__name__', convert)}({value!r}) failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    return arguments


class HyperparameterError(Exception):
    """A hyperparameter that the container's conversion fails on."""


def _read_hyperparameters() -> dict[str, str] | None:
    path = os.environ.get("AMZN_BRAKET_HP_FILE")
    if path is None:
        return None
    with open(path, encoding="utf-8") as f:
        data: dict[str, str] = json.load(f)
    return data


def _record_failure(failure_file: Path, exc: BaseException) -> None:
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    failure_file.parent.mkdir(parents=True, exist_ok=True)
    with open(failure_file, "a", encoding="utf-8") as f:
        f.write(text)


def main(argv: list[str]) -> int:
    code_dir, failure_file = argv[1], Path(argv[2])
    # sys.path[0] is this file's folder, the braket_jobspec package: a job module named
    # like one of ours (report, context, ...) must not find ours first.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.path.append(code_dir)
    entry_point = os.environ["AMZN_BRAKET_SCRIPT_ENTRY_POINT"]
    function = load_entry_point(entry_point)
    hyperparameters = _read_hyperparameters()
    arguments = None
    if hyperparameters is not None:
        try:
            arguments = bind_hyperparameters(function, hyperparameters)
        except HyperparameterError as exc:
            _warn("E710", str(exc))
            _record_failure(failure_file, exc)
            return 1
    os.chdir(code_dir)
    try:
        function(**(arguments or {}))
    except Exception as exc:
        _record_failure(failure_file, exc)
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
