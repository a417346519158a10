"""A local gRPC stand-in for Pub/Sub's Publisher service (``Publish`` only).

The client reaches it the way it reaches the Pub/Sub emulator (``PUBSUB_EMULATOR_HOST``: an
insecure channel, anonymous credentials), so batching, serialization and the gRPC call are the
library's own. Like a project whose topics Terraform created, it knows the topology's topics
and answers NOT_FOUND for any other.
"""

from __future__ import annotations

import threading
from concurrent import futures

import grpc  # type: ignore[import-untyped]
from google.pubsub_v1.types import PublishRequest, PublishResponse

from trendwatch.contracts.topology import TOPOLOGY


class FakePublisherService:
    """Records each ``Publish`` request and answers ids ``m<n>`` numbered across requests."""

    def __init__(self) -> None:
        self.requests: list[PublishRequest] = []
        #: When set, every request fails with this status.
        self.fail_with: grpc.StatusCode | None = None
        self.topics = {t.name for t in TOPOLOGY.topics}
        self._lock = threading.Lock()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        handler = grpc.unary_unary_rpc_method_handler(
            self._publish,
            request_deserializer=PublishRequest.deserialize,
            response_serializer=PublishResponse.serialize,
        )
        self._server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler("google.pubsub.v1.Publisher", {"Publish": handler}),)
        )
        self.port = self._server.add_insecure_port("127.0.0.1:0")

    def _publish(self, request: PublishRequest, context: grpc.ServicerContext) -> PublishResponse:
        topic = request.topic.rsplit("/", 1)[-1]
        if self.fail_with is not None or topic not in self.topics:
            context.abort(
                self.fail_with or grpc.StatusCode.NOT_FOUND, f"Resource not found (resource={topic})."
            )
        with self._lock:
            self.requests.append(request)
            first = sum(len(r.messages) for r in self.requests) - len(request.messages)
        return PublishResponse(message_ids=[f"m{first + i}" for i in range(len(request.messages))])

    def received(self, topic: str) -> list[tuple[bytes, dict[str, str]]]:
        """The messages accepted for ``topic``, in the order they were published."""
        with self._lock:
            return [
                (m.data, dict(m.attributes))
                for r in self.requests
                if r.topic.endswith(f"/topics/{topic}")
                for m in r.messages
            ]

    def __enter__(self) -> FakePublisherService:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop(grace=None)
