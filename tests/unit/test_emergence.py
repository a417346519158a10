from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from trendwatch.domain.emergence import (
    EmergenceParams,
    TermSeries,
    detect,
    effective_authors,
    minute_counts,
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


def test_step_raises_one_alert_once_the_window_holds_five_times_the_baseline() -> None:
    """A step from 2 to 20 a minute: the 15-minute window reaches ``min_ratio`` (5) times its
    expected 30 in the step's seventh minute (2 * 8 + 20 * 7 = 156)."""
    authors = [2] * 150 + [20] * 150
    series = {"mushroom lamp": TermSeries(authors, authors)}

    alerts = detect(series, _flat(500), START)

    assert [(a.term, a.minute) for a in alerts] == [("mushroom lamp", 156)]
    assert alerts[0].at == START + timedelta(minutes=156)
    assert alerts[0].observed == 156.0
    assert alerts[0].expected == 29.954


def test_ramp_raises_one_alert_once_it_has_grown_sevenfold() -> None:
    authors = [2] * 150 + [2 + (m - 150) // 2 for m in range(150, MINUTES)]
    series = {"matcha latte": TermSeries(authors, authors)}

    alerts = detect(series, _flat(500), START)

    assert [a.minute for a in alerts] == [177]


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

    assert [a.minute for a in detect(series, _flat(500), START)] == [153]


def test_cooldown_prevents_re_alerting_on_a_second_rise() -> None:
    authors = [2] * 100 + [20] * 20 + [2] * 40 + [200] * 20 + [2] * 120
    series = {"cargo skirt": TermSeries(authors, authors)}

    assert [a.minute for a in detect(series, _flat(500), START)] == [106]
    short = EmergenceParams(cooldown=30)
    assert [a.minute for a in detect(series, _flat(500), START, short)] == [106, 161]


def test_a_term_that_has_burst_before_needs_a_bigger_burst() -> None:
    """The first burst raises the term's dispersion and baseline: the same burst again stays
    quiet, while a term that never burst alerts on it."""
    bursty = [2] * 100 + [20] * 20 + [2] * 40 + [20] * 20 + [2] * 120
    calm = [2] * 160 + [20] * 20 + [2] * 120
    short = EmergenceParams(cooldown=30)

    assert [
        a.minute for a in detect({"cargo skirt": TermSeries(bursty, bursty)}, _flat(500), START, short)
    ] == [106]
    assert [a.minute for a in detect({"cargo skirt": TermSeries(calm, calm)}, _flat(500), START, short)] == [
        166
    ]


def test_retweet_cascade_of_one_post_does_not_alert() -> None:
    """Thirty accounts a minute retweet one post for 20 minutes: many authors, one new source."""
    authors = [2] * 150 + [32] * 20 + [2] * 130
    sources = [2] * 150 + [3] + [2] * 149
    cascade = {"honestly": TermSeries(authors, authors, sources)}
    uncapped = {"honestly": TermSeries(authors, authors)}

    assert detect(cascade, _flat(500), START) == []
    assert [a.minute for a in detect(uncapped, _flat(500), START)] == [153]


def test_new_sources_cap_the_authors_of_each_minute() -> None:
    series = TermSeries(authors=[5, 30, 12], tweets=[5, 30, 60], sources=[5, 1, 60])

    assert minute_counts(series, 1.5) == [5.0, 1.0, pytest.approx(3.6)]
    assert minute_counts(TermSeries([5, 30], [5, 30]), 1.5) == [5.0, 30.0]


def test_common_word_needs_a_rise_in_proportion_to_its_baseline() -> None:
    """Doubling a word said by 50 people a minute is far outside Poisson noise, yet below the
    rise the CUSUM looks for and below ``min_ratio``; a detector looking for doublings sees it."""
    authors = [50] * 150 + [100] * 150
    series = {"honestly": TermSeries(authors, authors)}

    assert detect(series, _flat(500), START) == []
    doubling = EmergenceParams(shift=1.5, min_ratio=1.5)
    assert [a.minute for a in detect(series, _flat(500), START, doubling)] == [157]


def test_no_alert_during_warmup() -> None:
    authors = [0] * 10 + [30] * (MINUTES - 10)
    series = {"new": TermSeries(authors, authors)}

    assert all(a.minute >= PARAMS.warmup for a in detect(series, _flat(500), START))


def test_repetitive_authors_are_down_weighted() -> None:
    assert effective_authors(10, 10, 1.5) == 10.0
    assert effective_authors(12, 60, 1.5) == pytest.approx(3.6)
    assert effective_authors(0, 0, 1.5) == 0.0


def test_a_long_quiet_past_does_not_delay_a_rise() -> None:
    """The CUSUM restarts from zero: quiet minutes leave no debt for a rise to pay off, so a
    step is found as many minutes after it starts whether it comes after 100 or 200 quiet ones."""
    alerts = []
    for quiet in (100, 200):
        authors = [1] * quiet + [8] * (MINUTES - quiet)
        found = detect({"cargo skirt": TermSeries(authors, authors)}, _flat(500), START)
        alerts.append(found[0].minute - quiet)

    assert alerts[0] == alerts[1] <= 10


def test_an_alert_passes_every_gate() -> None:
    """A sixfold rise on a quiet term alerts once, when the CUSUM, the window's ratio and its
    volume all agree."""
    authors = [1] * 150 + [6] * 150
    alerts = detect({"mushroom lamp": TermSeries(authors, authors)}, _flat(500), START)

    assert len(alerts) == 1 and 150 < alerts[0].minute <= 165
    assert alerts[0].score >= PARAMS.threshold
    assert alerts[0].observed >= PARAMS.min_ratio * alerts[0].expected


def test_an_outage_does_not_make_every_term_new() -> None:
    """Nothing is stored for a day (ingest was down); afterwards a word said as often as before
    is no news: minutes without data neither teach nor erase the baseline."""
    gap = range(100, 100 + 24 * 60)
    minutes = 100 + 24 * 60 + 120
    exposure = [0 if m in gap else 500 for m in range(minutes)]
    authors = [0 if m in gap else 25 for m in range(minutes)]

    assert detect({"coffee": TermSeries(authors, authors)}, exposure, START) == []
