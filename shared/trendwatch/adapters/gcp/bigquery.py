"""BigQuery behind the :class:`~trendwatch.ports.Warehouse` port.

Statements run with ``jobs.query`` (``query_and_wait``: one round trip for short queries)
and the dataset as the default dataset, so the application's unqualified table names work
unchanged. ``@name`` parameters are typed from their Python values.

:meth:`BigQueryWarehouse.merge_rows` sends the rows as one ``ARRAY<STRUCT>`` query parameter
(``MERGE ... USING (SELECT ... FROM UNNEST(@rows))``) instead of loading a staging table:
one statement per batch, no load job (seconds of latency and a per-table daily quota) and
no table to create, expire and drop. Its limit is BigQuery's request size (10 MB), far above
a delivery batch.

:meth:`BigQueryWarehouse.append_rows` writes append-only tables through the Storage Write API
(:mod:`trendwatch.adapters.gcp.bigquery_write`): no DML job per message for the facts that are
only ever added.

Every query job carries ``maximum_bytes_billed`` (:class:`ByteCaps`): a statement that would
scan more fails with ``bytesBilledLimitExceeded`` before it runs, instead of billing a runaway
scan. Reads (the API, jobs' SELECTs) and writes (MERGE, DML, DDL) have separate caps.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

import msgspec
import pyarrow.parquet as pq
from google.api_core import exceptions
from google.cloud import bigquery

from trendwatch.adapters.gcp.bigquery_write import StorageWriteAppender
from trendwatch.observability import get_logger
from trendwatch.ports import Row
from trendwatch.settings import DEFAULT_BQ_MAX_BYTES_READ, DEFAULT_BQ_MAX_BYTES_WRITE, Settings
from trendwatch.warehouse.schema import INDEXES, TABLES, Column, partition_date_column, table
from trendwatch.warehouse.sql import merge_statement

log = get_logger(__name__)

QueryParameter = bigquery.ScalarQueryParameter | bigquery.ArrayQueryParameter | bigquery.StructQueryParameter
#: What a query job does, which picks its byte cap.
JobKind = Literal["read", "write"]


class ByteCaps(msgspec.Struct, frozen=True):
    """``maximum_bytes_billed`` of each kind of query job (``TRENDWATCH_BQ_MAX_BYTES_READ`` and
    ``TRENDWATCH_BQ_MAX_BYTES_WRITE``). A MERGE scans its whole target table, so writes get
    the larger default."""

    read: int = DEFAULT_BQ_MAX_BYTES_READ
    write: int = DEFAULT_BQ_MAX_BYTES_WRITE

    @classmethod
    def from_settings(cls, settings: Settings) -> ByteCaps:
        return cls(read=settings.bq_max_bytes_read, write=settings.bq_max_bytes_write)

    def of(self, kind: JobKind) -> int:
        return self.read if kind == "read" else self.write


def _scalar_type(value: Any) -> str:
    """The BigQuery type of a Python value (``bool`` before ``int``, ``datetime`` before ``date``)."""
    for python_type, bigquery_type in (
        (bool, "BOOL"),
        (int, "INT64"),
        (float, "FLOAT64"),
        (str, "STRING"),
        (datetime, "TIMESTAMP"),
        (date, "DATE"),
    ):
        if isinstance(value, python_type):
            return bigquery_type
    raise TypeError(f"no BigQuery type for parameter value {value!r} ({type(value).__name__})")


def query_parameter(name: str | None, value: Any) -> QueryParameter:
    """A named query parameter typed by ``value``: a list is an ARRAY of its first element's type
    (STRING when empty), ``None`` a NULL STRING."""
    if isinstance(value, list | tuple):
        element = _scalar_type(value[0]) if value else "STRING"
        return bigquery.ArrayQueryParameter(name, element, list(value))
    if value is None:
        return bigquery.ScalarQueryParameter(name, "STRING", None)
    return bigquery.ScalarQueryParameter(name, _scalar_type(value), value)


def _cell(column: Column, value: Any) -> QueryParameter:
    """One field of a staged row, typed by its column (JSON travels as a STRING, parsed in SQL)."""
    if column.type.startswith("ARRAY<"):
        element = column.type.removeprefix("ARRAY<").removesuffix(">")
        return bigquery.ArrayQueryParameter(column.name, element, list(value or ()))
    if column.type == "JSON":
        text = (
            value
            if value is None or isinstance(value, str)
            else json.dumps(value, sort_keys=True, default=str)
        )
        return bigquery.ScalarQueryParameter(column.name, "STRING", text)
    if isinstance(value, str) and column.type == "TIMESTAMP":
        value = datetime.fromisoformat(value)
    elif isinstance(value, str) and column.type == "DATE":
        value = date.fromisoformat(value)
    return bigquery.ScalarQueryParameter(column.name, column.type, value)


def _source_select(columns: Sequence[Column], parameter: str) -> str:
    fields = ", ".join(f"PARSE_JSON({c.name}) AS {c.name}" if c.type == "JSON" else c.name for c in columns)
    return f"(SELECT {fields} FROM UNNEST(@{parameter}))"


def _plain(value: Any) -> Any:
    """Row values as JSON-friendly Python values, like the DuckDB adapter's."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class BigQueryWarehouse:
    """Tables in ``project.dataset``; the client is created on first use (application default credentials).

    ``location`` must be the dataset's: BigQuery runs each job in one location and does not
    find a dataset that lives in another.
    """

    def __init__(
        self,
        project: str,
        dataset: str,
        *,
        location: str,
        client: bigquery.Client | None = None,
        appender: StorageWriteAppender | None = None,
        byte_caps: ByteCaps | None = None,
    ) -> None:
        self.project = project
        self.dataset = f"{project}.{dataset}"
        self.location = location
        self.byte_caps = byte_caps or ByteCaps()
        self._client = client
        self._client_lock = threading.Lock()
        self._appender = appender or StorageWriteAppender(project, dataset)

    @property
    def client(self) -> bigquery.Client:
        with self._client_lock:
            if self._client is None:
                self._client = bigquery.Client(project=self.project, location=self.location)
            return self._client

    def ensure_schema(self) -> list[str]:
        """Create every missing table (``CREATE TABLE IF NOT EXISTS``, with partitioning and
        clustering), then every missing index (:meth:`ensure_indexes`, whose result it returns)."""
        for tbl in TABLES:
            self.execute(tbl.bigquery_ddl(self.dataset))
        return self.ensure_indexes()

    def ensure_indexes(self) -> list[str]:
        """``CREATE ... INDEX IF NOT EXISTS`` for every index; one BigQuery refuses (a vector
        index on a table with too few rows to train it) is logged and named in the result,
        and the others are still created."""
        pending = []
        for index in INDEXES:
            try:
                self.execute(index.bigquery_ddl(self.dataset))
            except exceptions.GoogleAPICallError as exc:
                log.warning("index not created yet", extra={"index": index.name, "error": str(exc)})
                pending.append(index.name)
        return pending

    def _run(self, sql: str, parameters: Sequence[QueryParameter], kind: JobKind) -> Any:
        config = bigquery.QueryJobConfig(
            default_dataset=self.dataset,
            query_parameters=list(parameters),
            maximum_bytes_billed=self.byte_caps.of(kind),
        )
        return self.client.query_and_wait(sql, job_config=config, location=self.location)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        rows = self._run(sql, [query_parameter(k, v) for k, v in (params or {}).items()], "read")
        return [{key: _plain(value) for key, value in row.items()} for row in rows]

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._run(sql, [query_parameter(k, v) for k, v in (params or {}).items()], "write")

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        """Large results are read through the Storage Read API when its client is installed
        (``google-cloud-bigquery-storage``, which the warehouse writers have), else page by page."""
        rows = self._run(sql, [query_parameter(k, v) for k, v in (params or {}).items()], "read")
        return rows.to_arrow()

    def replace_partition(self, table_name: str, day: date, rows: Any) -> None:
        """A load job of ``rows`` as Parquet into the day's partition (``table$YYYYMMDD``) with
        ``WRITE_TRUNCATE``: atomic, no DML, and free (loads are not billed by bytes)."""
        tbl = table(table_name)
        partition_date_column(tbl)
        buffer = io.BytesIO()
        pq.write_table(rows.select(list(tbl.column_names)), buffer)
        size = buffer.tell()
        buffer.seek(0)
        parquet = bigquery.ParquetOptions()  # type: ignore[no-untyped-call]
        parquet.enable_list_inference = True  # list columns load as REPEATED, not as records
        config = bigquery.LoadJobConfig(
            source_format=bigquery.SourceFormat.PARQUET,
            write_disposition=bigquery.WriteDisposition.WRITE_TRUNCATE,
            parquet_options=parquet,
        )
        destination = f"{self.dataset}.{tbl.name}${day:%Y%m%d}"
        # With its size known, a small file goes in one multipart request, a big one resumably.
        self.client.load_table_from_file(
            buffer, destination, size=size, job_config=config, location=self.location
        ).result()

    def merge_rows(
        self, table_name: str, rows: Sequence[Row], *, update: bool = True, update_when: str | None = None
    ) -> None:
        if not rows:
            return
        tbl = table(table_name)
        staged = bigquery.ArrayQueryParameter(
            "rows",
            "STRUCT",
            [
                bigquery.StructQueryParameter(None, *(_cell(c, row.get(c.name)) for c in tbl.columns))
                for row in tbl.last_row_per_key(rows)
            ],
        )
        source = _source_select(tbl.columns, "rows")
        self._run(merge_statement(tbl, source, update=update, update_when=update_when), [staged], "write")

    def append_rows(self, table_name: str, rows: Sequence[Row]) -> None:
        tbl = table(table_name)
        if not tbl.append_only:
            raise ValueError(f"{table_name} is not an append-only table; use merge_rows")
        self._appender.append(tbl, tbl.last_row_per_key(rows))
