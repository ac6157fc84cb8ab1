"""The two local services of the deploy tests, and projects compiled to deploy.

- moto in server mode (S3, STS, CloudWatch Logs) on 127.0.0.1, one per test session,
  reset before each test; boto3 reaches it through a recording proxy (s3_proxy.py);
- our Braket endpoint (braket_service.py), one per test.
Fake credentials come from the environment, and boto3 is kept from reading any
configuration or credentials of this machine.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from .braket_service import BraketService
from .s3_proxy import Proxy
from .support import REGION, aws_environment


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = aws_environment(tmp_path)
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def moto(moto_url: str, aws_env: dict[str, str]) -> str:
    """The moto server, emptied."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST"), timeout=10).close()
    return moto_url


@pytest.fixture
def s3proxy(moto: str) -> Iterator[Proxy]:
    proxy = Proxy(moto).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def braket(aws_env: dict[str, str]) -> Iterator[BraketService]:
    service = BraketService().start()
    yield service
    service.stop()


@pytest.fixture
def s3(moto: str) -> Any:
    """A client straight to moto (not through the proxy), for arranging and inspecting."""
    return boto3.client("s3", region_name=REGION, endpoint_url=moto)


@pytest.fixture
def logs(moto: str) -> Any:
    return boto3.client("logs", region_name=REGION, endpoint_url=moto)


@dataclasses.dataclass
class Deploy:
    """`jobspec deploy` (and status/cancel) against the local services, in-process."""

    cli: Any
    proxy: Proxy
    braket: BraketService

    def endpoints(self) -> list[str]:
        return ["--endpoint-url", self.proxy.url, "--braket-endpoint-url", self.braket.url]

    def __call__(self, *args: str, cwd: Path | None = None) -> Any:
        return self.cli("deploy", *args, *self.endpoints(), cwd=cwd)

    def command(self, name: str, *args: str) -> Any:
        return self.cli(name, *args, *self.endpoints())


@pytest.fixture
def deploy(cli: Any, s3proxy: Proxy, braket: BraketService) -> Deploy:
    return Deploy(cli, s3proxy, braket)
