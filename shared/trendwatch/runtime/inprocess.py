"""The in-process bus: Pub/Sub and Eventarc semantics in one process (DESIGN §5).

* at-least-once delivery of each published message to every subscription whose filter
  matches, each wrapped in the exact CloudEvent Eventarc would push;
* storage finalize notifications delivered to matching storage triggers;
* retries with the subscription's exponential backoff (scaled by ``backoff_scale`` so a
  local run does not wait minutes), then the dead-letter topic with the failure reason;
* optional fault injection (duplicates, transient failures) for tests.

Handlers receive batches (like a Pub/Sub pull with ``max_messages``) so that a
handler may write one batch at a time; each event in the batch is still a separate
CloudEvent with its own outcome.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from trendwatch.contracts.cloudevents import PubSubMessage, StorageObject
from trendwatch.contracts.topology import TOPOLOGY, Topology
from trendwatch.observability import get_logger
from trendwatch.ports import Clock, Message
from trendwatch.runtime.delivery import BatchHandler, Delivery, Route, routes

log = get_logger(__name__)

DeadLetterListener = Callable[[str, PubSubMessage], None]


class TransientFault(RuntimeError):
    """Raised by fault injection in place of a handler call, to exercise retries."""


@dataclass
class FaultInjection:
    """Deterministic chaos for tests: redeliver some messages, fail some attempts."""

    duplicate_rate: float = 0.0
    failure_rate: float = 0.0
    seed: int = 0
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def duplicate(self) -> bool:
        return self._random.random() < self.duplicate_rate

    def fail(self) -> bool:
        return self._random.random() < self.failure_rate


@dataclass
class BusStats:
    published: Counter[str] = field(default_factory=Counter)
    delivered: Counter[str] = field(default_factory=Counter)
    retried: Counter[str] = field(default_factory=Counter)
    dead_lettered: Counter[str] = field(default_factory=Counter)


class InProcessBus:
    """A :class:`~trendwatch.ports.Publisher` that delivers to local handlers."""

    def __init__(
        self,
        clock: Clock,
        *,
        project: str = "trendwatch-local",
        bucket: str = "trendwatch-lake",
        topology: Topology = TOPOLOGY,
        max_batch: int = 500,
        backoff_scale: float = 0.001,
        faults: FaultInjection | None = None,
    ) -> None:
        self._clock = clock
        self._project = project
        self._bucket = bucket
        self._topology = topology
        self._routes = routes(topology)
        self._handlers: dict[str, BatchHandler] = {}
        self._dead_letter_listeners: list[DeadLetterListener] = []
        self._max_batch = max_batch
        self._backoff_scale = backoff_scale
        self._faults = faults or FaultInjection()
        self._ids = itertools.count(1)
        self._sequence = itertools.count()
        # Per route, a priority queue of (ready_at, sequence, delivery) in delivery order.
        self._pending: dict[str, list[tuple[float, int, Delivery]]] = {}
        self._elapsed = 0.0
        self.stats = BusStats()

    # -- wiring ---------------------------------------------------------------------
    def subscribe(self, route: str, handler: BatchHandler) -> None:
        if route not in self._routes:
            raise KeyError(f"{route!r} is neither a subscription nor a storage trigger of the topology")
        self._handlers[route] = handler

    def on_dead_letter(self, listener: DeadLetterListener) -> None:
        """Receive every message published to a dead-letter topic (the local dead-letter sink)."""
        self._dead_letter_listeners.append(listener)

    # -- Publisher port -------------------------------------------------------------
    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str] | None = None) -> str:
        definition = self._topology.topic(topic)
        message = PubSubMessage(
            message_id=str(next(self._ids)),
            data=data,
            attributes=dict(attributes or {}),
            publish_time=self._clock.now(),
            topic=topic,
        )
        self.stats.published[topic] += 1
        if definition.dead_letter:
            for listener in self._dead_letter_listeners:
                listener(topic, message)
            return message.message_id
        for subscription in self._topology.subscriptions_of(topic):
            if subscription.filter is None or subscription.filter.matches(message.attributes):
                self._enqueue(
                    Delivery(subscription.name, message=replace(message, subscription=subscription.name))
                )
        return message.message_id

    def publish_many(self, topic: str, messages: Sequence[Message]) -> list[str]:
        return [self.publish(topic, data, attributes) for data, attributes in messages]

    def notify_finalized(self, obj: StorageObject) -> None:
        """A GCS ``object.finalize`` notification: deliver it to every matching storage trigger."""
        for trigger in self._topology.triggers_for(obj.name):
            self._enqueue(Delivery(trigger.name, obj=obj, event_id=str(next(self._ids))))

    # -- delivery loop --------------------------------------------------------------
    def _enqueue(self, delivery: Delivery, delay: float = 0.0) -> None:
        queue = self._pending.setdefault(delivery.route, [])
        heapq.heappush(queue, (self._elapsed + delay, next(self._sequence), delivery))
        if delay == 0.0 and delivery.attempt == 1 and self._faults.duplicate():
            heapq.heappush(queue, (self._elapsed, next(self._sequence), delivery))

    @property
    def pending(self) -> int:
        return sum(len(queue) for queue in self._pending.values())

    def run_until_idle(self) -> None:
        """Deliver until no message is pending (retries included)."""
        while True:
            queues = [queue for queue in self._pending.values() if queue]
            if not queues:
                return
            queue = min(queues, key=lambda q: q[0][:2])
            ready_at = queue[0][0]
            if ready_at > self._elapsed:
                self._clock.sleep(ready_at - self._elapsed)
                self._elapsed = ready_at
            batch: list[Delivery] = []
            while queue and queue[0][0] <= self._elapsed and len(batch) < self._max_batch:
                batch.append(heapq.heappop(queue)[2])
            self._deliver_batch(batch)

    def _deliver_batch(self, batch: list[Delivery]) -> None:
        route = self._routes[batch[0].route]
        handler = self._handlers.get(route.name)
        if handler is None:
            raise RuntimeError(
                f"no handler subscribed for {route.name!r} ({route.service}.{route.entry_point})"
            )
        outcomes: list[BaseException | None]
        if self._faults.fail():
            outcomes = [TransientFault("injected transient failure")] * len(batch)
        else:
            events = [d.cloudevent(self._project) for d in batch]
            outcomes = list(handler(events))
        for delivery, outcome in zip(batch, outcomes, strict=True):
            if outcome is None:
                self.stats.delivered[route.name] += 1
            else:
                self._retry_or_dead_letter(route, delivery, outcome)

    def _retry_or_dead_letter(self, route: Route, delivery: Delivery, error: BaseException) -> None:
        if delivery.attempt >= route.retry.max_delivery_attempts:
            self.stats.dead_lettered[route.name] += 1
            self.publish(
                route.dead_letter_topic, *delivery.dead_letter(route, f"{type(error).__name__}: {error}")
            )
            return
        self.stats.retried[route.name] += 1
        delay = route.retry.backoff(delivery.attempt) * self._backoff_scale
        self._enqueue(replace(delivery, attempt=delivery.attempt + 1), delay)
