"""Every SQL statement of the API parses as BigQuery SQL and runs on the local DuckDB schema:
the fixed ones of :mod:`trendwatch.api.queries`, those the topic and influence answers read
the warehouse with (:mod:`trendwatch.app.trends`, :mod:`trendwatch.app.insights`) and those
compiled from boolean queries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot

from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.api import queries
from trendwatch.app import insights, trends
from trendwatch.app.insights import (
    _ALL_EDGES_SQL,
    _FIRST_VOICES_SQL,
    _PROFILES_SQL,
    _TOPIC_EDGES_SQL,
    _TOPIC_TERMS_SQL,
)
from trendwatch.app.saved_searches import SavedSearchNotFound, get_search, list_searches
from trendwatch.app.trends import (
    _ALERTS_OF_SQL,
    _CATALOGUE_SQL,
    _DECIDED_SQL,
    _FACTS_SQL,
    _LATEST_SQL,
    _MEMBERS_SQL,
    _PARENTS_SQL,
    _POSTS_SQL,
    _QUOTES_SQL,
    _TEXTS_SQL,
)
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
    "TOPIC_PRODUCTS": {**TERMS, "topic_id": "term:#mushroomlamp", "limit": 5},
    "STOCK_ALERTS": {**TERMS, "topic_ids": ["term:#mushroomlamp"], "max_days_of_cover": 7.0},
    "LATEST_RESTOCK_DAY": {},
    "RESTOCK": {"as_of": MOMENT.date(), "urgency": None, "limit": 5, "offset": 0},
    "PRODUCT_FORECAST": {"sku": "HOM-0013"},
    "PRODUCT_HISTORY": {**RANGE, "sku": "HOM-0013"},
    "PRODUCT_NAME": {"sku": "HOM-0013"},
    "MODEL_METRICS": {**RANGE, "model": None, "metric": "f1", "limit": 5, "offset": 0},
}
#: The statements emerging topics and influence rankings read with, and their parameters.
APP_STATEMENTS: dict[str, tuple[str, dict[str, Any]]] = {
    "trends._LATEST_SQL": (_LATEST_SQL, {}),
    "trends._CATALOGUE_SQL": (_CATALOGUE_SQL, {}),
    "trends._FACTS_SQL": (_FACTS_SQL, {"since": MOMENT}),
    "trends._POSTS_SQL": (_POSTS_SQL, {"since": MOMENT}),
    "trends._QUOTES_SQL": (_QUOTES_SQL, {"since": MOMENT}),
    "trends._ALERTS_OF_SQL": (_ALERTS_OF_SQL, {"topics": ["term:mushroom lamp"]}),
    "trends._MEMBERS_SQL": (_MEMBERS_SQL, {}),
    "trends._TEXTS_SQL": (_TEXTS_SQL, {"ids": ["T1", "T2"]}),
    "trends._DECIDED_SQL": (_DECIDED_SQL, {}),
    "trends._PARENTS_SQL": (_PARENTS_SQL, {}),
    "insights._ALL_EDGES_SQL": (_ALL_EDGES_SQL, {}),
    "insights._TOPIC_EDGES_SQL": (_TOPIC_EDGES_SQL, TERMS),
    "insights._TOPIC_TERMS_SQL": (_TOPIC_TERMS_SQL, {"topic_id": "term:#mushroomlamp"}),
    "insights._PROFILES_SQL": (_PROFILES_SQL, {}),
    "insights._FIRST_VOICES_SQL": (_FIRST_VOICES_SQL, {**TERMS, "limit": 10}),
}
#: Every statement checked here, by name: its SQL and the parameters its caller passes.
STATEMENTS = {name: (getattr(queries, name), params) for name, params in PARAMS.items()} | APP_STATEMENTS
#: Aggregates without GROUP BY: one row even on empty tables.
ONE_ROW_AGGREGATES = {
    "SPAN",
    "TERMS_EXIST",
    "LATEST_RESTOCK_DAY",
    "trends._DECIDED_SQL",
    "trends._LATEST_SQL",
}


def test_every_statement_of_the_queries_module_has_parameters_here() -> None:
    statements = {
        name
        for name, value in vars(queries).items()
        if name.isupper() and not name.startswith("_") and isinstance(value, str)
    }
    assert statements == set(PARAMS)


def test_every_statement_of_the_topic_and_influence_modules_is_checked_here() -> None:
    defined = {
        f"{module.__name__.rsplit('.', 1)[-1]}.{name}"
        for module in (trends, insights)
        for name, value in vars(module).items()
        if name.endswith("_SQL") and isinstance(value, str)
    }
    assert defined == set(APP_STATEMENTS)


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_query_parses_as_bigquery_and_transpiles_to_duckdb(name: str) -> None:
    sql, params = STATEMENTS[name]
    [tree] = sqlglot.parse(sql, read="bigquery")
    assert tree is not None and tree.key == "select"
    parameters = {p.name for p in tree.find_all(sqlglot.exp.Parameter)}
    assert parameters == set(params)
    assert "$" in to_duckdb(sql) or not parameters


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> DuckDBWarehouse:
    return DuckDBWarehouse(tmp_path_factory.mktemp("schema") / "warehouse.duckdb")


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_query_runs_on_the_duckdb_schema(warehouse: DuckDBWarehouse, name: str) -> None:
    sql, params = STATEMENTS[name]
    assert len(warehouse.query(sql, params)) == (1 if name in ONE_ROW_AGGREGATES else 0)


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
