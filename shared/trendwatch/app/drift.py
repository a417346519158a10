"""Drift of the stored stream: window profiles read from the warehouse, compared by the domain.

The SQL is BigQuery's dialect, read through the :class:`~trendwatch.ports.Warehouse` port
(DuckDB transpiles it locally): every feature's bucket counts and the embedding centroid are
aggregated in the warehouse, so a day of production traffic comes back as a few hundred rows.
Only the new-token rate reads texts, at most :data:`TOKEN_SAMPLE` of a window's.

Original tweets only: a retweet repeats its original's text and labels, and a viral tweet would
otherwise weigh as much as the whole rest of the stream.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from trendwatch.domain.drift import (
    CATEGORY,
    DEFAULT_THRESHOLDS,
    HASHTAGS,
    LANGUAGE,
    SENTIMENT_PREFIX,
    SENTIMENT_SCORE,
    TEXT_LENGTH,
    DriftMetric,
    WindowProfile,
    compare,
)
from trendwatch.ports import Warehouse

#: Texts of a window tokenised for the new-token rate, at most (the earliest, by tweet id).
TOKEN_SAMPLE = 20_000
Tokenize = Callable[[str], Sequence[str]]

#: Model components whose version a profile can be limited to: the keys of ``tweets.model_versions``.
COMPONENTS = ("lang", "sentiment")


def _window(component: str | None, alias: str = "") -> str:
    """The condition of a window's original tweets (``@since``, ``@until``), of one version of a
    model component (``@model_version``) when ``component`` is given. A JSON path must be a
    literal in BigQuery, so the component is one of :data:`COMPONENTS`, never a parameter."""
    t = f"{alias}." if alias else ""
    condition = f"{t}retweet_of IS NULL AND {t}created_at >= @since AND {t}created_at < @until"
    if component is None:
        return condition
    if component not in COMPONENTS:
        raise ValueError(f"unknown model component {component!r}")
    return f"{condition} AND JSON_VALUE({t}model_versions, '$.{component}') = @model_version"


def profile_sql(component: str | None = None) -> str:
    """(feature, bucket, tweets) of one window. Buckets of the numeric features are fixed bins
    (the sentiment score in tenths of its -1..1 range, the text length in 20-character steps up
    to 280, the hashtag count up to 5), so both windows are binned alike without a first pass."""
    window = _window(component)
    return f"""
SELECT '{LANGUAGE}' AS feature, COALESCE(lang, 'und') AS bucket, COUNT(*) AS tweets
FROM tweets WHERE {window} GROUP BY bucket
UNION ALL
SELECT CONCAT('{SENTIMENT_PREFIX}', COALESCE(lang, 'und')) AS feature,
  COALESCE(sentiment_label, 'none') AS bucket, COUNT(*) AS tweets
FROM tweets WHERE {window} GROUP BY feature, bucket
UNION ALL
SELECT '{CATEGORY}' AS feature, COALESCE(category, 'none') AS bucket, COUNT(*) AS tweets
FROM tweets LEFT JOIN UNNEST(categories) AS category
WHERE {window} GROUP BY bucket
UNION ALL
SELECT '{SENTIMENT_SCORE}' AS feature,
  CAST(LEAST(CAST(FLOOR((COALESCE(sentiment_score, 0) + 1) * 5) AS INT64), 9) AS STRING) AS bucket,
  COUNT(*) AS tweets
FROM tweets WHERE {window} GROUP BY bucket
UNION ALL
SELECT '{TEXT_LENGTH}' AS feature,
  CAST(LEAST(CAST(FLOOR(LENGTH(COALESCE(text, '')) / 20) AS INT64), 14) AS STRING) AS bucket,
  COUNT(*) AS tweets
FROM tweets WHERE {window} GROUP BY bucket
UNION ALL
SELECT '{HASHTAGS}' AS feature, CAST(LEAST(ARRAY_LENGTH(hashtags), 5) AS STRING) AS bucket,
  COUNT(*) AS tweets
FROM tweets WHERE {window} GROUP BY bucket
"""


def centroid_sql(component: str | None = None) -> str:
    """The mean embedding (model ``@model``) of a window's original tweets, one row per dimension."""
    return f"""
SELECT dim, AVG(x) AS mean
FROM (
  SELECT e.embedding FROM tweet_embeddings AS e JOIN tweets AS t ON t.tweet_id = e.tweet_id
  WHERE e.model = @model AND {_window(component, "t")}
) AS w, UNNEST(w.embedding) AS x WITH OFFSET AS dim
GROUP BY dim ORDER BY dim
"""


def texts_sql(component: str | None = None) -> str:
    """The texts of a window's first ``@limit`` original tweets (by id)."""
    return f"SELECT text FROM tweets WHERE {_window(component)} AND text IS NOT NULL ORDER BY tweet_id LIMIT @limit"


SPAN_SQL = "SELECT MIN(created_at) AS first, MAX(created_at) AS last, COUNT(*) AS tweets FROM tweets WHERE retweet_of IS NULL"


@dataclass(frozen=True)
class DriftReport:
    """The drift of ``[reference_until, until)`` against ``[since, reference_until)``."""

    since: datetime
    reference_until: datetime
    until: datetime
    metrics: list[DriftMetric]

    @property
    def drifted(self) -> list[DriftMetric]:
        return [m for m in self.metrics if m.drifted]


def _when(value: Any) -> datetime:
    """A timestamp as the warehouse returns it (ISO text from both engines) as a datetime."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def stream_span(warehouse: Warehouse) -> tuple[datetime, datetime] | None:
    """First and last creation time of the stored original tweets; ``None`` when there are none."""
    [row] = warehouse.query(SPAN_SQL)
    if not row["tweets"]:
        return None
    return _when(row["first"]), _when(row["last"])


def window_profile(
    warehouse: Warehouse,
    since: datetime,
    until: datetime,
    *,
    tokenize: Tokenize | None = None,
    embedding_model: str | None = None,
    version: tuple[str, str] | None = None,
) -> WindowProfile:
    """The profile of original tweets created in ``[since, until)``; tokens only with
    ``tokenize``, the centroid only with ``embedding_model`` (the stored embeddings' model);
    only the tweets a ``version`` (component, version) of a model enriched, when given."""
    component = version[0] if version else None
    window: dict[str, Any] = {"since": since, "until": until}
    if version is not None:
        window["model_version"] = version[1]
    counts: dict[str, dict[str, int]] = {}
    for row in warehouse.query(profile_sql(component), window):
        counts.setdefault(row["feature"], {})[str(row["bucket"])] = int(row["tweets"])
    centroid: list[float] = []
    if embedding_model is not None:
        rows = warehouse.query(centroid_sql(component), {**window, "model": embedding_model})
        centroid = [float(r["mean"]) for r in rows]
    tokens: Counter[str] = Counter()
    if tokenize is not None:
        for row in warehouse.query(texts_sql(component), {**window, "limit": TOKEN_SAMPLE}):
            tokens.update(tokenize(row["text"]))
    return WindowProfile(sum(counts.get(LANGUAGE, {}).values()), counts, centroid, dict(tokens))


def measure_drift(
    warehouse: Warehouse,
    *,
    reference_until: datetime | None = None,
    tokenize: Tokenize | None = None,
    embedding_model: str | None = None,
    thresholds: Mapping[str, float] = DEFAULT_THRESHOLDS,
) -> DriftReport | None:
    """The stored stream after ``reference_until`` against the stream before it (default: the
    first half of the stored time range); ``None`` when nothing is stored."""
    span = stream_span(warehouse)
    if span is None:
        return None
    first, last = span
    cut = reference_until or first + (last - first) / 2
    if not first < cut <= last:
        raise ValueError(f"the reference must end inside the stored range {first} .. {last}, not at {cut}")
    end = last + timedelta(microseconds=1)  # the window's end is exclusive, the last tweet in
    reference = window_profile(warehouse, first, cut, tokenize=tokenize, embedding_model=embedding_model)
    current = window_profile(warehouse, cut, end, tokenize=tokenize, embedding_model=embedding_model)
    return DriftReport(first, cut, end, compare(reference, current, thresholds))
