"""The daily model-monitor job: production followed per model version and day, into ``model_drift``.

For each day, and each version of the language and sentiment models that enriched tweets that
day (``tweets.model_versions``), it records:

* output shares (kind ``output``): the language, sentiment-per-language and category mixes of
  the tweets that version enriched; topic births (model ``topics``) per day;
* drift (kind ``drift``): every metric of :func:`trendwatch.domain.drift.compare` of the day's
  tweets of the version against its own tweets of the :data:`REFERENCE_DAYS` days before, once
  it has :data:`MIN_TWEETS` on both sides. Not against all tweets: versions that serve a subset
  (the emoji lexicon for emoji-only tweets, VADER for the languages without a model of their
  own) would always look drifted; so a new release is watched from its second week, and its
  first day is a marker on the Models page's charts;
* accuracy (kind ``accuracy``): the share of the analysts' sentiment labels made that day on
  that version's outputs that found them right, and how many (``labels``); for topics, the share
  of topic labels that found the topic relevant.

A day's rows replace the day's partition in one step, so the job is idempotent: it redoes the
last recorded days (late tweets, new labels) and every day after them up to yesterday. A drift
past its threshold is logged as a warning (``model drift past threshold``): a log-based metric
and its alert policy (deploy/terraform/modules/monitoring) raise it in production.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pyarrow as pa

from trendwatch.app.drift import COMPONENTS, Tokenize, window_profile
from trendwatch.app.labels import import_labels
from trendwatch.domain.drift import (
    CATEGORY,
    DEFAULT_THRESHOLDS,
    LANGUAGE,
    SENTIMENT_PREFIX,
    WindowProfile,
    compare,
)
from trendwatch.observability import get_logger
from trendwatch.ports import BlobStore, Clock, Warehouse

log = get_logger(__name__)

DRIFT_WARNING = "model drift past threshold"
#: Days before a day that form its reference window.
REFERENCE_DAYS = 7
#: Fewer original tweets than this on a day (or in its reference) give no drift metrics: their
#: PSI would be noise.
MIN_TWEETS = 100
#: Recorded days recomputed on every run (late tweets, labels made since).
RECOMPUTE_DAYS = 2
#: Days computed by one run at most, the oldest first (a first run catches up over several).
MAX_DAYS_PER_RUN = 60
TOPICS_MODEL, ALL_VERSIONS = "topics", "all"

_DAYS_SQL = """
SELECT day FROM (
  SELECT DISTINCT DATE(created_at) AS day FROM tweets WHERE created_at < @until
  UNION DISTINCT
  SELECT DISTINCT DATE(labelled_at) AS day FROM labels WHERE labelled_at < @until
) AS d
WHERE day >= @first ORDER BY day
"""
_RECORDED_SQL = "SELECT DISTINCT day FROM model_drift ORDER BY day DESC LIMIT @n"


def _versions_sql(component: str) -> str:
    return (
        f"SELECT JSON_VALUE(model_versions, '$.{component}') AS version, COUNT(*) AS tweets FROM tweets "
        "WHERE retweet_of IS NULL AND created_at >= @since AND created_at < @until "
        "GROUP BY version HAVING version IS NOT NULL ORDER BY version"
    )


_SENTIMENT_LABELS_SQL = """
SELECT model_version AS version, COUNT(*) AS labels, COUNTIF(correct) AS right_labels
FROM labels WHERE kind = 'sentiment' AND labelled_at >= @since AND labelled_at < @until
GROUP BY version
"""
_TOPIC_LABELS_SQL = """
SELECT COUNT(*) AS labels, COUNTIF(correct) AS relevant
FROM labels WHERE kind = 'topic' AND labelled_at >= @since AND labelled_at < @until
"""
_TOPIC_BIRTHS_SQL = (
    "SELECT COUNT(*) AS births FROM topics WHERE first_seen_at >= @since AND first_seen_at < @until"
)


@dataclass(frozen=True)
class MonitorReport:
    days: list[date]
    rows: int
    #: (day, model, version, metric, value, threshold) of each drift past its threshold.
    drifted: list[tuple[date, str, str, str, float, float]]


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


class ModelMonitor:
    """Computes and stores ``model_drift`` rows day by day (see the module's docstring)."""

    def __init__(
        self,
        warehouse: Warehouse,
        clock: Clock,
        *,
        tokenize: Tokenize | None = None,
        embedding_model: str | None = None,
        thresholds: Mapping[str, float] = DEFAULT_THRESHOLDS,
        label_inbox: BlobStore | None = None,
    ) -> None:
        """``label_inbox``: a lake whose waiting labels each run imports first (locally, where
        the dashboard cannot write the warehouse; see :mod:`trendwatch.app.labels`)."""
        self._warehouse = warehouse
        self._label_inbox = label_inbox
        self._clock = clock
        self._tokenize = tokenize
        self._embedding_model = embedding_model
        self._thresholds = thresholds

    def pending_days(self) -> list[date]:
        """The last recorded days and every later day with tweets or labels, up to yesterday."""
        recorded = self._warehouse.query(_RECORDED_SQL, {"n": RECOMPUTE_DAYS})
        first = date.fromisoformat(str(recorded[-1]["day"])) if recorded else date(1970, 1, 1)
        today = _start(self._clock.now().astimezone(UTC).date())
        rows = self._warehouse.query(_DAYS_SQL, {"until": today, "first": first})
        return [date.fromisoformat(str(r["day"])) for r in rows][:MAX_DAYS_PER_RUN]

    def run(self) -> MonitorReport:
        if self._label_inbox is not None:
            import_labels(self._label_inbox, self._warehouse)
        days = self.pending_days()
        stored = 0
        drifted: list[tuple[date, str, str, str, float, float]] = []
        for day in days:
            rows = self.day_rows(day)
            self._warehouse.replace_partition("model_drift", day, pa.Table.from_pylist(rows))
            stored += len(rows)
            for row in (r for r in rows if r["drifted"]):
                drifted.append(
                    (day, row["model"], row["model_version"], row["metric"], row["value"], row["threshold"])
                )
                log.warning(
                    DRIFT_WARNING,
                    extra={k: row[k] for k in ("model", "model_version", "metric", "value", "threshold")}
                    | {"day": day.isoformat()},
                )
        return MonitorReport(days, stored, drifted)

    def day_rows(self, day: date) -> list[dict[str, Any]]:
        """Every ``model_drift`` row of ``day``."""
        since, until = _start(day), _start(day + timedelta(days=1))
        reference = (_start(day - timedelta(days=REFERENCE_DAYS)), since)
        now = self._clock.now()
        rows: list[dict[str, Any]] = []

        def add(model: str, version: str, kind: str, metric: str, value: float, **more: Any) -> None:
            rows.append(
                {
                    "day": day,
                    "model": model,
                    "model_version": version,
                    "kind": kind,
                    "metric": metric,
                    "value": float(value),
                    "threshold": more.get("threshold"),
                    "drifted": more.get("drifted"),
                    "tweets": more.get("tweets"),
                    "reference_start": more.get("reference_start"),
                    "reference_end": more.get("reference_end"),
                    "computed_at": now,
                }
            )

        window = {"since": since, "until": until}
        for component in COMPONENTS:
            for found in self._warehouse.query(_versions_sql(component), window):
                version = (component, str(found["version"]))
                current = self._profile(since, until, version)
                for metric, share in _shares(current).items():
                    add(component, version[1], "output", metric, share, tweets=current.tweets)
                if current.tweets < MIN_TWEETS:
                    continue
                baseline = self._profile(*reference, version)
                if baseline.tweets < MIN_TWEETS:
                    continue
                for m in compare(baseline, current, self._thresholds):
                    add(
                        component,
                        version[1],
                        "drift",
                        m.metric,
                        m.value,
                        threshold=m.threshold,
                        drifted=m.drifted,
                        tweets=current.tweets,
                        reference_start=reference[0].date(),
                        reference_end=day - timedelta(days=1),
                    )
        for judged in self._warehouse.query(_SENTIMENT_LABELS_SQL, window):
            judged_version = str(judged["version"] or "unknown")
            accuracy = judged["right_labels"] / judged["labels"]
            add("sentiment", judged_version, "accuracy", "label_accuracy", accuracy)
            add("sentiment", judged_version, "accuracy", "labels", judged["labels"])
        [topics] = self._warehouse.query(_TOPIC_LABELS_SQL, window)
        if topics["labels"]:
            add(TOPICS_MODEL, ALL_VERSIONS, "accuracy", "relevance", topics["relevant"] / topics["labels"])
            add(TOPICS_MODEL, ALL_VERSIONS, "accuracy", "labels", topics["labels"])
        [births] = self._warehouse.query(_TOPIC_BIRTHS_SQL, window)
        add(TOPICS_MODEL, ALL_VERSIONS, "output", "topic_births", births["births"])
        return rows

    def _profile(self, since: datetime, until: datetime, version: tuple[str, str] | None) -> WindowProfile:
        return window_profile(
            self._warehouse,
            since,
            until,
            tokenize=self._tokenize,
            embedding_model=self._embedding_model,
            version=version,
        )


def _shares(profile: WindowProfile) -> dict[str, float]:
    """``share:<feature>:<bucket>`` of the output mixes (language, sentiment per language, category)."""
    shares: dict[str, float] = {}
    for feature, buckets in sorted(profile.counts.items()):
        if feature not in (LANGUAGE, CATEGORY) and not feature.startswith(SENTIMENT_PREFIX):
            continue
        total = sum(buckets.values())
        for bucket, n in sorted(buckets.items()):
            shares[f"share:{feature}:{bucket}"] = n / total
    return shares


def drift_series(warehouse: Warehouse, *, since: date | None = None) -> Sequence[dict[str, Any]]:
    """The drift and accuracy rows of ``model_drift`` (the ``model_drift_daily`` view), oldest first."""
    condition = " AND day >= @since" if since is not None else ""
    return warehouse.query(
        "SELECT day, model, model_version, kind, metric, value, threshold, drifted, tweets "
        f"FROM model_drift WHERE kind IN ('drift', 'accuracy'){condition} "
        "ORDER BY day, model, model_version, metric",
        {"since": since} if since is not None else None,
    )
