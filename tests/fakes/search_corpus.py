"""A small warehouse of known tweets, for tests of the query language and its users.

Each tweet exists to prove one behaviour (word edges, accents, mentions, NULL languages,
a text that looks like SQL); ``T1`` is the oldest, ``T9`` the newest, one hour apart.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from trendwatch.adapters.local.warehouse import DuckDBWarehouse

START = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)

# id, author, text, lang, hashtags, categories, has_media
_TWEETS: list[tuple[str, str, str, str | None, list[str] | None, list[str] | None, bool | None]] = [
    ("T1", "u1", "J'adore cette robe rouge pour l'été", "fr", [], ["fashion"], True),
    ("T2", "u2", "Red dress season is here #SummerVibes", "en", ["summervibes"], ["fashion"], False),
    ("T3", "u3", "La robe est rouge et magnifique", "fr", [], ["fashion"], False),
    ("T4", "u3", "Garderobe pleine, rien à mettre", "fr", [], ["home"], False),
    ("T5", "u1", "Nouveau Café ouvert à Paris, merci @Zara", "fr", [], ["food_drink"], False),
    ("T6", "u2", "'; DROP TABLE tweets; -- is what a hacker tweets", "en", [], [], False),
    ("T7", "u3", "Cheap dress sale at @zarahome", "en", [], ["fashion"], True),
    ("T8", "u1", "Summer vibes only #summervibes", "en", ["summervibes"], ["lifestyle"], False),
    ("T9", "u2", "ROBE noire", None, None, None, None),
]

IDS = frozenset(t[0] for t in _TWEETS)

USERS = [
    {"user_id": "u1", "username": "ZaraFan", "followers_count": 10},
    {"user_id": "u2", "username": "stylist", "followers_count": 2000},
    {"user_id": "u3", "username": "paris_mode", "followers_count": 300},
]


def created_at(tweet_id: str) -> datetime:
    return START + timedelta(hours=int(tweet_id[1:]) - 1)


def tweet_rows() -> list[dict[str, Any]]:
    return [
        {
            "tweet_id": tweet_id,
            "author_id": author,
            "text": text,
            "lang": lang,
            "hashtags": hashtags,
            "categories": categories,
            "has_media": has_media,
            "created_at": created_at(tweet_id),
            "sentiment_label": "neutral",
            "sentiment_score": 0.0,
        }
        for tweet_id, author, text, lang, hashtags, categories, has_media in _TWEETS
    ]


def term_rows() -> list[dict[str, Any]]:
    """``#summervibes`` in T2 and T8 (six hours apart), ``robe`` in T1, T3 and T9."""
    facts = [("T2", "#summervibes", "u2"), ("T8", "#summervibes", "u1")]
    facts += [("T1", "robe", "u1"), ("T3", "robe", "u3"), ("T9", "robe", "u2")]
    return [
        {
            "tweet_id": tweet_id,
            "term": term,
            "kind": "hashtag" if term.startswith("#") else "keyphrase",
            "lang": "en",
            "author_id": author,
            "created_at": created_at(tweet_id),
            "sentiment_label": "positive",
            "sentiment_score": 0.5,
        }
        for tweet_id, term, author in facts
    ]


def build(path: Path) -> DuckDBWarehouse:
    """A DuckDB warehouse at ``path`` holding the corpus (close it before others open the file)."""
    warehouse = DuckDBWarehouse(path)
    warehouse.merge_rows("users", USERS)
    warehouse.merge_rows("tweets", tweet_rows())
    warehouse.merge_rows("tweet_terms", term_rows())
    return warehouse
