from __future__ import annotations

import io
import json
import logging

from trendwatch.observability import TraceContext, current_trace, inject_traceparent, trace_scope
from trendwatch.observability.log import CloudLoggingFormatter

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_trace_scope_continues_the_parent_trace_with_a_new_span() -> None:
    with trace_scope(PARENT) as context:
        assert context.trace_id == "0af7651916cd43dd8448eb211c80319c"
        assert context.span_id != "b7ad6b7169203331"
        assert inject_traceparent({})["traceparent"] == context.traceparent
    assert current_trace() is None


def test_malformed_traceparent_starts_a_new_trace() -> None:
    assert TraceContext.parse("00-zz-b7ad6b7169203331-01") is None
    assert TraceContext.parse("00-" + "0" * 32 + "-b7ad6b7169203331-01") is None
    with trace_scope("garbage") as context:
        assert len(context.trace_id) == 32


def test_log_lines_are_cloud_logging_json_with_trace_fields() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(CloudLoggingFormatter("proj"))
    logger = logging.getLogger("test.observability")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with trace_scope(PARENT) as context:
            logger.warning("dead-lettered", extra={"route": "r1"})
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["severity"] == "WARNING"
    assert entry["message"] == "dead-lettered"
    assert entry["route"] == "r1"
    assert entry["logging.googleapis.com/trace"] == "projects/proj/traces/0af7651916cd43dd8448eb211c80319c"
    assert entry["logging.googleapis.com/spanId"] == context.span_id
