"""Aggregate: store enriched tweets, media and interaction edges, and keep term windows.

Idempotency by construction: facts that are only ever added (tweets, their embeddings,
interaction edges) are appended (no DML per message in BigQuery; a retried append's second
copy is removed by the scheduled ``deduplicate`` job), term facts are upserted by their
natural keys, and window rows are *recomputed* from the term facts for every window a batch
touches (``MERGE`` of a ``GROUP BY``), never incremented. A redelivered or replayed event
therefore cannot count twice in a window, and a late event updates the window it belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from trendwatch.contracts.events import Embedding, MediaEnriched, TweetEnriched
from trendwatch.domain.image_terms import IMAGE_TERM_KINDS, image_terms
from trendwatch.domain.text_identity import text_key
from trendwatch.domain.windows import WINDOW_SIZES, WindowSize, term_facts, window_start
from trendwatch.observability import get_logger, metrics
from trendwatch.ports import Clock, Warehouse
from trendwatch.warehouse.schema import table
from trendwatch.warehouse.sql import merge_statement

from .handling import Received
from .media_groups import assign_groups

log = get_logger(__name__)

_TRUNC_UNIT: dict[WindowSize, str] = {"1m": "MINUTE", "1h": "HOUR"}


def _window_recompute_sql(size: WindowSize) -> str:
    unit = _TRUNC_UNIT[size]
    source = f"""(
      SELECT '{size}' AS window_size, TIMESTAMP_TRUNC(created_at, {unit}) AS window_start, term, lang,
             COUNT(*) AS tweet_count, COUNT(DISTINCT author_id) AS unique_authors,
             COUNTIF(sentiment_label = 'positive') AS positive,
             COUNTIF(sentiment_label = 'neutral') AS neutral,
             COUNTIF(sentiment_label = 'negative') AS negative,
             SUM(CAST(ROUND(sentiment_score * 10000) AS INT64)) / (COUNT(*) * 10000) AS sentiment_avg,
             CAST(@now AS TIMESTAMP) AS updated_at
      FROM tweet_terms
      WHERE created_at >= @lo AND created_at < @hi
        AND TIMESTAMP_TRUNC(created_at, {unit}) IN UNNEST(@starts)
      GROUP BY window_start, term, lang
    )"""
    # The average is taken over integer ten-thousandths so that it does not depend on the
    # order rows are summed in (float addition is not associative), hence on delivery order.
    counts = ("tweet_count", "unique_authors", "positive", "neutral", "negative")
    changed = " OR ".join(f"T.{c} != S.{c}" for c in counts)
    return merge_statement(table("term_windows"), source, update_when=changed)


_RECOMPUTE = {size: _window_recompute_sql(size) for size in WINDOW_SIZES}

# A term found in both a tweet's text and its image keeps the text's language and sentiment,
# whichever event arrives first.
_TEXT_OVER_IMAGE_TERMS = f"T.kind IN ({', '.join(repr(k) for k in IMAGE_TERM_KINDS)})"


class AggregateService:
    def __init__(self, warehouse: Warehouse, clock: Clock) -> None:
        self._warehouse = warehouse
        self._clock = clock

    def add_tweets(self, batch: Sequence[Received[TweetEnriched]]) -> None:
        events = [r.value for r in batch]
        now = self._clock.now()
        # The latest profile wins, whatever the delivery order; a replay changes nothing.
        self._warehouse.merge_rows(
            "users",
            sorted((_user_row(e) for e in events), key=lambda row: row["last_seen_at"]),  # last row wins
            update_when="S.last_seen_at > T.last_seen_at",
        )
        self._warehouse.append_rows("tweets", [_tweet_row(e, now) for e in events])
        self._warehouse.append_rows(
            "tweet_embeddings", [_embedding_row(e, e.embedding) for e in events if e.embedding]
        )
        self._warehouse.append_rows(
            "interactions",
            [
                {
                    "tweet_id": i.tweet_id,
                    "kind": i.kind,
                    "source_user_id": i.source_user_id,
                    "target_user_id": i.target_user_id,
                    "created_at": i.created_at,
                }
                for e in events
                for i in e.tweet.interactions
            ],
        )
        facts = [f for e in events for f in term_facts(e)]
        self._warehouse.merge_rows(
            "tweet_terms", [msgspec.structs.asdict(f) for f in facts], update_when=_TEXT_OVER_IMAGE_TERMS
        )
        self._recompute_windows([e.tweet.created_at for e in events], now)

    def _recompute_windows(self, moments: Sequence[datetime], now: datetime) -> None:
        for size, length in WINDOW_SIZES.items():
            starts = sorted({window_start(m, size) for m in moments})
            if not starts:
                continue
            metrics.window_lag(size, (now - max(moments)).total_seconds())
            self._warehouse.execute(
                _RECOMPUTE[size], {"starts": starts, "lo": starts[0], "hi": starts[-1] + length, "now": now}
            )

    def add_media(self, batch: Sequence[Received[MediaEnriched]]) -> None:
        """Store analysed images with their near-duplicate groups, and add the terms found in
        them (OCR words, labels, logos) to their tweets' terms and windows."""
        events = [r.value for r in batch]
        groups = assign_groups(self._warehouse, events) if events else {}
        self._warehouse.merge_rows(
            "media",
            [
                {
                    "media_key": m.media_key,
                    "tweet_id": m.tweet_id,
                    "author_id": m.author_id,
                    "created_at": m.created_at,
                    "content_sha256": m.content_sha256,
                    "width": m.analysis.width,
                    "height": m.analysis.height,
                    "format": m.analysis.format,
                    "phash": m.analysis.phash,
                    "fingerprint": m.analysis.fingerprint,
                    "near_duplicate_group": groups[m.media_key],
                    "colours": [
                        {"name": c.name, "hex": c.hex, "fraction": c.fraction} for c in m.analysis.colours
                    ],
                    "ocr_text": m.analysis.ocr_text,
                    "labels": list(m.analysis.labels),
                    "model_versions": m.analysis.model_versions,
                }
                for m in events
            ],
        )
        facts = [f for e in events for f in image_terms(e)]
        # Insert only: a text term of the same tweet, stored or to come, takes precedence.
        self._warehouse.merge_rows("tweet_terms", [msgspec.structs.asdict(f) for f in facts], update=False)
        self._recompute_windows([f.created_at for f in facts], self._clock.now())


def _user_row(event: TweetEnriched) -> dict[str, Any]:
    author = event.tweet.author
    return {
        "user_id": author.user_id,
        "username": author.username,
        "name": author.name,
        "followers_count": author.followers_count,
        "following_count": author.following_count,
        "tweet_count": author.tweet_count,
        "verified": author.verified,
        "account_created_at": author.created_at,
        "last_seen_at": event.tweet.created_at,
    }


def _embedding_row(event: TweetEnriched, embedding: Embedding) -> dict[str, object]:
    return {
        "tweet_id": event.tweet.tweet_id,
        "model": embedding.model,
        "model_version": embedding.version,
        "text_hash": text_key(event.tweet.text).hash,
        "lang": event.enrichment.lang,
        "created_at": event.tweet.created_at,
        "embedding": embedding.values().tolist(),
    }


def _tweet_row(event: TweetEnriched, now: datetime) -> dict[str, object]:
    tweet, enrichment = event.tweet, event.enrichment
    return {
        "tweet_id": tweet.tweet_id,
        "created_at": tweet.created_at,
        "author_id": tweet.author.user_id,
        "text": tweet.text,
        "lang": enrichment.lang,
        "lang_hint": tweet.lang_hint,
        "sentiment_label": enrichment.sentiment.label,
        "sentiment_score": enrichment.sentiment.score,
        "hashtags": list(enrichment.hashtags),
        "keyphrases": list(enrichment.keyphrases),
        "categories": list(enrichment.categories),
        "entities": [{"name": e.name, "type": e.type, "salience": e.salience} for e in enrichment.entities],
        "retweet_of": tweet.retweet_of,
        "has_media": bool(tweet.media),
        "retweet_count": tweet.retweet_count,
        "like_count": tweet.like_count,
        "model_versions": enrichment.model_versions,
        "ingested_at": now,
    }
