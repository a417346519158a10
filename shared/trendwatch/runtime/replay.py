"""Reading a replay file: chunks of stream lines, optionally paced in event time."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import msgspec

from trendwatch.contracts.x_pages import as_stream_lines
from trendwatch.ports import BlobStore, Clock

CHUNK_LINES = 2000


class _CreatedAt(msgspec.Struct):
    created_at: datetime


class _Timed(msgspec.Struct):
    data: _CreatedAt


_timed = msgspec.json.Decoder(_Timed)


def parse_speed(value: str) -> float | None:
    """``max`` -> ``None`` (no pacing), ``realtime`` -> 1.0, a number -> that factor."""
    if value == "max":
        return None
    if value == "realtime":
        return 1.0
    try:
        factor = float(value)
    except ValueError:
        raise ValueError(f"speed must be max, realtime or a positive number, not {value!r}") from None
    if factor <= 0:
        raise ValueError(f"speed must be positive, not {value!r}")
    return factor


@dataclass(frozen=True)
class Chunk:
    lines: list[bytes]
    source: str  # content-addressed: the same lines always make the same source name


def chunked(lines: Iterable[bytes], chunk_lines: int = CHUNK_LINES) -> Iterator[Chunk]:
    """Group lines into chunks named after their content (the same lines, the same name)."""
    chunk: list[bytes] = []
    for line in lines:
        chunk.append(line.rstrip(b"\r\n"))
        if len(chunk) >= chunk_lines:
            yield named_chunk(chunk)
            chunk = []
    if chunk:
        yield named_chunk(chunk)


def named_chunk(lines: list[bytes]) -> Chunk:
    """A chunk named after its content, so that ingesting it again rewrites no raw object."""
    digest = hashlib.sha256(b"\n".join(lines)).hexdigest()[:24]
    return Chunk(lines, f"replay:{digest}")


def read_chunks(path: Path, chunk_lines: int = CHUNK_LINES) -> Iterator[Chunk]:
    """Chunks of a replay file's stream lines; response pages in it are split one tweet per line."""
    with path.open("rb") as handle:
        yield from chunked(as_stream_lines(handle), chunk_lines)


class Pacer:
    """Sleeps so that lines go out at ``factor`` × the speed their ``created_at`` says."""

    def __init__(self, factor: float, clock: Clock) -> None:
        self._factor = factor
        self._clock = clock
        self._first_event: datetime | None = None
        self._started: datetime | None = None

    def wait_for(self, line: bytes) -> None:
        try:
            event_time = _timed.decode(line).data.created_at
        except (msgspec.DecodeError, UnicodeDecodeError):
            return  # malformed lines are not paced; ingest dead-letters them
        now = self._clock.now()
        if self._first_event is None or self._started is None:
            self._first_event, self._started = event_time, now
            return
        due = (event_time - self._first_event).total_seconds() / self._factor
        self._clock.sleep(due - (now - self._started).total_seconds())


def paced(chunk: Chunk, pacer: Pacer | None, step: int = 50) -> Iterator[tuple[list[bytes], str]]:
    """Groups of a chunk's lines with their source names, each yielded when its event time is due
    (the whole chunk at once without a pacer)."""
    if pacer is None:
        yield chunk.lines, chunk.source
        return
    for start in range(0, len(chunk.lines), step):
        group = chunk.lines[start : start + step]
        pacer.wait_for(group[0])
        yield group, f"{chunk.source}#{start}"


def copy_media(media_dir: Path, lake: BlobStore) -> int:
    """Put a generated stream's images in the lake (``raw/media/``) where enrich-image reads them."""
    if not media_dir.is_dir():
        return 0
    copied = 0
    for image in sorted(media_dir.iterdir()):
        name = f"raw/media/{image.name}"
        if image.is_file() and not lake.exists(name):
            lake.write(
                name,
                image.read_bytes(),
                "image/png" if image.suffix == ".png" else "application/octet-stream",
            )
            copied += 1
    return copied
