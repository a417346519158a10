"""Answers for analysts: emerging terms as topics, amplified users as influencers.

These read the aggregate tables with BigQuery-dialect SQL. Emerging topics are the alerts of
the evaluated emergence detector (see :mod:`trendwatch.app.trends`); influence is a
trust-weighted PageRank of the interaction graph. Later work replaces the methods, not the
contract.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from trendwatch.app.trends import TOPIC_PREFIX, TopicSummary, emerging_topics, find_emergences, newest_first
from trendwatch.domain.emergence import EmergenceParams
from trendwatch.domain.influence import Edge, Profile, rank_influence
from trendwatch.domain.topics import Embed
from trendwatch.ports import Warehouse

__all__ = [
    "TOPIC_PREFIX",
    "FirstVoice",
    "InfluencerSummary",
    "TopicSummary",
    "emerging_topics",
    "first_voices",
    "influencers",
    "read_emerging_topics",
    "topic_terms",
]


def read_emerging_topics(
    warehouse: Warehouse, *, params: EmergenceParams | None = None, embed: Embed | None = None
) -> list[TopicSummary]:
    """Every emerging topic, newest first (best score first within a minute), as
    :func:`emerging_topics` ranks them but storing nothing: for readers (the API, notebooks),
    who may hold the warehouse read-only and must not write to the production one."""
    found = find_emergences(warehouse, params=params, embed=embed, persist_topics=False)
    return newest_first(found)


class InfluencerSummary(msgspec.Struct, frozen=True):
    user_id: str
    username: str | None
    score: float
    rank: int
    topic_id: str | None
    followers: int | None
    evidence: dict[str, float]


_ALL_EDGES_SQL = """
SELECT source_user_id AS source, target_user_id AS target, kind, created_at FROM interactions
"""

# Edges of a topic: interactions whose tweet carries one of its terms, or retweets of a tweet that does.
_TOPIC_EDGES_SQL = """
SELECT i.source_user_id AS source, i.target_user_id AS target, i.kind, i.created_at
FROM interactions AS i
LEFT JOIN tweets AS t ON t.tweet_id = i.tweet_id
WHERE i.tweet_id IN (SELECT tweet_id FROM tweet_terms WHERE term IN UNNEST(@terms))
   OR t.retweet_of IN (SELECT tweet_id FROM tweet_terms WHERE term IN UNNEST(@terms))
"""

# A topic's terms now: each term's latest membership (merges move terms between topics).
_TOPIC_TERMS_SQL = """
WITH latest AS (
  SELECT term, topic_id,
         ROW_NUMBER() OVER (PARTITION BY term ORDER BY joined_at DESC, seq DESC) AS n
  FROM topic_terms
)
SELECT term FROM latest WHERE n = 1 AND topic_id = @topic_id ORDER BY term
"""


def topic_terms(warehouse: Warehouse, topic_id: str) -> list[str]:
    """The terms of a topic: its founding term (the id names it) and every term that joined it."""
    joined = [row["term"] for row in warehouse.query(_TOPIC_TERMS_SQL, {"topic_id": topic_id})]
    return sorted({topic_id.removeprefix(TOPIC_PREFIX), *joined})


_PROFILES_SQL = """
WITH members AS (
  SELECT source_user_id AS user_id FROM interactions
  UNION DISTINCT
  SELECT target_user_id AS user_id FROM interactions
),
activity AS (
  SELECT author_id, COUNT(*) AS posts, COUNTIF(retweet_of IS NULL) AS originals,
         MIN(created_at) AS first_post_at, MAX(created_at) AS last_post_at
  FROM tweets
  GROUP BY author_id
)
SELECT m.user_id, u.username, COALESCE(u.followers_count, 0) AS followers,
       COALESCE(u.tweet_count, 0) AS tweet_count, u.account_created_at,
       COALESCE(a.posts, 0) AS posts, COALESCE(a.originals, 0) AS originals,
       a.first_post_at, a.last_post_at
FROM members AS m
LEFT JOIN users AS u ON u.user_id = m.user_id
LEFT JOIN activity AS a ON a.author_id = m.user_id
"""


def influencers(
    warehouse: Warehouse, *, topic_id: str | None = None, limit: int = 20, persist: bool = False
) -> list[InfluencerSummary]:
    """The most influential users, overall or on one topic (see :mod:`trendwatch.domain.influence`):
    a topic's graph is the interactions around tweets carrying any of its terms.

    Scores are as of the latest interaction stored, so that replaying old data ranks as it
    would have then. ``persist`` also writes the ranking to the ``influencers`` table
    (``topic_id`` ``''`` for the overall ranking).
    """
    rows = (
        warehouse.query(_TOPIC_EDGES_SQL, {"terms": topic_terms(warehouse, topic_id)})
        if topic_id
        else warehouse.query(_ALL_EDGES_SQL)
    )
    # convert: timestamps come back as datetimes from BigQuery, as ISO strings from local stores.
    edges = msgspec.convert(rows, list[Edge])
    if not edges:
        return []
    profiles = {p.user_id: p for p in msgspec.convert(warehouse.query(_PROFILES_SQL), list[Profile])}
    as_of = max(e.created_at for e in edges)
    ranked = [
        InfluencerSummary(
            user_id=s.user_id,
            username=s.username,
            score=s.score,
            rank=s.rank,
            topic_id=topic_id,
            followers=s.followers,
            evidence=s.evidence,
        )
        for s in rank_influence(edges, profiles, as_of, limit=limit)
    ]
    if persist:
        warehouse.merge_rows(
            "influencers",
            [{**msgspec.structs.asdict(r), "as_of": as_of, "topic_id": topic_id or ""} for r in ranked],
        )
    return ranked


class FirstVoice(msgspec.Struct, frozen=True):
    """An account among the first to post (not retweet) on a topic, with its first such post."""

    user_id: str
    username: str | None
    first_post_at: datetime
    tweet_id: str
    rank: int


_FIRST_VOICES_SQL = """
WITH posts AS (
  SELECT author_id, tweet_id, created_at,
         ROW_NUMBER() OVER (PARTITION BY author_id ORDER BY created_at, tweet_id) AS n
  FROM tweets
  WHERE retweet_of IS NULL
    AND tweet_id IN (SELECT tweet_id FROM tweet_terms WHERE term IN UNNEST(@terms))
)
SELECT p.author_id AS user_id, u.username, p.created_at AS first_post_at, p.tweet_id
FROM posts AS p
LEFT JOIN users AS u ON u.user_id = p.author_id
WHERE p.n = 1
ORDER BY p.created_at, p.author_id
LIMIT @limit
"""


def first_voices(warehouse: Warehouse, topic_id: str, *, limit: int = 10) -> list[FirstVoice]:
    """Who spoke first on a topic: the earliest authors of original posts carrying any of its terms."""
    rows = warehouse.query(_FIRST_VOICES_SQL, {"terms": topic_terms(warehouse, topic_id), "limit": limit})
    return [msgspec.convert({**row, "rank": n}, FirstVoice) for n, row in enumerate(rows, start=1)]
