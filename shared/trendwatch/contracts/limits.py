"""The sizes a message must fit: Pub/Sub's resource limits, and the pipeline's own on input.

Pub/Sub refuses a publish request over 10 MB and an attribute value over 1,024 bytes (UTF-8),
so anything larger must be refused, or cut, before it is published, with a reason, rather
than fail at publication with its neighbours.
"""

from __future__ import annotations

import os

#: Pub/Sub's largest publish request: the data and the attributes of the message.
PUBSUB_MAX_REQUEST_BYTES = 10_000_000
#: Pub/Sub's largest attribute value, in UTF-8 bytes (a key may have 256, a message 100 of them).
PUBSUB_MAX_ATTRIBUTE_VALUE_BYTES = 1024
#: The largest message data published: the request's limit less the largest attributes allowed.
MAX_MESSAGE_DATA_BYTES = PUBSUB_MAX_REQUEST_BYTES - 100 * (256 + PUBSUB_MAX_ATTRIBUTE_VALUE_BYTES)
#: How much of a payload too large to publish its dead letter keeps (the head, to tell what it was).
OVERSIZED_HEAD_BYTES = 64 * 1024
#: The largest file decompressed in memory (a replay file or a feed): far above a day of either,
#: far below what a service has; a decompression bomb stops here.
MAX_DECOMPRESSED_BYTES = 512 * 1024 * 1024
#: Overrides :data:`MAX_DECOMPRESSED_BYTES` in the process that reads it: a smaller instance,
#: or a test that shows a bomb refused without inflating half a gigabyte.
MAX_DECOMPRESSED_BYTES_ENV = "TRENDWATCH_MAX_DECOMPRESSED_BYTES"

_ELLIPSIS = "…"


def max_decompressed_bytes() -> int:
    """The decompression ceiling now: ``TRENDWATCH_MAX_DECOMPRESSED_BYTES`` when set (a positive
    number of bytes; anything else is an error, not a silent default), else
    :data:`MAX_DECOMPRESSED_BYTES`."""
    value = os.environ.get(MAX_DECOMPRESSED_BYTES_ENV, "").strip()
    if not value:
        return MAX_DECOMPRESSED_BYTES
    if not value.isdigit() or int(value) == 0:
        raise ValueError(f"{MAX_DECOMPRESSED_BYTES_ENV} must be a positive number of bytes, not {value!r}")
    return int(value)


def fit_utf8(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, on a character boundary and ending
    with an ellipsis when cut; characters UTF-8 cannot encode (lone surrogates) are replaced."""
    data = text.encode("utf-8", "replace")
    if len(data) <= limit:
        return data.decode("utf-8")
    room = limit - len(_ELLIPSIS.encode())
    return data[:room].decode("utf-8", "ignore") + _ELLIPSIS
