"""The Google Cloud composition: the same :class:`~trendwatch.bootstrap.Container`, GCP adapters.

Nothing here talks to Google Cloud on construction: every adapter creates its client on
first use, and the container builds each adapter once per instance.
"""

from __future__ import annotations

from collections.abc import Callable

from trendwatch.adapters.gcp.pubsub import PubSubPublisher
from trendwatch.adapters.gcp.storage import GcsBlobStore
from trendwatch.adapters.local.clock import SystemClock
from trendwatch.bootstrap import Container, offline_text_embedder
from trendwatch.ports import ImageAnalyzer, TextAnalyzer, Warehouse
from trendwatch.settings import Settings


def gcp_container(settings: Settings) -> Container:
    """Pub/Sub, Cloud Storage, BigQuery, Cloud Natural Language and Cloud Vision for ``settings.project``."""

    def warehouse() -> Warehouse:
        from trendwatch.adapters.gcp.bigquery import BigQueryWarehouse, ByteCaps

        return BigQueryWarehouse(
            settings.project,
            settings.dataset,
            location=settings.bq_location,
            byte_caps=ByteCaps.from_settings(settings),
        )

    def text_analyzer() -> TextAnalyzer:
        from trendwatch.adapters.gcp.language import CloudNaturalLanguageAnalyzer

        return CloudNaturalLanguageAnalyzer()

    def image_analyzer() -> ImageAnalyzer:
        from trendwatch.adapters.gcp.vision import CloudVisionAnalyzer

        return CloudVisionAnalyzer()

    def media_fetch() -> Callable[[str], bytes]:
        from trendwatch.adapters.media_fetcher import MediaFetcher

        return MediaFetcher(settings.media_allowed_hosts).fetch

    return Container(
        settings=settings,
        publisher=PubSubPublisher(settings.project),
        lake=GcsBlobStore(settings.lake_bucket),
        landing=GcsBlobStore(settings.landing_bucket),
        clock=SystemClock(),
        warehouse_factory=warehouse,
        text_analyzer_factory=text_analyzer,
        text_embedder_factory=offline_text_embedder,
        image_analyzer_factory=image_analyzer,
        media_fetch_factory=media_fetch,
    )
