"""A recording, fault-injecting HTTP proxy in front of the moto server.

boto3 talks to the proxy exactly as it would to S3 (the requests are forwarded byte for
byte, Host header and signature included), so the tests can see every request that was
sent (method, path, headers, the answer's status) and break the network at a chosen
moment: answer an error, or drop the connection, possibly halfway through a request body.
"""

from __future__ import annotations

import dataclasses
import http.client
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from .loopback import LoopbackServer

HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "upgrade"})


@dataclasses.dataclass
class Seen:
    method: str
    path: str  # without the query
    query: str
    headers: dict[str, str]
    status: int  # 0: dropped by a fault


@dataclasses.dataclass
class Rule:
    """Requests matching `match` get `action`: "drop" (no answer), "half" (drop halfway through
    the body) or "status" (answer status/code) — `count` times, or forever when count is None."""

    match: Callable[[str, str, str], bool]
    action: str
    count: int | None = 1
    status: int = 500
    code: str = "InternalError"


class Proxy(LoopbackServer):
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.seen: list[Seen] = []
        self.rules: list[Rule] = []
        self.lock = threading.Lock()

    def fail(self, match: Callable[[str, str, str], bool], action: str, count: int | None = 1, **kwargs: Any) -> Rule:
        rule = Rule(match, action, count, **kwargs)
        with self.lock:
            self.rules.append(rule)
        return rule

    def heal(self) -> None:
        with self.lock:
            self.rules.clear()

    def clear(self) -> None:
        with self.lock:
            self.seen.clear()

    def puts(self, status: int | None = 200) -> list[str]:
        """Paths of object PUTs (whole objects and parts), optionally only those answered `status`."""
        return [s.path for s in self.seen if s.method == "PUT" and (status is None or s.status == status)]

    def _rule_for(self, method: str, path: str, query: str) -> Rule | None:
        with self.lock:
            for rule in self.rules:
                if (rule.count is None or rule.count > 0) and rule.match(method, path, query):
                    if rule.count is not None:
                        rule.count -= 1
                    return rule
        return None


class _Handler(BaseHTTPRequestHandler):
    owner: Proxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._forward()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _forward(self) -> None:
        proxy = self.owner
        parts = urlsplit(self.path)
        headers = {k: v for k, v in self.headers.items()}
        record = Seen(self.command, parts.path, parts.query, headers, 0)
        with proxy.lock:
            proxy.seen.append(record)
        rule = proxy._rule_for(self.command, parts.path, parts.query)
        if rule is not None and rule.action == "half":
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length // 2)
            self.close_connection = True
            return
        body = self._body()
        if rule is not None and rule.action == "drop":
            self.close_connection = True
            return
        if rule is not None:
            data = (
                f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{rule.code}</Code>'
                f"<Message>injected by the test proxy</Message></Error>"
            ).encode()
            record.status = rule.status
            self._reply(rule.status, [("Content-Type", "application/xml")], data)
            return
        upstream = http.client.HTTPConnection(*proxy.upstream, timeout=30)
        try:
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for key, value in headers.items():
                if key.lower() not in HOP and key.lower() != "content-length":
                    upstream.putheader(key, value)
            if body or self.command in ("PUT", "POST"):
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body)
            answer = upstream.getresponse()
            data = answer.read()
            record.status = answer.status
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP]
            self._reply(answer.status, kept, data)
        finally:
            upstream.close()

    def _reply(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response_only(status)
        has_length = False
        for key, value in headers:
            if key.lower() == "content-length":
                has_length = True
                if self.command != "HEAD":
                    value = str(len(data))
            self.send_header(key, value)
        if not has_length:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


Proxy.handler = _Handler
