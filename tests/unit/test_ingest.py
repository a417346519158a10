from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.fakes.publisher import RecordingPublisher
from tests.fakes.tweets import MALFORMED_LINES, stream_line
from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.app.handling import DeadLetters
from trendwatch.app.ingest import IngestService
from trendwatch.contracts.cloudevents import InvalidEvent, StorageObject
from trendwatch.observability import TraceContext


@pytest.fixture
def lake(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "lake")


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def ingest(lake: LocalBlobStore, publisher: RecordingPublisher) -> IngestService:
    return IngestService(lake, publisher, DeadLetters(publisher))


def test_keep_alive_lines_are_skipped_not_errors(
    ingest: IngestService, publisher: RecordingPublisher
) -> None:
    report = ingest.ingest_lines([b"", stream_line("1", "hello"), b"\r", b"   "], "s")
    assert (report.tweets, report.keep_alives, report.dead_lettered) == (1, 3, 0)
    assert [m.topic for m in publisher.messages] == ["tweets-raw"]


@pytest.mark.parametrize("case", sorted(MALFORMED_LINES))
def test_malformed_line_is_dead_lettered_with_reason_and_the_rest_goes_on(
    case: str, ingest: IngestService, publisher: RecordingPublisher
) -> None:
    report = ingest.ingest_lines([stream_line("1", "a"), MALFORMED_LINES[case], stream_line("2", "b")], "s")
    assert report.tweets == 2 and report.dead_lettered == 1
    [dead] = publisher.on("ingest-dead-letter")
    assert dead.data == MALFORMED_LINES[case]
    expected = {
        "truncated JSON": "malformed JSON",
        "wrong field type": "Expected `str`, got `int` - at `$.data.text`",
        "invalid UTF-8": "invalid UTF-8",
        "message without data": "missing required field `data`",
    }[case]
    assert expected in dead.attributes["dead_letter_reason"]
    assert dead.attributes["CloudPubSubDeadLetterSourceSubscription"] == "ingest"


def test_exact_payloads_are_stored_by_event_hour_and_published(
    ingest: IngestService, lake: LocalBlobStore, publisher: RecordingPublisher
) -> None:
    lines = [stream_line("1", "a", minute=5), stream_line("2", "b", minute=65, media_keys=("3_1",))]
    report = ingest.ingest_lines(lines, "chunk-1")
    assert sorted(report.raw_objects) == sorted(lake.list("raw/tweets/"))
    stored = {
        name.split("/")[2] + "/" + name.split("/")[3]: gzip.decompress(lake.read(name))
        for name in report.raw_objects
    }
    assert stored == {"dt=2026-11-02/hour=10": lines[0] + b"\n", "dt=2026-11-02/hour=11": lines[1] + b"\n"}
    raw = publisher.on("tweets-raw")
    assert [m.data for m in raw] == lines
    assert [(m.attributes["tweet_id"], m.attributes["has_media"]) for m in raw] == [
        ("1", "false"),
        ("2", "true"),
    ]
    assert all(TraceContext.parse(m.attributes["traceparent"]) for m in raw)
    assert raw[0].attributes["traceparent"] != raw[1].attributes["traceparent"]


def test_ingesting_the_same_chunk_again_rewrites_no_raw_object(
    ingest: IngestService, lake: LocalBlobStore
) -> None:
    lines = [stream_line("1", "a")]
    ingest.ingest_lines(lines, "same-source")
    [name] = list(lake.list("raw/"))
    before = (lake.root / name).stat().st_mtime_ns
    ingest.ingest_lines(lines, "same-source")
    assert list(lake.list("raw/")) == [name]
    assert (lake.root / name).stat().st_mtime_ns == before


def test_a_file_dropped_in_the_landing_bucket_is_replayed_and_one_elsewhere_refused(
    tmp_path: Path, lake: LocalBlobStore, publisher: RecordingPublisher
) -> None:
    landing = LocalBlobStore(tmp_path / "landing", bucket="landing")
    service = IngestService(lake, publisher, DeadLetters(publisher), landing=landing)
    landing.write("incoming/tweets/a.jsonl", stream_line("1", "a") + b"\n" + stream_line("2", "b"))
    report = service.ingest_object(StorageObject("landing", "incoming/tweets/a.jsonl", "1"))
    assert report.tweets == 2 and len(publisher.on("tweets-raw")) == 2
    with pytest.raises(InvalidEvent, match="not in the landing bucket landing"):
        service.ingest_object(StorageObject("other", "incoming/tweets/a.jsonl", "1"))
