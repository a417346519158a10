"""Structured logging in Cloud Logging's format and W3C trace-context propagation."""

from trendwatch.observability.log import configure_logging, get_logger
from trendwatch.observability.trace import (
    TraceContext,
    current_trace,
    inject_traceparent,
    trace_scope,
)

__all__ = [
    "TraceContext",
    "configure_logging",
    "current_trace",
    "get_logger",
    "inject_traceparent",
    "trace_scope",
]
