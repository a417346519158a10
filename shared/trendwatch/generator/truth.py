"""``truth.json``: what was planted in a generated stream, for evaluating the detectors against it."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from trendwatch.generator.authors import Account
from trendwatch.generator.catalog import Product
from trendwatch.generator.feeds import FeedFile
from trendwatch.generator.history import (
    HORIZON_DAYS,
    UPLIFT_DAYS,
    UPLIFT_HALF_LIFE_DAYS,
    WEB_LOCATION,
    History,
    NewProductTruth,
    PromotionTruth,
    Trend,
    TrendTruth,
    cancellation_known,
)
from trendwatch.generator.history_feeds import (
    DEMAND_TRUTH,
    BadRows,
    ResentSnapshot,
    StockEventsTruth,
    WrittenHistory,
)
from trendwatch.generator.images import ImageGroup
from trendwatch.generator.stream import StreamStats
from trendwatch.generator.timeline import from_ms
from trendwatch.generator.topics import DECOY_SHARE, PlantedTopic
from trendwatch.generator.vocabulary import DECOY, LOCATIONS, TopicSpec


class Counts(msgspec.Struct, frozen=True):
    tweets: int
    originals: int
    retweets: int
    replies: int
    quotes: int
    bot_tweets: int
    media_items: int
    distinct_images: int
    tweets_with_media: int


class TopicTruth(msgspec.Struct, frozen=True):
    topic_id: str
    label: str
    category: str
    #: Every variant: hashtags (with ``#``) and phrases, in both languages.
    terms: tuple[str, ...]
    hashtags: tuple[str, ...]
    phrases: tuple[str, ...]
    languages: tuple[str, ...]
    onset: datetime
    ramp_minutes: float
    peak_share: float
    #: The share it jumped to at onset, as a fraction of its peak (0.03: a gradual rise).
    onset_fraction: float
    #: Tweets of any kind about the topic, before and after onset.
    tweets: int
    linked_skus: tuple[str, ...]
    influencer_ids: tuple[str, ...]


class DecoyTruth(msgspec.Struct, frozen=True):
    topic_id: str
    label: str
    terms: tuple[str, ...]
    hashtags: tuple[str, ...]
    share: float


class InfluencerTruth(msgspec.Struct, frozen=True):
    user_id: str
    username: str
    followers_count: int
    #: The planted topic this account pushes; ``None`` for the general lifestyle influencer.
    topic_id: str | None


class BotTruth(msgspec.Struct, frozen=True):
    user_id: str
    username: str
    in_retweet_ring: bool


class TrendStockout(msgspec.Struct, frozen=True):
    """A stock-out a live trend causes in the horizon: with no new order placed, the SKU runs
    out at the location on ``day`` with the trend's uplift, and later (``day_without``) or
    never (``None``) without it."""

    topic_id: str
    sku: str
    location_id: str
    day: date
    day_without: date | None
    #: Stock and open orders at the end of the stream's day.
    on_hand: int
    on_order: int


class OpenDelivery(msgspec.Struct, frozen=True):
    """A replenishment order still open at the end of the stream's day, and what becomes of it."""

    delivery_id: str
    sku: str
    location_id: str
    quantity: int
    #: As last reported (a delayed one: its revised date).
    expected_date: date
    status: str
    #: When it arrives; ``None``: cancelled.
    arrival_date: date | None


class HistoryTweets(msgspec.Struct, frozen=True):
    path: str
    tweets: int
    authors: int
    background: int
    #: Tweets about each past trend, by ``topic_id``.
    by_trend: dict[str, int]


class HistoryTruth(msgspec.Struct, frozen=True):
    """What the retail history (``generate(..., history_days=N)``) planted."""

    days: int
    first_day: date
    stream_day: date
    horizon_days: int
    #: The per day x SKU x location truth (``demand_truth.csv``, beside ``truth.json``).
    demand_truth: str
    locations: tuple[str, ...]
    web_location: str
    #: Past trends (in the history) and live ones (the stream's planted topics), by onset.
    trends: tuple[TrendTruth, ...]
    promotions: tuple[PromotionTruth, ...]
    new_products: tuple[NewProductTruth, ...]
    #: Bad rows of the feed files, by kind and reason (every feed file's own are in ``feeds``).
    bad_rows: tuple[BadRows, ...]
    resent_snapshots: tuple[ResentSnapshot, ...]
    stock_events: StockEventsTruth
    trend_stockouts: tuple[TrendStockout, ...]
    open_deliveries: tuple[OpenDelivery, ...]
    tweets: HistoryTweets | None = None


class Truth(msgspec.Struct, frozen=True, omit_defaults=True):
    seed: int
    start: datetime
    end: datetime
    minutes: int
    rate: float
    counts: Counts
    topics: tuple[TopicTruth, ...]
    decoy: DecoyTruth
    influencers: tuple[InfluencerTruth, ...]
    bots: tuple[BotTruth, ...]
    feeds: tuple[FeedFile, ...]
    #: Each picture with the media keys showing it: keys in one group are (near-)duplicates.
    image_groups: tuple[ImageGroup, ...]
    #: Only with a history (``history_days`` > 0).
    history: HistoryTruth | None = None


def _hashtags(spec: TopicSpec) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*spec.hashtags_en, *spec.hashtags_fr)))


def topic_truth(
    topic: PlantedTopic, stats: StreamStats, catalog: list[Product], influencer: Account
) -> TopicTruth:
    spec = topic.spec
    return TopicTruth(
        topic_id=spec.topic_id,
        label=spec.label,
        category=spec.category,
        terms=tuple(dict.fromkeys(spec.terms)),
        hashtags=_hashtags(spec),
        phrases=(spec.phrases.en, spec.phrases.fr),
        languages=("en", "fr"),
        onset=from_ms(topic.onset_ms),
        ramp_minutes=topic.ramp_ms / 60_000,
        peak_share=round(topic.peak_share, 4),
        onset_fraction=topic.onset_fraction,
        tweets=stats.topic_tweets[spec.topic_id],
        linked_skus=tuple(p.sku for p in catalog if p.topic_id == spec.topic_id),
        influencer_ids=(influencer.user_id,),
    )


def decoy_truth() -> DecoyTruth:
    return DecoyTruth(
        topic_id=DECOY.topic_id,
        label=DECOY.label,
        terms=tuple(dict.fromkeys(DECOY.terms)),
        hashtags=_hashtags(DECOY),
        share=DECOY_SHARE,
    )


def influencer_truth(topic_id: str, account: Account) -> InfluencerTruth:
    return InfluencerTruth(account.user_id, account.username, account.followers, topic_id or None)


def encode(truth: Truth) -> bytes:
    return msgspec.json.format(msgspec.json.encode(truth), indent=2) + b"\n"


def trend_truth(trend: Trend, history: History) -> TrendTruth:
    onset_day = history.day(trend.onset_index)
    return TrendTruth(
        topic_id=trend.spec.topic_id,
        kind=trend.kind,
        label=trend.spec.label,
        skus=tuple(p.sku for p in trend.products),
        terms=tuple(dict.fromkeys(trend.spec.terms)),
        onset=from_ms(trend.onset_ms),
        onset_day=onset_day,
        size=trend.size,
        lag_days=trend.lag,
        uplift_start_day=history.day(trend.onset_index + trend.lag),
        peak_uplift=trend.peak,
        half_life_days=UPLIFT_HALF_LIFE_DAYS,
        uplift_days=UPLIFT_DAYS,
    )


def trend_stockouts(history: History) -> list[TrendStockout]:
    found: list[TrendStockout] = []
    stream = history.stream_index
    index = {p.sku: n for n, p in enumerate(history.products)}
    for trend in history.trends:
        if trend.kind != "live":
            continue
        for product in trend.products:
            for loc, location in enumerate(LOCATIONS):
                s = history.series(index[product.sku], loc)
                first, without = history.first_stockout_with[s], history.first_stockout_without[s]
                if first is None or (without is not None and without <= first):
                    continue
                found.append(
                    TrendStockout(
                        topic_id=trend.spec.topic_id,
                        sku=product.sku,
                        location_id=location,
                        day=history.day(first),
                        day_without=None if without is None else history.day(without),
                        on_hand=int(history.on_hand[s, stream]),
                        on_order=int(history.on_order[s, stream]),
                    )
                )
    return found


def open_deliveries(history: History) -> list[OpenDelivery]:
    stream = history.stream_index
    found: list[OpenDelivery] = []
    for d in history.deliveries:
        if d.placed > stream or (d.arrival is not None and d.arrival <= stream):
            continue
        if d.outcome == "cancelled" and cancellation_known(d) <= stream:
            continue
        late = d.revised is not None and d.expected <= stream
        found.append(
            OpenDelivery(
                delivery_id=d.delivery_id,
                sku=history.products[d.series // len(LOCATIONS)].sku,
                location_id=LOCATIONS[d.series % len(LOCATIONS)],
                quantity=d.quantity,
                expected_date=history.day(d.revised if late and d.revised is not None else d.expected),
                status="delayed" if late else "in_transit",
                arrival_date=None if d.arrival is None else history.day(d.arrival),
            )
        )
    return found


def history_truth(history: History, written: WrittenHistory, tweets: HistoryTweets | None) -> HistoryTruth:
    return HistoryTruth(
        days=history.stream_index,
        first_day=history.first_day,
        stream_day=history.day(history.stream_index),
        horizon_days=HORIZON_DAYS,
        demand_truth=DEMAND_TRUTH,
        locations=LOCATIONS,
        web_location=WEB_LOCATION,
        trends=tuple(trend_truth(t, history) for t in history.trends),
        promotions=tuple(history.promotions),
        new_products=tuple(history.new_products),
        bad_rows=tuple(written.bad_rows),
        resent_snapshots=tuple(written.resent),
        stock_events=written.stock_events,
        trend_stockouts=tuple(trend_stockouts(history)),
        open_deliveries=tuple(open_deliveries(history)),
        tweets=tweets,
    )
