from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cloudevents.http import CloudEvent
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from tests.fakes.publisher import RecordingPublisher
from tests.fakes.tweets import BASE_TIME, stream_line
from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.app.handling import DeadLetters, Received, pubsub_batch_handler
from trendwatch.app.ingest import IngestService
from trendwatch.contracts.cloudevents import InvalidEvent, PubSubMessage, pubsub_cloudevent
from trendwatch.observability import (
    TraceContext,
    TracedPublisher,
    continue_trace,
    current_trace,
    inject_traceparent,
    metrics,
    trace_scope,
)
from trendwatch.observability.log import CloudLoggingFormatter
from trendwatch.observability.telemetry import (
    configure_telemetry,
    reset_telemetry,
    span_files,
    telemetry_mode,
)
from trendwatch.observability.trace import set_tracer_provider, unexported_provider
from trendwatch.ports import Message
from trendwatch.runtime.delivery import Route, routes
from trendwatch.runtime.stream_reader import publish_stream
from trendwatch.settings import Settings

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_trace_scope_continues_the_parent_trace_with_a_new_span() -> None:
    with trace_scope(PARENT) as context:
        assert context.trace_id == "0af7651916cd43dd8448eb211c80319c"
        assert context.span_id != "b7ad6b7169203331"
        assert inject_traceparent({})["traceparent"] == context.traceparent
    assert current_trace() is None


def test_malformed_traceparent_starts_a_new_trace() -> None:
    assert TraceContext.parse("00-zz-b7ad6b7169203331-01") is None
    assert TraceContext.parse("00-" + "0" * 32 + "-b7ad6b7169203331-01") is None
    with trace_scope("garbage") as context:
        assert len(context.trace_id) == 32


def test_log_lines_are_cloud_logging_json_with_trace_fields() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(CloudLoggingFormatter("proj"))
    logger = logging.getLogger("test.observability")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with trace_scope(PARENT) as context:
            logger.warning("dead-lettered", extra={"route": "r1"})
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["severity"] == "WARNING"
    assert entry["message"] == "dead-lettered"
    assert entry["route"] == "r1"
    assert entry["logging.googleapis.com/trace"] == "projects/proj/traces/0af7651916cd43dd8448eb211c80319c"
    assert entry["logging.googleapis.com/spanId"] == context.span_id


# -- OpenTelemetry spans, metrics and exporters --------------------------------------------------


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    set_tracer_provider(provider)
    yield exporter
    set_tracer_provider(unexported_provider())


@pytest.fixture
def metric_reader() -> Iterator[InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    yield reader
    metrics.set_meter_provider(NoOpMeterProvider())


def _points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    assert data is not None
    return {
        metric.name: list(metric.data.data_points)
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }


def _hex(value: int, width: int) -> str:
    return f"{value:0{width}x}"


def test_traced_publisher_makes_each_traced_message_a_child_span_of_its_traceparent(
    exported: InMemorySpanExporter,
) -> None:
    inner = RecordingPublisher()
    ids = TracedPublisher(inner).publish_many(
        "tweets-raw", [(b"a", {"traceparent": PARENT, "tweet_id": "1"}), (b"b", {"tweet_id": "2"})]
    )
    (first,) = exported.get_finished_spans()
    assert ids == ["1", "2"]
    assert first.name == "publish tweets-raw"
    assert first.kind == SpanKind.PRODUCER
    assert _hex(first.context.trace_id, 32) == "0af7651916cd43dd8448eb211c80319c"
    assert first.parent is not None and _hex(first.parent.span_id, 16) == "b7ad6b7169203331"
    assert dict(first.attributes or {})["messaging.message.id"] == "1"
    assert dict(first.attributes or {})["trendwatch.tweet_id"] == "1"
    # No traceparent and no current span: nothing to continue, the message goes out unchanged.
    assert inner.messages[1].attributes == {"tweet_id": "2"}
    sent = inner.messages[0].attributes
    assert (
        sent["traceparent"] == f"00-{_hex(first.context.trace_id, 32)}-{_hex(first.context.span_id, 16)}-01"
    )
    assert sent["tweet_id"] == "1"


class _Unreachable:
    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str] | None = None) -> str:
        raise ConnectionError("down")

    def publish_many(self, topic: str, messages: Sequence[Message]) -> list[str]:
        raise ConnectionError("down")


def test_a_failed_publish_marks_its_spans_as_errors(exported: InMemorySpanExporter) -> None:
    with pytest.raises(ConnectionError):
        TracedPublisher(_Unreachable()).publish("tweets-raw", b"a", {"traceparent": PARENT})
    (span,) = exported.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR
    assert span.status.description == "ConnectionError: down"


def _route() -> Route:
    return routes()["enrich-text-tweets-raw"]


def _event(message_id: str, data: bytes, attributes: dict[str, str], attempt: int = 1) -> CloudEvent:
    message = PubSubMessage(
        message_id, data, attributes, topic="tweets-raw", subscription=_route().name, delivery_attempt=attempt
    )
    return pubsub_cloudevent(message, "proj")


def _decode(message: PubSubMessage) -> str:
    if message.data == b"bad":
        raise InvalidEvent("not a tweet")
    return message.data.decode()


def test_batch_handler_spans_each_event_under_its_publisher_and_work_continues_it(
    exported: InMemorySpanExporter, metric_reader: InMemoryMetricReader
) -> None:
    continued: list[str | None] = []

    def process(batch: Sequence[Received[str]]) -> None:
        for received in batch:
            with continue_trace(received.traceparent):
                continued.append(inject_traceparent({}).get("traceparent"))

    publisher = RecordingPublisher()
    handler = pubsub_batch_handler(_route(), _decode, process, DeadLetters(TracedPublisher(publisher)))
    outcomes = handler(
        [_event("41", b"ok", {"traceparent": PARENT, "tweet_id": "9"}, attempt=2), _event("42", b"bad", {})]
    )
    assert outcomes == [None, None]
    spans = {s.name: s for s in exported.get_finished_spans() if s.kind == SpanKind.CONSUMER}
    handled = [s for s in exported.get_finished_spans() if s.kind == SpanKind.CONSUMER]
    ok = next(s for s in handled if dict(s.attributes or {})["messaging.message.id"] == "41")
    bad = next(s for s in handled if dict(s.attributes or {})["messaging.message.id"] == "42")
    assert set(spans) == {"process enrich-text-tweets-raw"}
    attributes = dict(ok.attributes or {})
    assert attributes["trendwatch.service"] == "enrich-text"
    assert attributes["trendwatch.tweet_id"] == "9"
    assert attributes["messaging.gcp_pubsub.message.delivery_attempt"] == 2
    assert attributes["cloudevents.event_type"] == "google.cloud.pubsub.topic.v1.messagePublished"
    assert ok.parent is not None and _hex(ok.parent.span_id, 16) == "b7ad6b7169203331"
    assert continued == [f"00-0af7651916cd43dd8448eb211c80319c-{_hex(ok.context.span_id, 16)}-01"]
    assert bad.status.status_code == StatusCode.ERROR
    assert bad.status.description == "dead-lettered: not a tweet"
    # The rejection is published from within the rejected event's span.
    dead = next(s for s in exported.get_finished_spans() if s.kind == SpanKind.PRODUCER)
    assert dead.parent is not None and dead.parent.span_id == bad.context.span_id
    points = _points(metric_reader)
    assert [p.value for p in points[metrics.DEAD_LETTERS]] == [1]
    assert dict(points[metrics.DEAD_LETTERS][0].attributes) == {"source": "enrich-text-tweets-raw"}
    (latency,) = points[metrics.EVENT_LATENCY]
    assert latency.count == 1
    assert dict(latency.attributes) == {"service": "enrich-text", "route": "enrich-text-tweets-raw"}


def test_a_failed_batch_marks_every_event_span_as_failed(exported: InMemorySpanExporter) -> None:
    def process(batch: Sequence[Received[str]]) -> None:
        raise TimeoutError("warehouse slow")

    handler = pubsub_batch_handler(_route(), _decode, process, DeadLetters(RecordingPublisher()))
    outcomes = handler([_event("1", b"a", {}), _event("2", b"b", {})])
    assert [type(o) for o in outcomes] == [TimeoutError, TimeoutError]
    statuses = [s.status.description for s in exported.get_finished_spans()]
    assert statuses == ["TimeoutError: warehouse slow"] * 2


def test_metrics_count_ingested_tweets_and_window_lag(metric_reader: InMemoryMetricReader) -> None:
    metrics.tweets_ingested(3)
    metrics.tweets_ingested(0)
    metrics.tweets_ingested(2)
    metrics.window_lag("1m", 12.5)
    points = _points(metric_reader)
    assert [p.value for p in points[metrics.TWEETS_INGESTED]] == [5]
    (lag,) = points[metrics.WINDOW_LAG]
    assert (lag.sum, lag.count, dict(lag.attributes)) == (12.5, 1, {"window_size": "1m"})


def test_the_stream_reader_records_how_far_behind_live_its_newest_published_tweet_is(
    metric_reader: InMemoryMetricReader, tmp_path: Path
) -> None:
    publisher = RecordingPublisher()
    ingest = IngestService(LocalBlobStore(tmp_path / "lake"), publisher, DeadLetters(publisher))
    now_minute = (datetime.now(UTC) - BASE_TIME).total_seconds() / 60
    lines = [
        stream_line("1", "older", minute=now_minute - 5),
        stream_line("2", "newer", minute=now_minute - 1.5),
    ]

    ingest.ingest_lines(lines, "replayed-file")  # a replay: old tweets, no live lag
    assert metrics.INGEST_LAG not in _points(metric_reader)
    publish_stream(lines, ingest, max_wait_s=0.01)

    (lag,) = _points(metric_reader)[metrics.INGEST_LAG]
    assert lag.count == 1  # one chunk
    assert 90 <= lag.sum < 150  # the newer tweet's age, not the older one's (300 s)


def test_log_lines_inside_continue_trace_carry_the_continued_span() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(CloudLoggingFormatter("proj"))
    logger = logging.getLogger("test.observability.continue")
    logger.addHandler(handler)
    try:
        with continue_trace(PARENT):
            logger.warning("inside")
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["logging.googleapis.com/spanId"] == "b7ad6b7169203331"
    assert entry["logging.googleapis.com/trace_sampled"] is True


def test_telemetry_follows_the_backend_unless_set() -> None:
    assert telemetry_mode(Settings()) == "off"
    assert telemetry_mode(Settings(backend="gcp")) == "gcp"
    assert telemetry_mode(Settings(backend="gcp", telemetry="off")) == "off"


def test_file_telemetry_writes_json_lines_spans_under_the_state_dir(tmp_path: Path) -> None:
    settings = Settings(state_dir=tmp_path, telemetry="file", environment="dev")
    try:
        assert configure_telemetry(settings, "ingest") == "file"
        with trace_scope(PARENT, "unit of work", attributes={"k": "v"}):
            pass
    finally:
        reset_telemetry()
    (path,) = span_files(settings)
    (span,) = [json.loads(line) for line in path.read_text().splitlines()]
    assert path.name == f"spans-ingest-{os.getpid()}.jsonl"
    assert (span["name"], span["attributes"], span["parent_id"]) == (
        "unit of work",
        {"k": "v"},
        "0xb7ad6b7169203331",
    )
    assert span["resource"]["attributes"]["service.name"] == "trendwatch-ingest"
    assert span["resource"]["attributes"]["deployment.environment"] == "dev"
