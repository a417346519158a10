"""Terraform gives each service dataEditor on the tables it writes and no others
(:data:`trendwatch.deploy.warehouse_access.WRITES`). A service writing a table missing there
would fail in production with a permission error: run the whole pipeline locally, each
service's handlers on a warehouse that records what they write, and compare."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from trendwatch.bootstrap import Container, build_handlers
from trendwatch.cli.pipeline import demo_replay_file, load_generated_feeds, publish_stock_events
from trendwatch.contracts.topology import TOPOLOGY
from trendwatch.deploy.terraform import PRIVATE_TABLES
from trendwatch.deploy.warehouse_access import WRITES
from trendwatch.generator import generate
from trendwatch.ports import Warehouse
from trendwatch.runtime import local
from trendwatch.runtime.delivery import BatchHandler
from trendwatch.settings import Settings

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

_DML = (exp.Insert, exp.Update, exp.Delete, exp.Merge)


def dml_targets(sql: str) -> set[str]:
    """Tables an ``INSERT``, ``UPDATE``, ``DELETE`` or ``MERGE`` statement writes."""
    found = set()
    for statement in sqlglot.parse(sql, read="bigquery"):
        if isinstance(statement, _DML):
            target = statement.this
            table = target if isinstance(target, exp.Table) else target.find(exp.Table)
            if table is not None:
                found.add(table.name)
    return found


class RecordingWarehouse:
    """The pipeline's warehouse, noting the tables one service writes."""

    def __init__(self, inner: Warehouse, written: set[str]) -> None:
        self._inner = inner
        self._written = written

    def merge_rows(self, table: str, *args: Any, **kwargs: Any) -> Any:
        self._written.add(table)
        return self._inner.merge_rows(table, *args, **kwargs)

    def append_rows(self, table: str, *args: Any, **kwargs: Any) -> Any:
        self._written.add(table)
        return self._inner.append_rows(table, *args, **kwargs)

    def replace_partition(self, table: str, *args: Any, **kwargs: Any) -> Any:
        self._written.add(table)
        return self._inner.replace_partition(table, *args, **kwargs)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._written.update(dml_targets(sql))
        self._inner.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_dml_targets_names_the_written_table() -> None:
    assert dml_targets("DELETE FROM topic_products WHERE sku IN UNNEST(@stale)") == {"topic_products"}
    assert dml_targets(
        "MERGE INTO tweets AS T USING (SELECT 1 AS x) AS S ON FALSE WHEN NOT MATCHED THEN INSERT ROW"
    ) == {"tweets"}
    assert dml_targets("SELECT * FROM tweets") == set()


@dataclasses.dataclass
class Written:
    by_service: dict[str, set[str]]
    #: Tables the run left without a row (no topic emerged, say): nothing wrote them.
    empty: set[str]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Written:
    root = tmp_path_factory.mktemp("writers")
    data = root / "data"
    summary = generate(2002, 10, 1.0, data, history_days=35)
    settings = Settings.from_env({"TRENDWATCH_IMAGE_OCR": "false"}, state_dir=root / "state")
    by_service: dict[str, set[str]] = defaultdict(set)
    real: Callable[[str, Container], dict[str, BatchHandler]] = build_handlers

    def recording(service: str, container: Container) -> dict[str, BatchHandler]:
        shared = container.warehouse
        own = dataclasses.replace(
            container, warehouse_factory=lambda: RecordingWarehouse(shared, by_service[service])
        )
        return real(service, own)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(local, "build_handlers", recording)
        pipeline = local.LocalPipeline(settings)
        load_generated_feeds(pipeline, data)
        assert summary.stock_events_path is not None
        publish_stock_events(pipeline, summary.stock_events_path)
        pipeline.replay(demo_replay_file(data))
        for schedule in TOPOLOGY.schedules:
            pipeline.run_scheduled_job(schedule.job)
        empty = {
            name
            for name in WRITES["aggregate"] | WRITES["inventory-sync"]
            if not pipeline.container.warehouse.query(f"SELECT COUNT(*) AS n FROM {name}")[0]["n"]
        }
        pipeline.close()
    return Written(dict(by_service), empty)


def test_every_table_a_service_writes_is_one_terraform_lets_it_write(written: Written) -> None:
    # the local dead-letter sink stands for Pub/Sub's BigQuery subscriptions: not a service's write
    found = {service: tables - PRIVATE_TABLES for service, tables in written.by_service.items()}
    assert {s for s, tables in found.items() if tables} == {"aggregate", "inventory-sync"}
    for service, tables in found.items():
        assert tables <= WRITES.get(service, frozenset()), (
            f"{service} also writes {sorted(tables - WRITES[service])}"
        )


def test_every_table_terraform_lets_a_service_write_is_written_by_it(written: Written) -> None:
    """A declaration nothing uses is a right too many (tables the run left empty aside)."""
    assert len(written.empty) <= 2, written.empty  # the run reaches nearly every table
    for service in ("aggregate", "inventory-sync"):
        unused = WRITES[service] - written.by_service.get(service, set()) - written.empty
        assert unused == set(), service
