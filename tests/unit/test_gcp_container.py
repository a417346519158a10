"""The ``gcp`` backend wires the Google Cloud adapters without contacting Google Cloud."""

from __future__ import annotations

from trendwatch.adapters.gcp.bigquery import BigQueryWarehouse
from trendwatch.adapters.gcp.language import CloudNaturalLanguageAnalyzer
from trendwatch.adapters.gcp.pubsub import PubSubPublisher
from trendwatch.adapters.gcp.storage import GcsBlobStore
from trendwatch.adapters.gcp.vision import CloudVisionAnalyzer
from trendwatch.bootstrap import container_from_env
from trendwatch.settings import Settings


def test_gcp_backend_builds_each_google_cloud_adapter_once_from_settings() -> None:
    settings = Settings.from_env(
        {"TRENDWATCH_BQ_LOCATION": "us-east1"},
        backend="gcp",
        project="trendwatch-prod",
        lake_bucket="tw-lake",
        dataset="tw",
    )

    container = container_from_env(settings)

    assert isinstance(container.publisher, PubSubPublisher)
    assert container.publisher.topic_path("tweets-raw") == "projects/trendwatch-prod/topics/tweets-raw"
    assert isinstance(container.lake, GcsBlobStore)
    assert container.lake.bucket == "tw-lake"
    warehouse = container.warehouse
    assert isinstance(warehouse, BigQueryWarehouse)
    assert (warehouse.dataset, warehouse.location) == ("trendwatch-prod.tw", "us-east1")
    assert container.warehouse is warehouse
    assert isinstance(container.text_analyzer, CloudNaturalLanguageAnalyzer)
    assert isinstance(container.image_analyzer, CloudVisionAnalyzer)
    assert callable(container.media_fetch_factory())
