"""Text enrichment with Cloud Natural Language (API v2, one ``annotateText`` call per distinct text).

Billing is per feature and per started 1,000 characters of text (about $1 per 1,000 units
per feature), so identical texts (retweets, copy-paste campaigns) are analysed once and
served from an in-memory cache afterwards, and each batch logs its estimated cost
(:mod:`trendwatch.adapters.gcp.metering`, shared with the Vision adapter).
Hashtags, mentions and keyphrases come from :mod:`trendwatch.domain.text`, which is free;
categories merge the API's content categories with the retail taxonomy.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

from google.api_core.retry import Retry
from google.cloud import language_v2

from trendwatch.adapters.gcp.metering import ContentCache, UsageMeter, backoff, content_key
from trendwatch.contracts.events import Entity, Sentiment, SentimentLabel, TextEnrichment
from trendwatch.domain.text import (
    categorize_text,
    extract_hashtags,
    extract_keyphrases,
    extract_mentions,
    find_brand,
    taxonomy,
)
from trendwatch.ports import TextItem

MODEL_VERSION = "cloud-natural-language-v2"
FEATURES = language_v2.AnnotateTextRequest.Features(
    extract_entities=True, extract_document_sentiment=True, classify_text=True
)
_N_FEATURES = 3
#: Characters per billing unit.
_UNIT_CHARS = 1000
#: Scores in (-0.25, 0.25) are "neutral or mixed" in the API's own guidance.
_NEUTRAL_BAND = 0.25
DEFAULT_RETRY = backoff(maximum=30.0, timeout=120.0)
_ENTITY_TYPES = {
    "PERSON": "PERSON",
    "LOCATION": "LOCATION",
    "ORGANIZATION": "ORGANIZATION",
    "EVENT": "EVENT",
    "CONSUMER_GOOD": "PRODUCT",
    "WORK_OF_ART": "OTHER",
    "OTHER": "OTHER",
}  # PHONE_NUMBER, ADDRESS, DATE, NUMBER, PRICE are not entities a trend is about
#: Content-category path prefixes (most specific first) -> retail taxonomy category.
CATEGORY_PREFIXES = (
    ("/Beauty & Fitness/Fitness", "sport"),
    ("/Beauty & Fitness", "beauty"),
    ("/Apparel", "fashion"),
    ("/Home & Garden", "home"),
    ("/Food & Drink", "food_drink"),
    ("/Sports", "sport"),
    ("/Computers & Electronics", "tech"),
    ("/Internet & Telecom/Mobile & Wireless", "tech"),
    ("/Travel", "lifestyle"),
    ("/Hobbies & Leisure", "lifestyle"),
    ("/Shopping", "lifestyle"),
)


def _label(score: float) -> SentimentLabel:
    return "positive" if score >= _NEUTRAL_BAND else "negative" if score <= -_NEUTRAL_BAND else "neutral"


def _billing_units(text: str) -> int:
    return max(1, math.ceil(len(text) / _UNIT_CHARS)) * _N_FEATURES


def _entities(response: language_v2.AnnotateTextResponse) -> tuple[Entity, ...]:
    """Entities by number of mentions; salience is their share of mentions (v2 has no salience)."""
    kept = [(e, max(1, len(e.mentions))) for e in response.entities if e.type_.name in _ENTITY_TYPES]
    total = sum(n for _, n in kept)
    kept.sort(key=lambda pair: -pair[1])
    return tuple(
        Entity(
            name=entity.name,
            type="BRAND" if find_brand(entity.name) else _ENTITY_TYPES[entity.type_.name],
            salience=round(n / total, 3),
        )
        for entity, n in kept
    )


def _api_category(name: str) -> str | None:
    return next((category for prefix, category in CATEGORY_PREFIXES if name.startswith(prefix)), None)


class CloudNaturalLanguageAnalyzer:
    """A :class:`~trendwatch.ports.TextAnalyzer` backed by Cloud Natural Language.

    ``client`` is created on first use when not given (application default credentials).
    ``cache_size`` bounds the number of distinct texts remembered.
    """

    name = "gcp-language"

    def __init__(
        self,
        client: language_v2.LanguageServiceClient | None = None,
        *,
        cache_size: int = 100_000,
        price_per_1000_units: float = 1.0,
        timeout: float = 30.0,
        retry: Retry = DEFAULT_RETRY,
    ) -> None:
        self._client = client
        self._client_lock = threading.Lock()
        self._cache: ContentCache[language_v2.AnnotateTextResponse] = ContentCache(cache_size)
        self._timeout = timeout
        self._retry = retry
        #: Usage and estimated cost, logged after every batch.
        self.meter = UsageMeter(
            "Cloud Natural Language",
            usd_per_1000_units=price_per_1000_units,
            report_every=1,
            logger_name=__name__,
        )

    @property
    def calls(self) -> int:
        """Paid API calls since creation."""
        return self.meter.total.api_calls

    @property
    def cache_hits(self) -> int:
        """Texts answered from the cache since creation."""
        return self.meter.total.cache_hits

    @property
    def client(self) -> language_v2.LanguageServiceClient:
        """The client, created on first use by one of the threads that need it."""
        with self._client_lock:
            if self._client is None:
                self._client = language_v2.LanguageServiceClient()
            return self._client

    def analyze(self, items: Sequence[TextItem]) -> list[TextEnrichment]:
        units = 0
        calls = 0
        results = []
        for item in items:
            response, cost = self._annotate(item.text)
            units += cost
            calls += cost > 0
            results.append(self._enrich(item, response))
        self.meter.record(
            items=len(items), api_calls=calls, cache_hits=len(items) - calls, billing_units=units
        )
        return results

    def _annotate(self, text: str) -> tuple[language_v2.AnnotateTextResponse, int]:
        """The API's answer for ``text`` and the billing units spent on it (0 when cached)."""
        key = content_key(text.encode("utf-8"))
        cached = self._cache.get(key)
        if cached is not None:
            return cached, 0
        document = language_v2.Document(content=text, type_=language_v2.Document.Type.PLAIN_TEXT)
        response = self.client.annotate_text(
            request={"document": document, "features": FEATURES},
            retry=self._retry,
            timeout=self._timeout,
        )
        self._cache.put(key, response)
        return response, _billing_units(text)

    def _enrich(self, item: TextItem, response: language_v2.AnnotateTextResponse) -> TextEnrichment:
        lang = (response.language_code or item.lang_hint or "und").split("-")[0].lower()
        score = round(float(response.document_sentiment.score), 4)
        found = {_api_category(c.name) for c in response.categories}.union(categorize_text(item.text, lang))
        versions = {
            "lang": MODEL_VERSION,
            "sentiment": MODEL_VERSION,
            "entities": MODEL_VERSION,
            "categories": MODEL_VERSION,
            "taxonomy": f"trendwatch-taxonomy-{taxonomy().version}",
        }
        return TextEnrichment(
            lang=lang,
            sentiment=Sentiment(_label(score), score),
            hashtags=extract_hashtags(item.text),
            mentions=extract_mentions(item.text),
            keyphrases=extract_keyphrases(item.text, lang),
            entities=_entities(response),
            categories=tuple(c for c in taxonomy().categories if c in found),
            model_versions=versions,
        )
