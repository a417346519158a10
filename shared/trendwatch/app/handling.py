"""Batch handling with dead-lettering, once for every service: no member fails its neighbours.

In the spirit of Powertools' batch processor, the rule (which holds whatever a message
contains, by construction rather than case by case):

* **Decoding** is per member. Each CloudEvent of a batch is parsed and decoded on its own; if
  that raises anything but a transient failure (:func:`~trendwatch.app.failures.is_transient`:
  an :class:`InvalidEvent`, but also a ``RecursionError`` on a deeply nested payload or any
  other exception), that member alone is published to its dead-letter topic with a readable
  reason naming the exception, and acknowledged.
* **Processing** is per batch: the decoded members are processed together. A transient failure
  fails (so retries) the events it covers. Any other failure is taken as caused by a member:
  the batch is split in halves and each half processed again, down to single members, so the
  good neighbours are stored and the member that still fails alone is dead-lettered with its
  reason. Processing is idempotent (upserts by key), so a half processed twice changes nothing.
* A member that cannot be dead-lettered (the publisher is unavailable) is retried.

A storage trigger's object is handled alone, by the same rule. Usage::

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

from .failures import failure_reason, is_transient

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


@dataclass(frozen=True)
class _Member(Generic[T]):
    """A decoded member of a batch: where it was in the batch, and its open span."""

    index: int
    received: Received[T]
    span: Span


#: What became of a member: acknowledged (``None``), to retry (the exception), or
#: dead-lettered (the reason, for its span).
_Outcome = BaseException | str | None


def _dead_letter(
    dead_letters: DeadLetters,
    route: Route,
    data: bytes,
    attributes: Mapping[str, str],
    error: BaseException,
    *,
    prefix: str = "",
) -> _Outcome:
    """Dead-letter a member that failed with a deterministic ``error``; the reason, or the
    publisher's own failure when it cannot be dead-lettered now (then it is retried)."""
    reason = prefix + failure_reason(error)
    if not isinstance(error, InvalidEvent):
        log.warning("deterministic failure", exc_info=error)
    try:
        dead_letters.reject(route, data, attributes, reason)
    except Exception as exc:
        log.exception("dead-lettering failed; will be retried", extra={"route": route.name})
        return exc
    return f"dead-lettered: {reason}"


def pubsub_batch_handler(
    route: Route,
    decode: Callable[[PubSubMessage], T],
    process: Callable[[Sequence[Received[T]]], None],
    dead_letters: DeadLetters,
) -> BatchHandler:
    """A :data:`BatchHandler` for a Pub/Sub subscription (see module docstring)."""

    def reject(member: _Member[T], error: BaseException) -> _Outcome:
        message = member.received.message
        return _dead_letter(dead_letters, route, message.data, message.attributes, error)

    def decoded(index: int, event: CloudEvent) -> _Member[T] | _Outcome:
        try:
            message = parse_pubsub_cloudevent(event)
        except Exception as exc:
            payload = _raw_event_payload(event)
            return _dead_letter(dead_letters, route, payload, {}, exc, prefix="invalid envelope: ")
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
                return _Member(index, Received(message, decode(message), context), span)
            except Exception as exc:
                outcome: _Outcome = exc
                if not is_transient(exc):
                    outcome = _dead_letter(dead_letters, route, message.data, message.attributes, exc)
        end_span(span, outcome)
        return outcome

    def processed(members: Sequence[_Member[T]]) -> list[tuple[_Member[T], _Outcome]]:
        """Process ``members`` together; on a deterministic failure, each half again (see
        the module docstring)."""
        try:
            process([m.received for m in members])
        except Exception as exc:
            if is_transient(exc):
                log.exception(
                    "batch failed; will be retried", extra={"route": route.name, "size": len(members)}
                )
                return [(m, exc) for m in members]
            if len(members) == 1:
                return [(members[0], reject(members[0], exc))]
            half = len(members) // 2
            return processed(members[:half]) + processed(members[half:])
        return [(m, None) for m in members]

    def handle(events: Sequence[CloudEvent]) -> list[BaseException | None]:
        outcomes: list[BaseException | None] = [None] * len(events)
        members: list[_Member[T]] = []
        for index, event in enumerate(events):
            result = decoded(index, event)
            if isinstance(result, _Member):
                members.append(result)
            elif isinstance(result, BaseException):
                outcomes[index] = result
        if not members:
            return outcomes
        now = time.time()
        for member, outcome in processed(members):
            outcomes[member.index] = outcome if isinstance(outcome, BaseException) else None
            end_span(member.span, outcome)
            if outcome is None:
                metrics.event_handled(
                    route.service, route.name, now - member.received.message.publish_time.timestamp()
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
            outcome: _Outcome = None
            with activated(span):
                try:
                    process(parse_storage_cloudevent(event))
                except Exception as exc:
                    if is_transient(exc):
                        log.exception(
                            "object processing failed; will be retried", extra={"route": route.name}
                        )
                        outcome = exc
                    else:
                        outcome = _dead_letter(
                            dead_letters,
                            route,
                            _raw_event_payload(event),
                            {"subject": str(event.get("subject"))},
                            exc,
                        )
            end_span(span, outcome)
            outcomes.append(outcome if isinstance(outcome, BaseException) else None)
        return outcomes

    return handle
