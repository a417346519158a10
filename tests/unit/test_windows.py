from __future__ import annotations

from datetime import UTC, datetime

from trendwatch.contracts.events import Entity, Sentiment, TextEnrichment, TweetEnriched
from trendwatch.domain.tweets import Author, Tweet
from trendwatch.domain.windows import term_facts, window_start


def test_window_start_truncates_in_utc() -> None:
    moment = datetime(2026, 11, 2, 10, 37, 59, 999000, tzinfo=UTC)
    assert window_start(moment, "1m") == datetime(2026, 11, 2, 10, 37, tzinfo=UTC)
    assert window_start(moment, "1h") == datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_each_term_counts_once_per_tweet_whatever_its_kinds() -> None:
    event = TweetEnriched(
        tweet=Tweet("1", datetime(2026, 11, 2, tzinfo=UTC), Author("u"), "text"),
        enrichment=TextEnrichment(
            lang="fr",
            sentiment=Sentiment("positive", 0.6),
            hashtags=("RobeDete", "robedete"),
            keyphrases=("robe d'été", "Robe d'été", " "),
            entities=(Entity("Robe d'été", "PRODUCT"), Entity("Paris", "LOCATION")),
        ),
    )
    facts = term_facts(event)
    assert [(f.term, f.kind) for f in facts] == [
        ("#robedete", "hashtag"),
        ("robe d'été", "keyphrase"),
        ("paris", "entity"),
    ]
    assert {f.lang for f in facts} == {"fr"} and {f.sentiment_label for f in facts} == {"positive"}
