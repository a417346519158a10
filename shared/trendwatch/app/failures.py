"""Which failures are worth retrying, and how a failure is told to people.

The batch handlers (:mod:`trendwatch.app.handling`) sort every exception into one of two
kinds. *Transient* failures are the infrastructure's: a network error, a timeout, a quota, a
service restarting; the same work will succeed later, so the events they cover are retried.
Everything else is taken as *deterministic*: the same input fails the same way every time
(a malformed payload, a value out of range, a bug met by one odd input), so retrying only
delays the good events next to it; the member that causes it is isolated and dead-lettered
with its reason, and can be replayed once the cause is fixed.
"""

from __future__ import annotations

from trendwatch.contracts.cloudevents import InvalidEvent
from trendwatch.ports import TransientFailure

#: The infrastructure's failures: I/O errors and the ports' own :class:`TransientFailure`...
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError, TransientFailure)
#: ...and those of the libraries the adapters use, by name, as a service imports only its own
#: libraries: HTTP transport errors, Google APIs' quota and server errors, DuckDB's I/O errors
#: and write conflicts.
TRANSIENT_ERROR_NAMES = frozenset(
    {
        "httpx.TransportError",
        "google.api_core.exceptions.ServerError",
        "google.api_core.exceptions.TooManyRequests",
        "google.api_core.exceptions.RetryError",
        "_duckdb.IOException",
        "_duckdb.TransactionException",
    }
)


def _is_transient_type(error: BaseException) -> bool:
    return isinstance(error, TRANSIENT_ERRORS) or any(
        f"{kind.__module__}.{kind.__qualname__}" in TRANSIENT_ERROR_NAMES for kind in type(error).__mro__
    )


def is_transient(error: BaseException) -> bool:
    """Whether ``error``, or an error it was explicitly raised from, is the infrastructure's."""
    cause: BaseException | None = error
    while cause is not None:
        if _is_transient_type(cause):
            return True
        cause = cause.__cause__
    return False


def failure_reason(error: BaseException) -> str:
    """A dead letter's reason: an :class:`InvalidEvent`'s own words, else the exception's type
    and message (``RecursionError: maximum recursion depth exceeded ...``)."""
    if isinstance(error, InvalidEvent):
        return str(error)
    return f"{type(error).__name__}: {error}"
