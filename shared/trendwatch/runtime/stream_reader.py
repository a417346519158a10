"""The production X stream reader: the live filtered stream, ingested as the ingest function ingests.

Cloud Run functions cannot hold X's long-lived streaming connection, so one always-on Cloud Run
service runs ``trendwatch stream --publish``. It reads the stream with
:class:`~trendwatch.adapters.x_stream_client.FilteredStreamClient` (X's reconnect backoff,
stall detection) and hands small chunks of lines to
:meth:`~trendwatch.app.ingest.IngestService.ingest_lines`, the code the ingest function runs
on replay files: the exact payloads go to ``raw/tweets/`` of the lake (the only copy of the
live stream that can be replayed), one ``tweets-raw`` message per tweet with the same
attributes, malformed lines to ingest's dead-letter topic.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from trendwatch.app.ingest import IngestReport, IngestService
from trendwatch.observability import get_logger, metrics
from trendwatch.runtime.replay import Chunk, named_chunk

log = get_logger(__name__)

#: A chunk is published once it holds this many lines ...
CHUNK_LINES = 200
#: ... or this long after its first line arrived, whichever comes first.
MAX_WAIT_S = 1.0
#: A chunk that cannot be stored or published is tried again this many times in all, waiting
#: 1, 2, 4 ... seconds between tries, before the reader gives up and exits.
INGEST_ATTEMPTS = 5

_END = object()


def timed_chunks(lines: Iterable[bytes], max_lines: int, max_wait_s: float) -> Iterator[Chunk]:
    """Chunks of at most ``max_lines`` lines, each handed on at most ``max_wait_s`` after its first line.

    The lines are read on a thread of their own, so that a quiet stream's last tweets do not
    wait for the next one (the client drops X's keep-alives, so nothing else would wake the
    loop). An exception of the reading thread (an X API error) is raised here, after the lines
    read before it have been handed on.
    """
    # Bounded: when publishing falls behind, the reader stops reading and X buffers for us.
    pending_lines: queue.Queue[object] = queue.Queue(maxsize=max_lines * 4)

    def pump() -> None:
        try:
            for line in lines:
                pending_lines.put(line)
        except Exception as exc:
            pending_lines.put(exc)
        else:
            pending_lines.put(_END)

    threading.Thread(target=pump, name="x-stream-lines", daemon=True).start()
    chunk: list[bytes] = []
    deadline = 0.0
    while True:
        timeout = max(0.0, deadline - time.monotonic()) if chunk else None
        try:
            item = pending_lines.get(timeout=timeout)
        except queue.Empty:
            yield named_chunk(chunk)
            chunk = []
            continue
        if isinstance(item, bytes):
            if not chunk:
                deadline = time.monotonic() + max_wait_s
            chunk.append(item)
            if len(chunk) >= max_lines:
                yield named_chunk(chunk)
                chunk = []
            continue
        if chunk:
            yield named_chunk(chunk)
        if isinstance(item, Exception):
            raise item
        return


def publish_stream(
    lines: Iterable[bytes],
    ingest: IngestService,
    *,
    chunk_lines: int = CHUNK_LINES,
    max_wait_s: float = MAX_WAIT_S,
    progress: Callable[[int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> IngestReport:
    """Ingest ``lines`` until they end (the client was closed or gave up); returns the totals.

    Lines read are never dropped on the way: the chunk under way is handed over when the
    stream ends, fails or is closed on shutdown, and a chunk that cannot be stored or
    published (the lake or Pub/Sub failing) is tried again, then raises: the process exits,
    Cloud Run restarts it, and it asks X for the minutes it missed (``backfill_minutes``).
    Ingesting a chunk again stores and changes nothing twice.
    """
    report = IngestReport()
    for chunk in timed_chunks(lines, chunk_lines, max_wait_s):
        published = _ingest_with_retries(ingest, chunk, sleep)
        if published.newest_created_at is not None:
            metrics.ingest_lag((datetime.now(UTC) - published.newest_created_at).total_seconds())
        report.add(published)
        if progress:
            progress(len(chunk.lines))
    log.info(
        "x stream reader stopped", extra={"tweets": report.tweets, "dead_lettered": report.dead_lettered}
    )
    return report


def _ingest_with_retries(ingest: IngestService, chunk: Chunk, sleep: Callable[[float], None]) -> IngestReport:
    attempt = 1
    while True:
        try:
            return ingest.ingest_lines(chunk.lines, chunk.source)
        except Exception as exc:
            if attempt >= INGEST_ATTEMPTS:
                raise
            delay = 2.0 ** (attempt - 1)
            log.warning(
                "chunk not ingested; trying again",
                extra={"source": chunk.source, "attempt": attempt, "delay_s": delay, "error": repr(exc)},
            )
            sleep(delay)
            attempt += 1


def serve_health(port: int) -> ThreadingHTTPServer:
    """Answer ``GET`` with 200 on ``port``, in a background thread.

    A Cloud Run service's container must listen on ``$PORT`` or its revision never becomes
    ready; the reader itself serves nothing (its ingress is internal and nobody may invoke it).
    """

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Probes every few seconds would drown the reader's own logs."""

    # All interfaces: Cloud Run probes the container from outside it.
    server = ThreadingHTTPServer(("0.0.0.0", port), Health)
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server
