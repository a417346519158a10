"""The warehouse as a remote service for ``--processes`` mode, as BigQuery is in production.

DuckDB lets one process write a database file; rather than have every service process
open the file in turn, the router process holds the one connection and serves the
:class:`~trendwatch.ports.Warehouse` port over HTTP. Bodies are MessagePack, which keeps
timestamps typed (``datetime`` round-trips as MessagePack's timestamp extension).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import httpx
import msgspec
import pyarrow as pa

from trendwatch.ports import Row, Warehouse
from trendwatch.runtime.router_client import bearer

WAREHOUSE_PATH = "/v1/warehouse:{op}"
CONTENT_TYPE = "application/msgpack"


class QueryRequest(msgspec.Struct, frozen=True):
    sql: str
    params: dict[str, Any] | None = None
    #: The parameters that are dates or lists of dates: MessagePack carries a ``date`` as an
    #: ISO string, which the engine would not compare with a DATE column.
    dates: list[str] = []

    @classmethod
    def of(cls, sql: str, params: Mapping[str, Any] | None) -> QueryRequest:
        if not params:
            return cls(sql)
        return cls(sql, dict(params), [name for name, value in params.items() if _is_dates(value)])

    def typed_params(self) -> dict[str, Any] | None:
        """The parameters as the caller passed them (dates as dates again)."""
        if self.params is None:
            return None
        return {
            name: _to_dates(value) if name in self.dates else value for name, value in self.params.items()
        }


def _is_dates(value: object) -> bool:
    def is_date(item: object) -> bool:
        return isinstance(item, date) and not isinstance(item, datetime)

    if isinstance(value, list | tuple):
        return bool(value) and all(is_date(item) for item in value)
    return is_date(value)


def _to_dates(value: Any) -> Any:
    if isinstance(value, list):
        return [date.fromisoformat(item) for item in value]
    return date.fromisoformat(value)


class MergeRequest(msgspec.Struct, frozen=True):
    table: str
    rows: list[dict[str, Any]]
    update: bool = True
    update_when: str | None = None


class AppendRequest(msgspec.Struct, frozen=True):
    table: str
    rows: list[dict[str, Any]]


class ReplacePartitionRequest(msgspec.Struct, frozen=True):
    table: str
    day: date
    #: The rows as an Arrow IPC stream.
    rows: bytes


class WarehouseServiceError(RuntimeError):
    """The warehouse service answered with an error (the message is the engine's)."""


def serve(warehouse: Warehouse, op: str, body: bytes) -> bytes:
    """Run one warehouse operation for a remote caller; raises ``KeyError`` for an unknown op."""
    if op == "query":
        request = msgspec.msgpack.decode(body, type=QueryRequest)
        return msgspec.msgpack.encode(warehouse.query(request.sql, request.typed_params()))
    if op == "execute":
        request = msgspec.msgpack.decode(body, type=QueryRequest)
        warehouse.execute(request.sql, request.typed_params())
        return msgspec.msgpack.encode(None)
    if op == "merge":
        merge = msgspec.msgpack.decode(body, type=MergeRequest)
        warehouse.merge_rows(merge.table, merge.rows, update=merge.update, update_when=merge.update_when)
        return msgspec.msgpack.encode(None)
    if op == "query_arrow":
        request = msgspec.msgpack.decode(body, type=QueryRequest)
        return msgspec.msgpack.encode(to_ipc(warehouse.query_arrow(request.sql, request.typed_params())))
    if op == "replace_partition":
        replace = msgspec.msgpack.decode(body, type=ReplacePartitionRequest)
        warehouse.replace_partition(replace.table, replace.day, from_ipc(replace.rows))
        return msgspec.msgpack.encode(None)
    if op == "indexes":
        return msgspec.msgpack.encode(warehouse.ensure_indexes())
    if op == "append":
        append = msgspec.msgpack.decode(body, type=AppendRequest)
        warehouse.append_rows(append.table, append.rows)
        return msgspec.msgpack.encode(None)
    raise KeyError(op)


def to_ipc(rows: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, rows.schema) as writer:
        writer.write_table(rows)
    return bytes(sink.getvalue().to_pybytes())


def from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


class WarehouseClient:
    """A :class:`~trendwatch.ports.Warehouse` served by the local router."""

    def __init__(self, url: str, *, token: str, timeout: float = 120.0) -> None:
        self._http = httpx.Client(
            base_url=url.rstrip("/"), headers=bearer(token), timeout=httpx.Timeout(timeout, connect=5.0)
        )

    def _call(self, op: str, request: msgspec.Struct | None = None) -> Any:
        response = self._http.post(
            WAREHOUSE_PATH.format(op=op),
            content=msgspec.msgpack.encode(request),
            headers={"content-type": CONTENT_TYPE},
        )
        if response.is_error:
            raise WarehouseServiceError(f"warehouse {op} failed ({response.status_code}): {response.text}")
        return msgspec.msgpack.decode(response.content)

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("query", QueryRequest.of(sql, params))
        return result

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._call("execute", QueryRequest.of(sql, params))

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        return from_ipc(self._call("query_arrow", QueryRequest.of(sql, params)))

    def replace_partition(self, table: str, day: date, rows: pa.Table) -> None:
        self._call("replace_partition", ReplacePartitionRequest(table, day, to_ipc(rows)))

    def merge_rows(
        self, table: str, rows: Sequence[Row], *, update: bool = True, update_when: str | None = None
    ) -> None:
        if rows:
            self._call("merge", MergeRequest(table, [dict(r) for r in rows], update, update_when))

    def append_rows(self, table: str, rows: Sequence[Row]) -> None:
        if rows:
            self._call("append", AppendRequest(table, [dict(r) for r in rows]))

    def ensure_indexes(self) -> list[str]:
        pending: list[str] = self._call("indexes")
        return pending

    def close(self) -> None:
        self._http.close()
