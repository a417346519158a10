"""Synthetic ``tweets`` and ``tweet_terms`` rows for the trend and alert tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from trendwatch.adapters.local.warehouse import DuckDBWarehouse

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
        self,
        minute: int,
        author: str,
        term: str,
        *,
        lang: str = "en",
        retweet_of: str | None = None,
        text: str | None = None,
    ) -> str:
        tweet_id = f"t{len(self.tweets)}"
        at = START + timedelta(minutes=minute, seconds=len(self.tweets) % 60)
        self.tweets.append(
            {
                "tweet_id": tweet_id,
                "created_at": at,
                "author_id": author,
                "retweet_of": retweet_of,
                "text": text,
            }
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
        return self.store_in(DuckDBWarehouse(path))

    def store_in(self, warehouse: DuckDBWarehouse) -> DuckDBWarehouse:
        warehouse.merge_rows("tweets", self.tweets)
        warehouse.merge_rows("tweet_terms", self.terms)
        return warehouse


def background(facts: Facts) -> None:
    """A steady crowd talking about coffee every minute: the exposure."""
    for minute in range(MINUTES):
        for n in range(BACKGROUND_AUTHORS):
            facts.post(minute, f"crowd-{n}", "coffee")


def rising_term(facts: Facts) -> None:
    """One author a minute says "mushroom lamp" until the onset, then twelve new authors a minute."""
    for minute in range(MINUTES):
        for n in range(RISING_AUTHORS if minute >= ONSET else 1):
            facts.post(minute, f"lamp-{minute}-{n}", "mushroom lamp", lang="fr" if n % 2 else "en")
