"""Event time: when tweets happen (a daily cycle), and the ids and timestamps X gives them."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from itertools import accumulate

#: Twitter's snowflake epoch (2010-11-04T01:42:54.657Z) in Unix milliseconds.
X_EPOCH_MS = 1288834974657
MS_PER_MINUTE = 60_000


def to_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def x_time(ms: int) -> str:
    """X's ``created_at`` format: second precision with a literal ``.000`` fraction."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def activity(hour_of_day: float) -> float:
    """Relative posting intensity at an hour of the day (UTC): quiet at night, peaks at lunch and evening."""
    lunch = math.exp(-(((hour_of_day - 12.5) / 2.0) ** 2))
    evening = math.exp(-(((hour_of_day - 20.5) / 2.0) ** 2))
    return 0.15 + 0.8 * lunch + 1.0 * evening


def event_times(rng: random.Random, start_ms: int, seconds: int, count: int) -> list[int]:
    """``count`` sorted instants (Unix ms) in ``[start, start + seconds)``, denser where activity is high."""
    weights = (activity(((start_ms // 1000 + s) % 86_400) / 3600) for s in range(seconds))
    cumulative = list(accumulate(weights))
    picked = rng.choices(range(seconds), cum_weights=cumulative, k=count)
    return sorted(start_ms + second * 1000 + rng.randrange(1000) for second in picked)


class Snowflake:
    """Snowflake-like ids: the time in the high bits, so ids increase with time."""

    def __init__(self, worker: int) -> None:
        self._worker = worker
        self._last_ms = -1
        self._sequence = 0

    def next_id(self, ms: int) -> int:
        if ms == self._last_ms:
            self._sequence += 1
        else:
            self._last_ms, self._sequence = ms, 0
        return ((ms - X_EPOCH_MS) << 22) | (self._worker << 12) | self._sequence
