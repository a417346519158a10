"""A scriptable fake X API on 127.0.0.1, for tests of anything that talks to X.

Each incoming request consumes the next *script* in order, whatever its path:

* :class:`Status` answers with a status code (and optional JSON body and headers);
* :class:`JsonBody` answers 200 (or its ``code``) with a JSON document (a recent search page,
  a rules response);
* :class:`Stream` answers 200 with a chunked body, sending each chunk as it comes
  (message lines, keep-alive ``b"\\r\\n"``, :class:`Pause`), then either drops the
  connection mid-body (like a network failure) or ends the body cleanly;
* :data:`DROP` closes the connection without answering.

Once the scripts run out, every request is answered with :data:`DROP`. Every request is
recorded (method, path, query parameters, headers, JSON body of a POST) in
:attr:`FakeXApi.requests`.

    with FakeXApi([Status(503), Stream([b'{"data": ...}\\r\\n'])]) as api:
        client = FilteredStreamClient("token", api.stream_url, ...)
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Status:
    code: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JsonBody:
    body: Any
    code: int = 200


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Stream:
    chunks: Sequence[bytes | Pause]
    end: Literal["drop", "close"] = "drop"


@dataclass(frozen=True)
class Drop:
    pass


DROP = Drop()

Script = Status | JsonBody | Stream | Drop


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    method: str = "GET"
    body: Any = None


class FakeXApi:
    """A threaded HTTP server that plays scripts; use as a context manager."""

    def __init__(self, scripts: Iterable[Script] = ()) -> None:
        self.requests: list[RecordedRequest] = []
        self._scripts: deque[Script] = deque(scripts)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        # A short poll interval keeps shutdown (and so each test) fast.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def stream_url(self) -> str:
        return f"{self.base_url}/2/tweets/search/stream"

    @property
    def search_url(self) -> str:
        return f"{self.base_url}/2/tweets/search/recent"

    @property
    def rules_url(self) -> str:
        return f"{self.base_url}/2/tweets/search/stream/rules"

    def __enter__(self) -> FakeXApi:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def next_script(self, request: RecordedRequest) -> Script:
        """Record ``request`` and hand the handler its script."""
        with self._lock:
            self.requests.append(request)
            return self._scripts.popleft() if self._scripts else DROP

    def pause(self, seconds: float) -> None:
        """Sleep, but wake at once when the server stops."""
        self._stopping.wait(seconds)


def _handler_for(api: FakeXApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer(None)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self._answer(json.loads(self.rfile.read(length)) if length else None)

        def _answer(self, body: Any) -> None:
            url = urlsplit(self.path)
            params = {key: values[-1] for key, values in parse_qs(url.query).items()}
            headers = {key.lower(): value for key, value in self.headers.items()}
            script = api.next_script(RecordedRequest(url.path, params, headers, self.command, body))
            try:
                self._play(script)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client hung up first (e.g. a stall timeout)

        def _play(self, script: Script) -> None:
            if isinstance(script, Drop):
                self.close_connection = True
            elif isinstance(script, Status):
                self._send_json(script.code, script.body or {"title": f"HTTP {script.code}"}, script.headers)
            elif isinstance(script, JsonBody):
                self._send_json(script.code, script.body, {})
            else:
                self._send_stream(script)

        def _send_json(self, code: int, body: Any, headers: Mapping[str, str]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _send_stream(self, stream: Stream) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in stream.chunks:
                if isinstance(chunk, Pause):
                    api.pause(chunk.seconds)
                else:
                    self.wfile.write(b"%X\r\n%s\r\n" % (len(chunk), chunk))
            if stream.end == "close":
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    return Handler
