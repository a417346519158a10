"""Appends to BigQuery through the Storage Write API's default stream.

Why not ``MERGE`` or ``tabledata.insertAll`` for facts that are only ever added (tweets, their
embeddings, interaction edges): a ``MERGE`` per Pub/Sub message is a DML job per message, and
BigQuery queues mutating DML per table (a few run at once, a few dozen wait, the rest fail),
far below a stream's message rate; ``insertAll`` costs twice as much per byte and leaves the
last half hour of rows unmodifiable by DML, which would stop the deduplicating ``MERGE``.
The default stream commits each append at once (at least once: a retried batch may land twice,
which the scheduled ``deduplicate`` job repairs).

Rows travel as protocol buffers whose descriptor is generated from the one table definition
(:mod:`trendwatch.warehouse.schema`): proto2 optional fields, so a ``None`` is a NULL, and the
Storage Write API's encodings (TIMESTAMP as microseconds since the epoch, DATE as days).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from google.cloud.bigquery_storage_v1 import BigQueryWriteClient, types
from google.protobuf import descriptor_pb2, descriptor_pool, message, message_factory

from trendwatch.warehouse.schema import Column, Table

_Field = descriptor_pb2.FieldDescriptorProto
_PROTO_TYPES: dict[str, int] = {
    "STRING": _Field.TYPE_STRING,
    "JSON": _Field.TYPE_STRING,
    "INT64": _Field.TYPE_INT64,
    "FLOAT64": _Field.TYPE_DOUBLE,
    "BOOL": _Field.TYPE_BOOL,
    "TIMESTAMP": _Field.TYPE_INT64,
    "DATE": _Field.TYPE_INT32,
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PACKAGE = "trendwatch.rows"
#: BigQuery refuses an append request of 10 MB or more; rows are sent in requests below this.
MAX_REQUEST_BYTES = 9_000_000
#: An append call that has not answered by then fails (and its batch is redelivered) rather
#: than hold the request past Pub/Sub's acknowledgement deadline (60 s for aggregate's routes).
APPEND_TIMEOUT_S = 30.0


class AppendError(RuntimeError):
    """BigQuery refused an append (the batch is to be retried or dead-lettered as a whole)."""


def _element_type(column: Column) -> tuple[str, bool]:
    """A column's scalar type and whether it is repeated (``ARRAY<T>``)."""
    if column.type.startswith("ARRAY<"):
        return column.type.removeprefix("ARRAY<").removesuffix(">"), True
    return column.type, False


def row_descriptor(table: Table) -> descriptor_pb2.DescriptorProto:
    """The protocol buffer message of one row of ``table``: one field per column, in order."""
    proto = descriptor_pb2.DescriptorProto(name=f"{table.name}_row")
    for number, column in enumerate(table.columns, start=1):
        element, repeated = _element_type(column)
        proto.field.add(
            name=column.name,
            number=number,
            type=_PROTO_TYPES[element],
            label=_Field.LABEL_REPEATED if repeated else _Field.LABEL_OPTIONAL,
        )
    return proto


@cache
def row_message(table: Table) -> type[message.Message]:
    """The generated message class of ``table``'s rows (built once per table and process)."""
    file = descriptor_pb2.FileDescriptorProto(
        name=f"trendwatch/rows/{table.name}.proto", package=_PACKAGE, syntax="proto2"
    )
    file.message_type.add().CopyFrom(row_descriptor(table))
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    row_class: type[message.Message] = message_factory.GetMessageClass(
        pool.FindMessageTypeByName(f"{_PACKAGE}.{table.name}_row")
    )
    return row_class


def _timestamp_micros(value: datetime | str) -> int:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _scalar(element: str, value: Any) -> Any:
    """A Python value in the Storage Write API's encoding of a column's type."""
    if element == "TIMESTAMP":
        return _timestamp_micros(value)
    if element == "DATE":
        day = date.fromisoformat(value) if isinstance(value, str) else value
        return (day - _EPOCH.date()).days
    if element == "JSON" and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if element == "FLOAT64":
        return float(value)
    return value


def encode_row(table: Table, row: Mapping[str, Any]) -> bytes:
    """One row as the serialized message of :func:`row_message` (absent or ``None`` = NULL)."""
    encoded = row_message(table)()
    for column in table.columns:
        value = row.get(column.name)
        if value is None:
            continue
        element, repeated = _element_type(column)
        if repeated:
            getattr(encoded, column.name).extend(_scalar(element, v) for v in value)
        else:
            setattr(encoded, column.name, _scalar(element, value))
    serialized: bytes = encoded.SerializeToString()
    return serialized


def _chunks(encoded: Sequence[bytes], limit: int) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    size = 0
    for row in encoded:
        if chunk and size + len(row) > limit:
            yield chunk
            chunk, size = [], 0
        chunk.append(row)
        size += len(row)
    if chunk:
        yield chunk


class StorageWriteAppender:
    """Appends rows to tables of ``project.dataset`` over one ``AppendRows`` call per batch.

    The client (a gRPC channel) is created on first use and shared by the instance's threads.
    """

    def __init__(
        self,
        project: str,
        dataset: str,
        *,
        client: BigQueryWriteClient | None = None,
        max_request_bytes: int = MAX_REQUEST_BYTES,
    ) -> None:
        self._parent = f"projects/{project}/datasets/{dataset}/tables"
        self._client = client
        self._client_lock = threading.Lock()
        self._max_request_bytes = max_request_bytes

    @property
    def client(self) -> BigQueryWriteClient:
        with self._client_lock:
            if self._client is None:
                self._client = BigQueryWriteClient()  # type: ignore[no-untyped-call]
            return self._client

    def stream(self, table: Table) -> str:
        return f"{self._parent}/{table.name}/streams/_default"

    def append(self, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Send ``rows`` in requests under BigQuery's size limit; raises :class:`AppendError`
        if BigQuery refuses any of them (the rows before it may have been stored)."""
        if not rows:
            return
        stream = self.stream(table)
        schema = types.ProtoSchema(proto_descriptor=row_descriptor(table))
        requests = [
            types.AppendRowsRequest(
                write_stream=stream,
                proto_rows=types.AppendRowsRequest.ProtoData(
                    writer_schema=schema, rows=types.ProtoRows(serialized_rows=chunk)
                ),
            )
            for chunk in _chunks([encode_row(table, row) for row in rows], self._max_request_bytes)
        ]
        # A streaming call carries no request to route by: the header names the stream.
        responses = self.client.append_rows(
            iter(requests),
            timeout=APPEND_TIMEOUT_S,
            metadata=(("x-goog-request-params", f"write_stream={stream}"),),
        )
        answered = 0
        for response in responses:
            answered += 1
            if response.row_errors:
                reasons = "; ".join(f"row {e.index}: {e.message}" for e in response.row_errors)
                raise AppendError(f"append to {table.name} refused rows: {reasons}")
            if response.error.code:
                raise AppendError(f"append to {table.name} refused: {response.error.message}")
        if answered != len(requests):
            raise AppendError(f"append to {table.name}: {answered} answers to {len(requests)} requests")
