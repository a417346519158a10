"""Where spans and metrics go, chosen once per process from the settings.

``TRENDWATCH_TELEMETRY`` (``Settings.telemetry``) picks the exporters; unset, it follows the
backend:

* ``gcp`` (the default with ``TRENDWATCH_BACKEND=gcp``): spans to Cloud Trace (batched),
  metrics to Cloud Monitoring every minute, tagged with the Cloud Run resource;
* ``file``: JSON lines under ``<state dir>/telemetry/``, one spans file and one metrics file
  per process (``spans-<service>-<pid>.jsonl``), spans batched as in production (written
  within seconds, and when the process stops);
* ``console``: the same JSON lines on stdout;
* ``off`` (the default locally, hence in tests): spans still exist (their ids travel in
  message attributes and log lines) but are not exported; metrics are not recorded.

What is batched is exported when the process exits and when it receives SIGTERM, which
Cloud Run sends about ten seconds before it stops an instance (see :func:`flush_on_sigterm`).
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import IO

from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricExporter,
    MetricReader,
    MetricsData,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource, get_aggregated_resources
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

from trendwatch.observability import metrics, trace
from trendwatch.settings import Settings, TelemetryMode

TELEMETRY_DIR = "telemetry"
#: Cloud Monitoring accepts a point per series at most every 5 s; a minute is its usual grain.
GCP_METRIC_INTERVAL_MS = 60_000
LOCAL_METRIC_INTERVAL_MS = 10_000
#: How long the SIGTERM handler may spend flushing: Cloud Run kills the instance 10 s after
#: SIGTERM, and the previous handler needs some of that time too.
SIGTERM_FLUSH_TIMEOUT_S = 6.0

#: A Python signal handler, and what ``signal.getsignal`` may answer (``SIG_DFL``, ``SIG_IGN``,
#: or ``None`` for a handler installed outside Python).
SignalHandler = Callable[[int, FrameType | None], object]
InstalledHandler = SignalHandler | int | None

_shutdown_registered = False
_sigterm_handler_installed = False


def telemetry_mode(settings: Settings) -> TelemetryMode:
    if settings.telemetry is not None:
        return settings.telemetry
    return "gcp" if settings.backend == "gcp" else "off"


def telemetry_dir(settings: Settings) -> Path:
    return settings.state_dir / TELEMETRY_DIR


def span_files(settings: Settings) -> Iterator[Path]:
    """Every spans file written with ``file`` telemetry under the settings' state dir."""
    return iter(sorted(telemetry_dir(settings).glob("spans-*.jsonl")))


def _span_line(span: ReadableSpan) -> str:
    return str(span.to_json(indent=None)) + "\n"


def _metrics_line(data: MetricsData) -> str:
    return str(data.to_json(indent=None)) + "\n"


def _local_exporters(out: IO[str], metrics_out: IO[str]) -> tuple[SpanProcessor, MetricReader]:
    # Batched like Cloud Trace's, so that local runs (the --processes router stops each
    # service with SIGTERM) go through the flush production depends on.
    spans = BatchSpanProcessor(ConsoleSpanExporter(out=out, formatter=_span_line))
    exporter: MetricExporter = ConsoleMetricExporter(out=metrics_out, formatter=_metrics_line)
    return spans, PeriodicExportingMetricReader(exporter, export_interval_millis=LOCAL_METRIC_INTERVAL_MS)


def _gcp_exporters(project: str) -> tuple[SpanProcessor, MetricReader]:
    from opentelemetry.exporter.cloud_monitoring import CloudMonitoringMetricsExporter
    from opentelemetry.exporter.cloud_trace import CloudTraceSpanExporter

    return (
        BatchSpanProcessor(CloudTraceSpanExporter(project_id=project)),  # type: ignore[no-untyped-call]
        PeriodicExportingMetricReader(
            CloudMonitoringMetricsExporter(project_id=project), export_interval_millis=GCP_METRIC_INTERVAL_MS
        ),
    )


def _resource(settings: Settings, service: str, mode: TelemetryMode) -> Resource:
    resource = Resource.create(
        {
            "service.name": f"trendwatch-{service}",
            "service.namespace": "trendwatch",
            "deployment.environment": settings.environment,
        }
    )
    if mode != "gcp":
        return resource
    from opentelemetry.resourcedetector.gcp_resource_detector import GoogleCloudResourceDetector

    # Cloud Run's service, revision and instance: Cloud Monitoring needs them to tell instances apart.
    return get_aggregated_resources([GoogleCloudResourceDetector(raise_on_error=False)], resource)


def configure_telemetry(settings: Settings, service: str) -> TelemetryMode:
    """Install this process's span and metric exporters for ``service``; returns the mode used."""
    global _shutdown_registered
    mode = telemetry_mode(settings)
    resource = _resource(settings, service, mode)
    tracer_provider = trace.unexported_provider() if mode == "off" else TracerProvider(resource=resource)
    readers: list[MetricReader] = []
    if mode != "off":
        if mode == "gcp":
            spans, reader = _gcp_exporters(settings.project)
        elif mode == "console":
            spans, reader = _local_exporters(sys.stdout, sys.stdout)
        else:
            folder = telemetry_dir(settings)
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{service}-{os.getpid()}.jsonl"
            spans, reader = _local_exporters(
                (folder / f"spans-{name}").open("a", encoding="utf-8"),
                (folder / f"metrics-{name}").open("a", encoding="utf-8"),
            )
        tracer_provider.add_span_processor(spans)
        readers.append(reader)
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    if not _shutdown_registered:
        atexit.register(_flush_at_exit)
        _shutdown_registered = True
    flush_on_sigterm()
    return mode


def _flush_at_exit() -> None:
    trace.shutdown_tracing()
    metrics.shutdown_metrics()


def _flush_now() -> None:
    timeout_ms = int(SIGTERM_FLUSH_TIMEOUT_S * 1000 / 2)
    trace.flush_tracing(timeout_ms)
    metrics.flush_metrics(timeout_ms)


def _on_sigterm(previous: InstalledHandler) -> SignalHandler:
    def handle(signum: int, frame: FrameType | None) -> None:
        # In a thread of its own: the signal may have interrupted the main thread while it
        # held a lock the exporters need, and a flush that cannot finish must not keep the
        # process from stopping.
        flusher = threading.Thread(target=_flush_now, name="telemetry-sigterm-flush", daemon=True)
        flusher.start()
        flusher.join(SIGTERM_FLUSH_TIMEOUT_S)
        if callable(previous):
            previous(signum, frame)
        elif previous != signal.SIG_IGN:
            # The default action (also for a handler set outside Python): die of SIGTERM as
            # the process would have, exit status included.
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    return handle


def flush_on_sigterm() -> bool:
    """Flush spans and metrics on SIGTERM, then let the handler that was there act.

    A process that keeps SIGTERM's default action dies at once, without exit handlers, and
    batched spans and the last metric interval are lost. The providers are flushed, not
    shut down: the previous handler may go on working for a while (a graceful stop). Only
    the main thread can install a handler: elsewhere this changes nothing and returns
    False. Under functions-framework the first event (hence :func:`configure_telemetry`)
    comes on a request thread; its gunicorn worker owns SIGTERM anyway and stops gracefully,
    which runs the exit handler. Returns True once the handler is installed.
    """
    global _sigterm_handler_installed
    if _sigterm_handler_installed:
        return True
    if threading.current_thread() is not threading.main_thread():
        return False
    signal.signal(signal.SIGTERM, _on_sigterm(signal.getsignal(signal.SIGTERM)))
    _sigterm_handler_installed = True
    return True


def reset_telemetry() -> None:
    """Flush what is batched (spans, the last metric interval) and export nothing from now on."""
    trace.set_tracer_provider(trace.unexported_provider())
    metrics.set_meter_provider(NoOpMeterProvider())
