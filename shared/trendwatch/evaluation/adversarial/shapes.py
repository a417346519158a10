"""How loud each thing is over time, as a multiple of its peak: trend shapes and the volume surge.

Shapes are what a detector tuned on one kind of rise gets wrong: a slow ramp with no jump to
catch, a step that is loud from its first minute, a burst that is gone ten minutes later.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from trendwatch.evaluation.adversarial.timing import MS_PER_MINUTE

Shape = Literal["gradual", "step", "burst"]
SHAPES: tuple[Shape, ...] = ("gradual", "step", "burst")
#: Minutes a gradual trend takes from nothing to its peak.
GRADUAL_RAMP_MINUTES = 35.0
#: A burst peaks this many minutes after onset, then halves every ``BURST_HALF_LIFE`` minutes.
BURST_RISE_MINUTES = 3.0
BURST_HALF_LIFE = 6.0


def level(shape: Shape, minutes_since_onset: float) -> float:
    """The share of its peak a trend of ``shape`` is at, ``minutes_since_onset`` after its onset."""
    t = minutes_since_onset
    if t < 0:
        return 0.0
    if shape == "step":
        return 1.0
    if shape == "gradual":
        return min(1.0, t / GRADUAL_RAMP_MINUTES)
    if t < BURST_RISE_MINUTES:
        return t / BURST_RISE_MINUTES
    return float(0.5 ** ((t - BURST_RISE_MINUTES) / BURST_HALF_LIFE))


class Ramp(msgspec.Struct, frozen=True):
    """Something that rises linearly from ``start``, holds its peak, and (if ``end_ms``) stops."""

    start_ms: int
    rise_minutes: float
    end_ms: int | None = None

    def level(self, ms: int) -> float:
        if ms < self.start_ms or (self.end_ms is not None and ms >= self.end_ms):
            return 0.0
        return (
            min(1.0, (ms - self.start_ms) / MS_PER_MINUTE / self.rise_minutes) if self.rise_minutes else 1.0
        )


class Surge(msgspec.Struct, frozen=True):
    """Everyone posts more for a while (a news event, a TV show): every word rises together."""

    start_ms: int
    end_ms: int
    factor: float
    rise_minutes: float = 4.0

    def multiplier(self, ms: int) -> float:
        """1 outside the surge, up to ``factor`` inside it, with smooth edges."""
        if ms < self.start_ms or ms >= self.end_ms:
            return 1.0
        edge = min(ms - self.start_ms, self.end_ms - ms) / MS_PER_MINUTE / self.rise_minutes
        return 1.0 + (self.factor - 1.0) * min(1.0, edge)
