"""The warehouse on DuckDB: BigQuery-dialect SQL transpiled, tables from the one schema."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from trendwatch.ports import Row
from trendwatch.warehouse.schema import TABLES, Table, partition_date_column, table
from trendwatch.warehouse.sql import merge_statement, to_duckdb

T = TypeVar("T")

_ARROW_TYPES: dict[str, pa.DataType] = {
    "STRING": pa.string(),
    "JSON": pa.string(),
    "INT64": pa.int64(),
    "FLOAT64": pa.float64(),
    "BOOL": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us", tz="UTC"),
    "DATE": pa.date32(),
    "ARRAY<STRING>": pa.list_(pa.string()),
    "ARRAY<FLOAT64>": pa.list_(pa.float64()),
}


def _arrow_schema(tbl: Table) -> pa.Schema:
    return pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in tbl.columns])


def _cell(value: Any, type_: str) -> Any:
    if isinstance(value, str) and type_ == "DATE":
        return date.fromisoformat(value)
    if isinstance(value, str) and type_ == "TIMESTAMP":
        return datetime.fromisoformat(value)
    if type_ == "JSON" and value is not None and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if type_.startswith("ARRAY<") and value is not None:
        return list(value)
    return value


def _plain(value: Any) -> Any:
    """DuckDB values as JSON-friendly Python values (for ``--json`` output)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


#: Names of the UTC time zone DuckDB may report for a new connection.
_UTC_ZONES = frozenset({"UTC", "Etc/UTC"})


#: What SQL on a confined connection may not do: read or write files (``read_text``,
#: ``COPY ... TO``, ``ATTACH``), install or load extensions, or change a setting (this one
#: included). DuckDB refuses to change ``enable_external_access`` back once set, and any
#: setting once ``lock_configuration`` is: what a connection needs (an extension, its time
#: zone) is set before.
CONFINEMENT = ("SET enable_external_access = false", "SET lock_configuration = true")
_CONFINED_SQL = (
    "SELECT current_setting('enable_external_access') AS external,"
    " current_setting('lock_configuration') AS locked"
)


class DuckDBWarehouse:
    """A :class:`~trendwatch.ports.Warehouse` on a DuckDB file, one connection per instance.

    DuckDB lets a single process write a file; in ``--processes`` mode the router process
    holds it and serves the others (see :mod:`trendwatch.runtime.warehouse_http`).
    ``read_only`` opens an existing file for readers only (the API): any write fails, and
    other read-only processes may open the same file at the same time.
    """

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._connection = duckdb.connect(str(path), read_only=read_only)
        # Only when needed: a second connection to a file this process already serves confined
        # (settings locked, see runtime.warehouse_http) may not set it, and on a UTC machine
        # it starts in UTC anyway.
        [zone] = self._connection.execute("SELECT current_setting('TimeZone')").fetchone() or ("",)
        if zone not in _UTC_ZONES:
            self._connection.execute("SET TimeZone = 'UTC'")
        if not read_only:
            self._run(self._create_tables)

    def _run(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        with self._lock:
            return work(self._connection)

    @staticmethod
    def _create_tables(connection: duckdb.DuckDBPyConnection) -> None:
        for tbl in TABLES:
            connection.execute(to_duckdb(tbl.bigquery_ddl(layout=False)))

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return self.query_duckdb(to_duckdb(sql), params)

    def query_duckdb(self, statement: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run DuckDB's own SQL (``$name`` parameters), untranspiled: for what BigQuery's dialect
        cannot say, such as extensions and their pragmas."""

        def work(connection: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
            cursor = connection.execute(statement, dict(params) if params else None)
            if cursor.description is None:
                return []
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, map(_plain, row), strict=True)) for row in cursor.fetchall()]

        return self._run(work)

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        statement = to_duckdb(sql)
        self._run(lambda connection: connection.execute(statement, dict(params) if params else None))

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        statement = to_duckdb(sql)
        return self._run(
            lambda connection: connection.execute(
                statement, dict(params) if params else None
            ).fetch_arrow_table()
        )

    def replace_partition(self, table_name: str, day: date, rows: pa.Table) -> None:
        tbl = table(table_name)
        column = partition_date_column(tbl)
        staged = rows.select(list(tbl.column_names)).cast(_arrow_schema(tbl))

        def work(connection: duckdb.DuckDBPyConnection) -> None:
            connection.register("replacing_rows", staged)
            connection.begin()
            try:
                connection.execute(f"DELETE FROM {tbl.name} WHERE {column} = $day", {"day": day})
                connection.execute(f"INSERT INTO {tbl.name} SELECT * FROM replacing_rows")
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
            finally:
                connection.unregister("replacing_rows")

        self._run(work)

    def merge_rows(
        self, table_name: str, rows: Sequence[Row], *, update: bool = True, update_when: str | None = None
    ) -> None:
        if not rows:
            return
        tbl = table(table_name)
        unique = tbl.last_row_per_key(rows)
        columns = {c.name: [_cell(row.get(c.name), c.type) for row in unique] for c in tbl.columns}
        staged = pa.table(columns, schema=_arrow_schema(tbl))
        statement = to_duckdb(merge_statement(tbl, "staged_rows", update=update, update_when=update_when))

        def work(connection: duckdb.DuckDBPyConnection) -> None:
            connection.register("staged_rows", staged)
            try:
                connection.execute(statement)
            finally:
                connection.unregister("staged_rows")

        self._run(work)

    def append_rows(self, table_name: str, rows: Sequence[Row]) -> None:
        """Append-only rows inserted where their key is absent: one writer makes that as cheap
        as an append here, so a retried batch never stores a key twice locally."""
        if not table(table_name).append_only:
            raise ValueError(f"{table_name} is not an append-only table; use merge_rows")
        self.merge_rows(table_name, rows, update=False)

    def ensure_indexes(self) -> list[str]:
        """Nothing to create: local search builds DuckDB's full-text index itself."""
        return []

    def confine(self) -> None:
        """Lock this connection down (:data:`CONFINEMENT`): its own reads and writes go to its
        open database file, and it stages rows as registered Arrow tables, neither of which
        needs external access; SQL from elsewhere (another process, a reader) reaches no file.

        DuckDB shares one database instance between a process's connections to a file, and
        the settings with it: a second connection to a file this process confined already is
        confined, and may not set either setting again."""
        [state] = self.query_duckdb(_CONFINED_SQL)
        if state["locked"] and not state["external"]:
            return
        for statement in CONFINEMENT:
            self.query_duckdb(statement)

    def close(self) -> None:
        with self._lock:
            self._connection.close()
