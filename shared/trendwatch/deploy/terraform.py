"""Terraform JSON generated from the topology and the warehouse schema.

Regenerate after changing either (from the repository root)::

    python -m trendwatch.deploy.terraform            # writes deploy/terraform/...
    python -m trendwatch.deploy.terraform --check    # exit 1 if the committed files are stale

The Terraform modules read only these files for names, routes, filters, retry policies,
prefixes and tables, so the cloud wiring cannot drift from what the local runtime routes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from trendwatch.contracts.topology import (
    MEDIA_ENRICHED,
    RESTOCK_RECOMMENDATIONS,
    STORAGE_OBJECT_FINALIZED,
    TOPOLOGY,
    TREND_ALERTS,
    TWEETS_ENRICHED,
    TWEETS_RAW,
    RetryPolicy,
    StorageTrigger,
    Topology,
)
from trendwatch.deploy.warehouse_access import market_column, personal_columns, reads_personal, writers
from trendwatch.warehouse.schema import TABLES, Table
from trendwatch.warehouse.views import VIEWS, View

TOPOLOGY_FILE = Path("modules/topology/topology.auto.tf.json")
TABLES_FILE = Path("modules/warehouse/tables.auto.tf.json")
VIEWS_FILE = Path("modules/warehouse/views.auto.tf.json")


@dataclass(frozen=True)
class ServiceProfile:
    """How one service runs in the cloud: what the topology does not say."""

    publishes: tuple[str, ...]
    lake_access: str  # "none", "read", "write" (create objects) or "read-write"
    warehouse: bool
    min_instances: int
    max_instances: int
    concurrency: int
    memory: str
    cpu: str
    timeout_s: int
    #: ``TRENDWATCH_BATCH_WINDOW_S``: events arriving together are handled as one batch.
    batch_window_s: float = 0.0
    #: Settings read from Secret Manager (mounted as their ``TRENDWATCH_*`` variable), each the
    #: secret of the same name with dashes (:data:`SECRETS`); the account may read those alone.
    secrets: tuple[str, ...] = ()


#: Settings kept in Secret Manager => the secret's id (modules/secrets creates each, never its value).
SECRETS: Mapping[str, str] = {"alert_webhook_url": "alert-webhook-url"}


# Sizing, with the reason for each choice. Concurrency above 1 needs cpu >= 1 (Cloud Run).
PROFILES: Mapping[str, ServiceProfile] = {
    # Replays whole files: one file at a time per instance (memory bound by the file), few
    # instances; min 0 because files arrive rarely. Long timeout: a file holds many tweets.
    "ingest": ServiceProfile((TWEETS_RAW,), "read-write", False, 0, 5, 1, "1Gi", "1", 540),
    # I/O bound (Natural Language calls): many concurrent requests per instance; min 1 keeps
    # the model clients warm for the hottest route of the pipeline.
    "enrich-text": ServiceProfile((TWEETS_ENRICHED,), "none", False, 1, 50, 20, "1Gi", "1", 60),
    # CPU and memory heavy (image decoding, perceptual hash): low concurrency, more memory;
    # only media tweets arrive (subscription filter), so min 0.
    "enrich-image": ServiceProfile((MEDIA_ENRICHED,), "read", False, 0, 20, 4, "2Gi", "2", 120),
    # Warehouse MERGEs: BigQuery runs a couple of mutating DML statements per table at once and
    # queues a few dozen, so writes are batched: each instance takes many pushes at once (80)
    # and handles those arriving within 2 s as one batch (one set of MERGEs), and at most 3
    # instances write, so each table sees about one MERGE per second and route at most,
    # whatever the tweet rate. Min 1 for latency. It also runs the scheduled jobs, which
    # publish trend alerts and post them to the alert webhook.
    "aggregate": ServiceProfile(
        (TREND_ALERTS,),
        "none",
        True,
        1,
        3,
        80,
        "2Gi",
        "1",
        300,
        batch_window_s=2.0,
        secrets=("alert_webhook_url",),
    ),
    # Daily feeds plus a trickle of stock events: min 0, few instances, files one at a time. It
    # also runs the daily supply job (forecasts of every SKU and location, then restock, which
    # it publishes): at 5,000 SKUs x 50 locations it took 172 s on two cores and peaked at
    # 11.4 GiB (benchmarks/supply_job.py), so four CPUs and 16 GiB, within the 540 s limit of an
    # event-driven function. Min 0: the instance exists only while it works. Restock
    # recommendations are posted to the alert webhook too.
    "inventory-sync": ServiceProfile(
        (RESTOCK_RECOMMENDATIONS,), "write", True, 0, 5, 1, "16Gi", "4", 540, secrets=("alert_webhook_url",)
    ),
}


def _duration(seconds: float) -> str:
    return f"{seconds:g}s"


def _retry(retry: RetryPolicy) -> dict[str, object]:
    return {
        "minimum_backoff": _duration(retry.minimum_backoff_s),
        "maximum_backoff": _duration(retry.maximum_backoff_s),
        "max_delivery_attempts": retry.max_delivery_attempts,
    }


def _function_name(service: str, entry_point: str) -> str:
    return f"{service}-{entry_point.removeprefix('on_').replace('_', '-')}"


def notification_topic(trigger: StorageTrigger) -> str:
    """The topic Cloud Storage notifies a storage trigger's finalized objects on."""
    return f"{trigger.name}-objects"


def storage_cloudevent_attributes(trigger: StorageTrigger) -> dict[str, str]:
    """Attributes every notification of ``trigger`` carries, so that its unwrapped push reaches the
    function as the binary-mode ``storage.object.v1.finalized`` CloudEvent Eventarc would send.

    A storage trigger is a Cloud Storage notification on a topic and a push subscription of that
    topic with the dead-letter policy Eventarc's own subscriptions lack. The push is unwrapped:
    the body is the object resource, as in Eventarc's event, and each attribute is a header
    (``ce-*``: the CloudEvent's context). Cloud Storage adds the same attributes to every
    notification, so ``ce-id`` names the trigger, not the object: handlers know a file by its
    bucket, name and generation, never by the event id. The service module adds ``ce-source``
    (the landing bucket, known only there).
    """
    return {
        "ce-specversion": "1.0",
        "ce-type": STORAGE_OBJECT_FINALIZED,
        "ce-id": trigger.name,
        "Content-Type": "application/json",
    }


def topology_locals(topology: Topology, profiles: Mapping[str, ServiceProfile]) -> dict[str, object]:
    """The ``locals`` of the topology module: every name the other modules wire together."""
    missing = set(topology.services) - set(profiles)
    if missing:
        raise ValueError(f"no deploy profile for services {sorted(missing)}")
    business = [t.name for t in topology.topics if not t.dead_letter]
    notifications = {
        notification_topic(t): f"Objects finalized under {t.prefix} of the landing bucket (Cloud Storage)"
        for t in topology.storage_triggers
    }
    subscriptions = {
        s.name: {
            "topic": s.topic,
            "service": s.service,
            "entry_point": s.entry_point,
            "function": _function_name(s.service, s.entry_point),
            "filter": s.filter.to_pubsub() if s.filter else "",
            "ack_deadline_seconds": s.ack_deadline_s,
            "dead_letter_topic": s.dead_letter_topic,
            **_retry(s.retry),
        }
        for s in topology.subscriptions
    }
    triggers = {
        t.name: {
            "prefix": t.prefix,
            "service": t.service,
            "entry_point": t.entry_point,
            "function": _function_name(t.service, t.entry_point),
            "topic": notification_topic(t),
            "attributes": storage_cloudevent_attributes(t),
            # The push waits for the function: as long as it may run (at most Pub/Sub's 600 s).
            "ack_deadline_seconds": min(600, profiles[t.service].timeout_s),
            "dead_letter_topic": t.dead_letter_topic,
            **_retry(t.retry),
        }
        for t in topology.storage_triggers
    }
    services: dict[str, object] = {}
    for name in topology.services:
        profile = profiles[name]
        routes = [s for s in topology.subscriptions if s.service == name]
        storage = [t for t in topology.storage_triggers if t.service == name]
        entry_points = {s.entry_point for s in routes} | {t.entry_point for t in storage}
        dead_letters = [s.dead_letter_topic for s in routes] + [t.dead_letter_topic for t in storage]
        if name in topology.producer_dead_letters:
            dead_letters.append(topology.producer_dead_letters[name])
        services[name] = {
            "functions": {_function_name(name, ep): {"entry_point": ep} for ep in sorted(entry_points)},
            "subscriptions": sorted(s.name for s in routes),
            "storage_triggers": sorted(t.name for t in storage),
            "publishes": sorted({*profile.publishes, *dead_letters}),
            "lake_access": profile.lake_access,
            "warehouse": profile.warehouse,
            "min_instances": profile.min_instances,
            "max_instances": profile.max_instances,
            "concurrency": profile.concurrency,
            "memory": profile.memory,
            "cpu": profile.cpu,
            "timeout_seconds": profile.timeout_s,
            "batch_window_s": profile.batch_window_s,
            "secrets": {f"TRENDWATCH_{name.upper()}": SECRETS[name] for name in profile.secrets},
        }
    schedules = {
        s.name: {"job": s.job, "cron": s.cron, "description": s.description, "topic": s.topic}
        for s in topology.schedules
    }
    return {
        "schedules": schedules,
        "topics": {**{t.name: t.description for t in topology.topics if t.name in business}, **notifications},
        "dead_letter_topics": list(topology.dead_letter_topics()),
        "subscriptions": subscriptions,
        "storage_triggers": triggers,
        "services": services,
    }


_BIGQUERY_TYPES = {"INT64": "INTEGER", "FLOAT64": "FLOAT", "BOOL": "BOOLEAN"}


#: The ``personal`` policy tag of the warehouse module (column-level security), as Terraform
#: resolves it in the generated schema.
PERSONAL_POLICY_TAG = "${google_data_catalog_policy_tag.personal.name}"


def _schema_field(table: Table, index: int) -> dict[str, object]:
    column = table.columns[index]
    type_ = column.type
    repeated = type_.startswith("ARRAY<")
    if repeated:
        type_ = type_.removeprefix("ARRAY<").removesuffix(">")
    required = column.required or column.name in table.primary_key
    field: dict[str, object] = {
        "name": column.name,
        "type": _BIGQUERY_TYPES.get(type_, type_),
        "mode": "REPEATED" if repeated else "REQUIRED" if required else "NULLABLE",
    }
    if column.description:
        field["description"] = column.description
    if column.name in personal_columns(table):
        field["policyTags"] = {"names": [PERSONAL_POLICY_TAG]}
    return field


#: Tables analysts do not see through the authorized views: raw payloads of failed messages,
#: and the operators' record of their replays.
PRIVATE_TABLES = frozenset({"dead_letters", "dead_letter_replays"})


_DAY_MS = 24 * 60 * 60 * 1000


def table_locals(tables: Sequence[Table]) -> dict[str, object]:
    """The ``locals`` of the warehouse module: one entry per table of the schema."""
    return {
        "tables": {
            t.name: {
                "description": t.description,
                "schema": json.dumps([_schema_field(t, i) for i in range(len(t.columns))]),
                "partition_field": t.partition_by,
                "partition_expiration_ms": (
                    None if t.partition_expiration_days is None else t.partition_expiration_days * _DAY_MS
                ),
                "clustering": list(t.cluster_by),
                "analyst_view": t.name not in PRIVATE_TABLES,
                # what the views of the table select, by name (no SELECT *: a column is shown
                # because the schema has it when the views were generated), and the personal
                # ones the analysts' view leaves out (policy-tagged in the table)
                "columns": list(t.column_names),
                "personal_columns": list(personal_columns(t)),
                # rows of a team's markets only, where teams are limited (row access policies)
                "market_column": market_column(t),
                # the deployables given dataEditor on this table alone
                "writers": writers(t),
            }
            for t in tables
        }
    }


def view_locals(views: Sequence[View], tables: Sequence[Table]) -> dict[str, object]:
    """The ``locals`` of the warehouse module's analyst views (:mod:`trendwatch.warehouse.views`).

    Each query names its tables as ``${var.project_id}.${var.dataset_id}.<table>``: Terraform
    reads JSON strings in ``locals`` as templates, so the module fills in its own dataset.
    """
    table_names = {t.name for t in tables}
    for v in views:
        if v.name in table_names:
            raise ValueError(f"view {v.name!r} would hide the analyst view of the table of that name")
        if "${" in v.sql or "%{" in v.sql:
            raise ValueError(f"view {v.name!r} holds a Terraform template sequence")
        private = v.tables() & PRIVATE_TABLES
        if private:
            raise ValueError(f"view {v.name!r} reads private tables {sorted(private)}")
    return {
        "views": {
            v.name: {
                "description": v.description,
                "query": v.bigquery_sql("${var.project_id}", "${var.dataset_id}"),
                # views selecting personal columns are the data scientists' only
                "personal": reads_personal(v, tables),
            }
            for v in views
        }
    }


def render(
    topology: Topology = TOPOLOGY,
    tables: Sequence[Table] = TABLES,
    profiles: Mapping[str, ServiceProfile] = PROFILES,
    views: Sequence[View] = VIEWS,
) -> dict[Path, str]:
    """File path (relative to ``deploy/terraform``) → exact file text."""

    def dump(locals_: Mapping[str, object]) -> str:
        return json.dumps({"locals": locals_}, indent=2, sort_keys=True) + "\n"

    return {
        TOPOLOGY_FILE: dump(topology_locals(topology, profiles)),
        TABLES_FILE: dump(table_locals(tables)),
        VIEWS_FILE: dump(view_locals(views, tables)),
    }


def stale_files(root: Path) -> list[Path]:
    """Generated files under ``root`` whose committed text differs from a fresh render."""
    return [
        path
        for path, text in render().items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--root", type=Path, default=Path("deploy/terraform"))
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.root)
        for path in stale:
            print(f"stale: {args.root / path}", file=sys.stderr)
        return 1 if stale else 0
    for path, text in render().items():
        (args.root / path).parent.mkdir(parents=True, exist_ok=True)
        (args.root / path).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
