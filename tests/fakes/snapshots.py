"""Whole-warehouse snapshots, to show that something changed no table."""

from __future__ import annotations

from typing import Any

from trendwatch.ports import Warehouse
from trendwatch.warehouse.schema import TABLES

#: Columns that record when a row was written rather than what it says.
WRITE_TIMES = frozenset({"updated_at", "ingested_at", "loaded_at", "dead_lettered_at", "received_at"})


def snapshot(
    warehouse: Warehouse, *, ignore: frozenset[str] = frozenset()
) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary-key order, without the ``ignore`` columns."""
    return {
        t.name: [
            {k: v for k, v in row.items() if k not in ignore}
            for row in warehouse.query(f"SELECT * FROM {t.name} ORDER BY {', '.join(t.primary_key)}")
        ]
        for t in TABLES
    }
