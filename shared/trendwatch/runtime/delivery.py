"""What a local runtime delivers: Pub/Sub messages and storage notifications, as CloudEvents."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from cloudevents.http import CloudEvent

from trendwatch.contracts.cloudevents import (
    PubSubMessage,
    StorageObject,
    pubsub_cloudevent,
    storage_cloudevent,
)
from trendwatch.contracts.dead_letters import dead_letter_attributes
from trendwatch.contracts.topology import TOPOLOGY, RetryPolicy, Topology
from trendwatch.observability import get_logger

log = get_logger(__name__)

#: A handler takes a batch of CloudEvents and returns, per event, ``None`` (acknowledged)
#: or the exception that made it fail (it will be retried, then dead-lettered).
BatchHandler = Callable[[Sequence[CloudEvent]], Sequence[BaseException | None]]


@dataclass(frozen=True)
class Route:
    """Where deliveries go: a subscription or a storage trigger, resolved from the topology."""

    name: str
    service: str
    entry_point: str
    dead_letter_topic: str
    retry: RetryPolicy


def routes(topology: Topology = TOPOLOGY) -> dict[str, Route]:
    found = {
        s.name: Route(s.name, s.service, s.entry_point, s.dead_letter_topic, s.retry)
        for s in topology.subscriptions
    }
    found.update(
        {
            t.name: Route(t.name, t.service, t.entry_point, t.dead_letter_topic, t.retry)
            for t in topology.storage_triggers
        }
    )
    return found


@dataclass(frozen=True)
class Delivery:
    """One attempt-tracked delivery of a message or object notification to a route."""

    route: str
    message: PubSubMessage | None = None
    obj: StorageObject | None = None
    event_id: str = ""
    attempt: int = 1

    def cloudevent(self, project: str) -> CloudEvent:
        if self.message is not None:
            return pubsub_cloudevent(replace(self.message, delivery_attempt=self.attempt), project)
        assert self.obj is not None
        return storage_cloudevent(self.obj, self.event_id)

    def dead_letter(self, route: Route, reason: str) -> tuple[bytes, dict[str, str]]:
        """The message Pub/Sub forwards to the dead-letter topic when it gives up: the original
        data and attributes, plus where it came from and (trendwatch's addition) why."""
        if self.message is not None:
            data, attributes = self.message.data, dict(self.message.attributes)
        else:
            assert self.obj is not None
            resource = {"bucket": self.obj.bucket, "name": self.obj.name, "generation": self.obj.generation}
            data, attributes = json.dumps(resource).encode(), {"objectName": self.obj.name}
        log.warning(
            "dead-lettered after retries",
            extra={"route": route.name, "attempts": self.attempt, "reason": reason},
        )
        return data, dead_letter_attributes(
            attributes, source=route.name, reason=reason, attempts=self.attempt
        )
