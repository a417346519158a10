from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from trendwatch.domain.emergence import (
    EmergenceParams,
    TermSeries,
    detect,
    effective_authors,
    poisson_score,
)

START = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
MINUTES = 300
PARAMS = EmergenceParams()


def _flat(value: int) -> list[int]:
    return [value] * MINUTES


def _daily_exposure() -> list[int]:
    """All active authors per minute: a smooth four-fold rise and fall, like a lunch peak."""
    return [round(200 + 600 * math.exp(-(((m - 200) / 60) ** 2))) for m in range(MINUTES)]


def _alternating(base: int) -> list[int]:
    """A steady term with minute-to-minute noise, so that its dispersion is realistic."""
    return [base + (m % 3) - 1 for m in range(MINUTES)]


def test_flat_series_raises_nothing() -> None:
    series = {"linen shirt": TermSeries(_alternating(10), _alternating(10))}

    assert detect(series, _flat(500), START) == []


def test_step_raises_one_alert_in_the_second_minute_of_the_step() -> None:
    """One minute at 20 against 2 leaves the window below ``min_ratio``; the second one crosses it."""
    authors = [2] * 150 + [20] * 150
    series = {"mushroom lamp": TermSeries(authors, authors)}

    alerts = detect(series, _flat(500), START)

    assert [(a.term, a.minute) for a in alerts] == [("mushroom lamp", 151)]
    assert alerts[0].at == START + timedelta(minutes=151)
    assert alerts[0].observed == 46.0
    assert alerts[0].expected == 9.979


def test_ramp_raises_one_alert_early_in_the_ramp() -> None:
    authors = [2] * 150 + [2 + (m - 150) // 2 for m in range(150, MINUTES)]
    series = {"matcha latte": TermSeries(authors, authors)}

    alerts = detect(series, _flat(500), START)

    assert len(alerts) == 1
    assert 150 < alerts[0].minute <= 165


def test_daily_cycle_alone_raises_nothing() -> None:
    exposure = _daily_exposure()
    authors = [round(0.05 * active) for active in exposure]
    series = {"coffee": TermSeries(authors, authors)}

    assert detect(series, exposure, START) == []


def test_burst_from_one_author_does_not_alert_when_authors_are_counted() -> None:
    authors = [2] * 150 + [3] * 20 + [2] * 130
    tweets = [2] * 150 + [40] * 20 + [2] * 130
    series = {"megasale": TermSeries(authors, tweets)}

    assert detect(series, _flat(500), START) == []


def test_the_same_burst_counted_in_tweets_does_alert() -> None:
    tweets = [2] * 150 + [40] * 20 + [2] * 130
    series = {"megasale": TermSeries(tweets, tweets)}

    assert [a.minute for a in detect(series, _flat(500), START)] == [150]


def test_cooldown_prevents_re_alerting_on_a_second_rise() -> None:
    authors = [2] * 100 + [20] * 20 + [2] * 40 + [80] * 20 + [2] * 120
    series = {"cargo skirt": TermSeries(authors, authors)}

    assert [a.minute for a in detect(series, _flat(500), START)] == [101]
    short = EmergenceParams(cooldown=30)
    assert [a.minute for a in detect(series, _flat(500), START, short)] == [101, 163]


def test_no_alert_during_warmup() -> None:
    authors = [0] * 10 + [30] * (MINUTES - 10)
    series = {"new": TermSeries(authors, authors)}

    assert all(a.minute >= PARAMS.warmup for a in detect(series, _flat(500), START))


def test_repetitive_authors_are_down_weighted() -> None:
    assert effective_authors(10, 10, 1.5) == 10.0
    assert effective_authors(12, 60, 1.5) == pytest.approx(3.6)
    assert effective_authors(0, 0, 1.5) == 0.0


def test_poisson_score_is_signed_and_zero_at_the_mean() -> None:
    assert poisson_score(10.0, 10.0) == 0.0
    assert poisson_score(30.0, 10.0) > 4.0
    assert poisson_score(2.0, 10.0) < 0.0
    assert poisson_score(0.0, 8.0) == -4.0
