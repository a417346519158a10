"""Scheduled jobs of the aggregate service: whole-warehouse work that runs on a timer.

Some answers need the whole graph or the whole stream (influence is a PageRank, emergence
compares every topic with its own baseline), so they are recomputed on a schedule instead of
per event: Cloud Scheduler publishes ``{"job": ...}`` to ``scheduled-jobs`` (schedules in
:data:`trendwatch.contracts.topology.TOPOLOGY`) and the aggregate service, which owns the
warehouse writes, runs the job. Locally the pipeline publishes the same ticks on its bus.

Every job is idempotent: its output is a function of the stored data (influencer rankings
carry the latest interaction's time as ``as_of``; alerts are published once per id and
version), so a retried, duplicated or queued-up tick redoes the same work harmlessly, and
ticks of one batch naming the same job run it once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from trendwatch.app.insights import emerging_topics, influencers
from trendwatch.contracts.topology import DEDUPLICATE_LOOKBACK
from trendwatch.domain.topics import Embed
from trendwatch.observability import get_logger
from trendwatch.ports import Clock, Warehouse
from trendwatch.warehouse.schema import TABLES
from trendwatch.warehouse.sql import deduplicate_statement, duplicates_statement

log = get_logger(__name__)


class InfluenceRecompute:
    """Influencer rankings, overall and for each emerging topic, stored with their ``as_of``."""

    def __init__(
        self, warehouse: Warehouse, *, embed: Embed | None = None, ranked: int = 100, topics: int = 20
    ) -> None:
        self._warehouse = warehouse
        self._embed = embed
        self._ranked = ranked
        self._topics = topics

    def run(self) -> int:
        """Recompute and store; returns the number of rankings stored (overall plus per topic)."""
        influencers(self._warehouse, limit=self._ranked, persist=True)
        topic_ids = [
            t.topic_id for t in emerging_topics(self._warehouse, limit=self._topics, embed=self._embed)
        ]
        for topic_id in topic_ids:
            influencers(self._warehouse, topic_id=topic_id, limit=self._ranked, persist=True)
        return 1 + len(topic_ids)


class Deduplicate:
    """Keep one row of every key of the append-only tables (written at least once).

    For each table a cheap check reads the key and partition columns of the look-back; only
    when it finds a key stored twice does one ``MERGE``, bounded to the span of the duplicates'
    partitions, replace all copies of those keys by one. Most runs therefore read a few
    columns and write nothing.
    """

    def __init__(
        self, warehouse: Warehouse, clock: Clock, *, lookback: timedelta = DEDUPLICATE_LOOKBACK
    ) -> None:
        self._warehouse = warehouse
        self._clock = clock
        self._lookback = lookback

    def run(self) -> dict[str, int]:
        """Deduplicate; returns the number of duplicated keys repaired per table (only tables with some)."""
        since = self._clock.now() - self._lookback
        repaired: dict[str, int] = {}
        for tbl in (t for t in TABLES if t.append_only):
            [found] = self._warehouse.query(duplicates_statement(tbl), {"since": since})
            if found["duplicated_keys"]:
                # Rows come back JSON-friendly (ISO text); parameters must be typed TIMESTAMP again.
                span = {end: datetime.fromisoformat(str(found[end])) for end in ("lo", "hi")}
                self._warehouse.execute(deduplicate_statement(tbl), span)
                repaired[tbl.name] = found["duplicated_keys"]
                log.warning(
                    "duplicated rows removed", extra={"table": tbl.name, "keys": found["duplicated_keys"]}
                )
        return repaired


class EnsureIndexes:
    """The warehouse's search and vector indexes, created once their tables can hold them.

    Terraform creates the tables but cannot create indexes (a ``google_bigquery_job`` id is
    unique forever, so its DDL could never run again), and BigQuery builds a vector index only
    from enough rows: a daily ``IF NOT EXISTS`` creates what is missing, costs nothing once
    everything exists, and recreates an index someone dropped.
    """

    def __init__(self, warehouse: Warehouse) -> None:
        self._warehouse = warehouse

    def run(self) -> list[str]:
        """Returns the indexes still missing (logged; tried again on the next run)."""
        pending = self._warehouse.ensure_indexes()
        if pending:
            log.warning("indexes not created yet", extra={"indexes": pending})
        return pending
