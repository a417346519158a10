"""Pub/Sub behind the :class:`~trendwatch.ports.Publisher` port.

The client batches messages per topic (up to ``max_messages`` or ``max_latency`` seconds,
whichever comes first). :meth:`PubSubPublisher.publish` waits for the message id, so one
message at a time pays up to ``max_latency`` each; the services publish their batches with
:meth:`PubSubPublisher.publish_many`, which waits once per batch.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import google.cloud.pubsub_v1 as pubsub_v1

from trendwatch.ports import Message


class PubSubPublisher:
    """Publish to ``projects/<project>/topics/<topic>``; the client is created on first use."""

    def __init__(
        self,
        project: str,
        *,
        client: pubsub_v1.PublisherClient | None = None,
        max_messages: int = 500,
        max_latency: float = 0.05,
        timeout: float = 60.0,
    ) -> None:
        self.project = project
        self._client = client
        self._client_lock = threading.Lock()
        self._batch_settings = pubsub_v1.types.BatchSettings(
            max_messages=max_messages, max_latency=max_latency
        )
        self._timeout = timeout

    @property
    def client(self) -> pubsub_v1.PublisherClient:
        with self._client_lock:
            if self._client is None:
                self._client = pubsub_v1.PublisherClient(batch_settings=self._batch_settings)
            return self._client

    def topic_path(self, topic: str) -> str:
        return f"projects/{self.project}/topics/{topic}"

    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str] | None = None) -> str:
        return self.publish_many(topic, [(data, attributes or {})])[0]

    def publish_many(self, topic: str, messages: Sequence[Message]) -> list[str]:
        """Hand the whole batch to the client, then wait for every id: one batching delay per batch."""
        path = self.topic_path(topic)
        futures = [self.client.publish(path, data, **dict(attributes)) for data, attributes in messages]
        return [str(future.result(timeout=self._timeout)) for future in futures]
