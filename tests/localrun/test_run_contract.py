"""The job container's contract in a local run: variables, files, channels, checkpoints, work folders."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path, PurePosixPath

import pytest

from braket_jobspec.sdk.s3uri import s3_split
from localrun.runjobs import CONTEXT, ENV_DUMP, Jobs, read_json

SPEC = """\
device: local:braket/braket_sv
source_module: src/envdump.py
hyperparameters:
  shots: 7
  label: bell pair
"""


def test_every_variable_of_the_container_points_into_the_work_folder(
    jobs: Jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs.source("src/envdump.py", ENV_DUMP)
    target = jobs.compile(SPEC)
    request = jobs.request(target)
    # A stale variable of the caller must not leak into the job (there are no channels here).
    monkeypatch.setenv("AMZN_BRAKET_INPUT_DIR", "/stale/input")
    work = jobs.root / "w"
    done = jobs.run(target, "--no-install", "--workdir", str(work))
    assert done.code == 0, done.err
    assert "dumped the environment" in done.out
    record = read_json(work / "model" / "env.json")
    env = record["env"]
    bucket, key = s3_split(request["outputDataConfig"]["s3Path"])
    name = request["jobName"]
    script = request["algorithmSpecification"]["scriptModeConfig"]
    assert env == {
        "AMZN_BRAKET_SCRIPT_S3_URI": script["s3Uri"],
        "AMZN_BRAKET_SCRIPT_ENTRY_POINT": "envdump",
        "AMZN_BRAKET_SCRIPT_COMPRESSION_TYPE": "GZIP",
        "AMZN_BRAKET_JOB_NAME": name,
        "AMZN_BRAKET_DEVICE_ARN": "local:braket/braket_sv",
        "AMZN_BRAKET_JOB_RESULTS_DIR": str((work / "model").resolve()),
        "AMZN_BRAKET_CHECKPOINT_DIR": str((work / "checkpoints").resolve()),
        "AMZN_BRAKET_OUT_S3_BUCKET": bucket,
        "AMZN_BRAKET_TASK_RESULTS_S3_URI": f"s3://{bucket}/jobs/{name}/tasks",
        "AMZN_BRAKET_JOB_RESULTS_S3_PATH": f"{key}/{name}/output",
        "AMZN_BRAKET_HP_FILE": str((work / "input" / "config" / "hyperparameters.json").resolve()),
        "AWS_DEFAULT_REGION": "us-west-2",
    }
    assert record["hyperparameters"] == {"shots": "7", "label": "bell pair"}
    assert record["name"] == "__main__"
    assert record["cwd"] == str((work / "code").resolve())
    assert record["code_on_path"] == str((work / "code").resolve())
    assert record["inputs"] is None
    assert (work / "checkpoints" / "step.txt").read_text() == "3"
    # The job's output is logged too; the copies of the code are gone, results stay.
    assert "dumped the environment" in (work / "log.txt").read_text()
    assert not (work / "code").exists()
    assert (work / ".jobspec-run.json").is_file()


@pytest.mark.skipif(
    importlib.util.find_spec("braket") is None,
    reason="amazon-braket-sdk is not installed (pip install -e '.[local]'): its local mode is the reference",
)
def test_variables_match_the_sdk_local_mode_with_paths_moved(jobs: Jobs) -> None:
    """The SDK's own builders of the local container's environment, fed the same request."""
    from braket.jobs.local import local_job_container_setup as sdk

    jobs.source("src/envdump.py", ENV_DUMP)
    jobs.source("data/a.csv", "1,2\n")
    target = jobs.compile(SPEC + "input_data:\n  train: data/a.csv\n")
    request = jobs.request(target)
    work = jobs.root / "w"
    assert jobs.run(target, "--no-install", "--workdir", str(work)).code == 0
    env = read_json(work / "model" / "env.json")["env"]

    class Session:  # the one attribute _get_env_default_vars reads
        region = "us-west-2"

    expected = {
        **sdk._get_env_script_mode_config(request["algorithmSpecification"]["scriptModeConfig"]),
        **sdk._get_env_default_vars(Session(), **request),  # type: ignore[arg-type]
        **sdk._get_env_hyperparameters(),
        **sdk._get_env_input_data(),
    }
    moved = {
        "/opt/braket/model": work / "model",
        "/opt/braket/input/config/hyperparameters.json": work / "input" / "config" / "hyperparameters.json",
        "/opt/braket/input/data": work / "input" / "data",
        request["checkpointConfig"]["localPath"]: work / "checkpoints",
    }
    expected = {k: str(moved[v].resolve()) if v in moved else v for k, v in expected.items()}
    assert env == expected


def test_input_channels_are_laid_out_as_the_container_sees_them(jobs: Jobs) -> None:
    jobs.source("src/envdump.py", ENV_DUMP)
    jobs.source("data/one.csv", "a,b\n")
    jobs.source("data/molecules/h2.json", '{"atoms": 2}')
    jobs.source("data/molecules/heavy/lih.json", '{"atoms": 2}')
    target = jobs.compile(SPEC + "input_data:\n  single: data/one.csv\n  molecules: data/molecules\n")
    work = jobs.root / "w"
    done = jobs.run(target, "--no-install", "--workdir", str(work), "--keep")
    assert done.code == 0, done.err
    record = read_json(work / "model" / "env.json")
    assert record["env"]["AMZN_BRAKET_INPUT_DIR"] == str((work / "input" / "data").resolve())
    assert record["inputs"] == ["molecules/h2.json", "molecules/heavy/lih.json", "single/one.csv"]
    assert (work / "input" / "data" / "single" / "one.csv").read_text() == "a,b\n"
    assert "input channel 'molecules': 2 file(s)" in done.err
    # --keep: the code and the input copies stay for inspection.
    assert (work / "code" / "envdump.py").is_file()


def test_an_input_changed_since_the_compile_is_refused(jobs: Jobs) -> None:
    jobs.source("src/envdump.py", ENV_DUMP)
    data = jobs.source("data/one.csv", "a,b\n")
    target = jobs.compile(SPEC + "input_data:\n  single: data/one.csv\n")
    data.write_text("a,b,c\n")
    done = jobs.run(target, "--no-install", "--workdir", str(jobs.root / "w"))
    assert done.code == 1
    assert "E703" in done.err and "data/one.csv changed since the compile" in done.err
    assert not (jobs.root / "w" / "model").exists()


def test_an_s3_channel_without_credentials_names_the_channel(jobs: Jobs) -> None:
    jobs.source("src/envdump.py", ENV_DUMP)
    target = jobs.compile(SPEC + "input_data:\n  reference: s3://amazon-braket-data-bucket/sets/ref/\n")
    done = jobs.run(target, "--no-install")
    assert done.code == 1
    assert "E704 input channel 'reference' is in S3 and no AWS credentials were found" in done.err
    # Nothing is left behind by a run that could not start.
    assert not (jobs.root / ".jobspec-runs" / jobs.request(target)["jobName"] / "1").exists()


def test_the_source_changed_since_the_compile_is_refused(jobs: Jobs) -> None:
    source = jobs.source("src/envdump.py", ENV_DUMP)
    jobs.source("src/helper.py", "X = 1\n")
    target = jobs.compile(SPEC.replace("src/envdump.py", "src") + "entry_point: src.envdump\n")
    source.write_text(ENV_DUMP + "\n# edited\n")
    jobs.source("src/new.py", "")
    done = jobs.run(target, "--no-install")
    assert done.code == 1
    assert "E702 the source changed since the compile: src (changed: src/envdump.py; added: src/new.py)" in done.err
    assert not (jobs.root / ".jobspec-runs").exists()


def test_checkpoints_stay_and_can_seed_the_next_run(jobs: Jobs) -> None:
    jobs.source("src/envdump.py", ENV_DUMP)
    target = jobs.compile(SPEC)
    first = jobs.run(target, "--no-install")
    assert first.code == 0, first.err
    name = jobs.request(target)["jobName"]
    runs = jobs.root / ".jobspec-runs" / name
    assert (runs / "1" / "checkpoints" / "step.txt").read_text() == "3"
    assert read_json(runs / "1" / "model" / "env.json")["checkpoints"] == []
    second = jobs.run(target, "--no-install", "--checkpoints-from", str(runs / "1" / "checkpoints"))
    assert second.code == 0, second.err
    # A fresh numbered folder, which started with the first run's checkpoint in it.
    assert "work folder .jobspec-runs/" + name + "/2" in second.err
    assert read_json(runs / "2" / "model" / "env.json")["checkpoints"] == ["step.txt"]


def test_a_work_folder_is_never_overwritten_without_force(jobs: Jobs) -> None:
    jobs.source("src/envdump.py", ENV_DUMP)
    target = jobs.compile(SPEC)
    foreign = jobs.root / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    for flags in ((), ("--force",)):
        done = jobs.run(target, "--no-install", "--workdir", str(foreign), *flags)
        assert done.code == 1 and "E706" in done.err and "not the work folder of an earlier run" in done.err
    assert (foreign / "notes.txt").read_text() == "keep me"

    work = jobs.root / "w"
    assert jobs.run(target, "--no-install", "--workdir", str(work)).code == 0
    (work / "model" / "old.txt").write_text("from the first run")
    again = jobs.run(target, "--no-install", "--workdir", str(work))
    assert again.code == 1 and "E706 the work folder holds an earlier run" in again.err
    assert (work / "model" / "old.txt").exists()
    forced = jobs.run(target, "--no-install", "--workdir", str(work), "--force")
    assert forced.code == 0, forced.err
    assert not (work / "model" / "old.txt").exists() and (work / "model" / "env.json").is_file()


def test_a_spec_target_compiles_in_memory_with_the_context_flags(jobs: Jobs) -> None:
    jobs.source("src/envdump.py", ENV_DUMP)
    spec = jobs.spec(SPEC)
    work = jobs.root / "w"
    done = jobs.run(spec, "--no-install", "--workdir", str(work), *CONTEXT[:-2], "--stamp", "1711111111111")
    assert done.code == 0, done.err
    env = read_json(work / "model" / "env.json")["env"]
    assert env["AMZN_BRAKET_JOB_NAME"] == "braket-job-default-1711111111111"
    assert not (jobs.root / "build").exists()  # nothing written but the work folder
    # Without a context the spec does not compile; the compile's own diagnostics say why.
    bad = jobs.run(spec, "--no-install")
    assert bad.code == 1 and "E30" in bad.err


def test_context_flags_with_a_compiled_request_are_a_usage_error(jobs: Jobs) -> None:
    jobs.source("src/envdump.py", ENV_DUMP)
    target = jobs.compile(SPEC)
    done = jobs.run(target, "--region", "eu-west-2")
    assert done.code == 2 and "--region: context flags apply when TARGET is a spec" in done.err
    assert jobs.run(jobs.root / "missing.json").code == 2


def test_a_missing_manifest_is_explained(jobs: Jobs) -> None:
    jobs.source("src/envdump.py", ENV_DUMP)
    target = jobs.compile(SPEC)
    target.with_name("job.manifest.json").unlink()
    done = jobs.run(target)
    assert done.code == 1 and "job.manifest.json: E701 no such file" in done.err


def test_results_path_keeps_the_sdk_join_for_a_bucket_only_output(jobs: Jobs) -> None:
    jobs.source("src/envdump.py", ENV_DUMP)
    target = jobs.compile(SPEC + "output_data_config:\n  s3Path: s3://amazon-braket-out-bucket/results\n")
    work = jobs.root / "w"
    assert jobs.run(target, "--no-install", "--workdir", str(work)).code == 0
    env = read_json(work / "model" / "env.json")["env"]
    name = json.loads(target.read_text())["jobName"]
    assert env["AMZN_BRAKET_OUT_S3_BUCKET"] == "amazon-braket-out-bucket"
    assert env["AMZN_BRAKET_JOB_RESULTS_S3_PATH"] == PurePosixPath("results", name, "output").as_posix()


def test_runs_default_to_numbered_folders_under_jobspec_runs(jobs: Jobs) -> None:
    jobs.source("src/envdump.py", ENV_DUMP)
    target = jobs.compile(SPEC)
    name = jobs.request(target)["jobName"]
    for number in (1, 2):
        done = jobs.run(target, "--no-install")
        assert done.code == 0, done.err
        assert f"work folder .jobspec-runs/{name}/{number}\n" in done.err
        assert Path(jobs.root, ".jobspec-runs", name, str(number), "model", "env.json").is_file()


def test_data_parallel_warns_that_one_process_runs(jobs: Jobs) -> None:
    jobs.source("src/envdump.py", ENV_DUMP)
    target = jobs.compile(SPEC + "distribution: data_parallel\ninstance_config:\n  instanceType: ml.p4d.24xlarge\n")
    work = jobs.root / "w"
    done = jobs.run(target, "--no-install", "--workdir", str(work))
    assert done.code == 0, done.err
    assert "W712 distribution data_parallel: the local run starts one process" in done.err
    # The job still sees what the container would set for it.
    hyperparameters = read_json(work / "model" / "env.json")["hyperparameters"]
    assert hyperparameters["sagemaker_distributed_dataparallel_enabled"] == "true"
