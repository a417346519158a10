"""A read layer over a small local warehouse, for API tests that need a few rows, not a pipeline."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.fakes.warehouse_rows import tweet_row
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.api.read import AnalystReads
from trendwatch.app.search_engines import DuckDBSearchEngine
from trendwatch.ports import BlobStore

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
#: The user name of the one tweet's author: personal data.
USERNAME = "lampfan"


def one_tweet_warehouse(path: Path) -> DuckDBWarehouse:
    """A warehouse holding one tweet ("Lampe champignon ...") by user 7, named :data:`USERNAME`."""
    warehouse = DuckDBWarehouse(path)
    warehouse.merge_rows("tweets", [tweet_row("1", T0)])
    warehouse.merge_rows("users", [{"user_id": "7", "username": USERNAME, "name": "Lamp Fan"}])
    return warehouse


def reads_over(warehouse: DuckDBWarehouse, lake: BlobStore | None = None) -> AnalystReads:
    """The read layer over ``warehouse`` and ``lake`` (keyword search only: no embedder)."""
    return AnalystReads(warehouse, lake, search_engine=DuckDBSearchEngine(warehouse), embedder=None)  # type: ignore[arg-type]
