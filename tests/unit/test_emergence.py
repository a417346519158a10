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


def test_step_raises_one_alert_once_the_window_favours_the_rise() -> None:
    """A step from 2 to 20 a minute: the CUSUM passes its threshold in the step's first minute,
    and the 15-minute window holds ``(shift - 1) / ln(shift)`` (3.37) times its expected 32 in
    its fifth (2 * 10 + 20 * 5 = 120)."""
    authors = [2] * 150 + [20] * 150
    series = {"mushroom lamp": TermSeries(authors, authors)}

    alerts = detect(series, _flat(500), START)

    assert [(a.term, a.minute) for a in alerts] == [("mushroom lamp", 154)]
    assert alerts[0].at == START + timedelta(minutes=154)
    assert alerts[0].observed == 120.0
    assert alerts[0].expected == 32.109


def test_ramp_raises_one_alert_once_it_has_grown_eightfold() -> None:
    """A rise of one voice every two minutes from 2 a minute: found at 18 a minute."""
    authors = [2] * 150 + [2 + (m - 150) // 2 for m in range(150, MINUTES)]
    series = {"matcha latte": TermSeries(authors, authors)}

    alerts = detect(series, _flat(500), START)

    assert [a.minute for a in alerts] == [168]


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

    assert [a.minute for a in detect(series, _flat(500), START)] == [152]


def test_cooldown_prevents_re_alerting_on_a_second_rise() -> None:
    authors = [2] * 100 + [20] * 20 + [2] * 40 + [200] * 20 + [2] * 120
    series = {"cargo skirt": TermSeries(authors, authors)}

    assert [a.minute for a in detect(series, _flat(500), START)] == [104]
    short = EmergenceParams(cooldown=30)
    assert [a.minute for a in detect(series, _flat(500), START, short)] == [104, 161]


def test_no_alert_once_a_burst_is_over() -> None:
    """After twenty minutes at ten times its baseline the CUSUM takes long to drain (the burst
    also raised the dispersion that scales each minute's evidence); when the cool-down ends the
    term is back at its baseline, and the window's own evidence no longer favours a rise."""
    authors = [2] * 100 + [20] * 20 + [2] * 180
    short = EmergenceParams(cooldown=30)

    assert [
        a.minute for a in detect({"cargo skirt": TermSeries(authors, authors)}, _flat(500), START, short)
    ] == [104]


def test_a_term_that_has_burst_before_needs_more_evidence() -> None:
    """The first burst raises the term's dispersion and baseline: the same burst again is found
    eleven minutes after it starts, on a term that never burst in four."""
    bursty = [2] * 100 + [20] * 20 + [2] * 40 + [20] * 20 + [2] * 120
    calm = [2] * 160 + [20] * 20 + [2] * 120
    short = EmergenceParams(cooldown=30)

    assert [
        a.minute for a in detect({"cargo skirt": TermSeries(bursty, bursty)}, _flat(500), START, short)
    ] == [104, 171]
    assert [a.minute for a in detect({"cargo skirt": TermSeries(calm, calm)}, _flat(500), START, short)] == [
        164
    ]


def test_retweet_cascade_of_one_post_does_not_alert() -> None:
    """Thirty accounts a minute retweet one post for 20 minutes: many authors, one new source."""
    authors = [2] * 150 + [32] * 20 + [2] * 130
    sources = [2] * 150 + [3] + [2] * 149
    cascade = {"honestly": TermSeries(authors, authors, sources)}
    uncapped = {"honestly": TermSeries(authors, authors)}

    assert detect(cascade, _flat(500), START) == []
    assert [a.minute for a in detect(uncapped, _flat(500), START)] == [152]


def test_new_sources_cap_the_authors_of_each_minute() -> None:
    series = TermSeries(authors=[5, 30, 12], tweets=[5, 30, 60], sources=[5, 1, 60])

    assert minute_counts(series, 1.5) == [5.0, 1.0, pytest.approx(3.6)]
    assert minute_counts(TermSeries([5, 30], [5, 30]), 1.5) == [5.0, 30.0]


def test_common_word_needs_a_rise_in_proportion_to_its_baseline() -> None:
    """Doubling a word said by 50 people a minute is far outside Poisson noise, yet below the
    3.4-fold rate from which the CUSUM (``shift`` 8) gathers evidence; a detector looking for
    rises of one and a half sees it."""
    authors = [50] * 150 + [100] * 150
    series = {"honestly": TermSeries(authors, authors)}

    assert detect(series, _flat(500), START) == []
    doubling = EmergenceParams(shift=1.5)
    assert [a.minute for a in detect(series, _flat(500), START, doubling)] == [153]


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
    """A sixfold rise on a quiet term alerts once, when the CUSUM, the window's evidence and its
    volume all agree."""
    authors = [1] * 150 + [6] * 150
    alerts = detect({"mushroom lamp": TermSeries(authors, authors)}, _flat(500), START)

    assert len(alerts) == 1 and 150 < alerts[0].minute <= 165
    assert alerts[0].score >= PARAMS.threshold
    assert alerts[0].observed >= PARAMS.min_authors
    assert alerts[0].observed * math.log(PARAMS.shift) >= (PARAMS.shift - 1) * alerts[0].expected


def test_a_rare_phrase_needs_more_than_its_mean_baseline_says() -> None:
    """A phrase one person a minute in ten uses, then six people in six minutes: against the
    mean of its baseline that is news; against what a baseline learnt from a voice every ten
    minutes could be, it is not. A busy term's baseline is known well, so its margin is small
    and a real rise on it is found within a minute of when it is found without it."""
    rare = [1 if m % 10 == 0 else 0 for m in range(MINUTES)]
    rare[250:256] = [1] * 6
    exposure = _flat(100)
    mean_only = EmergenceParams(baseline_sd=0)

    assert detect({"lien stp": TermSeries(rare, rare)}, exposure, START) == []
    assert [a.minute for a in detect({"lien stp": TermSeries(rare, rare)}, exposure, START, mean_only)] == [
        255
    ]

    busy = [25] * 150 + [250] * 150
    found = detect({"coffee": TermSeries(busy, busy)}, _flat(500), START)
    without = detect({"coffee": TermSeries(busy, busy)}, _flat(500), START, mean_only)
    assert [a.minute for a in without] == [153] and [a.minute for a in found] == [154]
    assert found[0].expected == pytest.approx(without[0].expected, rel=0.03)


def test_an_outage_does_not_make_every_term_new() -> None:
    """Nothing is stored for a day (ingest was down); afterwards a word said as often as before
    is no news: minutes without data neither teach nor erase the baseline."""
    gap = range(100, 100 + 24 * 60)
    minutes = 100 + 24 * 60 + 120
    exposure = [0 if m in gap else 500 for m in range(minutes)]
    authors = [0 if m in gap else 25 for m in range(minutes)]

    assert detect({"coffee": TermSeries(authors, authors)}, exposure, START) == []
