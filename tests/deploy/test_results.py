"""`jobspec results`: a job's output archive from moto's S3, unpacked safely, results.json as the SDK reads it.

The referee is the Braket SDK itself: results.json is written by its save_job_result, and
what `jobspec results` prints is compared with what its AwsQuantumJob.result() returns
against the same local services. Hostile archives are never given to the SDK (it extracts
everything, unfiltered); for those the test checks that nothing was written anywhere.
"""

from __future__ import annotations

import ast
import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest

from .support import BUCKET, REGION, make_project, request_of

SDK_REASON = "the Braket SDK (the conformance extra) is the referee of what result() returns"


class Touch:
    """Unpickling this makes a folder: the proof that unpickling ran code the data named."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.mkdir, (self.path,))


def save_results(folder: Path, values: dict[str, Any], pickled: bool = False) -> None:
    """results.json as the job container writes it: by the SDK's own save_job_result."""
    pytest.importorskip("braket.jobs", reason=SDK_REASON)
    from braket.jobs.data_persistence import save_job_result
    from braket.jobs_data import PersistedJobDataFormat

    folder.mkdir(parents=True, exist_ok=True)
    old = os.environ.get("AMZN_BRAKET_JOB_RESULTS_DIR")
    os.environ["AMZN_BRAKET_JOB_RESULTS_DIR"] = str(folder)
    try:
        save_job_result(values, PersistedJobDataFormat.PICKLED_V4 if pickled else PersistedJobDataFormat.PLAINTEXT)
    finally:
        os.environ.pop("AMZN_BRAKET_JOB_RESULTS_DIR")
        if old is not None:
            os.environ["AMZN_BRAKET_JOB_RESULTS_DIR"] = old


def tar_folder(folder: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            tar.add(path, path.relative_to(folder).as_posix(), recursive=False)
    return buf.getvalue()


def tar_of(*members: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


class Jobs:
    """A compiled project, its job in the local Braket endpoint, its output archive in moto's S3."""

    def __init__(self, project: Any, cli: Any, deploy: Any, s3: Any) -> None:
        self.project, self.cli, self.deploy, self.s3 = project, cli, deploy, s3
        self.build = make_project(project, cli)
        self.request = request_of(self.build)
        self.name = self.request["jobName"]
        self.key = self.request["outputDataConfig"]["s3Path"].split(f"s3://{BUCKET}/", 1)[1] + "/output/model.tar.gz"
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})

    def add(self, archive: bytes | None, status: str = "COMPLETED") -> str:
        job = self.deploy.braket.add_job(self.request, status)
        if archive is not None:
            self.s3.put_object(Bucket=BUCKET, Key=self.key, Body=archive)
        return str(job.arn)

    def results(self, *args: str) -> Any:
        return self.cli("results", *args, *self.deploy.endpoints(), cwd=self.project.root)

    def sdk_result(self, arn: str, monkeypatch: pytest.MonkeyPatch, allow_pickle: bool = False) -> Any:
        """AwsQuantumJob(arn).result() against the same services (it downloads into the current folder)."""
        pytest.importorskip("braket.aws", reason=SDK_REASON)
        from braket.aws import AwsQuantumJob

        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", self.deploy.proxy.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_BRAKET", self.deploy.braket.url)
        where = self.project.root.parent / f"sdk-{self.project.root.name}"
        where.mkdir(exist_ok=True)
        monkeypatch.chdir(where)
        try:
            return AwsQuantumJob(arn).result(allow_pickle=allow_pickle, poll_timeout_seconds=5)
        finally:
            monkeypatch.chdir(self.project.root)


@pytest.fixture
def jobs(project: Any, cli: Any, deploy: Any, s3: Any) -> Jobs:
    return Jobs(project, cli, deploy, s3)


def tree(root: Path) -> dict[str, str]:
    """Every path under root (links not followed), with what it is: the filesystem before and after."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            kind = "link" if path.is_symlink() else "dir" if path.is_dir() else f"file {path.stat().st_size}"
            found[path.relative_to(root).as_posix()] = kind
    return found


PLAIN = {"energy": -1.1372838, "params": [0.1, 0.25], "converged": True, "notes": {"optimizer": "SPSA", "x": None}}


# --------------------------------------------------------------------------- results as the SDK reads them


def test_plaintext_results_of_a_build_file_are_what_the_sdk_returns(
    jobs: Jobs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "job-output"
    save_results(out, PLAIN)
    (out / "plots").mkdir()
    (out / "plots" / "curve.csv").write_text("step,energy\n0,-1.0\n")
    arn = jobs.add(tar_folder(out))
    before = tree(jobs.project.root)

    result = jobs.results("build/job.json")

    assert result.code == 0, result.err
    assert [c.op for c in jobs.deploy.braket.calls] == ["SearchJobs", "GetJob"]
    assert json.loads(result.out) == jobs.sdk_result(arn, monkeypatch) == PLAIN
    folder = jobs.project.root / "results" / jobs.name
    assert (folder / "plots" / "curve.csv").read_text() == "step,energy\n0,-1.0\n"
    assert f"{jobs.name} (COMPLETED): 2 file(s)" in result.err
    added = set(tree(jobs.project.root)) - set(before)
    assert all(p == "results" or p.startswith(f"results/{jobs.name}") for p in added), added


def test_results_of_an_arn_go_to_the_folder_given(jobs: Jobs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_results(tmp_path / "job-output", {"counts": {"00": 48, "11": 52}})
    arn = jobs.add(tar_folder(tmp_path / "job-output"))

    result = jobs.results(arn, "-o", "out/deep/vqe")

    assert result.code == 0, result.err
    assert [c.op for c in jobs.deploy.braket.calls] == ["GetJob"]
    assert json.loads(result.out) == jobs.sdk_result(arn, monkeypatch) == {"counts": {"00": 48, "11": 52}}
    assert (jobs.project.root / "out" / "deep" / "vqe" / "results.json").is_file()


def test_pickled_results_need_allow_pickle_and_then_are_what_the_sdk_returns(
    jobs: Jobs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_results(tmp_path / "job-output", {"energy": -1.5, "history": [1.0, 0.5]}, pickled=True)
    arn = jobs.add(tar_folder(tmp_path / "job-output"))

    refused = jobs.results(arn)

    assert refused.code == 1 and refused.out == ""
    assert "E649" in refused.err and "--allow-pickle" in refused.err
    with pytest.raises(RuntimeError, match="allow_pickle"):  # the SDK refuses it too, by default
        jobs.sdk_result(arn, monkeypatch)
    allowed = jobs.results(arn, "--allow-pickle", "--force")
    assert allowed.code == 0, allowed.err
    assert json.loads(allowed.out) == jobs.sdk_result(arn, monkeypatch, allow_pickle=True)


def test_pickled_values_that_json_would_change_are_printed_as_a_repr(
    jobs: Jobs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {"shape": (2, 3), "amplitude": complex(0.5, -0.5), "ids": {1: "a"}}
    save_results(tmp_path / "job-output", values, pickled=True)
    arn = jobs.add(tar_folder(tmp_path / "job-output"))

    result = jobs.results(arn, "--allow-pickle")

    assert result.code == 0, result.err
    assert "printed as a Python repr" in result.err
    assert ast.literal_eval(result.out) == jobs.sdk_result(arn, monkeypatch, allow_pickle=True) == values


def test_a_pickle_that_runs_code_is_not_unpickled_without_the_flag(jobs: Jobs, tmp_path: Path) -> None:
    marker = tmp_path / "unpickled-ran-code"
    save_results(tmp_path / "job-output", {"trap": Touch(str(marker))}, pickled=True)
    assert not marker.exists()  # pickled, not yet unpickled
    arn = jobs.add(tar_folder(tmp_path / "job-output"))

    refused = jobs.results(arn)

    assert refused.code == 1 and "E649" in refused.err
    assert not marker.exists()
    allowed = jobs.results(arn, "--allow-pickle", "--force")
    assert allowed.code == 0 and json.loads(allowed.out) == {"trap": None}
    assert marker.is_dir()  # what --allow-pickle warns of


def test_an_archive_without_results_json_gives_what_the_sdk_gives(
    jobs: Jobs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arn = jobs.add(tar_of((member("model/weights.bin"), b"\0" * 64)))

    result = jobs.results(arn)

    assert result.code == 0, result.err
    assert json.loads(result.out) == jobs.sdk_result(arn, monkeypatch) == {}
    assert "none in the archive" in result.err


def test_links_inside_the_folder_are_kept(jobs: Jobs) -> None:
    arn = jobs.add(
        tar_of(
            (member("runs/1/out.txt"), b"one\n"),
            (member("latest", tarfile.SYMTYPE, "runs/1"), None),
            (member("runs/1/copy.txt", tarfile.LNKTYPE, "runs/1/out.txt"), None),
        )
    )

    result = jobs.results(arn, "-o", "got")

    assert result.code == 0, result.err
    got = jobs.project.root / "got"
    assert (got / "latest").is_symlink() and (got / "latest" / "out.txt").read_text() == "one\n"
    assert (got / "runs" / "1" / "copy.txt").read_text() == "one\n"


def test_a_results_json_that_is_not_json_is_damaged_and_its_files_stay(jobs: Jobs) -> None:
    arn = jobs.add(tar_of((member("results.json"), b'{"dataDictionary": {'), (member("log.txt"), b"x")))

    result = jobs.results(arn, "-o", "got", "--format", "json")

    assert result.code == 1
    [diag] = json.loads(result.err)["diagnostics"]
    assert diag["code"] == "E647" and diag["file"] == "got/results.json" and diag["line"] == 1
    assert (jobs.project.root / "got" / "log.txt").read_text() == "x"


# --------------------------------------------------------------------------- hostile and damaged archives


def hostile(tmp_path: Path) -> dict[str, tuple[list[str], bytes]]:
    """Archives refused before anything is written, each with the extra arguments of its test."""
    outside = tmp_path / "outside"
    some = (member("results.json"), b"{}")
    return {
        "a '..' escape": ([], tar_of(some, (member("../outside/pwned"), b"x"))),
        "an absolute path": ([], tar_of(some, (member(str(outside / "pwned")), b"x"))),
        "a symlink out, then a file through it": (
            [],
            tar_of((member("link", tarfile.SYMTYPE, str(outside)), None), (member("link/pwned"), b"x")),
        ),
        "a symlink out": ([], tar_of(some, (member("sub/link", tarfile.SYMTYPE, "../../../outside/secret"), None))),
        "an absolute symlink": ([], tar_of(some, (member("link", tarfile.SYMTYPE, str(outside / "secret")), None))),
        "a chain of symlinks": (
            [],
            tar_of((member("d", tarfile.SYMTYPE, "."), None), (member("e", tarfile.SYMTYPE, "d/d/d/../../.."), None)),
        ),
        "a hardlink out": ([], tar_of(some, (member("h", tarfile.LNKTYPE, "../outside/secret"), None))),
        "an absolute hardlink": ([], tar_of(some, (member("h", tarfile.LNKTYPE, str(outside / "secret")), None))),
        "a FIFO": ([], tar_of(some, (member("pipe", tarfile.FIFOTYPE), None))),
        "a device": ([], tar_of(some, (member("null", tarfile.CHRTYPE), None))),
        "a name twice": ([], tar_of(some, (member("results.json"), b"[]"))),
        "too many members": (["--max-members", "3"], tar_of(*[(member(f"f{i}"), b"x") for i in range(4)])),
        "too many bytes": (["--max-bytes", "100"], tar_of(some, (member("big.bin"), b"\0" * 101))),
        "a header bomb": (["--max-bytes", "1024", "--max-members", "4"], pax_bomb()),
    }


def pax_bomb() -> bytes:
    """A few KiB of gzip whose pax header claims (and holds) 8 MiB: tarfile would read it whole."""
    info = member("results.json")
    info.pax_headers = {"comment": "x" * (8 * 1024 * 1024)}
    return tar_of((info, b"{}"))


def damaged() -> dict[str, bytes]:
    good = tar_of((member("results.json"), b'{"dataDictionary": {}, "dataFormat": "plaintext"}'))
    return {
        "a gzip cut in its trailer": good[:-4],
        "a gzip cut in half": good[: len(good) // 2],
        "not gzip (a bare tar)": _gunzip(good),
        "gzip, but not a tar": _gzip(b"results: none\n" * 100),
    }


def _gzip(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data)


def _gunzip(data: bytes) -> bytes:
    import gzip

    return gzip.decompress(data)


@pytest.mark.parametrize("case", list(hostile(Path("/unused"))))
def test_a_hostile_archive_is_refused_and_nothing_is_written_anywhere(jobs: Jobs, tmp_path: Path, case: str) -> None:
    extra, archive = hostile(tmp_path)[case]
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret").write_text("keep\n")
    arn = jobs.add(archive)
    before = tree(tmp_path)

    result = jobs.results(arn, *extra)

    assert result.code == 1, (case, result.err)
    assert "E648" in result.err and "Traceback" not in result.err, case
    assert tree(tmp_path) == before, case
    assert (tmp_path / "outside" / "secret").read_text() == "keep\n"


@pytest.mark.parametrize("case", list(damaged()))
def test_a_damaged_archive_is_refused_and_nothing_is_written(jobs: Jobs, tmp_path: Path, case: str) -> None:
    arn = jobs.add(damaged()[case])
    before = tree(tmp_path)

    result = jobs.results(arn)

    assert result.code == 1, (case, result.err)
    assert "E647" in result.err and "damaged" in result.err and "Traceback" not in result.err, case
    assert tree(tmp_path) == before, case


# --------------------------------------------------------------------------- no results, no job, a busy service


def test_a_running_job_has_no_results_yet(jobs: Jobs) -> None:
    arn = jobs.add(None, status="RUNNING")

    result = jobs.results(arn)

    assert result.code == 1 and "E646" in result.err and "is RUNNING" in result.err
    assert not [s for s in jobs.deploy.proxy.seen if s.method == "GET"]  # S3 is not asked
    assert not (jobs.project.root / "results").exists()


@pytest.mark.parametrize("status", ["COMPLETED", "FAILED"])
def test_an_ended_job_without_an_archive_says_so(jobs: Jobs, status: str) -> None:
    arn = jobs.add(None, status=status)
    if status == "FAILED":
        jobs.deploy.braket.jobs[arn].failure = "AlgorithmError: out of memory"

    result = jobs.results("build/job.json")

    assert result.code == 1 and "E646" in result.err and "left no output archive" in result.err
    assert ("out of memory" in result.err) == (status == "FAILED")
    assert not (jobs.project.root / "results").exists()


def test_a_build_file_whose_job_was_never_deployed(jobs: Jobs) -> None:
    result = jobs.results("build/job.json")

    assert result.code == 1 and "E645" in result.err and jobs.name in result.err


def test_a_job_deleted_between_search_and_get(jobs: Jobs) -> None:
    service = jobs.deploy.braket
    service.delete_after_search(jobs.add(b"unused"))

    result = jobs.results("build/job.json")

    assert result.code == 1 and "E627" in result.err and "no longer exists" in result.err
    assert [(c.op, c.status) for c in service.calls] == [("SearchJobs", 200), ("GetJob", 404)]


def test_throttling_is_retried(jobs: Jobs, tmp_path: Path) -> None:
    save_results(tmp_path / "job-output", PLAIN)
    jobs.add(tar_folder(tmp_path / "job-output"))
    braket, proxy = jobs.deploy.braket, jobs.deploy.proxy
    braket.inject("SearchJobs", count=1, status=429, code="ThrottlingException", message="Rate exceeded")
    braket.inject("GetJob", count=2, status=429, code="ThrottlingException", message="Rate exceeded")
    proxy.fail(
        lambda method, path, query: method == "GET" and path.endswith("model.tar.gz"),
        "status",
        1,
        status=503,
        code="SlowDown",
    )

    result = jobs.results("build/job.json")

    assert result.code == 0, result.err
    assert json.loads(result.out) == PLAIN
    assert [c.status for c in braket.calls_of("GetJob")] == [429, 429, 200]
    assert [s.status for s in proxy.seen if s.path.endswith("model.tar.gz")] == [503, 200]


def test_throttling_past_the_retries_is_reported(jobs: Jobs) -> None:
    arn = jobs.add(None)
    jobs.deploy.braket.inject("GetJob", count=5, status=429, code="ThrottlingException", message="Rate exceeded")

    result = jobs.results(arn, "--max-attempts", "2")

    assert result.code == 1 and "E613" in result.err


# --------------------------------------------------------------------------- the destination folder


def test_a_folder_with_files_is_replaced_only_with_force(jobs: Jobs, tmp_path: Path) -> None:
    save_results(tmp_path / "job-output", PLAIN)
    arn = jobs.add(tar_folder(tmp_path / "job-output"))
    old = jobs.project.root / "got"
    old.mkdir()
    (old / "stale.txt").write_text("old\n")

    refused = jobs.results(arn, "-o", "got")

    assert refused.code == 2 and "--force" in refused.err
    assert jobs.deploy.braket.calls == []  # refused before any call
    replaced = jobs.results(arn, "-o", "got", "--force")
    assert replaced.code == 0, replaced.err
    assert sorted(p.name for p in old.iterdir()) == ["results.json"]
    assert not [p for p in jobs.project.root.iterdir() if p.name.endswith(".partial")]


def test_an_empty_folder_is_used_and_the_current_folder_never(jobs: Jobs, tmp_path: Path) -> None:
    save_results(tmp_path / "job-output", PLAIN)
    arn = jobs.add(tar_folder(tmp_path / "job-output"))
    (jobs.project.root / "empty").mkdir()

    assert jobs.results(arn, "-o", "empty").code == 0
    assert (jobs.project.root / "empty" / "results.json").is_file()
    here = jobs.results(arn, "-o", ".", "--force")
    assert here.code == 2 and "current folder" in here.err
