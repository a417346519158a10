"""The API's read layer: every answer the API and the dashboard give is computed here.

SQL comes from :mod:`trendwatch.api.queries`; emerging topics and influence rankings come
from :mod:`trendwatch.app.insights`, so an improved detector or ranking shows up here without
change. Those two are computed in Python over the whole stream (about a second on the demo
data), so their results are kept for ``cache_seconds``; everything else is one query.

The cache holds at most :data:`CACHE_ENTRIES` answers, each under a key the server chose
(the emerging topics, the stock alerts at the widest cover, the influencers overall or of one
of the emerging topics), never under what a client typed: a client cannot grow it, nor evict
the answers everyone shares by asking for many different things.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import msgspec

from trendwatch.api import queries
from trendwatch.api.models import (
    DriftPoint,
    EmergingTopic,
    ForecastPoint,
    Image,
    Influencer,
    LanguageShare,
    MatchedTweet,
    ModelMetric,
    Page,
    ProductForecast,
    ProductStock,
    QueryAnswer,
    RankedTweet,
    RankedTweets,
    RestockItem,
    SavedSearch,
    Series,
    SeriesPoint,
    StockAlert,
    TermCount,
    TopicDetail,
    Tweet,
    TweetToLabel,
)
from trendwatch.app.enrich_image import MEDIA_PREFIX
from trendwatch.app.insights import TOPIC_PREFIX, InfluencerSummary, influencers, read_emerging_topics
from trendwatch.app.labels import unlabelled_tweets
from trendwatch.app.monitor import drift_series
from trendwatch.app.saved_searches import SavedSearchNotFound, get_search, list_searches
from trendwatch.app.search import NoEmbeddings, SearchFilters
from trendwatch.app.search import search as fused_search
from trendwatch.app.search_engines import SearchEngine
from trendwatch.app.social_features import sku_social_daily
from trendwatch.domain.emergence import EmergenceParams
from trendwatch.domain.topics import Embed
from trendwatch.ports import BlobStore, TextEmbedder, Warehouse
from trendwatch.query import parse, tweets_statement, volume_statement

T = TypeVar("T")

#: Where the API serves image bytes (``{MEDIA_PATH}{media_key}``).
MEDIA_PATH = "/api/v1/media/"
#: Emerging topics and influencers are ranked once up to these many; pages are cut from them.
EMERGING_POOL = 200
INFLUENCER_POOL = 200
SPARKLINE_POINTS = 24
STORY_POINTS = 60
MAX_POINTS = 500
#: The widest cover stock alerts may be asked for (days); alerts are computed once at it.
MAX_DAYS_OF_COVER = 365.0
#: Answers the read layer's cache holds at most: the emerging topics, the stock alerts, the
#: overall influencers and those of every emerging topic.
CACHE_ENTRIES = EMERGING_POOL + 3
#: Bounds used when a time range is open (BigQuery cannot compare a timestamp with NULL).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)
_CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


class TimeRange(msgspec.Struct, frozen=True):
    """``[since, until)``; either end may be open."""

    since: datetime | None = None
    until: datetime | None = None

    @property
    def bounds(self) -> dict[str, datetime]:
        return {"since": self.since or EARLIEST, "until": self.until or LATEST}

    def contains(self, moment: datetime) -> bool:
        return (self.since is None or moment >= self.since) and (self.until is None or moment < self.until)


ALL_TIME = TimeRange()


class SemanticSearchUnavailable(LookupError):
    """The warehouse holds no tweet embedding by the search's model."""


class _Span(msgspec.Struct, frozen=True):
    first_at: datetime | None
    last_at: datetime | None


class BoundedTtlCache:
    """Results of slow computations, each kept for ``seconds``, at most ``entries`` of them (the
    least recently used goes first); thread-safe."""

    def __init__(self, seconds: float, clock: Callable[[], float], entries: int = CACHE_ENTRIES) -> None:
        self._seconds = seconds
        self._clock = clock
        self._capacity = entries
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.RLock()  # a computation may use another cached one

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and self._clock() - hit[0] < self._seconds:
                self._entries.move_to_end(key)
                result: T = hit[1]
                return result
            value = compute()
            self._entries[key] = (self._clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
            return value


def _moment(value: datetime | str) -> datetime:
    """Timestamps come back as datetimes from BigQuery, as ISO strings from local stores."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _day(value: date | str) -> date:
    """Dates come back as dates from BigQuery, as ISO strings from local stores."""
    return value if isinstance(value, date) else date.fromisoformat(value[:10])


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _bucket_minutes(start: datetime, end: datetime, points: int) -> int:
    return max(1, math.ceil((end - start).total_seconds() / 60 / points))


def _floor(moment: datetime, minutes: int) -> datetime:
    seconds = minutes * 60
    return datetime.fromtimestamp(moment.timestamp() // seconds * seconds, UTC)


def _series(rows: Sequence[Mapping[str, Any]], minutes: int, start: datetime, end: datetime) -> Series:
    """Rows of :data:`queries.SERIES` summed per bucket, every bucket from ``start`` to ``end``."""
    step = timedelta(minutes=minutes)
    sums: dict[datetime, dict[str, Any]] = {}
    moment = _floor(start, minutes)
    while moment <= end:
        sums[moment] = {
            "tweets": 0,
            "positive": 0,
            "neutral": 0,
            "negative": 0,
            "sentiment": 0.0,
            "langs": {},
        }
        moment += step
    for row in rows:
        bucket = sums.get(_moment(row["bucket"]))
        if bucket is None:
            continue
        tweets = int(row["tweets"])
        for key in ("tweets", "positive", "neutral", "negative"):
            bucket[key] += int(row[key] or 0)
        bucket["sentiment"] += float(row["sentiment_sum"] or 0.0)
        lang = row["lang"] or "und"
        bucket["langs"][lang] = bucket["langs"].get(lang, 0) + tweets
    points = [
        SeriesPoint(
            start=moment,
            tweets=s["tweets"],
            positive=s["positive"],
            neutral=s["neutral"],
            negative=s["negative"],
            sentiment_avg=round(s["sentiment"] / s["tweets"], 4) if s["tweets"] else None,
            languages=s["langs"],
        )
        for moment, s in sums.items()
    ]
    return Series(bucket_minutes=minutes, points=points)


def _image(row: Mapping[str, Any]) -> Image:
    colours = row["colours"]
    return Image.model_validate(
        {
            **row,
            "colours": json.loads(colours) if isinstance(colours, str) else colours or [],
            "labels": row["labels"] or [],
            "url": MEDIA_PATH + quote(row["media_key"], safe=""),
        }
    )


class AnalystReads:
    """Read-only answers over a warehouse (and the lake, for images).

    ``search_engine`` and ``embedder`` answer hybrid (keyword and semantic) search;
    ``emergence`` tunes the emergence detector (default: its evaluated parameters) and
    ``embed`` is the sentence embedder it groups terms into topics with.
    """

    def __init__(
        self,
        warehouse: Warehouse,
        lake: BlobStore | None = None,
        *,
        search_engine: SearchEngine,
        embedder: TextEmbedder,
        cache_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        emergence: EmergenceParams | None = None,
        embed: Embed | None = None,
    ) -> None:
        self._warehouse = warehouse
        self._lake = lake
        self._search_engine = search_engine
        self._embedder = embedder
        self._emergence = emergence
        self._embed = embed
        self._cache = BoundedTtlCache(cache_seconds, clock)

    # -- emerging topics ---------------------------------------------------------------------

    def emerging(self) -> list[EmergingTopic]:
        """Emerging topics, newest first, each with its sparkline series over the whole stream."""
        return self._cache.get("emerging", self._compute_emerging)

    def emerging_page(
        self,
        *,
        window: TimeRange = ALL_TIME,
        lang: str | None = None,
        category: str | None = None,
        by_score: bool = False,
        limit: int = 20,
        offset: int = 0,
    ) -> Page[EmergingTopic]:
        """Emerging topics first detected in ``window``, in ``lang`` and ``category`` when given,
        newest first (or best score first)."""
        chosen = [
            t
            for t in self.emerging()
            if window.contains(t.first_detected_at)
            and (lang is None or lang in t.languages)
            and (category is None or t.category == category)
        ]
        if by_score:
            chosen.sort(key=lambda t: t.score, reverse=True)
        return Page[EmergingTopic](
            items=chosen[offset : offset + limit], total=len(chosen), limit=limit, offset=offset
        )

    def _compute_emerging(self) -> list[EmergingTopic]:
        found = read_emerging_topics(self._warehouse, params=self._emergence, embed=self._embed)
        span = self._span()
        if not found or span.first_at is None or span.last_at is None:
            return []
        terms = sorted({term for topic in found for term in topic.terms})
        categories = {
            r["term"]: r["category"] for r in self._warehouse.query(queries.TERM_CATEGORIES, {"terms": terms})
        }
        minutes = _bucket_minutes(span.first_at, span.last_at, SPARKLINE_POINTS)
        rows = self._series_rows(terms, TimeRange(), None, minutes)
        return [
            EmergingTopic(
                **msgspec.structs.asdict(topic),
                category=categories.get(topic.terms[0]),
                series=_series(
                    [r for r in rows if r["term"] in topic.terms], minutes, span.first_at, span.last_at
                ),
            )
            for topic in found
        ]

    def _series_rows(
        self, terms: Sequence[str], window: TimeRange, lang: str | None, minutes: int
    ) -> list[dict[str, Any]]:
        params = {"terms": list(terms), "lang": lang, "bucket_seconds": minutes * 60, **window.bounds}
        return self._warehouse.query(queries.SERIES, params)

    def _span(self) -> _Span:
        [span] = msgspec.convert(self._warehouse.query(queries.SPAN), list[_Span])
        return span

    def _story_range(self, window: TimeRange) -> tuple[datetime, datetime]:
        """Where a story's series starts and ends: the stored tweets' span within ``window``."""
        span = self._span()
        start = max(filter(None, (span.first_at, window.since)), default=EARLIEST)
        return start, min(filter(None, (span.last_at, window.until)), default=start)

    # -- one topic ---------------------------------------------------------------------------

    def _resolve(self, topic_id: str) -> tuple[str, list[str]] | None:
        """The label and terms of an emerging or stored topic, or of a ``term:`` topic whose
        term was seen."""
        emerging = next((t for t in self.emerging() if t.topic_id == topic_id), None)
        if emerging is not None:
            return emerging.label, emerging.terms
        stored = self._warehouse.query(queries.STORED_TOPIC, {"topic_id": topic_id})
        if stored:
            return stored[0]["label"], list(stored[0]["terms"] or [])
        term = topic_id.removeprefix(TOPIC_PREFIX)
        if term == topic_id or not term:
            return None
        [row] = self._warehouse.query(queries.TERMS_EXIST, {"terms": [term]})
        return (term, [term]) if row["found"] else None

    def topic(
        self,
        topic_id: str,
        *,
        window: TimeRange = ALL_TIME,
        lang: str | None = None,
        bucket_minutes: int | None = None,
        top: int = 10,
    ) -> TopicDetail | None:
        """A topic's story: series, languages, related terms, tweets, images, people, products.

        ``None`` for an unknown topic. The series has at most :data:`MAX_POINTS` buckets: a
        requested ``bucket_minutes`` too fine for the time range is widened.
        """
        resolved = self._resolve(topic_id)
        if resolved is None:
            return None
        label, terms = resolved
        start, end = self._story_range(window)
        minutes = max(
            bucket_minutes or _bucket_minutes(start, end, STORY_POINTS),
            _bucket_minutes(start, end, MAX_POINTS),
        )
        filtered = {"terms": terms, "lang": lang, "limit": top, **window.bounds}
        return TopicDetail(
            topic_id=topic_id,
            label=label,
            terms=terms,
            emergence=next((t for t in self.emerging() if t.topic_id == topic_id), None),
            series=_series(self._series_rows(terms, window, lang, minutes), minutes, start, end),
            languages=[
                LanguageShare.model_validate(r)
                for r in self._warehouse.query(queries.LANGUAGES, {"terms": terms, **window.bounds})
            ],
            related_terms=[
                TermCount.model_validate(r) for r in self._warehouse.query(queries.RELATED_TERMS, filtered)
            ],
            top_tweets=[Tweet.model_validate(r) for r in self._warehouse.query(queries.TOP_TWEETS, filtered)],
            images=[_image(r) for r in self._warehouse.query(queries.TOPIC_MEDIA, filtered)],
            influencers=self.influencers(topic_id=topic_id).items[:top],
            products=self.topic_products(topic_id, terms, limit=top),
        )

    def topic_products(self, topic_id: str, terms: Sequence[str], *, limit: int = 10) -> list[ProductStock]:
        params = {"topic_id": topic_id, "terms": list(terms), "limit": limit}
        return [
            ProductStock.model_validate({**r, "matched_terms": r["matched_terms"] or []})
            for r in self._warehouse.query(queries.TOPIC_PRODUCTS, params)
        ]

    # -- people, tweets, stock, models ---------------------------------------------------------

    def influencers(
        self, *, topic_id: str | None = None, limit: int = 20, offset: int = 0
    ) -> Page[Influencer]:
        """Influencers best first, overall or on one topic (ranked once, then paged; kept only
        overall and for the emerging topics, whose ids the server chose)."""

        def rank() -> list[InfluencerSummary]:
            return influencers(self._warehouse, topic_id=topic_id, limit=INFLUENCER_POOL)

        cached = topic_id is None or any(t.topic_id == topic_id for t in self.emerging())
        ranked = self._cache.get(("influencers", topic_id), rank) if cached else rank()
        items = [
            Influencer.model_validate(msgspec.structs.asdict(r)) for r in ranked[offset : offset + limit]
        ]
        return Page[Influencer](items=items, total=len(ranked), limit=limit, offset=offset)

    def search(
        self,
        words: Sequence[str],
        *,
        window: TimeRange = ALL_TIME,
        lang: str | None = None,
        category: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> Page[Tweet]:
        """Original tweets holding every word (case-insensitive), newest first."""
        params = {
            "words": [w.lower() for w in words],
            "lang": lang,
            "category": category,
            "limit": limit,
            "offset": offset,
            **window.bounds,
        }
        rows = self._warehouse.query(queries.SEARCH_TWEETS, params)
        total = int(rows[0]["total"]) if rows else 0
        return Page[Tweet](
            items=[Tweet.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
        )

    def hybrid_search(
        self, query: str, *, window: TimeRange = ALL_TIME, lang: str | None = None, limit: int = 20
    ) -> RankedTweets:
        """Tweets best matching ``query`` by words (BM25) and by meaning (embeddings), fused by
        rank; raises :class:`SemanticSearchUnavailable` when no tweet was embedded."""
        filters = SearchFilters(lang=lang, since=window.since, until=window.until)
        try:
            hits = fused_search(self._search_engine, self._embedder, query, limit=limit, filters=filters)
        except NoEmbeddings as exc:
            raise SemanticSearchUnavailable(f"{exc}: enrich tweets first") from None
        return RankedTweets(
            query=query, items=[RankedTweet.model_validate(msgspec.structs.asdict(h)) for h in hits]
        )

    def boolean_query(
        self, query: str, *, window: TimeRange = ALL_TIME, limit: int = 20, name: str | None = None
    ) -> QueryAnswer:
        """What a query of the boolean language matches in ``window``: its volume over time
        (about :data:`STORY_POINTS` buckets) and its newest ``limit`` tweets.

        Raises :class:`~trendwatch.query.QuerySyntaxError` for an invalid query.
        """
        node = parse(query)
        start, end = self._story_range(window)
        minutes = _bucket_minutes(start, end, STORY_POINTS)
        counted = volume_statement(node, bucket_seconds=minutes * 60, since=window.since, until=window.until)
        counts = self._warehouse.query(counted.sql, counted.params)
        listed = tweets_statement(node, since=window.since, until=window.until, limit=limit)
        return QueryAnswer(
            query=query,
            name=name,
            total=sum(int(r["tweets"]) for r in counts),
            volume=_series(counts, minutes, start, end),
            tweets=[
                MatchedTweet.model_validate(
                    {**r, "hashtags": r["hashtags"] or [], "categories": r["categories"] or []}
                )
                for r in self._warehouse.query(listed.sql, listed.params)
            ],
        )

    def saved_searches(self) -> list[SavedSearch]:
        """Every saved search (saved with ``trendwatch searches save``), by name."""
        return [SavedSearch.model_validate(msgspec.structs.asdict(s)) for s in list_searches(self._warehouse)]

    def saved_search(self, name: str, *, window: TimeRange = ALL_TIME, limit: int = 20) -> QueryAnswer | None:
        """What the saved search ``name`` matches (see :meth:`boolean_query`), or ``None``."""
        try:
            saved = get_search(self._warehouse, name)
        except SavedSearchNotFound:
            return None
        return self.boolean_query(saved.query, window=window, limit=limit, name=saved.name)

    def stock_alerts(self, *, max_days_of_cover: float = 7.0) -> list[StockAlert]:
        """Products of emerging topics whose projected stock lasts ``max_days_of_cover`` days or
        less (latest forecast run), the shortest cover first."""
        widest = self._cache.get("stock", self._compute_stock_alerts)
        return [alert for cover, alert in widest if cover <= max_days_of_cover]

    def _compute_stock_alerts(self) -> list[tuple[float, StockAlert]]:
        """One query for every emerging topic's products with at most :data:`MAX_DAYS_OF_COVER`
        days of cover, then each product is credited to the topics linked to it (stored link or
        keyword link of one of its terms); each alert comes with its unrounded cover."""
        newest: dict[str, EmergingTopic] = {}  # a topic may have emerged more than once
        for emerged in self.emerging():
            newest.setdefault(emerged.topic_id, emerged)
        if not newest:
            return []
        params = {
            "topic_ids": list(newest),
            "terms": sorted({term for topic in newest.values() for term in topic.terms}),
            "max_days_of_cover": MAX_DAYS_OF_COVER,
        }
        alerts = []
        for row in self._warehouse.query(queries.STOCK_ALERTS, params):
            stored, terms = set(row["topic_ids"] or []), set(row["matched_terms"] or [])
            linked = [t for t in newest.values() if t.topic_id in stored or terms.intersection(t.terms)]
            best = max(linked, key=lambda t: t.score)  # the first of equals: the newest
            alerts.append(
                (
                    row["days_of_cover"],
                    StockAlert(
                        sku=row["sku"],
                        name=row["name"],
                        category=row["category"],
                        on_hand=row["on_hand"],
                        daily_demand=row["daily_demand"],
                        days_of_cover=round(row["days_of_cover"], 2),
                        stockout_date=row["stockout_date"],
                        as_of=row["as_of"],
                        topic_id=best.topic_id,
                        topic_ids=[t.topic_id for t in linked],
                        score=best.score,
                    ),
                )
            )
        return sorted(alerts, key=lambda pair: (pair[1].days_of_cover, -pair[1].score, pair[1].sku))

    def restock(
        self, *, as_of: date | None = None, urgency: str | None = None, limit: int = 50, offset: int = 0
    ) -> Page[RestockItem]:
        """The restock recommendations of the run of ``as_of`` (default: the latest run)."""
        day = as_of or self._warehouse.query(queries.LATEST_RESTOCK_DAY)[0]["as_of"]
        if day is None:
            return Page[RestockItem](items=[], total=0, limit=limit, offset=offset)
        params = {"as_of": _day(day), "urgency": urgency, "limit": limit, "offset": offset}
        rows = self._warehouse.query(queries.RESTOCK, params)
        return Page[RestockItem](
            items=[RestockItem.model_validate(r) for r in rows],
            total=int(rows[0]["total"]) if rows else 0,
            limit=limit,
            offset=offset,
        )

    def product_forecast(self, sku: str, *, history_days: int = 28) -> ProductForecast | None:
        """The product's latest forecast run beside its last ``history_days`` of orders and the
        people talking about it, day by day on one axis; ``None`` without a forecast."""
        forecast = self._warehouse.query(queries.PRODUCT_FORECAST, {"sku": sku})
        if not forecast:
            return None
        as_of = _day(forecast[0]["as_of"])
        first = as_of - timedelta(days=history_days)
        bounds = {
            "sku": sku,
            "since": _midnight(first),
            "until": _midnight(_day(forecast[-1]["date"]) + timedelta(days=1)),
        }
        units = {
            _day(r["date"]): float(r["units"]) for r in self._warehouse.query(queries.PRODUCT_HISTORY, bounds)
        }
        voices = {
            r["date"]: r["voices"]
            for r in sku_social_daily(self._warehouse, first, _day(forecast[-1]["date"]))
            if r["sku"] == sku
        }
        by_day = {_day(r["date"]): r for r in forecast}
        days = [first + timedelta(days=n) for n in range((_day(forecast[-1]["date"]) - first).days + 1)]
        points = [
            ForecastPoint(
                date=day,
                units=units.get(day, 0.0) if day < as_of else None,
                p10=by_day[day]["p10"] if day in by_day else None,
                p50=by_day[day]["p50"] if day in by_day else None,
                p90=by_day[day]["p90"] if day in by_day else None,
                baseline_p50=by_day[day]["baseline_p50"] if day in by_day else None,
                voices=voices.get(day, 0),
            )
            for day in days
        ]
        [product] = self._warehouse.query(queries.PRODUCT_NAME, {"sku": sku}) or [{"name": None}]
        return ProductForecast(
            sku=sku,
            name=product["name"],
            as_of=as_of,
            model=forecast[0]["model"],
            baseline_model=forecast[0]["baseline_model"],
            points=points,
        )

    def model_metrics(
        self,
        *,
        model: str | None = None,
        metric: str | None = None,
        window: TimeRange = ALL_TIME,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[ModelMetric]:
        params = {"model": model, "metric": metric, "limit": limit, "offset": offset, **window.bounds}
        rows = self._warehouse.query(queries.MODEL_METRICS, params)
        total = int(rows[0]["total"]) if rows else 0
        return Page[ModelMetric](
            items=[ModelMetric.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
        )

    def model_drift(self) -> list[DriftPoint]:
        """Drift and label accuracy per model version and day, oldest first."""
        return [DriftPoint.model_validate(r) for r in drift_series(self._warehouse)]

    def tweets_to_label(self, limit: int = 8) -> list[TweetToLabel]:
        """The newest original tweets without a sentiment label yet."""
        return [TweetToLabel.model_validate(r) for r in unlabelled_tweets(self._warehouse, limit)]

    def image(self, media_key: str) -> tuple[bytes, str] | None:
        """The stored bytes of an image and their content type, or ``None``."""
        if self._lake is None:
            return None
        for name in self._lake.list(f"{MEDIA_PREFIX}{media_key}."):
            return self._lake.read(name), _CONTENT_TYPES.get(
                name.rsplit(".", 1)[-1], "application/octet-stream"
            )
        return None
