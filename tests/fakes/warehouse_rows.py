"""Rows of warehouse tables as the services write them, for adapter tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def tweet_row(tweet_id: str, created_at: datetime, **changes: Any) -> dict[str, Any]:
    """A ``tweets`` row with a value in every kind of column: NULLs, an empty and a filled
    array, JSON, an integer where the column is FLOAT64, a timestamp given as ISO text."""
    row: dict[str, Any] = {
        "tweet_id": tweet_id,
        "created_at": created_at,
        "author_id": "7",
        "text": "Lampe champignon 🍄 #déco",
        "lang": "fr",
        "lang_hint": None,
        "sentiment_label": "positive",
        "sentiment_score": 1,
        "hashtags": ["déco"],
        "keyphrases": [],
        "categories": ["home"],
        "entities": [{"text": "Lampe champignon", "type": "PRODUCT"}],
        "retweet_of": None,
        "has_media": False,
        "retweet_count": 3,
        "like_count": 0,
        "model_versions": {"sentiment": "fr-1"},
        "ingested_at": "2026-11-02T10:00:01+00:00",
    }
    return row | changes
