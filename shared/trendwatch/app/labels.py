"""Analysts' labels: is this tweet's sentiment right (and if not, what is), is this topic relevant.

A label is one row of the ``labels`` table, keyed by what it judges and who judged it, so an
analyst who changes their mind replaces their label. Labels feed the live accuracy of each
sentiment model version (the daily model-monitor job) and the next training set.

Where a label is written depends on who may write what: in the cloud the API writes the
``labels`` table itself (it is granted that table alone); locally ``trendwatch serve`` holds the
warehouse file read-only (so that several readers may share it), so a label waits in the lake's
``labels/`` folder until the next monitor run brings it into the table (:func:`import_labels`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Literal, Protocol

from trendwatch.ports import BlobStore, Row, Warehouse

LabelKind = Literal["sentiment", "topic"]
SENTIMENT_LABELS = ("positive", "neutral", "negative")
INBOX = "labels/"

_TWEET_SQL = (
    "SELECT sentiment_label, JSON_VALUE(model_versions, '$.sentiment') AS model_version "
    "FROM tweets WHERE tweet_id = @tweet_id LIMIT 1"
)
_TOPIC_SQL = "SELECT topic_id FROM topics WHERE topic_id = @topic_id LIMIT 1"
_UNLABELLED_SQL = """
SELECT t.tweet_id, t.text, t.lang, t.sentiment_label
FROM tweets AS t LEFT JOIN labels AS l ON l.tweet_id = t.tweet_id AND l.kind = 'sentiment'
WHERE t.retweet_of IS NULL AND t.text IS NOT NULL AND t.sentiment_label IS NOT NULL AND l.label_id IS NULL
ORDER BY t.created_at DESC, t.tweet_id LIMIT @limit
"""


class UnknownItem(LookupError):
    """The tweet or topic to label is not stored."""


class LabelSink(Protocol):
    def record(self, row: Row) -> None:
        """Store one ``labels`` row (replacing the row of the same ``label_id``)."""
        ...


class WarehouseLabels:
    """Labels written to the ``labels`` table directly."""

    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse

    def record(self, row: Row) -> None:
        self._warehouse.merge_rows("labels", [row])


class LakeLabels:
    """Labels written as one JSON object each under ``labels/`` of a lake, for
    :func:`import_labels` to bring into the warehouse."""

    def __init__(self, lake: BlobStore) -> None:
        self._lake = lake

    def record(self, row: Row) -> None:
        name = f"{INBOX}{row['label_id'].replace('/', '_')}.json"
        self._lake.write(name, json.dumps(dict(row), default=str).encode(), "application/json")


def import_labels(lake: BlobStore, warehouse: Warehouse) -> int:
    """Merge every label waiting in the lake into ``labels``; returns how many were read. The
    objects stay (a merge by ``label_id`` makes importing twice harmless). Only a local run has
    an inbox: in the cloud the API writes ``labels`` itself and the monitor job never does."""
    rows = [json.loads(lake.read(name)) for name in lake.list(INBOX) if name.endswith(".json")]
    if rows:
        warehouse.merge_rows("labels", rows)
    return len(rows)


def unlabelled_tweets(warehouse: Warehouse, limit: int) -> list[dict[str, Any]]:
    """The newest original tweets with a sentiment and no sentiment label stored yet."""
    return warehouse.query(_UNLABELLED_SQL, {"limit": limit})


def sentiment_label(
    warehouse: Warehouse,
    tweet_id: str,
    *,
    correct: bool,
    label: str | None,
    labelled_by: str,
    at: datetime,
) -> dict[str, Any]:
    """The ``labels`` row of a judgement on a stored tweet's sentiment: ``label`` is the right one
    (the model's own when ``correct``). Raises :class:`UnknownItem` or ``ValueError``."""
    found = warehouse.query(_TWEET_SQL, {"tweet_id": tweet_id})
    if not found:
        raise UnknownItem(f"no tweet {tweet_id!r}")
    predicted = found[0]["sentiment_label"]
    right = predicted if correct else label
    if right not in SENTIMENT_LABELS:
        raise ValueError(f"the right label must be one of {', '.join(SENTIMENT_LABELS)}")
    if not correct and right == predicted:
        raise ValueError("a wrong prediction needs a label other than the model's")
    return _row(
        "sentiment", tweet_id, None, correct, right, predicted, found[0]["model_version"], labelled_by, at
    )


def topic_label(
    warehouse: Warehouse, topic_id: str, *, relevant: bool, labelled_by: str, at: datetime
) -> dict[str, Any]:
    """The ``labels`` row of a judgement on a stored topic's relevance."""
    if not warehouse.query(_TOPIC_SQL, {"topic_id": topic_id}):
        raise UnknownItem(f"no topic {topic_id!r}")
    label = "relevant" if relevant else "not_relevant"
    return _row("topic", None, topic_id, relevant, label, None, None, labelled_by, at)


def labeller_key(labelled_by: str) -> str:
    """Who labelled, as the key may carry it: ``labelled_by`` is an analyst's address, a personal
    column read only through its policy tag, while the key is read by everyone who reads labels."""
    return hashlib.sha256(labelled_by.encode("utf-8")).hexdigest()[:16]


def _row(
    kind: LabelKind,
    tweet_id: str | None,
    topic_id: str | None,
    correct: bool,
    label: str | None,
    predicted: str | None,
    model_version: str | None,
    labelled_by: str,
    at: datetime,
) -> dict[str, Any]:
    return {
        "label_id": f"{kind}:{tweet_id or topic_id}:{labeller_key(labelled_by)}",
        "kind": kind,
        "tweet_id": tweet_id,
        "topic_id": topic_id,
        "correct": correct,
        "label": label,
        "predicted": predicted,
        "model_version": model_version,
        "labelled_by": labelled_by,
        "labelled_at": at,
    }
