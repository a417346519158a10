"""A local gRPC stand-in for BigQuery's Storage Write service (``AppendRows`` only).

It decodes every appended row with the descriptor the client sent (as BigQuery does), so
tests read back what a table would hold, and can be told to refuse appends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc  # type: ignore[import-untyped]
from google.cloud.bigquery_storage_v1 import BigQueryWriteClient, types
from google.cloud.bigquery_storage_v1.services.big_query_write.transports import BigQueryWriteGrpcTransport
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.rpc import code_pb2

SERVICE = "google.cloud.bigquery.storage.v1.BigQueryWrite"


def decode_rows(request: types.AppendRowsRequest) -> list[dict[str, Any]]:
    """The rows of one request as dicts (field names as sent, int64 as ints, NULL fields absent)."""
    file = descriptor_pb2.FileDescriptorProto(name="appended.proto", syntax="proto2")
    file.message_type.add().CopyFrom(request.proto_rows.writer_schema.proto_descriptor)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    row_type = message_factory.GetMessageClass(pool.FindMessageTypeByName(file.message_type[0].name))
    rows = []
    for serialized in request.proto_rows.rows.serialized_rows:
        row = row_type.FromString(serialized)
        as_dict = json_format.MessageToDict(row, preserving_proto_field_name=True)
        for field in row.DESCRIPTOR.fields:  # MessageToDict writes int64 as strings
            if field.name in as_dict and field.type == field.TYPE_INT64:
                as_dict[field.name] = int(as_dict[field.name])
        rows.append(as_dict)
    return rows


class FakeBigQueryWrite:
    """Records each ``AppendRows`` request with its call's metadata; answers one response each."""

    def __init__(self) -> None:
        self.requests: list[types.AppendRowsRequest] = []
        #: Each call's metadata, as sent (a key may repeat: the library adds its own empty routing header).
        self.metadata: list[list[tuple[str, str]]] = []
        #: When set, every request is answered with this per-row error message.
        self.refuse_rows_with: str | None = None
        self._lock = threading.Lock()
        self._channels: list[grpc.Channel] = []
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        handler = grpc.stream_stream_rpc_method_handler(
            self._append_rows,
            request_deserializer=types.AppendRowsRequest.deserialize,
            response_serializer=types.AppendRowsResponse.serialize,
        )
        self._server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(SERVICE, {"AppendRows": handler}),)
        )
        self.port = self._server.add_insecure_port("127.0.0.1:0")

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Every row appended to ``table``'s default stream, in order."""
        return [
            row
            for request in self.requests
            if request.write_stream.endswith(f"/tables/{table}/streams/_default")
            for row in decode_rows(request)
        ]

    def _append_rows(
        self, requests: Iterator[types.AppendRowsRequest], context: grpc.ServicerContext
    ) -> Iterator[types.AppendRowsResponse]:
        with self._lock:
            self.metadata.append([(m.key, m.value) for m in context.invocation_metadata()])
        for request in requests:
            with self._lock:
                self.requests.append(request)
            if self.refuse_rows_with is not None:
                yield types.AppendRowsResponse(
                    error={
                        "code": code_pb2.INVALID_ARGUMENT,
                        "message": "Errors found while processing rows.",
                    },
                    row_errors=[
                        types.RowError(
                            index=i,
                            code=types.RowError.RowErrorCode.FIELDS_ERROR,
                            message=self.refuse_rows_with,
                        )
                        for i in range(len(request.proto_rows.rows.serialized_rows))
                    ],
                )
            else:
                yield types.AppendRowsResponse(append_result=types.AppendRowsResponse.AppendResult())

    def client(self) -> BigQueryWriteClient:
        """The real client library, over an insecure channel to this fake (closed with it)."""
        channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self._channels.append(channel)
        return BigQueryWriteClient(transport=BigQueryWriteGrpcTransport(channel=channel))  # type: ignore[no-untyped-call]

    def __enter__(self) -> FakeBigQueryWrite:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for channel in self._channels:
            channel.close()
        self._server.stop(grace=None)
