"""Posting to the chat webhook after the fact, each thing once: the state one post is in.

What is posted (a trend alert, a restock recommendation) is stored first, marked as waiting
for the webhook; a job then posts what waits and records the outcome on the stored row: sent,
or one more failure. A failed post is tried again by the next run of the job, up to
:data:`WEBHOOK_ATTEMPTS` times in all, then given up with an error in the log (what was posted
is stored and published whatever the webhook does). A sent one is never posted again; only a
crash between a post and its record can post it twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import msgspec

from trendwatch.observability import get_logger

log = get_logger(__name__)

#: Posts of one thing before it is given up: the first and one retry at the next run.
WEBHOOK_ATTEMPTS = 2


class Delivery(msgspec.Struct, frozen=True):
    """Where the webhook stands with one version of a stored thing."""

    version: int
    sent: bool = False
    failures: int = 0

    @property
    def due(self) -> bool:
        return not self.sent and self.failures < WEBHOOK_ATTEMPTS


def attempt(delivery: Delivery, post: Callable[[], None], what: str, context: Mapping[str, str]) -> Delivery:
    """Post once (``post`` raises when the webhook did not take it); ``delivery`` after it:
    sent, or one more failure, logged as ``<what> webhook failed`` with ``context`` (a warning
    while a retry is left, an error once given up)."""
    try:
        post()
    except Exception as exc:  # whatever the sink raised (adapters.webhook names no URL): recorded
        failed = msgspec.structs.replace(delivery, failures=delivery.failures + 1)
        given_up = not failed.due
        (log.error if given_up else log.warning)(
            f"{what} webhook failed" + (", given up" if given_up else ", retried at the next run"),
            extra={**context, "error": str(exc)},
        )
        return failed
    return msgspec.structs.replace(delivery, sent=True)
