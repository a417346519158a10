"""The composition root: settings in, adapters wired into each service's handlers out.

One place decides which adapter implements which port (local or Google Cloud); the
services' ``main.py``, the local runtime and the tests all build their handlers here,
so tests swap adapters through the same path production uses.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from cloudevents.http import CloudEvent

from trendwatch.adapters.local.blobstore import FinalizeListener, LocalBlobStore
from trendwatch.adapters.local.clock import SystemClock
from trendwatch.app import decoding
from trendwatch.app.dead_letters import DeadLetterSink
from trendwatch.app.handling import DeadLetters, pubsub_batch_handler, storage_handler
from trendwatch.contracts.topology import (
    DEDUPLICATE_JOB,
    FORECAST_BACKTEST_JOB,
    FORECAST_JOB,
    INFLUENCE_JOB,
    MODEL_MONITOR_JOB,
    PRODUCT_LINKS_JOB,
    TREND_ALERTS_JOB,
    WAREHOUSE_INDEXES_JOB,
)
from trendwatch.observability import TracedPublisher, configure_logging
from trendwatch.observability.telemetry import configure_telemetry
from trendwatch.ports import (
    BlobStore,
    Clock,
    ImageAnalyzer,
    Publisher,
    TextAnalyzer,
    TextEmbedder,
    Warehouse,
)
from trendwatch.runtime.coalesce import Coalescer
from trendwatch.runtime.delivery import BatchHandler, routes
from trendwatch.settings import Settings

if TYPE_CHECKING:
    from trendwatch.app.alerts import TrendAlerter
    from trendwatch.app.ingest import IngestService
    from trendwatch.app.monitor import ModelMonitor
    from trendwatch.app.supply import SupplyJob, SupplySettings


@dataclass
class Container:
    """Adapters for one process, each built on first use and then reused (one client per instance)."""

    settings: Settings
    publisher: Publisher
    lake: BlobStore
    #: The store storage triggers fire for (see ``Settings.landing_bucket``).
    landing: BlobStore
    clock: Clock
    warehouse_factory: Callable[[], Warehouse]
    text_analyzer_factory: Callable[[], TextAnalyzer]
    text_embedder_factory: Callable[[], TextEmbedder]
    image_analyzer_factory: Callable[[], ImageAnalyzer]
    media_fetch_factory: Callable[[], Callable[[str], bytes]]
    extras: dict[str, object] = field(default_factory=dict)

    @cached_property
    def warehouse(self) -> Warehouse:
        return self.warehouse_factory()

    @cached_property
    def text_analyzer(self) -> TextAnalyzer:
        """The analyzer, refused if it runs a sentiment model at another version than the
        environment pins (``TRENDWATCH_MODEL_VERSIONS``)."""
        from trendwatch.experiments.pins import check_pinned, sentiment_versions

        analyzer = self.text_analyzer_factory()
        check_pinned(self.settings, sentiment_versions(analyzer))
        return analyzer

    @cached_property
    def text_embedder(self) -> TextEmbedder:
        return self.text_embedder_factory()

    @cached_property
    def image_analyzer(self) -> ImageAnalyzer:
        return self.image_analyzer_factory()

    @cached_property
    def dead_letters(self) -> DeadLetters:
        return DeadLetters(self.traced_publisher)

    @cached_property
    def traced_publisher(self) -> Publisher:
        """What the services publish through: one span per message, continued by the next hop."""
        return TracedPublisher(self.publisher)

    @cached_property
    def dead_letter_sink(self) -> DeadLetterSink:
        return DeadLetterSink(self.lake, self.warehouse, self.clock)


def build_handlers(service: str, container: Container) -> dict[str, BatchHandler]:
    """The batch handlers of one service, by entry point.

    Each branch imports its own service's application code, so that a deployed service needs
    only the extras its ``requirements.in`` names (aggregate's SQL and models stay out of ingest).
    """
    all_routes = routes()
    route_of = {r.entry_point: r for r in all_routes.values() if r.service == service}
    dead = container.dead_letters
    match service:
        case "ingest":
            ingest = ingest_service(container)
            return {
                "on_replay_file_finalized": storage_handler(
                    route_of["on_replay_file_finalized"], ingest.ingest_object, dead
                )
            }
        case "enrich-text":
            from trendwatch.app.enrich_text import EnrichTextService

            text = EnrichTextService(
                container.text_analyzer, container.text_embedder, container.traced_publisher
            )
            route = route_of["on_tweet_raw"]
            return {"on_tweet_raw": pubsub_batch_handler(route, decoding.raw_tweet, text.enrich, dead)}
        case "enrich-image":
            from trendwatch.app.enrich_image import EnrichImageService, MediaSource

            route = route_of["on_tweet_with_media"]
            image = EnrichImageService(
                container.image_analyzer,
                MediaSource(container.lake, container.media_fetch_factory()),
                container.traced_publisher,
                dead,
                route,
            )
            return {
                "on_tweet_with_media": pubsub_batch_handler(route, decoding.raw_tweet, image.enrich, dead)
            }
        case "aggregate":
            from trendwatch.app.aggregate import AggregateService
            from trendwatch.app.jobs import ScheduledJobs
            from trendwatch.app.product_links import ProductLinker
            from trendwatch.app.scheduled import Deduplicate, EnsureIndexes, InfluenceRecompute

            aggregate = AggregateService(container.warehouse, container.clock)
            tweets, media = route_of["on_tweet_enriched"], route_of["on_media_enriched"]
            jobs = ScheduledJobs(
                {
                    TREND_ALERTS_JOB: lambda: trend_alerter(container).run(),
                    INFLUENCE_JOB: InfluenceRecompute(
                        container.warehouse, embed=container.text_embedder.embed
                    ).run,
                    DEDUPLICATE_JOB: Deduplicate(container.warehouse, container.clock).run,
                    WAREHOUSE_INDEXES_JOB: EnsureIndexes(container.warehouse).run,
                    PRODUCT_LINKS_JOB: lambda: ProductLinker(
                        container.warehouse, container.clock, embed=container.text_embedder.embed
                    ).run(),
                    MODEL_MONITOR_JOB: lambda: model_monitor(container).run(),
                }
            )
            return {
                "on_scheduled_job": pubsub_batch_handler(
                    route_of["on_scheduled_job"], decoding.scheduled_job, jobs.run, dead
                ),
                "on_tweet_enriched": pubsub_batch_handler(
                    tweets, decoding.tweet_enriched, aggregate.add_tweets, dead
                ),
                "on_media_enriched": pubsub_batch_handler(
                    media, decoding.media_enriched, aggregate.add_media, dead
                ),
            }
        case "inventory-sync":
            from trendwatch.app.inventory import InventoryService
            from trendwatch.app.jobs import ScheduledJobs

            inventory = InventoryService(
                container.lake, container.warehouse, container.clock, landing=container.landing
            )
            stock = route_of["on_stock_event"]
            supply = ScheduledJobs(
                {
                    FORECAST_JOB: lambda: supply_job(container).run(),
                    FORECAST_BACKTEST_JOB: lambda: supply_job(container).backtest(),
                }
            )
            return {
                "on_supply_job": pubsub_batch_handler(
                    route_of["on_supply_job"], decoding.scheduled_job, supply.run, dead
                ),
                "on_feed_finalized": storage_handler(
                    route_of["on_feed_finalized"], inventory.load_feed, dead
                ),
                "on_stock_event": pubsub_batch_handler(
                    stock, inventory.decode_stock_event, inventory.record_stock_events, dead
                ),
            }
    raise KeyError(f"unknown service {service!r}")


def ingest_service(container: Container) -> IngestService:
    """Ingest as the deployed services run it: the ingest function (replay files) and the
    stream reader (``trendwatch stream --publish``) store and publish the same way."""
    from trendwatch.app.ingest import IngestService

    return IngestService(
        container.lake, container.traced_publisher, container.dead_letters, landing=container.landing
    )


def model_monitor(container: Container) -> ModelMonitor:
    """The daily model-monitor job (see :mod:`trendwatch.app.monitor`): the fast sentiment
    model's tokens for the new-token rate, the offline embedder's stored embeddings for the
    centroid shift, and locally the labels the dashboard left in the lake."""
    from trendwatch.adapters.local.embedder import MODEL_NAME
    from trendwatch.adapters.local.sentiment_model import tokens
    from trendwatch.app.monitor import ModelMonitor

    return ModelMonitor(
        container.warehouse,
        container.clock,
        tokenize=tokens,
        embedding_model=MODEL_NAME,
        # locally the dashboard leaves labels in the lake (it holds the warehouse read-only)
        label_inbox=container.lake if container.settings.backend == "local" else None,
    )


def offline_text_embedder() -> TextEmbedder:
    """The embedder of every backend: its weights ship in its wheel and it embeds about 60,000
    texts/s per core, so production runs it inside enrich-text too (no embedding API to call)."""
    from trendwatch.adapters.local.embedder import WordLlamaEmbedder

    return WordLlamaEmbedder()


def supply_job(container: Container, settings: SupplySettings | None = None) -> SupplyJob:
    """The daily supply job (see :mod:`trendwatch.app.supply`): forecasts, projected stock and
    restock recommendations, published and sent to the webhook when one is set."""
    from trendwatch.adapters.webhook import SlackWebhook
    from trendwatch.app.supply import SupplyJob, SupplySettings
    from trendwatch.experiments.pins import pinned_supply_models

    url = container.settings.alert_webhook_url
    chosen = settings or SupplySettings()
    social, baseline = pinned_supply_models(container.settings)
    return SupplyJob(
        container.warehouse,
        container.traced_publisher,
        container.clock,
        webhook=SlackWebhook(url) if url else None,
        settings=replace(
            chosen, social_model=social or chosen.social_model, baseline=baseline or chosen.baseline
        ),
    )


def trend_alerter(container: Container) -> TrendAlerter:
    """The alert job (see :mod:`trendwatch.app.alerts`): warehouse, publisher, offline embeddings
    for grouping terms into topics, and the webhook when ``TRENDWATCH_ALERT_WEBHOOK_URL`` is set."""
    from trendwatch.adapters.webhook import SlackWebhook
    from trendwatch.app.alerts import TrendAlerter

    url = container.settings.alert_webhook_url
    return TrendAlerter(
        container.warehouse,
        container.traced_publisher,
        webhook=SlackWebhook(url) if url else None,
        embed=container.text_embedder.embed,
    )


def local_container(
    settings: Settings,
    *,
    publisher: Publisher,
    on_finalize: FinalizeListener | None = None,
    clock: Clock | None = None,
    remote_warehouse_url: str | None = None,
) -> Container:
    """Local adapters: lake folder, DuckDB file, offline models (imported only when first used).

    With ``remote_warehouse_url`` the warehouse is the one the ``--processes`` router serves.
    """

    def warehouse() -> Warehouse:
        if remote_warehouse_url:
            from trendwatch.runtime.router_client import router_token
            from trendwatch.runtime.warehouse_http import WarehouseClient

            return WarehouseClient(remote_warehouse_url, token=router_token())
        from trendwatch.adapters.local.warehouse import DuckDBWarehouse

        return DuckDBWarehouse(settings.warehouse_path)

    def text_analyzer() -> TextAnalyzer:
        from trendwatch.adapters.local.text_analyzer import LocalTextAnalyzer

        return LocalTextAnalyzer(settings.text_profile)

    def image_analyzer() -> ImageAnalyzer:
        from trendwatch.adapters.local.image_analyzer import LocalImageAnalyzer

        return LocalImageAnalyzer(ocr=settings.image_ocr)

    def media_fetch() -> Callable[[str], bytes]:
        from trendwatch.adapters.media_fetcher import MediaFetcher

        return MediaFetcher(settings.media_allowed_hosts).fetch

    lake = LocalBlobStore(settings.lake_dir, settings.lake_bucket, on_finalize)
    return Container(
        settings=settings,
        publisher=publisher,
        lake=lake,
        landing=lake,
        clock=clock or SystemClock(),
        warehouse_factory=warehouse,
        text_analyzer_factory=text_analyzer,
        text_embedder_factory=offline_text_embedder,
        image_analyzer_factory=image_analyzer,
        media_fetch_factory=media_fetch,
    )


def container_from_env(settings: Settings | None = None) -> Container:
    """The container of a deployed (or ``--processes``) service instance, from ``TRENDWATCH_*``."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.project)
    if settings.backend == "local":
        if not settings.router_url:
            raise RuntimeError(
                "TRENDWATCH_ROUTER_URL is not set: a local service process publishes through the local "
                "router (`trendwatch replay --processes` sets it)"
            )
        from trendwatch.runtime.router_client import RouterClient, router_token

        router = RouterClient(settings.router_url, token=router_token())
        return local_container(
            settings,
            publisher=router,
            on_finalize=router.notify_finalized,
            remote_warehouse_url=settings.router_url,
        )
    from trendwatch.adapters.gcp.container import gcp_container

    return gcp_container(settings)


def _refuse_strangers() -> None:
    """In ``--processes`` mode a service process takes pushes from its run's router only, which
    sends the run's token (deployed, Cloud Run's IAM admits Pub/Sub's and Eventarc's pushes
    only, and no token is set): another local process or a web page is answered 403."""
    from trendwatch.runtime.router_client import ROUTER_TOKEN_ENV, admitted

    token = os.environ.get(ROUTER_TOKEN_ENV)
    if not token:
        return
    import flask

    if flask.has_request_context():
        headers = flask.request.headers
        if not admitted(headers.get("origin"), headers.get("authorization"), token):
            flask.abort(403)


def entry_point(service: str, name: str) -> Callable[[CloudEvent], None]:
    """The functions-framework target body for ``service.name``.

    The container is built on the first event and reused (clients once per instance); a
    failed event raises, so the platform answers 5xx and Pub/Sub redelivers it. An instance
    serves several requests at once (its concurrency), so the first ones of a cold start race
    to build: a lock lets one build while the others wait, and later events skip the lock.
    With ``TRENDWATCH_BATCH_WINDOW_S`` above 0, events that arrive together are handled as one
    batch (:class:`~trendwatch.runtime.coalesce.Coalescer`).
    """
    handle: Callable[[CloudEvent], BaseException | None] | None = None
    lock = threading.Lock()

    def built() -> Callable[[CloudEvent], BaseException | None]:
        nonlocal handle
        current = handle
        if current is None:
            with lock:
                if handle is None:
                    container = container_from_env()
                    configure_telemetry(container.settings, service)
                    handler = build_handlers(service, container)[name]
                    window = container.settings.batch_window_s
                    handle = (
                        Coalescer(handler, max_wait_s=window).deliver
                        if window > 0
                        else lambda event: handler([event])[0]
                    )
                current = handle
        return current

    def deliver(event: CloudEvent) -> None:
        _refuse_strangers()
        outcome = built()(event)
        if outcome is not None:
            raise outcome

    return deliver
