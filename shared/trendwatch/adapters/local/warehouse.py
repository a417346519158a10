"""The warehouse on DuckDB: BigQuery-dialect SQL transpiled, tables from the one schema."""

from __future__ import annotations

import fcntl
import json
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from trendwatch.ports import Row
from trendwatch.warehouse.schema import TABLES, Table, table
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
}


def _arrow_schema(tbl: Table) -> pa.Schema:
    return pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in tbl.columns])


def _cell(value: Any, type_: str) -> Any:
    if type_ == "JSON" and value is not None and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if type_ == "ARRAY<STRING>" and value is not None:
        return list(value)
    return value


def _plain(value: Any) -> Any:
    """DuckDB values as JSON-friendly Python values (for ``--json`` output)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class DuckDBWarehouse:
    """A :class:`~trendwatch.ports.Warehouse` on a DuckDB file.

    With ``shared=True`` (several local processes writing to one file, as in ``--processes``
    mode) every operation opens the database under an exclusive file lock and closes it
    afterwards: DuckDB allows one writing process at a time.
    """

    def __init__(self, path: Path, *, shared: bool = False) -> None:
        self.path = path
        self.shared = shared
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._run(self._create_tables)

    def _connect(self) -> duckdb.DuckDBPyConnection:
        connection = duckdb.connect(str(self.path))
        connection.execute("SET TimeZone = 'UTC'")
        return connection

    @contextmanager
    def _session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            if not self.shared:
                if self._connection is None:
                    self._connection = self._connect()
                yield self._connection
                return
            with self.path.with_suffix(".lock").open("w") as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)
                connection = self._connect()
                try:
                    yield connection
                finally:
                    connection.close()

    def _run(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        with self._session() as connection:
            return work(connection)

    @staticmethod
    def _create_tables(connection: duckdb.DuckDBPyConnection) -> None:
        for tbl in TABLES:
            connection.execute(to_duckdb(tbl.bigquery_ddl(layout=False)))

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        statement = to_duckdb(sql)

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

    def merge_rows(
        self, table_name: str, rows: Sequence[Row], *, update: bool = True, update_when: str | None = None
    ) -> None:
        if not rows:
            return
        tbl = table(table_name)
        unique: dict[tuple[Any, ...], Row] = {}
        for row in rows:
            unique[tuple(row[k] for k in tbl.primary_key)] = row
        columns = {c.name: [_cell(row.get(c.name), c.type) for row in unique.values()] for c in tbl.columns}
        staged = pa.table(columns, schema=_arrow_schema(tbl))
        statement = to_duckdb(merge_statement(tbl, "staged_rows", update=update, update_when=update_when))

        def work(connection: duckdb.DuckDBPyConnection) -> None:
            connection.register("staged_rows", staged)
            try:
                connection.execute(statement)
            finally:
                connection.unregister("staged_rows")

        self._run(work)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
