from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import msgspec
import numpy as np
import numpy.typing as npt

from tests.fakes.publisher import RecordingPublisher
from trendwatch.app.enrich_text import EnrichTextService
from trendwatch.app.handling import Received
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.contracts.events import Sentiment, TextEnrichment, TweetEnriched
from trendwatch.contracts.topology import TWEETS_ENRICHED
from trendwatch.domain.tweets import Author, Tweet
from trendwatch.ports import TextItem

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


class RecordingAnalyzer:
    """Counts what it analyses; its results tell its calls apart."""

    name = "recording"

    def __init__(self) -> None:
        self.calls: list[list[TextItem]] = []

    @property
    def texts(self) -> list[str]:
        return [item.text for call in self.calls for item in call]

    def analyze(self, items: Sequence[TextItem]) -> list[TextEnrichment]:
        self.calls.append(list(items))
        return [
            TextEnrichment(
                lang=item.lang_hint or "und", sentiment=Sentiment("neutral", len(self.texts) / 100)
            )
            for item in items
        ]


class RecordingEmbedder:
    name = "counting-embedder"
    version = "1"
    dimensions = 4

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.texts.extend(texts)
        return np.array([[len(t), 0.5, -0.25, 1.0] for t in texts], dtype=np.float32)


def received(tweet_id: str, text: str, lang: str | None = "en") -> Received[Tweet]:
    return Received(
        PubSubMessage(tweet_id, b""), Tweet(tweet_id, T0, Author("u" + tweet_id), text, lang_hint=lang)
    )


class Setup:
    def __init__(self, cache_size: int = 100) -> None:
        self.analyzer = RecordingAnalyzer()
        self.embedder = RecordingEmbedder()
        self.publisher = RecordingPublisher()
        self.service = EnrichTextService(self.analyzer, self.embedder, self.publisher, cache_size=cache_size)

    def events(self) -> list[TweetEnriched]:
        return [msgspec.json.decode(m.data, type=TweetEnriched) for m in self.publisher.on(TWEETS_ENRICHED)]


def test_a_retweet_in_the_same_batch_is_not_analysed_twice() -> None:
    setup = Setup()
    setup.service.enrich(
        [received("1", "Linen dress  for the heat"), received("2", "RT @alice: Linen dress for the heat")]
    )
    assert setup.analyzer.texts == ["Linen dress for the heat"]
    assert setup.embedder.texts == ["Linen dress for the heat"]
    first, retweet = setup.events()
    assert [first.tweet.tweet_id, retweet.tweet.tweet_id] == ["1", "2"]
    assert retweet.tweet.text == "RT @alice: Linen dress for the heat"
    assert retweet.enrichment == first.enrichment
    assert retweet.embedding == first.embedding


def test_a_retweet_storm_over_many_batches_is_analysed_once() -> None:
    setup = Setup()
    setup.service.enrich([received("1", "Linen dress for the heat")])
    for n in range(2, 6):
        setup.service.enrich(
            [received(str(n), f"RT @user{n}: Linen dress for the heat"), received(f"x{n}", f"new {n}")]
        )
    assert setup.analyzer.texts == ["Linen dress for the heat", "new 2", "new 3", "new 4", "new 5"]
    storm = [e for e in setup.events() if not e.tweet.tweet_id.startswith("x")]
    assert len(storm) == 5
    assert {e.enrichment.sentiment.score for e in storm} == {0.01}


def test_the_cache_forgets_the_least_recently_used_text_beyond_its_size() -> None:
    setup = Setup(cache_size=2)
    setup.service.enrich([received("1", "a"), received("2", "b")])
    setup.service.enrich([received("3", "a"), received("4", "c")])  # a is used again; b is evicted for c
    setup.service.enrich([received("5", "a"), received("6", "b")])
    assert setup.analyzer.texts == ["a", "b", "c", "b"]


def test_the_same_text_with_another_language_hint_is_analysed_on_its_own() -> None:
    setup = Setup()
    setup.service.enrich([received("1", "chic", lang="en"), received("2", "chic", lang="fr")])
    assert [(i.text, i.lang_hint) for i in setup.analyzer.calls[0]] == [("chic", "en"), ("chic", "fr")]
    assert [e.enrichment.lang for e in setup.events()] == ["en", "fr"]


def test_each_event_carries_the_float32_embedding_and_its_model() -> None:
    setup = Setup()
    setup.service.enrich([received("1", "summer dress")])
    (event,) = setup.events()
    assert event.embedding is not None
    assert (event.embedding.model, event.embedding.version) == ("counting-embedder", "1")
    assert event.embedding.values().tolist() == [12.0, 0.5, -0.25, 1.0]
    assert len(event.embedding.vector) == 4 * 4


def test_an_event_from_before_embeddings_still_decodes() -> None:
    old = (
        b'{"tweet":{"tweet_id":"1","created_at":"2026-11-02T10:00:00Z","author":{"user_id":"u"},"text":"t"},'
    )
    old += b'"enrichment":{"lang":"en","sentiment":{"label":"neutral","score":0.0}}}'
    assert msgspec.json.decode(old, type=TweetEnriched).embedding is None
