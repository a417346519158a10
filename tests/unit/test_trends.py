from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.trends import emerging_topics, load_stream
from trendwatch.domain.emergence import TermSeries, detect

START = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
MINUTES = 120
ONSET = 90
BACKGROUND_AUTHORS = 20
RISING_AUTHORS = 12
CASCADE_RETWEETERS = 30


class Facts:
    """``tweets`` and ``tweet_terms`` rows of a synthetic stream."""

    def __init__(self) -> None:
        self.tweets: list[dict[str, Any]] = []
        self.terms: list[dict[str, Any]] = []

    def post(
        self, minute: int, author: str, term: str, *, lang: str = "en", retweet_of: str | None = None
    ) -> str:
        tweet_id = f"t{len(self.tweets)}"
        at = START + timedelta(minutes=minute, seconds=len(self.tweets) % 60)
        self.tweets.append(
            {"tweet_id": tweet_id, "created_at": at, "author_id": author, "retweet_of": retweet_of}
        )
        self.terms.append(
            {
                "tweet_id": tweet_id,
                "term": term,
                "kind": "keyphrase",
                "lang": lang,
                "author_id": author,
                "created_at": at,
            }
        )
        return tweet_id

    def store(self, path: Path) -> DuckDBWarehouse:
        warehouse = DuckDBWarehouse(path)
        warehouse.merge_rows("tweets", self.tweets)
        warehouse.merge_rows("tweet_terms", self.terms)
        return warehouse


def _background(facts: Facts) -> None:
    """A steady crowd talking about coffee every minute: the exposure."""
    for minute in range(MINUTES):
        for n in range(BACKGROUND_AUTHORS):
            facts.post(minute, f"crowd-{n}", "coffee")


def _rising_term(facts: Facts) -> None:
    """One author a minute says "mushroom lamp" until the onset, then twelve new authors a minute."""
    for minute in range(MINUTES):
        for n in range(RISING_AUTHORS if minute >= ONSET else 1):
            facts.post(minute, f"lamp-{minute}-{n}", "mushroom lamp", lang="fr" if n % 2 else "en")


@pytest.fixture
def rising(tmp_path: Path) -> DuckDBWarehouse:
    facts = Facts()
    _background(facts)
    _rising_term(facts)
    return facts.store(tmp_path / "warehouse.duckdb")


def test_series_count_authors_tweets_and_exposure_per_minute(rising: DuckDBWarehouse) -> None:
    stream = load_stream(rising)

    assert stream is not None and stream.start == START and len(stream.exposure) == MINUTES
    assert stream.exposure[0] == BACKGROUND_AUTHORS + 1
    assert stream.exposure[ONSET] == BACKGROUND_AUTHORS + RISING_AUTHORS
    lamp = stream.series["mushroom lamp"]
    assert list(lamp.authors[ONSET - 2 : ONSET + 2]) == [1, 1, RISING_AUTHORS, RISING_AUTHORS]
    assert lamp.sources == lamp.tweets == lamp.authors


def test_a_term_rising_after_a_flat_baseline_alerts_at_its_minute(rising: DuckDBWarehouse) -> None:
    """With twelve authors a minute the 15-minute window first holds five times its expected voices
    in the sixth risen minute."""
    expected_minute = ONSET + 5
    [topic] = emerging_topics(rising)

    assert topic.topic_id == "term:mushroom lamp"
    assert (topic.label, topic.terms, topic.languages) == ("mushroom lamp", ["mushroom lamp"], ["en", "fr"])
    assert topic.first_detected_at == (START + timedelta(minutes=expected_minute)).isoformat()
    # the 15-minute window holds nine flat minutes and six risen ones
    assert topic.volume == 9 * 1 + 6 * RISING_AUTHORS
    assert topic.observed == 81.0 and topic.score > 4.5 and topic.observed >= 5 * topic.expected


def test_a_retweet_cascade_of_one_post_does_not_alert(tmp_path: Path) -> None:
    facts = Facts()
    _background(facts)
    for minute in range(MINUTES):
        facts.post(minute, f"skirt-{minute}", "cargo skirt")
    source = facts.post(ONSET, "star", "cargo skirt")
    for minute in range(ONSET, MINUTES):
        for n in range(CASCADE_RETWEETERS):
            facts.post(minute, f"fan-{minute}-{n}", "cargo skirt", retweet_of=source)
    warehouse = facts.store(tmp_path / "warehouse.duckdb")

    stream = load_stream(warehouse)

    assert stream is not None
    skirt = stream.series["cargo skirt"]
    assert (skirt.authors[ONSET + 1], skirt.sources[ONSET + 1] if skirt.sources else None) == (31, 1)
    assert emerging_topics(warehouse) == []
    # counted by authors alone, the same cascade would alert
    assert detect({"cargo skirt": TermSeries(skirt.authors, skirt.tweets)}, stream.exposure, START)


def test_persisting_twice_leaves_one_row_per_alert_with_its_explanation(rising: DuckDBWarehouse) -> None:
    emerging_topics(rising, persist=True)
    [topic] = emerging_topics(rising, persist=True)

    rows = rising.query("SELECT alert_id, topic_id, volume, window_start, explanation FROM trend_alerts")

    assert len(rows) == 1
    row = rows[0]
    assert row["alert_id"] == "term:mushroom lamp@2026-11-02T07:35Z"
    assert (row["topic_id"], row["volume"]) == (topic.topic_id, topic.volume)
    assert row["window_start"] == (START + timedelta(minutes=ONSET + 5 - 14)).isoformat()
    explanation = json.loads(row["explanation"])
    assert explanation["observed"] == topic.observed and explanation["expected"] == topic.expected
    assert explanation["window"]["minutes"] == 15
    assert explanation["window"]["active_authors"] == 9 * (BACKGROUND_AUTHORS + 1) + 6 * (
        BACKGROUND_AUTHORS + RISING_AUTHORS
    )


def test_an_empty_warehouse_has_no_topics(tmp_path: Path) -> None:
    assert emerging_topics(DuckDBWarehouse(tmp_path / "warehouse.duckdb")) == []
