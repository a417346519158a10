"""Columnar reads and whole-partition writes: what the daily supply job moves millions of rows with."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.warehouse.schema import table

DAY = date(2026, 11, 3)
NOW = datetime(2026, 11, 3, 5, 30, tzinfo=UTC)


def _recommendations(day: date, skus: list[str]) -> pa.Table:
    rows = [
        {
            "as_of": day,
            "sku": sku,
            "location_id": "STORE-PAR-01",
            "recommended_quantity": 12,
            "urgency": "high",
            "reason": "2 days of cover",
            "created_at": NOW,
        }
        for sku in skus
    ]
    names = table("restock_recommendations").column_names
    return pa.Table.from_pylist([{n: r.get(n) for n in names} for r in rows])


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    store = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    yield store
    store.close()


def test_replacing_a_day_rewrites_that_day_only_and_a_rerun_changes_nothing(
    warehouse: DuckDBWarehouse,
) -> None:
    warehouse.replace_partition("restock_recommendations", DAY, _recommendations(DAY, ["A", "B"]))
    other = date(2026, 11, 4)
    warehouse.replace_partition("restock_recommendations", other, _recommendations(other, ["C"]))

    for _ in range(2):  # a redelivered tick reruns the day's job
        warehouse.replace_partition("restock_recommendations", DAY, _recommendations(DAY, ["B"]))

    rows = warehouse.query("SELECT as_of, sku FROM restock_recommendations ORDER BY as_of, sku")
    assert rows == [{"as_of": "2026-11-03", "sku": "B"}, {"as_of": "2026-11-04", "sku": "C"}]


def test_a_failed_replacement_leaves_the_day_as_it_was(warehouse: DuckDBWarehouse) -> None:
    warehouse.replace_partition("restock_recommendations", DAY, _recommendations(DAY, ["A"]))
    broken = _recommendations(DAY, ["B"]).drop_columns(["sku"])

    with pytest.raises(KeyError):
        warehouse.replace_partition("restock_recommendations", DAY, broken)

    assert warehouse.query("SELECT sku FROM restock_recommendations") == [{"sku": "A"}]


def test_only_a_table_partitioned_by_a_date_can_be_replaced_by_day(warehouse: DuckDBWarehouse) -> None:
    with pytest.raises(ValueError, match="not partitioned by a DATE column"):
        warehouse.replace_partition("tweets", DAY, pa.table({"tweet_id": ["1"]}))


def test_query_arrow_returns_typed_columns(warehouse: DuckDBWarehouse) -> None:
    warehouse.replace_partition("restock_recommendations", DAY, _recommendations(DAY, ["A", "B"]))

    result = warehouse.query_arrow(
        "SELECT sku, recommended_quantity, as_of FROM restock_recommendations WHERE as_of = @day ORDER BY sku",
        {"day": DAY},
    )

    assert result.column("sku").to_pylist() == ["A", "B"]
    assert result.schema.field("recommended_quantity").type == pa.int64()
    assert result.column("as_of").to_pylist() == [DAY, DAY]
