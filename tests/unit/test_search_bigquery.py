"""The production variant of search: BigQuery SQL that parses, with parameters BigQuery can type."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from trendwatch.adapters.gcp.bigquery import query_parameter
from trendwatch.app.search_engines import (
    BIGQUERY_KEYWORD_SQL,
    BIGQUERY_SEMANTIC_SQL,
    BigQuerySearchEngine,
    SearchFilters,
    search_terms,
)
from trendwatch.ports import Row
from trendwatch.warehouse.schema import INDEXES

ROW = {
    "tweet_id": "1",
    "text": "t",
    "author": "alice",
    "created_at": "2026-11-02T10:00:00+00:00",
    "lang": "en",
}


class RecordingWarehouse:
    def __init__(self) -> None:
        self.queries: list[tuple[str, dict[str, Any]]] = []

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        self.queries.append((sql, dict(params or {})))
        return [ROW]

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        raise AssertionError("search only reads")

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        raise AssertionError("search only reads")

    def replace_partition(self, table: str, day: date, rows: Any) -> None:
        raise AssertionError("search only reads")

    def merge_rows(
        self, table: str, rows: Sequence[Row], *, update: bool = True, update_when: str | None = None
    ) -> None:
        raise AssertionError("search only reads")

    def append_rows(self, table: str, rows: Sequence[Row]) -> None:
        raise AssertionError("search only reads")

    def ensure_indexes(self) -> list[str]:
        raise AssertionError("search only reads")


def functions(sql: str) -> set[str]:
    tree = sqlglot.parse_one(sql, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(tree, exp.Select)
    return {
        f.sql_name() if not isinstance(f, exp.Anonymous) else f.name.upper() for f in tree.find_all(exp.Func)
    }


def test_the_keyword_query_parses_as_bigquery_and_uses_search() -> None:
    assert {"SEARCH", "UNNEST", "COALESCE"} <= functions(BIGQUERY_KEYWORD_SQL)


def test_the_semantic_query_parses_as_bigquery_and_uses_vector_search() -> None:
    assert "VECTOR_SEARCH" in functions(BIGQUERY_SEMANTIC_SQL)
    assert "top_k => @limit" in BIGQUERY_SEMANTIC_SQL


def test_the_indexes_serve_what_the_queries_search_and_filter() -> None:
    [search] = [i for i in INDEXES if i.kind == "SEARCH"]
    [vector] = [i for i in INDEXES if i.kind == "VECTOR"]
    keyword = sqlglot.parse_one(BIGQUERY_KEYWORD_SQL, read="bigquery")
    searched = {f.expressions[0].name for f in keyword.find_all(exp.Anonymous) if f.name.upper() == "SEARCH"}
    assert searched == {search.column} and f"FROM {search.table} AS t" in BIGQUERY_KEYWORD_SQL
    semantic = sqlglot.parse_one(BIGQUERY_SEMANTIC_SQL, read="bigquery")
    # VECTOR_SEARCH's base table: the one inner SELECT that filters
    [base] = [s for s in semantic.find_all(exp.Select) if s is not semantic and s.args.get("where")]
    assert {t.name for t in base.find_all(exp.Table)} == {vector.table}
    filtered = {c.name for c in base.args["where"].find_all(exp.Column)}
    stored = re.search(r"STORING \(([^)]*)\)", vector.options)
    # filters on stored columns apply before the search, not after it (fewer than top_k hits)
    assert stored and filtered == {"model", "lang", "created_at"} <= set(stored[1].split(", "))
    assert f"'{vector.column}'" in BIGQUERY_SEMANTIC_SQL
    assert (
        "distance_type = 'COSINE'" in vector.options and "distance_type => 'COSINE'" in BIGQUERY_SEMANTIC_SQL
    )


def test_queries_are_parameterised_and_every_parameter_has_a_bigquery_type() -> None:
    warehouse = RecordingWarehouse()
    engine = BigQuerySearchEngine(warehouse)
    since = datetime(2026, 11, 1, tzinfo=UTC)
    filters = SearchFilters(lang="fr", since=since)
    assert engine.keyword("Robe d'été; DROP TABLE tweets", filters, 50)[0].author == "alice"
    engine.semantic([0.6, 0.8], "m", filters, 50)
    (keyword_sql, keyword), (semantic_sql, semantic) = warehouse.queries
    assert keyword["terms"] == ["robe", "d", "été", "drop", "table", "tweets"]
    assert "DROP" not in keyword_sql
    assert semantic_sql == BIGQUERY_SEMANTIC_SQL
    assert semantic["vector"] == [0.6, 0.8]
    assert (semantic["lang"], semantic["since"], semantic["until"].year) == ("fr", since, 9999)
    types = {
        name: query_parameter(name, value).to_api_repr()["parameterType"] for name, value in semantic.items()
    }
    assert types["vector"] == {"type": "ARRAY", "arrayType": {"type": "FLOAT64"}}
    assert types["since"] == {"type": "TIMESTAMP"}
    assert types["limit"] == {"type": "INT64"}


def test_a_query_without_words_asks_nothing_of_the_keyword_index() -> None:
    warehouse = RecordingWarehouse()
    assert BigQuerySearchEngine(warehouse).keyword("🔥 !!", SearchFilters(), 10) == []
    assert warehouse.queries == []


@pytest.mark.parametrize(
    ("query", "terms"), [("Summer  dress", ["summer", "dress"]), ("dress DRESS dress", ["dress"]), ("", [])]
)
def test_search_terms_are_distinct_lower_cased_words(query: str, terms: list[str]) -> None:
    assert search_terms(query) == terms
