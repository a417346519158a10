"""Drift detection measured on generated streams: stationary ones must stay quiet, shifted ones
(the language or sentiment mix changing halfway, ``generate(..., shift=...)``) must be flagged.

A stream is stored as the pipeline stores it, without the parts drift does not read: each line
parsed and normalised as ingest does, enriched by the enrich-text service (the fast analyzer and
the offline embedder), stored by the aggregate service. No images are analysed, so a stream of
a few thousand tweets is stored in seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import msgspec

from trendwatch.adapters.local.clock import SystemClock
from trendwatch.adapters.local.embedder import MODEL_NAME, WordLlamaEmbedder
from trendwatch.adapters.local.sentiment_model import tokens
from trendwatch.adapters.local.text_analyzer import LocalTextAnalyzer
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.aggregate import AggregateService
from trendwatch.app.drift import DriftReport, measure_drift
from trendwatch.app.enrich_text import EnrichTextService
from trendwatch.app.handling import Received
from trendwatch.app.ingest import parse_line
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.contracts.events import TweetEnriched
from trendwatch.domain.drift import DEFAULT_THRESHOLDS
from trendwatch.domain.tweets import normalize
from trendwatch.generator import generate
from trendwatch.ports import Message

BATCH = 500
Shift = Literal["lang", "sentiment"]


class _Kept:
    """A publisher that keeps the enriched events for aggregate to store."""

    def __init__(self) -> None:
        self.data: list[bytes] = []

    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str] | None = None) -> str:
        self.data.append(data)
        return ""

    def publish_many(self, topic: str, messages: Sequence[Message]) -> list[str]:
        return [self.publish(topic, data) for data, _ in messages]


def store_stream(tweets_path: Path, warehouse: DuckDBWarehouse) -> int:
    """Enrich and store the tweets of a stream file (X API v2 lines); returns how many."""
    lines = [line for line in tweets_path.read_bytes().splitlines() if line.strip()]
    parsed = [normalize(parse_line(line)) for line in lines]
    kept = _Kept()
    enrich = EnrichTextService(LocalTextAnalyzer("fast"), WordLlamaEmbedder(), kept)
    for i in range(0, len(parsed), BATCH):
        enrich.enrich([Received(PubSubMessage(t.tweet_id, b""), t) for t in parsed[i : i + BATCH]])
    aggregate = AggregateService(warehouse, SystemClock())
    for i in range(0, len(kept.data), BATCH):
        aggregate.add_tweets(
            [
                Received(PubSubMessage(str(n), data), msgspec.json.decode(data, type=TweetEnriched))
                for n, data in enumerate(kept.data[i : i + BATCH], start=i)
            ]
        )
    return len(parsed)


def stream_drift(
    folder: Path,
    seed: int,
    *,
    minutes: int,
    rate: float,
    shift: Shift | None = None,
    thresholds: Mapping[str, float] = DEFAULT_THRESHOLDS,
) -> DriftReport:
    """Generate a stream in ``folder``, store it in a fresh warehouse there and measure its drift
    (second half against the first)."""
    summary = generate(seed, minutes, rate, folder / "stream", shift=shift)
    warehouse = DuckDBWarehouse(folder / "warehouse.duckdb")
    try:
        store_stream(summary.tweets_path, warehouse)
        report = measure_drift(warehouse, tokenize=tokens, embedding_model=MODEL_NAME, thresholds=thresholds)
    finally:
        warehouse.close()
    assert report is not None, "a generated stream stores tweets"
    return report


@dataclass(frozen=True)
class Run:
    """One stream's drift: its seed, its shift (``None``: stationary), every metric's value and
    the metrics past their threshold (the configured one, or the PSI's noise floor)."""

    seed: int
    shift: Shift | None
    values: Mapping[str, float]
    flagged: Sequence[str]

    @classmethod
    def of(cls, seed: int, shift: Shift | None, report: DriftReport) -> Run:
        return cls(
            seed, shift, {m.metric: m.value for m in report.metrics}, [m.metric for m in report.drifted]
        )
