from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlglot
from click.testing import CliRunner

from trendwatch.adapters.local.clock import ManualClock
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.decoding import scheduled_job
from trendwatch.app.handling import Received
from trendwatch.app.jobs import ScheduledJobs
from trendwatch.app.scheduled import Deduplicate, EnsureIndexes
from trendwatch.cli import main
from trendwatch.contracts.cloudevents import InvalidEvent, PubSubMessage
from trendwatch.contracts.events import ScheduledJob
from trendwatch.contracts.topology import DEDUPLICATE_LOOKBACK
from trendwatch.settings import Settings
from trendwatch.warehouse.schema import TABLES, table
from trendwatch.warehouse.sql import deduplicate_statement, duplicates_statement


def _tick(body: bytes) -> PubSubMessage:
    return PubSubMessage("m1", body, {}, topic="scheduled-jobs")


def test_a_tick_naming_a_scheduled_job_decodes() -> None:
    assert scheduled_job(_tick(b'{"job": "influence"}')) == ScheduledJob("influence")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"job": "reindex-everything"}', "unknown scheduled job 'reindex-everything'"),
        (b"{}", "invalid ScheduledJob"),
        (b'{"job": "influence", "extra": 1}', "invalid ScheduledJob"),
        (b"not json", "invalid ScheduledJob"),
    ],
)
def test_a_tick_that_names_no_known_job_is_invalid_with_the_reason(body: bytes, reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        scheduled_job(_tick(body))


def test_a_tick_is_known_only_on_the_topic_its_job_is_scheduled_on() -> None:
    supply = PubSubMessage("m2", b'{"job": "forecast"}', {}, topic="supply-jobs")
    assert scheduled_job(supply) == ScheduledJob("forecast")
    with pytest.raises(InvalidEvent, match="unknown scheduled job 'forecast'"):
        scheduled_job(_tick(b'{"job": "forecast"}'))  # aggregate does not run the supply job
    with pytest.raises(InvalidEvent, match="unknown scheduled job 'influence'"):
        scheduled_job(PubSubMessage("m3", b'{"job": "influence"}', {}, topic="supply-jobs"))


def test_ticks_of_one_batch_naming_the_same_job_run_it_once_in_order() -> None:
    ran: list[str] = []
    jobs = ScheduledJobs(
        {"influence": lambda: ran.append("influence"), "trend-alerts": lambda: ran.append("alerts")}
    )
    batch = [
        Received(_tick(b""), ScheduledJob(name)) for name in ("trend-alerts", "influence", "trend-alerts")
    ]
    jobs.run(batch)
    assert ran == ["alerts", "influence"]


T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    store = DuckDBWarehouse(tmp_path / "warehouse.duckdb")
    yield store
    store.close()


def _insert_tweet(warehouse: DuckDBWarehouse, tweet_id: str, at: datetime, text: str = "hello") -> None:
    """A plain INSERT: what an at-least-once append does when a batch is retried."""
    warehouse.execute(
        "INSERT INTO tweets (tweet_id, created_at, author_id, text) VALUES (@id, @at, '7', @text)",
        {"id": tweet_id, "at": at, "text": text},
    )


def _insert_edge(warehouse: DuckDBWarehouse, target: str, at: datetime) -> None:
    warehouse.execute(
        "INSERT INTO interactions (tweet_id, kind, source_user_id, target_user_id, created_at) "
        "VALUES ('1', 'mention', '7', @target, @at)",
        {"target": target, "at": at},
    )


def test_deduplicate_keeps_one_row_of_each_key_stored_twice_and_leaves_the_rest(
    warehouse: DuckDBWarehouse,
) -> None:
    for _ in range(2):
        _insert_tweet(warehouse, "1", T0)
    _insert_tweet(warehouse, "2", T0 - timedelta(hours=30), text="unique")
    for _ in range(3):
        _insert_edge(warehouse, "9", T0)  # composite key (tweet_id, kind, target_user_id)
    _insert_edge(warehouse, "8", T0)

    repaired = Deduplicate(warehouse, ManualClock(T0 + timedelta(minutes=5))).run()

    assert repaired == {"tweets": 1, "interactions": 1}
    tweets = warehouse.query("SELECT tweet_id, text FROM tweets ORDER BY tweet_id")
    assert tweets == [{"tweet_id": "1", "text": "hello"}, {"tweet_id": "2", "text": "unique"}]
    edges = warehouse.query("SELECT target_user_id FROM interactions ORDER BY target_user_id")
    assert edges == [{"target_user_id": "8"}, {"target_user_id": "9"}]
    assert Deduplicate(warehouse, ManualClock(T0 + timedelta(minutes=15))).run() == {}


def test_deduplicate_looks_back_a_bounded_span_of_event_time(warehouse: DuckDBWarehouse) -> None:
    old = T0 - DEDUPLICATE_LOOKBACK - timedelta(days=1)
    for _ in range(2):
        _insert_tweet(warehouse, "old", old)

    assert Deduplicate(warehouse, ManualClock(T0)).run() == {}
    assert len(warehouse.query("SELECT * FROM tweets")) == 2
    assert Deduplicate(warehouse, ManualClock(T0), lookback=timedelta(days=30)).run() == {"tweets": 1}
    assert len(warehouse.query("SELECT * FROM tweets")) == 1


def test_local_appends_store_a_retried_batch_once_and_refuse_tables_that_are_not_append_only(
    warehouse: DuckDBWarehouse,
) -> None:
    edge = {
        "tweet_id": "1",
        "kind": "mention",
        "source_user_id": "7",
        "target_user_id": "9",
        "created_at": T0,
    }
    warehouse.append_rows("interactions", [edge])
    warehouse.append_rows("interactions", [edge, edge])

    assert len(warehouse.query("SELECT * FROM interactions")) == 1
    with pytest.raises(ValueError, match="users is not an append-only table"):
        warehouse.append_rows("users", [{"user_id": "7"}])


@pytest.mark.parametrize("name", [t.name for t in TABLES if t.append_only])
def test_the_deduplicating_statements_are_bigquery_sql(name: str) -> None:
    for statement in (duplicates_statement(table(name)), deduplicate_statement(table(name))):
        sqlglot.parse_one(statement, read="bigquery")


def test_the_deduplicate_command_repairs_a_local_state_over_the_days_asked(tmp_path: Path) -> None:
    settings = Settings.from_env(state_dir=tmp_path)
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    store = DuckDBWarehouse(settings.warehouse_path)
    for _ in range(2):
        _insert_tweet(store, "1", datetime.now(UTC) - timedelta(days=20))
    store.close()
    runner = CliRunner(env={"TRENDWATCH_ENV": "local"})

    quick = runner.invoke(main, ["deduplicate", "--state", str(tmp_path), "--json"])
    wide = runner.invoke(main, ["deduplicate", "--days", "30", "--state", str(tmp_path), "--json"])

    assert quick.exit_code == 0, quick.output
    assert json.loads(quick.stdout) == {}
    assert wide.exit_code == 0, wide.output
    assert json.loads(wide.stdout) == {"tweets": 1}


def test_the_deduplicate_command_explains_a_missing_warehouse(tmp_path: Path) -> None:
    result = CliRunner(env={"TRENDWATCH_ENV": "local"}).invoke(
        main, ["deduplicate", "--state", str(tmp_path)]
    )

    assert result.exit_code == 1
    assert "no warehouse at" in result.output


def test_the_index_job_has_nothing_to_create_on_the_local_warehouse(warehouse: DuckDBWarehouse) -> None:
    assert EnsureIndexes(warehouse).run() == []
