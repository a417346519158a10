from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.fakes.tweets import stream_line
from trendwatch.adapters.local.clock import ManualClock
from trendwatch.runtime.replay import Pacer, chunked, paced, parse_speed


@pytest.mark.parametrize(("text", "factor"), [("max", None), ("realtime", 1.0), ("60", 60.0), ("0.5", 0.5)])
def test_speed_values(text: str, factor: float | None) -> None:
    assert parse_speed(text) == factor


@pytest.mark.parametrize("text", ["fast", "0", "-2"])
def test_bad_speed_is_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="speed"):
        parse_speed(text)


def test_chunks_are_named_by_their_content() -> None:
    lines = [stream_line(str(n), "x") for n in range(5)]
    first, again = list(chunked(lines, 2)), list(chunked(lines, 2))
    assert [len(c.lines) for c in first] == [2, 2, 1]
    assert [c.source for c in first] == [c.source for c in again]
    assert len({c.source for c in first}) == 3


def test_realtime_pacing_waits_for_each_group_event_time() -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    lines = [stream_line(str(n), "x", minute=n / 60) for n in range(0, 120, 10)]  # every 10 s
    [chunk] = list(chunked(lines))
    groups = list(paced(chunk, Pacer(2.0, clock), step=3))  # twice real time
    assert [len(g) for g, _ in groups] == [3, 3, 3, 3]
    assert clock.slept == [15.0, 15.0, 15.0]  # 30 s of event time per group, at 2x
    assert len({source for _, source in groups}) == 4


def test_without_pacing_the_chunk_goes_at_once() -> None:
    [chunk] = list(chunked([stream_line("1", "x")]))
    assert list(paced(chunk, None)) == [(chunk.lines, chunk.source)]
