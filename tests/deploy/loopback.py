"""An HTTP server on 127.0.0.1 with a free port, served from a daemon thread: the test services' base."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

Self = TypeVar("Self", bound="LoopbackServer")


class LoopbackServer:
    """Subclasses set `handler`, whose requests reach the server object as `self.owner`."""

    handler: type[BaseHTTPRequestHandler]

    _server: ThreadingHTTPServer | None = None

    def start(self: Self) -> Self:
        handler: Any = type("Handler", (self.handler,), {"owner": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"
