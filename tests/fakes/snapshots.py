"""Whole-warehouse snapshots, to show that something changed no table."""

from __future__ import annotations

from typing import Any

from trendwatch.ports import Warehouse
from trendwatch.warehouse.schema import TABLES


def snapshot(warehouse: Warehouse) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary-key order."""
    return {
        t.name: warehouse.query(f"SELECT * FROM {t.name} ORDER BY {', '.join(t.primary_key)}") for t in TABLES
    }
