"""Hostile or unusual input is refused alone, with a reason, where it enters: each case here
failed (or failed its neighbours) before the input side was made to refuse it."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from cloudevents.http import CloudEvent

from tests.fakes.publisher import RecordingPublisher
from tests.fakes.tweets import stream_line
from trendwatch.adapters.local.blobstore import LocalBlobStore
from trendwatch.app import decoding
from trendwatch.app.compressed import gunzip
from trendwatch.app.handling import DeadLetters
from trendwatch.app.ingest import IngestService, parse_line, read_lines
from trendwatch.app.inventory import read_feed
from trendwatch.contracts.cloudevents import (
    InvalidEvent,
    PubSubMessage,
    StorageObject,
    parse_pubsub_cloudevent,
    parse_storage_cloudevent,
    pubsub_cloudevent,
    storage_cloudevent,
)
from trendwatch.contracts.dead_letters import REASON, dead_letter_attributes
from trendwatch.contracts.limits import (
    MAX_DECOMPRESSED_BYTES_ENV,
    MAX_MESSAGE_DATA_BYTES,
    OVERSIZED_HEAD_BYTES,
    fit_utf8,
    max_decompressed_bytes,
)
from trendwatch.contracts.x_pages import as_stream_lines
from trendwatch.contracts.x_stream import decode_stream_message
from trendwatch.domain.feeds import check_rows
from trendwatch.domain.tweets import normalize

#: A JSON value nested 1,000 levels deep: msgspec gives up with a RecursionError.
DEEP = b'{"data":' + b"[" * 1000 + b"]" * 1000 + b"}"
ORDER = {
    "order_id": "O-1",
    "line_number": 1,
    "sku": "S",
    "quantity": 1,
    "unit_price": 9.5,
    "ordered_at": "2026-01-05T10:15:00Z",
    "channel": "web",
}


def _line(**data: Any) -> bytes:
    message: dict[str, Any] = json.loads(stream_line("1", "hello"))
    message["data"].update(data)
    return json.dumps(message).encode()


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def ingest(tmp_path: Any, publisher: RecordingPublisher) -> IngestService:
    return IngestService(LocalBlobStore(tmp_path / "lake"), publisher, DeadLetters(publisher))


def test_a_deeply_nested_stream_line_is_refused_and_its_neighbours_published(
    ingest: IngestService, publisher: RecordingPublisher
) -> None:
    with pytest.raises(InvalidEvent, match="nested too deeply"):
        parse_line(DEEP)
    report = ingest.ingest_lines([stream_line("1", "a"), DEEP, stream_line("2", "b")], "chunk")
    assert (report.tweets, report.dead_lettered) == (2, 1)
    [dead] = publisher.on("ingest-dead-letter")
    assert dead.data == DEEP and "nested too deeply" in dead.attributes[REASON]


def test_a_deeply_nested_jsonl_feed_line_is_quarantined_and_the_rest_read() -> None:
    body = json.dumps(ORDER).encode() + b"\n" + DEEP + b"\n"
    rows, rejected = read_feed("orders", "feeds/orders/a.jsonl", body)
    assert [line for line, _ in rows] == [1]
    [refused] = rejected
    assert refused.line == 2 and "not valid JSON" in refused.reasons[0]


def test_a_time_without_offset_from_x_is_read_as_utc_all_the_way_to_the_tweet() -> None:
    line = _line(created_at="2026-11-02T10:00:01")
    tweet = normalize(decode_stream_message(line))
    assert tweet.created_at == datetime(2026, 11, 2, 10, 0, 1, tzinfo=UTC)
    assert tweet.created_at > datetime(2026, 11, 2, tzinfo=UTC)  # was a TypeError


def test_times_with_other_offsets_are_returned_in_utc() -> None:
    tweet = decode_stream_message(_line(created_at="2026-11-02T12:00:01+02:00")).data
    assert tweet.created_at == datetime(2026, 11, 2, 10, 0, 1, tzinfo=UTC) and tweet.created_at.tzinfo is UTC


def test_the_pipelines_own_events_refuse_a_time_without_offset() -> None:
    stock = {"event_id": "e", "sku": "S", "location_id": "L", "event_time": "2026-01-05T10:00:00", "delta": 1}
    with pytest.raises(InvalidEvent, match="Expected `datetime` with a timezone"):
        decoding.stock_event(PubSubMessage("1", json.dumps(stock).encode()))
    tweet = msgspec.to_builtins(normalize(decode_stream_message(stream_line("1", "a"))))
    tweet["created_at"] = "2026-11-02T10:00:01"
    enriched = {"tweet": tweet, "enrichment": {"lang": "en", "sentiment": {"label": "neutral", "score": 0}}}
    with pytest.raises(InvalidEvent, match="timezone"):
        decoding.tweet_enriched(PubSubMessage("2", json.dumps(enriched).encode()))


@pytest.mark.parametrize(
    ("fmt", "body"),
    [
        ("csv", f"{','.join(ORDER)}\nO-9,{'9' * 5000},S,1,9.5,2026-01-05T10:15:00Z,web\n"),
        ("jsonl", '{"order_id": "O-9", "line_number": ' + "9" * 5000 + "}\n"),
        ("jsonl", json.dumps(ORDER | {"unit_price": 10**400}) + "\n"),
        ("jsonl", json.dumps(ORDER | {"line_number": 2**63}) + "\n"),
    ],
    ids=["csv 5000 digits", "jsonl 5000 digits", "jsonl price of 400 digits", "jsonl INT64 overflow"],
)
def test_a_number_out_of_range_quarantines_its_row_and_the_rest_of_the_file_loads(
    fmt: str, body: str
) -> None:
    good = "O-1,1,S,1,9.5,2026-01-05T10:15:00Z,web\n" if fmt == "csv" else json.dumps(ORDER) + "\n"
    rows, unreadable = read_feed("orders", f"feeds/orders/a.{fmt}", (body + good).encode())
    valid, invalid = check_rows("orders", rows)
    assert [v.fields["order_id"] for v in valid] == ["O-1"]
    [refused] = [*unreadable, *invalid]
    assert any(word in refused.reasons[0] for word in ("range", "finite")), refused.reasons


def test_counts_beyond_int64_in_a_stream_line_are_left_out_not_written() -> None:
    message = json.loads(stream_line("1", "a"))
    message["includes"]["users"][0]["public_metrics"]["followers_count"] = 2**64
    message["data"]["public_metrics"] = {"like_count": 10**30, "retweet_count": 3}
    tweet = normalize(decode_stream_message(json.dumps(message).encode()))
    assert (tweet.author.followers_count, tweet.like_count, tweet.retweet_count) == (0, 0, 3)


def test_a_stock_event_beyond_int64_is_refused() -> None:
    stock = {"event_id": "e", "sku": "S", "location_id": "L", "event_time": "2026-01-05T10:00:00Z"}
    with pytest.raises(InvalidEvent, match="<= 9223372036854775807"):
        decoding.stock_event(PubSubMessage("1", json.dumps(stock | {"delta": 2**63}).encode()))


def test_a_line_too_large_for_pubsub_is_dead_lettered_by_its_head_before_publishing(
    ingest: IngestService, publisher: RecordingPublisher
) -> None:
    huge = _line(text="x" * (50 * 1024 * 1024))
    report = ingest.ingest_lines([stream_line("1", "a"), huge], "chunk")
    assert (report.tweets, report.dead_lettered) == (1, 1)
    assert all(len(m.data) <= MAX_MESSAGE_DATA_BYTES for m in publisher.messages)
    [dead] = publisher.on("ingest-dead-letter")
    assert dead.data == huge[:OVERSIZED_HEAD_BYTES]
    assert dead.attributes[REASON].startswith(f"line of {len(huge):,} bytes is over the")


def test_a_decompression_bomb_is_refused_not_inflated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_DECOMPRESSED_BYTES_ENV, "1000000")
    bomb = gzip.compress(b"\n" * 50_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    with pytest.raises(InvalidEvent, match="decompresses to more than 1,000,000 bytes"):
        list(read_lines(bomb, "incoming/tweets/bomb.jsonl.gz"))
    with pytest.raises(InvalidEvent, match="decompresses to more than 1,000,000 bytes"):
        read_feed("orders", "feeds/orders/bomb.csv.gz", bomb)


def test_the_decompression_ceiling_is_the_environments_or_half_a_gigabyte(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MAX_DECOMPRESSED_BYTES_ENV, raising=False)
    assert max_decompressed_bytes() == 512 * 1024 * 1024
    for wrong in ("0", "-5", "8 MB", "1e6"):
        monkeypatch.setenv(MAX_DECOMPRESSED_BYTES_ENV, wrong)
        with pytest.raises(ValueError, match=MAX_DECOMPRESSED_BYTES_ENV):
            max_decompressed_bytes()


def test_gunzip_reads_every_member_and_refuses_a_cut_or_corrupt_file() -> None:
    two = gzip.compress(b"a\n") + gzip.compress(b"b\n") + b"\0\0"
    assert gunzip(two, "f") == b"a\nb\n"
    with pytest.raises(InvalidEvent, match="ends before its end"):
        gunzip(gzip.compress(b"a" * 1000)[:-12], "f")
    with pytest.raises(InvalidEvent, match="not a gzip file"):
        gunzip(b"\x1f\x8bnot really", "f")


def test_a_dead_letter_reason_fits_pubsubs_attribute_limit_in_any_language() -> None:
    reason = "Référence inconnue – 参照が見つかりません " * 100
    cut = dead_letter_attributes({}, source="ingest", reason=reason)[REASON]
    assert len(cut.encode()) <= 1024 and cut.endswith("…")
    assert reason.startswith(cut[:-1])
    assert fit_utf8("short é", 1024) == "short é"
    long_name = dead_letter_attributes({"subject": "objects/" + "é" * 600}, source="ingest", reason="r")
    assert len(long_name["subject"].encode()) <= 1024 and long_name[REASON] == "r"
    assert fit_utf8("lone \ud800 surrogate", 1024) == "lone ? surrogate"


def _data(event: CloudEvent) -> dict[str, Any]:
    data = event.get_data()
    assert isinstance(data, dict)
    return data


def _pubsub_event(**data: Any) -> CloudEvent:
    event = pubsub_cloudevent(PubSubMessage("1", b"x", topic="tweets-raw"), "proj")
    _data(event).update(data)
    return event


@pytest.mark.parametrize("attempt", ["often", 1.5, "-1", "9" * 30, True, [2]])
def test_a_cloudevent_with_a_non_integer_delivery_attempt_is_refused(attempt: object) -> None:
    with pytest.raises(InvalidEvent, match="deliveryAttempt"):
        parse_pubsub_cloudevent(_pubsub_event(deliveryAttempt=attempt))


def test_delivery_attempts_and_sizes_given_as_numbers_or_text_are_read() -> None:
    assert parse_pubsub_cloudevent(_pubsub_event(deliveryAttempt="3")).delivery_attempt == 3
    event = storage_cloudevent(StorageObject("b", "feeds/orders/a.csv", "1", 12), "ev")
    assert parse_storage_cloudevent(event).size == 12


@pytest.mark.parametrize("size", ["12 bytes", 1.5, "-3", "1e3"])
def test_a_storage_cloudevent_with_a_non_integer_size_is_refused(size: object) -> None:
    event = storage_cloudevent(StorageObject("b", "feeds/orders/a.csv", "1"), "ev")
    _data(event)["size"] = size
    with pytest.raises(InvalidEvent, match="size"):
        parse_storage_cloudevent(event)


def test_a_byte_order_mark_starting_a_replay_file_is_skipped() -> None:
    assert list(read_lines(b"\xef\xbb\xbf" + stream_line("1", "a") + b"\n")) == [stream_line("1", "a")]


def test_pages_too_deep_or_of_odd_shape_are_passed_on_for_ingest_to_refuse() -> None:
    odd_page = b'{"data": [{"id": "1", "referenced_tweets": 5}], "includes": {"tweets": [{"id": "1"}]}}'
    deep_page = b'{"data": [' + b"[" * 1000 + b"]" * 1000 + b"]}"
    assert list(as_stream_lines([odd_page, deep_page])) == [odd_page, deep_page]


def test_an_empty_tweet_or_author_id_is_refused() -> None:
    for field in ("id", "author_id"):
        with pytest.raises(InvalidEvent, match=f"length >= 1 - at `\\$.data.{field}`"):
            parse_line(_line(**{field: ""}))


def test_a_csv_value_too_long_for_the_csv_reader_quarantines_its_row_alone() -> None:
    header = ",".join(ORDER)
    body = f"{header}\nO-1,1,S,1,9.5,2026-01-05T10:15:00Z,{'w' * 200_000}\nO-2,1,S,1,9.5,2026-01-05T10:15:00Z,web\n"
    rows, rejected = read_feed("orders", "feeds/orders/a.csv", body.encode())
    assert [(line, row["order_id"]) for line, row in rows] == [(3, "O-2")]
    [refused] = rejected
    assert refused.line == 2 and refused.reasons == ("a value longer than 131,072 characters",)
