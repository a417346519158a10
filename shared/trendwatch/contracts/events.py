"""Versioned payloads of the messages services exchange (DESIGN §3).

``tweets-raw`` carries the exact X stream line (see :mod:`trendwatch.contracts.x_stream`);
the other topics carry the structs below, JSON-encoded, with ``schema_version``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from trendwatch.domain.tweets import Tweet

from .values import AwareDatetime, Count, Int64

if TYPE_CHECKING:  # numpy is an extra: services that never read an embedding do not install it
    import numpy as np
    import numpy.typing as npt

SentimentLabel = Literal["negative", "neutral", "positive"]


class _Event(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    schema_version: int = 1


class Sentiment(msgspec.Struct, frozen=True):
    label: SentimentLabel
    #: Polarity in [-1, 1]: negative below zero, positive above.
    score: float


class Entity(msgspec.Struct, frozen=True, omit_defaults=True):
    name: str
    type: str = "OTHER"  # BRAND | PRODUCT | LOCATION | PERSON | ORGANIZATION | EVENT | OTHER
    salience: float = 0.0


class TextEnrichment(msgspec.Struct, frozen=True, kw_only=True):
    """What a :class:`~trendwatch.ports.TextAnalyzer` says about one text."""

    lang: str
    lang_confidence: float = 0.0
    sentiment: Sentiment
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    keyphrases: tuple[str, ...] = ()
    entities: tuple[Entity, ...] = ()
    categories: tuple[str, ...] = ()
    model_versions: dict[str, str] = {}


class Embedding(msgspec.Struct, frozen=True, kw_only=True):
    """A sentence embedding of a text and the model that produced it.

    ``vector`` holds little-endian float32 values (base64 in JSON): 1.4 KB for 256
    dimensions, against about 5 KB as decimal numbers, and float32 is the model's precision.
    """

    model: str
    version: str
    vector: bytes

    @classmethod
    def of(cls, model: str, version: str, values: npt.NDArray[np.float32]) -> Embedding:
        return cls(model=model, version=version, vector=values.astype("<f4").tobytes())

    def values(self) -> npt.NDArray[np.float32]:
        import numpy as np

        return np.frombuffer(self.vector, dtype="<f4")


class TweetEnriched(_Event, frozen=True, kw_only=True):
    """``tweets-enriched``: the normalised tweet and what enrich-text found in it."""

    tweet: Tweet
    enrichment: TextEnrichment
    #: Of the text without its retweet prefix; absent in events from before embeddings.
    embedding: Embedding | None = None


class Colour(msgspec.Struct, frozen=True):
    name: str
    hex: str
    fraction: float


class ImageAnalysis(msgspec.Struct, frozen=True, kw_only=True):
    """What an :class:`~trendwatch.ports.ImageAnalyzer` says about one image."""

    width: int
    height: int
    format: str
    phash: str
    #: Near-duplicate fingerprint (:class:`trendwatch.domain.near_duplicates.Fingerprint`, hex).
    fingerprint: str = ""
    colours: tuple[Colour, ...] = ()
    ocr_text: str = ""
    labels: tuple[str, ...] = ()
    logos: tuple[str, ...] = ()
    #: SafeSearch likelihood per category (adult, spoof, medical, violence, racy), when known.
    safe_search: dict[str, str] = {}
    model_versions: dict[str, str] = {}


class MediaEnriched(_Event, frozen=True, kw_only=True):
    """``media-enriched``: one image of one tweet, analysed."""

    media_key: str
    tweet_id: str
    author_id: str
    created_at: AwareDatetime
    content_sha256: str
    analysis: ImageAnalysis
    near_duplicate_group: str | None = None


class ScheduledJob(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``scheduled-jobs``: the body Cloud Scheduler publishes on each tick of a schedule."""

    job: str


class TrendAlert(_Event, frozen=True, kw_only=True):
    """``trend-alerts``: a topic crossed the emergence threshold."""

    topic_id: str
    label: str
    terms: tuple[str, ...]
    score: float
    volume: int
    window_start: datetime
    window_end: datetime
    first_detected_at: datetime
    top_tweets: tuple[str, ...] = ()
    linked_products: tuple[str, ...] = ()
    #: One id per emergence (updates keep it, with a higher ``version``): consumers dedupe on both.
    alert_id: str = ""
    version: int = 1
    languages: tuple[str, ...] = ()
    #: Why it alerted: observed vs expected voices, baseline, sentiment, retweet and bot shares.
    explanation: dict[str, Any] = {}


class StockEvent(_Event, frozen=True, kw_only=True):
    """``inventory-events``: a real-time stock movement at a store or warehouse."""

    event_id: str
    sku: str
    location_id: str
    event_time: AwareDatetime
    delta: Int64 | None = None
    level: Count | None = None


class RestockRecommendation(_Event, frozen=True, kw_only=True):
    """``restock-recommendations``: reorder a product at a location, how much, by when and why.

    One per ``(as_of, sku, location_id)``: a rerun of the day's job republishes the same key,
    which consumers deduplicate on."""

    as_of: date
    sku: str
    location_id: str
    recommended_quantity: int
    stockout_date: date | None = None
    days_of_cover: float | None = None
    urgency: str
    topic_id: str | None = None
    topic_label: str | None = None
    uplift: float | None = None
    reason: str


class FeedLoadReport(msgspec.Struct, frozen=True, kw_only=True):
    """What inventory-sync did with one dropped feed file."""

    kind: str
    object_name: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    quarantine_object: str | None = None
    feed_date: date | None = None


def encode(event: msgspec.Struct) -> bytes:
    return msgspec.json.encode(event)
