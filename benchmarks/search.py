"""Embeddings and hybrid search: enrich-text throughput, and query latency over ~20,000 tweets.

Usage: ``python benchmarks/search.py [--minutes M] [--rate R] [--repeats N]``

A generated stream (``minutes`` x 60 x ``rate`` tweets, 20,160 by default) is used three ways:

- embedding alone: the offline embedder over every text, in batches of 500 (texts/s);
- enrich-text: the service with the ``fast`` analyzer and the embedder, batches of 500, a
  cold cache, against the same work without the dedupe (every text analysed and embedded);
- search: the service's events stored by aggregate into a fresh warehouse, then each query
  of :data:`QUERIES` run ``repeats`` times: hybrid p50/p95 and each side's p50.
  The first query, which loads the ``fts`` extension and builds the index, is timed apart.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from trendwatch.adapters.local.clock import SystemClock
from trendwatch.adapters.local.embedder import WordLlamaEmbedder
from trendwatch.adapters.local.text_analyzer import LocalTextAnalyzer
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.aggregate import AggregateService
from trendwatch.app.enrich_text import EnrichTextService
from trendwatch.app.handling import Received
from trendwatch.app.ingest import parse_line
from trendwatch.app.search import SearchFilters, search
from trendwatch.app.search_engines import DuckDBSearchEngine
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.contracts.events import TweetEnriched
from trendwatch.domain.tweets import Tweet, normalize
from trendwatch.generator import generate
from trendwatch.ports import TextItem

BATCH = 500
QUERIES = (
    "summer dress",
    "linen shirt for hot weather",
    "comfortable running shoes",
    "robe d'été",
    "skincare serum that works",
    "coffee machine deal",
    "cosy home decor",
    "gaming laptop",
    "sold out everywhere",
    "best gift ideas",
)


class _Keep:
    """A publisher that keeps the events' data, for aggregate to store afterwards."""

    def __init__(self) -> None:
        self.data: list[bytes] = []

    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str] | None = None) -> str:
        self.data.append(data)
        return ""

    def publish_many(self, topic: str, messages: Sequence[tuple[bytes, Mapping[str, str]]]) -> list[str]:
        return [self.publish(topic, data) for data, _ in messages]


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _per_second(count: int, work: Callable[[], None]) -> float:
    started = time.perf_counter()
    work()
    return round(count / (time.perf_counter() - started))


def _batches(tweets: Sequence[Tweet]) -> list[Sequence[Tweet]]:
    return [tweets[i : i + BATCH] for i in range(0, len(tweets), BATCH)]


def enrich_throughput(tweets: Sequence[Tweet], published: _Keep) -> dict[str, Any]:
    embedder, analyzer = WordLlamaEmbedder(), LocalTextAnalyzer("fast")
    texts = [t.text for t in tweets]
    analyzer.analyze([TextItem(t.tweet_id, t.text, t.lang_hint) for t in tweets[:BATCH]])  # warm-up

    def embed_only() -> None:
        for batch in _batches(tweets):
            embedder.embed([t.text for t in batch])

    def without_dedupe() -> None:
        for batch in _batches(tweets):
            analyzer.analyze([TextItem(t.tweet_id, t.text, t.lang_hint) for t in batch])
            embedder.embed([t.text for t in batch])

    def with_dedupe() -> None:
        service = EnrichTextService(analyzer, embedder, published)
        for batch in _batches(tweets):
            service.enrich([Received(PubSubMessage(t.tweet_id, b""), t) for t in batch])

    return {
        "texts": len(texts),
        "distinct_texts": len(set(texts)),
        "embed_texts_per_s": _per_second(len(texts), embed_only),
        "analyse_and_embed_every_text_per_s": _per_second(len(texts), without_dedupe),
        "enrich_text_service_per_s": _per_second(len(texts), with_dedupe),
    }


def query_latency(warehouse: DuckDBWarehouse, events: Sequence[bytes], repeats: int) -> dict[str, Any]:
    aggregate = AggregateService(warehouse, SystemClock())
    started = time.perf_counter()
    for i in range(0, len(events), BATCH):
        aggregate.add_tweets(
            [
                Received(PubSubMessage(str(n), data), msgspec.json.decode(data, type=TweetEnriched))
                for n, data in enumerate(events[i : i + BATCH], start=i)
            ]
        )
    store_s = time.perf_counter() - started
    engine = DuckDBSearchEngine(warehouse)
    embedder = WordLlamaEmbedder()
    started = time.perf_counter()
    search(engine, embedder, QUERIES[0])
    first_ms = (time.perf_counter() - started) * 1000
    hybrid: list[float] = []
    keyword: list[float] = []
    semantic: list[float] = []
    filters = SearchFilters()
    for _ in range(repeats):
        for query in QUERIES:
            started = time.perf_counter()
            search(engine, embedder, query, limit=10)
            hybrid.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            engine.keyword(query, filters, 50)
            keyword.append((time.perf_counter() - started) * 1000)
            vector = embedder.embed([query])[0].tolist()
            started = time.perf_counter()
            engine.semantic(vector, embedder.name, filters, 50)
            semantic.append((time.perf_counter() - started) * 1000)
    embedded = warehouse.query("SELECT COUNT(*) AS n FROM tweet_embeddings")[0]["n"]
    return {
        "embeddings_stored": embedded,
        "aggregate_tweets_per_s": round(len(events) / store_s, 1),
        "first_query_ms": round(first_ms, 1),
        "queries_timed": len(hybrid),
        "hybrid_p50_ms": round(statistics.median(hybrid), 1),
        "hybrid_p95_ms": round(_percentile(hybrid, 0.95), 1),
        "keyword_p50_ms": round(statistics.median(keyword), 1),
        "semantic_p50_ms": round(statistics.median(semantic), 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=56)
    parser.add_argument("--rate", type=float, default=6.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        print(f"generating {args.minutes} min at {args.rate}/s ...", file=sys.stderr)
        summary = generate(args.seed, args.minutes, args.rate, folder / "stream")
        lines = [line for line in summary.tweets_path.read_bytes().splitlines() if line.strip()]
        tweets = [normalize(parse_line(line)) for line in lines]
        print("timing enrich-text ...", file=sys.stderr)
        published = _Keep()
        enrich = enrich_throughput(tweets, published)
        print("storing the events and timing queries ...", file=sys.stderr)
        latency = query_latency(DuckDBWarehouse(folder / "w.duckdb"), published.data, args.repeats)
    machine = f"{platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}"
    print(
        json.dumps(
            {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": machine,
                "enrich_text": enrich,
                "search": latency,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
