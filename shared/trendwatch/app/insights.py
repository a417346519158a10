"""First-version answers for analysts: rising terms as topics, amplified users as influencers.

These read the aggregate tables with BigQuery-dialect SQL. The methods are deliberately
simple for topics (a z-like score of unique authors against the term's own recent baseline);
influence is a trust-weighted PageRank of the interaction graph. Later work replaces the
methods, not the contract.
"""

from __future__ import annotations

import msgspec

from trendwatch.domain.influence import Edge, Profile, rank_influence
from trendwatch.ports import Warehouse

TOPIC_PREFIX = "term:"


class TopicSummary(msgspec.Struct, frozen=True):
    topic_id: str
    label: str
    terms: list[str]
    score: float
    volume: int
    unique_authors: int
    expected: float
    first_detected_at: str
    languages: list[str]


class InfluencerSummary(msgspec.Struct, frozen=True):
    user_id: str
    username: str | None
    score: float
    rank: int
    topic_id: str | None
    followers: int | None
    evidence: dict[str, float]


_EMERGING_SQL = """
WITH latest AS (SELECT MAX(created_at) AS t, MIN(created_at) AS t0 FROM tweet_terms),
current_period AS (
  SELECT term, COUNT(*) AS volume, COUNT(DISTINCT author_id) AS authors, MIN(created_at) AS first_at,
         ARRAY_AGG(DISTINCT lang ORDER BY lang) AS languages
  FROM tweet_terms, latest
  WHERE created_at > TIMESTAMP_SUB(latest.t, INTERVAL @window_minutes MINUTE)
  GROUP BY term
),
baseline AS (
  SELECT term, COUNT(DISTINCT author_id) AS authors
  FROM tweet_terms, latest
  WHERE created_at <= TIMESTAMP_SUB(latest.t, INTERVAL @window_minutes MINUTE)
    AND created_at > TIMESTAMP_SUB(latest.t, INTERVAL @window_minutes * (@baseline_windows + 1) MINUTE)
  GROUP BY term
),
history AS (
  SELECT GREATEST(LEAST(TIMESTAMP_DIFF(t, t0, MINUTE) / @window_minutes - 1, @baseline_windows), 1) AS windows
  FROM latest
)
SELECT c.term, c.volume, c.authors, c.first_at, c.languages,
       COALESCE(b.authors, 0) / h.windows AS expected,
       (c.authors - COALESCE(b.authors, 0) / h.windows) / SQRT(COALESCE(b.authors, 0) / h.windows + 1) AS score
FROM current_period AS c
CROSS JOIN history AS h
LEFT JOIN baseline AS b ON b.term = c.term
WHERE c.authors >= @min_authors
ORDER BY score DESC
LIMIT @limit
"""


def emerging_topics(
    warehouse: Warehouse,
    *,
    window_minutes: int | None = None,
    baseline_windows: int = 6,
    min_authors: int = 5,
    min_score: float = 2.0,
    limit: int = 20,
) -> list[TopicSummary]:
    """Terms whose unique authors in the last window clearly exceed their own baseline, newest first.

    The window defaults to a quarter of the stored span (between 5 and 60 minutes), so that
    a short stream still has a baseline to compare with.
    """
    if window_minutes is None:
        [span] = warehouse.query(
            "SELECT TIMESTAMP_DIFF(MAX(created_at), MIN(created_at), MINUTE) AS minutes FROM tweet_terms"
        )
        window_minutes = max(5, min(60, int(span["minutes"] or 0) // 4))
    rows = warehouse.query(
        _EMERGING_SQL,
        {
            "window_minutes": window_minutes,
            "baseline_windows": baseline_windows,
            "min_authors": min_authors,
            "limit": limit * 5,
        },
    )
    topics = [
        TopicSummary(
            topic_id=TOPIC_PREFIX + row["term"],
            label=row["term"],
            terms=[row["term"]],
            score=round(float(row["score"]), 3),
            volume=int(row["volume"]),
            unique_authors=int(row["authors"]),
            expected=round(float(row["expected"]), 3),
            first_detected_at=str(row["first_at"]),
            languages=list(row["languages"] or []),
        )
        for row in rows
        if float(row["score"]) >= min_score
    ][:limit]
    return sorted(topics, key=lambda t: (t.first_detected_at, t.score), reverse=True)


# Edges of a topic: interactions whose tweet carries the term, or retweets of a tweet that does.
_EDGES_SQL = """
SELECT i.source_user_id AS source, i.target_user_id AS target, i.kind, i.created_at
FROM interactions AS i
LEFT JOIN tweets AS t ON t.tweet_id = i.tweet_id
WHERE @term IS NULL
   OR i.tweet_id IN (SELECT tweet_id FROM tweet_terms WHERE term = @term)
   OR t.retweet_of IN (SELECT tweet_id FROM tweet_terms WHERE term = @term)
"""

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
    """The most influential users, overall or on one topic (see :mod:`trendwatch.domain.influence`).

    Scores are as of the latest interaction stored, so that replaying old data ranks as it
    would have then. ``persist`` also writes the ranking to the ``influencers`` table
    (``topic_id`` ``''`` for the overall ranking).
    """
    term = topic_id.removeprefix(TOPIC_PREFIX) if topic_id else None
    # convert: timestamps come back as datetimes from BigQuery, as ISO strings from local stores.
    edges = msgspec.convert(warehouse.query(_EDGES_SQL, {"term": term}), list[Edge])
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
