"""A :class:`~trendwatch.ports.Publisher` decorator that makes every publish a span.

Each message gets a producer span, child of the ``traceparent`` already in its attributes
(the span of the event that caused it) or else of the current span; the message leaves with
the publish span's own ``traceparent``, so the next hop's span is the publish span's child.
A message published outside any trace (a local replay's rejected lines) is passed on as it
is: there is no trace to continue, and its attributes stay the same from run to run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from opentelemetry.trace import Span, SpanKind

from trendwatch.observability.trace import TRACEPARENT, current_trace, end_span, start_span, traceparent_of
from trendwatch.ports import Message, Publisher

#: Message attributes copied onto spans, so that a tweet's spans can be searched by its id.
SEARCHABLE_ATTRIBUTES = ("tweet_id", "media_key")


def message_span_attributes(attributes: Mapping[str, str]) -> dict[str, str]:
    """Span attributes naming the tweet (or image) a message is about."""
    return {f"trendwatch.{key}": attributes[key] for key in SEARCHABLE_ATTRIBUTES if key in attributes}


class TracedPublisher:
    """Publishes through ``inner``, one ``publish <topic>`` span per message."""

    def __init__(self, inner: Publisher) -> None:
        self._inner = inner

    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str] | None = None) -> str:
        return self.publish_many(topic, [(data, dict(attributes or {}))])[0]

    def publish_many(self, topic: str, messages: Sequence[Message]) -> list[str]:
        if not messages:
            return self._inner.publish_many(topic, messages)
        spans: list[Span | None] = []
        traced: list[Message] = []
        current = current_trace()
        for data, attributes in messages:
            parent = attributes.get(TRACEPARENT) or (current.traceparent if current else None)
            if parent is None:
                spans.append(None)
                traced.append((data, attributes))
                continue
            span = start_span(
                f"publish {topic}",
                parent,
                kind=SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "gcp_pubsub",
                    "messaging.operation.type": "publish",
                    "messaging.destination.name": topic,
                    **message_span_attributes(attributes),
                },
            )
            spans.append(span)
            traced.append((data, {**attributes, TRACEPARENT: traceparent_of(span)}))
        try:
            ids = self._inner.publish_many(topic, traced)
        except BaseException as exc:
            for span in filter(None, spans):
                end_span(span, exc)
            raise
        for published, message_id in zip(spans, ids, strict=True):
            if published is not None:
                published.set_attribute("messaging.message.id", message_id)
                end_span(published)
        return ids
