"""JSON log lines in Cloud Logging's structured format, set up once for every service.

Cloud Run forwards each stdout/stderr line that is a JSON object to Cloud Logging
and reads the special keys ``severity``, ``message``, ``logging.googleapis.com/trace``
and ``logging.googleapis.com/spanId``; the rest lands in ``jsonPayload``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

from trendwatch.observability.trace import current_trace

_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
_configured = False


class CloudLoggingFormatter(logging.Formatter):
    """Format records as one JSON object per line, with trace fields when a trace is active."""

    def __init__(self, project: str) -> None:
        super().__init__()
        self._project = project

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": record.levelname,
            "message": record.getMessage(),
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "logger": record.name,
        }
        trace = current_trace()
        if trace is not None:
            entry["logging.googleapis.com/trace"] = f"projects/{self._project}/traces/{trace.trace_id}"
            entry["logging.googleapis.com/spanId"] = trace.span_id
            entry["logging.googleapis.com/trace_sampled"] = trace.sampled
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["stack_trace"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO", project: str | None = None, stream: Any = None) -> None:
    """Install the JSON formatter on the root logger (idempotent)."""
    global _configured
    root = logging.getLogger()
    root.setLevel(level.upper())
    if _configured:
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        CloudLoggingFormatter(project or os.environ.get("GOOGLE_CLOUD_PROJECT", "trendwatch-local"))
    )
    root.handlers[:] = [handler]
    # HTTP clients log every request at INFO: noise next to the services' own lines.
    for chatty in ("httpx", "httpcore", "urllib3"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    _configured = True


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
