"""Gzip decompression with a ceiling: a decompression bomb is refused, not held in memory."""

from __future__ import annotations

import zlib

from trendwatch.contracts.cloudevents import InvalidEvent
from trendwatch.contracts.limits import max_decompressed_bytes

GZIP_MAGIC = b"\x1f\x8b"
#: zlib's window bits for the gzip container (header and CRC checked).
_GZIP_WBITS = 16 + zlib.MAX_WBITS


def gunzip(data: bytes, name: str, limit: int | None = None) -> bytes:
    """The content of the gzip file ``data`` (every member, concatenated), decompressed no
    further than ``limit`` bytes (:func:`~trendwatch.contracts.limits.max_decompressed_bytes` by
    default); :class:`InvalidEvent` naming ``name`` if it is larger, corrupt or cut short."""
    limit = max_decompressed_bytes() if limit is None else limit
    content = bytearray()
    rest = data
    try:
        while rest:
            member = zlib.decompressobj(_GZIP_WBITS)
            content += member.decompress(rest, limit + 1 - len(content))
            if len(content) > limit:
                raise InvalidEvent(
                    f"{name}: decompresses to more than {limit:,} bytes (from {len(data):,}); refused"
                )
            if not member.eof:
                raise InvalidEvent(f"{name}: not a gzip file: compressed data ends before its end")
            rest = member.unused_data.lstrip(b"\0")  # padding after the last member is allowed
    except zlib.error as exc:
        raise InvalidEvent(f"{name}: not a gzip file: {exc}") from exc
    return bytes(content)
