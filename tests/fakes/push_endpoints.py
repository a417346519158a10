"""One local HTTP server standing in for every service's push endpoint, as the router of
``--processes`` mode (or Eventarc) pushes to them: it records each push and answers with the
status set for its route."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from trendwatch.runtime.delivery import routes


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, object]:
        document: dict[str, object] = json.loads(self.body)
        return document


class FakeServices:
    """One local HTTP server standing in for every service: route ``/<route>`` answers ``statuses[route]``."""

    def __init__(self, statuses: dict[str, int] | None = None) -> None:
        self.statuses = statuses or {}
        self.received: list[Received] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                fake.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                self.send_response(fake.statuses.get(self.path.strip("/"), 204))
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def endpoints(self) -> dict[str, str]:
        port = self._server.server_address[1]
        return {name: f"http://127.0.0.1:{port}/{name}" for name in routes()}

    def to(self, route: str) -> list[Received]:
        return [r for r in self.received if r.path == f"/{route}"]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def messages(self, route: str) -> list[tuple[bytes, dict[str, str]]]:
        """The Pub/Sub messages pushed to ``route`` (data and attributes), in arrival order."""
        pushed = []
        for push in self.to(route):
            message = push.json["message"]
            assert isinstance(message, dict)
            pushed.append((base64.b64decode(message.get("data", "")), dict(message.get("attributes", {}))))
        return pushed
