from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.snapshots import snapshot
from trendwatch.adapters.local.clock import ManualClock
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.aggregate import AggregateService
from trendwatch.app.handling import Received
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.contracts.events import Sentiment, SentimentLabel, TextEnrichment, TweetEnriched
from trendwatch.domain.tweets import Author, Interaction, Tweet

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def event(
    tweet_id: str,
    author: str,
    minute: float,
    tags: tuple[str, ...],
    label: SentimentLabel = "neutral",
    followers: int = 1,
) -> Received[TweetEnriched]:
    created = T0 + timedelta(minutes=minute)
    value = TweetEnriched(
        tweet=Tweet(
            tweet_id,
            created,
            Author(author, username=f"user{author}", followers_count=followers),
            "text",
            interactions=(Interaction("retweet", author, "star", tweet_id, created),),
        ),
        enrichment=TextEnrichment(
            lang="en",
            sentiment=Sentiment(label, {"positive": 0.8, "neutral": 0.0, "negative": -0.6}[label]),
            hashtags=tags,
        ),
    )
    return Received(PubSubMessage(tweet_id, b""), value)


@pytest.fixture
def warehouse(tmp_path: Path) -> DuckDBWarehouse:
    return DuckDBWarehouse(tmp_path / "w.duckdb")


@pytest.fixture
def aggregate(warehouse: DuckDBWarehouse) -> AggregateService:
    return AggregateService(warehouse, ManualClock(T0))


def windows(warehouse: DuckDBWarehouse, size: str) -> list[tuple[Any, ...]]:
    rows = warehouse.query(
        "SELECT window_start, term, tweet_count, unique_authors, positive, negative FROM term_windows "
        "WHERE window_size = @size ORDER BY window_start, term",
        {"size": size},
    )
    return [tuple(r.values()) for r in rows]


def test_windows_count_tweets_authors_and_sentiment_per_term(
    aggregate: AggregateService, warehouse: DuckDBWarehouse
) -> None:
    aggregate.add_tweets(
        [
            event("1", "a", 0.1, ("Dress",), "positive"),
            event("2", "a", 0.5, ("dress", "sale"), "negative"),
            event("3", "b", 1.2, ("dress",), "positive"),
        ]
    )
    assert windows(warehouse, "1m") == [
        ("2026-11-02T10:00:00+00:00", "#dress", 2, 1, 1, 1),
        ("2026-11-02T10:00:00+00:00", "#sale", 1, 1, 0, 1),
        ("2026-11-02T10:01:00+00:00", "#dress", 1, 1, 1, 0),
    ]
    assert windows(warehouse, "1h") == [
        ("2026-11-02T10:00:00+00:00", "#dress", 3, 2, 2, 1),
        ("2026-11-02T10:00:00+00:00", "#sale", 1, 1, 0, 1),
    ]
    edges = warehouse.query("SELECT COUNT(*) AS n FROM interactions WHERE kind = 'retweet'")
    assert edges == [{"n": 3}]


def test_redelivered_tweets_are_counted_once_and_change_no_table(
    aggregate: AggregateService, warehouse: DuckDBWarehouse
) -> None:
    batch = [event("1", "a", 0.1, ("dress",)), event("2", "b", 0.2, ("dress",))]
    aggregate.add_tweets(batch)
    before = snapshot(warehouse)
    aggregate.add_tweets(batch)
    aggregate.add_tweets([batch[1], batch[1]])
    assert snapshot(warehouse) == before
    assert windows(warehouse, "1m") == [("2026-11-02T10:00:00+00:00", "#dress", 2, 2, 0, 0)]


def test_late_event_updates_the_window_it_belongs_to(
    aggregate: AggregateService, warehouse: DuckDBWarehouse
) -> None:
    aggregate.add_tweets([event("1", "a", 0.1, ("dress",)), event("2", "a", 30.0, ("dress",))])
    aggregate.add_tweets([event("3", "c", 0.9, ("dress",))])  # arrives after a later tweet
    assert windows(warehouse, "1m")[0] == ("2026-11-02T10:00:00+00:00", "#dress", 2, 2, 0, 0)
    assert windows(warehouse, "1h") == [("2026-11-02T10:00:00+00:00", "#dress", 3, 2, 0, 0)]


def test_latest_profile_wins_whatever_the_delivery_order(
    aggregate: AggregateService, warehouse: DuckDBWarehouse
) -> None:
    aggregate.add_tweets([event("2", "a", 5.0, (), followers=500)])
    aggregate.add_tweets([event("1", "a", 1.0, (), followers=100)])
    aggregate.add_tweets([event("4", "b", 2.0, (), followers=7), event("3", "b", 1.0, (), followers=3)])
    rows = warehouse.query("SELECT user_id, followers_count FROM users ORDER BY user_id")
    assert rows == [{"user_id": "a", "followers_count": 500}, {"user_id": "b", "followers_count": 7}]
