"""What the paid Cloud APIs (Natural Language, Vision) have in common: cache, retries, cost log.

Both bill per item and per requested feature, so both adapters remember answers by the
sha256 of the content (a retweeted text or a reposted image is paid for once), retry quota
and transient errors with exponential backoff, and log their usage and estimated cost as
structured records through one :class:`UsageMeter`.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

from google.api_core import exceptions
from google.api_core.retry import Retry, if_exception_type

from trendwatch.observability.log import get_logger

V = TypeVar("V")

#: Quota exhaustion (HTTP 429 over REST, RESOURCE_EXHAUSTED over gRPC) and transient server
#: errors are retried; nothing else is (a bad request fails the same way every time).
RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    exceptions.TooManyRequests,
    exceptions.ResourceExhausted,
    exceptions.ServiceUnavailable,
    exceptions.InternalServerError,
    exceptions.DeadlineExceeded,
)
is_retryable = if_exception_type(*RETRYABLE_ERRORS)


def backoff(*, maximum: float, timeout: float) -> Retry:
    """Exponential backoff from 1 s, doubling up to ``maximum`` s, giving up after ``timeout`` s."""
    return Retry(predicate=is_retryable, initial=1.0, maximum=maximum, multiplier=2.0, timeout=timeout)


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ContentCache(Generic[V]):
    """Answers by content digest, least recently used dropped first; safe across threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[str, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: str, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


class UsageMeter:
    """Counts items, paid calls, cache hits and billing units of one API; logs the estimated cost.

    A record is logged as soon as ``report_every`` items have been seen since the last one
    (``1``: after every batch), with that period's figures and the running totals.
    """

    def __init__(self, api: str, *, usd_per_1000_units: float, report_every: int, logger_name: str) -> None:
        self.api = api
        self.usd_per_1000_units = usd_per_1000_units
        self.report_every = report_every
        self._log = get_logger(logger_name)
        self._lock = threading.Lock()
        self._period = _Counts()
        self.total = _Counts()

    def record(self, *, items: int, api_calls: int, cache_hits: int, billing_units: int) -> None:
        with self._lock:
            for counts in (self._period, self.total):
                counts.add(items, api_calls, cache_hits, billing_units)
            if self._period.items >= self.report_every:
                self._report()

    def flush(self) -> None:
        """Log what was counted since the last record, if anything (end of a backfill)."""
        with self._lock:
            if self._period.items:
                self._report()

    def _report(self) -> None:
        period, total = self._period, self.total
        cost = period.billing_units * self.usd_per_1000_units / 1000
        self._log.info(
            f"{self.api} usage",
            extra={
                "api": self.api,
                "items": period.items,
                "api_calls": period.api_calls,
                "cache_hits": period.cache_hits,
                "billing_units": period.billing_units,
                "estimated_cost_usd": round(cost, 6),
                "estimated_cost_usd_per_1000_items": round(cost * 1000 / period.items, 4),
                "total_items": total.items,
                "total_estimated_cost_usd": round(total.billing_units * self.usd_per_1000_units / 1000, 6),
            },
        )
        self._period = _Counts()


@dataclass(slots=True)
class _Counts:
    items: int = 0
    api_calls: int = 0
    cache_hits: int = 0
    billing_units: int = 0

    def add(self, items: int, api_calls: int, cache_hits: int, billing_units: int) -> None:
        self.items += items
        self.api_calls += api_calls
        self.cache_hits += cache_hits
        self.billing_units += billing_units
