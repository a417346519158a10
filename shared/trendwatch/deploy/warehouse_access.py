"""Who may read and write what in the cloud warehouse: the facts Terraform's grants are made of.

* Personal columns (people's names; profile text and location wherever the schema keeps them)
  carry the ``personal`` policy tag: only data scientists, administrators and the accounts that
  must handle them read them (BigQuery column-level security).
* Tables with a market column (:data:`MARKET_COLUMN`) get row access policies when teams are
  limited to their markets.
* Each writer service gets ``dataEditor`` on the tables it writes, nothing more
  (:data:`WRITES`); the feed tables come from the feeds' own definitions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlglot
from sqlglot import exp

from trendwatch.domain.feeds import FEEDS
from trendwatch.warehouse.schema import Table
from trendwatch.warehouse.views import View

#: Column names that identify or describe a person, in the tables about people. (``name`` is a
#: person's only where the table is: a product's name is not personal.)
PERSONAL: Mapping[str, frozenset[str]] = {
    "users": frozenset({"username", "name", "description", "location"}),
    "influencers": frozenset({"username", "name", "description", "location"}),
    # the analyst's address (IAP's identity) beside each label
    "labels": frozenset({"labelled_by"}),
}

#: The column a team's markets are told apart by: a store or warehouse location.
MARKET_COLUMN = "location_id"

#: Tables each deployable writes (``merge_rows``, ``append_rows``, ``replace_partition`` or DML)
#: in the cloud. The dead-letter tables are written by Pub/Sub's BigQuery subscriptions and the
#: operators' replays, never by a service.
WRITES: Mapping[str, frozenset[str]] = {
    # enriched tweets and their facts, then the scheduled jobs: windows, topics, alerts, influence,
    # deduplication of the append-only tables, product links, the daily model monitoring
    "aggregate": frozenset(
        {
            "tweets",
            "tweet_embeddings",
            "users",
            "tweet_terms",
            "interactions",
            "term_windows",
            "media",
            "topics",
            "topic_terms",
            "topic_lineage",
            "topic_windows",
            "trend_alerts",
            "influencers",
            "topic_products",
            "model_drift",
        }
    ),
    # the daily feeds, real-time stock events, then the supply job's forecasts and restock
    "inventory-sync": frozenset(
        {spec.table for spec in FEEDS.values()}
        | {
            "feed_loads",
            "stock_events",
            "forecasts",
            "forecast_runs",
            "stock_cover",
            "restock_recommendations",
            "model_metrics",
        }
    ),
    # the analysts' saved searches and their labels (a tweet's sentiment, a topic's relevance)
    "api": frozenset({"saved_searches", "labels"}),
}


def personal_columns(table: Table) -> tuple[str, ...]:
    """The table's columns that carry the ``personal`` policy tag, in schema order."""
    names = PERSONAL.get(table.name, frozenset())
    return tuple(c for c in table.column_names if c in names)


def market_column(table: Table) -> str | None:
    return MARKET_COLUMN if MARKET_COLUMN in table.column_names else None


def writers(table: Table) -> list[str]:
    """The deployables that write ``table``, sorted."""
    return sorted(name for name, tables in WRITES.items() if table.name in tables)


def reads_personal(view: View, tables: Sequence[Table]) -> bool:
    """Whether the view may select a personal column of a table it reads (by column name: a view
    that names ``username`` while reading ``users`` does, whichever alias it goes through)."""
    by_name = {t.name: t for t in tables}
    personal = {c for name in view.tables() if name in by_name for c in personal_columns(by_name[name])}
    tree = sqlglot.parse_one(view.sql, read="bigquery")
    return any(column.name in personal for column in tree.find_all(exp.Column))
