"""Group commit for push deliveries: events that reach one instance together are handled as one batch.

Pub/Sub pushes one message per request, and an instance serves many requests at once (its
concurrency). Handled one by one, each event would cost its own warehouse statements, and
BigQuery queues only a few mutating DML statements per table at a time. A :class:`Coalescer`
lets the first event of a batch wait up to ``max_wait_s`` for others (or until ``max_batch``
have come), runs the batch handler once for all of them, and gives each request its own
outcome: an event the handler dead-lettered is acknowledged even if others failed, and a
failed batch fails each of its requests, so Pub/Sub redelivers those messages (the handlers
are idempotent, so the ones that were partly written are not counted twice).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from cloudevents.http import CloudEvent

from trendwatch.runtime.delivery import BatchHandler


class _Batch:
    def __init__(self) -> None:
        self.events: list[CloudEvent] = []
        self.full = threading.Event()
        self.done = threading.Event()
        self.outcomes: Sequence[BaseException | None] = ()


class Coalescer:
    """Delivers single events through ``handler`` in batches of the events that arrive together."""

    def __init__(self, handler: BatchHandler, *, max_wait_s: float, max_batch: int = 500) -> None:
        if max_wait_s < 0 or max_batch < 1:
            raise ValueError("max_wait_s must be >= 0 and max_batch >= 1")
        self._handler = handler
        self._max_wait_s = max_wait_s
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._open: _Batch | None = None

    def deliver(self, event: CloudEvent) -> BaseException | None:
        """Handle ``event`` with those delivered within the wait; returns its outcome."""
        with self._lock:
            leads = self._open is None
            if self._open is None:
                self._open = _Batch()
            batch = self._open
            index = len(batch.events)
            batch.events.append(event)
            if len(batch.events) >= self._max_batch:
                self._open = None
                batch.full.set()
        if not leads:
            batch.done.wait()
            return batch.outcomes[index]
        batch.full.wait(self._max_wait_s)
        with self._lock:
            if self._open is batch:
                self._open = None
        try:
            batch.outcomes = self._handler(batch.events)
        except BaseException as exc:  # the handler itself broke: every request of the batch fails
            batch.outcomes = [exc] * len(batch.events)
        finally:
            batch.done.set()
        return batch.outcomes[index]
