"""Analyst views: each runs on DuckDB over the local schema, parses as BigQuery once qualified,
and is generated into Terraform as a BigQuery view."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from tests.fakes import search_corpus
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.deploy.terraform import VIEWS_FILE, render, view_locals
from trendwatch.warehouse.schema import TABLES, TABLES_BY_NAME
from trendwatch.warehouse.views import VIEWS, View, view

REPO = Path(__file__).resolve().parents[2]
DAY1, DAY2 = datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 6, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DuckDBWarehouse]:
    built = search_corpus.build(tmp_path_factory.mktemp("views") / "warehouse.duckdb")
    built.merge_rows(
        "influencers",
        [
            {"as_of": DAY1, "topic_id": "", "user_id": "u1", "score": 0.9, "rank": 1},
            {"as_of": DAY2, "topic_id": "", "user_id": "u2", "score": 0.8, "rank": 1},
            {"as_of": DAY2, "topic_id": "", "user_id": "u3", "score": 0.1, "rank": 2},
            {"as_of": DAY1, "topic_id": "term:robe", "user_id": "u3", "score": 0.5, "rank": 1},
        ],
    )
    built.merge_rows(
        "topic_products",
        [{"topic_id": "term:robe", "sku": "SKU1", "score": 0.7, "matched_terms": ["robe", "rouge"]}],
    )
    built.merge_rows(
        "products", [{"sku": "SKU1", "name": "Robe rouge", "category": "fashion", "brand": "Zara"}]
    )
    built.merge_rows(
        "inventory_daily",
        [
            {
                "snapshot_date": date(2024, 6, 1),
                "sku": "SKU1",
                "location_id": "L1",
                "on_hand": 100,
                "on_order": 0,
            },
            {
                "snapshot_date": date(2024, 6, 2),
                "sku": "SKU1",
                "location_id": "L1",
                "on_hand": 3,
                "on_order": 10,
            },
            {
                "snapshot_date": date(2024, 6, 2),
                "sku": "SKU1",
                "location_id": "L2",
                "on_hand": 4,
                "on_order": 0,
            },
        ],
    )
    built.merge_rows(
        "trend_alerts",
        [
            {
                "alert_id": "A1",
                "topic_id": "term:robe",
                "label": "robe",
                "terms": ["robe"],
                "score": 4.0,
                "volume": 12,
                "first_detected_at": DAY1,
            },
            {
                "alert_id": "A2",
                "topic_id": "term:robe",
                "label": "robe",
                "terms": ["robe"],
                "score": 6.0,
                "volume": 30,
                "first_detected_at": DAY2,
            },
        ],
    )
    built.merge_rows(
        "model_metrics",
        [
            {
                "model": "sentiment",
                "version": "2",
                "dataset": "gold",
                "metric": "f1",
                "value": 0.8,
                "evaluated_at": DAY2,
            }
        ],
    )
    built.merge_rows(
        "model_drift",
        [
            {
                "day": DAY2.date(),
                "model": "lang",
                "model_version": "1",
                "kind": kind,
                "metric": metric,
                "value": 0.3,
            }
            for kind, metric in (
                ("drift", "lang"),
                ("output", "share:lang:en"),
                ("accuracy", "label_accuracy"),
            )
        ],
    )
    yield built
    built.close()


def test_the_drift_view_keeps_drift_and_accuracy_not_the_output_mixes(warehouse: DuckDBWarehouse) -> None:
    rows = warehouse.query(view("model_drift_daily").sql)
    assert sorted((r["kind"], r["metric"]) for r in rows) == [
        ("accuracy", "label_accuracy"),
        ("drift", "lang"),
    ]


@pytest.mark.parametrize("v", VIEWS, ids=lambda v: v.name)
def test_every_view_runs_on_duckdb_over_the_local_schema(warehouse: DuckDBWarehouse, v: View) -> None:
    rows = warehouse.query(v.sql)
    assert rows, f"{v.name} returned no rows over the test data"


@pytest.mark.parametrize("v", VIEWS, ids=lambda v: v.name)
def test_every_view_parses_as_bigquery_with_its_tables_qualified(v: View) -> None:
    tree = sqlglot.parse_one(v.bigquery_sql("retail-prod", "trendwatch"), read="bigquery")
    tables = [t for t in tree.find_all(exp.Table) if t.name in TABLES_BY_NAME]

    assert tables and {(t.catalog, t.db) for t in tables} == {("retail-prod", "trendwatch")}
    assert {t.name for t in tables} == v.tables() <= set(TABLES_BY_NAME)


def test_daily_term_volumes_count_tweets_and_authors_per_day(warehouse: DuckDBWarehouse) -> None:
    rows = warehouse.query(f"SELECT * FROM ({view('daily_term_volumes').sql}) WHERE term = 'robe'")
    assert [(r["day"], r["tweets"], r["authors"], r["positive"]) for r in rows] == [("2024-06-01", 3, 3, 3)]


def test_influencers_latest_keeps_the_newest_ranking_of_each_topic(warehouse: DuckDBWarehouse) -> None:
    rows = warehouse.query(f"SELECT * FROM ({view('influencers_latest').sql}) ORDER BY topic_id, rank")
    assert [(r["topic_id"], r["user_id"], r["username"], r["followers"]) for r in rows] == [
        ("", "u2", "stylist", 2000),
        ("", "u3", "paris_mode", 300),
        ("term:robe", "u3", "paris_mode", 300),
    ]


def test_stock_vs_trends_sums_the_latest_stock_beside_the_topic_alerts(warehouse: DuckDBWarehouse) -> None:
    [row] = warehouse.query(view("stock_vs_trends").sql)
    assert (row["product"], row["matched_terms"], row["on_hand"], row["on_order"], row["locations"]) == (
        "Robe rouge",
        "robe, rouge",
        7,
        10,
        2,
    )
    assert (row["alert_score"], row["alert_volume"], row["snapshot_date"]) == (6.0, 30, "2024-06-02")


def test_emerging_topics_flag_the_latest_alert_of_each_topic(warehouse: DuckDBWarehouse) -> None:
    rows = warehouse.query(f"SELECT * FROM ({view('emerging_topics').sql}) ORDER BY alert_id")
    assert [(r["alert_id"], r["terms"], r["latest_of_topic"]) for r in rows] == [
        ("A1", "robe", False),
        ("A2", "robe", True),
    ]


def test_terraform_gets_each_view_qualified_with_the_module_dataset() -> None:
    generated = json.loads(render()[VIEWS_FILE])["locals"]["views"]

    assert set(generated) == {v.name for v in VIEWS}
    query = generated["influencers_latest"]["query"]
    assert "FROM `${var.project_id}`.`${var.dataset_id}`.influencers AS i" in query
    main_tf = (REPO / "deploy/terraform/modules/warehouse/main.tf").read_text(encoding="utf-8")
    assert (
        "{ for k, v in local.views : k => { description = v.description, query = v.query } if !v.personal }"
        in main_tf
    )
    role_views = (REPO / "deploy/terraform/modules/role_views/main.tf").read_text(encoding="utf-8")
    assert "query          = each.value.query" in role_views


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (View("tweets", "", "SELECT 1 AS x FROM tweets"), "would hide the analyst view"),
        (View("leaks", "", "SELECT payload FROM dead_letters"), "reads private tables"),
        (View("templated", "", "SELECT '${x}' AS x FROM tweets"), "Terraform template"),
    ],
)
def test_views_that_would_break_the_analyst_dataset_are_refused(bad: View, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        view_locals([bad], TABLES)


def test_an_unknown_view_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: daily_term_volumes"):
        view("nope")
