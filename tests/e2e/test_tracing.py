"""One trace per tweet across service processes: ingest → enrich-text → aggregate (``--processes``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fakes.tweets import stream_line
from trendwatch.observability.telemetry import span_files
from trendwatch.runtime.processes import ProcessPipeline
from trendwatch.settings import Settings

pytestmark = pytest.mark.e2e

TWEET_IDS = ("7001", "7002")

Span = dict[str, Any]


def _spans(settings: Settings) -> list[Span]:
    return [json.loads(line) for path in span_files(settings) for line in path.read_text().splitlines()]


def _one(spans: list[Span], name: str, tweet_id: str) -> Span:
    found = [s for s in spans if s["name"] == name and s["attributes"].get("trendwatch.tweet_id") == tweet_id]
    assert len(found) == 1, f"{name} for {tweet_id}: {len(found)} spans"
    return found[0]


def _is_child(child: Span, parent: Span) -> bool:
    same_trace = child["context"]["trace_id"] == parent["context"]["trace_id"]
    return bool(same_trace and child["parent_id"] == parent["context"]["span_id"])


@pytest.fixture(scope="module")
def spans(tmp_path_factory: pytest.TempPathFactory) -> list[Span]:
    folder = tmp_path_factory.mktemp("tracing")
    path = folder / "tweets.jsonl"
    path.write_bytes(
        b"\n".join(stream_line(t, f"Loving the new #linen dress {t}") for t in TWEET_IDS) + b"\n"
    )
    settings = Settings(state_dir=folder / "state", project="e2e-project", telemetry="file")
    with ProcessPipeline(settings) as pipeline:
        pipeline.replay(path)
    return _spans(settings)


@pytest.mark.parametrize("tweet_id", TWEET_IDS)
def test_enrich_text_span_is_the_child_of_the_ingest_publish_span(spans: list[Span], tweet_id: str) -> None:
    published = _one(spans, "publish tweets-raw", tweet_id)
    enrich = _one(spans, "process enrich-text-tweets-raw", tweet_id)
    assert _is_child(enrich, published)
    assert enrich["kind"] == "SpanKind.CONSUMER"
    assert published["kind"] == "SpanKind.PRODUCER"
    assert enrich["attributes"]["messaging.message.id"] == published["attributes"]["messaging.message.id"]
    assert enrich["attributes"]["messaging.gcp_pubsub.message.delivery_attempt"] == 1
    assert enrich["attributes"]["trendwatch.service"] == "enrich-text"
    assert enrich["attributes"]["cloudevents.event_type"] == "google.cloud.pubsub.topic.v1.messagePublished"
    assert published["resource"]["attributes"]["service.name"] == "trendwatch-ingest"
    assert enrich["resource"]["attributes"]["service.name"] == "trendwatch-enrich-text"


@pytest.mark.parametrize("tweet_id", TWEET_IDS)
def test_one_trace_runs_from_ingest_through_enrich_text_to_aggregate(
    spans: list[Span], tweet_id: str
) -> None:
    root = _one(spans, "ingest tweet", tweet_id)
    published = _one(spans, "publish tweets-raw", tweet_id)
    enrich = _one(spans, "process enrich-text-tweets-raw", tweet_id)
    enriched = _one(spans, "publish tweets-enriched", tweet_id)
    aggregate = _one(spans, "process aggregate-tweets-enriched", tweet_id)
    assert root["parent_id"] is None
    assert _is_child(published, root)
    assert _is_child(enriched, enrich)
    assert _is_child(aggregate, enriched)
    assert aggregate["resource"]["attributes"]["service.name"] == "trendwatch-aggregate"
    assert aggregate["status"]["status_code"] == "UNSET"
    # Linked to the span of the replayed chunk that carried it, in another trace.
    chunk = next(s for s in spans if s["name"] == "process ingest-replay-files")
    assert root["links"][0]["context"]["span_id"] == chunk["context"]["span_id"]


def test_each_tweet_has_its_own_trace(spans: list[Span]) -> None:
    traces = {_one(spans, "publish tweets-raw", t)["context"]["trace_id"] for t in TWEET_IDS}
    assert len(traces) == len(TWEET_IDS)


def test_only_the_services_on_the_path_export_spans(spans: list[Span]) -> None:
    services = {s["resource"]["attributes"]["service.name"] for s in spans}
    assert services == {"trendwatch-ingest", "trendwatch-enrich-text", "trendwatch-aggregate"}
