"""S3 input channels and an S3 source archive, downloaded from a moto server on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import io
import logging
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from braket_jobspec.localrun.s3 import channel_path
from localrun.runjobs import ENV_DUMP, Jobs, read_json

moto_server = pytest.importorskip(
    "moto.server", reason="moto[server] is not installed: the S3 tests need a local S3 endpoint"
)

BUCKET = "amazon-braket-data-bucket"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> object:
    """A fresh bucket on the moto server, and fake credentials that let boto3 reach it."""
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_url)
    client = boto3.client("s3", region_name="us-west-2")
    existing = [b["Name"] for b in client.list_buckets()["Buckets"]]
    if BUCKET in existing:
        for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    else:
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    return client


def test_s3_channels_are_downloaded_into_the_channel_folders(jobs: Jobs, s3: object) -> None:
    for key in ("sets/ref/a.csv", "sets/ref/sub/b.csv", "sets/ref/", "sets/single.csv", "sets/other.csv"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"" if key.endswith("/") else key.encode())  # type: ignore[attr-defined]
    jobs.source("src/envdump.py", ENV_DUMP)
    target = jobs.compile(
        "device: local:braket/braket_sv\nsource_module: src/envdump.py\ninput_data:\n"
        f"  reference: s3://{BUCKET}/sets/ref\n  single: s3://{BUCKET}/sets/single.csv\n"
    )
    work = jobs.root / "w"
    done = jobs.run(target, "--no-install", "--workdir", str(work))
    assert done.code == 0, done.err
    inputs = read_json(work / "model" / "env.json")["inputs"]
    # A whole folder (every key inside `sets/ref/`) lands as the channel's contents; a file keeps its name.
    assert inputs == ["reference/a.csv", "reference/sub/b.csv", "single/single.csv"]
    assert "input channel 'reference': 2 file(s)" in done.err


def test_an_empty_s3_channel_is_an_error(jobs: Jobs, s3: object) -> None:
    jobs.source("src/envdump.py", ENV_DUMP)
    target = jobs.compile(
        f"device: local:braket/braket_sv\nsource_module: src/envdump.py\ninput_data:\n  ref: s3://{BUCKET}/nothing/\n"
    )
    done = jobs.run(target, "--no-install", "--workdir", str(jobs.root / "w"))
    assert done.code == 1
    assert f"E705 input channel 'ref': no data under s3://{BUCKET}/nothing/" in done.err
    assert not (jobs.root / "w" / "input").exists()


def test_an_s3_source_archive_is_downloaded_and_unpacked(jobs: Jobs, s3: object) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name, text in (("algo/__init__.py", ""), ("algo/envdump.py", ENV_DUMP)):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    s3.put_object(Bucket=BUCKET, Key="code/source.tar.gz", Body=raw.getvalue())  # type: ignore[attr-defined]
    target = jobs.compile(
        f"device: local:braket/braket_sv\nsource_module: s3://{BUCKET}/code/source.tar.gz\nentry_point: algo.envdump\n"
    )
    work = jobs.root / "w"
    done = jobs.run(target, "--no-install", "--workdir", str(work))
    assert done.code == 0, done.err
    assert read_json(work / "model" / "env.json")["name"] == "__main__"


CASES = [
    ("sets/ref", ["sets/ref/a.csv", "sets/ref/sub/b.csv"]),
    ("sets/ref/", ["sets/ref/a.csv", "sets/ref/sub/b.csv"]),
    ("sets/re", ["sets/ref/a.csv", "sets/readme.txt"]),
    ("sets/single.csv", ["sets/single.csv"]),
    ("sets/single.csv", ["sets/single.csv", "sets/single.csv.bak"]),
    ("top", ["top/x", "topping/y"]),
]


@pytest.mark.skipif(
    importlib.util.find_spec("braket") is None,
    reason="amazon-braket-sdk is not installed: its local mode is the reference for the channel layout",
)
@pytest.mark.parametrize(("prefix", "keys"), CASES)
def test_channel_layout_matches_the_sdk_local_mode(prefix: str, keys: list[str]) -> None:
    from braket.jobs.local.local_job_container_setup import _is_dir

    top = prefix if _is_dir(prefix, keys) else str(Path(prefix).parent)
    for key in keys:
        assert channel_path(prefix, keys, key) == Path(key).relative_to(top).as_posix()
