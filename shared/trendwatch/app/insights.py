"""First-version answers for analysts: rising terms as topics, amplified users as influencers.

These read the aggregate tables with BigQuery-dialect SQL. The methods are deliberately
simple (a z-like score of unique authors against the term's own recent baseline; distinct
amplifiers weighted by interaction kind); later work replaces the methods, not the contract.
"""

from __future__ import annotations

from typing import Any

import msgspec

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
    evidence: dict[str, int]


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


_INFLUENCERS_SQL = """
SELECT i.target_user_id AS user_id, ANY_VALUE(u.username) AS username,
       ANY_VALUE(u.followers_count) AS followers,
       COUNT(DISTINCT IF(i.kind = 'retweet', i.source_user_id, NULL)) AS retweeters,
       COUNT(DISTINCT IF(i.kind = 'quote', i.source_user_id, NULL)) AS quoters,
       COUNT(DISTINCT IF(i.kind = 'reply', i.source_user_id, NULL)) AS repliers,
       COUNT(DISTINCT IF(i.kind = 'mention', i.source_user_id, NULL)) AS mentioners
FROM interactions AS i
LEFT JOIN users AS u ON u.user_id = i.target_user_id
WHERE @term IS NULL OR i.tweet_id IN (SELECT tweet_id FROM tweet_terms WHERE term = @term)
GROUP BY i.target_user_id
"""

_KIND_WEIGHTS = {"retweeters": 1.0, "quoters": 1.5, "repliers": 0.5, "mentioners": 0.3}


def influencers(
    warehouse: Warehouse, *, topic_id: str | None = None, limit: int = 20
) -> list[InfluencerSummary]:
    """Users amplified by the most distinct others (retweets count most, mentions least)."""
    term = topic_id.removeprefix(TOPIC_PREFIX) if topic_id else None
    rows: list[dict[str, Any]] = warehouse.query(_INFLUENCERS_SQL, {"term": term})
    scored = sorted(
        ((sum(w * int(row[k]) for k, w in _KIND_WEIGHTS.items()), row) for row in rows),
        key=lambda pair: (-pair[0], pair[1]["user_id"]),
    )[:limit]
    return [
        InfluencerSummary(
            user_id=row["user_id"],
            username=row["username"],
            score=round(score, 3),
            rank=rank,
            topic_id=topic_id,
            followers=row["followers"],
            evidence={k: int(row[k]) for k in _KIND_WEIGHTS},
        )
        for rank, (score, row) in enumerate(scored, start=1)
    ]
