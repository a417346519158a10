"""W3C trace context (``traceparent``) carried across every hop in message attributes.

Usage::

    with trace_scope(attributes.get("traceparent")):
        log.info("enriched")             # log lines carry the trace id
        publisher.publish(topic, data, inject_traceparent({}))  # next hop continues it
"""

from __future__ import annotations

import contextvars
import re
import secrets
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@dataclass(frozen=True)
class TraceContext:
    trace_id: str
    span_id: str
    sampled: bool = True

    @classmethod
    def new(cls) -> TraceContext:
        return cls(trace_id=secrets.token_hex(16), span_id=secrets.token_hex(8))

    @classmethod
    def parse(cls, header: str | None) -> TraceContext | None:
        """Parse a ``traceparent`` header; ``None`` when absent or malformed."""
        if not header:
            return None
        match = _TRACEPARENT.match(header.strip().lower())
        if not match or match.group(1) == "0" * 32 or match.group(2) == "0" * 16:
            return None
        return cls(match.group(1), match.group(2), int(match.group(3), 16) & 1 == 1)

    def child(self) -> TraceContext:
        """A new span in the same trace."""
        return TraceContext(self.trace_id, secrets.token_hex(8), self.sampled)

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{'01' if self.sampled else '00'}"


_current: contextvars.ContextVar[TraceContext | None] = contextvars.ContextVar(
    "trendwatch_trace", default=None
)


def current_trace() -> TraceContext | None:
    return _current.get()


@contextmanager
def trace_scope(traceparent: str | None = None) -> Iterator[TraceContext]:
    """Continue the trace in ``traceparent`` (as a child span) or start a new one."""
    parent = TraceContext.parse(traceparent)
    context = parent.child() if parent else TraceContext.new()
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def inject_traceparent(attributes: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add the current ``traceparent`` to outgoing message attributes (if a trace is active)."""
    context = _current.get()
    if context is not None:
        attributes["traceparent"] = context.traceparent
    return attributes
