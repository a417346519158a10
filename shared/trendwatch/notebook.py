"""Warehouse access for notebooks: the same calls on the local DuckDB file or on BigQuery.

    >>> import trendwatch
    >>> wh = trendwatch.open_warehouse()                      # .trendwatch/warehouse.duckdb
    >>> wh = trendwatch.open_warehouse(project="p", dataset="trendwatch")   # BigQuery (extra gcp-bigquery)
    >>> wh.tweets('"robe rouge" OR #soldes lang:fr', limit=200)
    >>> wh.term_series("#soldes", window="1h")
    >>> wh.model_metrics(); wh.drift(kind="drift"); wh.labels()       # evaluations, production, labels
    >>> trendwatch.notebook.runs()                                     # experiment runs (MLflow)

Every method returns a pandas DataFrame; timestamps are timezone-aware (UTC) datetimes. SQL
is BigQuery dialect with ``@name`` parameters, as everywhere in trendwatch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

import msgspec
import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment

from trendwatch.ports import Warehouse
from trendwatch.query import TWEET_COLUMNS, Node, tweets_statement
from trendwatch.settings import DEFAULT_BQ_LOCATION, Settings
from trendwatch.warehouse.views import view

if TYPE_CHECKING:
    from trendwatch.domain.emergence import EmergenceParams

_ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

#: ``term_series`` windows: name → the ``TIMESTAMP_TRUNC`` unit and the pandas frequency.
WINDOWS: Final[Mapping[str, tuple[str, str]]] = {
    "1m": ("MINUTE", "min"),
    "1h": ("HOUR", "h"),
    "1d": ("DAY", "D"),
}

TERM_SERIES_COLUMNS = ("window_start", "tweets", "authors", "sentiment_avg")
DRIFT_COLUMNS = (
    "day",
    "model",
    "model_version",
    "kind",
    "metric",
    "value",
    "threshold",
    "drifted",
    "tweets",
    "reference_start",
    "reference_end",
    "computed_at",
)
LABEL_COLUMNS = (
    "label_id",
    "kind",
    "tweet_id",
    "topic_id",
    "correct",
    "label",
    "predicted",
    "model_version",
    "labelled_at",
)
RUN_COLUMNS = ("run_id", "experiment", "run_name", "status", "start_time", "end_time")


def _frame(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows as a DataFrame, ISO-8601 timestamp strings (how both warehouses return
    timestamps) parsed into UTC datetimes."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(columns) if columns is not None else None)
    for name in frame.columns:
        values = frame[name].dropna()
        if len(values) and all(isinstance(v, str) and _ISO_TIMESTAMP.match(v) for v in values):
            frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601")
    return frame


class Analytics:
    """DataFrames from a :class:`~trendwatch.ports.Warehouse` (local DuckDB or BigQuery)."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    def sql(self, query: str, /, **params: Any) -> pd.DataFrame:
        """Run BigQuery-dialect SQL; ``params`` fill its ``@name`` parameters."""
        return _frame(self.warehouse.query(query, params))

    def tweets(
        self,
        query: str | Node | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> pd.DataFrame:
        """Tweets a search query matches (all for ``None``) in ``[since, until)``, newest first
        (the query language of :mod:`trendwatch.query`)."""
        statement = tweets_statement(query, since=since, until=until, limit=limit)
        return _frame(self.warehouse.query(statement.sql, statement.params), TWEET_COLUMNS)

    def term_series(
        self, term: str, window: str = "1h", *, since: datetime | None = None, until: datetime | None = None
    ) -> pd.DataFrame:
        """Tweets, authors and mean sentiment per window for one stored term (hashtags as
        ``#tag``; terms are lower-cased), windows without tweets included as zeros."""
        if window not in WINDOWS:
            raise ValueError(f"window must be one of {', '.join(WINDOWS)}, got {window!r}")
        unit, frequency = WINDOWS[window]
        conditions = ["term = @term"]
        params: dict[str, Any] = {"term": term.strip().lower()}
        if since is not None:
            conditions.append("created_at >= @since")
            params["since"] = since
        if until is not None:
            conditions.append("created_at < @until")
            params["until"] = until
        rows = self.warehouse.query(
            f"SELECT TIMESTAMP_TRUNC(created_at, {unit}) AS window_start, COUNT(DISTINCT tweet_id) AS tweets, "
            "COUNT(DISTINCT author_id) AS authors, AVG(sentiment_score) AS sentiment_avg "
            f"FROM tweet_terms WHERE {' AND '.join(conditions)} GROUP BY window_start ORDER BY window_start",
            params,
        )
        frame = _frame(rows, TERM_SERIES_COLUMNS)
        if frame.empty:
            return frame
        full = pd.date_range(frame["window_start"].min(), frame["window_start"].max(), freq=frequency)
        frame = frame.set_index("window_start").reindex(full)
        frame[["tweets", "authors"]] = frame[["tweets", "authors"]].fillna(0).astype("int64")
        return frame.rename_axis("window_start").reset_index()

    def topics(self, limit: int = 20, *, params: EmergenceParams | None = None) -> pd.DataFrame:
        """The newest ``limit`` emerging topics, newest first: the emergence detector over the
        stored stream (``params``: its settings, default the evaluated ones), as the API ranks
        them. Nothing is written, so a read-only or production warehouse serves as well."""
        from trendwatch.app.insights import TopicSummary, read_emerging_topics

        found = read_emerging_topics(self.warehouse, params=params)[:limit]
        return _frame(msgspec.to_builtins(found), TopicSummary.__struct_fields__)

    def model_metrics(self, *, latest: bool = True) -> pd.DataFrame:
        """Model evaluation results: the latest value of each metric, or (``latest=False``) all of them."""
        if latest:
            return self.view("model_metrics_latest")
        return self.sql(
            "SELECT model, version, dataset, metric, value, evaluated_at FROM model_metrics "
            "ORDER BY evaluated_at DESC, model, dataset, metric"
        )

    def drift(self, *, kind: str | None = None, model: str | None = None) -> pd.DataFrame:
        """Production day by day per model version, as the daily model-monitor job stored it
        (``model_drift``): one row per day, model, version and metric, oldest first; ``kind``
        ``output`` (mixes, topic births), ``drift`` (with its threshold and whether it was
        passed) or ``accuracy`` (on the analysts' labels)."""
        filters = {name: value for name, value in (("kind", kind), ("model", model)) if value is not None}
        where = " AND ".join(f"{name} = @{name}" for name in filters)
        rows = self.warehouse.query(
            f"SELECT {', '.join(DRIFT_COLUMNS)} FROM model_drift {'WHERE ' + where if where else ''} "
            "ORDER BY day, model, model_version, metric",
            filters,
        )
        frame = _frame(rows, DRIFT_COLUMNS)
        for name in ("day", "reference_start", "reference_end"):
            frame[name] = pd.to_datetime(frame[name]).dt.date
        return frame

    def labels(self) -> pd.DataFrame:
        """The analysts' labels (``labels``), newest first: the next training set's judgements."""
        rows = self.warehouse.query(
            f"SELECT {', '.join(LABEL_COLUMNS)} FROM labels ORDER BY labelled_at DESC"
        )
        return _frame(rows, LABEL_COLUMNS)

    def view(self, name: str) -> pd.DataFrame:
        """One of the analyst views of :mod:`trendwatch.warehouse.views` (those Looker Studio reads)."""
        return self.sql(view(name).sql)

    def close(self) -> None:
        close = getattr(self.warehouse, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> Analytics:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_warehouse(
    state_dir: str | Path | None = None,
    *,
    project: str | None = None,
    dataset: str | None = None,
    location: str = DEFAULT_BQ_LOCATION,
    client: Any = None,
    read_only: bool = True,
) -> Analytics:
    """The local warehouse of ``state_dir`` (default ``$TRENDWATCH_STATE_DIR`` or ``.trendwatch``),
    or with ``project`` and ``dataset`` the BigQuery dataset (application default credentials,
    or ``client``, a ``google.cloud.bigquery.Client``), whose jobs run in ``location``: the
    dataset's location.

    The local file is opened ``read_only`` by default, so that several notebooks and
    ``trendwatch serve`` can read it at once (DuckDB lets one process write a file, and only
    when no other process has it open). Either way the connection is confined
    (:meth:`~trendwatch.adapters.local.warehouse.DuckDBWarehouse.confine`): its SQL reaches
    the warehouse and nothing else (no file read or written, no database attached, no
    extension installed); pandas is there for what leaves the warehouse."""
    if project is not None or dataset is not None:
        if project is None or dataset is None:
            raise ValueError("BigQuery needs both project and dataset")
        from trendwatch.adapters.gcp.bigquery import BigQueryWarehouse

        return Analytics(BigQueryWarehouse(project, dataset, client=client, location=location))
    from trendwatch.adapters.local.warehouse import DuckDBWarehouse

    path = Settings.from_env(state_dir=Path(state_dir) if state_dir is not None else None).warehouse_path
    if not path.exists():
        raise FileNotFoundError(
            f"no warehouse at {path}: run `trendwatch demo` or `trendwatch replay FILE` first"
        )
    warehouse = DuckDBWarehouse(path, read_only=read_only)
    warehouse.confine()
    return Analytics(warehouse)


def runs(state_dir: str | Path | None = None, *, experiment: str | None = None) -> pd.DataFrame:
    """The runs of the experiment tracking store (:mod:`trendwatch.experiments`: the state
    folder's, or ``TRENDWATCH_TRACKING_URI``'s), newest first: one row per run with its
    experiment, name, status, start and end, parameters (``params.<name>``) and metrics
    (``metrics.<name>``); only ``experiment``'s when named."""
    from trendwatch.experiments.store import DATABASE_NAME, open_client

    settings = Settings.from_env(state_dir=Path(state_dir) if state_dir is not None else None)
    if not settings.tracking_uri and not (settings.state_dir / DATABASE_NAME).exists():
        return pd.DataFrame(columns=list(RUN_COLUMNS))  # nothing tracked yet: create no store
    client = open_client(settings)
    experiments = {e.experiment_id: e.name for e in client.search_experiments()}
    if experiment is not None:
        experiments = {i: name for i, name in experiments.items() if name == experiment}
    rows = []
    for run in (
        client.search_runs(list(experiments), order_by=["attributes.start_time DESC"]) if experiments else []
    ):
        rows.append(
            {
                "run_id": run.info.run_id,
                "experiment": experiments[run.info.experiment_id],
                "run_name": run.info.run_name,
                "status": run.info.status,
                "start_time": pd.to_datetime(run.info.start_time, unit="ms", utc=True),
                "end_time": pd.to_datetime(run.info.end_time, unit="ms", utc=True),
                **{f"params.{k}": v for k, v in run.data.params.items()},
                **{f"metrics.{k}": v for k, v in run.data.metrics.items()},
            }
        )
    return pd.DataFrame.from_records(rows, columns=None if rows else list(RUN_COLUMNS))
