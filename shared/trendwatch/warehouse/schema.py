"""Every warehouse table, defined once, and the BigQuery search and vector indexes on them.

BigQuery DDL (with partitioning and clustering) and the DuckDB DDL used locally are both
generated from these definitions; the primary key drives every ``MERGE`` upsert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # BigQuery type: STRING, INT64, FLOAT64, BOOL, TIMESTAMP, DATE, JSON, ARRAY<STRING>, ARRAY<FLOAT64>
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    partition_by: str | None = None  # a DATE or TIMESTAMP column: BigQuery partitions by its day
    cluster_by: tuple[str, ...] = ()
    description: str = ""
    #: Days after which BigQuery drops a partition (with its rows); ``None`` keeps them. Only
    #: operational tables expire: the facts are the product, and the derived tables (windows,
    #: topics) are recomputed only where new facts land, so an expired row would not come back.
    partition_expiration_days: int | None = None
    #: Rows are only ever added, one per event fact, never changed: written with
    #: :meth:`~trendwatch.ports.Warehouse.append_rows` (BigQuery's Storage Write API in
    #: production, no DML per message), which is at-least-once, so the scheduled
    #: ``deduplicate`` job keeps one row per key (see :func:`trendwatch.warehouse.sql.duplicates_statement`).
    append_only: bool = False

    def __post_init__(self) -> None:
        if self.partition_expiration_days is not None and self.partition_by is None:
            raise ValueError(f"{self.name}: partition expiration needs a partition column")
        if self.append_only and self.partition_by is None:
            raise ValueError(f"{self.name}: an append-only table is deduplicated by partition, it needs one")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def last_row_per_key(self, rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """One row per primary key, the last one given winning: a ``MERGE`` refuses two source
        rows for one target row."""
        unique: dict[tuple[Any, ...], Mapping[str, Any]] = {}
        for row in rows:
            unique[tuple(row[k] for k in self.primary_key)] = row
        return list(unique.values())

    def bigquery_ddl(self, dataset: str | None = None, *, layout: bool = True) -> str:
        """``CREATE TABLE`` in BigQuery's dialect; ``layout=False`` leaves out partitioning and
        clustering (for engines that have neither, such as DuckDB)."""
        qualified = f"`{dataset}.{self.name}`" if dataset else self.name
        cols = ",\n  ".join(
            f"{c.name} {c.type}{' NOT NULL' if c.required or c.name in self.primary_key else ''}"
            for c in self.columns
        )
        ddl = f"CREATE TABLE IF NOT EXISTS {qualified} (\n  {cols}\n)"
        if layout and self.partition_by:
            column = next(c for c in self.columns if c.name == self.partition_by)
            ddl += (
                f"\nPARTITION BY {'DATE(' + column.name + ')' if column.type == 'TIMESTAMP' else column.name}"
            )
        if layout and self.cluster_by:
            ddl += f"\nCLUSTER BY {', '.join(self.cluster_by)}"
        if layout and self.partition_expiration_days is not None:
            ddl += f"\nOPTIONS (partition_expiration_days = {self.partition_expiration_days})"
        return ddl


def partition_date_column(tbl: Table) -> str:
    """The DATE column ``tbl`` is partitioned by; ``ValueError`` when it has none (a daily
    partition can then not be replaced as one)."""
    column = next((c for c in tbl.columns if c.name == tbl.partition_by), None)
    if column is None or column.type != "DATE":
        raise ValueError(f"{tbl.name} is not partitioned by a DATE column")
    return column.name


def _c(name: str, type_: str = "STRING", required: bool = False) -> Column:
    return Column(name, type_, required)


#: How long dead letters and their replays are kept: as long as the lake keeps the dead
#: letters' copies (``deadletter/``, deleted after the storage module's ``transient_expiry_days``).
#: A dead letter nobody replayed in that time is not going to be, and its row would point to a
#: deleted object. Both tables use the same span and a replay comes after its dead letter, so a
#: replay record never expires before its dead letter (which would let it be replayed twice).
DEAD_LETTER_EXPIRATION_DAYS = 90


TABLES: tuple[Table, ...] = (
    Table(
        "tweets",
        (
            _c("tweet_id"),
            _c("created_at", "TIMESTAMP"),
            _c("author_id"),
            _c("text"),
            _c("lang"),
            _c("lang_hint"),
            _c("sentiment_label"),
            _c("sentiment_score", "FLOAT64"),
            _c("hashtags", "ARRAY<STRING>"),
            _c("keyphrases", "ARRAY<STRING>"),
            _c("categories", "ARRAY<STRING>"),
            _c("entities", "JSON"),
            _c("retweet_of"),
            _c("has_media", "BOOL"),
            _c("retweet_count", "INT64"),
            _c("like_count", "INT64"),
            _c("model_versions", "JSON"),
            _c("ingested_at", "TIMESTAMP"),
        ),
        ("tweet_id",),
        "created_at",
        ("lang", "author_id"),
        "One row per tweet, enriched",
        append_only=True,
    ),
    Table(
        "tweet_embeddings",
        (
            _c("tweet_id"),
            _c("model"),
            _c("model_version"),
            _c("text_hash"),
            _c("lang"),
            _c("created_at", "TIMESTAMP"),
            _c("embedding", "ARRAY<FLOAT64>"),
        ),
        ("tweet_id", "model"),
        "created_at",
        ("model", "lang"),
        "Sentence embedding of each tweet's text, per model, for semantic search "
        "(lang and created_at let the vector index pre-filter)",
        append_only=True,
    ),
    Table(
        "users",
        (
            _c("user_id"),
            _c("username"),
            _c("name"),
            _c("followers_count", "INT64"),
            _c("following_count", "INT64"),
            _c("tweet_count", "INT64"),
            _c("verified", "BOOL"),
            _c("account_created_at", "TIMESTAMP"),
            _c("last_seen_at", "TIMESTAMP"),
        ),
        ("user_id",),
        None,
        ("user_id",),
        "Latest known profile of each author",
    ),
    Table(
        "tweet_terms",
        (
            _c("tweet_id"),
            _c("term"),
            _c("kind"),
            _c("lang"),
            _c("author_id"),
            _c("created_at", "TIMESTAMP"),
            _c("sentiment_label"),
            _c("sentiment_score", "FLOAT64"),
        ),
        ("tweet_id", "term"),
        "created_at",
        ("term", "lang"),
        "Each distinct term (hashtag, keyphrase, entity, image word) of each tweet: the facts windows count",
    ),
    Table(
        "interactions",
        (
            _c("tweet_id"),
            _c("kind"),
            _c("source_user_id"),
            _c("target_user_id"),
            _c("created_at", "TIMESTAMP"),
        ),
        ("tweet_id", "kind", "target_user_id"),
        "created_at",
        ("target_user_id", "kind"),
        "Retweet, reply, quote and mention edges between users",
        append_only=True,
    ),
    Table(
        "term_windows",
        (
            _c("window_size"),
            _c("window_start", "TIMESTAMP"),
            _c("term"),
            _c("lang"),
            _c("tweet_count", "INT64"),
            _c("unique_authors", "INT64"),
            _c("positive", "INT64"),
            _c("neutral", "INT64"),
            _c("negative", "INT64"),
            _c("sentiment_avg", "FLOAT64"),
            _c("updated_at", "TIMESTAMP"),
        ),
        ("window_size", "window_start", "term", "lang"),
        "window_start",
        ("window_size", "term"),
        "Event-time tumbling windows (1m, 1h) per term and language",
    ),
    Table(
        "media",
        (
            _c("media_key"),
            _c("tweet_id"),
            _c("author_id"),
            _c("created_at", "TIMESTAMP"),
            _c("content_sha256"),
            _c("width", "INT64"),
            _c("height", "INT64"),
            _c("format"),
            _c("phash"),
            _c("fingerprint"),
            _c("near_duplicate_group"),
            _c("colours", "JSON"),
            _c("ocr_text"),
            _c("labels", "ARRAY<STRING>"),
            _c("model_versions", "JSON"),
        ),
        ("media_key",),
        "created_at",
        ("phash",),
        "One row per analysed image",
    ),
    Table(
        "topics",
        (
            _c("topic_id"),
            _c("label"),
            _c("terms", "ARRAY<STRING>"),
            _c("languages", "ARRAY<STRING>"),
            _c("first_seen_at", "TIMESTAMP"),
            _c("updated_at", "TIMESTAMP"),
            _c("parent_topic_ids", "ARRAY<STRING>"),
        ),
        ("topic_id",),
        None,
        ("topic_id",),
        "Stable topics with lineage",
    ),
    Table(
        "topic_terms",
        (
            _c("term"),
            _c("topic_id"),
            _c("joined_at", "TIMESTAMP"),
            _c("reason"),
            # Order of the decisions: several can fall in one minute (a term founds a topic
            # that is merged into another, then into a third), and a restart replays them in order.
            _c("seq", "INT64"),
        ),
        ("term", "topic_id"),
        None,
        ("topic_id",),
        "Topic membership history: each term's topics since when (merges move terms; restored on restart)",
    ),
    Table(
        "topic_lineage",
        (
            _c("topic_id"),
            _c("parent_topic_id"),
            _c("kind"),
            _c("at", "TIMESTAMP"),
        ),
        ("topic_id", "parent_topic_id"),
        None,
        ("topic_id",),
        "Merges (and splits) of topics: parent_topic_id was folded into (or split from) topic_id",
    ),
    Table(
        "topic_windows",
        (
            _c("window_size"),
            _c("window_start", "TIMESTAMP"),
            _c("topic_id"),
            _c("tweet_count", "INT64"),
            _c("unique_authors", "INT64"),
            _c("positive", "INT64"),
            _c("neutral", "INT64"),
            _c("negative", "INT64"),
            _c("sentiment_avg", "FLOAT64"),
            _c("reach", "INT64"),
            _c("bot_share", "FLOAT64"),
            _c("updated_at", "TIMESTAMP"),
        ),
        ("window_size", "window_start", "topic_id"),
        "window_start",
        ("topic_id",),
        "Per topic and hour (1h) or day (1d): its voices (unique authors), tweets, sentiment mix, "
        "reach of the voices (their followers) and share of tweets from suspected bots",
    ),
    Table(
        "trend_alerts",
        (
            _c("alert_id"),
            _c("topic_id"),
            _c("label"),
            _c("terms", "ARRAY<STRING>"),
            _c("score", "FLOAT64"),
            _c("volume", "INT64"),
            _c("window_start", "TIMESTAMP"),
            _c("first_detected_at", "TIMESTAMP"),
            _c("updated_at", "TIMESTAMP"),
            _c("explanation", "JSON"),
            _c("version", "INT64"),
        ),
        ("alert_id",),
        "first_detected_at",
        ("topic_id",),
        "One row per emergence of a topic",
    ),
    Table(
        "influencers",
        (
            _c("as_of", "TIMESTAMP"),
            _c("topic_id"),
            _c("user_id"),
            _c("username"),
            _c("score", "FLOAT64"),
            _c("rank", "INT64"),
            _c("followers", "INT64"),
            _c("evidence", "JSON"),
        ),
        ("as_of", "topic_id", "user_id"),
        "as_of",
        ("topic_id",),
        "Influence scores, overall (topic_id '') and per topic",
    ),
    Table(
        "products",
        (
            _c("sku"),
            _c("name"),
            _c("category"),
            _c("brand"),
            _c("price", "FLOAT64"),
            _c("keywords", "ARRAY<STRING>"),
            _c("loaded_at", "TIMESTAMP"),
        ),
        ("sku",),
        None,
        ("category",),
        "Product catalogue",
    ),
    Table(
        "inventory_daily",
        (
            _c("snapshot_date", "DATE"),
            _c("sku"),
            _c("location_id"),
            _c("on_hand", "INT64"),
            _c("on_order", "INT64"),
            _c("loaded_at", "TIMESTAMP"),
            _c("source_object"),
        ),
        ("snapshot_date", "sku", "location_id"),
        "snapshot_date",
        ("sku",),
        "Daily stock snapshot per location",
    ),
    Table(
        "orders",
        (
            _c("order_id"),
            _c("line_number", "INT64"),
            _c("sku"),
            _c("quantity", "INT64"),
            _c("unit_price", "FLOAT64"),
            _c("ordered_at", "TIMESTAMP"),
            _c("channel"),
            _c("location_id"),
            _c("loaded_at", "TIMESTAMP"),
            _c("source_object"),
        ),
        ("order_id", "line_number"),
        "ordered_at",
        ("sku",),
        "Customer order lines",
    ),
    Table(
        "deliveries",
        (
            _c("delivery_id"),
            _c("sku"),
            _c("location_id"),
            _c("quantity", "INT64"),
            _c("expected_date", "DATE"),
            _c("delivered_at", "TIMESTAMP"),
            _c("status"),
            _c("loaded_at", "TIMESTAMP"),
            _c("source_object"),
        ),
        ("delivery_id", "sku"),
        "expected_date",
        ("sku",),
        "Inbound deliveries to stores and warehouses",
    ),
    Table(
        "feed_loads",
        (
            _c("object_name"),
            _c("kind"),
            _c("generation"),
            _c("rows_read", "INT64"),
            _c("rows_loaded", "INT64"),
            _c("rows_quarantined", "INT64"),
            _c("quarantine_object"),
            _c("loaded_at", "TIMESTAMP"),
        ),
        ("object_name", "generation"),
        "loaded_at",
        ("kind",),
        "One row per feed file processed by inventory-sync",
    ),
    Table(
        "stock_events",
        (
            _c("event_id"),
            _c("sku"),
            _c("location_id"),
            _c("event_time", "TIMESTAMP"),
            _c("delta", "INT64"),
            _c("level", "INT64"),
            _c("received_at", "TIMESTAMP"),
        ),
        ("event_id",),
        "event_time",
        ("sku",),
        "Real-time stock movements",
    ),
    Table(
        "topic_products",
        (
            _c("topic_id"),
            _c("sku"),
            _c("score", "FLOAT64"),
            _c("matched_terms", "ARRAY<STRING>"),
            _c("catalogue_keywords", "ARRAY<STRING>"),
            _c("similarity", "FLOAT64"),
            _c("first_linked_at", "TIMESTAMP"),
            _c("last_linked_at", "TIMESTAMP"),
            _c("updated_at", "TIMESTAMP"),
        ),
        ("topic_id", "sku"),
        None,
        ("topic_id",),
        "Which products a topic touches, with the evidence: the topic's terms that name the product, "
        "the catalogue keywords (either language) they match, and the embedding similarity",
    ),
    Table(
        "forecasts",
        (
            _c("as_of", "DATE"),
            _c("sku"),
            _c("location_id"),
            _c("forecast_date", "DATE"),
            _c("horizon_days", "INT64"),
            _c("p10", "FLOAT64"),
            _c("p50", "FLOAT64"),
            _c("p90", "FLOAT64"),
            _c("baseline_p10", "FLOAT64"),
            _c("baseline_p50", "FLOAT64"),
            _c("baseline_p90", "FLOAT64"),
            _c("model"),
            _c("model_version"),
            _c("baseline_model"),
            _c("run_id"),
            _c("features_as_of", "TIMESTAMP"),
            _c("created_at", "TIMESTAMP"),
        ),
        ("as_of", "sku", "location_id", "forecast_date"),
        "as_of",
        ("sku",),
        "Daily demand forecasts per SKU and location (location_id '*' is the SKU total) for the "
        "days after as_of: the social model's p10/p50/p90 and the baseline's beside them",
    ),
    Table(
        "forecast_runs",
        (
            _c("run_id"),
            _c("as_of", "DATE"),
            _c("model"),
            _c("model_version"),
            _c("baseline_model"),
            _c("horizon_days", "INT64"),
            _c("series", "INT64"),
            _c("features_as_of", "TIMESTAMP"),
            _c("feed_loads", "ARRAY<STRING>"),
            _c("started_at", "TIMESTAMP"),
            _c("finished_at", "TIMESTAMP"),
        ),
        ("run_id",),
        "as_of",
        (),
        "One row per forecast run: its models, the as-of time of its social features and the feed "
        "files it read (so a forecast is never silently computed from half-loaded data)",
    ),
    Table(
        "stock_cover",
        (
            _c("as_of", "DATE"),
            _c("sku"),
            _c("location_id"),
            _c("on_hand", "INT64"),
            _c("receipts", "INT64"),
            _c("demand_p50", "FLOAT64"),
            _c("demand_p90", "FLOAT64"),
            _c("days_of_cover", "FLOAT64"),
            _c("days_of_cover_p90", "FLOAT64"),
            _c("stockout_date", "DATE"),
            _c("stockout_date_p90", "DATE"),
            _c("run_id"),
        ),
        ("as_of", "sku", "location_id"),
        "as_of",
        ("sku",),
        "Projected stock per SKU and location over the forecast horizon from as_of: stock at the "
        "end of the day before, expected receipts and forecast demand (p50, p90) over the horizon, "
        "days of cover and stock-out dates",
    ),
    Table(
        "restock_recommendations",
        (
            _c("as_of", "DATE"),
            _c("sku"),
            _c("location_id"),
            _c("recommended_quantity", "INT64"),
            _c("stockout_date", "DATE"),
            _c("stockout_date_p90", "DATE"),
            _c("days_of_cover", "FLOAT64"),
            _c("urgency"),
            _c("topic_id"),
            _c("topic_label"),
            _c("uplift", "FLOAT64"),
            _c("reason"),
            _c("service_level", "FLOAT64"),
            _c("lead_time_days", "INT64"),
            _c("order_date", "DATE"),
            _c("arrival_date", "DATE"),
            _c("window_end", "DATE"),
            _c("on_hand", "INT64"),
            _c("window_demand_p50", "FLOAT64"),
            _c("safety_stock", "FLOAT64"),
            _c("run_id"),
            _c("created_at", "TIMESTAMP"),
            # Where the chat webhook stands with the recommendation (JSON text of
            # trendwatch.app.webhook_delivery.Delivery); NULL: no webhook when it was stored.
            _c("webhook"),
        ),
        ("as_of", "sku", "location_id"),
        "as_of",
        ("sku",),
        "What to reorder, how much and why: projected stock against forecast demand over the lead "
        "time plus safety stock",
    ),
    Table(
        "model_metrics",
        (
            _c("model"),
            _c("version"),
            _c("dataset"),
            _c("metric"),
            _c("value", "FLOAT64"),
            _c("evaluated_at", "TIMESTAMP"),
        ),
        ("model", "version", "dataset", "metric", "evaluated_at"),
        "evaluated_at",
        ("model",),
        "Model evaluation results over time",
    ),
    Table(
        "model_drift",
        (
            _c("day", "DATE"),
            _c("model"),
            _c("model_version"),
            _c("kind"),
            _c("metric"),
            _c("value", "FLOAT64"),
            _c("threshold", "FLOAT64"),
            _c("drifted", "BOOL"),
            _c("tweets", "INT64"),
            _c("reference_start", "DATE"),
            _c("reference_end", "DATE"),
            _c("computed_at", "TIMESTAMP"),
        ),
        ("day", "model", "model_version", "metric"),
        "day",
        ("model",),
        "Production followed day by day, per model version (the daily model-monitor job): output "
        "shares (kind output), drift against the days before (kind drift, with its threshold) and "
        "accuracy on the analysts' labels (kind accuracy)",
    ),
    Table(
        "labels",
        (
            _c("label_id"),
            _c("kind", required=True),
            _c("tweet_id"),
            _c("topic_id"),
            _c("correct", "BOOL", required=True),
            _c("label"),
            _c("predicted"),
            _c("model_version"),
            _c("labelled_by"),
            _c("labelled_at", "TIMESTAMP", required=True),
        ),
        ("label_id",),
        "labelled_at",
        ("kind",),
        "Analysts' judgements: a tweet's sentiment right or wrong and the right label (kind "
        "sentiment), a topic relevant or not (kind topic); live accuracy and the next training set",
    ),
    Table(
        "dead_letters",
        (
            _c("subscription"),
            _c("message_id"),
            _c("topic"),
            _c("reason"),
            _c("delivery_attempts", "INT64"),
            _c("attributes", "JSON"),
            _c("payload"),
            _c("lake_object"),
            _c("dead_lettered_at", "TIMESTAMP"),
        ),
        ("subscription", "message_id"),
        "dead_lettered_at",
        ("subscription",),
        "Every message that could not be processed, with the reason",
        partition_expiration_days=DEAD_LETTER_EXPIRATION_DAYS,
    ),
    # Apart from dead_letters, which only appends (in production a Pub/Sub BigQuery
    # subscription writes it): a replay is recorded here, never by changing the dead letter.
    Table(
        "dead_letter_replays",
        (
            _c("subscription"),
            _c("message_id"),
            _c("topic", required=True),
            _c("replay_message_id", required=True),
            _c("replayed_at", "TIMESTAMP", required=True),
        ),
        ("subscription", "message_id"),
        "replayed_at",
        ("subscription",),
        "Dead letters sent back to their topic (trendwatch deadletters replay), so that each is sent once",
        partition_expiration_days=DEAD_LETTER_EXPIRATION_DAYS,
    ),
    Table(
        "saved_searches",
        (
            _c("name"),
            _c("query", required=True),
            _c("created_at", "TIMESTAMP", required=True),
            _c("updated_at", "TIMESTAMP", required=True),
        ),
        ("name",),
        None,
        (),
        "Analysts' named searches in the query language (see trendwatch.query)",
    ),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}


@dataclass(frozen=True)
class Index:
    """A BigQuery search or vector index (locally, DuckDB's full-text index and a brute-force
    scan stand in: see :mod:`trendwatch.app.search_engines`)."""

    name: str
    kind: Literal["SEARCH", "VECTOR"]
    table: str
    column: str
    #: What follows ``ON table(column)``: stored columns, options.
    options: str = ""

    def bigquery_ddl(self, dataset: str | None = None) -> str:
        """``CREATE ... INDEX IF NOT EXISTS`` (the index lives in its table's dataset)."""
        qualified = f"`{dataset}.{self.table}`" if dataset else self.table
        ddl = f"CREATE {self.kind} INDEX IF NOT EXISTS {self.name} ON {qualified}({self.column})"
        return f"{ddl} {self.options}" if self.options else ddl


#: What ``SEARCH()`` and ``VECTOR_SEARCH`` use in BigQuery, created after the tables. Below
#: 5,000 rows BigQuery searches without the vector index (exactly); ``STORING`` lets the index
#: apply the filters before the search, not after.
INDEXES: tuple[Index, ...] = (
    Index("tweets_text", "SEARCH", "tweets", "text"),
    Index(
        "tweet_embeddings_ivf",
        "VECTOR",
        "tweet_embeddings",
        "embedding",
        "STORING (model, lang, created_at) OPTIONS (index_type = 'IVF', distance_type = 'COSINE')",
    ),
)


def table(name: str) -> Table:
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown warehouse table {name!r}") from None
