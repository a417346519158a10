"""Event-time tumbling windows and the term facts they count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

import msgspec

from trendwatch.contracts.events import TweetEnriched

WindowSize = Literal["1m", "1h"]
WINDOW_SIZES: dict[WindowSize, timedelta] = {"1m": timedelta(minutes=1), "1h": timedelta(hours=1)}

#: Where a term comes from: the tweet's text, or one of its images (OCR words, labels, logos).
TermKind = Literal["hashtag", "keyphrase", "entity", "ocr", "label", "logo"]


def window_start(moment: datetime, size: WindowSize) -> datetime:
    """Start of the tumbling window of ``size`` that contains ``moment`` (UTC)."""
    length = int(WINDOW_SIZES[size].total_seconds())
    epoch = int(moment.astimezone(UTC).timestamp())
    return datetime.fromtimestamp(epoch - epoch % length, tz=UTC)


class TermFact(msgspec.Struct, frozen=True):
    """One distinct term of one tweet: the unit that window counts add up."""

    tweet_id: str
    term: str
    kind: TermKind
    lang: str
    author_id: str
    created_at: datetime
    sentiment_label: str
    sentiment_score: float


def term_facts(event: TweetEnriched) -> list[TermFact]:
    """Distinct terms of a tweet: ``#hashtags``, keyphrases and entity names, lowercased.

    A term seen as several kinds keeps the first (hashtag, then keyphrase, then entity),
    so each tweet counts once per term.
    """
    tweet, enrichment = event.tweet, event.enrichment
    candidates: list[tuple[str, TermKind]] = [(f"#{tag.lower()}", "hashtag") for tag in enrichment.hashtags]
    candidates += [(phrase.lower(), "keyphrase") for phrase in enrichment.keyphrases]
    candidates += [(entity.name.lower(), "entity") for entity in enrichment.entities]
    seen: dict[str, TermKind] = {}
    for term, kind in candidates:
        term = term.strip()
        if term and term != "#" and term not in seen:
            seen[term] = kind
    return [
        TermFact(
            tweet.tweet_id,
            term,
            kind,
            enrichment.lang,
            tweet.author.user_id,
            tweet.created_at,
            enrichment.sentiment.label,
            enrichment.sentiment.score,
        )
        for term, kind in seen.items()
    ]
