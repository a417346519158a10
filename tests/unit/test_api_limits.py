"""What a client can make the API spend: queries beyond the language's limits are a quick 400,
and the read layer's cache holds a bounded number of answers under keys the server chose."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes.analyst_reads import one_tweet_warehouse, reads_over
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.api.app import create_app
from trendwatch.api.read import CACHE_ENTRIES, BoundedTtlCache
from trendwatch.query.parser import MAX_QUERY_DEPTH, MAX_QUERY_LENGTH, MAX_QUERY_TERMS

#: A refusal must cost the server next to nothing (the 999-word query took 21 s before); the
#: margin is for a loaded machine.
QUICK_S = 1.0


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    found = one_tweet_warehouse(tmp_path / "warehouse.duckdb")
    yield found
    found.close()


@pytest.fixture
def client(warehouse: DuckDBWarehouse) -> TestClient:
    return TestClient(create_app(reads_over(warehouse)))


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("-" * 1999 + "x", f"query nests more than {MAX_QUERY_DEPTH} levels"),
        ("(" * 500 + "x" + ")" * 500, f"query nests more than {MAX_QUERY_DEPTH} levels"),
        (" ".join(["a"] * 999), f"query has more than {MAX_QUERY_TERMS} terms"),
        ("lampe " * 400, f"query is longer than {MAX_QUERY_LENGTH} characters"),
    ],
)
def test_deep_long_or_wordy_queries_are_a_quick_400_saying_why(
    client: TestClient, query: str, detail: str
) -> None:
    client.get("/api/v1/tweets/query", params={"q": "lampe"})  # the parser is built once, first
    started = time.perf_counter()
    answer = client.get("/api/v1/tweets/query", params={"q": query})
    elapsed = time.perf_counter() - started

    assert answer.status_code == 400
    assert answer.json()["detail"].startswith(detail)
    assert elapsed < QUICK_S


def test_a_query_within_the_limits_is_answered(client: TestClient) -> None:
    query = "(" * 5 + "NOT " * 5 + "cheap" + ")" * 5 + " " + " OR ".join(["lampe"] * (MAX_QUERY_TERMS - 1))
    answer = client.get("/api/v1/tweets/query", params={"q": query})
    assert answer.status_code == 200 and answer.json()["total"] == 1


def test_the_dashboard_shows_why_it_refuses_a_query(client: TestClient) -> None:
    page = client.get("/queries", params={"q": "-" * 1999 + "x"})
    assert page.status_code == 200 and "query nests more than" in page.text


class CountingWarehouse:
    """Counts the statements sent to a warehouse."""

    def __init__(self, inner: DuckDBWarehouse) -> None:
        self.inner = inner
        self.statements = 0

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        self.statements += 1
        return self.inner.query(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_stock_alerts_at_any_cover_are_cut_from_one_cached_answer(warehouse: DuckDBWarehouse) -> None:
    counting = CountingWarehouse(warehouse)
    reads = reads_over(counting)  # type: ignore[arg-type]
    reads.stock_alerts(max_days_of_cover=7.0)
    first = counting.statements

    for cover in (0.5, 1.25, 3.0, 7.0, 30.0, 365.0):
        reads.stock_alerts(max_days_of_cover=cover)

    assert counting.statements == first


def test_influencers_of_topics_the_server_did_not_name_are_not_kept(warehouse: DuckDBWarehouse) -> None:
    counting = CountingWarehouse(warehouse)
    reads = reads_over(counting)  # type: ignore[arg-type]
    reads.influencers()
    reads.influencers(topic_id="term:anything")
    before = counting.statements

    reads.influencers()
    overall = counting.statements
    reads.influencers(topic_id="term:anything")

    assert overall == before  # the overall ranking was kept
    assert counting.statements > overall  # a client's topic id was not


def test_the_cache_keeps_at_most_its_capacity_dropping_the_least_recently_used() -> None:
    now = [0.0]
    cache = BoundedTtlCache(60.0, lambda: now[0], entries=3)
    computed: list[str] = []

    def compute(key: str) -> str:
        computed.append(key)
        return key.upper()

    for key in ("a", "b", "c", "a", "d"):  # "a" used again, so "b" is the oldest when "d" comes
        assert cache.get(key, functools.partial(compute, key)) == key.upper()
    cache.get("a", lambda: compute("a"))
    cache.get("b", lambda: compute("b"))
    now[0] = 61.0
    cache.get("b", lambda: compute("b"))

    assert len(cache) == 3 <= CACHE_ENTRIES
    assert computed == ["a", "b", "c", "d", "b", "b"]
