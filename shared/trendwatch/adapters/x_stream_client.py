"""The X API v2 filtered stream, as an endless iterator of message lines.

X sends one JSON object per ``\\r\\n``-terminated line and a blank keep-alive line about
every 20 s. The client yields each message line exactly as received, reconnects as X
asks (:class:`~trendwatch.adapters.x_api.ReconnectBackoff`) and treats silence longer
than ``stall_timeout_s`` as a stalled connection: the read timeout fires and it reconnects.

Where the X plan allows it (``backfill_minutes``: Pro and Enterprise access), each connection
asks X for the minutes it missed: since the last line read when it reconnects, the most the
plan allows when it starts (after a crash or a restart it cannot know how long it was away).
Tweets sent twice are stored once downstream.
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator

import httpx

from trendwatch.adapters.x_api import (
    STREAM_URL,
    TWEET_QUERY_PARAMS,
    Failure,
    FailureKind,
    ReconnectBackoff,
    auth_headers,
    classify_status,
)

logger = logging.getLogger(__name__)

_CONNECT_TIMEOUT_S = 10.0
#: The most a filtered stream connection may ask to recover (X's ``backfill_minutes``).
MAX_BACKFILL_MINUTES = 5


class FilteredStreamClient:
    """Read ``GET /2/tweets/search/stream`` forever, reconnecting per X's rules.

    ``lines()`` stops when ``close()`` is called (from any thread) or after
    ``max_reconnects`` reconnects; it raises :class:`~trendwatch.adapters.x_api.XApiError`
    on 400/401/403/404. ``sleep`` is injectable so that tests record the backoff delays.
    ``backfill_minutes`` is the most the plan lets a connection recover (0: none, the default,
    as on plans without backfill, where X refuses the parameter).
    """

    def __init__(
        self,
        bearer_token: str,
        url: str = STREAM_URL,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        stall_timeout_s: float = 60.0,
        max_reconnects: int | None = None,
        backfill_minutes: int = 0,
    ) -> None:
        if not 0 <= backfill_minutes <= MAX_BACKFILL_MINUTES:
            raise ValueError(f"backfill_minutes must be 0 to {MAX_BACKFILL_MINUTES}, not {backfill_minutes}")
        self._backfill_minutes = backfill_minutes
        #: When the last line was read (``time.monotonic``); ``None`` before the first.
        self._last_line_at: float | None = None
        self._url = url
        self._headers = auth_headers(bearer_token)
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client()
        self._sleep = sleep
        self._timeout = httpx.Timeout(stall_timeout_s, connect=_CONNECT_TIMEOUT_S)
        self._max_reconnects = max_reconnects
        self._backoff = ReconnectBackoff()
        self._closed = threading.Event()
        self._response: httpx.Response | None = None

    def lines(self) -> Iterator[bytes]:
        """Yield every non-empty line (without its line ending) across reconnects."""
        try:
            yield from self._reconnecting_lines()
        finally:
            if self._closed.is_set():
                self._close_client()

    def close(self) -> None:
        """Stop ``lines()``, also from another thread: a blocked read is woken at once."""
        self._closed.set()
        response = self._response
        if response is None:
            self._close_client()
        else:
            _shut_down_socket(response)

    def _reconnecting_lines(self) -> Iterator[bytes]:
        reconnects = 0
        while not self._closed.is_set():
            failure = yield from self._connection()
            if self._closed.is_set():
                return
            if self._max_reconnects is not None and reconnects >= self._max_reconnects:
                logger.warning(
                    "x stream giving up", extra={"reason": failure.reason, "reconnects": reconnects}
                )
                return
            reconnects += 1
            delay = self._backoff.next_delay(failure.kind)
            logger.warning(
                "x stream reconnecting",
                extra={
                    "reason": failure.reason,
                    "failure_kind": failure.kind.value,
                    "status_code": failure.status_code,
                    "delay_s": delay,
                    "reconnect": reconnects,
                },
            )
            self._sleep(delay)

    def _params(self) -> dict[str, str]:
        """The query of the next connection: the tweet fields, and the minutes to recover."""
        params = dict(TWEET_QUERY_PARAMS)
        if self._backfill_minutes:
            missed = self._backfill_minutes
            if self._last_line_at is not None:
                away_minutes = math.ceil((time.monotonic() - self._last_line_at) / 60)
                missed = max(1, min(missed, away_minutes))
            params["backfill_minutes"] = str(missed)
        return params

    def _close_client(self) -> None:
        if self._owns_client:
            self._client.close()

    def _connection(self) -> Generator[bytes, None, Failure]:
        """Run one connection, yielding its lines; return why it ended."""
        try:
            with self._client.stream(
                "GET", self._url, params=self._params(), headers=self._headers, timeout=self._timeout
            ) as response:
                kind = classify_status(response)
                if kind is not None:
                    return Failure(kind, f"HTTP {response.status_code}", response.status_code)
                self._response = response
                if self._closed.is_set():  # close() ran before it could see this response
                    return Failure(FailureKind.NETWORK, "closed")
                self._backoff.reset()
                logger.info("x stream connected", extra={"url": self._url})
                for line in _split_lines(response.iter_bytes()):
                    self._last_line_at = time.monotonic()
                    yield line
                    if self._closed.is_set():
                        break
                return Failure(FailureKind.NETWORK, "stream ended")
        except httpx.ReadTimeout:
            return Failure(FailureKind.NETWORK, "stalled")
        except httpx.TransportError as exc:
            return Failure(FailureKind.NETWORK, f"{type(exc).__name__}: {exc}")
        except Exception:
            if not self._closed.is_set():
                raise
            # close() tore the connection down under the reader; whatever broke is expected.
            return Failure(FailureKind.NETWORK, "closed")
        finally:
            self._response = None


def _split_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Split a byte stream into lines, dropping line endings and blank (keep-alive) lines.

    A trailing fragment without its newline is a message cut off by a disconnect and is dropped.
    """
    pending = b""
    for chunk in chunks:
        *complete, pending = (pending + chunk).split(b"\n")
        for line in complete:
            if line.strip():
                yield line.removesuffix(b"\r")


def _shut_down_socket(response: httpx.Response) -> None:
    """Shut the response's socket down: unlike closing it, this wakes a ``recv`` blocked in another thread."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
