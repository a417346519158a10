"""Emerging topics from the warehouse: per-minute term series, the emergence detector, alerts.

The series are those the detector was evaluated on (``benchmarks/eval_trends.py``), built
here with BigQuery-dialect SQL from the stored facts: per term and minute the unique authors,
the tweets and the *new sources* (a retweet counts only the first time its source tweet is
seen with the term), and per minute the unique authors of the whole stream (the exposure).
Minute 0 is the minute of the first stored tweet, so the detector's warm-up runs from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec

from trendwatch.domain.emergence import Alert, EmergenceParams, TermSeries, detect
from trendwatch.ports import Warehouse

TOPIC_PREFIX = "term:"

#: Terms with fewer than one author per this many minutes on average are not scored (as in the
#: evaluation): they cannot reach the detector's minimum of voices and only cost time.
MIN_AUTHOR_RATE_MINUTES = 5.0

_BOUNDS_CTE = "bounds AS (SELECT TIMESTAMP_TRUNC(MIN(created_at), MINUTE) AS t0 FROM tweets)"

_SPAN_SQL = f"""
WITH {_BOUNDS_CTE}
SELECT ANY_VALUE(b.t0) AS start, TIMESTAMP_DIFF(MAX(t.created_at), ANY_VALUE(b.t0), MINUTE) + 1 AS minutes
FROM tweets AS t CROSS JOIN bounds AS b
"""

_EXPOSURE_SQL = f"""
WITH {_BOUNDS_CTE}
SELECT TIMESTAMP_DIFF(TIMESTAMP_TRUNC(t.created_at, MINUTE), b.t0, MINUTE) AS minute,
       COUNT(DISTINCT t.author_id) AS authors
FROM tweets AS t CROSS JOIN bounds AS b
GROUP BY minute
"""

_SERIES_SQL = f"""
WITH {_BOUNDS_CTE},
facts AS (
  SELECT tt.term, tt.author_id,
         TIMESTAMP_DIFF(TIMESTAMP_TRUNC(tt.created_at, MINUTE), b.t0, MINUTE) AS minute,
         ROW_NUMBER() OVER (
           PARTITION BY tt.term, COALESCE(t.retweet_of, tt.tweet_id) ORDER BY tt.created_at, tt.tweet_id
         ) = 1 AS new_source
  FROM tweet_terms AS tt
  CROSS JOIN bounds AS b
  LEFT JOIN tweets AS t ON t.tweet_id = tt.tweet_id
),
per_minute AS (
  SELECT term, minute, COUNT(DISTINCT author_id) AS authors, COUNT(*) AS tweets,
         COUNTIF(new_source) AS sources
  FROM facts
  GROUP BY term, minute
),
scored AS (
  SELECT *, SUM(authors) OVER (PARTITION BY term) AS author_minutes FROM per_minute
)
SELECT term, minute, authors, tweets, sources
FROM scored
WHERE author_minutes * @min_rate_minutes >= @minutes
"""

_LANGUAGES_SQL = """
SELECT term, ARRAY_AGG(DISTINCT lang ORDER BY lang) AS languages
FROM tweet_terms
WHERE term IN UNNEST(@terms) AND lang IS NOT NULL
GROUP BY term
"""


class TopicSummary(msgspec.Struct, frozen=True):
    topic_id: str
    label: str
    terms: list[str]
    score: float
    #: Tweets with the term in the scored window.
    volume: int
    #: Independent voices (authors capped by new sources) in the scored window, and the expected number.
    observed: float
    expected: float
    first_detected_at: str
    languages: list[str]


class _Span(msgspec.Struct):
    # convert: timestamps come back as datetimes from BigQuery, as ISO strings from local stores.
    start: datetime | None
    minutes: int | None


class Stream(msgspec.Struct, frozen=True):
    """The detector's input: minute 0 at ``start``, every series as long as ``exposure``."""

    start: datetime
    series: dict[str, TermSeries]
    exposure: list[int]


def load_stream(warehouse: Warehouse, min_rate_minutes: float = MIN_AUTHOR_RATE_MINUTES) -> Stream | None:
    """Per-minute series of every term with enough authors, or ``None`` for an empty warehouse."""
    [span] = msgspec.convert(warehouse.query(_SPAN_SQL), list[_Span])
    if span.start is None or not span.minutes:
        return None
    minutes = span.minutes
    exposure = [0] * minutes
    for row in warehouse.query(_EXPOSURE_SQL):
        exposure[int(row["minute"])] = int(row["authors"])
    columns: dict[str, tuple[list[int], list[int], list[int]]] = {}
    rows = warehouse.query(_SERIES_SQL, {"min_rate_minutes": min_rate_minutes, "minutes": minutes})
    for row in rows:
        authors, tweets, sources = columns.setdefault(
            row["term"], ([0] * minutes, [0] * minutes, [0] * minutes)
        )
        minute = int(row["minute"])
        authors[minute], tweets[minute], sources[minute] = (
            int(row["authors"]),
            int(row["tweets"]),
            int(row["sources"]),
        )
    series = {term: TermSeries(*counts) for term, counts in columns.items()}
    return Stream(span.start, series, exposure)


def _first_minute(alert: Alert, params: EmergenceParams) -> int:
    """Minute index of the start of the alert's scored window."""
    return max(0, alert.minute - params.window + 1)


def _explanation(alert: Alert, stream: Stream, params: EmergenceParams, volume: int) -> dict[str, Any]:
    first = _first_minute(alert, params)
    active = sum(stream.exposure[first : alert.minute + 1])
    return {
        "method": "quasi-Poisson deviance of independent voices against the term's baseline share",
        "observed": alert.observed,
        "expected": alert.expected,
        "ratio": round(alert.observed / alert.expected, 3),
        "tweets": volume,
        "window": {
            "minutes": params.window,
            "start": (stream.start + timedelta(minutes=first)).isoformat(),
            "end": alert.at.isoformat(),
            "active_authors": active,
        },
        "baseline": {
            "share": round(alert.expected / active, 6) if active else 0.0,
            "half_life_minutes": params.baseline_half_life,
        },
    }


def _summary(
    alert: Alert, stream: Stream, params: EmergenceParams, languages: Mapping[str, Sequence[str]]
) -> TopicSummary:
    first = _first_minute(alert, params)
    return TopicSummary(
        topic_id=TOPIC_PREFIX + alert.term,
        label=alert.term,
        terms=[alert.term],
        score=alert.score,
        volume=sum(stream.series[alert.term].tweets[first : alert.minute + 1]),
        observed=alert.observed,
        expected=alert.expected,
        first_detected_at=alert.at.isoformat(),
        languages=list(languages.get(alert.term, [])),
    )


def alert_id(topic_id: str, at: datetime) -> str:
    """Stable id of one emergence: a replay of the same facts finds the same id."""
    return f"{topic_id}@{at:%Y-%m-%dT%H:%MZ}"


def _alert_rows(
    alerts: Sequence[Alert], topics: Sequence[TopicSummary], stream: Stream, params: EmergenceParams
) -> list[dict[str, Any]]:
    as_of = stream.start + timedelta(minutes=len(stream.exposure) - 1)
    return [
        {
            "alert_id": alert_id(topic.topic_id, alert.at),
            "topic_id": topic.topic_id,
            "label": topic.label,
            "terms": topic.terms,
            "score": topic.score,
            "volume": topic.volume,
            "window_start": stream.start + timedelta(minutes=_first_minute(alert, params)),
            "first_detected_at": alert.at,
            "updated_at": as_of,
            "explanation": _explanation(alert, stream, params, topic.volume),
        }
        for alert, topic in zip(alerts, topics, strict=True)
    ]


def emerging_topics(
    warehouse: Warehouse,
    *,
    limit: int = 20,
    persist: bool = False,
    params: EmergenceParams | None = None,
) -> list[TopicSummary]:
    """The newest ``limit`` emergence alerts over the stored stream, newest first.

    ``persist`` also upserts every alert into ``trend_alerts`` (keyed by :func:`alert_id`, with
    ``updated_at`` the last stored minute so that replays write the same rows).
    """
    chosen = params or EmergenceParams()
    stream = load_stream(warehouse)
    if stream is None:
        return []
    alerts = detect(stream.series, stream.exposure, stream.start, chosen)
    if not alerts:
        return []
    terms = sorted({a.term for a in alerts})
    languages = {r["term"]: r["languages"] or [] for r in warehouse.query(_LANGUAGES_SQL, {"terms": terms})}
    topics = [_summary(a, stream, chosen, languages) for a in alerts]
    if persist:
        warehouse.merge_rows("trend_alerts", _alert_rows(alerts, topics, stream, chosen))
    newest = sorted(topics, key=lambda t: (t.first_detected_at, t.score), reverse=True)
    return newest[:limit]
