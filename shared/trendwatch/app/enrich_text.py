"""Enrich-text: analyse each raw tweet's text and publish ``tweets-enriched``."""

from __future__ import annotations

from collections.abc import Sequence

from trendwatch.contracts.events import TweetEnriched, encode
from trendwatch.contracts.topology import TWEETS_ENRICHED
from trendwatch.domain.tweets import Tweet
from trendwatch.observability import inject_traceparent, trace_scope
from trendwatch.ports import Message, Publisher, TextAnalyzer, TextItem

from .handling import Received


class EnrichTextService:
    def __init__(self, analyzer: TextAnalyzer, publisher: Publisher) -> None:
        self._analyzer = analyzer
        self._publisher = publisher

    def enrich(self, batch: Sequence[Received[Tweet]]) -> None:
        """Analyse the batch in one call to the analyzer, then publish one event per tweet, together."""
        items = [TextItem(r.value.tweet_id, r.value.text, r.value.lang_hint) for r in batch]
        outgoing: list[Message] = []
        for received, enrichment in zip(batch, self._analyzer.analyze(items), strict=True):
            tweet = received.value
            with trace_scope(received.traceparent):
                attributes = inject_traceparent(
                    {"schema_version": "1", "tweet_id": tweet.tweet_id, "lang": enrichment.lang}
                )
            outgoing.append((encode(TweetEnriched(tweet=tweet, enrichment=enrichment)), attributes))
        self._publisher.publish_many(TWEETS_ENRICHED, outgoing)
