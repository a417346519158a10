"""The one topology agrees with the services on disk (no hand-kept list can drift)."""

from __future__ import annotations

import ast
from pathlib import Path

from trendwatch.contracts.topology import TOPOLOGY, StorageTrigger, Subscription
from trendwatch.warehouse.schema import TABLES
from trendwatch.warehouse.schema import table as table_named
from trendwatch.warehouse.sql import to_duckdb

SERVICES = Path(__file__).resolve().parents[2] / "services"


def _functions(main: Path) -> set[str]:
    return {n.name for n in ast.parse(main.read_text()).body if isinstance(n, ast.FunctionDef)}


def test_every_service_folder_is_in_the_topology_and_vice_versa() -> None:
    on_disk = {p.name for p in SERVICES.iterdir() if (p / "main.py").is_file()}
    assert on_disk == set(TOPOLOGY.services)


def test_every_entry_point_of_the_topology_is_a_function_of_its_service() -> None:
    routes = [(s.service, s.entry_point) for s in TOPOLOGY.subscriptions]
    routes += [(t.service, t.entry_point) for t in TOPOLOGY.storage_triggers]
    for service, entry_point in routes:
        assert entry_point in _functions(SERVICES / service / "main.py"), f"{service}.{entry_point}"


def test_every_subscription_and_trigger_has_a_dead_letter_topic() -> None:
    topics = {t.name for t in TOPOLOGY.topics}
    routes: list[Subscription | StorageTrigger] = [*TOPOLOGY.subscriptions, *TOPOLOGY.storage_triggers]
    for route in routes:
        assert route.dead_letter_topic in topics
        assert TOPOLOGY.topic(route.dead_letter_topic).dead_letter


def test_media_filter_renders_as_a_pubsub_filter() -> None:
    [image] = [s for s in TOPOLOGY.subscriptions if s.service == "enrich-image"]
    assert image.filter is not None and image.filter.to_pubsub() == 'attributes.has_media = "true"'


def test_every_table_has_bigquery_ddl_that_also_runs_on_duckdb() -> None:
    for table in TABLES:
        bigquery = table.bigquery_ddl("ds")
        assert bigquery.startswith(f"CREATE TABLE IF NOT EXISTS `ds.{table.name}`")
        if table.partition_by:
            assert "PARTITION BY" in bigquery
        assert "PARTITION" not in to_duckdb(table.bigquery_ddl(layout=False))
    assert (
        table_named("dead_letters").bigquery_ddl("ds").endswith("\nOPTIONS (partition_expiration_days = 90)")
    )
    assert "OPTIONS" not in table_named("tweets").bigquery_ddl("ds")
