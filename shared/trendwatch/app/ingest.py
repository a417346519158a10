"""Ingest: X stream lines in, exact payloads to the lake, one ``tweets-raw`` message per tweet.

Lines come from a replayed file, a file dropped in the lake (``incoming/tweets/``), the
live filtered stream or a recent-search backfill; all go through :meth:`IngestService.ingest_lines`.
Raw objects are named after their source and chunk, so replaying the same input again
rewrites nothing; downstream writes are upserts, so republishing changes no table.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import msgspec

from trendwatch.contracts.cloudevents import InvalidEvent, StorageObject
from trendwatch.contracts.limits import MAX_MESSAGE_DATA_BYTES, OVERSIZED_HEAD_BYTES
from trendwatch.contracts.topology import INGEST_DEAD_LETTER, TWEETS_RAW
from trendwatch.contracts.x_pages import as_stream_lines
from trendwatch.contracts.x_stream import XStreamMessage, decode_stream_message
from trendwatch.observability import current_span, get_logger, inject_traceparent, metrics, trace_scope
from trendwatch.ports import BlobExists, BlobStore, Message, Publisher

from .compressed import GZIP_MAGIC, gunzip
from .failures import failure_reason
from .handling import DeadLetters, read_landed

log = get_logger(__name__)

SCHEMA_VERSION = "1"


@dataclass
class IngestReport:
    lines: int = 0
    keep_alives: int = 0
    tweets: int = 0
    with_media: int = 0
    dead_lettered: int = 0
    raw_objects: list[str] = field(default_factory=list)
    #: The latest ``created_at`` among the tweets published (how far behind live ingest is).
    newest_created_at: datetime | None = None

    def add(self, other: IngestReport) -> None:
        self.lines += other.lines
        self.keep_alives += other.keep_alives
        self.tweets += other.tweets
        self.with_media += other.with_media
        self.dead_lettered += other.dead_lettered
        self.raw_objects += other.raw_objects
        if other.newest_created_at and (
            self.newest_created_at is None or other.newest_created_at > self.newest_created_at
        ):
            self.newest_created_at = other.newest_created_at


def parse_line(line: bytes) -> XStreamMessage:
    """Decode one stream line; :class:`InvalidEvent` with a readable reason otherwise."""
    try:
        return decode_stream_message(line)
    except UnicodeDecodeError as exc:
        raise InvalidEvent(f"invalid UTF-8 at byte {exc.start}") from exc
    except msgspec.ValidationError as exc:
        raise InvalidEvent(f"invalid X stream message: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise InvalidEvent(f"malformed JSON: {exc}") from exc
    except RecursionError as exc:
        raise InvalidEvent(f"malformed JSON: nested too deeply ({exc})") from exc


def oversized(line: bytes) -> str | None:
    """Why ``line`` cannot be published (larger than a Pub/Sub message), or ``None``."""
    if len(line) <= MAX_MESSAGE_DATA_BYTES:
        return None
    return (
        f"line of {len(line):,} bytes is over the {MAX_MESSAGE_DATA_BYTES:,} a Pub/Sub message holds;"
        f" its first {OVERSIZED_HEAD_BYTES:,} bytes are kept here"
    )


def read_lines(data: bytes, name: str = "replay file") -> Iterator[bytes]:
    """Stream lines of a (possibly gzipped) JSONL object, without their line endings (nor the
    byte order mark some editors put first); response pages in it are split one tweet per line."""
    if data[:2] == GZIP_MAGIC:
        data = gunzip(data, name)
    yield from as_stream_lines(data.removeprefix(codecs.BOM_UTF8).splitlines())


class IngestService:
    def __init__(
        self,
        lake: BlobStore,
        publisher: Publisher,
        dead_letters: DeadLetters,
        *,
        landing: BlobStore | None = None,
    ) -> None:
        self._lake = lake
        self._landing = landing or lake
        self._publisher = publisher
        self._dead_letters = dead_letters

    def ingest_lines(self, lines: Iterable[bytes], source: str) -> IngestReport:
        """Validate, store and publish one chunk of stream lines.

        ``source`` names the chunk (same input, same name): it keys the raw objects.
        """
        report = IngestReport()
        accepted: list[tuple[bytes, XStreamMessage]] = []
        for line in lines:
            report.lines += 1
            if not line.strip():
                report.keep_alives += 1  # X's keep-alive newline, not an error
                continue
            if reason := oversized(line):
                self._reject(report, line[:OVERSIZED_HEAD_BYTES], source, reason)
                continue
            try:
                accepted.append((line, parse_line(line)))
            except Exception as exc:  # whatever a line holds, it fails alone (see handling)
                self._reject(report, line, source, failure_reason(exc))
        report.raw_objects = self._store_raw(accepted, source)
        outgoing: list[Message] = []
        chunk_span = current_span()
        for line, message in accepted:
            has_media = bool(message.data.attachments and message.data.attachments.media_keys)
            # Each tweet starts its own trace (its path through the pipeline), linked to the chunk's span.
            with trace_scope(
                None, "ingest tweet", attributes={"trendwatch.tweet_id": message.data.id}, links=[chunk_span]
            ):
                attributes = inject_traceparent(
                    {
                        "schema_version": SCHEMA_VERSION,
                        "tweet_id": message.data.id,
                        "has_media": str(has_media).lower(),
                    }
                )
            outgoing.append((line, attributes))
            report.with_media += has_media
        self._publisher.publish_many(TWEETS_RAW, outgoing)
        metrics.tweets_ingested(len(outgoing))
        report.tweets = len(outgoing)
        report.newest_created_at = max((message.data.created_at for _, message in accepted), default=None)
        return report

    def _reject(self, report: IngestReport, line: bytes, source: str, reason: str) -> None:
        report.dead_lettered += 1
        self._dead_letters.send(INGEST_DEAD_LETTER, "ingest", line, {"source": source}, reason)

    def _store_raw(self, accepted: list[tuple[bytes, XStreamMessage]], source: str) -> list[str]:
        """Write the exact payloads, one gzip JSONL object per event-time hour of the chunk."""
        by_hour: dict[str, list[bytes]] = defaultdict(list)
        for line, message in accepted:
            by_hour[f"dt={message.data.created_at:%Y-%m-%d}/hour={message.data.created_at:%H}"].append(line)
        source_key = hashlib.sha256(source.encode()).hexdigest()[:16]
        names = []
        for partition, lines in sorted(by_hour.items()):
            name = f"raw/tweets/{partition}/{source_key}.jsonl.gz"
            body = gzip.compress(b"\n".join(lines) + b"\n", mtime=0)
            try:
                self._lake.write(name, body, "application/gzip", if_absent=True)
            except BlobExists:
                log.info("raw object already stored", extra={"object": name})
            names.append(name)
        return names

    def ingest_object(self, obj: StorageObject, chunk_lines: int = 5000) -> IngestReport:
        """Replay a file of stream lines dropped in the lake (storage trigger)."""
        report = IngestReport()
        chunk: list[bytes] = []
        index = 0
        for line in read_lines(read_landed(self._landing, obj), obj.name):
            chunk.append(line)
            if len(chunk) >= chunk_lines:
                report.add(self.ingest_lines(chunk, f"{obj.name}#{obj.generation}#{index}"))
                chunk, index = [], index + 1
        if chunk:
            report.add(self.ingest_lines(chunk, f"{obj.name}#{obj.generation}#{index}"))
        log.info("replayed object", extra={"object": obj.name, "tweets": report.tweets})
        return report
