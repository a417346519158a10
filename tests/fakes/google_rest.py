"""A fake Google REST API on 127.0.0.1, for the real client libraries with ``transport="rest"``.

Every POST and GET is recorded as ``(path, json body)`` (``{}`` for a GET) and answered
from a queue of ``(status, body)``, then with the default answer: a recorded response
shape, or a function of the path and body (to answer a batch with one result per request).
Long-running operations are polled with GETs, so a test queues their states.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

Answer = dict[str, Any] | Callable[[str, dict[str, Any]], dict[str, Any]]


class FakeGoogleRest:
    def __init__(self, default_answer: Answer) -> None:
        self.default_answer = default_answer
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.answers: list[tuple[int, dict[str, Any]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.requests.append((path, body))
        if self.answers:
            return self.answers.pop(0)
        default = self.default_answer
        return 200, default(path, body) if callable(default) else default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._reply(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))

            def do_GET(self) -> None:
                self._reply({})

            def _reply(self, body: dict[str, Any]) -> None:
                status, answer = fake._answer(self.path, body)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                """No access log."""

        return Handler

    def __enter__(self) -> FakeGoogleRest:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
