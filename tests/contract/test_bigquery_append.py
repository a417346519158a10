"""Appends to BigQuery through the real Storage Write client, over gRPC to a local fake.

The fake decodes each row with the protocol buffer descriptor the client sent, as BigQuery
does, so these tests read back what the table would hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from google.cloud.bigquery_storage_v1 import types

from tests.fakes.bigquery_write import FakeBigQueryWrite
from tests.fakes.warehouse_rows import tweet_row as shared_tweet_row
from trendwatch.adapters.gcp.bigquery import BigQueryWarehouse
from trendwatch.adapters.gcp.bigquery_write import AppendError, StorageWriteAppender
from trendwatch.warehouse.schema import table

PROJECT, DATASET = "trendwatch-prod", "trendwatch"
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
T0_MICROS = 1_793_613_600_000_000


@pytest.fixture
def write_service() -> Iterator[FakeBigQueryWrite]:
    with FakeBigQueryWrite() as fake:
        yield fake


def appender(fake: FakeBigQueryWrite, **options: int) -> StorageWriteAppender:
    return StorageWriteAppender(PROJECT, DATASET, client=fake.client(), **options)


def tweet_row(tweet_id: str, **changes: object) -> dict[str, object]:
    return shared_tweet_row(tweet_id, T0, **changes)


def test_rows_reach_the_tables_default_stream_encoded_as_bigquery_reads_them(
    write_service: FakeBigQueryWrite,
) -> None:
    appender(write_service).append(table("tweets"), [tweet_row("1")])

    [request] = write_service.requests
    stream = f"projects/{PROJECT}/datasets/{DATASET}/tables/tweets/streams/_default"
    assert request.write_stream == stream
    assert ("x-goog-request-params", f"write_stream={stream}") in write_service.metadata[0]
    [row] = write_service.rows("tweets")
    assert row == {
        "tweet_id": "1",
        "created_at": T0_MICROS,  # TIMESTAMP: microseconds since the epoch
        "author_id": "7",
        "text": "Lampe champignon 🍄 #déco",
        "lang": "fr",
        "sentiment_label": "positive",
        "sentiment_score": 1.0,
        "hashtags": ["déco"],
        "categories": ["home"],
        "entities": '[{"text": "Lampe champignon", "type": "PRODUCT"}]',  # JSON as its text
        "has_media": False,
        "retweet_count": 3,
        "like_count": 0,
        "model_versions": '{"sentiment": "fr-1"}',
        "ingested_at": T0_MICROS + 1_000_000,
    }  # None (lang_hint, retweet_of) is an absent field: NULL; an empty array is empty


def test_the_descriptor_names_every_column_with_its_bigquery_encoding(
    write_service: FakeBigQueryWrite,
) -> None:
    appender(write_service).append(
        table("tweet_embeddings"),
        [{"tweet_id": "1", "model": "m", "created_at": T0, "embedding": [0.5, -0.25]}],
    )

    descriptor = write_service.requests[0].proto_rows.writer_schema.proto_descriptor
    fields = {f.name: (f.type, f.label) for f in descriptor.field}
    assert list(fields) == list(table("tweet_embeddings").column_names)
    assert fields["embedding"] == (1, 3)  # double, repeated
    assert fields["created_at"] == (3, 1)  # int64, optional
    assert write_service.rows("tweet_embeddings")[0]["embedding"] == [0.5, -0.25]


def test_a_large_batch_is_split_into_requests_under_the_size_limit(write_service: FakeBigQueryWrite) -> None:
    rows = [tweet_row(str(i), text="x" * 400) for i in range(30)]

    appender(write_service, max_request_bytes=4_000).append(table("tweets"), rows)

    assert len(write_service.requests) > 1
    assert all(len(types.AppendRowsRequest.serialize(r)) < 6_000 for r in write_service.requests)
    assert [r["tweet_id"] for r in write_service.rows("tweets")] == [str(i) for i in range(30)]


def test_refused_rows_raise_with_bigquery_s_reasons(write_service: FakeBigQueryWrite) -> None:
    write_service.refuse_rows_with = "Field created_at: out of range"

    with pytest.raises(AppendError, match="row 0: Field created_at: out of range"):
        appender(write_service).append(table("tweets"), [tweet_row("1")])


def test_no_rows_send_nothing(write_service: FakeBigQueryWrite) -> None:
    appender(write_service).append(table("tweets"), [])

    assert write_service.requests == []


def test_the_warehouse_appends_only_to_append_only_tables(write_service: FakeBigQueryWrite) -> None:
    warehouse = BigQueryWarehouse(PROJECT, DATASET, location="EU", appender=appender(write_service))

    warehouse.append_rows(
        "interactions",
        [
            {
                "tweet_id": "1",
                "kind": "mention",
                "source_user_id": "7",
                "target_user_id": "9",
                "created_at": T0,
            }
        ],
    )
    with pytest.raises(ValueError, match="users is not an append-only table"):
        warehouse.append_rows("users", [{"user_id": "7"}])

    assert write_service.rows("interactions") == [
        {
            "tweet_id": "1",
            "kind": "mention",
            "source_user_id": "7",
            "target_user_id": "9",
            "created_at": T0_MICROS,
        }
    ]
