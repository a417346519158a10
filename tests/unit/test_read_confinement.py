"""Every local connection that reads the warehouse for someone (the API and dashboard, a
notebook) reaches the warehouse and nothing else: no file read or written, no database
attached, no extension installed or loaded, no setting changed back; search still works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

import trendwatch
from tests.fakes import search_corpus
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.api.app import read_only_stores
from trendwatch.app.search_engines import DuckDBSearchEngine, SearchFilters
from trendwatch.settings import Settings

#: SQL that would reach beyond the warehouse, and DuckDB's refusal of it.
HOSTILE = [
    (
        "SELECT * FROM read_csv('/etc/passwd')",
        duckdb.PermissionException,
        "file system operations are disabled",
    ),
    (
        "SELECT * FROM read_text('/etc/passwd')",
        duckdb.PermissionException,
        "file system operations are disabled",
    ),
    (
        "COPY (SELECT 1 AS x) TO 'exfiltrated.csv'",
        duckdb.PermissionException,
        "file system operations are disabled",
    ),
    (
        "ATTACH 'elsewhere.duckdb' AS elsewhere",
        duckdb.PermissionException,
        "file system operations are disabled",
    ),
    ("INSTALL httpfs", duckdb.PermissionException, "disabled"),
    ("LOAD httpfs", duckdb.PermissionException, "disabled through configuration"),
    ("SET enable_external_access = true", duckdb.InvalidInputException, "configuration has been locked"),
]


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A warehouse of known tweets; the working folder is where a ``COPY`` would write."""
    search_corpus.build(tmp_path / "state" / "warehouse.duckdb").close()
    monkeypatch.chdir(tmp_path)
    return tmp_path / "state"


@pytest.fixture
def api_stores(state: Path) -> Iterator[tuple[DuckDBWarehouse, DuckDBSearchEngine]]:
    warehouse, _, engine = read_only_stores(Settings.from_env({}, state_dir=state))
    assert isinstance(warehouse, DuckDBWarehouse) and isinstance(engine, DuckDBSearchEngine)
    yield warehouse, engine
    warehouse.close()


@pytest.mark.parametrize(("sql", "error", "message"), HOSTILE)
def test_the_apis_connection_reaches_nothing_beyond_the_warehouse(
    api_stores: tuple[DuckDBWarehouse, DuckDBSearchEngine], sql: str, error: type[Exception], message: str
) -> None:
    warehouse, _ = api_stores
    with pytest.raises(error, match=message):
        warehouse.query_duckdb(sql)
    assert not Path("exfiltrated.csv").exists() and not Path("elsewhere.duckdb").exists()


def test_the_apis_keyword_search_still_works_once_confined(
    api_stores: tuple[DuckDBWarehouse, DuckDBSearchEngine],
) -> None:
    warehouse, engine = api_stores
    another = DuckDBSearchEngine(warehouse)  # finds fts loaded: it may not load it any more
    for searching in (engine, another):
        found = searching.keyword("dress", SearchFilters(), limit=10)
        assert sorted(c.tweet_id for c in found) == ["T2", "T7"]


@pytest.mark.parametrize(("sql", "error", "message"), HOSTILE)
def test_a_notebooks_connection_reaches_nothing_beyond_the_warehouse(
    state: Path, sql: str, error: type[Exception], message: str
) -> None:
    with trendwatch.open_warehouse(state) as analytics:
        assert isinstance(analytics.warehouse, DuckDBWarehouse)
        with pytest.raises(error, match=message):
            analytics.warehouse.query_duckdb(sql)
        assert list(analytics.tweets("robe OR dress")["tweet_id"]) == ["T9", "T7", "T3", "T2", "T1"]
    assert not Path("exfiltrated.csv").exists() and not Path("elsewhere.duckdb").exists()


def test_a_notebook_opened_beside_the_api_in_one_process_is_confined_too(
    api_stores: tuple[DuckDBWarehouse, DuckDBSearchEngine], state: Path
) -> None:
    """DuckDB shares a file's settings between a process's connections: the API's confinement
    already holds for the notebook's, which may not set it again."""
    with trendwatch.open_warehouse(state) as analytics:
        assert isinstance(analytics.warehouse, DuckDBWarehouse)
        with pytest.raises(duckdb.PermissionException, match="file system operations are disabled"):
            analytics.warehouse.query_duckdb("SELECT * FROM read_csv('/etc/passwd')")
        assert len(analytics.tweets("robe OR dress")) == 5
