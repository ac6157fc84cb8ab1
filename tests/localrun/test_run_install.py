"""The job's requirements.txt files, installed offline into a cached virtualenv that also sees our environment."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

import braket_jobspec
from localrun.runjobs import Jobs, read_json

# The job reports where its requirement came from, and that the environment jobspec runs in is visible.
JOB = """\
import json, os, sys
from pathlib import Path
import helper_one, helper_two, jsonschema, braket_jobspec
Path(os.environ["AMZN_BRAKET_JOB_RESULTS_DIR"], "where.json").write_text(json.dumps({
    "prefix": sys.prefix,
    "one": [helper_one.VALUE, helper_one.__file__],
    "two": [helper_two.VALUE, helper_two.__file__],
    "jsonschema": jsonschema.__file__,
    "jobspec": braket_jobspec.__file__,
}))
"""

SPEC = "device: local:braket/braket_sv\nsource_module: src\nentry_point: src.job\n"


def make_wheel(folder: Path, name: str, value: int) -> Path:
    """A pure-Python wheel with one module, written by hand so that pip needs no build backend or index."""
    dist = f"{name}-1.0"
    files = {
        f"{name}.py": f"VALUE = {value}\n",
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return wheel


def test_requirements_install_into_a_cached_virtualenv(jobs: Jobs, tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    jobs.source("src/__init__.py", "")
    jobs.source("src/job.py", JOB)
    # Every requirements.txt in the tree is installed, as the container does.
    jobs.source("src/requirements.txt", f"{make_wheel(wheels, 'helper_one', 1)}\n")
    jobs.source("src/lib/requirements.txt", f"{make_wheel(wheels, 'helper_two', 2)}\n")
    target = jobs.compile(SPEC)
    work = jobs.root / "w"

    first = jobs.run(target, "--workdir", str(work))
    assert first.code == 0, first.err
    assert "installing src/requirements.txt, src/lib/requirements.txt into" in first.err, first.err
    assert "virtualenv created:" in first.err
    where = read_json(work / "model" / "where.json")
    venvs = tmp_path / "cache" / "braket-jobspec" / "venvs"
    (venv,) = [p for p in venvs.iterdir() if p.is_dir()]
    assert Path(where["prefix"]) == venv
    assert where["one"][0] == 1 and Path(where["one"][1]).is_relative_to(venv)
    assert where["two"][0] == 2 and Path(where["two"][1]).is_relative_to(venv)
    # jsonschema is not a requirement of the job: it comes from jobspec's own environment.
    assert not Path(where["jsonschema"]).is_relative_to(venv)
    # ... and so does jobspec itself, installed editable: the parent's .pth files are processed.
    assert Path(where["jobspec"]).parent == Path(braket_jobspec.__file__).parent

    second = jobs.run(target, "--workdir", str(work), "--force")
    assert second.code == 0, second.err
    assert f"virtualenv reused: {venv}" in second.err and "installing" not in second.err

    # --no-install runs with jobspec's interpreter, where the helpers are not installed.
    third = jobs.run(target, "--workdir", str(work), "--force", "--no-install")
    assert third.code == 1
    assert "--no-install: not installing src/requirements.txt, src/lib/requirements.txt" in third.err
    assert "ModuleNotFoundError: No module named 'helper_one'" in third.err


def test_a_requirement_that_cannot_install_stops_the_run(jobs: Jobs, tmp_path: Path) -> None:
    jobs.source("src/__init__.py", "")
    jobs.source("src/job.py", "print('never')\n")
    jobs.source("src/requirements.txt", f"{tmp_path / 'missing-1.0-py3-none-any.whl'}\n")
    target = jobs.compile(SPEC)
    done = jobs.run(target, "--workdir", str(jobs.root / "w"))
    assert done.code == 1
    assert "E707 pip could not install src/requirements.txt" in done.err
    assert "never" not in done.out
    # The half-built virtualenv is gone, so the next run starts clean.
    venvs = tmp_path / "cache" / "braket-jobspec" / "venvs"
    assert [p for p in venvs.iterdir() if p.is_dir()] == []
