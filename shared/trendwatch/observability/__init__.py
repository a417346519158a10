"""Structured logs in Cloud Logging's format, OpenTelemetry spans carried across every hop in
W3C ``traceparent`` message attributes, and the pipeline's custom metrics."""

from trendwatch.observability.log import configure_logging, get_logger
from trendwatch.observability.publishing import TracedPublisher, message_span_attributes
from trendwatch.observability.trace import (
    TRACEPARENT,
    TraceContext,
    activated,
    continue_trace,
    current_span,
    current_trace,
    end_span,
    inject_traceparent,
    start_span,
    trace_scope,
)

__all__ = [
    "TRACEPARENT",
    "TraceContext",
    "TracedPublisher",
    "activated",
    "configure_logging",
    "continue_trace",
    "current_span",
    "current_trace",
    "end_span",
    "get_logger",
    "inject_traceparent",
    "message_span_attributes",
    "start_span",
    "trace_scope",
]
