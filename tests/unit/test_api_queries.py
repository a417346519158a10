"""Every SQL statement of the API parses as BigQuery SQL and runs on the local DuckDB schema:
the fixed ones of :mod:`trendwatch.api.queries` and those compiled from boolean queries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot

from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.api import queries
from trendwatch.app.saved_searches import SavedSearchNotFound, get_search, list_searches
from trendwatch.query import CompiledQuery, tweets_statement, volume_statement
from trendwatch.warehouse.sql import to_duckdb

MOMENT = datetime(2026, 11, 2, 8, tzinfo=UTC)
TERMS = {"terms": ["#mushroomlamp", "mushroom lamp"]}
RANGE = {"since": MOMENT, "until": datetime(2026, 11, 3, tzinfo=UTC)}
#: Parameters of each statement, as the read layer passes them.
PARAMS: dict[str, dict[str, Any]] = {
    "SPAN": {},
    "STORED_TOPIC": {"topic_id": "term:#mushroomlamp"},
    "TERMS_EXIST": TERMS,
    "TERM_CATEGORIES": TERMS,
    "SERIES": {**TERMS, **RANGE, "lang": None, "bucket_seconds": 600},
    "LANGUAGES": {**TERMS, **RANGE},
    "RELATED_TERMS": {**TERMS, **RANGE, "lang": "fr", "limit": 5},
    "TOP_TWEETS": {**TERMS, **RANGE, "lang": None, "limit": 5},
    "TOPIC_MEDIA": {**TERMS, **RANGE, "lang": None, "limit": 5},
    "SEARCH_TWEETS": {**RANGE, "words": ["lamp"], "lang": None, "category": "home", "limit": 5, "offset": 0},
    "TOPIC_PRODUCTS": {**TERMS, "topic_id": "term:#mushroomlamp", "demand_days": 7, "limit": 5},
    "STOCK_ALERTS": {
        **TERMS,
        "topic_ids": ["term:#mushroomlamp"],
        "demand_days": 7,
        "max_days_of_cover": 7.0,
    },
    "MODEL_METRICS": {**RANGE, "model": None, "metric": "f1", "limit": 5, "offset": 0},
}


def test_every_statement_of_the_queries_module_has_parameters_here() -> None:
    statements = {
        name
        for name, value in vars(queries).items()
        if name.isupper() and not name.startswith("_") and isinstance(value, str)
    }
    assert statements == set(PARAMS)


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_query_parses_as_bigquery_and_transpiles_to_duckdb(name: str) -> None:
    sql = getattr(queries, name)
    [tree] = sqlglot.parse(sql, read="bigquery")
    assert tree is not None and tree.key == "select"
    parameters = {p.name for p in tree.find_all(sqlglot.exp.Parameter)}
    assert parameters == set(PARAMS[name])
    assert "$" in to_duckdb(sql) or not parameters


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> DuckDBWarehouse:
    return DuckDBWarehouse(tmp_path_factory.mktemp("schema") / "warehouse.duckdb")


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_query_runs_on_the_duckdb_schema(warehouse: DuckDBWarehouse, name: str) -> None:
    rows = warehouse.query(getattr(queries, name), PARAMS[name])
    one_row_aggregates = {"SPAN", "TERMS_EXIST"}
    assert len(rows) == (1 if name in one_row_aggregates else 0)


#: A boolean query with every operator, as the API compiles it for ``/tweets/query``.
EVERY_OPERATOR = (
    '"robe rouge" OR (lamp NEAR/2 mushroom -cheap) lang:fr #soldes @zara from:zara has:image category:home'
)


@pytest.mark.parametrize(
    "statement",
    [
        tweets_statement(EVERY_OPERATOR, since=MOMENT, until=RANGE["until"], limit=20),
        volume_statement(EVERY_OPERATOR, bucket_seconds=600, since=MOMENT, until=RANGE["until"]),
        volume_statement(EVERY_OPERATOR, bucket_seconds=60),
    ],
    ids=["tweets", "volume", "volume-all-time"],
)
def test_boolean_query_statements_parse_as_bigquery_and_run_on_the_duckdb_schema(
    warehouse: DuckDBWarehouse, statement: CompiledQuery
) -> None:
    tree = sqlglot.parse_one(statement.sql, read="bigquery")
    assert {p.name for p in tree.find_all(sqlglot.exp.Parameter)} == set(statement.params)
    assert warehouse.query(statement.sql, statement.params) == []


def test_saved_search_statements_run_on_the_duckdb_schema(warehouse: DuckDBWarehouse) -> None:
    assert list_searches(warehouse) == []
    with pytest.raises(SavedSearchNotFound):
        get_search(warehouse, "lamps")


def test_a_read_only_warehouse_answers_queries_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    writer = DuckDBWarehouse(path)
    writer.merge_rows(
        "model_metrics",
        [
            {
                "model": "m",
                "version": "1",
                "dataset": "d",
                "metric": "f1",
                "value": 0.5,
                "evaluated_at": MOMENT,
            }
        ],
    )
    writer.close()
    reader = DuckDBWarehouse(path, read_only=True)
    rows = reader.query(queries.MODEL_METRICS, {**PARAMS["MODEL_METRICS"], "metric": None})
    assert [(r["model"], r["value"], r["total"]) for r in rows] == [("m", 0.5, 1)]
    with pytest.raises(Exception, match="read-only"):
        reader.execute("DELETE FROM model_metrics")
    reader.close()


def test_a_read_only_warehouse_needs_an_existing_file(tmp_path: Path) -> None:
    with pytest.raises(duckdb.IOException, match="database does not exist"):
        DuckDBWarehouse(tmp_path / "missing" / "warehouse.duckdb", read_only=True)
    assert not (tmp_path / "missing").exists()
