"""Event time: the daily cycle, X's timestamps and snowflake ids."""

from __future__ import annotations

import math
from datetime import UTC, datetime

MS_PER_MINUTE = 60_000
#: Twitter's snowflake epoch in Unix milliseconds.
X_EPOCH_MS = 1288834974657


def x_time(ms: int) -> str:
    """X's ``created_at``: second precision with a literal ``.000`` fraction."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def daily_cycle(ms: int) -> float:
    """Relative activity at an instant (UTC): low before dawn, a broad morning rise, an evening high."""
    hour = (ms / 3_600_000) % 24
    return (
        0.25
        + 0.9 * (1 + math.sin((hour - 9.0) / 24 * 2 * math.pi)) / 2
        + 0.5 * math.exp(-(((hour - 21.0) / 2.5) ** 2))
    )


class Snowflake:
    """Ids with the time in the high bits, so they increase with time as X's do."""

    def __init__(self, worker: int) -> None:
        self._worker = worker
        self._last_ms = -1
        self._sequence = 0

    def next_id(self, ms: int) -> str:
        if ms == self._last_ms:
            self._sequence += 1
        else:
            self._last_ms, self._sequence = ms, 0
        return str(((ms - X_EPOCH_MS) << 22) | (self._worker << 12) | self._sequence)
