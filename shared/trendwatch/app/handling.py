"""Batch handling with dead-lettering on validation errors, once for every service.

In the spirit of Powertools' batch processor: each CloudEvent of a batch is parsed and
decoded on its own; one that can never succeed (bad envelope, malformed payload) is
published to its dead-letter topic with the reason and acknowledged, so the batch
goes on; the rest is processed together, and a transient failure there fails (and
so retries) the events it covers. Usage::

    handler = pubsub_batch_handler(route, decode_tweet, service.enrich, dead_letters)
    outcomes = handler(cloudevents)   # one None (ack) or exception (retry) per event
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from cloudevents.http import CloudEvent
from opentelemetry.trace import Span, SpanKind

from trendwatch.contracts.cloudevents import (
    InvalidEvent,
    PubSubMessage,
    StorageObject,
    parse_pubsub_cloudevent,
    parse_storage_cloudevent,
)
from trendwatch.contracts.dead_letters import dead_letter_attributes
from trendwatch.observability import (
    TRACEPARENT,
    TraceContext,
    activated,
    end_span,
    get_logger,
    message_span_attributes,
    metrics,
    start_span,
)
from trendwatch.ports import BlobStore, Publisher
from trendwatch.runtime.delivery import BatchHandler, Route

T = TypeVar("T")
log = get_logger(__name__)


@dataclass(frozen=True)
class Received(Generic[T]):
    """A decoded message with what is needed to continue its trace."""

    message: PubSubMessage
    value: T
    #: The span handling this message (open until the batch is processed).
    span: TraceContext | None = None

    @property
    def traceparent(self) -> str | None:
        """Where work on this message continues its trace: its handling span, else its publisher's."""
        return self.span.traceparent if self.span else self.message.attributes.get(TRACEPARENT)


class DeadLetters:
    """Publishes rejected messages to a dead-letter topic, with the reason."""

    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher

    def reject(self, route: Route, data: bytes, attributes: Mapping[str, str], reason: str) -> None:
        """Dead-letter a message a subscription or trigger can never process."""
        self.send(route.dead_letter_topic, route.name, data, attributes, reason)

    def send(self, topic: str, source: str, data: bytes, attributes: Mapping[str, str], reason: str) -> None:
        log.warning("rejected to dead letter", extra={"source": source, "topic": topic, "reason": reason})
        metrics.dead_lettered(source)
        self._publisher.publish(topic, data, dead_letter_attributes(attributes, source=source, reason=reason))


def read_landed(landing: BlobStore, obj: StorageObject) -> bytes:
    """The object a storage trigger fired for; :class:`InvalidEvent` if it is not in ``landing``."""
    if obj.bucket != landing.bucket:
        raise InvalidEvent(f"gs://{obj.bucket}/{obj.name} is not in the landing bucket {landing.bucket}")
    try:
        return landing.read(obj.name)
    except FileNotFoundError as exc:
        raise InvalidEvent(f"{exc} (deleted before it was processed)") from exc


def _raw_event_payload(event: CloudEvent) -> bytes:
    data = event.get_data()
    return data if isinstance(data, bytes) else repr(data).encode()


def _event_span(
    route: Route, event: CloudEvent, traceparent: str | None, attributes: Mapping[str, str | int]
) -> Span:
    """The span of one delivered event: a child of the span that published it, if any."""
    return start_span(
        f"process {route.name}",
        traceparent,
        kind=SpanKind.CONSUMER,
        attributes={
            "trendwatch.service": route.service,
            "trendwatch.entry_point": route.entry_point,
            "cloudevents.event_type": str(event["type"]),
            "cloudevents.event_id": str(event["id"]),
            **attributes,
        },
    )


def pubsub_batch_handler(
    route: Route,
    decode: Callable[[PubSubMessage], T],
    process: Callable[[Sequence[Received[T]]], None],
    dead_letters: DeadLetters,
) -> BatchHandler:
    """A :data:`BatchHandler` for a Pub/Sub subscription (see module docstring)."""

    def handle(events: Sequence[CloudEvent]) -> list[BaseException | None]:
        outcomes: list[BaseException | None] = [None] * len(events)
        accepted: list[tuple[int, Received[T], Span]] = []
        for index, event in enumerate(events):
            try:
                message = parse_pubsub_cloudevent(event)
            except InvalidEvent as exc:
                dead_letters.reject(route, _raw_event_payload(event), {}, f"invalid envelope: {exc}")
                continue
            span = _event_span(
                route,
                event,
                message.attributes.get(TRACEPARENT),
                {
                    "messaging.system": "gcp_pubsub",
                    "messaging.operation.type": "process",
                    "messaging.destination.subscription.name": route.name,
                    "messaging.message.id": message.message_id,
                    "messaging.gcp_pubsub.message.delivery_attempt": message.delivery_attempt,
                    **message_span_attributes(message.attributes),
                },
            )
            with activated(span) as context:
                try:
                    accepted.append((index, Received(message, decode(message), context), span))
                except InvalidEvent as exc:
                    dead_letters.reject(route, message.data, message.attributes, str(exc))
                    end_span(span, f"dead-lettered: {exc}")
        if not accepted:
            return outcomes
        failure: Exception | None = None
        try:
            process([received for _, received, _ in accepted])
        except InvalidEvent:
            raise  # a decode-time concern leaking into processing is a programming error
        except Exception as exc:
            log.exception("batch failed; will be retried", extra={"route": route.name, "size": len(accepted)})
            failure = exc
        now = time.time()
        for index, received, span in accepted:
            outcomes[index] = failure
            end_span(span, failure)
            if failure is None:
                metrics.event_handled(
                    route.service, route.name, now - received.message.publish_time.timestamp()
                )
        return outcomes

    return handle


def storage_handler(
    route: Route,
    process: Callable[[StorageObject], object],
    dead_letters: DeadLetters,
) -> BatchHandler:
    """A :data:`BatchHandler` for a storage trigger: one object at a time."""

    def handle(events: Sequence[CloudEvent]) -> list[BaseException | None]:
        outcomes: list[BaseException | None] = []
        for event in events:
            span = _event_span(route, event, None, {"gcp.gcs.object": str(event.get("subject"))})
            outcome: BaseException | str | None = None
            with activated(span):
                try:
                    process(parse_storage_cloudevent(event))
                except InvalidEvent as exc:
                    dead_letters.reject(
                        route, _raw_event_payload(event), {"subject": str(event.get("subject"))}, str(exc)
                    )
                    outcome = f"dead-lettered: {exc}"
                except Exception as exc:
                    log.exception("object processing failed; will be retried", extra={"route": route.name})
                    outcome = exc
            end_span(span, outcome)
            outcomes.append(outcome if isinstance(outcome, BaseException) else None)
        return outcomes

    return handle
