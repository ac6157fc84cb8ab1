"""How the entry point is started: binding and converting hyperparameters, bare modules, failures, time limits."""

# No `from __future__ import annotations` here: the binding tests below need real annotations.
import os
import time
from typing import Any

import pytest

from braket_jobspec.localrun.bootstrap import HyperparameterError, bind_hyperparameters
from localrun.runjobs import Jobs, read_json

# A callable that records the arguments it got, with their types, into the results folder.
TYPED = """\
import json, os
from pathlib import Path

def record(**values):
    out = {k: [type(v).__name__, v] for k, v in values.items()}
    Path(os.environ["AMZN_BRAKET_JOB_RESULTS_DIR"], "args.json").write_text(json.dumps(out))

def main(shots: int, rate: float, flag: bool, label, extra: str = "default"):
    record(shots=shots, rate=rate, flag=flag, label=label, extra=extra)

def loose(shots: int = 1, **rest):
    record(shots=shots, **rest)

def strict(shots: int = 1):
    record(shots=shots)
"""

HYPERPARAMETERS = "hyperparameters:\n  shots: 10\n  rate: 0.25\n  flag: false\n  label: bell\n"


def spec(entry: str, hyperparameters: str = HYPERPARAMETERS, extra: str = "") -> str:
    return f"device: local:braket/braket_sv\nsource_module: src/algo.py\nentry_point: {entry}\n{hyperparameters}{extra}"


def args_of(jobs: Jobs, entry: str, hyperparameters: str = HYPERPARAMETERS) -> tuple[Any, str]:
    jobs.source("src/algo.py", TYPED)
    target = jobs.compile(spec(entry, hyperparameters))
    work = jobs.root / "w"
    done = jobs.run(target, "--no-install", "--workdir", str(work), "--force")
    assert done.code == 0, done.err
    return read_json(work / "model" / "args.json"), done.err


def test_hyperparameters_bind_by_name_converted_by_annotation(jobs: Jobs) -> None:
    args, err = args_of(jobs, "algo:main")
    assert args == {
        "shots": ["int", 10],
        "rate": ["float", 0.25],
        # bool("False") is True: the container converts with a plain call, and so do we; with a warning.
        "flag": ["bool", True],
        "label": ["str", "bell"],  # no annotation: str
        "extra": ["str", "default"],  # not a hyperparameter: its default
    }
    assert "W711 hyperparameter 'flag' is 'False' and its parameter is annotated bool" in err


def test_hyperparameters_bind_through_kwargs_as_strings(jobs: Jobs) -> None:
    args, _ = args_of(jobs, "algo:loose")
    assert args == {"shots": ["int", 10], "rate": ["str", "0.25"], "flag": ["str", "False"], "label": ["str", "bell"]}


def test_hyperparameters_that_do_not_bind_are_not_passed(jobs: Jobs) -> None:
    # `strict` takes only shots: the whole set does not bind, so the call gets no arguments.
    args, _ = args_of(jobs, "algo:strict")
    assert args == {"shots": ["int", 1]}


def test_a_string_annotation_fails_as_in_the_container(jobs: Jobs) -> None:
    jobs.source("src/algo.py", "from __future__ import annotations\n\ndef main(shots: int):\n    pass\n")
    target = jobs.compile(spec("algo:main", "hyperparameters:\n  shots: 5\n"))
    done = jobs.run(target, "--no-install", "--workdir", str(jobs.root / "w"))
    assert done.code == 1
    assert "E710 hyperparameter 'shots': the annotation of the parameter is the string 'int'" in done.err
    assert "E708 the job failed with exit code 1" in done.err


def test_a_value_the_annotation_cannot_convert_fails_the_job(jobs: Jobs) -> None:
    jobs.source("src/algo.py", TYPED)
    target = jobs.compile(spec("algo:main", HYPERPARAMETERS.replace("shots: 10", "shots: ten")))
    done = jobs.run(target, "--no-install", "--workdir", str(jobs.root / "w"))
    assert done.code == 1
    assert "E710 hyperparameter 'shots': int('ten') failed: ValueError" in done.err


def test_a_bare_module_runs_as_main_and_a_submodule_too(jobs: Jobs) -> None:
    body = (
        "import os, pathlib\n"
        "if __name__ == '__main__':\n"
        "    pathlib.Path(os.environ['AMZN_BRAKET_JOB_RESULTS_DIR'], 'ran.txt').write_text(__spec__.name)\n"
    )
    jobs.source("src/pkg/__init__.py", "")
    jobs.source("src/pkg/job.py", body)
    for entry, expected in (("pkg.job", "pkg.job"), ("pkg", "pkg.__main__")):
        if entry == "pkg":
            jobs.source("src/pkg/__main__.py", body)
        target = jobs.compile(f"device: local:braket/braket_sv\nsource_module: src/pkg\nentry_point: {entry}\n")
        work = jobs.root / "w"
        done = jobs.run(target, "--no-install", "--workdir", str(work), "--force")
        assert done.code == 0, done.err
        assert (work / "model" / "ran.txt").read_text() == expected


def test_a_failing_job_reports_its_exit_code_and_the_failure_file(jobs: Jobs) -> None:
    jobs.source("src/algo.py", "def main():\n    print('about to fail')\n    raise ValueError('no convergence')\n")
    target = jobs.compile(spec("algo:main", ""))
    work = jobs.root / "w"
    done = jobs.run(target, "--no-install", "--workdir", str(work))
    assert done.code == 1
    assert "about to fail" in done.out
    assert "Traceback" in done.err and "ValueError: no convergence" in done.err
    assert "E708 the job failed with exit code 1" in done.err
    assert "hint: the job container reports: ValueError: no convergence" in done.err
    assert (work / "output" / "failure").read_text() == "ValueError: no convergence"


def test_a_job_exit_code_is_shown(jobs: Jobs) -> None:
    jobs.source("src/algo.py", "import sys\nsys.exit(3)\n")
    target = jobs.compile("device: local:braket/braket_sv\nsource_module: src/algo.py\n")
    done = jobs.run(target, "--no-install", "--workdir", str(jobs.root / "w"))
    assert done.code == 1
    assert "E708 the job failed with exit code 3" in done.err
    assert "hint: see the job's output above" in done.err


def test_the_runtime_limit_stops_the_job_and_what_it_started(jobs: Jobs) -> None:
    jobs.source(
        "src/algo.py",
        """\
        import os, subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        open(os.path.join(os.environ["AMZN_BRAKET_JOB_RESULTS_DIR"], "child.pid"), "w").write(str(child.pid))
        print("started", flush=True)
        time.sleep(60)
        """,
    )
    target = jobs.compile(
        "device: local:braket/braket_sv\nsource_module: src/algo.py\nstopping_condition:\n  maxRuntimeInSeconds: 1\n"
    )
    work = jobs.root / "w"
    start = time.monotonic()
    done = jobs.run(target, "--no-install", "--workdir", str(work))
    elapsed = time.monotonic() - start
    assert done.code == 1
    assert "started" in done.out
    assert "E709 the job ran past stoppingCondition.maxRuntimeInSeconds (1 s) and was stopped" in done.err
    assert 1.0 <= elapsed < 10, elapsed
    pid = int((work / "model" / "child.pid").read_text())
    assert not _alive(pid), "the job's own child process outlived the time limit"


def _alive(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        # A killed child of an exited parent is reaped by init; give it a moment.
        if _zombie(pid):
            return False
        time.sleep(0.05)
    return True


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


# The runner's binding, called directly: the same rule without a process around it.


def test_bind_returns_none_when_a_required_parameter_is_missing() -> None:
    def needs_two(a: int, b: int) -> None: ...

    assert bind_hyperparameters(needs_two, {"a": "1"}) is None
    assert bind_hyperparameters(needs_two, {"a": "1", "b": "2"}) == {"a": 1, "b": 2}


def test_bind_accepts_an_empty_set_for_a_callable_without_parameters() -> None:
    assert bind_hyperparameters(lambda: None, {}) == {}
    assert bind_hyperparameters(lambda: None, {"x": "1"}) is None


@pytest.mark.parametrize("value", ["False", "false", "0", "no", "None"])
def test_bool_is_the_plain_call(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    def f(flag: bool) -> None: ...

    assert bind_hyperparameters(f, {"flag": value}) == {"flag": bool(value)}
    assert "W711" in capsys.readouterr().err


def test_bind_reports_a_failed_conversion() -> None:
    def f(rate: float) -> None: ...

    with pytest.raises(HyperparameterError, match=r"float\('fast'\) failed"):
        bind_hyperparameters(f, {"rate": "fast"})
