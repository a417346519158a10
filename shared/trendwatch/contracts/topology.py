"""The one topology: topics, subscriptions, filters, dead letters, retries and triggers.

The local runtime reads it to route messages; ``deploy/`` is generated from (or checked
against) it. Every list of services elsewhere derives from here or from ``services/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

PUBSUB_MESSAGE_PUBLISHED = "google.cloud.pubsub.topic.v1.messagePublished"
STORAGE_OBJECT_FINALIZED = "google.cloud.storage.object.v1.finalized"


@dataclass(frozen=True)
class RetryPolicy:
    """Pub/Sub retry policy: exponential backoff between the bounds, then dead-letter."""

    minimum_backoff_s: float = 10.0
    maximum_backoff_s: float = 600.0
    max_delivery_attempts: int = 5

    def backoff(self, attempt: int) -> float:
        """Delay before delivery ``attempt + 1`` (attempts count from 1)."""
        return float(min(self.maximum_backoff_s, self.minimum_backoff_s * 2 ** max(0, attempt - 1)))


@dataclass(frozen=True)
class AttributeEquals:
    """A Pub/Sub subscription filter ``attributes.KEY = "VALUE"``."""

    key: str
    value: str

    def matches(self, attributes: Mapping[str, str]) -> bool:
        return attributes.get(self.key) == self.value

    def to_pubsub(self) -> str:
        return f'attributes.{self.key} = "{self.value}"'


@dataclass(frozen=True)
class Topic:
    name: str
    description: str
    dead_letter: bool = False


@dataclass(frozen=True)
class Subscription:
    """A push subscription delivered to one service's entry point through Eventarc."""

    name: str
    topic: str
    service: str
    entry_point: str
    filter: AttributeEquals | None = None
    retry: RetryPolicy = RetryPolicy()
    ack_deadline_s: int = 60

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.name}-dead-letter"


@dataclass(frozen=True)
class StorageTrigger:
    """An Eventarc trigger on ``storage.object.v1.finalized`` for objects under ``prefix``."""

    name: str
    prefix: str
    service: str
    entry_point: str
    retry: RetryPolicy = RetryPolicy()

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.name}-dead-letter"


@dataclass(frozen=True)
class Schedule:
    """A Cloud Scheduler job publishing ``{"job": job}`` to ``topic`` on ``cron`` (UTC)."""

    name: str
    job: str
    cron: str
    description: str
    topic: str = "scheduled-jobs"


@dataclass(frozen=True)
class Topology:
    topics: tuple[Topic, ...]
    subscriptions: tuple[Subscription, ...]
    storage_triggers: tuple[StorageTrigger, ...]
    #: Dead-letter topics of producers that validate input themselves (no subscription).
    producer_dead_letters: Mapping[str, str] = field(default_factory=dict)
    schedules: tuple[Schedule, ...] = ()

    @property
    def services(self) -> tuple[str, ...]:
        names = {s.service for s in self.subscriptions} | {t.service for t in self.storage_triggers}
        return tuple(sorted(names))

    def subscriptions_of(self, topic: str) -> tuple[Subscription, ...]:
        return tuple(s for s in self.subscriptions if s.topic == topic)

    def triggers_for(self, object_name: str) -> tuple[StorageTrigger, ...]:
        return tuple(t for t in self.storage_triggers if object_name.startswith(t.prefix))

    def dead_letter_topics(self) -> tuple[str, ...]:
        names = [s.dead_letter_topic for s in self.subscriptions]
        names += [t.dead_letter_topic for t in self.storage_triggers]
        names += list(self.producer_dead_letters.values())
        return tuple(dict.fromkeys(names))

    def job_topic(self, job: str) -> str:
        """The topic the ticks of scheduled job ``job`` are published on."""
        for schedule in self.schedules:
            if schedule.job == job:
                return schedule.topic
        raise KeyError(f"unknown scheduled job {job!r}")

    def topic(self, name: str) -> Topic:
        for topic in self.topics:
            if topic.name == name:
                return topic
        raise KeyError(f"unknown topic {name!r}")


TWEETS_RAW = "tweets-raw"
TWEETS_ENRICHED = "tweets-enriched"
MEDIA_ENRICHED = "media-enriched"
TREND_ALERTS = "trend-alerts"
INVENTORY_EVENTS = "inventory-events"
RESTOCK_RECOMMENDATIONS = "restock-recommendations"
INGEST_DEAD_LETTER = "ingest-dead-letter"
SCHEDULED_JOBS = "scheduled-jobs"
#: The jobs of ``scheduled-jobs``: whole-warehouse computations that run on a timer.
TREND_ALERTS_JOB = "trend-alerts"
INFLUENCE_JOB = "influence"
DEDUPLICATE_JOB = "deduplicate"
WAREHOUSE_INDEXES_JOB = "warehouse-indexes"
PRODUCT_LINKS_JOB = "product-links"
MODEL_MONITOR_JOB = "model-monitor"
#: What a local replay or stream run ticks when its input ends, in order, as the schedules would
#: have meanwhile: alerts on what arrived, then the product links of the topics found.
AFTER_REPLAY_JOBS = (TREND_ALERTS_JOB, PRODUCT_LINKS_JOB)
#: Ticks of the supply jobs, run by inventory-sync (it owns the retail tables and the heavy
#: forecasting libraries; aggregate's image stays without them).
SUPPLY_JOBS = "supply-jobs"
FORECAST_JOB = "forecast"
FORECAST_BACKTEST_JOB = "forecast-backtest"
#: How far back (event time) the deduplicate job looks: Pub/Sub keeps an unacked message at
#: most 7 days, so a redelivered fact is at most that old, plus a day of slack for tweets that
#: were already late. Older duplicates (a backfill replayed twice) need a wider run by hand.
DEDUPLICATE_LOOKBACK = timedelta(days=8)

FEED_KINDS = ("products", "inventory", "orders", "deliveries")

_BUSINESS_TOPICS = (
    Topic(TWEETS_RAW, "One X API v2 stream message per tweet, exact payload"),
    Topic(TWEETS_ENRICHED, "Normalised tweet plus language, sentiment, terms, categories"),
    Topic(MEDIA_ENRICHED, "One analysed image of a tweet"),
    Topic(TREND_ALERTS, "A topic crossed the emergence threshold"),
    Topic(INVENTORY_EVENTS, "Real-time stock movements"),
    Topic(SCHEDULED_JOBS, "Ticks of the scheduled jobs (Cloud Scheduler)"),
    Topic(SUPPLY_JOBS, "Ticks of the supply jobs: demand forecasts, then restock recommendations"),
    Topic(RESTOCK_RECOMMENDATIONS, "A product to reorder: quantity, stock-out date, urgency and why"),
)

_SCHEDULES = (
    Schedule(
        "trend-alerts-every-minute", TREND_ALERTS_JOB, "* * * * *", "Detect emerging topics, publish alerts"
    ),
    Schedule("influence-every-15-minutes", INFLUENCE_JOB, "*/15 * * * *", "Recompute influencer rankings"),
    Schedule(
        "deduplicate-every-10-minutes",
        DEDUPLICATE_JOB,
        "*/10 * * * *",
        "Keep one row of each key of the append-only tables",
    ),
    Schedule(
        "warehouse-indexes-daily",
        WAREHOUSE_INDEXES_JOB,
        "17 3 * * *",
        "Create the search and vector indexes that do not exist yet",
    ),
    Schedule(
        "product-links-hourly",
        PRODUCT_LINKS_JOB,
        "5 * * * *",
        "Link topics to the products they name; per-topic hourly and daily windows",
    ),
    Schedule(
        "model-monitor-daily",
        MODEL_MONITOR_JOB,
        "45 4 * * *",
        "Model outputs, drift and label accuracy per model version and day; drift past threshold is logged",
    ),
    Schedule(
        "forecast-daily",
        FORECAST_JOB,
        "30 5 * * *",
        "Forecast demand per SKU and location (with and without the social signal), then restock",
        topic=SUPPLY_JOBS,
    ),
    Schedule(
        "forecast-backtest-weekly",
        FORECAST_BACKTEST_JOB,
        "0 7 * * 1",
        "Backtest both forecasting models on the last weeks; scores to model_metrics",
        topic=SUPPLY_JOBS,
    ),
)

_SUBSCRIPTIONS = (
    Subscription("enrich-text-tweets-raw", TWEETS_RAW, "enrich-text", "on_tweet_raw"),
    Subscription(
        "enrich-image-tweets-raw",
        TWEETS_RAW,
        "enrich-image",
        "on_tweet_with_media",
        filter=AttributeEquals("has_media", "true"),
        ack_deadline_s=120,
    ),
    Subscription("aggregate-tweets-enriched", TWEETS_ENRICHED, "aggregate", "on_tweet_enriched"),
    Subscription("aggregate-media-enriched", MEDIA_ENRICHED, "aggregate", "on_media_enriched"),
    Subscription("inventory-sync-stock-events", INVENTORY_EVENTS, "inventory-sync", "on_stock_event"),
    # A tick is work on the whole warehouse: a long ack deadline, and a retry soon is pointless
    # when the next tick comes anyway.
    Subscription(
        "aggregate-scheduled-jobs",
        SCHEDULED_JOBS,
        "aggregate",
        "on_scheduled_job",
        retry=RetryPolicy(minimum_backoff_s=30.0, maximum_backoff_s=300.0, max_delivery_attempts=5),
        ack_deadline_s=300,
    ),
    Subscription(
        "inventory-sync-supply-jobs",
        SUPPLY_JOBS,
        "inventory-sync",
        "on_supply_job",
        retry=RetryPolicy(minimum_backoff_s=60.0, maximum_backoff_s=600.0, max_delivery_attempts=5),
        ack_deadline_s=600,
    ),
)

_STORAGE_TRIGGERS = (
    StorageTrigger("inventory-sync-feeds", "feeds/", "inventory-sync", "on_feed_finalized"),
    StorageTrigger("ingest-replay-files", "incoming/tweets/", "ingest", "on_replay_file_finalized"),
)


def _build() -> Topology:
    partial = Topology(_BUSINESS_TOPICS, _SUBSCRIPTIONS, _STORAGE_TRIGGERS, {"ingest": INGEST_DEAD_LETTER})
    dead_letter_topics = tuple(
        Topic(name, "Messages that could not be processed, with the reason", dead_letter=True)
        for name in partial.dead_letter_topics()
    )
    return Topology(
        _BUSINESS_TOPICS + dead_letter_topics,
        _SUBSCRIPTIONS,
        _STORAGE_TRIGGERS,
        partial.producer_dead_letters,
        _SCHEDULES,
    )


TOPOLOGY = _build()
