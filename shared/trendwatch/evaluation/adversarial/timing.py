"""Event time: the daily cycle of this generator (X's timestamps and ids are the demo generator's)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

MS_PER_MINUTE = 60_000


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
