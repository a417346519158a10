"""One contract for :meth:`~trendwatch.ports.Warehouse.append_rows` on both warehouses: DuckDB
(read back with SQL) and BigQuery (the real Storage Write client over gRPC to a local fake that
decodes rows with the descriptor sent, read back in BigQuery's types).

What appends guarantee everywhere: every column's value is stored as given (``None`` as NULL,
arrays and JSON included), one row per key of a batch (the last one), and only append-only
tables take appends. Reads and merges are BigQuery-specific requests, tested in
``test_bigquery_warehouse.py``; their SQL runs on DuckDB throughout the suite.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.bigquery_write import FakeBigQueryWrite
from tests.fakes.warehouse_rows import tweet_row
from trendwatch.adapters.gcp.bigquery import BigQueryWarehouse
from trendwatch.adapters.gcp.bigquery_write import StorageWriteAppender
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.ports import Warehouse
from trendwatch.warehouse.schema import table

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
Rows = list[dict[str, Any]]


@dataclass
class Subject:
    warehouse: Warehouse
    #: The rows of a table, as Python values (datetimes, lists, JSON text), ordered by key.
    rows: Callable[[str], Rows]


def _canonical(name: str, row: dict[str, Any]) -> dict[str, Any]:
    """A stored row in one shape for both engines: every column present, timestamps as
    aware datetimes, JSON as parsed values, NULL arrays as empty ones."""
    canonical: dict[str, Any] = {}
    for column in table(name).columns:
        value = row.get(column.name)
        if column.type == "TIMESTAMP" and isinstance(value, int):  # Storage Write encoding
            value = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value)
        elif column.type == "TIMESTAMP" and isinstance(value, str):
            value = datetime.fromisoformat(value)
        elif column.type == "JSON" and isinstance(value, str):
            value = json.loads(value)
        elif column.type.startswith("ARRAY<") and value is None:
            value = []
        canonical[column.name] = value
    return canonical


def _ordered(name: str, rows: Rows) -> Rows:
    keys = table(name).primary_key
    return sorted((_canonical(name, r) for r in rows), key=lambda r: tuple(r[k] for k in keys))


@pytest.fixture(params=["duckdb", "bigquery"])
def subject(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Subject]:
    if request.param == "duckdb":
        duckdb = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
        yield Subject(duckdb, lambda name: _ordered(name, duckdb.query(f"SELECT * FROM {name}")))
        duckdb.close()
        return
    with FakeBigQueryWrite() as service:
        appender = StorageWriteAppender("trendwatch-test", "trendwatch", client=service.client())
        bigquery = BigQueryWarehouse("trendwatch-test", "trendwatch", location="EU", appender=appender)
        yield Subject(bigquery, lambda name: _ordered(name, service.rows(name)))


def _tweet(tweet_id: str, **changes: Any) -> dict[str, Any]:
    return tweet_row(tweet_id, T0, **changes)


def test_every_value_of_an_appended_row_is_stored_as_given(subject: Subject) -> None:
    tweet = _tweet("1")

    subject.warehouse.append_rows("tweets", [tweet])

    assert subject.rows("tweets") == [_canonical("tweets", tweet)]


def test_embeddings_keep_every_float_and_timestamps_given_as_text_are_read_as_moments(
    subject: Subject,
) -> None:
    vector = [0.125, -0.5, 1e-7, 0.0]
    subject.warehouse.append_rows(
        "tweet_embeddings",
        [{"tweet_id": "1", "model": "m", "created_at": "2026-11-02T10:00:00+00:00", "embedding": vector}],
    )

    [row] = subject.rows("tweet_embeddings")
    assert row["embedding"] == vector
    assert row["created_at"] == T0
    assert row["lang"] is None


def test_a_key_repeated_in_one_batch_is_stored_once_with_its_last_row(subject: Subject) -> None:
    subject.warehouse.append_rows(
        "tweets", [_tweet("1", text="first"), _tweet("2"), _tweet("1", text="last")]
    )

    assert [(r["tweet_id"], r["text"]) for r in subject.rows("tweets")] == [
        ("1", "last"),
        ("2", _tweet("2")["text"]),
    ]


def test_an_empty_append_stores_nothing(subject: Subject) -> None:
    subject.warehouse.append_rows("interactions", [])

    assert subject.rows("interactions") == []


def test_only_append_only_tables_take_appends(subject: Subject) -> None:
    with pytest.raises(ValueError, match="term_windows is not an append-only table"):
        subject.warehouse.append_rows("term_windows", [{"term": "robe"}])
