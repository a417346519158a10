"""Reading dead letters back for a replay: the query BigQuery runs, and the rows it answers."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlglot
from sqlglot import exp

from trendwatch.adapters.gcp.bigquery import query_parameter
from trendwatch.app.dead_letters import DeadLetterSelection, find_dead_letters
from trendwatch.contracts import dead_letters as dl
from trendwatch.ports import Row


class AnsweringWarehouse:
    """Keeps the queries asked and answers each with ``rows``."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.queries: list[tuple[str, dict[str, Any]]] = []

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        self.queries.append((sql, dict(params or {})))
        return self.rows

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        raise AssertionError("listing only reads")

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        raise AssertionError("listing only reads")

    def replace_partition(self, table: str, day: date, rows: Any) -> None:
        raise AssertionError("listing only reads")

    def merge_rows(
        self, table: str, rows: Sequence[Row], *, update: bool = True, update_when: str | None = None
    ) -> None:
        raise AssertionError("listing only reads")

    def append_rows(self, table: str, rows: Sequence[Row]) -> None:
        raise AssertionError("listing only reads")

    def ensure_indexes(self) -> list[str]:
        raise AssertionError("listing only reads")


def test_every_criterion_is_a_parameter_bigquery_can_type() -> None:
    warehouse = AnsweringWarehouse([])
    selection = DeadLetterSelection(
        subscriptions=("enrich-text-tweets-raw",),
        message_ids=("a", "b"),
        since=datetime(2026, 3, 1, tzinfo=UTC),
        until=datetime(2026, 3, 2, tzinfo=UTC),
        pending=True,
    )
    find_dead_letters(warehouse, selection, limit=10)
    [(sql, params)] = warehouse.queries

    tree = sqlglot.parse_one(sql, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(tree, exp.Select)
    assert {p.name for p in tree.find_all(exp.Parameter)} == set(params)
    assert "r.replayed_at IS NULL" in sql
    strings = {"type": "ARRAY", "arrayType": {"type": "STRING"}}
    assert {
        name: query_parameter(name, value).to_api_repr()["parameterType"] for name, value in params.items()
    } == {
        "subscriptions": strings,
        "message_ids": strings,
        "since": {"type": "TIMESTAMP"},
        "until": {"type": "TIMESTAMP"},
        "limit": {"type": "INT64"},
    }


def test_no_criterion_selects_everything_without_parameters() -> None:
    warehouse = AnsweringWarehouse([])
    find_dead_letters(warehouse, DeadLetterSelection())
    [(sql, params)] = warehouse.queries
    assert params == {} and "WHERE TRUE" in sql
    assert not DeadLetterSelection(pending=True).narrows


def test_rows_read_as_bigquery_answers_them_give_back_the_exact_message() -> None:
    binary = bytes(range(256))
    attributes = {
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "tweet_id": "7",
        dl.SOURCE: "enrich-text-tweets-raw",
        dl.DELIVERY_COUNT: "5",
        f"{dl.PUBSUB_PREFIX}SubscriptionProject": "trendwatch-prod",
        dl.REASON: "RuntimeError: quota",
    }
    row = {
        "subscription": "enrich-text-tweets-raw",
        "message_id": "m1",
        "topic": "enrich-text-tweets-raw-dead-letter",
        "reason": "RuntimeError: quota",
        "delivery_attempts": 5,
        "attributes": attributes,  # BigQuery's client parses a JSON column
        "payload": "base64:" + base64.b64encode(binary).decode(),
        "dead_lettered_at": "2026-03-01T09:00:00+00:00",
        "replayed_at": None,
    }
    [letter] = find_dead_letters(AnsweringWarehouse([row]), DeadLetterSelection())
    assert letter.data == binary
    assert letter.dead_lettered_at == datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert dl.original_attributes(letter.attributes) == {
        "traceparent": attributes["traceparent"],
        "tweet_id": "7",
    }
