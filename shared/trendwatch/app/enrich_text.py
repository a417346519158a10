"""Enrich-text: analyse and embed each raw tweet's text and publish ``tweets-enriched``.

Each distinct text is analysed and embedded once: a batch is reduced to its distinct text
keys (a retweet without its ``RT @user:`` prefix, whitespace collapsed, hashed), and a
bounded per-instance LRU cache remembers recent keys across batches, since a retweet storm
arrives over many of them. A duplicate therefore gets exactly the first one's result.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from trendwatch.contracts.events import Embedding, TextEnrichment, TweetEnriched, encode
from trendwatch.contracts.topology import TWEETS_ENRICHED
from trendwatch.domain.text_identity import text_key
from trendwatch.domain.tweets import Tweet
from trendwatch.observability import continue_trace, inject_traceparent
from trendwatch.ports import Message, Publisher, TextAnalyzer, TextEmbedder, TextItem

from .handling import Received

#: Results kept per instance: about 2 KB each (mostly the 1 KB embedding), so 20 MB.
DEFAULT_CACHE_SIZE = 10_000

#: What one distinct text gets: the analysis and the embedding.
Result = tuple[TextEnrichment, Embedding]
#: The text's hash and the source's language hint, which the analysis may depend on.
CacheKey = tuple[str, str | None]


class ResultCache:
    """A thread-safe LRU map (a function instance serves concurrent requests)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[CacheKey, Result] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> Result | None:
        with self._lock:
            result = self._entries.get(key)
            if result is not None:
                self._entries.move_to_end(key)
            return result

    def put(self, key: CacheKey, result: Result) -> None:
        with self._lock:
            self._entries[key] = result
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


class EnrichTextService:
    def __init__(
        self,
        analyzer: TextAnalyzer,
        embedder: TextEmbedder,
        publisher: Publisher,
        *,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self._analyzer = analyzer
        self._embedder = embedder
        self._publisher = publisher
        self._cache = ResultCache(cache_size)

    def enrich(self, batch: Sequence[Received[Tweet]]) -> None:
        """Analyse and embed the batch's new texts (one call each), then publish one event per tweet, together."""
        outgoing: list[Message] = []
        for received, (enrichment, embedding) in zip(
            batch, self._results([r.value for r in batch]), strict=True
        ):
            tweet = received.value
            with continue_trace(received.traceparent):
                attributes = inject_traceparent(
                    {"schema_version": "1", "tweet_id": tweet.tweet_id, "lang": enrichment.lang}
                )
            event = TweetEnriched(tweet=tweet, enrichment=enrichment, embedding=embedding)
            outgoing.append((encode(event), attributes))
        self._publisher.publish_many(TWEETS_ENRICHED, outgoing)

    def _results(self, tweets: Sequence[Tweet]) -> list[Result]:
        """The result of each tweet, in order: cached ones reused, the others computed once per key."""
        keys: list[CacheKey] = []
        known: dict[CacheKey, Result] = {}
        new: dict[CacheKey, TextItem] = {}
        for tweet in tweets:
            text = text_key(tweet.text)
            key = (text.hash, tweet.lang_hint)
            keys.append(key)
            if key in known or key in new:
                continue
            cached = self._cache.get(key)
            if cached is not None:
                known[key] = cached
            else:
                new[key] = TextItem(tweet.tweet_id, text.text, tweet.lang_hint)
        if new:
            items = list(new.values())
            vectors = self._embedder.embed([item.text for item in items])
            for key, enrichment, vector in zip(new, self._analyzer.analyze(items), vectors, strict=True):
                result = (enrichment, Embedding.of(self._embedder.name, self._embedder.version, vector))
                self._cache.put(key, result)
                known[key] = result
        return [known[key] for key in keys]
