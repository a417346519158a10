"""Notebook access: ``trendwatch.open_warehouse`` gives DataFrames, locally and on BigQuery alike."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment
import pytest
from google.cloud import bigquery

import trendwatch
from tests.fakes import search_corpus
from trendwatch.adapters.gcp.bigquery import BigQueryWarehouse
from trendwatch.app.trends import TopicSummary
from trendwatch.notebook import Analytics
from trendwatch.query import TWEET_COLUMNS

OLDER, NEWER = datetime(2024, 6, 1, tzinfo=UTC), datetime(2024, 6, 2, tzinfo=UTC)
METRICS = [
    {
        "model": "sentiment",
        "version": "1",
        "dataset": "gold",
        "metric": "f1",
        "value": 0.7,
        "evaluated_at": OLDER,
    },
    {
        "model": "sentiment",
        "version": "2",
        "dataset": "gold",
        "metric": "f1",
        "value": 0.8,
        "evaluated_at": NEWER,
    },
]


@pytest.fixture
def analytics(tmp_path: Path) -> Iterator[Analytics]:
    built = search_corpus.build(tmp_path / "warehouse.duckdb")
    built.merge_rows("model_metrics", METRICS)
    built.close()
    with trendwatch.open_warehouse(tmp_path) as opened:
        yield opened


def test_tweets_of_a_query_are_a_dataframe_newest_first_with_utc_timestamps(analytics: Analytics) -> None:
    frame = analytics.tweets("robe OR dress", since=search_corpus.created_at("T2"), limit=3)

    assert list(frame.columns) == list(TWEET_COLUMNS)
    assert list(frame["tweet_id"]) == ["T9", "T7", "T3"]
    assert frame["created_at"].dt.tz == UTC
    assert frame["created_at"].iloc[0] == pd.Timestamp(search_corpus.created_at("T9"))


def test_no_match_still_has_the_columns(analytics: Analytics) -> None:
    frame = analytics.tweets("nothing")

    assert frame.empty and list(frame.columns) == list(TWEET_COLUMNS)


def test_sql_takes_keyword_parameters(analytics: Analytics) -> None:
    frame = analytics.sql("SELECT tweet_id FROM tweets WHERE lang = @lang ORDER BY tweet_id", lang="en")

    assert list(frame["tweet_id"]) == ["T2", "T6", "T7", "T8"]


def test_term_series_counts_each_window_and_fills_empty_ones_with_zeros(analytics: Analytics) -> None:
    frame = analytics.term_series("#SummerVibes", window="1h")

    assert list(frame.columns) == ["window_start", "tweets", "authors", "sentiment_avg"]
    assert list(frame["tweets"]) == [1, 0, 0, 0, 0, 0, 1]
    assert frame["window_start"].iloc[0] == pd.Timestamp(search_corpus.created_at("T2"))
    assert frame["window_start"].iloc[-1] == pd.Timestamp(search_corpus.created_at("T8"))
    assert frame["sentiment_avg"].iloc[0] == 0.5


def test_term_series_per_day_and_unknown_window(analytics: Analytics) -> None:
    assert list(analytics.term_series("robe", window="1d")["tweets"]) == [3]
    with pytest.raises(ValueError, match="window must be one of 1m, 1h, 1d"):
        analytics.term_series("robe", window="5m")


def test_model_metrics_keep_the_latest_evaluation_of_each_metric(analytics: Analytics) -> None:
    latest = analytics.model_metrics()
    history = analytics.model_metrics(latest=False)

    assert latest[["version", "value"]].values.tolist() == [["2", 0.8]]
    assert latest["evaluated_at"].iloc[0] == pd.Timestamp(NEWER)
    assert list(history["version"]) == ["2", "1"]


def test_topics_has_the_topic_summary_columns_even_with_nothing_emerging(analytics: Analytics) -> None:
    frame = analytics.topics()

    assert frame.empty  # nine tweets are too few for the detector's warm-up
    assert list(frame.columns) == list(TopicSummary.__struct_fields__)
    assert "label" in frame.columns and "score" in frame.columns


def test_the_local_warehouse_is_opened_read_only(analytics: Analytics) -> None:
    with pytest.raises(duckdb.InvalidInputException, match="read-only"):
        analytics.warehouse.execute("DELETE FROM tweets")
    assert len(analytics.sql("SELECT tweet_id FROM tweets")) == len(search_corpus.IDS)


def test_a_missing_local_warehouse_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="run `trendwatch demo`"):
        trendwatch.open_warehouse(tmp_path / "empty")


class _FakeBigQueryClient:
    """Records what the adapter sends; answers with rows as ``query_and_wait`` would."""

    def __init__(self, rows: list[Mapping[str, Any]]) -> None:
        self.rows = rows
        self.calls: list[tuple[str, bigquery.QueryJobConfig]] = []

    def query_and_wait(
        self, sql: str, *, job_config: bigquery.QueryJobConfig, location: str
    ) -> list[Mapping[str, Any]]:
        self.calls.append((sql, job_config))
        return self.rows


def test_bigquery_is_opened_lazily_with_project_and_dataset() -> None:
    opened = trendwatch.open_warehouse(project="retail-prod", dataset="trendwatch")

    assert isinstance(opened.warehouse, BigQueryWarehouse)
    assert (opened.warehouse.dataset, opened.warehouse.location) == ("retail-prod.trendwatch", "europe-west1")
    with pytest.raises(ValueError, match="both project and dataset"):
        trendwatch.open_warehouse(project="retail-prod")


def test_on_bigquery_the_same_call_sends_bigquery_sql_with_typed_parameters() -> None:
    row = dict.fromkeys(TWEET_COLUMNS) | {
        "tweet_id": "T1",
        "created_at": datetime(2024, 6, 1, 8, tzinfo=UTC),
    }
    client = _FakeBigQueryClient([row])
    opened = trendwatch.open_warehouse(project="retail-prod", dataset="trendwatch", client=client)

    frame = opened.tweets("#soldes lang:fr", limit=5)

    [(sql, config)] = client.calls
    assert "@q0 IN UNNEST(t.hashtags)" in sql and "LIMIT @limit" in sql
    assert config.default_dataset.dataset_id == "trendwatch"
    assert {(p.name, p.type_, p.value) for p in config.query_parameters} == {
        ("q0", "STRING", "soldes"),
        ("q1", "STRING", "fr"),
        ("limit", "INT64", 5),
    }
    assert list(frame["tweet_id"]) == ["T1"]
    assert frame["created_at"].iloc[0] == pd.Timestamp("2024-06-01T08:00:00Z")


def test_drift_and_labels_are_dataframes_of_what_the_monitor_and_analysts_stored(tmp_path: Path) -> None:
    built = search_corpus.build(tmp_path / "warehouse.duckdb")
    row = {"model": "sentiment", "model_version": "en-4", "value": 0.3, "computed_at": NEWER}
    built.merge_rows(
        "model_drift",
        [
            {
                **row,
                "day": NEWER.date(),
                "kind": "drift",
                "metric": "lang",
                "threshold": 0.1,
                "drifted": True,
            },
            {**row, "day": OLDER.date(), "kind": "output", "metric": "share:lang:en"},
        ],
    )
    built.merge_rows(
        "labels",
        [
            {
                "label_id": "sentiment:T1:ana",
                "kind": "sentiment",
                "tweet_id": "T1",
                "correct": False,
                "labelled_at": NEWER,
            }
        ],
    )
    built.close()
    with trendwatch.open_warehouse(tmp_path) as opened:
        every = opened.drift()
        drifted = opened.drift(kind="drift")
        labels = opened.labels()
    assert list(every["day"]) == [OLDER.date(), NEWER.date()]
    assert drifted[["metric", "threshold", "drifted"]].to_dict("records") == [
        {"metric": "lang", "threshold": 0.1, "drifted": True}
    ]
    assert list(labels["label_id"]) == ["sentiment:T1:ana"] and labels["labelled_at"].dt.tz == UTC
