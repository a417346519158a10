"""Compiled queries select exactly the expected tweets on DuckDB, parse as BigQuery SQL, and
keep whatever the user typed as data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
import sqlglot

from tests.fakes import search_corpus
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.query import compile_where, parse, tweets_statement, volume_statement

ALL = search_corpus.IDS


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBWarehouse]:
    built = search_corpus.build(tmp_path_factory.mktemp("query") / "warehouse.duckdb")
    yield built
    built.close()


def matching(warehouse: DuckDBWarehouse, query: str) -> set[str]:
    where = compile_where(parse(query))
    rows = warehouse.query(f"SELECT t.tweet_id FROM tweets AS t WHERE {where.sql}", where.params)
    return {row["tweet_id"] for row in rows}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("robe", {"T1", "T3", "T9"}),  # not "Garderobe" (T4)
        ("ROBE", {"T1", "T3", "T9"}),
        ("café", {"T5"}),  # a word edge after a non-ASCII letter
        ("CAFÉ", {"T5"}),
        ('"robe rouge"', {"T1"}),
        ('"dress  sale"', {"T7"}),
        ("robe rouge", {"T1", "T3"}),
        ("robe AND rouge", {"T1", "T3"}),
        ("robe OR dress", {"T1", "T2", "T3", "T7", "T9"}),
        ("dress NOT cheap", {"T2"}),
        ("dress -cheap", {"T2"}),
        ("NOT robe", ALL - {"T1", "T3", "T9"}),
        ("robe OR dress lang:en", {"T1", "T3", "T9", "T2", "T7"}),
        ("(robe OR dress) lang:en", {"T2", "T7"}),
        ("robe -lang:fr", {"T9"}),  # a tweet without a language is not French
        ("lang:en", {"T2", "T6", "T7", "T8"}),
        ("robe NEAR/0 rouge", {"T1"}),
        ("rouge NEAR/0 robe", {"T1"}),  # either order
        ("robe NEAR/1 rouge", {"T1", "T3"}),
        ('"la robe" NEAR/2 magnifique', set()),  # est, rouge, et: three words between
        ('"la robe" NEAR/3 magnifique', {"T3"}),
        ("#summervibes", {"T2", "T8"}),
        ("#SummerVibes", {"T2", "T8"}),
        ("@zara", {"T5"}),  # not @zarahome (T7)
        ("@zarahome", {"T7"}),
        ("from:stylist", {"T2", "T6", "T9"}),
        ("from:STYLIST -#summervibes", {"T6", "T9"}),
        ("has:image", {"T1", "T7"}),
        ("NOT has:image", ALL - {"T1", "T7"}),
        ("category:fashion", {"T1", "T2", "T3", "T7"}),
        ("category:fashion has:image lang:fr", {"T1"}),
        ("nothing", set()),
    ],
)
def test_each_operator_selects_exactly_the_expected_tweets(
    warehouse: DuckDBWarehouse, query: str, expected: set[str]
) -> None:
    assert matching(warehouse, query) == expected


def test_sql_looking_text_is_matched_literally_and_the_table_survives(warehouse: DuckDBWarehouse) -> None:
    query = '"\'; DROP TABLE tweets; --"'
    where = compile_where(parse(query))

    assert matching(warehouse, query) == {"T6"}
    assert "DROP" not in where.sql and "'" not in where.sql
    assert warehouse.query("SELECT COUNT(*) AS n FROM tweets") == [{"n": len(ALL)}]


@pytest.mark.parametrize("query", ["\"x' OR '1'='1\"", r'"robe\ OR 1=1"', r'"$1 \\ (?i).* ${x} [a-z]+"'])
def test_quotes_backslashes_and_regex_syntax_in_a_phrase_stay_data(
    warehouse: DuckDBWarehouse, query: str
) -> None:
    assert matching(warehouse, query) == set()


def test_parameters_are_numbered_with_the_prefix_and_hold_the_values() -> None:
    where = compile_where(parse("lang:fr #soldes"), alias="tw", prefix="s")

    assert where.sql == "(COALESCE(tw.lang = @s0, FALSE) AND COALESCE(@s1 IN UNNEST(tw.hashtags), FALSE))"
    assert where.params == {"s0": "fr", "s1": "soldes"}


def test_the_alias_and_prefix_must_be_identifiers() -> None:
    with pytest.raises(ValueError, match="not a SQL identifier"):
        compile_where(parse("a"), alias="t; DROP")


def test_the_tweets_statement_is_bigquery_sql_returning_newest_first_within_the_range(
    warehouse: DuckDBWarehouse,
) -> None:
    statement = tweets_statement(
        "robe OR dress",
        since=search_corpus.created_at("T2"),
        until=search_corpus.created_at("T9"),
        limit=2,
    )
    sqlglot.parse_one(statement.sql, read="bigquery")

    rows = warehouse.query(statement.sql, statement.params)

    assert [r["tweet_id"] for r in rows] == ["T7", "T3"]
    assert rows[0]["username"] == "paris_mode"


def test_the_volume_statement_is_bigquery_sql_counting_the_same_tweets_per_bucket_and_language(
    warehouse: DuckDBWarehouse,
) -> None:
    since, until = search_corpus.created_at("T2"), search_corpus.created_at("T9")
    listed = tweets_statement("robe OR dress", since=since, until=until, limit=100)
    statement = volume_statement("robe OR dress", bucket_seconds=3600, since=since, until=until)
    tree = sqlglot.parse_one(statement.sql, read="bigquery")
    assert {p.name for p in tree.find_all(sqlglot.exp.Parameter)} == set(statement.params)

    rows = warehouse.query(statement.sql, statement.params)
    tweets = warehouse.query(listed.sql, listed.params)

    counted: dict[str | None, int] = {}
    for row in rows:
        assert datetime.fromisoformat(row["bucket"]).timestamp() % 3600 == 0
        counted[row["lang"]] = counted.get(row["lang"], 0) + row["tweets"]
    expected: dict[str | None, int] = {}
    for tweet in tweets:
        expected[tweet["lang"]] = expected.get(tweet["lang"], 0) + 1
    assert counted == expected and sum(counted.values()) == 3


def test_every_operator_compiles_to_sql_that_parses_as_bigquery() -> None:
    where = compile_where(
        parse('"a b" c NEAR/2 d (#e OR @f) -from:g lang:fr has:image category:fashion NOT h')
    )
    tree = sqlglot.parse_one(f"SELECT 1 FROM tweets AS t WHERE {where.sql}", read="bigquery")
    assert {p.name for p in tree.find_all(sqlglot.exp.Parameter)} == set(where.params)


def test_limit_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="limit must be between 1 and 10000"):
        tweets_statement(None, limit=0)
